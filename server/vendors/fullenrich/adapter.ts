// FullEnrich (https://app.fullenrich.com/api/v2): asynchronous contact enrichment (work e-mail and
// mobile phone through FullEnrich's own waterfall of 15+ providers). Facts from VENDORS.md
// "FullEnrich", the vendor's OpenAPI file and docs.fullenrich.com:
// - auth: `Authorization: Bearer <key>`; 401 `{"code": "error.api.key", …}` for a bad key;
// - there is no synchronous contact lookup: POST /contact/enrich/bulk (≤ 100 contacts) answers
//   `{"enrichment_id"}`; the result is POSTed to `webhook_url` when the whole batch is finished,
//   lacks credits or is canceled (a failed delivery is retried every minute, 5 times), and can be
//   fetched with GET /contact/enrich/bulk/{id} (a 400 `error.enrichment.in_progress`, or a body whose
//   status is CREATED / IN_PROGRESS, while it runs; 402 with the body when credits ran out);
// - webhooks carry `X-Signature-SHA1`: the lower-case hex HMAC-SHA1 of the raw body keyed with the
//   API key (docs.fullenrich.com "How Webhooks Work" → "Verifying Webhook Authenticity");
// - a contact needs first_name + last_name + (domain or company_name), or a linkedin_url; a LinkedIn
//   URL also brings back the full profile (title, location, company);
// - billing: 1 credit per work e-mail found (DELIVERABLE, HIGH_PROBABILITY, CATCH_ALL), 10 per mobile
//   phone found; nothing found is free; re-enriching a contact within 3 months is free, except in the
//   same batch or while the first enrichment still runs. `cost.credits` is the batch total;
// - 60 requests per minute (FullEnrich's documented default, raised on request; whether polls and
//   account calls share that budget with submissions is not documented: assumed shared), 429
//   "Too many requests. Try again in 1m" with no headers; no remaining/limit headers on any answer,
//   so no QuotaReport is produced.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { driftIfAny } from '../drift.ts';
import { MINUTE, retryAfterAt } from '../clock.ts';
import { failureResult, freeCallFailure, unexpectedStatus, vendorFetch } from '../http.ts';
import type { VendorHttpFailure, VendorHttpResponse } from '../http.ts';
import { nameAtCompany, personLinkedin } from '../lookups.ts';
import { finiteNumber } from '../normalize.ts';
import { unknownOperation as noSuchOperation } from '../results.ts';
import { vendorWords } from '../text.ts';
import type {
  AsyncCallback,
  AsyncPoll,
  AsyncSubmitted,
  BillingRule,
  CallContext,
  ConnectionTest,
  ContactFacts,
  Lookup,
  OperationSpec,
  RateWindow,
  SchemaDrift,
  VendorAdapter,
  VendorResult,
} from '../types.ts';
import { normalizeFullenrichRecord } from './normalize.ts';
import {
  fullenrichCredits,
  fullenrichEnrichment,
  fullenrichErrorBody,
  fullenrichSubmitResponse,
} from './schemas.ts';
import type { FullenrichInput, FullenrichRecord } from './schemas.ts';

export const FULLENRICH_BASE_URL = 'https://app.fullenrich.com/api/v2';

export const CONTACT_ENRICH = 'contact_enrich';

/** The header FullEnrich signs its webhooks with (HTTP header names are case-insensitive). */
export const FULLENRICH_SIGNATURE_HEADER = 'x-signature-sha1';

/** The largest `data` array POST /contact/enrich/bulk accepts. */
export const FULLENRICH_BULK_MAX = 100;

/** What each contact asks for: work e-mails and mobile phones (personal e-mails, 3 credits, are not work data). */
export const FULLENRICH_ENRICH_FIELDS = ['contact.work_emails', 'contact.phones'] as const;

/** Keys of our `custom` object: the lookup's index in the submission and a hash of its key. */
export const CUSTOM_REF = 'cascade_ref';
export const CUSTOM_KEY_HASH = 'cascade_lookup';

/** 60 requests per minute, FullEnrich's documented default (raised on request); counted per key by the engine. */
export const FULLENRICH_WINDOWS: readonly RateWindow[] = [{ limit: 60, windowMs: MINUTE }];

