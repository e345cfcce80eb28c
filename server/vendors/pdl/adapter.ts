// People Data Labs (https://api.peopledatalabs.com/v5): person and company enrichment, single and in
// bulk (≤100 per request). Facts from VENDORS.md "People Data Labs" and PDL's documentation:
// - auth: `X-Api-Key` header (the key never goes into the URL or the body);
// - a hit is 200 (`{"status": 200, "likelihood": 1–10, "data": {...}}` for a person, the company's
//   fields at the top level for a company); a miss is 404 `{"status": 404, "error": {"type":
//   "not_found"}}`. Only a 200 is billed (one credit of that product), 404s never; PDL bills the same
//   profile again when it is asked again;
// - `POST /person/bulk` and `POST /company/enrich/bulk` take `{"requests": [{"params", "metadata"}]}`
//   and answer an array in request order, each `{status: 200|404, likelihood, data | error, metadata}`
//   (company entries carry the company flat, like the single answer); a bulk is billed per 200 entry;
// - 400 `invalid_request_error`, 401 `authentication_error`, 402 `payment_required` (all credits of the
//   product used), 405 wrong method, 429 `rate_limit_error`;
// - rate limits are fixed windows per key and per endpoint; every answer says what is left:
//   `x-ratelimit-remaining: {'minute': 998}` (a Python dict, `None` for windows the plan lacks),
//   `x-ratelimit-limit` alike, `x-ratelimit-reset` the window's end as an ISO-8601 UTC timestamp;
//   `x-totallimit-remaining` the credits left of the product, `x-call-credits-spent` what this call cost.
import { answerSendable, isStopping, sameForAll, sendInChunks } from '../bulk.ts';
import { driftIfAny } from '../drift.ts';
import { DAY, headerNumber, HOUR, MINUTE, nextBoundary, nextUtcMonthStart, retryAfterAt as retryAfter } from '../clock.ts';
import { failureResult, unexpectedStatus, vendorFetch } from '../http.ts';
import type { VendorHttpResponse } from '../http.ts';
import { domainLookup, emailLookup, hasParams, nameAtCompany, nameCompanyKey, nameDomainKey, personLinkedin } from '../lookups.ts';
import { finiteNumber, normalizeDomain, normalizeEmail, normalizeLinkedinUrl, normalizeName } from '../normalize.ts';
import { noInput, unknownOperation as noSuchOperation, unreadableAnswer } from '../results.ts';
import { vendorWords, zodProblem } from '../text.ts';
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
import { isPdlCompany, isPdlPerson, normalizePdlCompany, normalizePdlPerson } from './normalize.ts';
import {
  bulkCompanyResponse,
  bulkPersonResponse,
  companyEnrichResponse,
  pdlErrorBody,
  personEnrichResponse,
} from './schemas.ts';
import type { BulkCompanyItem, BulkPersonItem, PdlCompany, PdlPerson } from './schemas.ts';

export const PDL_BASE_URL = 'https://api.peopledatalabs.com/v5';

/** The largest `requests` array person/bulk and company/enrich/bulk accept. */
export const PDL_BULK_MAX = 100;

/**
 * Sent with every person lookup. PDL's own default accepts weak matches (likelihood 2); a match is
 * billed and written into the CRM, so Cascade asks for 6 or better (PDL then answers 404, free, below it).
 */
export const PDL_PERSON_MIN_LIKELIHOOD = 6;

/**
 * Default rate windows, per key and endpoint: PDL documents 1,000 requests a minute on paid plans for
 * the enrichment endpoints (100 on the free plan, 10 for free company enrichment). The bulk endpoints
 * have their own window; PDL publishes no separate figure, so it is the same count of requests (a
 * portal on another plan sets its own in settings, and the headers tighten the pacing anyway).
 */
