// Cognism Search API (https://app.cognism.com/api/search): two-phase contact enrichment. Facts from
// VENDORS.md "Cognism" and Cognism's published Postman collection / help centre:
// - auth: `Authorization: Bearer <key>`; keys expire six months after they are issued;
// - phase 1, POST /contact/enrich (`email`, or `linkedinUrl`, or `firstName` + `lastName` with
//   `accountWebsite` / `accountName`; `minMatchScore`, default 30) answers a FREE preview:
//   `{matchScore, results: [{id, redeemId, fullName, jobTitle, account: {name}, hasEmail, …}]}`.
//   Nothing (or a score below minMatchScore) is a miss, and free;
// - phase 2, POST /contact/redeem `{"redeemIds": [≤20]}` answers the full records. 1 credit per
//   contact redeemed for the FIRST time; redeeming a contact the organisation already redeemed is
//   free (a credit is spent again only when the contact's key details, e.g. the job, changed);
// - limits: 1,000 requests/min for the account in total, plus an unpublished per-endpoint cap;
//   429 `{"errors": [{"code": 88, …}]}` with `x-rate-limit-reset` = SECONDS TO WAIT (a delta);
// - errors are `[{"key", "code", "msg"}]`; 401 = bad or expired key (or entitlements not set up),
//   402 = credits used up, 403 = credits/previews used up or the entitlement does not allow it.
//
// Billing rule, decided: `chargesOnMiss: false` (previews are free, a miss never reaches redeem) and
// `repeatLookupsFree: true`. The whole lookup is repeat-free, not only the redeem: the preview of a
// repeated lookup is free anyway, and its redeem hits a contact this organisation already redeemed.
// The one exception (the same input matching a different contact because Cognism's data changed in
// between) costs one credit for a genuinely different record. So a lookup whose redeem got no answer
// (timeout, reset) may be asked again without paying twice.
import { abortedBeforeSending, answerSendable, isStopping, notSentAfter } from '../bulk.ts';
import { failureResult, freeCallFailure, unexpectedStatus, vendorFetch } from '../http.ts';
import type { VendorHttpResponse } from '../http.ts';
import { driftIfAny } from '../drift.ts';
import { headerNumber, MINUTE } from '../clock.ts';
import { emailLookup, hasParams, nameAtCompany, personLinkedin } from '../lookups.ts';
import { noInput, unknownOperation as noSuchOperation } from '../results.ts';
import { scrubKey, urlPath as pathOf, vendorWords } from '../text.ts';
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
import { contactIdOfRedeemId, normalizeCognismContact, redeemKeyOf } from './normalize.ts';
import { cognismErrorBody, contactEntitlementResponse, enrichResponse, redeemResponse } from './schemas.ts';
import type { CognismContact, CognismContactPreview } from './schemas.ts';

export const COGNISM_BASE_URL = 'https://app.cognism.com/api/search';

/** The most redeemIds one POST /contact/redeem accepts. */
export const COGNISM_REDEEM_MAX = 20;

/** Cognism's default minimum match score for contacts; sent explicitly so the threshold is ours. */
export const COGNISM_MIN_MATCH_SCORE = 30;

/**
 * Price of one credit (one contact redeemed for the first time). Cognism publishes no prices (every
 * plan is "talk to sales"): this is a documented placeholder of 50 cents; portals set their own.
 */
export const COGNISM_CREDIT_MILLICENTS = 50_000;

/** Previews of one batch sent at the same time (they count against the same per-minute window). */
export const COGNISM_PREVIEW_CONCURRENCY = 4;

/** After a 429 without a usable reset header. */
export const COGNISM_RATE_LIMIT_FALLBACK_MS = 60_000;

/**
 * Cool-down after 402/403 "credits used up": Cognism's credits are a contract pool that only grows
 * when more are bought, so there is no reset to wait for; the key is tried again a day later.
 */
export const COGNISM_QUOTA_COOLDOWN_MS = 86_400_000;

/**
 * Default windows. Cognism allows 1,000 requests/min for the whole account plus an unpublished
 * per-endpoint cap, and other tools (Cognism's own CRM integrations) share the account. Cascade
 * paces at 600 requests/min:
 * - a single `call` is TWO requests (preview + redeem), so its window counts calls: 300/min;
 * - a batch of n costs n previews + ⌈n/20⌉ redeems (`requestsFor`) against 600 requests/min.
 */
