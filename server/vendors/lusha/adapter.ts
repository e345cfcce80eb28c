// Lusha (https://api.lusha.com, API v2): person enrichment (single GET and bulk POST of ≤100) and
// company enrichment (single GET and bulk POST of ≤100). Facts from VENDORS.md "Lusha" and Lusha's
// v2 OpenAPI reference:
// - auth: `api_key` header (the key never goes into the URL or the body);
// - GET /v2/person?email= | linkedinUrl= | firstName+lastName+companyDomain|companyName → `{"contact":
//   {"error", "isCreditCharged", "data"}}`; a miss is 200 with `error: {code: 3, name: "EMPTY_DATA"}`;
//   POST /v2/person `{"contacts": [{"contactId", …}], "metadata"}` answers `{"contacts": {contactId:
//   entry}, "companies": {companyId: company}}`;
// - GET /v2/company?domain= → `{"data": {...}}`; POST /bulk/company/v2 `{"companies": [{"id", "domain"}]}`
//   answers `{id: company}`;
// - billing: the answer says whether it charged (`isCreditCharged`, per contact in bulk too) and is
//   trusted. Lusha charges per datapoint revealed (e-mail 1 credit, phone 5, company 1) and a
//   contact's datapoint revealed once is free afterwards, so repeating a person lookup is free;
// - 401 bad key; 402 credits used up; 403 account inactive or plan lacks individual reveals; 412 a
//   name Lusha cannot use; 451 the person is GDPR-restricted (never process, not billed);
// - 429 per-plan windows (minute/hour/day) plus 25 requests/s, each answer carries
//   `x-rate-limit-{minute,hourly,daily}`, `x-{minute,hourly,daily}-requests-left` and
//   `x-{…}-usage`; a 429 adds `RateLimit-Limit/Remaining/Reset` (Reset in seconds) and
//   `X-RateLimit-Remaining-Daily` / `X-RateLimit-Reset-Daily`, and its message may say "Reset in X
//   seconds". A 429 "trial limit" is a used-up allowance, not a window.
import { answerSendable, sameForAll, sendInChunks } from '../bulk.ts';
import { failureResult, unexpectedStatus, vendorFetch } from '../http.ts';
import type { VendorHttpResponse } from '../http.ts';
import { driftIfAny } from '../drift.ts';
import { DAY, HOUR, MINUTE, nextBoundary, SECOND } from '../clock.ts';
import { domainLookup, emailLookup, hasParams, nameAtCompany, personLinkedin } from '../lookups.ts';
import { noInput, unknownOperation as noSuchOperation, unreadableAnswer } from '../results.ts';
import { scrubKey, vendorWords, zodProblem } from '../text.ts';
import type {
  BillingRule,
  CallContext,
  ConnectionTest,
  ContactFacts,
  Lookup,
  OperationSpec,
  QuotaReport,
  RateWindow,
  SchemaDrift,
  VendorAdapter,
  VendorResult,
} from '../types.ts';
import { isLushaCompany, isLushaPerson, normalizeLushaCompany, normalizeLushaContact } from './normalize.ts';
import {
  accountUsageResponse,
  bulkCompanyResponse,
  bulkContactResponse,
  lushaCompany,
  lushaContactEntry,
  lushaErrorBody,
  singleCompanyResponse,
  singleContactResponse,
  usageStats,
} from './schemas.ts';
import type { LushaCompany, LushaContactEntry } from './schemas.ts';

export const LUSHA_BASE_URL = 'https://api.lusha.com';

/** The largest `contacts` / `companies` array the bulk endpoints accept. */
export const LUSHA_BULK_MAX = 100;

/**
 * Default rate windows: Lusha's Pro plan (50/min, 150/h, 1,500/day) plus the 25 requests/s every
 * endpoint has. Premium is 300/min, 1,800/h, 18,000/day; Scale 300/min, 5,000/h, 50,000/day; Free
 * and Starter 40/min, 100/day. Lusha counts these per account across endpoints, so the engine's
 * per-endpoint buckets may together exceed them: the `x-*-requests-left` headers reported in
 * `quota` on every answer let it tighten. A bulk request counts as one request.
 */
export const LUSHA_DEFAULT_WINDOWS: readonly RateWindow[] = [
  { limit: 25, windowMs: SECOND },
  { limit: 50, windowMs: MINUTE },
  { limit: 150, windowMs: HOUR },
  { limit: 1_500, windowMs: DAY },
];

