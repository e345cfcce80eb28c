// Apollo (https://api.apollo.io/api/v1): people match (single and bulk of ≤10) and organization
// enrichment (single and bulk of ≤10). Facts from VENDORS.md "Apollo" and public integrations:
// - auth: `x-api-key` header (the key never goes into the URL or the body);
// - a miss is 200 with `person: null`, or a stub with `match_confidence: "none"` and no id; an
//   organization miss is 200 `{}`; misses are free, a returned record costs 1 credit;
// - 401 bad key; 403 the endpoint needs a master key; 402 or a 422 about credits: credits used up;
// - 429 names the window that was hit ("… is N times per minute|hour|day") and sends no Retry-After:
//   wait for that window's clock boundary. Every answer carries, per window (minute, hour, 24 hours),
//   `x-rate-limit-*` (the limit), `x-*-usage` and `x-*-requests-left`: read into `quota`;
// - `POST /organizations/bulk_enrich` answers `{"organizations": [...], "missing_records", …}` with the
//   misses left out, so its answers are paired with the requested domains by domain;
// - `GET /auth/health` is free; it answers `{"healthy": true, "is_logged_in": true}` for a good key,
//   and, as reported, 200 with `is_logged_in: false` for a bad one (some reports say 401: both handled).
import type { z } from 'zod';
import { answerSendable, sameForAll, sendInChunks } from '../bulk.ts';
import { driftIfAny } from '../drift.ts';
import { DAY, HOUR, MINUTE, nextBoundary } from '../clock.ts';
import { failureResult, unexpectedStatus, vendorFetch } from '../http.ts';
import type { VendorHttpResponse } from '../http.ts';
import { domainLookup, emailLookup, hasParams, nameAtCompany, nameCompanyKey, nameDomainKey, personLinkedin } from '../lookups.ts';
import { normalizeDomain, normalizeEmail, normalizeLinkedinUrl, normalizeName } from '../normalize.ts';
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
  SchemaDrift,
  VendorAdapter,
  VendorResult,
} from '../types.ts';
import {
  isApolloMatch,
  isApolloOrganization,
  normalizeApolloOrganization,
  normalizeApolloPerson,
} from './normalize.ts';
import {
  apolloErrorBody,
  authHealthResponse,
  bulkEnrichResponse,
  bulkMatchResponse,
  organizationEnrichResponse,
  peopleMatchResponse,
} from './schemas.ts';
import type { ApolloOrganization, ApolloPerson } from './schemas.ts';

export const APOLLO_BASE_URL = 'https://api.apollo.io/api/v1';

/** The largest `details` array `people/bulk_match` (and `domains` array `organizations/bulk_enrich`) accepts. */
export const APOLLO_BULK_MAX = 10;

/**
 * Default rate windows, per endpoint and key. Apollo's limits depend on the plan: its docs show the
 * free plan at 50/min, 200/h, 600/day on enrichment endpoints, legacy paid plans at a few hundred per
 * minute with hourly (e.g. 600/h on people/match) and daily caps, current paid plans at 1,000/min
 * with no hourly or daily cap; bulk endpoints get half of the per-minute limit. The defaults below
 * are the conservative legacy-paid figures so a default install never trips a paid key; a portal
 * sets its own plan's windows in settings (`rate_limits["apollo.people_match"]`, …).
 */
export const APOLLO_DEFAULT_WINDOWS = {
  people_match: [
    { limit: 200, windowMs: MINUTE },
    { limit: 600, windowMs: HOUR },
    { limit: 5_000, windowMs: DAY },
  ],
  people_bulk_match: [
    { limit: 100, windowMs: MINUTE },
    { limit: 300, windowMs: HOUR },
    { limit: 2_500, windowMs: DAY },
  ],
  organization_enrich: [
    { limit: 200, windowMs: MINUTE },
    { limit: 600, windowMs: HOUR },
    { limit: 5_000, windowMs: DAY },
  ],
  organizations_bulk_enrich: [
    { limit: 100, windowMs: MINUTE },
    { limit: 300, windowMs: HOUR },
    { limit: 2_500, windowMs: DAY },
  ],
} as const satisfies Record<string, readonly RateWindow[]>;

