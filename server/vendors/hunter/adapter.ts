// Hunter (https://api.hunter.io/v2): e-mail finder, e-mail verifier, and Clearbit-style person and
// company enrichment. Facts from VENDORS.md "Hunter":
// - auth: X-API-KEY header (the key never goes into the URL);
// - a miss is 200 with `data.email: null` (finder) or 404 (people/companies find); misses are free;
// - 403 is the *rate-limit* signal (short back-off), 429 means the plan's monthly quota is used up;
// - the verifier answers 202 while still verifying and 222 when the remote SMTP server failed;
// - 451 `claimed_email`: the person opted out, never process them;
// - repeat searches of the same lookup within the billing period are free;
// - GET /account is free and not counted against the plan: plan, reset date and credits left (the
//   connection test);
// - Hunter sends no rate-limit headers (no X-RateLimit-*, no Retry-After documented or observed), so
//   results carry no `quota`: the engine paces by the documented windows alone.
import type { z } from 'zod';
import { driftIfAny } from '../drift.ts';
import { nextUtcMonthStart, retryAfterAt as retryAfter } from '../clock.ts';
import { vendorFetch, failureResult, unexpectedStatus } from '../http.ts';
import { emailLookup, employerDomainLookup, nameAtCompany } from '../lookups.ts';
import { numberOf } from '../normalize.ts';
import { scrubKey as scrubWith, scrubMessage } from '../text.ts';
import type {
  BillingRule,
  CallContext,
  ConnectionTest,
  ContactFacts,
  Lookup,
  OperationSpec,
  RateWindow,
  VendorAdapter,
  VendorResult,
} from '../types.ts';
import { normalizeCompany, normalizeFinder, normalizePerson, normalizeVerifier } from './normalize.ts';
import {
  accountResponse,
  companyResponse,
  finderResponse,
  hunterErrorBody,
  personResponse,
  verifierResponse,
} from './schemas.ts';

export const HUNTER_BASE_URL = 'https://api.hunter.io/v2';

const BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: true };
const GENERAL_WINDOWS: readonly RateWindow[] = [
  { limit: 15, windowMs: 1_000 },
  { limit: 500, windowMs: 60_000 },
];
const VERIFIER_WINDOWS: readonly RateWindow[] = [
  { limit: 10, windowMs: 1_000 },
  { limit: 300, windowMs: 60_000 },
];

/** Back-off after Hunter's 403 rate-limit signal (it sends no reset header). */
export const RATE_LIMIT_BACKOFF_MS = 1_000;
/** Back-off after a 202 "still verifying": the verification finishes on Hunter's side meanwhile. */
export const VERIFYING_BACKOFF_MS = 1_500;
/** Back-off after a 222 remote SMTP failure: the receiving server is the problem, give it time. */
export const SMTP_FAILURE_BACKOFF_MS = 60_000;

const PATHS: Record<string, string> = {
  email_finder: '/email-finder',
  email_verifier: '/email-verifier',
  people_find: '/people/find',
  companies_find: '/companies/find',
};

// ---------------------------------------------------------------------------------------------
// Lookups

function finderLookup(facts: ContactFacts): Lookup | null {
  const n = nameAtCompany(facts);
  if (n?.domain !== undefined) return { key: n.key, params: { first_name: n.first, last_name: n.last, domain: n.domain } };
  return n ? { key: n.key, params: { first_name: n.first, last_name: n.last, company: n.company } } : null;
}

/** The company's domain, else the e-mail's unless it is free mail (whose "company" is not the employer). */
const companyLookup = (facts: ContactFacts): Lookup | null => employerDomainLookup(facts);

// ---------------------------------------------------------------------------------------------
// Response interpretation (pure: status + parsed body → VendorResult)

function errorDetails(json: unknown): { id?: string; details?: string } {
  const parsed = hunterErrorBody.safeParse(json);
  const first = parsed.success ? parsed.data.errors?.[0] : undefined;
  return { id: first?.id ?? undefined, details: first?.details ?? undefined };
}

