// CRM contact search (POST /crm/v3/objects/contacts/search): filterGroups (OR of groups, AND of the
// filters in a group) with HubSpot's operators, a free-text `query`, one sort, `limit` ≤ 200 and
// `after` paging up to HubSpot's 10 000-result ceiling; its own 5 calls/s per portal (searchGate).
// Values compare by the property's type: numbers numerically, date/datetime as epoch ms (the filter
// value may be ms or ISO-8601), text case-insensitively. NEQ/NOT_IN also match contacts without a value.
import express from 'express';
import type { Response } from 'express';
import { QUERY_SEARCHED } from './default-properties.ts';
import { isObject, validationError } from './errors.ts';
import { authOf, needsScope, searchGate } from './limits.ts';
import type { Contact, Portal, SandboxState } from './state.ts';
import { contactView, selectedProperties } from './values.ts';

const OPERATORS = new Set(['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN', 'BETWEEN', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN']);
const MAX_LIMIT = 200;
const MAX_RESULTS = 10_000;

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
}

type Comparable = number | string;

function toComparable(type: string, raw: string): Comparable | undefined {
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  if (type === 'date' || type === 'datetime') {
    if (/^\d{1,16}$/.test(raw)) return Number(raw);
    const t = Date.parse(raw);
    return Number.isNaN(t) ? undefined : t;
  }
  return raw.toLowerCase();
}

function matches(portal: Portal, c: Contact, f: Filter): boolean {
  const type = portal.properties.get(f.propertyName)?.type ?? 'string';
  const raw = c.properties[f.propertyName];
  const has = raw !== undefined && raw !== '';
  if (f.operator === 'HAS_PROPERTY') return has;
  if (f.operator === 'NOT_HAS_PROPERTY') return !has;
  const v = has ? toComparable(type, raw) : undefined;
  const cmp = (x: string | undefined) => (x === undefined ? undefined : toComparable(type, x));
  const target = cmp(f.value);
  switch (f.operator) {
    case 'EQ':
      return v !== undefined && v === target;
    case 'NEQ':
      return v === undefined || v !== target;
    case 'IN':
      return v !== undefined && (f.values ?? []).some((x) => cmp(x) === v);
    case 'NOT_IN':
      return v === undefined || !(f.values ?? []).some((x) => cmp(x) === v);
    case 'CONTAINS_TOKEN':
      return typeof v === 'string' && typeof target === 'string' && v.includes(target.replace(/\*/g, ''));
    case 'NOT_CONTAINS_TOKEN':
      return !(typeof v === 'string' && typeof target === 'string' && v.includes(target.replace(/\*/g, '')));
    case 'BETWEEN': {
      const hi = cmp(f.highValue);
      return v !== undefined && target !== undefined && hi !== undefined && v >= target && v <= hi;
    }
  }
  if (v === undefined || target === undefined) return false;
  if (f.operator === 'LT') return v < target;
  if (f.operator === 'LTE') return v <= target;
  if (f.operator === 'GT') return v > target;
  return v >= target; // GTE
}

/** The filter groups as given, or the name of the first bad field for a 400. */
function parseGroups(portal: Portal, raw: unknown): { groups: Filter[][] } | { bad: string; message: string } {
  if (raw === undefined) return { groups: [] };
  if (!Array.isArray(raw)) return { bad: 'filterGroups', message: 'filterGroups must be an array' };
  if (raw.length > 6) return { bad: 'filterGroups', message: 'at most 6 filterGroups are allowed' };
  const groups: Filter[][] = [];
  let total = 0;
  for (const [gi, g] of raw.entries()) {
    if (!isObject(g) || !Array.isArray(g.filters)) return { bad: `filterGroups[${gi}].filters`, message: 'filters must be an array' };
    const filters: Filter[] = [];
    for (const [fi, f] of g.filters.entries()) {
      const at = `filterGroups[${gi}].filters[${fi}]`;
      if (!isObject(f) || typeof f.propertyName !== 'string') return { bad: `${at}.propertyName`, message: 'propertyName is required' };
      if (typeof f.operator !== 'string' || !OPERATORS.has(f.operator)) return { bad: `${at}.operator`, message: `unsupported operator ${JSON.stringify(f.operator)}` };
      if (!portal.properties.has(f.propertyName)) return { bad: `${at}.propertyName`, message: `Property "${f.propertyName}" does not exist` };
      const needsValue = !['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(f.operator);
      const value = f.value === undefined || f.value === null ? undefined : String(f.value);
      if (needsValue && value === undefined) return { bad: `${at}.value`, message: `operator ${f.operator} needs a value` };
      const values = Array.isArray(f.values) ? f.values.map(String) : undefined;
      if ((f.operator === 'IN' || f.operator === 'NOT_IN') && !values?.length) return { bad: `${at}.values`, message: `operator ${f.operator} needs values` };
      filters.push({
        propertyName: f.propertyName,
        operator: f.operator,
        value,
        highValue: f.highValue === undefined ? undefined : String(f.highValue),
        values,
      });
    }
    total += filters.length;
    groups.push(filters);
  }
  if (total > 18) return { bad: 'filterGroups', message: 'at most 18 filters are allowed in all' };
  return { groups };
}

function parseSort(raw: unknown): { property: string; desc: boolean } | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const s: unknown = raw[0];
  if (typeof s === 'string') return s.startsWith('-') ? { property: s.slice(1), desc: true } : { property: s, desc: false };
  if (isObject(s) && typeof s.propertyName === 'string') return { property: s.propertyName, desc: s.direction === 'DESCENDING' };
  return undefined;
}

function bad(res: Response, field: string, message: string) {
  validationError(res, `Invalid search request: ${field}: ${message}`, { errors: [{ message, in: field }] });
}

export function searchRoutes(state: SandboxState): express.Router {
  const r = express.Router();
  r.post('/crm/v3/objects/contacts/search', needsScope(state, 'crm.objects.contacts.read', 'crm.objects.contacts.write'), searchGate(state), (req, res) => {
    const { portal } = authOf(res);
    const body = (isObject(req.body) ? req.body : {}) as Record<string, unknown>;
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) return bad(res, 'limit', `must be an integer from 0 to ${MAX_LIMIT}`);
    const after = body.after === undefined || body.after === null || body.after === '' ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) return bad(res, 'after', 'must be a paging cursor from a previous answer');
    if (after + limit > MAX_RESULTS) return bad(res, 'after', `search can page through at most ${MAX_RESULTS} results`);
    const parsed = parseGroups(portal, body.filterGroups);
    if ('bad' in parsed) return bad(res, parsed.bad, parsed.message);
    const asked = Array.isArray(body.properties) ? body.properties.filter((p): p is string => typeof p === 'string') : undefined;
    const query = typeof body.query === 'string' ? body.query.trim().toLowerCase() : '';
    const sort = parseSort(body.sorts);

    let hits = [...portal.contacts.values()].filter(
      (c) => parsed.groups.length === 0 || parsed.groups.some((g) => g.every((f) => matches(portal, c, f))),
    );
    if (query) hits = hits.filter((c) => QUERY_SEARCHED.some((p) => (c.properties[p] ?? '').toLowerCase().includes(query)));
    const byId = (a: Contact, b: Contact) => Number(a.id) - Number(b.id);
    if (sort) {
      const type = portal.properties.get(sort.property)?.type ?? 'string';
      const key = (c: Contact) => {
        const v = c.properties[sort.property];
        return v === undefined ? undefined : toComparable(type, v);
      };
      hits.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        if (ka === kb) return byId(a, b);
        if (ka === undefined) return 1;
        if (kb === undefined) return -1;
        return (ka < kb ? -1 : 1) * (sort.desc ? -1 : 1);
      });
    } else hits.sort(byId);

    const names = selectedProperties(portal, asked);
    const page = hits.slice(after, after + limit);
    const next = after + limit;
    res.json({
      total: hits.length,
      results: page.map((c) => contactView(c, names)),
      ...(next < hits.length && limit > 0 ? { paging: { next: { after: String(next) } } } : {}),
    });
  });
  return r;
}