/** One credit ≈ 3 cents (Apollo sells credits at ≈ $0.02–0.04); portals override with their price. */
export const APOLLO_CREDIT_MILLICENTS = 3_000;

const BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: false };

// ---------------------------------------------------------------------------------------------
// Lookups: the key is canonical (same spelling → same key) and says exactly what is sent.

function peopleLookup(facts: ContactFacts): Lookup | null {
  const byEmail = emailLookup(facts);
  if (byEmail) return byEmail;
  const n = nameAtCompany(facts);
  if (n?.domain !== undefined) return { key: n.key, params: { first_name: n.first, last_name: n.last, domain: n.domain } };
  if (n) return { key: n.key, params: { first_name: n.first, last_name: n.last, organization_name: n.company } };
  const linkedin = personLinkedin(facts);
  return linkedin ? { key: `linkedin:${linkedin}`, params: { linkedin_url: linkedin } } : null;
}

const organizationLookup = (facts: ContactFacts): Lookup | null => domainLookup(facts);

const operations: Record<string, OperationSpec> = {
  people_match: {
    id: 'people_match',
    label: 'People enrichment (people/match)',
    groups: ['email', 'person', 'company'],
    costMillicents: APOLLO_CREDIT_MILLICENTS,
    billing: BILLING,
    rateWindows: APOLLO_DEFAULT_WINDOWS.people_match,
    lookup: peopleLookup,
    batch: { maxSize: APOLLO_BULK_MAX, rateWindows: APOLLO_DEFAULT_WINDOWS.people_bulk_match },
  },
  organization_enrich: {
    id: 'organization_enrich',
    label: 'Organization enrichment (organizations/enrich)',
    groups: ['company'],
    costMillicents: APOLLO_CREDIT_MILLICENTS,
    billing: BILLING,
    rateWindows: APOLLO_DEFAULT_WINDOWS.organization_enrich,
    lookup: organizationLookup,
    batch: { maxSize: APOLLO_BULK_MAX, rateWindows: APOLLO_DEFAULT_WINDOWS.organizations_bulk_enrich },
  },
};

// ---------------------------------------------------------------------------------------------
// Error mapping

export { nextBoundary };

/** "minute" | "hour" | "24 hours" | "day" in a 429 message → that window's length. */
function windowNamedIn(message: string): number | undefined {
  const m = /times\s+per\s+(?:(?:one|1|a)\s+)?(minute|hour|24[\s-]*hours?|day)\b/i.exec(message);
  const name = m?.[1]?.toLowerCase();
  if (!name) return undefined;
  if (name === 'minute') return MINUTE;
  if (name === 'hour') return HOUR;
  return DAY;
}

/** Apollo's per-window headers: the limit, what was used and what is left, for each window. */
const WINDOW_HEADERS: readonly { windowMs: number; limit: string; usage: string; left: string }[] = [
  { windowMs: MINUTE, limit: 'x-rate-limit-minute', usage: 'x-minute-usage', left: 'x-minute-requests-left' },
  { windowMs: HOUR, limit: 'x-rate-limit-hourly', usage: 'x-hourly-usage', left: 'x-hourly-requests-left' },
  { windowMs: DAY, limit: 'x-rate-limit-24-hour', usage: 'x-24-hour-usage', left: 'x-24-hour-requests-left' },
];

/** A whole, finite, non-negative header value; undefined when absent or not a number. */
function headerCount(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name)?.trim();
  if (!raw || !/^-?\d+(\.\d+)?$/.test(raw)) return undefined;
  const n = Math.floor(Number(raw));
  return Number.isFinite(n) ? Math.max(0, n) : undefined;
}

/**
 * What Apollo says is left of each window of the endpoint just called, or undefined when it sent no
 * window headers. `remaining` is `x-*-requests-left` (or limit − usage); the window resets at its
 * next clock boundary (the day at UTC midnight), as the 429 handling assumes.
 */
export function apolloQuota(headers: Headers, now = Date.now()): QuotaReport[] | undefined {
  const out: QuotaReport[] = [];
  for (const h of WINDOW_HEADERS) {
    const limit = headerCount(headers, h.limit);
    const usage = headerCount(headers, h.usage);
    const left = headerCount(headers, h.left) ?? (limit !== undefined && usage !== undefined ? Math.max(0, limit - usage) : undefined);
    if (left === undefined) continue;
    out.push({
      windowMs: h.windowMs,
      remaining: left,
      ...(limit !== undefined && limit > 0 ? { limit } : {}),
      resetAt: nextBoundary(now, h.windowMs),
    });
  }
  return out.length ? out : undefined;
}