export const PDL_DEFAULT_WINDOWS = {
  person_enrich: [{ limit: 1_000, windowMs: MINUTE }],
  person_bulk: [{ limit: 1_000, windowMs: MINUTE }],
  company_enrich: [{ limit: 1_000, windowMs: MINUTE }],
  company_bulk: [{ limit: 1_000, windowMs: MINUTE }],
} as const satisfies Record<string, readonly RateWindow[]>;

/** One person match: PDL sells person credits at $0.20–0.28 (volume tiers); 25 cents by default. */
export const PDL_PERSON_MATCH_MILLICENTS = 25_000;
/** One company match: ≈ $0.10 (the Pro company plan starts at $100 for 1,000 credits). */
export const PDL_COMPANY_MATCH_MILLICENTS = 10_000;

const BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: false };

type PdlOperation = 'person_enrich' | 'company_enrich';
const PATHS: Record<PdlOperation, { single: string; bulk: string }> = {
  person_enrich: { single: '/person/enrich', bulk: '/person/bulk' },
  company_enrich: { single: '/company/enrich', bulk: '/company/enrich/bulk' },
};

// ---------------------------------------------------------------------------------------------
// Lookups: the key is canonical (same spelling → same key) and says exactly what is sent.

function personLookup(facts: ContactFacts): Lookup | null {
  const byEmail = emailLookup(facts);
  if (byEmail) return byEmail;
  // PDL's `company` takes a company's name, website or profile URL.
  const n = nameAtCompany(facts);
  if (n) return { key: n.key, params: { first_name: n.first, last_name: n.last, company: n.domain ?? n.company } };
  const linkedin = personLinkedin(facts);
  return linkedin ? { key: `linkedin:${linkedin}`, params: { profile: linkedin } } : null;
}

const companyLookup = (facts: ContactFacts): Lookup | null => domainLookup(facts, 'website');

const operations: Record<PdlOperation, OperationSpec> = {
  person_enrich: {
    id: 'person_enrich',
    label: 'Person enrichment (person/enrich)',
    groups: ['email', 'person', 'company', 'phone'],
    costMillicents: PDL_PERSON_MATCH_MILLICENTS,
    billing: BILLING,
    rateWindows: PDL_DEFAULT_WINDOWS.person_enrich,
    lookup: personLookup,
    batch: { maxSize: PDL_BULK_MAX, rateWindows: PDL_DEFAULT_WINDOWS.person_bulk },
  },
  company_enrich: {
    id: 'company_enrich',
    label: 'Company enrichment (company/enrich)',
    groups: ['company'],
    costMillicents: PDL_COMPANY_MATCH_MILLICENTS,
    billing: BILLING,
    rateWindows: PDL_DEFAULT_WINDOWS.company_enrich,
    lookup: companyLookup,
    batch: { maxSize: PDL_BULK_MAX, rateWindows: PDL_DEFAULT_WINDOWS.company_bulk },
  },
};

/** What is sent besides the lookup's own parameters. */
function requestParams(op: PdlOperation, params: Record<string, string>): Record<string, string> {
  return op === 'person_enrich' ? { ...params, min_likelihood: String(PDL_PERSON_MIN_LIKELIHOOD) } : { ...params };
}

// ---------------------------------------------------------------------------------------------
// Headers

/**
 * `{'minute': 998, 'day': None}` (a Python dict, as PDL prints it), its JSON spelling, or a bare
 * number (older answers: the minute window) → the windows that have a number. Never throws.
 */