/** Credits per datapoint revealed (Lusha's unified-credits pricing). */
export const LUSHA_CREDITS = { email: 1, phone: 5, company: 1 } as const;

/**
 * One credit ≈ 10 cents: Lusha's self-serve plans sell credits at roughly $0.08–0.15 (Pro ≈ $30–36
 * for 250 credits a month, Premium ≈ $60–70 for 600). Portals override with their contract price.
 */
export const LUSHA_CREDIT_MILLICENTS = 10_000;

/**
 * After a 402 (credits used up) or a trial's 429 the key cools down this long: Lusha gives no reset
 * time, and an admin who buys credits should not wait for a month boundary. One call an hour per
 * key at most meets the wall meanwhile.
 */
export const LUSHA_QUOTA_COOLDOWN_MS = HOUR;

/** A person is charged once per datapoint and the datapoint is free afterwards; misses are free. */
const PERSON_BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: true };
/**
 * A company profile costs a credit whenever one is returned. Lusha documents "free after the first
 * reveal" for contacts' datapoints only, so a repeated company lookup is assumed billed again.
 */
const COMPANY_BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: false };

// ---------------------------------------------------------------------------------------------
// Lookups: the key is canonical (same spelling → same key) and says exactly what is sent.

function personLookup(facts: ContactFacts): Lookup | null {
  const byEmail = emailLookup(facts);
  if (byEmail) return byEmail;
  const linkedin = personLinkedin(facts);
  if (linkedin) return { key: `linkedin:${linkedin}`, params: { linkedinUrl: linkedin } };
  const n = nameAtCompany(facts);
  if (n?.domain !== undefined) return { key: n.key, params: { firstName: n.first, lastName: n.last, companyDomain: n.domain } };
  if (n) return { key: n.key, params: { firstName: n.first, lastName: n.last, companyName: n.company } };
  return null;
}

const companyLookup = (facts: ContactFacts): Lookup | null => domainLookup(facts);

const operations: Record<string, OperationSpec> = {
  person: {
    id: 'person',
    label: 'Person enrichment (GET /v2/person)',
    // The answer carries work e-mails, phones, title/seniority/location and the person's company.
    groups: ['email', 'person', 'phone', 'company'],
    // Lusha returns both e-mails and phones unless the plan restricts it: the worst case is both.
    costMillicents: (LUSHA_CREDITS.email + LUSHA_CREDITS.phone) * LUSHA_CREDIT_MILLICENTS,
    billing: PERSON_BILLING,
    rateWindows: LUSHA_DEFAULT_WINDOWS,
    // Lusha counts every request of an account in the same windows, whatever the endpoint.
    rateGroup: 'account',
    lookup: personLookup,
    batch: { maxSize: LUSHA_BULK_MAX, rateWindows: LUSHA_DEFAULT_WINDOWS },
  },
  company: {
    id: 'company',
    label: 'Company enrichment (GET /v2/company)',
    groups: ['company'],
    costMillicents: LUSHA_CREDITS.company * LUSHA_CREDIT_MILLICENTS,
    billing: COMPANY_BILLING,
    rateWindows: LUSHA_DEFAULT_WINDOWS,
    rateGroup: 'account',
    lookup: companyLookup,
    batch: { maxSize: LUSHA_BULK_MAX, rateWindows: LUSHA_DEFAULT_WINDOWS },
  },
};

// ---------------------------------------------------------------------------------------------
// Rate-limit headers → quota reports and retryAt

export { nextBoundary };