/**
 * When to call again after a 429: the boundary of the window the message names, pushed to the
 * boundary of any longer window the headers show as used up. Falls back to the next minute when
 * neither says anything (Apollo sends no Retry-After; a proxy might, and it is honoured too).
 */
export function apolloRetryAt(message: string, headers: Headers, now = Date.now()): number {
  let retryAt = 0;
  const named = windowNamedIn(message);
  if (named) retryAt = nextBoundary(now, named);
  for (const h of WINDOW_HEADERS) {
    const left = headers.get(h.left);
    if (left !== null && left.trim() !== '' && Number(left) <= 0) retryAt = Math.max(retryAt, nextBoundary(now, h.windowMs));
  }
  const retryAfter = Number(headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) retryAt = Math.max(retryAt, now + retryAfter * 1000);
  return retryAt || nextBoundary(now, MINUTE);
}

/** The vendor's own words, short and with the key scrubbed out (some APIs echo what they got). */
function errorText(res: VendorHttpResponse, apiKey: string): string {
  const parsed = apolloErrorBody.safeParse(res.json);
  let s = '';
  if (parsed.success) {
    const e = parsed.data.error;
    s = (typeof e === 'string' ? e : '') || parsed.data.message || parsed.data.error_code || '';
    const code = parsed.data.error_details?.code ?? parsed.data.error_code;
    if (code && !s.includes(code)) s = s ? `${s} (${code})` : code;
  }
  if (!s) s = res.text;
  return vendorWords(s, apiKey);
}

const CREDITS_RE = /credit|insufficient|exhausted|quota|upgrade your plan to (?:get|buy) more/i;

/** `quota` from the answer's window headers, to spread into a result. */
function quotaOf(res: VendorHttpResponse): { quota?: QuotaReport[] } {
  const quota = apolloQuota(res.headers);
  return quota ? { quota } : {};
}

/** `drift` of a 200 JSON body against the schema meant to read it, to spread into a result. */
function driftOf(schema: z.ZodType, res: VendorHttpResponse): { drift?: SchemaDrift } {
  if (res.json === null) return {};
  const drift = driftIfAny(schema, res.json);
  return drift ? { drift } : {};
}

/** Non-200 answers. Nothing here is billed: Apollo charges only for records it returns. */
function mapError(res: VendorHttpResponse, apiKey: string): VendorResult {
  return { ...mapStatus(res, apiKey), ...quotaOf(res) };
}

function mapStatus(res: VendorHttpResponse, apiKey: string): VendorResult {
  const status = res.status;
  const msg = errorText(res, apiKey);
  const base = { httpStatus: status, billed: false } as const;
  switch (true) {
    case status === 401:
      return { ...base, outcome: 'auth_failed', message: `Apollo rejected the API key (401): ${msg}` };
    case status === 403:
      return {
        ...base,
        outcome: 'auth_failed',
        message: `Apollo refused this endpoint for the key (403): it needs a master API key (Apollo → Settings → Integrations → API → "Set as master key"). ${msg}`,
      };
    case status === 402:
      return { ...base, outcome: 'quota_exhausted', message: `Apollo credits used up (402): ${msg}` };
    case status === 429:
      return {
        ...base,
        outcome: 'rate_limited',
        retryAt: apolloRetryAt(msg, res.headers),
        message: `Apollo rate limit (429): ${msg}`,
      };
    case status === 422 && CREDITS_RE.test(msg):
      return { ...base, outcome: 'quota_exhausted', message: `Apollo credits used up (422): ${msg}` };
    case status === 400 || status === 404 || status === 422:
      return { ...base, outcome: 'invalid_input', message: `Apollo refused the request (${status}): ${msg}` };
    default:
      return unexpectedStatus(status, msg);
  }
}

