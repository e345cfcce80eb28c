// Contact property groups and properties (crm-properties-v3 spec). Create answers 201, 409
// OBJECT_ALREADY_EXISTS when the name is taken; batch create answers 201, or 207 whose `errors` list
// the names that already existed (the others are created). Bad input → 400 VALIDATION_ERROR naming
// the field (`in`): missing required fields, bad names, unknown type/fieldType or a combination
// HubSpot refuses (checked loosely), unknown groupName, malformed options.
import express from 'express';
import type { Response } from 'express';
import type { PropertyDef, PropertyGroupDef, PropertyOption } from './default-properties.ts';
import { batchError, isObject, notFound, sendError, validationError } from './errors.ts';
import { authOf, needsScope } from './limits.ts';
import type { Portal, SandboxState } from './state.ts';
import { pathParam } from './values.ts';

const READ = ['crm.schemas.contacts.read', 'crm.schemas.contacts.write'];
const WRITE = ['crm.schemas.contacts.write'];

/** fieldTypes each type accepts (loosely: what HubSpot's UI offers for the type). */
const FIELD_TYPES: Readonly<Record<string, readonly string[]>> = {
  string: ['text', 'textarea', 'html', 'phonenumber', 'file'],
  number: ['number', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
  date: ['date', 'calculation_equation'],
  datetime: ['date', 'calculation_equation'],
  phone_number: ['phonenumber', 'text'],
};
const ALL_FIELD_TYPES = new Set(Object.values(FIELD_TYPES).flat());
const NAME_RE = /^[a-z][a-z0-9_]{0,99}$/;

interface FieldProblem {
  in: string;
  message: string;
}

function invalid(res: Response, problems: FieldProblem[]): void {
  validationError(res, `Invalid input: ${problems.map((p) => `${p.in}: ${p.message}`).join('; ')}`, {
    errors: problems.map((p) => ({ message: p.message, in: p.in })),
    context: { fields: problems.map((p) => p.in) },
  });
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** A property definition from a create body, or the problems naming each bad field. */
function parseProperty(portal: Portal, b: unknown, at = ''): { def: PropertyDef } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!isObject(b)) return { problems: [{ in: at || 'body', message: 'must be an object' }] };
  const f = (k: string) => `${at}${k}`;
  for (const k of ['name', 'label', 'type', 'fieldType', 'groupName']) if (!text(b[k])) problems.push({ in: f(k), message: 'is required' });
  const name = text(b.name);
  if (name && !NAME_RE.test(name)) problems.push({ in: f('name'), message: 'must start with a lower-case letter and use only a-z, 0-9 and _ (at most 100 characters)' });
  if (name && name.startsWith('hs_')) problems.push({ in: f('name'), message: 'names starting with hs_ are reserved for HubSpot' });
  const type = text(b.type);
  const fieldType = text(b.fieldType);
  if (type && !FIELD_TYPES[type]) problems.push({ in: f('type'), message: `unknown type ${JSON.stringify(type)}; use ${Object.keys(FIELD_TYPES).join(', ')}` });
  if (fieldType && !ALL_FIELD_TYPES.has(fieldType)) problems.push({ in: f('fieldType'), message: `unknown fieldType ${JSON.stringify(fieldType)}` });
  else if (type && fieldType && FIELD_TYPES[type] && !FIELD_TYPES[type].includes(fieldType)) {
    problems.push({ in: f('fieldType'), message: `fieldType ${fieldType} cannot be used with type ${type}; use ${FIELD_TYPES[type].join(', ')}` });
  }
  const groupName = text(b.groupName);
  if (groupName && !portal.groups.has(groupName)) problems.push({ in: f('groupName'), message: `property group ${JSON.stringify(groupName)} does not exist` });
  const options: PropertyOption[] = [];
  if (b.options !== undefined) {
    if (!Array.isArray(b.options)) problems.push({ in: f('options'), message: 'must be an array' });
    else {
      for (const [i, o] of b.options.entries()) {
        if (!isObject(o) || !text(o.label) || typeof o.value !== 'string') {
          problems.push({ in: f(`options[${i}]`), message: 'needs a label and a value' });
          continue;
        }
        options.push({
          label: o.label as string,
          value: o.value,
          hidden: o.hidden === true,
          ...(typeof o.displayOrder === 'number' ? { displayOrder: o.displayOrder } : {}),
          ...(typeof o.description === 'string' ? { description: o.description } : {}),
        });
      }
    }
  }
  if (type === 'bool' && options.length === 0) options.push({ label: 'Yes', value: 'true', hidden: false }, { label: 'No', value: 'false', hidden: false });
  if (problems.length) return { problems };
  const now = new Date().toISOString();
  return {
    def: {
      name: name as string,
      label: text(b.label) as string,
      type: type as string,
      fieldType: fieldType as string,
      groupName: groupName as string,
      description: typeof b.description === 'string' ? b.description : '',
      options,
      displayOrder: typeof b.displayOrder === 'number' ? b.displayOrder : -1,
      hasUniqueValue: b.hasUniqueValue === true,
      hidden: b.hidden === true,
      formField: b.formField === true,
      readOnlyValue: false,
      createdAt: now,
      updatedAt: now,
    },
  };
}