function headerNumber(headers: Headers, ...names: string[]): number | undefined {
  for (const name of names) {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === '') continue;
    const n = Number(raw.trim());
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/**
 * A reset header as epoch ms: epoch milliseconds, epoch seconds, or seconds from now (the reference
 * documents `RateLimit-Reset` as seconds until the reset, `X-RateLimit-Reset-Daily` only as "the
 * time" of the reset).
 */
function resetTime(value: number | undefined, now: number): number | undefined {
  if (value === undefined || value < 0) return undefined;
  if (value > 1e12) return Math.round(value);
  if (value > 1e9) return Math.round(value * 1000);
  return now + Math.ceil(value * 1000);
}

const WINDOW_HEADERS: readonly { windowMs: number; left: string[]; limit: string[]; usage: string[]; reset: string[] }[] = [
  { windowMs: MINUTE, left: ['x-minute-requests-left'], limit: ['x-rate-limit-minute'], usage: ['x-minute-usage'], reset: [] },
  { windowMs: HOUR, left: ['x-hourly-requests-left'], limit: ['x-rate-limit-hourly'], usage: ['x-hourly-usage'], reset: [] },
  {
    windowMs: DAY,
    left: ['x-daily-requests-left', 'x-ratelimit-remaining-daily', 'x-ratelimit-remaining-day'],
    limit: ['x-rate-limit-daily', 'x-ratelimit-limit-daily', 'x-ratelimit-limit-day'],
    usage: ['x-daily-usage'],
    reset: ['x-ratelimit-reset-daily', 'x-ratelimit-reset-day'],
  },
];

/** The window a 429 message names ("Hourly API rate limit exceeded…", "… calls per day"). */
export function windowNamedIn(message: string): number | undefined {
  if (/\bdaily\b|per\s+day\b|\bday\b/i.test(message)) return DAY;
  if (/\bhourly\b|per\s+hour\b/i.test(message)) return HOUR;
  if (/\bminute\b/i.test(message)) return MINUTE;
  if (/\bsecond\b(?!s)|per\s+second/i.test(message)) return SECOND;
  return undefined;
}

/**
 * Every remaining/limit/reset header of an answer as quota reports, one per window. `RateLimit-*`
 * describes the window the 429 message names, and the 25/s window otherwise (as documented).
 */
export function lushaQuota(headers: Headers, message = '', now = Date.now()): QuotaReport[] {
  const reports = new Map<number, QuotaReport>();
  for (const w of WINDOW_HEADERS) {
    const limit = headerNumber(headers, ...w.limit);
    let remaining = headerNumber(headers, ...w.left);
    if (remaining === undefined && limit !== undefined) {
      const used = headerNumber(headers, ...w.usage);
      if (used !== undefined) remaining = limit - used;
    }
    if (remaining === undefined) continue;
    const r: QuotaReport = { windowMs: w.windowMs, remaining: Math.max(0, Math.floor(remaining)) };
    if (limit !== undefined && limit > 0) r.limit = limit;
    const resetAt = resetTime(headerNumber(headers, ...w.reset), now);
    if (resetAt !== undefined) r.resetAt = resetAt;
    reports.set(w.windowMs, r);
  }
  const rlRemaining = headerNumber(headers, 'ratelimit-remaining');
  if (rlRemaining !== undefined) {
    const windowMs = windowNamedIn(message) ?? SECOND;
    const prev = reports.get(windowMs);
    const r: QuotaReport = { windowMs, remaining: Math.max(0, Math.floor(Math.min(rlRemaining, prev?.remaining ?? Infinity))) };
    const limit = windowMs === SECOND ? headerNumber(headers, 'ratelimit-limit') : prev?.limit;
    if (limit !== undefined && limit > 0) r.limit = limit;
    const resetAt = resetTime(headerNumber(headers, 'ratelimit-reset'), now) ?? prev?.resetAt;
    if (resetAt !== undefined) r.resetAt = resetAt;
    reports.set(windowMs, r);
  }
  return [...reports.values()].sort((a, b) => a.windowMs - b.windowMs);
}

/**
 * When to call again after a 429: the latest of what Lusha says — `RateLimit-Reset` (seconds),
 * "Reset in X seconds" in the message, a Retry-After a proxy may add, the daily reset header for a
 * daily limit — and of the boundary of every window the headers show as used up. With none of
 * those, the named window's clock boundary, else one second (the 25/s burst window).
 */
export function lushaRetryAt(message: string, headers: Headers, now = Date.now()): number {
  let retryAt = 0;
  let explicit = false;
  const push = (t: number | undefined) => {
    if (t !== undefined && t > now) {
      retryAt = Math.max(retryAt, t);
      explicit = true;
    }
  };
  push(resetTime(headerNumber(headers, 'ratelimit-reset'), now));
  const inMessage = /reset\s+in\s+(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)/i.exec(message);
  if (inMessage?.[1]) push(now + Math.ceil(Number(inMessage[1]) * 1000));
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) push(now + Math.ceil(Number(retryAfter) * 1000));
    else push(Date.parse(retryAfter));
  }
  const named = windowNamedIn(message);
  const dailyReset = resetTime(headerNumber(headers, 'x-ratelimit-reset-daily', 'x-ratelimit-reset-day'), now);
  if (named === DAY) push(dailyReset);
  for (const q of lushaQuota(headers, message, now)) {
    if (q.remaining > 0 || q.windowMs === SECOND) continue;
    push(q.resetAt ?? (q.windowMs === DAY ? dailyReset : undefined) ?? nextBoundary(now, q.windowMs));
  }
  if (!explicit && named) retryAt = nextBoundary(now, named);
  return retryAt || now + SECOND;
}