export function parsePdlCounts(raw: string | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const s = raw?.trim();
  if (!s) return out;
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    out.minute = Number(s);
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      s
        .replace(/'/g, '"')
        .replace(/\bNone\b/g, 'null')
        .replace(/\bTrue\b/g, 'true')
        .replace(/\bFalse\b/g, 'false')
        .replace(/,\s*}/g, '}'),
    );
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      const n = finiteNumber(v);
      if (n !== undefined) out[k.trim().toLowerCase()] = n;
    }
    return out;
  }
  // Not JSON even after the Python fix-ups: read `name: number` pairs.
  for (const m of s.matchAll(/["']?([a-z_]+)["']?\s*[:=]\s*(-?\d+(?:\.\d+)?)/gi)) {
    out[(m[1] as string).toLowerCase()] = Number(m[2]);
  }
  return out;
}

/**
 * A PDL timestamp as epoch ms: ISO-8601 ("2026-05-05T13:28:00Z"), the same without a zone or with a
 * space ("2026-05-05 13:28:00", taken as UTC as PDL documents), or epoch seconds / milliseconds.
 */
export function parsePdlTime(raw: string | null | undefined): number | undefined {
  const s = raw?.trim();
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    if (n >= 1e12) return Math.round(n);
    if (n >= 1e9) return Math.round(n * 1000);
    return undefined;
  }
  let iso = s.replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso += 'Z';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

const WINDOW_MS: Record<string, number> = { second: 1_000, minute: MINUTE, hour: HOUR, day: DAY, month: 30 * DAY };

export { nextBoundary, nextUtcMonthStart };

/**
 * What PDL says is left of its windows, as QuotaReports. `x-ratelimit-reset` is the end of the
 * current (minute) window; a used-up day or month window resets at its own boundary unless the reset
 * header points further out.
 */
export function pdlQuota(headers: Headers, now = Date.now()): QuotaReport[] | undefined {
  const remaining = parsePdlCounts(headers.get('x-ratelimit-remaining'));
  const limits = parsePdlCounts(headers.get('x-ratelimit-limit'));
  const reset = parsePdlTime(headers.get('x-ratelimit-reset'));
  const reports: QuotaReport[] = [];
  for (const [name, left] of Object.entries(remaining)) {
    const windowMs = WINDOW_MS[name];
    if (!windowMs) continue;
    const report: QuotaReport = { windowMs, remaining: Math.max(0, left) };
    const limit = limits[name];
    if (limit !== undefined && limit > 0) report.limit = limit;
    if (windowMs <= MINUTE) {
      if (reset !== undefined && reset > now) report.resetAt = reset;
    } else if (left <= 0) {
      const own = name === 'month' ? nextUtcMonthStart(now) : nextBoundary(now, windowMs);
      report.resetAt = reset !== undefined && reset > now + MINUTE ? reset : own;
    }
    reports.push(report);
  }
  return reports.length ? reports : undefined;
}

/** Credits left of the product the call drew from (`x-totallimit-remaining`), when PDL says. */
export function pdlCreditsRemaining(headers: Headers): number | undefined {
  return headerNumber(headers, 'x-totallimit-remaining');
}

/**
 * When to call again after a 429: the instant `x-ratelimit-reset` names (ISO-8601 UTC). A reset already
 * past by our clock means the window has turned: one second. Without the header: Retry-After, then the
 * next minute boundary (PDL's windows are fixed minutes).
 */
export function pdlRetryAt(headers: Headers, now = Date.now()): number {
  const reset = parsePdlTime(headers.get('x-ratelimit-reset'));
  if (reset !== undefined) return reset > now ? reset : now + 1_000;
  return retryAfter(headers, now) ?? nextBoundary(now, MINUTE);
}

// ---------------------------------------------------------------------------------------------
// Answers other than 200

/** The vendor's own words, short and with the key scrubbed out. */
function errorText(json: unknown, fallback: string, apiKey: string): string {
  const parsed = pdlErrorBody.safeParse(json);
  let s = '';
  if (parsed.success) {
    const e = parsed.data.error;
    if (typeof e === 'string') s = e;
    else if (e) s = [e.type, e.message].filter((x): x is string => !!x).join(': ');
  }
  if (!s) s = fallback;
  return vendorWords(s, apiKey);
}

function isNotFound(json: unknown): boolean {
  const parsed = pdlErrorBody.safeParse(json);
  if (!parsed.success) return false;
  const e = parsed.data.error;
  return (typeof e === 'object' && e?.type === 'not_found') || Number(parsed.data.status) === 404;
}

/** A non-200 status (of a whole answer, or of one bulk entry) → its result. Never billed. */
function statusResult(status: number, json: unknown, text: string, headers: Headers, apiKey: string, now = Date.now()): VendorResult {
  const msg = errorText(json, text, apiKey);
  const base = { httpStatus: status, billed: false } as const;
  switch (true) {
    case status === 404 && isNotFound(json):
      return { ...base, outcome: 'miss' };
    case status === 404:
      return { ...base, outcome: 'invalid_input', message: `unexpected 404 (not PDL's not_found answer; check the base URL): ${msg}` };
    case status === 401:
      return { ...base, outcome: 'auth_failed', message: `People Data Labs rejected the API key (401): ${msg}` };
    case status === 403:
      return { ...base, outcome: 'auth_failed', message: `People Data Labs refused this endpoint for the key (403; the plan may not include it): ${msg}` };
    case status === 402:
      return {
        ...base,
        outcome: 'quota_exhausted',
        retryAt: retryAfter(headers, now) ?? nextUtcMonthStart(now),
        message: `People Data Labs credits used up (402): ${msg}`,
      };
    case status === 429:
      return { ...base, outcome: 'rate_limited', retryAt: pdlRetryAt(headers, now), message: `People Data Labs rate limit (429): ${msg}` };
    case status === 400 || status === 405 || status === 422:
      return { ...base, outcome: 'invalid_input', message: `People Data Labs refused the request (${status}): ${msg}` };
    default:
      return unexpectedStatus(status, msg);
  }
}

// ---------------------------------------------------------------------------------------------
// 200 answers
//
// Every 200 is billed (unless `x-call-credits-spent` says 0). A 200 whose body does not parse is NOT
// transient: the call was paid for and a retry would pay again. It is a `miss` with `billed: true`
// (assume the worst about cost, cache it, move on down the waterfall).

/** `billed: false` when PDL's `x-call-credits-spent` says the call cost nothing. */
function unreadable(status: number, what: string, billed = true): VendorResult {
  return { ...unreadableAnswer('People Data Labs', status, what), billed };
}

function personHit(data: PdlPerson | null | undefined, likelihood: unknown, billed: boolean): VendorResult {
  if (!isPdlPerson(data)) return unreadable(200, 'no person record', billed);
  return { outcome: 'hit', httpStatus: 200, billed, profile: normalizePdlPerson(data, likelihood) };
}

function companyHit(data: PdlCompany | null | undefined, likelihood: unknown, billed: boolean): VendorResult {
  if (!isPdlCompany(data)) return unreadable(200, 'no company record', billed);
  return { outcome: 'hit', httpStatus: 200, billed, profile: normalizePdlCompany(data, likelihood) };
}

/** Whether a 200 was billed: PDL's own `x-call-credits-spent` when it sends one, else its rule (yes). */
function spentAny(headers: Headers): boolean {
  const spent = headerNumber(headers, 'x-call-credits-spent');
  return spent === undefined || spent > 0;
}

function single200(op: PdlOperation, res: VendorHttpResponse): VendorResult {
  const billed = spentAny(res.headers);
  const schema = op === 'person_enrich' ? personEnrichResponse : companyEnrichResponse;
  // The drift goes with every readable-or-not JSON answer: it is what explains an unreadable one.
  const drift = res.json === null ? undefined : driftIfAny(schema, res.json);
  let r: VendorResult;
  if (op === 'person_enrich') {
    const parsed = personEnrichResponse.safeParse(res.json);
    r = parsed.success ? personHit(parsed.data.data, parsed.data.likelihood, billed) : unreadable(200, zodProblem(parsed.error), billed);
  } else {
    const parsed = companyEnrichResponse.safeParse(res.json);
    r = parsed.success ? companyHit(parsed.data, parsed.data.likelihood, billed) : unreadable(200, zodProblem(parsed.error), billed);
  }
  return { ...r, drift };
}

/** Adds the answer's quota report; drops undefined extras so results stay small. */
function finish(r: VendorResult, quota: QuotaReport[] | undefined): VendorResult {
  const out: VendorResult = { ...r };
  if (quota) out.quota = quota;
  if (out.drift === undefined) delete out.drift;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Calls

function endpoint(ctx: CallContext, path: string): string {
  return ctx.baseUrl.replace(/\/+$/, '') + path;
}

function headers(ctx: CallContext): Record<string, string> {
  return { 'x-api-key': ctx.apiKey };
}

async function callSingle(op: PdlOperation, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
  const qs = new URLSearchParams(requestParams(op, lookup.params)).toString();
  const res = await vendorFetch(endpoint(ctx, `${PATHS[op].single}?${qs}`), { method: 'GET', headers: headers(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') return failureResult(res);
  const quota = pdlQuota(res.headers);
  if (res.status === 200) return finish(single200(op, res), quota);
  return finish(statusResult(res.status, res.json, res.text, res.headers, ctx.apiKey), quota);
}

/** Lower-cased identity strings of a returned person, to pair it with a lookup when order is lost. */
function personIdentities(p: PdlPerson): Set<string> {
  const ids = new Set<string>();
  const emails = [p.work_email, ...p.emails.map((e) => e.address), ...(Array.isArray(p.personal_emails) ? p.personal_emails : [])];
  for (const raw of emails) {
    const email = normalizeEmail(raw);
    if (email) ids.add(`email:${email}`);
  }
  const first = normalizeName(p.first_name);
  const last = normalizeName(p.last_name);
  if (first && last) {
    const domain = normalizeDomain(p.job_company_website);
    if (domain) ids.add(nameDomainKey(first, last, domain));
    const company = normalizeName(p.job_company_name);
    if (company) ids.add(nameCompanyKey(first, last, company));
  }
  const linkedin = normalizeLinkedinUrl(p.linkedin_url);
  if (linkedin) ids.add(`linkedin:${linkedin}`);
  return ids;
}

function companyIdentities(c: PdlCompany): Set<string> {
  const domain = normalizeDomain(c.website);
  return new Set(domain ? [`domain:${domain}`] : []);
}

interface Entry {
  /** Where it sits in PDL's array. */
  at: number;
  ref: number | undefined;
  result: VendorResult;
  ids: Set<string>;
}

/** Our `metadata.ref` echoed back, when it names a lookup of the chunk. */
function refOf(item: BulkPersonItem | BulkCompanyItem, n: number): number | undefined {
  const ref = item.metadata?.ref;
  if (typeof ref !== 'string' || !/^\d+$/.test(ref)) return undefined;
  const i = Number(ref);
  return i < n ? i : undefined;
}

/** The record of a 200 entry, normalized, and the identities it can be paired by. */
interface Matched {
  result: VendorResult;
  ids: () => Set<string>;
}

function personEntry(item: BulkPersonItem, billed: boolean): Matched {
  return { result: personHit(item.data, item.likelihood, billed), ids: () => (item.data ? personIdentities(item.data) : new Set()) };
}

function companyEntry(item: BulkCompanyItem, billed: boolean): Matched {
  // Company entries carry the company flat, like the single answer; a `data` envelope is tolerated.
  const company = item.data ?? item;
  return { result: companyHit(company, item.likelihood, billed), ids: () => companyIdentities(company) };
}

/** Reads a bulk answer into entries; a string says why it could not be read at all. */
function bulkEntries(op: PdlOperation, res: VendorHttpResponse, n: number, apiKey: string): Entry[] | string {
  const billed = spentAny(res.headers);
  const schema = op === 'person_enrich' ? bulkPersonResponse : bulkCompanyResponse;
  const parsed = schema.safeParse(res.json);
  if (!parsed.success) return zodProblem(parsed.error);
  const raw = res.json as unknown[];
  return parsed.data.map((item, at): Entry => {
    if (item === 'unreadable') return { at, ref: undefined, result: unreadable(200, 'one bulk entry', billed), ids: new Set() };
    const drift = driftIfAny(schema.element, raw[at]);
    const status = Number(item.status);
    let result: VendorResult;
    let ids = new Set<string>();
    if (status === 200) {
      const m = op === 'person_enrich' ? personEntry(item as BulkPersonItem, billed) : companyEntry(item as BulkCompanyItem, billed);
      result = m.result;
      if (result.outcome === 'hit') ids = m.ids();
    } else {
      result = statusResult(Number.isFinite(status) ? status : 0, item, 'no error message', new Headers(), apiKey);
    }
    return { at, ref: refOf(item, n), result: drift ? { ...result, drift } : result, ids };
  });
}

/**
 * Pairs PDL's entries with the chunk's lookups: by our `metadata.ref` first; an entry without one by
 * its position when the array has one entry per lookup; and a hit still unpaired by identity (its
 * e-mail, LinkedIn, name + company or website). Pairing by position alone could hand one contact
 * another person's data if PDL dropped or reordered an entry. A lookup nothing pairs with is a miss.
 */
function pair(entries: Entry[], lookups: Lookup[], status: number): VendorResult[] {
  const out: (VendorResult | undefined)[] = lookups.map(() => undefined);
  const left: Entry[] = [];
  for (const e of entries) {
    if (e.ref !== undefined && out[e.ref] === undefined) out[e.ref] = e.result;
    else left.push(e);
  }
  const rest: Entry[] = [];
  for (const e of left) {
    if (entries.length === lookups.length && out[e.at] === undefined) out[e.at] = e.result;
    else rest.push(e);
  }
  for (const e of rest) {
    if (e.result.outcome !== 'hit') continue;
    const i = lookups.findIndex((l, j) => out[j] === undefined && e.ids.has(l.key));
    if (i >= 0) out[i] = e.result;
  }
  return out.map(
    (r) => r ?? { outcome: 'miss', httpStatus: status, billed: false, message: "PDL's bulk answer had no entry for this lookup" },
  );
}

/** One bulk request of ≤ PDL_BULK_MAX lookups; results in the order of `lookups`. */
async function bulkChunk(op: PdlOperation, lookups: Lookup[], ctx: CallContext): Promise<{ results: VendorResult[]; stop?: VendorResult }> {
  const body = {
    requests: lookups.map((l, i) => ({ params: requestParams(op, l.params), metadata: { ref: String(i) } })),
  };
  const res = await vendorFetch(endpoint(ctx, PATHS[op].bulk), { method: 'POST', headers: headers(ctx), body }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') return { results: lookups.map(() => failureResult(res)) };
  const quota = pdlQuota(res.headers);
  if (res.status !== 200) {
    const r = finish(statusResult(res.status, res.json, res.text, res.headers, ctx.apiKey), quota);
    return { results: sameForAll(lookups.length, r), ...(isStopping(r) ? { stop: r } : {}) };
  }
  const entries = bulkEntries(op, res, lookups.length, ctx.apiKey);
  if (typeof entries === 'string') {
    // Nothing tells which entries were 200s: assume every lookup may have been paid for.
    const r = finish(unreadable(200, entries, spentAny(res.headers)), quota);
    return { results: sameForAll(lookups.length, r) };
  }
  return { results: pair(entries, lookups, res.status).map((r) => finish(r, quota)) };
}

/**
 * A chunk not sent after `stop`: unlike the shared notSentAfter(), it carries no HTTP status, quota or
 * drift of the refused answer (nothing was asked, so nothing was answered), only its outcome and retryAt.
 */
function notSent(stop: VendorResult): VendorResult {
  return {
    outcome: stop.outcome,
    httpStatus: 0,
    billed: false,
    ...(stop.retryAt !== undefined ? { retryAt: stop.retryAt } : {}),
    message: `not sent: an earlier chunk got ${stop.outcome}; ${stop.message ?? ''}`.trim(),
  };
}

/**
 * Chunks of ≤ PDL_BULK_MAX; a chunk stops the next ones only when PDL refused the whole request
 * (bulkChunk decides: a refused entry inside a 200 answer does not stop them).
 */
const callBulk = (op: PdlOperation, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> =>
  sendInChunks(lookups, PDL_BULK_MAX, ctx, (chunk) => bulkChunk(op, chunk, ctx), { notSent });

// ---------------------------------------------------------------------------------------------
// Connection test
//
// PDL has no account or credits endpoint. Its documentation shows reading one's limits from the
// headers of a bare `GET /person/enrich` (no parameters): without identifying parameters nothing can
// match, so it is answered 400 `invalid_request_error` and never billed (only a 200 is), after the key
// has been checked (401 for a bad key) and with the usual headers, `x-totallimit-remaining` included.

const CHECKED = 'GET /person/enrich';

function connectionResult(res: VendorHttpResponse, apiKey: string): ConnectionTest {
  const credits = pdlCreditsRemaining(res.headers);
  const withCredits = credits === undefined ? {} : { creditsRemaining: credits };
  const base = { httpStatus: res.status, checked: CHECKED, ...withCredits };
  const msg = errorText(res.json, res.text, apiKey);
  switch (true) {
    case res.status === 400 || res.status === 404 || res.status === 200:
      if (credits === 0) {
        return { ...base, ok: false, status: 'no_credits', message: 'People Data Labs accepted the key, but no person-enrichment credits are left this period.' };
      }
      return {
        ...base,
        ok: true,
        status: 'ok',
        message: credits === undefined
          ? 'People Data Labs accepted the key.'
          : `People Data Labs accepted the key; ${credits} person-enrichment credits are left.`,
      };
    case res.status === 401:
      return { ...base, ok: false, status: 'invalid_key', message: 'People Data Labs rejected the API key: check it in the PDL dashboard (API Keys).' };
    case res.status === 402:
      return { ...base, ok: false, status: 'no_credits', message: 'People Data Labs accepted the key, but its credits are used up: upgrade the plan or wait for the renewal.' };
    case res.status === 403:
      return { ...base, ok: false, status: 'forbidden', message: 'People Data Labs refused person enrichment for this key: the plan may not include it.' };
    case res.status === 429:
      return { ...base, ok: false, status: 'rate_limited', message: 'People Data Labs is rate-limiting this key right now: try again in a minute.' };
    default:
      return { ...base, ok: false, status: 'error', message: `People Data Labs answered HTTP ${res.status}: ${msg.slice(0, 120)}` };
  }
}

// ---------------------------------------------------------------------------------------------

const unknownOperation = (operationId: string): VendorResult => noSuchOperation('pdl', operationId);

const isOperation = (id: string): id is PdlOperation => id === 'person_enrich' || id === 'company_enrich';

export const pdlAdapter: VendorAdapter = {
  id: 'pdl',
  displayName: 'People Data Labs',
  operations,
  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    if (!isOperation(operationId)) return unknownOperation(operationId);
    if (!hasParams(lookup)) return noInput();
    return callSingle(operationId, lookup, ctx);
  },
  async callBatch(operationId: string, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
    if (!isOperation(operationId)) return lookups.map(() => unknownOperation(operationId));
    // Lookups without parameters are answered locally; the rest go out in chunks of ≤100.
    return answerSendable(lookups, hasParams, noInput, (sendable) => callBulk(operationId, sendable, ctx));
  },
  async testConnection(ctx: CallContext): Promise<ConnectionTest> {
    const res = await vendorFetch(endpoint(ctx, PATHS.person_enrich.single), { method: 'GET', headers: headers(ctx) }, ctx.timeoutMs, ctx.signal);
    if (res.kind !== 'response') {
      return {
        ok: false,
        status: 'unreachable',
        httpStatus: 0,
        checked: CHECKED,
        message: `People Data Labs could not be reached (${res.kind === 'timeout' ? 'no answer in time' : res.message}): check the base URL and the network.`,
      };
    }
    return connectionResult(res, ctx.apiKey);
  },
};
