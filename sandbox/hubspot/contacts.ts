// CRM contacts (crm-contacts-v3 spec): get one (404 when missing), list, create, patch, archive, and
// the batch read/update Cascade uses: ≤100 inputs (else 400), duplicate ids refused, unknown or
// read-only property names and badly typed values refuse the whole batch with 400 VALIDATION_ERROR;
// ids that do not exist give a 207 multi-status whose `errors` list them, the rest are processed.
import express from 'express';
import type { Response } from 'express';
import { batchError, isObject, notFound, sendError, validationError } from './errors.ts';
import { authOf, needsScope } from './limits.ts';
import type { Contact, Portal, SandboxState } from './state.ts';
import { checkValues, contactView, pathParam, problemsMessage, queryList, selectedProperties } from './values.ts';

export const BATCH_MAX = 100;

const READ = ['crm.objects.contacts.read', 'crm.objects.contacts.write'];
const WRITE = ['crm.objects.contacts.write'];

/** The contact an id (or, with idProperty, a unique property value such as email) names. */
function findContact(portal: Portal, id: string, idProperty?: string): Contact | undefined {
  if (!idProperty || idProperty === 'hs_object_id') return portal.contacts.get(id);
  const wanted = id.toLowerCase();
  for (const c of portal.contacts.values()) if ((c.properties[idProperty] ?? '').toLowerCase() === wanted) return c;
  return undefined;
}

function batchInputs(res: Response, body: unknown): unknown[] | null {
  if (!isObject(body) || !Array.isArray(body.inputs)) {
    validationError(res, 'Invalid input JSON: "inputs" is required and must be an array.', { errors: [{ message: 'inputs is required', in: 'inputs' }] });
    return null;
  }
  if (body.inputs.length > BATCH_MAX) {
    validationError(res, `Batch input limit exceeded: ${body.inputs.length} inputs were given; the maximum is ${BATCH_MAX}.`, {
      errors: [{ message: `must contain at most ${BATCH_MAX} items`, in: 'inputs' }],
    });
    return null;
  }
  return body.inputs;
}

const idOf = (input: unknown): string | undefined => {
  if (!isObject(input)) return undefined;
  const id = input.id;
  return typeof id === 'string' && id.trim() ? id.trim() : typeof id === 'number' ? String(id) : undefined;
};