export const COGNISM_DEFAULT_WINDOWS = {
  contact_enrich: [{ limit: 300, windowMs: MINUTE }],
  contact_enrich_batch: [{ limit: 600, windowMs: MINUTE }],
} as const satisfies Record<string, readonly RateWindow[]>;

/** HTTP requests of a `call`: one preview and one redeem. */
const REQUESTS_PER_CALL = 2;

const BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: true };

// ---------------------------------------------------------------------------------------------
// Lookups: canonical key, and exactly the enrich body fields that are sent.

function contactLookup(facts: ContactFacts): Lookup | null {
  const byEmail = emailLookup(facts);
  if (byEmail) return byEmail;
  const linkedin = personLinkedin(facts);
  if (linkedin) return { key: `linkedin:${linkedin}`, params: { linkedinUrl: linkedin } };
  const n = nameAtCompany(facts);
  if (n?.domain !== undefined) return { key: n.key, params: { firstName: n.first, lastName: n.last, accountWebsite: n.domain } };
  return n ? { key: n.key, params: { firstName: n.first, lastName: n.last, accountName: n.company } } : null;
}

const operations: Record<string, OperationSpec> = {
  contact_enrich: {
    id: 'contact_enrich',
    label: 'Contact enrich + redeem (contact/enrich, contact/redeem)',
    // Redeemed contacts carry a verified work e-mail, mobile / direct numbers (as entitled), the
    // person's title, seniority, LinkedIn and location, and the account's firmographics.
    groups: ['email', 'person', 'phone', 'company'],
    costMillicents: COGNISM_CREDIT_MILLICENTS,
    billing: BILLING,
    rateWindows: COGNISM_DEFAULT_WINDOWS.contact_enrich,
    lookup: contactLookup,
    batch: {
      maxSize: COGNISM_REDEEM_MAX,
      rateWindows: COGNISM_DEFAULT_WINDOWS.contact_enrich_batch,
      // Previews count against the rate limit too: n previews, then one redeem per 20 found.
      requestsFor: (n: number) => n + Math.ceil(n / COGNISM_REDEEM_MAX),
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Headers: rate-limit signal and quota

/**
 * When to call again after a 429. `x-rate-limit-reset` is a number of seconds to wait (Cognism's
 * delta format); a value that can only be an epoch (after 2001 in seconds) is read as one, so a
 * change of format cannot make Cascade wait 50 years. Retry-After is honoured as well.
 */
export function cognismRetryAt(headers: Headers, now = Date.now()): number {
  let retryAt = 0;
  const reset = headerNumber(headers, 'x-rate-limit-reset', 'x-ratelimit-reset');
  if (reset !== undefined && reset >= 0) retryAt = reset > 1e9 ? reset * 1000 : now + Math.ceil(reset * 1000);
  const retryAfter = headerNumber(headers, 'retry-after');
  if (retryAfter !== undefined && retryAfter > 0) retryAt = Math.max(retryAt, now + retryAfter * 1000);
  return retryAt > now ? retryAt : now + COGNISM_RATE_LIMIT_FALLBACK_MS;
}

/**
 * Remaining / limit headers, when Cognism sends any (it documents none; the 429 carries the reset):
 * one per-minute window. `per` converts requests into the operation's unit: a single `call` is two
 * requests, so its window is reported in calls.
 */
export function cognismQuota(headers: Headers, per = 1, now = Date.now()): QuotaReport[] | undefined {
  const remaining = headerNumber(headers, 'x-rate-limit-remaining', 'x-ratelimit-remaining');
  if (remaining === undefined) return undefined;
  const limit = headerNumber(headers, 'x-rate-limit-limit', 'x-ratelimit-limit');
  const reset = headerNumber(headers, 'x-rate-limit-reset', 'x-ratelimit-reset');
  const report: QuotaReport = { windowMs: MINUTE, remaining: Math.max(0, Math.floor(remaining / per)) };
  if (limit !== undefined && limit > 0) report.limit = Math.max(1, Math.floor(limit / per));
  if (reset !== undefined && reset >= 0) report.resetAt = reset > 1e9 ? reset * 1000 : now + Math.ceil(reset * 1000);
  return [report];
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The vendor's own words, short, key scrubbed: "Missing required credentials (MissingCredentials)". */
function errorText(res: VendorHttpResponse, apiKey: string): string {
  const parsed = cognismErrorBody.safeParse(res.json);
  let s = '';
  if (parsed.success) {
    const body = parsed.data;
    const items = Array.isArray(body) ? body : (body.errors ?? []);
    const first = items[0];
    if (first) {
      s = first.msg || first.message || first.error || '';
      const tag = first.key || (first.code !== null && first.code !== undefined ? `code ${String(first.code)}` : '');
      if (tag && !s.includes(tag)) s = s ? `${s} (${tag})` : tag;
    } else if (!Array.isArray(body)) {
      s = body.message || body.error || '';
    }
  }
  if (!s) s = res.text;
  return vendorWords(s, apiKey);
}

const CREDITS_RE = /credit|quota|preview limit|insufficient|exhausted|balance|payment/i;

const EXPIRED_HINT =
  'Cognism API keys expire six months after they are created: generate a new one in Cognism (Settings → Tokens and API). A 401 can also mean the API entitlements of the organisation are not set up.';

function mapError(res: VendorHttpResponse, apiKey: string, per: number, now = Date.now()): VendorResult {
  const status = res.status;
  const msg = errorText(res, apiKey);
  const quota = cognismQuota(res.headers, per, now);
  const base = { httpStatus: status, billed: false, ...(quota ? { quota } : {}) } as const;
  const retryAfter = headerNumber(res.headers, 'retry-after');
  const cooldownUntil = now + (retryAfter && retryAfter > 0 ? retryAfter * 1000 : COGNISM_QUOTA_COOLDOWN_MS);
  switch (true) {
    case status === 401:
      return { ...base, outcome: 'auth_failed', message: `Cognism rejected the API key (401): ${msg}. ${EXPIRED_HINT}` };
    case status === 402 || (status === 403 && CREDITS_RE.test(msg)):
      return {
        ...base,
        outcome: 'quota_exhausted',
        retryAt: cooldownUntil,
        message: `Cognism credits or previews used up (${status}): ${msg}`,
      };
    case status === 403:
      return {
        ...base,
        outcome: 'auth_failed',
        message: `Cognism refused the request for this key (403): its API entitlement does not allow it. ${msg}`,
      };
    case status === 429:
      return {
        ...base,
        outcome: 'rate_limited',
        retryAt: cognismRetryAt(res.headers, now),
        message: `Cognism rate limit (429): ${msg}`,
      };
    case status === 400 || status === 404 || status === 422:
      return { ...base, outcome: 'invalid_input', message: `Cognism refused the request (${status}): ${msg}` };
    default:
      return { ...unexpectedStatus(status, msg), ...(quota ? { quota } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 1: preview

function endpoint(ctx: CallContext, path: string): string {
  return ctx.baseUrl.replace(/\/+$/, '') + path;
}

function headers(ctx: CallContext): Record<string, string> {
  return { authorization: `Bearer ${ctx.apiKey}` };
}

function prefixed(drift: SchemaDrift | undefined, prefix: string): SchemaDrift | undefined {
  if (!drift) return undefined;
  return { unknown: drift.unknown.map((p) => `${prefix}${p}`), missing: drift.missing.map((p) => `${prefix}${p}`) };
}

function mergeDrift(a: SchemaDrift | undefined, b: SchemaDrift | undefined): SchemaDrift | undefined {
  if (!a) return b;
  if (!b) return a;
  return { unknown: [...new Set([...a.unknown, ...b.unknown])].sort(), missing: [...new Set([...a.missing, ...b.missing])].sort() };
}

interface Found {
  kind: 'found';
  redeemKey: string;
  preview: CognismContactPreview;
  quota?: QuotaReport[];
  drift?: SchemaDrift;
}

type PreviewOutcome = Found | { kind: 'done'; result: VendorResult };

function withExtras(r: VendorResult, quota?: QuotaReport[], drift?: SchemaDrift): VendorResult {
  return { ...r, ...(quota ? { quota } : {}), ...(drift ? { drift } : {}) };
}

async function preview(lookup: Lookup, ctx: CallContext, per: number): Promise<PreviewOutcome> {
  const res = await vendorFetch(
    endpoint(ctx, '/contact/enrich'),
    { method: 'POST', headers: headers(ctx), body: { ...lookup.params, minMatchScore: COGNISM_MIN_MATCH_SCORE } },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return { kind: 'done', result: freeCallFailure(res) };
  if (res.status !== 200) return { kind: 'done', result: mapError(res, ctx.apiKey, per) };
  const quota = cognismQuota(res.headers, per);
  const drift = prefixed(driftIfAny(enrichResponse, res.json), 'enrich:');
  const parsed = enrichResponse.safeParse(res.json);
  if (!parsed.success) {
    // Previews are free: an answer we cannot read is retryable and costs nothing.
    const r: VendorResult = { outcome: 'transient', httpStatus: 200, billed: false, message: 'unreadable Cognism preview answer' };
    return { kind: 'done', result: withExtras(r, quota, drift) };
  }
  const score = Number(parsed.data.matchScore);
  if (parsed.data.matchScore !== null && parsed.data.matchScore !== undefined && Number.isFinite(score) && score < COGNISM_MIN_MATCH_SCORE) {
    const r: VendorResult = { outcome: 'miss', httpStatus: 200, billed: false, message: `best match scored ${score} (< ${COGNISM_MIN_MATCH_SCORE})` };
    return { kind: 'done', result: withExtras(r, quota, drift) };
  }
  for (const p of parsed.data.results ?? []) {
    const redeemKey = redeemKeyOf(p);
    if (p && redeemKey) return { kind: 'found', redeemKey, preview: p, ...(quota ? { quota } : {}), ...(drift ? { drift } : {}) };
  }
  const r: VendorResult = { outcome: 'miss', httpStatus: 200, billed: false };
  return { kind: 'done', result: withExtras(r, quota, drift) };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: redeem

type Redeemed = CognismContact | 'unreadable' | undefined;

interface RedeemAnswer {
  kind: 'answer';
  httpStatus: number;
  /** Per requested key, in order: the record, an entry we could not read, or nothing returned. */
  records: Redeemed[];
  quota?: QuotaReport[];
  drift?: SchemaDrift;
}

/**
 * Pairs redeemed records with the keys asked for: by redeemId, then by the contact id (a record may
 * come back with a refreshed redeemId), then — only when Cognism returned exactly one entry per key —
 * by position. A key nothing pairs with got no record.
 */
function pairRecords(keys: string[], previews: CognismContactPreview[], results: (CognismContact | null)[]): Redeemed[] {
  const pool = results.map((r) => ({
    r,
    used: false,
    ids: r
      ? new Set(
          [r.redeemId ?? undefined, r.id?.trim().toLowerCase(), r.redeemId ? contactIdOfRedeemId(r.redeemId) : undefined].filter(
            (x): x is string => !!x,
          ),
        )
      : new Set<string>(),
  }));
  const out: Redeemed[] = keys.map(() => undefined);
  keys.forEach((key, i) => {
    const wanted = [key, contactIdOfRedeemId(key), previews[i]?.id?.trim().toLowerCase()].filter((x): x is string => !!x);
    const hit = pool.find((x) => !x.used && x.r && wanted.some((w) => x.ids.has(w)));
    if (hit) {
      hit.used = true;
      out[i] = hit.r ?? undefined;
    }
  });
  if (results.length === keys.length) {
    keys.forEach((_k, i) => {
      const x = pool[i];
      if (out[i] !== undefined || !x || x.used) return;
      x.used = true;
      out[i] = x.r ?? 'unreadable';
    });
  }
  return out;
}

async function redeem(keys: string[], previews: CognismContactPreview[], ctx: CallContext, per: number): Promise<RedeemAnswer | VendorResult> {
  const res = await vendorFetch(
    endpoint(ctx, '/contact/redeem'),
    { method: 'POST', headers: headers(ctx), body: { redeemIds: keys } },
    ctx.timeoutMs,
    ctx.signal,
  );
  // No answer: Cognism may have redeemed (and billed) the contacts: ambiguous.
  if (res.kind !== 'response') return failureResult(res);
  if (res.status !== 200) return mapError(res, ctx.apiKey, per);
  const quota = cognismQuota(res.headers, per);
  const drift = prefixed(driftIfAny(redeemResponse, res.json), 'redeem:');
  const parsed = redeemResponse.safeParse(res.json);
  const extras = { ...(quota ? { quota } : {}), ...(drift ? { drift } : {}) };
  if (!parsed.success) return { kind: 'answer', httpStatus: 200, records: keys.map(() => 'unreadable' as const), ...extras };
  return { kind: 'answer', httpStatus: 200, records: pairRecords(keys, previews, parsed.data.results), ...extras };
}

function resultOf(record: Redeemed, httpStatus: number): VendorResult {
  if (record === 'unreadable') {
    return {
      outcome: 'miss',
      httpStatus,
      billed: true,
      message: 'unreadable redeemed record from Cognism; counted as billed',
    };
  }
  if (!record) {
    // Cognism handed back no record for this redeemId: nothing was redeemed, so nothing was billed.
    return { outcome: 'miss', httpStatus, billed: false, message: 'Cognism returned no record for this contact' };
  }
  const profile = normalizeCognismContact(record);
  if (Object.keys(profile).length === 0) {
    return { outcome: 'miss', httpStatus, billed: true, message: 'redeemed contact carried no usable field' };
  }
  return { outcome: 'hit', httpStatus, billed: true, profile };
}

// ---------------------------------------------------------------------------------------------
// Calls

/** After a stopping outcome further requests (previews, redeems) would fail the same way: they are not sent. */
const notSent = (stop: VendorResult): VendorResult => notSentAfter(stop, 'request');

async function enrichOne(lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
  const p = await preview(lookup, ctx, REQUESTS_PER_CALL);
  if (p.kind === 'done') return p.result;
  const r = await redeem([p.redeemKey], [p.preview], ctx, REQUESTS_PER_CALL);
  const drift = mergeDrift(p.drift, r.drift);
  if (!('kind' in r)) return withExtras(r, r.quota ?? p.quota, drift);
  return withExtras(resultOf(r.records[0], r.httpStatus), r.quota ?? p.quota, drift);
}

async function enrichBatch(lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
  const out: (VendorResult | undefined)[] = lookups.map(() => undefined);
  const found: (Found & { i: number })[] = [];
  let stop: VendorResult | undefined;

  // Phase 1: one free preview per lookup, a few at a time; stop sending after a stopping outcome.
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const lookup = lookups[i];
      if (!lookup) return;
      if (stop) {
        out[i] = notSent(stop);
        continue;
      }
      if (ctx.signal?.aborted) {
        out[i] = abortedBeforeSending();
        continue;
      }
      const p = await preview(lookup, ctx, 1);
      if (p.kind === 'done') {
        out[i] = p.result;
        if (isStopping(p.result)) stop ??= p.result;
      } else {
        found.push({ ...p, i });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(COGNISM_PREVIEW_CONCURRENCY, lookups.length) }, worker));
  found.sort((a, b) => a.i - b.i);

  // Phase 2: redeem each distinct contact once, 20 per request, in lookup order.
  const byKey = new Map<string, (Found & { i: number })[]>();
  for (const f of found) {
    const group = byKey.get(f.redeemKey);
    if (group) group.push(f);
    else byKey.set(f.redeemKey, [f]);
  }
  const keys = [...byKey.keys()];
  for (let c = 0; c < keys.length; c += COGNISM_REDEEM_MAX) {
    const chunk = keys.slice(c, c + COGNISM_REDEEM_MAX);
    const members = chunk.map((k) => byKey.get(k) ?? []);
    const setAll = (make: (f: Found & { i: number }) => VendorResult) => {
      for (const group of members) for (const f of group) out[f.i] = make(f);
    };
    if (stop) {
      const s = stop;
      setAll(() => notSent(s));
      continue;
    }
    if (ctx.signal?.aborted) {
      setAll((f) => withExtras(abortedBeforeSending(), f.quota, f.drift));
      continue;
    }
    const r = await redeem(
      chunk,
      members.map((g) => (g[0] as Found).preview),
      ctx,
      1,
    );
    if (!('kind' in r)) {
      setAll((f) => withExtras(r, r.quota ?? f.quota, f.drift));
      if (isStopping(r)) stop = r;
      continue;
    }
    members.forEach((group, j) => {
      const first = resultOf(r.records[j], r.httpStatus);
      group.forEach((f, k) => {
        const own: VendorResult =
          k === 0 || !first.billed
            ? first
            : { ...first, billed: false, message: 'same Cognism contact as an earlier lookup of this batch; redeemed (and billed) once' };
        out[f.i] = withExtras(own, r.quota ?? f.quota, mergeDrift(f.drift, r.drift));
      });
    });
  }
  return out.map((r) => r ?? { outcome: 'transient', httpStatus: 0, billed: false, message: 'no result' });
}

// ---------------------------------------------------------------------------------------------
// Connection test

const ENTITLEMENT_PATH = '/entitlement/contactEntitlementSubscription';

function connectionFailure(res: VendorHttpResponse, apiKey: string, checked: string): ConnectionTest {
  const msg = errorText(res, apiKey);
  const base = { ok: false, httpStatus: res.status, checked } as const;
  switch (true) {
    case res.status === 401:
      return { ...base, status: 'invalid_key', message: `Cognism rejected the API key (401). ${EXPIRED_HINT}` };
    case res.status === 402 || (res.status === 403 && CREDITS_RE.test(msg)):
      return { ...base, status: 'no_credits', message: `The key works but its Cognism credits or previews are used up (${res.status}): ${msg}` };
    case res.status === 403:
      return { ...base, status: 'forbidden', message: `Cognism refused this key (403): its API entitlement does not allow it. ${msg}` };
    case res.status === 429: {
      const wait = Math.max(1, Math.ceil((cognismRetryAt(res.headers) - Date.now()) / 1000));
      return { ...base, status: 'rate_limited', message: `Cognism is rate limiting this account; try again in ${wait} s.` };
    }
    default:
      return { ...base, status: 'error', message: `Cognism answered HTTP ${res.status}: ${msg}` };
  }
}

/**
 * The cheapest proof that a key works: the contact entitlement (free, no credit, no preview), which
 * also says whether the key may redeem e-mails and phone numbers. Where that endpoint is missing, a
 * preview of an address that cannot exist (free: previews never cost credits).
 */
async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const url = endpoint(ctx, ENTITLEMENT_PATH);
  const res = await vendorFetch(url, { method: 'GET', headers: headers(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') {
    return { ok: false, status: 'unreachable', httpStatus: 0, checked: `GET ${pathOf(url)}`, message: `Cognism could not be reached: ${res.message}.` };
  }
  if (res.status === 200) {
    const parsed = contactEntitlementResponse.safeParse(res.json);
    const ent = parsed.success ? parsed.data['contact Entitlement'] : null;
    if (!ent) return { ok: true, status: 'ok', httpStatus: 200, checked: `GET ${pathOf(url)}`, message: 'Cognism accepted the API key.' };
    const has = (k: string) => ent[k] === true;
    const parts = [has('email') && 'work e-mails', (has('mobilePhoneNumbers') || has('directPhoneNumbers')) && 'phone numbers'].filter(
      (x): x is string => typeof x === 'string',
    );
    return {
      ok: true,
      status: 'ok',
      httpStatus: 200,
      checked: `GET ${pathOf(url)}`,
      message: parts.length
        ? `Cognism accepted the API key; its entitlement includes ${parts.join(' and ')}.`
        : 'Cognism accepted the API key, but its entitlement includes neither e-mails nor phone numbers: ask Cognism to extend it.',
    };
  }
  if (res.status !== 404) return connectionFailure(res, ctx.apiKey, `GET ${pathOf(url)}`);
  // No entitlement route on this deployment: a free preview of an address that cannot exist.
  const enrichUrl = endpoint(ctx, '/contact/enrich');
  const p = await vendorFetch(
    enrichUrl,
    { method: 'POST', headers: headers(ctx), body: { email: 'connection-test@cascade.invalid', minMatchScore: 100 } },
    ctx.timeoutMs,
    ctx.signal,
  );
  const checked = `POST ${pathOf(enrichUrl)}`;
  if (p.kind !== 'response') {
    return { ok: false, status: 'unreachable', httpStatus: 0, checked, message: `Cognism could not be reached: ${p.message}.` };
  }
  if (p.status === 200) return { ok: true, status: 'ok', httpStatus: 200, checked, message: 'Cognism accepted the API key.' };
  return connectionFailure(p, ctx.apiKey, checked);
}

// ---------------------------------------------------------------------------------------------

const unknownOperation = (operationId: string): VendorResult => noSuchOperation('cognism', operationId);

function scrubResult(r: VendorResult, apiKey: string): VendorResult {
  return r.message && apiKey && r.message.includes(apiKey) ? { ...r, message: scrubKey(r.message, apiKey) } : r;
}

export const cognismAdapter: VendorAdapter = {
  id: 'cognism',
  displayName: 'Cognism',
  operations,
  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    if (operationId !== 'contact_enrich') return unknownOperation(operationId);
    if (!hasParams(lookup)) return noInput();
    return scrubResult(await enrichOne(lookup, ctx), ctx.apiKey);
  },
  async callBatch(operationId: string, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
    if (operationId !== 'contact_enrich') return lookups.map(() => unknownOperation(operationId));
    return answerSendable(lookups, hasParams, noInput, async (sendable) =>
      (await enrichBatch(sendable, ctx)).map((r) => scrubResult(r, ctx.apiKey)),
    );
  },
  testConnection,
};