/**
 * Polling of a submitted batch. The callback is the normal way the answer arrives; polling is the
 * fallback for a callback that never comes (our endpoint down through FullEnrich's 5 retries, a
 * network cut). FullEnrich documents 30–90 s per contact (56 s on average), up to 100 contacts of a
 * workspace processed at once, and the webhook fires when the last contact of the batch is done:
 * - pollAfterMs 120 s: past the documented 90 s upper bound plus a 30 s margin for the delivery, so
 *   the first poll of a normal batch finds it FINISHED (or the callback already came) instead of
 *   spending a request of the shared 60/min budget on IN_PROGRESS;
 * - pollEveryMs 60 s: the cadence of FullEnrich's own webhook retries; faster polling would only eat
 *   the 60 requests/min that submissions need (FullEnrich's "try again in 30 seconds" is a floor);
 * - giveUpAfterMs 30 min: five missed deliveries take 5 min; the rest covers a queue backlog (with
 *   100 concurrent slots per workspace at about a minute each, some 3,000 contacts queued ahead of
 *   the batch). The step then gives up unbilled; FullEnrich may still finish and bill it later.
 */
export const FULLENRICH_ASYNC = { pollAfterMs: 120_000, pollEveryMs: 60_000, giveUpAfterMs: 30 * MINUTE } as const;

/** Back-off after a 429 whose message names no delay (FullEnrich's says "Try again in 1m"). */
export const RATE_LIMIT_FALLBACK_MS = MINUTE;
/**
 * Cool-down after "credits used up": credits come back only when someone buys or renews, on no
 * clock FullEnrich reports, so the key rests for an hour rather than retrying into the wall.
 */
export const CREDITS_COOLDOWN_MS = 3_600_000;

/**
 * One credit ≈ 5.8 cents (unconfirmed: third-party listings give the entry plan as $29 for 500
 * credits; larger plans are cheaper, and the pricing page changes). The engine
 * charges one price per billed answer, and a FullEnrich answer costs 1 credit (e-mail), 10 (phone)
 * or 11 (both): the default is the worst case, so spend caps are never overrun; portals override it.
 */
export const FULLENRICH_CREDIT_MILLICENTS = 5_800;
export const FULLENRICH_COST_MILLICENTS = 11 * FULLENRICH_CREDIT_MILLICENTS;

/**
 * Misses are free. Repeats are NOT declared free: FullEnrich's deduplication does not cover a repeat
 * sent while the first enrichment still runs or within the same batch, which is exactly the case of
 * a re-submission after an unanswered request.
 */
const BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: false };

// ---------------------------------------------------------------------------------------------
// Lookups: the key is canonical (same spelling → same key) and says exactly what is sent.

/**
 * first_name + last_name + domain (or company_name when there is no domain), plus a LinkedIn profile
 * URL when known (it raises FullEnrich's find rates and brings the profile); a LinkedIn URL alone
 * also suffices.
 */
export function fullenrichLookup(facts: ContactFacts): Lookup | null {
  const params: Record<string, string> = {};
  const parts: string[] = [];
  const n = nameAtCompany(facts);
  if (n) {
    params.first_name = n.first;
    params.last_name = n.last;
    if (n.domain !== undefined) params.domain = n.domain;
    else params.company_name = n.company;
    parts.push(n.key);
  }
  const linkedin = personLinkedin(facts);
  if (linkedin) {
    params.linkedin_url = linkedin;
    // The LinkedIn URL helps the match but keys the lookup only when there is no name: a URL
    // learned later (another vendor, a previous run) must not make the same person a new,
    // billable lookup.
    if (parts.length === 0) parts.push(`linkedin:${linkedin}`);
  }
  return parts.length ? { key: parts.join('|'), params } : null;
}

/** Whether lookup parameters satisfy FullEnrich's input rule. */
function sendable(p: Record<string, string>): boolean {
  return !!((p.first_name && p.last_name && (p.domain || p.company_name)) || p.linkedin_url);
}

