// App events on the contact timeline (crm-timeline-2026-03 spec; the v4 paths answer the same):
//   POST /integrators/timeline/{v4|2026-03}/events        one occurrence → 201 with the occurrence
//   POST /integrators/timeline/{v4|2026-03}/events/batch  {inputs} → 200 BatchResponse
// Body `{eventTypeName, id, objectId (or email), properties: {string map}, timestamp?}`. An
// eventTypeName the app may not send (option appEventTypes) or any other validation problem → 400
// naming the field; an (eventTypeName, id) already stored in the portal → 409 (occurrences are
// immutable). A batch is all-or-nothing, as the spec says: one bad input → 400, one duplicate
// (also within the batch) → 409, and none is stored.
import express from 'express';
import type { Response } from 'express';
import { errorBody, isObject, validationError } from './errors.ts';
import { authOf, needsScope } from './limits.ts';
import type { Portal, SandboxState, TimelineEvent } from './state.ts';

const SCOPES = ['timeline', 'crm.objects.contacts.write', 'crm.schemas.contacts.write'];

type Parsed = { event: TimelineEvent } | { field: string; message: string };

function parse(state: SandboxState, portal: Portal, b: unknown, at: string): Parsed {
  if (!isObject(b)) return { field: at || 'body', message: 'must be an object' };
  const f = (k: string) => `${at}${k}`;
  const eventTypeName = typeof b.eventTypeName === 'string' ? b.eventTypeName.trim() : '';
  if (!eventTypeName) return { field: f('eventTypeName'), message: 'is required' };
  const allowed = state.opts.appEventTypes;
  if (allowed && !allowed.has(eventTypeName)) return { field: f('eventTypeName'), message: `event type ${JSON.stringify(eventTypeName)} does not exist for this app` };
  const id = typeof b.id === 'string' ? b.id.trim() : typeof b.id === 'number' ? String(b.id) : '';
  if (!id) return { field: f('id'), message: 'is required' };
  let objectId = typeof b.objectId === 'string' ? b.objectId.trim() : typeof b.objectId === 'number' ? String(b.objectId) : '';
  if (!objectId && typeof b.email === 'string') {
    const wanted = b.email.toLowerCase();
    objectId = [...portal.contacts.values()].find((c) => c.properties.email?.toLowerCase() === wanted)?.id ?? '';
    if (!objectId) return { field: f('email'), message: 'no contact has this email' };
  }
  if (!objectId) return { field: f('objectId'), message: 'is required (or email)' };
  if (!portal.contacts.has(objectId)) return { field: f('objectId'), message: `contact ${objectId} does not exist` };
  if (!isObject(b.properties)) return { field: f('properties'), message: 'is required and must be an object of strings' };
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(b.properties)) {
    if (typeof v !== 'string') return { field: f(`properties.${k}`), message: 'must be a string' };
    properties[k] = v;
  }
  let timestamp: string | undefined;
  if (b.timestamp !== undefined && b.timestamp !== null) {
    const t = typeof b.timestamp === 'number' ? b.timestamp : Date.parse(String(b.timestamp));
    if (!Number.isFinite(t)) return { field: f('timestamp'), message: 'must be an ISO-8601 date-time' };
    timestamp = new Date(t).toISOString();
  }
  return { event: { portalId: portal.id, eventTypeName, id, objectId, properties, ...(timestamp ? { timestamp } : {}), receivedAt: Date.now() } };
}

const keyOf = (e: TimelineEvent) => `${e.portalId}|${e.eventTypeName}|${e.id}`;

const view = (e: TimelineEvent) => ({
  eventTypeName: e.eventTypeName,
  id: e.id,
  objectId: e.objectId,
  properties: e.properties,
  timestamp: e.timestamp ?? new Date(e.receivedAt).toISOString(),
});

function conflict(res: Response, dupes: TimelineEvent[]): void {
  res.status(409).json(
    errorBody('CONFLICT', `An occurrence for this event type and occurrence ID already exists. Occurrences are immutable: ${dupes.map((d) => d.id).join(', ')}`, {
      context: { ids: dupes.map((d) => d.id) },
    }),
  );
}

export function timelineRoutes(state: SandboxState): express.Router {
  const r = express.Router();
  const stored = new Set<string>();

  for (const version of ['v4', '2026-03']) {
    const base = `/integrators/timeline/${version}/events`;
    r.post(base, needsScope(state, ...SCOPES), (req, res) => {
      const { portal } = authOf(res);
      const p = parse(state, portal, req.body, '');
      if ('field' in p) return validationError(res, `${p.field}: ${p.message}`, { errors: [{ message: p.message, in: p.field }] });
      if (stored.has(keyOf(p.event))) return conflict(res, [p.event]);
      stored.add(keyOf(p.event));
      state.timeline.push(p.event);
      res.status(201).json(view(p.event));
    });

    r.post(`${base}/batch`, needsScope(state, ...SCOPES), (req, res) => {
      const startedAt = new Date().toISOString();
      const { portal } = authOf(res);
      const b = req.body as unknown;
      if (!isObject(b) || !Array.isArray(b.inputs)) return validationError(res, 'inputs is required and must be an array', { errors: [{ message: 'is required', in: 'inputs' }] });
      if (b.inputs.length > 500) return validationError(res, 'At most 500 occurrences per batch.', { errors: [{ message: 'must contain at most 500 items', in: 'inputs' }] });
      const events: TimelineEvent[] = [];
      for (const [i, input] of b.inputs.entries()) {
        const p = parse(state, portal, input, `inputs[${i}].`);
        if ('field' in p) return validationError(res, `${p.field}: ${p.message}`, { errors: [{ message: p.message, in: p.field }] });
        events.push(p.event);
      }
      const seen = new Set<string>();
      const dupes = events.filter((e) => {
        const dup = stored.has(keyOf(e)) || seen.has(keyOf(e));
        seen.add(keyOf(e));
        return dup;
      });
      if (dupes.length) return conflict(res, dupes);
      for (const e of events) {
        stored.add(keyOf(e));
        state.timeline.push(e);
      }
      res.status(200).json({ status: 'COMPLETE', results: events.map(view), startedAt, completedAt: new Date().toISOString() });
    });
  }
  return r;
}
