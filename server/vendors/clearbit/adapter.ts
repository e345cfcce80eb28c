// Clearbit legacy Enrichment API v2: person (https://person.clearbit.com/v2) and company
// (https://company.clearbit.com/v2) on two hosts. Facts from VENDORS.md "Clearbit" and Clearbit's
// help centre ("What counts as an API request", "What is a 202 status code"):
// - auth: `Authorization: Bearer <key>`; only the legacy secret keys (`sk_…`) of accounts created
//   before HubSpot's takeover work — newer accounts get no API key at all, so any other key is
//   refused here without a call;
// - 200 = the record; 202 = queued: Clearbit is (re)indexing the record and does not retry on its
//   own — ask again shortly; 404 `unknown_record` = nothing found;
// - billing: Clearbit counts every request answered 200, 201, 202 or 404 — a miss costs the same as
//   a hit — and counts each unique lookup once per billing period: asking for the same e-mail or
//   domain again in the period is free. So a 202 is billed, and the follow-up that returns the
//   record is a free repeat (`chargesOnMiss: true`, `repeatLookupsFree: true`);
// - 401 bad key, 402 over the plan's monthly quota, 422 bad parameter (not counted);
// - 429 over 600 requests/min per API; `X-RateLimit-Limit` / `X-RateLimit-Remaining` /
//   `X-RateLimit-Reset` on every answer. VENDORS.md gives the reset in seconds; live probes show
//   epoch seconds: both are read (a value past 2001 as an epoch, a small one as seconds to wait).
import { failureResult, unexpectedStatus, vendorFetch } from '../http.ts';
import { driftIfAny } from '../drift.ts';
import { headerNumber, MINUTE, nextUtcMonthStart } from '../clock.ts';
import { emailLookup, employerDomainLookup, hasParams } from '../lookups.ts';
import { noInput, unknownOperation } from '../results.ts';
import { scrubKey, scrubMessage, urlPath as pathOf } from '../text.ts';
import type {
  BillingRule,
  CallContext,
  ConnectionTest,
  ContactFacts,
  Lookup,
  OperationSpec,
  QuotaReport,
  RateWindow,
  VendorAdapter,
  VendorResult,
} from '../types.ts';
import { normalizeClearbitCompany, normalizeClearbitPerson } from './normalize.ts';
import { clearbitCompany, clearbitErrorBody, clearbitPerson } from './schemas.ts';

export const CLEARBIT_PERSON_BASE_URL = 'https://person.clearbit.com/v2';
export const CLEARBIT_COMPANY_BASE_URL = 'https://company.clearbit.com/v2';

/**
 * Default price of one counted request. Clearbit sold legacy Enrichment as yearly plans with a
 * monthly request allowance (no public per-request price any more); 10 cents per lookup is the
 * placeholder, for person and company alike. Portals set their contract's price.
 */
export const CLEARBIT_REQUEST_MILLICENTS = 10_000;

/**
 * After a 202: Clearbit says a queued record is reindexed within a couple of seconds and suggests
 * retrying "after a few minutes"; 30 s is a compromise the engine can still wait for in a step.
 */
export const CLEARBIT_QUEUED_RETRY_MS = 30_000;

/** After a 429 without a usable reset header. */
export const CLEARBIT_RATE_LIMIT_FALLBACK_MS = 60_000;

/**
 * 600 requests/min per API and key (person and company are separate APIs); Cascade paces at 500 so
 * the key's other users (Clearbit's own CRM integrations share it) keep some room.
 */
export const CLEARBIT_DEFAULT_WINDOWS = {
  person_find: [{ limit: 500, windowMs: MINUTE }],
  company_find: [{ limit: 500, windowMs: MINUTE }],
} as const satisfies Record<string, readonly RateWindow[]>;

const BILLING: BillingRule = { chargesOnMiss: true, repeatLookupsFree: true };

// ---------------------------------------------------------------------------------------------
// Lookups

const personLookup = (facts: ContactFacts): Lookup | null => emailLookup(facts);

/** The company's domain, else the e-mail's unless it is free mail (whose "company" is not the employer). */
const companyLookup = (facts: ContactFacts): Lookup | null => employerDomainLookup(facts);