/** A short, stable fingerprint of a lookup key, echoed back in `custom` (values are capped at 100 chars). */
export function lookupKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const operations: Record<string, OperationSpec> = {
  [CONTACT_ENRICH]: {
    id: CONTACT_ENRICH,
    label: 'Contact enrichment: work e-mail and mobile phone (contact/enrich/bulk, asynchronous)',
    // Not 'person': the profile only comes back for contacts sent with a LinkedIn URL, and it is not
    // what FullEnrich bills for. When it comes, its fields are kept as values found in passing.
    groups: ['email', 'phone'],
    costMillicents: FULLENRICH_COST_MILLICENTS,
    billing: BILLING,
    rateWindows: FULLENRICH_WINDOWS,
    lookup: fullenrichLookup,
    batch: { maxSize: FULLENRICH_BULK_MAX, rateWindows: FULLENRICH_WINDOWS },
    async: FULLENRICH_ASYNC,
  },
};

// ---------------------------------------------------------------------------------------------
// Error mapping

/** The vendor's own words (`message (code)`), short and with the key scrubbed out. */
function errorText(res: VendorHttpResponse, apiKey: string): { text: string; code: string } {
  const parsed = fullenrichErrorBody.safeParse(res.json);
  const code = parsed.success ? (parsed.data.code ?? '').trim() : '';
  let s = parsed.success ? (parsed.data.message ?? '').trim() : '';
  if (code && !s.includes(code)) s = s ? `${s} (${code})` : code;
  if (!s) s = res.text;
  return { text: vendorWords(s, apiKey), code };
}

/** `error.enrichment.first_name.empty` → "first_name"; undefined for codes that name no field. */
export function fieldOfErrorCode(code: string): string | undefined {
  const m = /^error\.enrichment\.([a-z_]+)/.exec(code.trim().toLowerCase());
  return m?.[1] && m[1] !== 'in_progress' && m[1] !== 'not_found' ? m[1] : undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: MINUTE, h: 3_600_000 };

/** When to call again after a 429: the delay the message names ("Try again in 1m"), else one minute. */
export function fullenrichRetryAt(message: string, headers: Headers = new Headers(), now = Date.now()): number {
  let retryAt = 0;
  const m = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|minutes?|mins?|m|seconds?|secs?|s|hours?|hrs?|h)?\b/i.exec(message);
  if (m?.[1]) {
    const unit = (m[2] ?? 's').toLowerCase();
    const per = unit.startsWith('ms') || unit.startsWith('milli') ? UNIT_MS.ms! : UNIT_MS[unit[0]!] ?? 1_000;
    const delay = Number(m[1]) * per;
    if (Number.isFinite(delay) && delay > 0) retryAt = now + Math.ceil(delay);
  }
  // Retry-After: a proxy might send one; FullEnrich does not.
  const header = retryAfterAt(headers, now);
  if (header !== undefined) retryAt = Math.max(retryAt, header);
  return retryAt || now + RATE_LIMIT_FALLBACK_MS;
}

const CREDITS_RE = /credit|insufficient|balance|payment/i;

function withDrift(r: VendorResult, drift: SchemaDrift | undefined): VendorResult {
  return drift ? { ...r, drift } : r;
}

/** Non-2xx answers. Nothing here is billed: FullEnrich charges only for contact data it returns. */
function mapError(res: VendorHttpResponse, apiKey: string): VendorResult {
  const status = res.status;
  const { text: msg, code } = errorText(res, apiKey);
  const drift = driftIfAny(fullenrichErrorBody, res.json);
  const base = { httpStatus: status, billed: false } as const;
  const r = ((): VendorResult => {
    switch (true) {
      case status === 401:
        return { ...base, outcome: 'auth_failed', message: `FullEnrich rejected the API key (401): ${msg}` };
      case status === 403:
        return { ...base, outcome: 'auth_failed', message: `FullEnrich refused this request for the key (403): ${msg}` };
      case status === 402 || ((status === 400 || status === 422) && CREDITS_RE.test(`${code} ${msg}`)):
        return {
          ...base,
          outcome: 'quota_exhausted',
          retryAt: Date.now() + CREDITS_COOLDOWN_MS,
          message: `FullEnrich credits used up (${status}): ${msg}`,
        };
      case status === 429:
        return {
          ...base,
          outcome: 'rate_limited',
          retryAt: fullenrichRetryAt(msg, res.headers),
          message: `FullEnrich rate limit (429): ${msg}`,
        };
      case status === 400 || status === 404 || status === 413 || status === 422: {
        const field = fieldOfErrorCode(code);
        return {
          ...base,
          outcome: 'invalid_input',
          message: `FullEnrich refused the request (${status}${field ? `, field "${field}"` : ''}): ${msg}`,
        };
      }
      default:
        return unexpectedStatus(status, msg);
    }
  })();
  return withDrift(r, drift);
}