function describe(status: number, json: unknown, fallback: string): string {
  const e = errorDetails(json);
  const parts = [e.id, e.details].filter((x): x is string => !!x);
  return `HTTP ${status}: ${(parts.length ? parts.join(': ') : fallback).slice(0, 160)}`;
}

export { nextUtcMonthStart };

function quotaResetAt(json: unknown, headers: Headers | undefined, now: number): number {
  const fromHeader = retryAfter(headers, now);
  if (fromHeader !== undefined) return fromHeader;
  const details = errorDetails(json).details ?? '';
  const m = /\b(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)\b/.exec(details);
  if (m?.[1]) {
    const iso = /T|\s/.test(m[1]) ? m[1].replace(' ', 'T') : `${m[1]}T00:00:00Z`;
    const t = Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
    if (Number.isFinite(t) && t > now) return t;
  }
  return nextUtcMonthStart(now);
}

function badShape(status: number): VendorResult {
  // Hunter answered 2xx but not in a shape we know: treat as "no usable answer", retryable.
  return { outcome: 'transient', httpStatus: status, billed: false, message: `HTTP ${status}: unexpected response shape` };
}

/** The schema each operation's 200 answer is read with (for drift). */
const SCHEMAS: Record<string, z.ZodType> = {
  email_finder: finderResponse,
  email_verifier: verifierResponse,
  people_find: personResponse,
  companies_find: companyResponse,
};

/** A 200 answer: the result, plus the answer's drift from the schema that reads it. */
function interpret200(operationId: string, json: unknown): VendorResult {
  const result = interpretBody(operationId, json);
  const schema = SCHEMAS[operationId];
  const drift = schema && json !== null ? driftIfAny(schema, json) : undefined;
  return drift ? { ...result, drift } : result;
}

function interpretBody(operationId: string, json: unknown): VendorResult {
  switch (operationId) {
    case 'email_finder': {
      const r = finderResponse.safeParse(json);
      if (!r.success) return badShape(200);
      const found = typeof r.data.data.email === 'string' && r.data.data.email.trim() !== '';
      if (!found) return { outcome: 'miss', httpStatus: 200, billed: false, message: 'no e-mail found' };
      const profile = normalizeFinder(r.data.data);
      // Hunter bills any returned e-mail, even one we cannot use.
      return profile.work_email
        ? { outcome: 'hit', httpStatus: 200, billed: true, profile }
        : { outcome: 'miss', httpStatus: 200, billed: true, message: 'unusable e-mail returned' };
    }
    case 'email_verifier': {
      const r = verifierResponse.safeParse(json);
      if (!r.success) return badShape(200);
      // Every completed verification is billed, whatever its verdict.
      return { outcome: 'hit', httpStatus: 200, billed: true, profile: normalizeVerifier(r.data.data) };
    }
    case 'people_find': {
      if (json !== null && typeof json === 'object' && (json as { data?: unknown }).data === null) {
        return { outcome: 'miss', httpStatus: 200, billed: false, message: 'person not found' };
      }
      const r = personResponse.safeParse(json);
      if (!r.success) return badShape(200);
      return { outcome: 'hit', httpStatus: 200, billed: true, profile: normalizePerson(r.data.data) };
    }
    case 'companies_find': {
      if (json !== null && typeof json === 'object' && (json as { data?: unknown }).data === null) {
        return { outcome: 'miss', httpStatus: 200, billed: false, message: 'company not found' };
      }
      const r = companyResponse.safeParse(json);
      if (!r.success) return badShape(200);
      return { outcome: 'hit', httpStatus: 200, billed: true, profile: normalizeCompany(r.data.data) };
    }
    default:
      return { outcome: 'invalid_input', httpStatus: 200, billed: false, message: `unknown operation ${operationId}` };
  }
}

/**
 * Maps one Hunter answer to a VendorResult. Pure and total: any status and any body give a result.
 * `now` is injectable so tests can check the back-off times.
 */