const operations: Record<string, OperationSpec> = {
  person_find: {
    id: 'person_find',
    label: 'Person enrichment (people/find)',
    // The person's name, title, seniority, LinkedIn and location, and the employer's name and domain.
    groups: ['person', 'company'],
    costMillicents: CLEARBIT_REQUEST_MILLICENTS,
    billing: BILLING,
    rateWindows: CLEARBIT_DEFAULT_WINDOWS.person_find,
    lookup: personLookup,
  },
  company_find: {
    id: 'company_find',
    label: 'Company enrichment (companies/find)',
    groups: ['company'],
    costMillicents: CLEARBIT_REQUEST_MILLICENTS,
    billing: BILLING,
    rateWindows: CLEARBIT_DEFAULT_WINDOWS.company_find,
    lookup: companyLookup,
  },
};

// ---------------------------------------------------------------------------------------------
// Headers

/** A reset value as epoch ms: epoch seconds when it can only be one, else seconds from now. */
function resetToEpochMs(reset: number, now: number): number {
  return reset > 1e9 ? reset * 1000 : now + Math.ceil(reset * 1000);
}

/** When to call again after a 429: `X-RateLimit-Reset` (either format), or Retry-After, or a minute. */
export function clearbitRetryAt(headers: Headers | undefined, now = Date.now()): number {
  let retryAt = 0;
  const reset = headerNumber(headers, 'x-ratelimit-reset');
  if (reset !== undefined && reset >= 0) retryAt = resetToEpochMs(reset, now);
  const retryAfter = headerNumber(headers, 'retry-after');
  if (retryAfter !== undefined && retryAfter > 0) retryAt = Math.max(retryAt, now + retryAfter * 1000);
  if (retryAt > now) return retryAt;
  // A reset already past: the window has turned; a reset of nothing at all: wait a minute.
  return reset !== undefined ? now + 1_000 : now + CLEARBIT_RATE_LIMIT_FALLBACK_MS;
}

/** `X-RateLimit-*` (sent on every answer, even a 401) as one per-minute window. */
export function clearbitQuota(headers: Headers | undefined, now = Date.now()): QuotaReport[] | undefined {
  const remaining = headerNumber(headers, 'x-ratelimit-remaining');
  if (remaining === undefined) return undefined;
  const report: QuotaReport = { windowMs: MINUTE, remaining: Math.max(0, Math.floor(remaining)) };
  const limit = headerNumber(headers, 'x-ratelimit-limit');
  if (limit !== undefined && limit > 0) report.limit = Math.floor(limit);
  const reset = headerNumber(headers, 'x-ratelimit-reset');
  if (reset !== undefined && reset >= 0) report.resetAt = resetToEpochMs(reset, now);
  return [report];
}

export { nextUtcMonthStart };

// ---------------------------------------------------------------------------------------------
// Answers → VendorResult (pure)

function errorOf(json: unknown): { type: string; message: string } {
  const parsed = clearbitErrorBody.safeParse(json);
  const e = parsed.success ? parsed.data.error : null;
  return { type: e?.type ?? '', message: e?.message ?? '' };
}

function describe(status: number, json: unknown, fallback: string): string {
  const e = errorOf(json);
  const s = [e.type, e.message].filter(Boolean).join(': ') || fallback;
  return `HTTP ${status}: ${s.replace(/\s+/g, ' ').trim().slice(0, 160)}`;
}

function isPersonRecord(p: { id?: string | null; name?: unknown; employment?: unknown; email?: string | null }): boolean {
  return !!((typeof p.id === 'string' && p.id.trim()) || p.name || p.employment || p.email);
}

function isCompanyRecord(c: { id?: string | null; name?: string | null; domain?: string | null }): boolean {
  return !!((typeof c.id === 'string' && c.id.trim()) || c.name || c.domain);
}

/** A 200 we cannot read was still counted by Clearbit: a billed miss, not retried. */
function unreadable(status: number, what: string): VendorResult {
  return { outcome: 'miss', httpStatus: status, billed: true, message: `unreadable ${status} answer from Clearbit (${what}); counted as billed` };
}