// ---------------------------------------------------------------------------------------------
// Error mapping

/** The vendor's own words, short and with the key scrubbed out. */
function errorText(res: VendorHttpResponse, apiKey: string): string {
  const parsed = lushaErrorBody.safeParse(res.json);
  let s = '';
  if (parsed.success) {
    const d = parsed.data;
    const m = d.message;
    if (typeof m === 'string') s = m;
    else if (Array.isArray(m)) s = m.filter((x): x is string => typeof x === 'string').join('; ');
    if (!s && typeof d.error === 'object' && d.error) s = d.error.message ?? '';
    if (!s && typeof d.error === 'string') s = d.error;
    if (!s && d.errors) s = d.errors.filter((x): x is string => typeof x === 'string').join('; ');
  }
  if (!s) s = res.text;
  return vendorWords(s, apiKey);
}

const REVEAL_RE = /reveal|individual\s+datapoints|pricing\s+version/i;
const TRIAL_RE = /trial/i;

/** Non-200 answers. Nothing here is billed: Lusha charges for data it returns. */
function mapError(res: VendorHttpResponse, apiKey: string, now = Date.now()): VendorResult {
  const status = res.status;
  const msg = errorText(res, apiKey);
  const quota = lushaQuota(res.headers, msg, now);
  const base = { httpStatus: status, billed: false, ...(quota.length ? { quota } : {}) } as const;
  switch (true) {
    case status === 401:
      return { ...base, outcome: 'auth_failed', message: `Lusha rejected the API key (401): ${msg}` };
    case status === 403 && REVEAL_RE.test(msg):
      return {
        ...base,
        outcome: 'auth_failed',
        message: `Lusha refused the request (403): this Lusha plan cannot reveal e-mails or phones one by one; it needs the Unified Credits plan. ${msg}`,
      };
    case status === 403:
      return {
        ...base,
        outcome: 'auth_failed',
        message: `Lusha refused the key (403): the account is not active or the plan lacks API access; contact Lusha support. ${msg}`,
      };
    case status === 402:
      return {
        ...base,
        outcome: 'quota_exhausted',
        retryAt: now + LUSHA_QUOTA_COOLDOWN_MS,
        message: `Lusha credits used up (402): ${msg}`,
      };
    case status === 429 && TRIAL_RE.test(msg):
      return {
        ...base,
        outcome: 'quota_exhausted',
        retryAt: now + LUSHA_QUOTA_COOLDOWN_MS,
        message: `Lusha trial allowance used up (429): ${msg}`,
      };
    case status === 429:
      return { ...base, outcome: 'rate_limited', retryAt: lushaRetryAt(msg, res.headers, now), message: `Lusha rate limit (429): ${msg}` };
    case status === 451:
      return {
        ...base,
        outcome: 'miss',
        doNotProcess: true,
        message: `Lusha may not process this person (451, GDPR-restricted): ${msg}`,
      };
    case status === 412:
      return { ...base, outcome: 'invalid_input', message: `Lusha could not use the name (412): ${msg}` };
    case status === 400 || status === 422:
      return { ...base, outcome: 'invalid_input', message: `Lusha refused the request (${status}): ${msg}` };
    case status === 404:
      return { ...base, outcome: 'miss', message: `Lusha found nothing (404): ${msg}` };
    case status === 499:
      // Lusha timed out on its side: it may have processed (and billed) the request.
      return { ...base, outcome: 'transient', ambiguous: true, message: `Lusha timed out (499): ${msg}` };
    default:
      return { ...unexpectedStatus(status, msg), ...(quota.length ? { quota } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------
// 200 answers
//
// A 200 whose body does not parse is NOT transient: Lusha may have charged for it, and a retry
// could pay again. It becomes a `miss` with `billed: true` (assume the worst about cost, cache it,
// move on down the waterfall).

const unreadable = (status: number, what: string): VendorResult => unreadableAnswer('Lusha', status, what);

function mergeDrift(...parts: (SchemaDrift | undefined)[]): SchemaDrift | undefined {
  const unknown = new Set<string>();
  const missing = new Set<string>();
  for (const p of parts) {
    p?.unknown.forEach((k) => unknown.add(k));
    p?.missing.forEach((k) => missing.add(k));
  }
  return unknown.size || missing.size ? { unknown: [...unknown].sort(), missing: [...missing].sort() } : undefined;
}

function prefixed(d: SchemaDrift | undefined, prefix: string): SchemaDrift | undefined {
  if (!d) return undefined;
  return { unknown: d.unknown.map((k) => `${prefix}.${k}`), missing: d.missing.map((k) => `${prefix}.${k}`) };
}

const GDPR_RE = /gdpr|legal|restrict/i;

/** One contact answer (single `contact`, or one bulk entry) → a result. */
function contactResult(entry: LushaContactEntry, status: number, company: LushaCompany | null | undefined, apiKey: string): VendorResult {
  const charged = entry.isCreditCharged;
  const err = entry.error;
  const gdpr = !!err && (Number(err.code) === 451 || GDPR_RE.test(`${err.name ?? ''} ${err.message ?? ''}`));
  const person = isLushaPerson(entry.data) ? entry.data : null;
  if (gdpr) {
    return {
      outcome: 'miss',
      httpStatus: status,
      billed: charged === true,
      doNotProcess: true,
      message: scrubKey(`Lusha may not process this person (GDPR-restricted): ${err?.message ?? err?.name ?? ''}`.trim(), apiKey),
    };
  }
  if (!person) {
    const what = err ? [err.name, err.message].filter(Boolean).join(': ') || `error ${String(err.code ?? '')}` : 'no data';
    const emptyData = !!err && (Number(err.code) === 3 || /EMPTY_DATA/i.test(err.name ?? ''));
    return {
      outcome: 'miss',
      httpStatus: status,
      billed: charged === true,
      ...(emptyData ? {} : { message: scrubKey(`Lusha returned no person (${what})`, apiKey).slice(0, 200) }),
    };
  }
  // Data came back: trust isCreditCharged; without the flag assume it was charged. The price is
  // declared for an e-mail and a phone (1 + 5 credits): an answer with only one costs its share.
  const credits =
    ((person.emailAddresses?.length ?? 0) > 0 ? LUSHA_CREDITS.email : 0) + ((person.phoneNumbers?.length ?? 0) > 0 ? LUSHA_CREDITS.phone : 0);
  return {
    outcome: 'hit',
    httpStatus: status,
    billed: charged !== false,
    costShare: Math.max(LUSHA_CREDITS.email, credits) / (LUSHA_CREDITS.email + LUSHA_CREDITS.phone),
    profile: normalizeLushaContact(person, company),
  };
}

function companyResult(c: LushaCompany | null | undefined, status: number): VendorResult {
  if (!isLushaCompany(c)) return { outcome: 'miss', httpStatus: status, billed: false };
  return { outcome: 'hit', httpStatus: status, billed: true, profile: normalizeLushaCompany(c) };
}

// ---------------------------------------------------------------------------------------------
// Calls

function endpoint(ctx: CallContext, path: string): string {
  return ctx.baseUrl.replace(/\/+$/, '') + path;
}

function headers(ctx: CallContext): Record<string, string> {
  return { api_key: ctx.apiKey };
}

/** Adds the quota reports and the drift of an answer to a result. */
function withMeta(r: VendorResult, quota: QuotaReport[], drift: SchemaDrift | undefined): VendorResult {
  return { ...r, ...(quota.length ? { quota } : {}), ...(drift ? { drift } : {}) };
}

async function getPerson(lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
  const qs = new URLSearchParams(lookup.params).toString();
  const res = await vendorFetch(endpoint(ctx, `/v2/person?${qs}`), { method: 'GET', headers: headers(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') return failureResult(res);
  if (res.status !== 200) return mapError(res, ctx.apiKey);
  const quota = lushaQuota(res.headers);
  const parsed = singleContactResponse.safeParse(res.json);
  if (!parsed.success) return withMeta(unreadable(res.status, zodProblem(parsed.error)), quota, driftIfAny(singleContactResponse, res.json));
  return withMeta(contactResult(parsed.data.contact, res.status, null, ctx.apiKey), quota, driftIfAny(singleContactResponse, res.json));
}

async function getCompany(lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
  const qs = new URLSearchParams(lookup.params).toString();
  const res = await vendorFetch(endpoint(ctx, `/v2/company?${qs}`), { method: 'GET', headers: headers(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') return failureResult(res);
  if (res.status !== 200) return mapError(res, ctx.apiKey);
  const quota = lushaQuota(res.headers);
  const drift = driftIfAny(singleCompanyResponse, res.json);
  const parsed = singleCompanyResponse.safeParse(res.json);
  if (!parsed.success) return withMeta(unreadable(res.status, zodProblem(parsed.error)), quota, drift);
  return withMeta(companyResult(parsed.data.data, res.status), quota, drift);
}

/** A lookup's params in the bulk contact form: `fullName` and `companies` instead of first/last. */
function bulkContact(contactId: string, params: Record<string, string>): Record<string, unknown> {
  if (params.email) return { contactId, email: params.email };
  if (params.linkedinUrl) return { contactId, linkedinUrl: params.linkedinUrl };
  const c: Record<string, unknown> = { contactId };
  if (params.firstName || params.lastName) c.fullName = [params.firstName, params.lastName].filter(Boolean).join(' ');
  if (params.companyDomain) c.companies = [{ domain: params.companyDomain, isCurrent: true }];
  else if (params.companyName) c.companies = [{ name: params.companyName, isCurrent: true }];
  return c;
}

/** One POST /v2/person of ≤ LUSHA_BULK_MAX lookups; results in the order of `lookups`. */
async function personChunk(lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
  const contacts = lookups.map((l, i) => bulkContact(String(i), l.params));
  const res = await vendorFetch(
    endpoint(ctx, '/v2/person'),
    { method: 'POST', headers: headers(ctx), body: { contacts, metadata: { partialProfile: false } } },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return lookups.map(() => failureResult(res));
  if (res.status !== 200) return sameForAll(lookups.length, mapError(res, ctx.apiKey));
  const quota = lushaQuota(res.headers);
  const topDrift = driftIfAny(bulkContactResponse, res.json);
  const parsed = bulkContactResponse.safeParse(res.json);
  if (!parsed.success) return sameForAll(lookups.length, withMeta(unreadable(res.status, zodProblem(parsed.error)), quota, topDrift));
  const companies = parsed.data.companies ?? {};
  return lookups.map((_l, i) => {
    const id = String(i);
    const raw = Object.hasOwn(parsed.data.contacts, id) ? parsed.data.contacts[id] : undefined;
    if (raw === undefined || raw === null) {
      return withMeta({ outcome: 'miss', httpStatus: res.status, billed: false, message: 'Lusha returned no entry for this contact' }, quota, topDrift);
    }
    const entry = lushaContactEntry.safeParse(raw);
    const drift = mergeDrift(topDrift, prefixed(driftIfAny(lushaContactEntry, raw), `contacts.${id}`));
    if (!entry.success) return withMeta(unreadable(res.status, `contact ${id}: ${zodProblem(entry.error)}`), quota, drift);
    const companyId = entry.data.data?.companyId;
    const rawCompany = companyId !== null && companyId !== undefined ? companies[String(companyId)] : undefined;
    const company = rawCompany === undefined ? null : lushaCompany.safeParse(rawCompany);
    return withMeta(contactResult(entry.data, res.status, company?.success ? company.data : null, ctx.apiKey), quota, drift);
  });
}

/** One POST /bulk/company/v2 of ≤ LUSHA_BULK_MAX lookups; results in the order of `lookups`. */
async function companyChunk(lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
  const companies = lookups.map((l, i) => ({ id: String(i), domain: l.params.domain }));
  const res = await vendorFetch(
    endpoint(ctx, '/bulk/company/v2'),
    { method: 'POST', headers: headers(ctx), body: { companies } },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return lookups.map(() => failureResult(res));
  if (res.status !== 200) return sameForAll(lookups.length, mapError(res, ctx.apiKey));
  const quota = lushaQuota(res.headers);
  const parsed = bulkCompanyResponse.safeParse(res.json);
  if (!parsed.success) return sameForAll(lookups.length, withMeta(unreadable(res.status, zodProblem(parsed.error)), quota, undefined));
  // The reference shows the map at the top level; tolerate it wrapped in `data` as well.
  let byId: Record<string, unknown> = parsed.data;
  const wrapped = parsed.data.data;
  const asksFor = (m: Record<string, unknown>) => lookups.some((_l, i) => Object.hasOwn(m, String(i)));
  if (!asksFor(byId) && wrapped && typeof wrapped === 'object' && !Array.isArray(wrapped)) byId = wrapped as Record<string, unknown>;
  return lookups.map((_l, i) => {
    const id = String(i);
    const raw = Object.hasOwn(byId, id) ? byId[id] : undefined;
    if (raw === undefined || raw === null) return withMeta({ outcome: 'miss', httpStatus: res.status, billed: false }, quota, undefined);
    const drift = prefixed(driftIfAny(lushaCompany, raw), id);
    const c = lushaCompany.safeParse(raw);
    if (!c.success) return withMeta(unreadable(res.status, `company ${id}: ${zodProblem(c.error)}`), quota, drift);
    return withMeta(companyResult(c.data, res.status), quota, drift);
  });
}

const unknownOperation = (operationId: string): VendorResult => noSuchOperation('lusha', operationId);

// ---------------------------------------------------------------------------------------------
// Connection test: GET /account/usage (free; 5 requests a minute)

const USAGE_PATH = '/account/usage';

async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const checked = `GET ${USAGE_PATH}`;
  const res = await vendorFetch(endpoint(ctx, USAGE_PATH), { method: 'GET', headers: headers(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') {
    return { ok: false, status: 'unreachable', httpStatus: 0, checked, message: `Lusha could not be reached (${res.message}); check the network and the base URL.` };
  }
  const base = { httpStatus: res.status, checked };
  if (res.status === 200) {
    const parsed = accountUsageResponse.safeParse(res.json);
    if (!parsed.success) {
      return { ...base, ok: false, status: 'error', message: 'Lusha answered the usage check in an unexpected form; check the base URL.' };
    }
    let remaining: number | undefined;
    for (const v of Object.values(parsed.data.usage)) {
      const s = usageStats.safeParse(v);
      const n = s.success ? Number(s.data.remaining) : NaN;
      if (s.success && s.data.remaining !== null && s.data.remaining !== undefined && Number.isFinite(n)) remaining = (remaining ?? 0) + n;
    }
    if (remaining !== undefined && remaining <= 0) {
      return { ...base, ok: false, status: 'no_credits', creditsRemaining: 0, message: 'The Lusha key works but the account has no credits left; buy credits or wait for the plan to renew.' };
    }
    return {
      ...base,
      ok: true,
      status: 'ok',
      ...(remaining !== undefined ? { creditsRemaining: remaining } : {}),
      message: remaining !== undefined ? `The Lusha key works; ${remaining} credits left.` : 'The Lusha key works.',
    };
  }
  const msg = errorText(res, ctx.apiKey);
  switch (res.status) {
    case 401:
      return { ...base, ok: false, status: 'invalid_key', message: 'Lusha rejected the API key; copy it again from Lusha → API Hub.' };
    case 402:
      return { ...base, ok: false, status: 'no_credits', message: 'The Lusha account needs payment (no credits left); buy credits or renew the plan.' };
    case 403:
      return { ...base, ok: false, status: 'forbidden', message: `Lusha refused the key: the account is not active or the plan lacks API access (${msg}).`.slice(0, 300) };
    case 429:
      return { ...base, ok: false, status: 'rate_limited', message: 'Lusha is rate-limiting this key (the usage check allows 5 calls a minute); try again in a minute.' };
    default:
      return { ...base, ok: false, status: 'error', message: `Lusha answered HTTP ${res.status} to the usage check: ${msg}`.slice(0, 300) };
  }
}

export const lushaAdapter: VendorAdapter = {
  id: 'lusha',
  displayName: 'Lusha',
  operations,
  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    if (!Object.hasOwn(operations, operationId)) return unknownOperation(operationId);
    if (!hasParams(lookup)) return noInput();
    return operationId === 'person' ? getPerson(lookup, ctx) : getCompany(lookup, ctx);
  },
  async callBatch(operationId: string, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
    if (!Object.hasOwn(operations, operationId)) return lookups.map(() => unknownOperation(operationId));
    // Lookups without parameters are answered locally; the rest go out in chunks of ≤100.
    const chunkCall = operationId === 'person' ? personChunk : companyChunk;
    return answerSendable(lookups, hasParams, noInput, (sendable) =>
      sendInChunks(sendable, LUSHA_BULK_MAX, ctx, (chunk) => chunkCall(chunk, ctx)),
    );
  },
  testConnection,
};