export function interpretHunterResponse(
  operationId: string,
  status: number,
  json: unknown,
  headers?: Headers,
  now = Date.now(),
): VendorResult {
  switch (status) {
    case 200:
      return interpret200(operationId, json);
    case 202:
      return {
        outcome: 'transient',
        httpStatus: 202,
        billed: false,
        retryAt: retryAfter(headers, now) ?? now + VERIFYING_BACKOFF_MS,
        message: 'HTTP 202: verification still in progress',
      };
    case 222:
      return {
        outcome: 'transient',
        httpStatus: 222,
        billed: false,
        retryAt: retryAfter(headers, now) ?? now + SMTP_FAILURE_BACKOFF_MS,
        message: describe(222, json, 'remote SMTP server failure'),
      };
    case 400:
    case 422:
      return { outcome: 'invalid_input', httpStatus: status, billed: false, message: describe(status, json, 'invalid parameters') };
    case 401:
      return { outcome: 'auth_failed', httpStatus: 401, billed: false, message: describe(401, json, 'authentication failed') };
    case 403:
      return {
        outcome: 'rate_limited',
        httpStatus: 403,
        billed: false,
        retryAt: retryAfter(headers, now) ?? now + RATE_LIMIT_BACKOFF_MS,
        message: describe(403, json, 'rate limit reached'),
      };
    case 404:
      return { outcome: 'miss', httpStatus: 404, billed: false, message: describe(404, json, 'not found') };
    case 429:
      return {
        outcome: 'quota_exhausted',
        httpStatus: 429,
        billed: false,
        retryAt: quotaResetAt(json, headers, now),
        message: describe(429, json, 'monthly quota used up'),
      };
    case 451:
      return {
        outcome: 'miss',
        httpStatus: 451,
        billed: false,
        doNotProcess: true,
        message: describe(451, json, 'claimed_email: the person opted out'),
      };
    default:
      return unexpectedStatus(status, typeof json === 'object' && json !== null ? JSON.stringify(json) : '');
  }
}

// ---------------------------------------------------------------------------------------------
// The adapter

function op(
  id: string,
  label: string,
  groups: OperationSpec['groups'],
  costMillicents: number,
  rateWindows: readonly RateWindow[],
  lookup: OperationSpec['lookup'],
): OperationSpec {
  return { id, label, groups, costMillicents, billing: BILLING, rateWindows, lookup };
}

/** Removes the key from any text that may reach a log (defence in depth: Hunter does not echo it). */
const scrubKey = (message: string, apiKey: string): string => scrubWith(message, apiKey, '[key]');

// ---------------------------------------------------------------------------------------------
// Connection test: GET /account (free, not counted against the plan or the rate windows)

const ACCOUNT_CHECKED = 'GET /account';
const KEY_PLACE = 'Hunter → API (hunter.io/api-keys)';

/**
 * Credits left according to GET /account: the `credits` meter on current plans (`searches` on legacy
 * ones), its `remaining` when Hunter sends one, else `available − used` (`available` is the period's
 * allowance). Whole credits, rounded down; undefined when the answer says nothing usable.
 */
export function hunterCreditsLeft(json: unknown): number | undefined {
  const parsed = accountResponse.safeParse(json);
  if (!parsed.success) return undefined;
  const m = parsed.data.data.requests?.credits ?? parsed.data.data.requests?.searches;
  if (!m) return undefined;
  const remaining = numberOf(m.remaining);
  const left = Number.isFinite(remaining) ? remaining : numberOf(m.available) - numberOf(m.used);
  return Number.isFinite(left) ? Math.max(0, Math.floor(left)) : undefined;
}

function connection(
  status: ConnectionTest['status'],
  httpStatus: number,
  message: string,
  creditsRemaining?: number,
): ConnectionTest {
  return {
    ok: status === 'ok',
    status,
    httpStatus,
    message,
    checked: ACCOUNT_CHECKED,
    ...(creditsRemaining === undefined ? {} : { creditsRemaining }),
  };
}