function interpretRecord(operationId: string, status: number, json: unknown): VendorResult {
  if (operationId === 'person_find') {
    const parsed = clearbitPerson.safeParse(json);
    if (!parsed.success || !isPersonRecord(parsed.data)) return unreadable(status, 'not a person');
    const profile = normalizeClearbitPerson(parsed.data);
    return Object.keys(profile).length
      ? { outcome: 'hit', httpStatus: status, billed: true, profile }
      : { outcome: 'miss', httpStatus: status, billed: true, message: 'person record without usable fields' };
  }
  const parsed = clearbitCompany.safeParse(json);
  if (!parsed.success || !isCompanyRecord(parsed.data)) return unreadable(status, 'not a company');
  const profile = normalizeClearbitCompany(parsed.data);
  return Object.keys(profile).length
    ? { outcome: 'hit', httpStatus: status, billed: true, profile }
    : { outcome: 'miss', httpStatus: status, billed: true, message: 'company record without usable fields' };
}

/**
 * Maps one Clearbit answer to a VendorResult. Pure and total: any status, any body and any headers
 * give a result. `now` is injectable so tests can check the back-off times.
 */
export function interpretClearbitResponse(
  operationId: string,
  status: number,
  json: unknown,
  headers?: Headers,
  now = Date.now(),
): VendorResult {
  const quota = clearbitQuota(headers, now);
  const extras = quota ? { quota } : {};
  const retryAfter = headerNumber(headers, 'retry-after');
  switch (status) {
    case 200:
    case 201: {
      const schema = operationId === 'person_find' ? clearbitPerson : clearbitCompany;
      const drift = driftIfAny(schema, json);
      return { ...interpretRecord(operationId, status, json), ...extras, ...(drift ? { drift } : {}) };
    }
    case 202:
      // Queued: Clearbit counted the request (billed) and is indexing the record; asking again in
      // the billing period is free. An answer arrived, so nothing here is ambiguous.
      return {
        outcome: 'transient',
        httpStatus: 202,
        billed: true,
        retryAt: now + (retryAfter && retryAfter > 0 ? retryAfter * 1000 : CLEARBIT_QUEUED_RETRY_MS),
        message: 'HTTP 202: queued by Clearbit, the record is being indexed; ask again shortly (a repeat in the billing period is free)',
        ...extras,
      };
    case 404: {
      const e = errorOf(json);
      if (e.type === 'unknown_route') {
        return { outcome: 'invalid_input', httpStatus: 404, billed: false, message: describe(404, json, 'unknown route'), ...extras };
      }
      // Clearbit counts a 404 like a hit.
      return { outcome: 'miss', httpStatus: 404, billed: true, message: describe(404, json, 'not found'), ...extras };
    }
    case 400:
    case 422:
      return { outcome: 'invalid_input', httpStatus: status, billed: false, message: describe(status, json, 'invalid parameters'), ...extras };
    case 401:
      return {
        outcome: 'auth_failed',
        httpStatus: 401,
        billed: false,
        message: `${describe(401, json, 'authentication failed')} — check the legacy Clearbit secret key (sk_…)`,
        ...extras,
      };
    case 403:
      return { outcome: 'auth_failed', httpStatus: 403, billed: false, message: describe(403, json, 'forbidden for this key'), ...extras };
    case 402:
      return {
        outcome: 'quota_exhausted',
        httpStatus: 402,
        billed: false,
        retryAt: retryAfter && retryAfter > 0 ? now + retryAfter * 1000 : nextUtcMonthStart(now),
        message: describe(402, json, 'over the plan quota'),
        ...extras,
      };
    case 429:
      return {
        outcome: 'rate_limited',
        httpStatus: 429,
        billed: false,
        retryAt: clearbitRetryAt(headers, now),
        message: describe(429, json, 'rate limit exceeded'),
        ...extras,
      };
    default:
      return { ...unexpectedStatus(status, typeof json === 'object' && json !== null ? JSON.stringify(json) : ''), ...extras };
  }
}

// ---------------------------------------------------------------------------------------------
// Calls

const PATHS: Record<string, { host: 'person' | 'company'; path: string }> = {
  person_find: { host: 'person', path: '/people/find' },
  company_find: { host: 'company', path: '/companies/find' },
};

/** The company host: `ctx.hosts.company`, else the person host with "person." turned into "company.". */
export function clearbitCompanyBase(ctx: Pick<CallContext, 'baseUrl' | 'hosts'>): string {
  const explicit = ctx.hosts?.company;
  if (explicit) return explicit.replace(/\/+$/, '');
  return ctx.baseUrl.replace(/\/+$/, '').replace(/^(https?:\/\/)person(-stream)?\./i, '$1company.');
}