// ---------------------------------------------------------------------------------------------
// 200 answers
//
// A 200 whose body does not parse (not JSON, `person` not an object, …) is NOT mapped to transient:
// Apollo bills when it returns a record, so the call may have been paid for and a retry could pay
// again. It becomes a `miss` with `billed: true` (assume the worst about cost, cache it, move on down
// the waterfall). A body that parses but has odd leaves keeps every field that did parse (the schemas
// degrade a bad leaf to null), and a recognisable match is a billed `hit` with what was readable.

function personResult(person: ApolloPerson | null | undefined, status: number): VendorResult {
  if (!isApolloMatch(person)) return { outcome: 'miss', httpStatus: status, billed: false };
  return { outcome: 'hit', httpStatus: status, billed: true, profile: normalizeApolloPerson(person) };
}

const unreadable = (status: number, what: string): VendorResult => unreadableAnswer('Apollo', status, what);

// ---------------------------------------------------------------------------------------------
// Calls

function endpoint(ctx: CallContext, path: string): string {
  return ctx.baseUrl.replace(/\/+$/, '') + path;
}

function headers(ctx: CallContext): Record<string, string> {
  return { 'x-api-key': ctx.apiKey, 'cache-control': 'no-cache' };
}

/** Phones arrive only asynchronously (webhook) and personal e-mails are not work data: never ask. */
const REVEAL_FLAGS = { reveal_personal_emails: false, reveal_phone_number: false } as const;