// ---------------------------------------------------------------------------------------------
// Reading an enrichment (the GET answer and the webhook body have the same shape)

type EnrichmentRead =
  | { state: 'pending'; status: string }
  | { state: 'done'; externalId: string; results: VendorResult[] }
  | { state: 'unreadable'; reason: string };

/** Our reference in a record's `custom`: the lookup index, when it is one and its key hash agrees. */
function refOf(custom: Record<string, unknown> | null | undefined, hashes: readonly string[]): number | undefined {
  if (!custom) return undefined;
  const raw = custom[CUSTOM_REF];
  const n = typeof raw === 'string' && /^\d{1,3}$/.test(raw.trim()) ? Number(raw) : typeof raw === 'number' ? raw : NaN;
  if (!Number.isInteger(n) || n < 0 || n >= hashes.length) return undefined;
  const hash = custom[CUSTOM_KEY_HASH];
  if (hash !== undefined && hash !== hashes[n]) return undefined;
  return n;
}

/** The lookup key FullEnrich's echo of a contact corresponds to (when `custom` did not come back). */
function identityOf(input: FullenrichInput | null | undefined): string | undefined {
  if (!input) return undefined;
  return fullenrichLookup({
    first_name: input.first_name ?? undefined,
    last_name: input.last_name ?? undefined,
    domain: input.company_domain ?? input.domain ?? undefined,
    company_name: input.company_name ?? undefined,
    linkedin_url: input.professional_network_url ?? input.linkedin_url ?? undefined,
  })?.key;
}

/** Pairs records with lookups: by our `custom` reference, else by the echoed input. */
function pairRecords(records: readonly (FullenrichRecord | null)[], lookups: readonly Lookup[]): (FullenrichRecord | undefined)[] {
  const hashes = lookups.map((l) => lookupKeyHash(l.key));
  const paired: (FullenrichRecord | undefined)[] = lookups.map(() => undefined);
  const rest: FullenrichRecord[] = [];
  for (const rec of records) {
    if (!rec) continue;
    const ref = refOf(rec.custom, hashes);
    if (ref !== undefined && paired[ref] === undefined) paired[ref] = rec;
    else rest.push(rec);
  }
  for (const rec of rest) {
    const id = identityOf(rec.input);
    if (!id) continue;
    const i = lookups.findIndex((l, j) => paired[j] === undefined && l.key === id);
    if (i >= 0) paired[i] = rec;
  }
  return paired;
}

function describeFound(rec: FullenrichRecord, credits: number, billed: boolean): string {
  const parts: string[] = [];
  const ci = rec.contact_info;
  const email = ci?.most_probable_work_email?.status ?? ci?.work_emails?.find((e) => e?.email)?.status;
  if (email) parts.push(`e-mail ${String(email).slice(0, 20)}`);
  if (ci?.most_probable_phone?.number || ci?.phones?.some((p) => p?.number)) parts.push('phone');
  return `${parts.join(' + ') || 'contact data'}; ${billed ? `${credits} credit(s)` : 'not billed (repeat of an earlier enrichment)'}`;
}

/**
 * Results in the order of `lookups`. `leftover` answers a lookup FullEnrich returned nothing usable
 * for: a miss when the batch finished; quota_exhausted / transient when it stopped early.
 */