function baseFor(ctx: CallContext, host: 'person' | 'company'): string {
  return host === 'company' ? clearbitCompanyBase(ctx) : ctx.baseUrl.replace(/\/+$/, '');
}

/** Only legacy secret keys work; anything else is refused before a request is made. */
export function isLegacyClearbitKey(apiKey: string): boolean {
  return /^sk_[A-Za-z0-9_-]{8,}$/.test(apiKey.trim());
}

const NOT_LEGACY =
  'Clearbit only accepts the legacy secret API keys that start with "sk_" (accounts created before HubSpot took Clearbit over); this key is not one, so no request was made';

function authHeaders(ctx: CallContext): Record<string, string> {
  return { authorization: `Bearer ${ctx.apiKey.trim()}` };
}

/**
 * The cheapest proof of a key: companies/find WITHOUT a domain. Clearbit checks the key first (401
 * for a bad one), then refuses the missing parameter with 422 — and counts only 200/201/202/404, so
 * the test costs nothing. A non-`sk_` key is refused without a call.
 */
async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const url = `${clearbitCompanyBase(ctx)}/companies/find`;
  const checked = `GET ${pathOf(url)}`;
  if (!isLegacyClearbitKey(ctx.apiKey)) {
    return { ok: false, status: 'invalid_key', httpStatus: 0, checked, message: `${NOT_LEGACY}.` };
  }
  const res = await vendorFetch(url, { method: 'GET', headers: authHeaders(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') {
    return { ok: false, status: 'unreachable', httpStatus: 0, checked, message: `Clearbit could not be reached: ${res.message}.` };
  }
  const e = errorOf(res.json);
  const left = clearbitQuota(res.headers)?.[0];
  const budget = left ? ` (${left.remaining} of ${left.limit ?? '?'} requests left this minute)` : '';
  const base = { httpStatus: res.status, checked } as const;
  switch (true) {
    case res.status === 400 || res.status === 422 || res.status === 200 || res.status === 202 || (res.status === 404 && e.type !== 'unknown_route'):
      return { ...base, ok: true, status: 'ok', message: `Clearbit accepted the secret key${budget}.` };
    case res.status === 401:
      return {
        ...base,
        ok: false,
        status: 'invalid_key',
        message: 'Clearbit rejected the key (401): copy the secret key (sk_…) from the Clearbit dashboard, Settings → API.',
      };
    case res.status === 402:
      return { ...base, ok: false, status: 'no_credits', message: 'The key works but the Clearbit plan is over its monthly quota (402).' };
    case res.status === 403:
      return { ...base, ok: false, status: 'forbidden', message: 'Clearbit refused this key (403): the plan does not include the Enrichment API.' };
    case res.status === 429: {
      const wait = Math.max(1, Math.ceil((clearbitRetryAt(res.headers) - Date.now()) / 1000));
      return { ...base, ok: false, status: 'rate_limited', message: `Clearbit is rate limiting this key; try again in ${wait} s.` };
    }
    default:
      return {
        ...base,
        ok: false,
        status: 'error',
        message: `Clearbit answered HTTP ${res.status}${e.type ? ` (${e.type})` : ''}: check the Clearbit base URLs.`,
      };
  }
}

export const clearbitAdapter: VendorAdapter = {
  id: 'clearbit',
  displayName: 'Clearbit (legacy)',
  operations,

  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    const route = PATHS[operationId];
    if (!route) return unknownOperation('clearbit', operationId);
    if (!isLegacyClearbitKey(ctx.apiKey)) return { outcome: 'auth_failed', httpStatus: 0, billed: false, message: NOT_LEGACY };
    if (!hasParams(lookup)) return noInput();
    const url = `${baseFor(ctx, route.host)}${route.path}?${new URLSearchParams(lookup.params).toString()}`;
    const res = await vendorFetch(url, { method: 'GET', headers: authHeaders(ctx) }, ctx.timeoutMs, ctx.signal);
    if (res.kind !== 'response') return failureResult(res);
    return scrubMessage(interpretClearbitResponse(operationId, res.status, res.json, res.headers), (m) => scrubKey(m, ctx.apiKey));
  },

  testConnection,
};