async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const url = `${ctx.baseUrl.replace(/\/+$/, '')}/account`;
  const res = await vendorFetch(url, { headers: { 'X-API-KEY': ctx.apiKey } }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') {
    return connection('unreachable', 0, `Hunter did not answer (${res.message}); check the base URL and the network, then try again.`);
  }
  const scrub = (m: string) => scrubKey(m, ctx.apiKey);
  if (res.status === 200) {
    const parsed = accountResponse.safeParse(res.json);
    if (!parsed.success) {
      return connection('error', 200, 'Hunter answered the account check in a form Cascade does not know; try again, or contact support if it persists.');
    }
    const d = parsed.data.data;
    const plan = typeof d.plan_name === 'string' && d.plan_name.trim() ? `the ${d.plan_name.trim().slice(0, 40)} plan` : 'its plan';
    const reset = typeof d.reset_date === 'string' && /^\d{4}-\d{2}-\d{2}/.test(d.reset_date) ? d.reset_date.slice(0, 10) : undefined;
    const until = reset ? ` until ${reset}` : '';
    const credits = hunterCreditsLeft(res.json);
    if (credits === 0) {
      return connection('no_credits', 200, scrub(`The Hunter key works, but ${plan} has no credits left${until}; upgrade or wait for the reset.`), 0);
    }
    const left = credits === undefined ? '' : `, ${credits.toLocaleString('en-US')} credits left${until}`;
    return connection('ok', 200, scrub(`Hunter accepted the API key (${plan}${left}).`), credits);
  }
  const err = hunterErrorBody.safeParse(res.json);
  const id = err.success ? err.data.errors?.[0]?.id : undefined;
  switch (res.status) {
    case 401:
      return connection('invalid_key', 401, `Hunter rejected this API key; copy it again from ${KEY_PLACE}.`);
    case 403:
      // Hunter's 403 is its rate-limit signal; another error id means the key may not use the API.
      return id && id !== 'too_many_requests'
        ? connection('forbidden', 403, scrub(`Hunter refused this key (${id.slice(0, 60)}); check the account's API access in ${KEY_PLACE}.`))
        : connection('rate_limited', 403, 'Hunter is rate-limiting this key right now; try again in a few seconds.');
    case 429:
      return connection('no_credits', 429, "Hunter says the plan's monthly quota is used up; upgrade or wait for the reset.");
    default:
      return connection('error', res.status, `Hunter answered the account check with HTTP ${res.status}; try again in a few minutes.`);
  }
}

export const hunterAdapter: VendorAdapter = {
  id: 'hunter',
  displayName: 'Hunter',
  // Default prices: a Hunter credit ≈ 10 cents = 10,000 millicents.
  operations: {
    email_finder: op('email_finder', 'Email Finder', ['email', 'phone', 'person'], 10_000, GENERAL_WINDOWS, finderLookup),
    email_verifier: op('email_verifier', 'Email Verifier', ['email_verification'], 5_000, VERIFIER_WINDOWS, emailLookup),
    people_find: op('people_find', 'People Find (enrichment)', ['person'], 2_000, GENERAL_WINDOWS, emailLookup),
    companies_find: op('companies_find', 'Companies Find (enrichment)', ['company'], 2_000, GENERAL_WINDOWS, companyLookup),
  },

  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    const path = PATHS[operationId];
    if (!path) return { outcome: 'invalid_input', httpStatus: 0, billed: false, message: `unknown operation ${operationId}` };
    const url = `${ctx.baseUrl.replace(/\/+$/, '')}${path}?${new URLSearchParams(lookup.params).toString()}`;
    const res = await vendorFetch(url, { headers: { 'X-API-KEY': ctx.apiKey } }, ctx.timeoutMs, ctx.signal);
    if (res.kind !== 'response') return failureResult(res);
    return scrubMessage(interpretHunterResponse(operationId, res.status, res.json, res.headers), (m) => scrubKey(m, ctx.apiKey));
  },

  testConnection,
};