function resultsFor(
  records: readonly (FullenrichRecord | null)[],
  lookups: readonly Lookup[],
  httpStatus: number,
  costCredits: number | undefined,
  leftover: (rec: FullenrichRecord | undefined) => VendorResult,
  drift: SchemaDrift | undefined,
): VendorResult[] {
  const paired = pairRecords(records, lookups);
  const firstOf = new Map<string, number>();
  lookups.forEach((l, i) => {
    if (!firstOf.has(l.key)) firstOf.set(l.key, i);
  });
  // cost.credits = 0: every contact came from FullEnrich's history (a repeat), none was charged.
  const nothingCharged = costCredits === 0;
  const results: VendorResult[] = [];
  lookups.forEach((l, i) => {
    const first = firstOf.get(l.key) ?? i;
    if (first !== i) {
      // Sent once (FullEnrich bills duplicates within one batch): the copy is not billed again.
      const r = results[first]!;
      results.push({ ...r, billed: false, message: `same contact as lookup ${first}, sent once; not billed again` });
      return;
    }
    const rec = paired[i];
    if (!rec) {
      results.push(withDrift(leftover(undefined), drift));
      return;
    }
    const n = normalizeFullenrichRecord(rec);
    if (!n.found) {
      const base = leftover(rec);
      const hasProfile = Object.keys(n.profile).length > 0;
      results.push(withDrift(hasProfile ? { ...base, profile: n.profile } : base, drift));
      return;
    }
    const billed = n.credits > 0 && !nothingCharged;
    results.push(
      withDrift(
        // The price is declared for both an e-mail and a phone (11 credits): charge what was found.
        { outcome: 'hit', httpStatus, billed, costShare: Math.min(1, n.credits / 11), profile: n.profile, message: describeFound(rec, n.credits, billed) },
        drift,
      ),
    );
  });
  return results;
}

/** Reads an enrichment body; pure and total (any JSON gives a reading). */
export function readEnrichment(json: unknown, lookups: readonly Lookup[], httpStatus: number): EnrichmentRead {
  const parsed = fullenrichEnrichment.safeParse(json);
  if (!parsed.success) return { state: 'unreadable', reason: 'the answer is not an enrichment object' };
  const e = parsed.data;
  const drift = driftIfAny(fullenrichEnrichment, json);
  const status = (e.status ?? '').trim().toUpperCase();
  const externalId = (e.id ?? '').trim();
  const cost = finiteNumber(e.cost?.credits);
  const records = e.data ?? [];
  const miss = (): VendorResult => ({ outcome: 'miss', httpStatus, billed: false });
  switch (status) {
    case 'FINISHED':
      // A finished batch without its data cannot be told from "nothing found": read it again later
      // rather than caching a hundred misses.
      if (!Array.isArray(e.data)) return { state: 'unreadable', reason: 'FINISHED without a data array' };
      return { state: 'done', externalId, results: resultsFor(records, lookups, httpStatus, cost, miss, drift) };
    case 'CREDITS_INSUFFICIENT':
      // The batch stopped when credits ran out: what was found is kept (and was paid for), the rest
      // waits for credits.
      return {
        state: 'done',
        externalId,
        results: resultsFor(records, lookups, httpStatus, cost, () => ({
          outcome: 'quota_exhausted',
          httpStatus,
          billed: false,
          retryAt: Date.now() + CREDITS_COOLDOWN_MS,
          message: 'FullEnrich stopped the enrichment: credits used up (CREDITS_INSUFFICIENT)',
        }), drift),
      };
    case 'CANCELED':
      return {
        state: 'done',
        externalId,
        results: resultsFor(records, lookups, httpStatus, cost, () => ({
          outcome: 'transient',
          httpStatus,
          billed: false,
          message: 'the enrichment was canceled on FullEnrich before this contact was done',
        }), drift),
      };
    default:
      // CREATED, IN_PROGRESS, RATE_LIMIT (FullEnrich throttled itself and resumes), UNKNOWN and any
      // status not documented: not an answer yet. The step's giveUpAfterMs bounds the wait.
      return { state: 'pending', status: status || '(none)' };
  }
}