/** A property as the API answers it. */
export function propertyView(p: PropertyDef) {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options,
    displayOrder: p.displayOrder,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    formField: p.formField,
    ...(p.hubspotDefined ? { hubspotDefined: true } : {}),
    dataSensitivity: 'non_sensitive',
    modificationMetadata: { archivable: !p.hubspotDefined, readOnlyDefinition: !!p.hubspotDefined, readOnlyValue: p.readOnlyValue },
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    archived: false,
  };
}

const groupView = (g: PropertyGroupDef) => ({ name: g.name, label: g.label, displayOrder: g.displayOrder, archived: false });

const exists = (res: Response, what: 'property' | 'property group', name: string) =>
  sendError(res, 409, 'OBJECT_ALREADY_EXISTS', `A ${what} named '${name}' already exists.`, { context: { name: [name] } });

export function propertyRoutes(state: SandboxState): express.Router {
  const r = express.Router();
  const base = '/crm/v3/properties/contacts';

  r.get(`${base}/groups`, needsScope(state, ...READ), (_req, res) => {
    res.json({ results: [...authOf(res).portal.groups.values()].map(groupView) });
  });

  r.post(`${base}/groups`, needsScope(state, ...WRITE), (req, res) => {
    const { portal } = authOf(res);
    const b = req.body as unknown;
    const problems: FieldProblem[] = [];
    if (!isObject(b)) return invalid(res, [{ in: 'body', message: 'must be an object' }]);
    const name = text(b.name);
    if (!name) problems.push({ in: 'name', message: 'is required' });
    else if (!NAME_RE.test(name)) problems.push({ in: 'name', message: 'must start with a lower-case letter and use only a-z, 0-9 and _' });
    if (!text(b.label)) problems.push({ in: 'label', message: 'is required' });
    if (b.displayOrder !== undefined && !Number.isInteger(b.displayOrder)) problems.push({ in: 'displayOrder', message: 'must be an integer' });
    if (problems.length) return invalid(res, problems);
    if (portal.groups.has(name as string)) return exists(res, 'property group', name as string);
    const g: PropertyGroupDef = { name: name as string, label: text(b.label) as string, displayOrder: typeof b.displayOrder === 'number' ? b.displayOrder : -1 };
    portal.groups.set(g.name, g);
    res.status(201).json(groupView(g));
  });

  r.get(`${base}/groups/:groupName`, needsScope(state, ...READ), (req, res) => {
    const g = authOf(res).portal.groups.get(pathParam(req.params, 'groupName'));
    if (!g) return notFound(res, `Unable to find property group with name: ${pathParam(req.params, 'groupName')}`);
    res.json(groupView(g));
  });

  r.get(base, needsScope(state, ...READ), (_req, res) => {
    res.json({ results: [...authOf(res).portal.properties.values()].map(propertyView) });
  });

  r.post(base, needsScope(state, ...WRITE), (req, res) => {
    const { portal } = authOf(res);
    const parsed = parseProperty(portal, req.body);
    if ('problems' in parsed) return invalid(res, parsed.problems);
    if (portal.properties.has(parsed.def.name)) return exists(res, 'property', parsed.def.name);
    portal.properties.set(parsed.def.name, parsed.def);
    res.status(201).json(propertyView(parsed.def));
  });

  r.post(`${base}/batch/create`, needsScope(state, ...WRITE), (req, res) => {
    const startedAt = new Date().toISOString();
    const { portal } = authOf(res);
    const b = req.body as unknown;
    if (!isObject(b) || !Array.isArray(b.inputs)) return invalid(res, [{ in: 'inputs', message: 'is required and must be an array' }]);
    if (b.inputs.length > 100) return invalid(res, [{ in: 'inputs', message: 'must contain at most 100 items' }]);
    const defs: PropertyDef[] = [];
    const problems: FieldProblem[] = [];
    for (const [i, input] of b.inputs.entries()) {
      const parsed = parseProperty(portal, input, `inputs[${i}].`);
      if ('problems' in parsed) problems.push(...parsed.problems);
      else defs.push(parsed.def);
    }
    if (problems.length) return invalid(res, problems);
    const created: PropertyDef[] = [];
    const existing: string[] = [];
    for (const d of defs) {
      if (portal.properties.has(d.name)) existing.push(d.name);
      else {
        portal.properties.set(d.name, d);
        created.push(d);
      }
    }
    const answer = { status: 'COMPLETE', results: created.map(propertyView), startedAt, completedAt: new Date().toISOString() };
    if (!existing.length) return res.status(201).json(answer);
    res.status(207).json({
      ...answer,
      numErrors: existing.length,
      errors: existing.map((n) => batchError('OBJECT_ALREADY_EXISTS', `A property named '${n}' already exists.`, { name: [n] })),
    });
  });

  r.post(`${base}/batch/read`, needsScope(state, ...READ), (req, res) => {
    const startedAt = new Date().toISOString();
    const { portal } = authOf(res);
    const b = req.body as unknown;
    if (!isObject(b) || !Array.isArray(b.inputs)) return invalid(res, [{ in: 'inputs', message: 'is required and must be an array' }]);
    const names = b.inputs.map((x) => (isObject(x) && typeof x.name === 'string' ? x.name : ''));
    const found = names.map((n) => portal.properties.get(n)).filter((p): p is PropertyDef => !!p);
    const missing = names.filter((n) => !portal.properties.has(n));
    const answer = { status: 'COMPLETE', results: found.map(propertyView), startedAt, completedAt: new Date().toISOString() };
    if (!missing.length) return res.json(answer);
    res.status(207).json({ ...answer, numErrors: 1, errors: [batchError('OBJECT_NOT_FOUND', 'Some properties were not found.', { names: missing })] });
  });

  r.get(`${base}/:propertyName`, needsScope(state, ...READ), (req, res) => {
    const p = authOf(res).portal.properties.get(pathParam(req.params, 'propertyName'));
    if (!p) return notFound(res, `Unable to find property with name: ${pathParam(req.params, 'propertyName')}`);
    res.json(propertyView(p));
  });

  r.patch(`${base}/:propertyName`, needsScope(state, ...WRITE), (req, res) => {
    const { portal } = authOf(res);
    const p = portal.properties.get(pathParam(req.params, 'propertyName'));
    if (!p) return notFound(res, `Unable to find property with name: ${pathParam(req.params, 'propertyName')}`);
    if (p.hubspotDefined) return sendError(res, 400, 'VALIDATION_ERROR', `Property '${p.name}' is defined by HubSpot and cannot be changed.`);
    const merged = parseProperty(portal, { ...propertyView(p), ...(isObject(req.body) ? req.body : {}), name: p.name });
    if ('problems' in merged) return invalid(res, merged.problems);
    const next: PropertyDef = { ...merged.def, createdAt: p.createdAt };
    portal.properties.set(p.name, next);
    res.json(propertyView(next));
  });

  r.delete(`${base}/:propertyName`, needsScope(state, ...WRITE), (req, res) => {
    const { portal } = authOf(res);
    const p = portal.properties.get(pathParam(req.params, 'propertyName'));
    if (p?.hubspotDefined) return sendError(res, 400, 'VALIDATION_ERROR', `Property '${p.name}' is defined by HubSpot and cannot be archived.`);
    portal.properties.delete(pathParam(req.params, 'propertyName'));
    res.status(204).end();
  });

  return r;
}