function batchAnswer(res: Response, startedAt: string, results: unknown[], missing: string[]) {
  const base = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
  if (!missing.length) return res.status(200).json(base);
  res.status(207).json({
    ...base,
    numErrors: 1,
    errors: [
      batchError('OBJECT_NOT_FOUND', 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', { ids: missing }),
    ],
  });
}

export function contactRoutes(state: SandboxState): express.Router {
  const r = express.Router();
  const base = '/crm/v3/objects/contacts';

  r.post(`${base}/batch/read`, needsScope(state, ...READ), (req, res) => {
    const startedAt = new Date().toISOString();
    const { portal } = authOf(res);
    const inputs = batchInputs(res, req.body);
    if (!inputs) return;
    const body = req.body as { properties?: unknown; idProperty?: unknown };
    const asked = Array.isArray(body.properties) ? body.properties.filter((p): p is string => typeof p === 'string') : undefined;
    const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
    const names = selectedProperties(portal, asked);
    const results: unknown[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      const id = idOf(input);
      if (!id) return validationError(res, 'Every input needs an "id".', { errors: [{ message: 'id is required', in: 'inputs[].id' }] });
      const c = findContact(portal, id, idProperty);
      if (!c) missing.push(id);
      else if (!seen.has(c.id)) {
        seen.add(c.id);
        results.push(contactView(c, names));
      }
    }
    batchAnswer(res, startedAt, results, missing);
  });

  r.post(`${base}/batch/update`, needsScope(state, ...WRITE), (req, res) => {
    const startedAt = new Date().toISOString();
    const { portal } = authOf(res);
    const inputs = batchInputs(res, req.body);
    if (!inputs) return;
    const parsed: { id: string; idProperty?: string; values: Record<string, string> }[] = [];
    const ids = new Set<string>();
    const dupes: string[] = [];
    for (const [i, input] of inputs.entries()) {
      const id = idOf(input);
      if (!id || !isObject(input) || !isObject(input.properties)) {
        return validationError(res, `Invalid input at inputs[${i}]: "id" and "properties" are required.`, {
          errors: [{ message: 'id and properties are required', in: `inputs[${i}]` }],
        });
      }
      if (ids.has(id)) dupes.push(id);
      ids.add(id);
      const { problems, values } = checkValues(portal, input.properties);
      if (problems.length) return validationError(res, problemsMessage(problems), { context: { properties: problems.map((p) => p.name) } });
      parsed.push({ id, idProperty: typeof input.idProperty === 'string' ? input.idProperty : undefined, values });
    }
    if (dupes.length) return validationError(res, `Duplicate IDs found in batch input: [${dupes.join(', ')}]. IDs must be unique`, { context: { ids: dupes } });
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const p of parsed) {
      const c = findContact(portal, p.id, p.idProperty);
      if (!c) {
        missing.push(p.id);
        continue;
      }
      state.updateContact(c, p.values);
      results.push(contactView(c, [...new Set([...Object.keys(p.values), 'createdate', 'hs_object_id', 'lastmodifieddate'])]));
    }
    batchAnswer(res, startedAt, results, missing);
  });

  r.get(base, needsScope(state, ...READ), (req, res) => {
    const { portal } = authOf(res);
    const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 10) || 10));
    const after = Number(req.query.after ?? 0) || 0;
    const names = selectedProperties(portal, queryList(req.query.properties));
    const all = [...portal.contacts.values()].sort((a, b) => Number(a.id) - Number(b.id)).filter((c) => Number(c.id) > after);
    const page = all.slice(0, limit);
    const last = page[page.length - 1];
    res.json({
      results: page.map((c) => contactView(c, names)),
      ...(all.length > limit && last ? { paging: { next: { after: last.id, link: `${base}?after=${last.id}` } } } : {}),
    });
  });

  r.post(base, needsScope(state, ...WRITE), (req, res) => {
    const { portal } = authOf(res);
    const body = req.body as unknown;
    if (!isObject(body) || !isObject(body.properties)) return validationError(res, '"properties" is required.', { errors: [{ message: 'properties is required', in: 'properties' }] });
    const { problems, values } = checkValues(portal, body.properties);
    if (problems.length) return validationError(res, problemsMessage(problems));
    const email = values.email?.toLowerCase();
    const existing = email ? [...portal.contacts.values()].find((c) => c.properties.email?.toLowerCase() === email) : undefined;
    if (existing) return sendError(res, 409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`, { context: { existingId: [existing.id] } });
    const id = state.createContact(portal.id, values);
    const c = portal.contacts.get(id) as Contact;
    res.status(201).json(contactView(c, [...new Set([...Object.keys(values), 'createdate', 'hs_object_id', 'lastmodifieddate'])]));
  });

  const missingOne = (res: Response, id: string) => notFound(res, 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });

  r.get(`${base}/:contactId`, needsScope(state, ...READ), (req, res) => {
    const { portal } = authOf(res);
    const idProperty = typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined;
    const c = findContact(portal, pathParam(req.params, 'contactId'), idProperty);
    if (!c) return missingOne(res, pathParam(req.params, 'contactId'));
    res.json(contactView(c, selectedProperties(portal, queryList(req.query.properties))));
  });

  r.patch(`${base}/:contactId`, needsScope(state, ...WRITE), (req, res) => {
    const { portal } = authOf(res);
    const body = req.body as unknown;
    if (!isObject(body) || !isObject(body.properties)) return validationError(res, '"properties" is required.', { errors: [{ message: 'properties is required', in: 'properties' }] });
    const { problems, values } = checkValues(portal, body.properties);
    if (problems.length) return validationError(res, problemsMessage(problems));
    const c = findContact(portal, pathParam(req.params, 'contactId'), typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined);
    if (!c) return missingOne(res, pathParam(req.params, 'contactId'));
    state.updateContact(c, values);
    res.json(contactView(c, [...new Set([...Object.keys(values), 'createdate', 'hs_object_id', 'lastmodifieddate'])]));
  });

  r.delete(`${base}/:contactId`, needsScope(state, ...WRITE), (req, res) => {
    const { portal } = authOf(res);
    portal.contacts.delete(pathParam(req.params, 'contactId'));
    res.status(204).end();
  });

  return r;
}