/** Verifies FullEnrich's `X-Signature-SHA1` (hex HMAC-SHA1 of the raw body, keyed with the API key) in constant time. */
export function verifyFullenrichSignature(rawBody: string, signature: string | null | undefined, apiKey: string): boolean {
  if (!signature || !apiKey) return false;
  const given = signature.trim().replace(/^sha1=/i, '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(given)) return false;
  const want = createHmac('sha1', apiKey).update(rawBody, 'utf8').digest();
  const got = Buffer.from(given, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

// ---------------------------------------------------------------------------------------------
// Calls

function endpoint(ctx: CallContext, path: string): string {
  return ctx.baseUrl.replace(/\/+$/, '') + path;
}

function authHeaders(ctx: CallContext): Record<string, string> {
  return { authorization: `Bearer ${ctx.apiKey}` };
}

function invalid(message: string): VendorResult {
  return { outcome: 'invalid_input', httpStatus: 0, billed: false, message };
}

const unknownOperation = (operationId: string): VendorResult => noSuchOperation('fullenrich', operationId);

/** A poll is a free, repeatable GET: a lost answer is just a poll to make again, never "maybe billed". */
function pollFailure(f: VendorHttpFailure): AsyncPoll {
  return { state: 'failed', result: freeCallFailure(f) };
}

function contactBody(l: Lookup, index: number): Record<string, unknown> {
  const p = l.params;
  const contact: Record<string, unknown> = {};
  for (const k of ['first_name', 'last_name', 'domain', 'company_name', 'linkedin_url'] as const) {
    if (p[k]) contact[k] = p[k];
  }
  contact.enrich_fields = [...FULLENRICH_ENRICH_FIELDS];
  contact.custom = { [CUSTOM_REF]: String(index), [CUSTOM_KEY_HASH]: lookupKeyHash(l.key) };
  return contact;
}

async function submit(lookups: Lookup[], ctx: CallContext & { callbackUrl: string }): Promise<AsyncSubmitted | VendorResult> {
  if (lookups.length === 0) return invalid('nothing to submit');
  if (lookups.length > FULLENRICH_BULK_MAX) {
    return invalid(`FullEnrich takes at most ${FULLENRICH_BULK_MAX} contacts per enrichment; got ${lookups.length}`);
  }
  const bad = lookups.findIndex((l) => !sendable(l.params));
  if (bad >= 0) {
    return invalid(`lookup ${bad} lacks first_name + last_name + domain/company_name, or a linkedin_url`);
  }
  // FullEnrich bills duplicates within one batch: each distinct lookup is sent once.
  const seen = new Set<string>();
  const data: Record<string, unknown>[] = [];
  lookups.forEach((l, i) => {
    if (seen.has(l.key)) return;
    seen.add(l.key);
    data.push(contactBody(l, i));
  });
  const body: Record<string, unknown> = {
    name: `Cascade enrichment (${data.length} contact${data.length === 1 ? '' : 's'})`,
    data,
  };
  if (ctx.callbackUrl) body.webhook_url = ctx.callbackUrl;
  const res = await vendorFetch(
    endpoint(ctx, '/contact/enrich/bulk'),
    { method: 'POST', headers: authHeaders(ctx), body },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return failureResult(res);
  if (res.status < 200 || res.status > 299) return mapError(res, ctx.apiKey);
  const parsed = fullenrichSubmitResponse.safeParse(res.json);
  const externalId = parsed.success ? (parsed.data.enrichment_id ?? '').trim() : '';
  if (!externalId) {
    // Accepted, but without an id there is nothing to poll: the enrichment may run, and bill, anyway.
    return withDrift(
      {
        outcome: 'transient',
        httpStatus: res.status,
        billed: false,
        ambiguous: true,
        message: 'FullEnrich accepted the enrichment but returned no enrichment_id',
      },
      driftIfAny(fullenrichSubmitResponse, res.json),
    );
  }
  return { outcome: 'submitted', httpStatus: res.status, externalId };
}

async function poll(externalId: string, lookups: Lookup[], ctx: CallContext): Promise<AsyncPoll> {
  const id = externalId.trim();
  if (!id) return { state: 'failed', result: invalid('no enrichment id to poll') };
  const res = await vendorFetch(
    endpoint(ctx, `/contact/enrich/bulk/${encodeURIComponent(id)}`),
    { method: 'GET', headers: authHeaders(ctx) },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return pollFailure(res);
  if (res.status === 200 || res.status === 402) {
    // 402 carries the enrichment itself (status CREDITS_INSUFFICIENT): what was found is still there.
    const read = readEnrichment(res.json, lookups, res.status);
    if (read.state === 'pending') return { state: 'pending' };
    if (read.state === 'done') return { state: 'done', results: read.results };
    if (res.status === 402) return { state: 'failed', result: mapError(res, ctx.apiKey) };
    return {
      state: 'failed',
      result: withDrift(
        { outcome: 'transient', httpStatus: res.status, billed: false, message: `unreadable answer from FullEnrich: ${read.reason}` },
        driftIfAny(fullenrichEnrichment, res.json),
      ),
    };
  }
  const err = fullenrichErrorBody.safeParse(res.json);
  if (res.status === 400 && err.success && err.data.code?.trim() === 'error.enrichment.in_progress') return { state: 'pending' };
  return { state: 'failed', result: mapError(res, ctx.apiKey) };
}

function parseCallback(req: { rawBody: string; headers: Headers }, lookups: Lookup[], apiKey: string): AsyncCallback {
  if (!apiKey) return { ok: false, reason: 'no API key to verify the signature with' };
  const signature = req.headers.get(FULLENRICH_SIGNATURE_HEADER);
  if (!signature) return { ok: false, reason: `missing ${FULLENRICH_SIGNATURE_HEADER} header` };
  if (!verifyFullenrichSignature(req.rawBody, signature, apiKey)) {
    return { ok: false, reason: `${FULLENRICH_SIGNATURE_HEADER} does not match the body` };
  }
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const read = readEnrichment(json, lookups, 200);
  if (read.state === 'unreadable') return { ok: false, reason: read.reason };
  if (read.state === 'pending') return { ok: false, reason: `the enrichment is not finished (status ${read.status})` };
  if (!read.externalId) return { ok: false, reason: 'no enrichment id in the body' };
  return { ok: true, externalId: read.externalId, results: read.results };
}

const CHECKED = 'GET /account/credits';

async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const res = await vendorFetch(endpoint(ctx, '/account/credits'), { method: 'GET', headers: authHeaders(ctx) }, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') {
    return {
      ok: false,
      status: 'unreachable',
      httpStatus: 0,
      message: `FullEnrich could not be reached (${res.message}); check the network and try again.`,
      checked: CHECKED,
    };
  }
  const { text: msg } = errorText(res, ctx.apiKey);
  const fail = (status: ConnectionTest['status'], message: string): ConnectionTest => ({
    ok: false,
    status,
    httpStatus: res.status,
    message,
    checked: CHECKED,
  });
  switch (true) {
    case res.status === 200: {
      const parsed = fullenrichCredits.safeParse(res.json);
      const balance = parsed.success ? finiteNumber(parsed.data.balance) : undefined;
      if (balance === undefined) {
        return { ok: true, status: 'ok', httpStatus: 200, message: 'The FullEnrich key works.', checked: CHECKED };
      }
      if (balance <= 0) {
        return {
          ...fail('no_credits', 'The FullEnrich key works but the workspace has no credits left; buy or renew credits in FullEnrich.'),
          creditsRemaining: balance,
        };
      }
      return {
        ok: true,
        status: 'ok',
        httpStatus: 200,
        message: `The FullEnrich key works; ${balance} credits left.`,
        creditsRemaining: balance,
        checked: CHECKED,
      };
    }
    case res.status === 401 || res.status === 404:
      return fail('invalid_key', `FullEnrich rejected the API key (${res.status}: ${msg}); copy a current key from FullEnrich → Settings → API.`);
    case res.status === 403:
      return fail('forbidden', `FullEnrich refused this key (403: ${msg}); check the workspace's API access.`);
    case res.status === 402:
      return fail('no_credits', 'The FullEnrich workspace has no credits left; buy or renew credits in FullEnrich.');
    case res.status === 429:
      return fail('rate_limited', 'FullEnrich is rate limiting this key right now; try again in a minute.');
    case res.status >= 500:
      return fail('unreachable', `FullEnrich is failing (${res.status}); try again later.`);
    default:
      return fail('error', `FullEnrich answered ${res.status}: ${msg}`);
  }
}

export const fullenrichAdapter: VendorAdapter = {
  id: 'fullenrich',
  displayName: 'FullEnrich',
  operations,
  async call(operationId: string): Promise<VendorResult> {
    if (operationId !== CONTACT_ENRICH) return unknownOperation(operationId);
    return invalid(
      'FullEnrich contact enrichment is asynchronous: submit the lookups (submit) and read the answer from the callback or poll',
    );
  },
  async submit(operationId, lookups, ctx) {
    if (operationId !== CONTACT_ENRICH) return unknownOperation(operationId);
    return submit(lookups, ctx);
  },
  async poll(operationId, externalId, lookups, ctx) {
    if (operationId !== CONTACT_ENRICH) return { state: 'failed', result: unknownOperation(operationId) };
    return poll(externalId, lookups, ctx);
  },
  parseCallback(operationId, req, lookups, ctx) {
    if (operationId !== CONTACT_ENRICH) return { ok: false, reason: `fullenrich has no operation "${operationId}"` };
    return parseCallback(req, lookups, ctx.apiKey);
  },
  testConnection,
};