async function peopleMatch(lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
  const res = await vendorFetch(
    endpoint(ctx, '/people/match'),
    { method: 'POST', headers: headers(ctx), body: { ...lookup.params, ...REVEAL_FLAGS } },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return failureResult(res);
  if (res.status !== 200) return mapError(res, ctx.apiKey);
  const signals = { ...quotaOf(res), ...driftOf(peopleMatchResponse, res) };
  const parsed = peopleMatchResponse.safeParse(res.json);
  if (!parsed.success) return { ...unreadable(res.status, zodProblem(parsed.error)), ...signals };
  return { ...personResult(parsed.data.person, res.status), ...signals };
}

function organizationResult(org: ApolloOrganization | null | undefined, status: number): VendorResult {
  if (!isApolloOrganization(org)) return { outcome: 'miss', httpStatus: status, billed: false };
  return { outcome: 'hit', httpStatus: status, billed: true, profile: normalizeApolloOrganization(org) };
}

async function organizationEnrich(lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
  const qs = new URLSearchParams(lookup.params).toString();
  const res = await vendorFetch(
    endpoint(ctx, `/organizations/enrich?${qs}`),
    { method: 'GET', headers: headers(ctx) },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return failureResult(res);
  if (res.status !== 200) return mapError(res, ctx.apiKey);
  const signals = { ...quotaOf(res), ...driftOf(organizationEnrichResponse, res) };
  const parsed = organizationEnrichResponse.safeParse(res.json);
  if (!parsed.success) return { ...unreadable(res.status, zodProblem(parsed.error)), ...signals };
  return { ...organizationResult(parsed.data.organization, res.status), ...signals };
}

/** Lower-cased identity strings of a returned person, to pair it with a lookup when order is lost. */
function identities(p: ApolloPerson): Set<string> {
  const ids = new Set<string>();
  const email = normalizeEmail(p.email);
  if (email) ids.add(`email:${email}`);
  const first = normalizeName(p.first_name);
  const last = normalizeName(p.last_name);
  const org = p.organization;
  if (first && last) {
    const domain = normalizeDomain(org?.primary_domain) ?? normalizeDomain(org?.website_url);
    if (domain) ids.add(nameDomainKey(first, last, domain));
    const company = normalizeName(org?.name);
    if (company) ids.add(nameCompanyKey(first, last, company));
  }
  const linkedin = normalizeLinkedinUrl(p.linkedin_url);
  if (linkedin) ids.add(`linkedin:${linkedin}`);
  return ids;
}

/** One bulk_match request of ≤ APOLLO_BULK_MAX lookups; results in the order of `lookups`. */
async function bulkMatchChunk(lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
  const res = await vendorFetch(
    endpoint(ctx, '/people/bulk_match'),
    { method: 'POST', headers: headers(ctx), body: { details: lookups.map((l) => l.params), ...REVEAL_FLAGS } },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return lookups.map(() => failureResult(res));
  if (res.status !== 200) return sameForAll(lookups.length, mapError(res, ctx.apiKey));
  const signals = { ...quotaOf(res), ...driftOf(bulkMatchResponse, res) };
  const parsed = bulkMatchResponse.safeParse(res.json);
  if (!parsed.success) return sameForAll(lookups.length, { ...unreadable(res.status, zodProblem(parsed.error)), ...signals });
  const matches = parsed.data.matches;
  if (matches.length === lookups.length) {
    return matches.map((m) => ({
      ...(m === 'unreadable' ? unreadable(res.status, 'one match entry') : personResult(m, res.status)),
      ...signals,
    }));
  }
  // Apollo answers in request order with null for misses. If the lengths disagree, pairing by
  // position could hand one contact another person's data: pair by identity instead, and treat a
  // lookup nothing pairs with as a miss.
  const found = matches.filter((m): m is ApolloPerson => m !== 'unreadable' && isApolloMatch(m));
  const pool = found.map((p) => ({ p, ids: identities(p), used: false }));
  return lookups.map((l) => {
    const hit = pool.find((x) => !x.used && x.ids.has(l.key));
    if (!hit) return { outcome: 'miss', httpStatus: res.status, billed: false, ...signals };
    hit.used = true;
    return { ...personResult(hit.p, res.status), ...signals };
  });
}

/** The domain an organization lookup asks for (its `domain` parameter, canonical). */
const lookupDomain = (l: Lookup): string | undefined => normalizeDomain(l.params.domain);

/**
 * One organizations/bulk_enrich request of ≤ APOLLO_BULK_MAX lookups (each with a domain); results in
 * the order of `lookups`. The domains go out once each, as Apollo's documented `domains[]` query
 * parameters and as the JSON body `{"domains": [...]}` (Apollo reads either; the body, when read,
 * carries the same list). Apollo leaves misses out of `organizations`, so each organization is paired
 * with the domain its `primary_domain` (or website) names; a lookup nothing pairs with is a free miss.
 * Apollo bills one credit per organization returned: an organization that cannot be tied to a domain
 * was still paid for, so as many unanswered lookups are marked billed (the cost is counted, the data
 * lost), and a domain asked twice in a chunk is billed once.
 */
async function bulkEnrichChunk(lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
  const domains = [...new Set(lookups.map(lookupDomain).filter((d): d is string => !!d))];
  const qs = domains.map((d) => `domains[]=${encodeURIComponent(d)}`).join('&');
  const res = await vendorFetch(
    endpoint(ctx, `/organizations/bulk_enrich?${qs}`),
    { method: 'POST', headers: headers(ctx), body: { domains } },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return lookups.map(() => failureResult(res));
  if (res.status !== 200) return sameForAll(lookups.length, mapError(res, ctx.apiKey));
  const signals = { ...quotaOf(res), ...driftOf(bulkEnrichResponse, res) };
  const parsed = bulkEnrichResponse.safeParse(res.json);
  if (!parsed.success) return sameForAll(lookups.length, { ...unreadable(res.status, zodProblem(parsed.error)), ...signals });

  const wanted = new Set(domains);
  const byDomain = new Map<string, ApolloOrganization>();
  const unpaired: ApolloOrganization[] = [];
  for (const org of parsed.data.organizations) {
    if (!isApolloOrganization(org)) continue;
    const d = [normalizeDomain(org.primary_domain), normalizeDomain(org.website_url)].find(
      (x): x is string => !!x && wanted.has(x) && !byDomain.has(x),
    );
    if (d) byDomain.set(d, org);
    else unpaired.push(org);
  }
  const unanswered = domains.filter((d) => !byDomain.has(d));
  // One organization left over and one domain without an answer: Apollo answered that domain with a
  // record under another primary domain (a redirect, a parent company's site).
  const last = unpaired[0];
  if (unpaired.length === 1 && unanswered.length === 1 && last) {
    byDomain.set(unanswered[0]!, last);
    unpaired.length = 0;
    unanswered.length = 0;
  }
  const paidUnpaired = new Set(unanswered.slice(0, unpaired.length));
  const billedDomains = new Set<string>();
  return lookups.map((l): VendorResult => {
    const d = lookupDomain(l);
    const org = d ? byDomain.get(d) : undefined;
    if (d && org) {
      const first = !billedDomains.has(d);
      billedDomains.add(d);
      return { ...organizationResult(org, res.status), billed: first, ...signals };
    }
    if (d && paidUnpaired.has(d) && !billedDomains.has(d)) {
      billedDomains.add(d);
      return {
        outcome: 'miss',
        httpStatus: res.status,
        billed: true,
        message: `Apollo returned ${unpaired.length} organization(s) that could not be tied to a requested domain; counted as billed, not retried`,
        ...signals,
      };
    }
    return { outcome: 'miss', httpStatus: res.status, billed: false, ...signals };
  });
}

const unknownOperation = (operationId: string): VendorResult => noSuchOperation('apollo', operationId);

// ---------------------------------------------------------------------------------------------
// Connection test: GET /auth/health (free, no credits, not one of the enrichment windows).

const HEALTH_CHECKED = 'GET /auth/health';
const KEY_PLACE = 'Apollo → Settings → Integrations → API';

function connection(status: ConnectionTest['status'], httpStatus: number, message: string): ConnectionTest {
  return { ok: status === 'ok', status, httpStatus, message, checked: HEALTH_CHECKED };
}

async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const res = await vendorFetch(endpoint(ctx, '/auth/health'), { method: 'GET', headers: headers(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') {
    return connection('unreachable', 0, `Apollo did not answer (${res.message}); check the base URL and the network, then try again.`);
  }
  if (res.status === 200) {
    const parsed = authHealthResponse.safeParse(res.json);
    const body = parsed.success ? parsed.data : undefined;
    if (body?.is_logged_in === true) {
      return connection('ok', 200, `Apollo accepted the API key; if enrichment is later refused (403), make it a master key in ${KEY_PLACE}.`);
    }
    if (body?.is_logged_in === false) {
      return connection('invalid_key', 200, `Apollo does not recognise this API key; copy it again from ${KEY_PLACE}.`);
    }
    if (body?.healthy === false) return connection('error', 200, 'Apollo reports its API as unhealthy right now; try again in a few minutes.');
    return connection('error', 200, 'Apollo answered the key check in a form Cascade does not know; try again, or contact support if it persists.');
  }
  const r = mapError(res, ctx.apiKey);
  switch (r.outcome) {
    case 'auth_failed':
      return res.status === 403
        ? connection('forbidden', 403, `Apollo refused this key for the API; make it a master key (or enable the endpoints) in ${KEY_PLACE}.`)
        : connection('invalid_key', res.status, `Apollo rejected this API key (HTTP ${res.status}); copy it again from ${KEY_PLACE}.`);
    case 'quota_exhausted':
      return connection('no_credits', res.status, 'Apollo says the account has no credits left; buy credits or upgrade the plan in Apollo.');
    case 'rate_limited':
      return connection(
        'rate_limited',
        429,
        `Apollo is rate-limiting this key; try again after ${new Date(r.retryAt ?? Date.now() + MINUTE).toISOString()}.`,
      );
    default:
      return connection('error', res.status, `Apollo answered the key check with HTTP ${res.status}; try again in a few minutes.`);
  }
}

export const apolloAdapter: VendorAdapter = {
  id: 'apollo',
  displayName: 'Apollo',
  operations,
  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    if (!hasParams(lookup)) return noInput();
    if (operationId === 'people_match') return peopleMatch(lookup, ctx);
    if (operationId === 'organization_enrich') return organizationEnrich(lookup, ctx);
    return unknownOperation(operationId);
  },
  async callBatch(operationId: string, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
    const plan =
      operationId === 'people_match'
        ? { send: bulkMatchChunk, sendable: hasParams }
        : operationId === 'organization_enrich'
          ? { send: bulkEnrichChunk, sendable: (l: Lookup) => lookupDomain(l) !== undefined }
          : undefined;
    if (!plan) return lookups.map(() => unknownOperation(operationId));
    // Lookups that cannot be sent are answered locally; the rest go out in chunks of ≤10.
    return answerSendable(lookups, plan.sendable, noInput, (sendable) =>
      sendInChunks(sendable, APOLLO_BULK_MAX, ctx, (chunk) => plan.send(chunk, ctx)),
    );
  },
  testConnection,
};
