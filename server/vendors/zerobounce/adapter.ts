// ZeroBounce (https://api.zerobounce.net/v2): e-mail validation, single and in batches of ≤200 on the
// bulk host. Facts from VENDORS.md "ZeroBounce" and ZeroBounce's docs / official SDK fixtures:
// - auth: the `api_key` query parameter (a JSON body field on the bulk host). The key therefore sits
//   in request URLs; it is scrubbed from every message this adapter returns;
// - `GET /validate?api_key&email&ip_address=` answers 200 for every processed address; `status` ∈
//   valid | invalid | catch-all | unknown | spamtrap | abuse | do_not_mail. `unknown` is the miss form;
// - billing: 1 credit per validation; `unknown` is never billed;
// - errors are `{"error": "…"}` at HTTP 200, 400 or 401. A bad key and an empty balance get the same
//   text ("Invalid API key or your account ran out of credits"); the adapter tells them apart with
//   the free `GET /getcredits` (`"Credits": "-1"` = bad key);
// - limits send no headers: going over one blocks the key for a fixed time (validate: 50,000 per 10 s
//   → 1 minute; validatebatch: 5 per minute on the endpoint page, 20 on the rate-limit page → 10
//   minutes). The block's answer is documented only as HTTP 429 (no body, no Retry-After), so the
//   adapter also takes any error text about a limit or a block as the signal; 403 is ZeroBounce's
//   "API Shield" (a protective block that lifts by itself), not an auth failure;
// - `POST https://bulkapi.zerobounce.net/v2/validatebatch` `{api_key, email_batch: [{email_address,
//   ip_address}]}` → `{email_batch: [validation…], errors: [{error, email_address}]}`, where
//   `email_address: "all"` is an error for the whole batch.
import { isStopping, notSentAfter, sameForAll, sendInChunks } from '../bulk.ts';
import { failureResult, unexpectedStatus, vendorFetch } from '../http.ts';
import type { VendorHttpResponse } from '../http.ts';
import { driftIfAny } from '../drift.ts';
import { retryAfterAt as retryAfter } from '../clock.ts';
import { emailLookup } from '../lookups.ts';
import { finiteNumber, normalizeEmail } from '../normalize.ts';
import { noInput as noInputWith, unknownOperation as noSuchOperation, unreadableAnswer } from '../results.ts';
import { scrubKeyForms as scrub, scrubMessage } from '../text.ts';
import type {
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
import { normalizeZerobounceValidation } from './normalize.ts';
import { zbBatchResponse, zbCreditsResponse, zbErrorBody, zbValidation } from './schemas.ts';
import type { ZbBatchError, ZbValidation } from './schemas.ts';

export const ZEROBOUNCE_BASE_URL = 'https://api.zerobounce.net/v2';
export const ZEROBOUNCE_BULK_BASE_URL = 'https://bulkapi.zerobounce.net/v2';

/** The largest `email_batch` validatebatch accepts. */
export const ZEROBOUNCE_BATCH_MAX = 200;

/** How long ZeroBounce blocks a key that went over the validate limit. */
export const VALIDATE_BLOCK_MS = 60_000;
/** How long ZeroBounce blocks a key that went over the validatebatch limit. */
export const BATCH_BLOCK_MS = 600_000;
/**
 * Cool-down after "ran out of credits". ZeroBounce credits do not reset on a clock (they are bought,
 * or come with a monthly plan), so this is how long to leave the key alone before trying it again.
 */
export const QUOTA_COOLDOWN_MS = 3_600_000;

/** ≈ $0.008 per validation (ZeroBounce sells credits at ≈ $0.004–0.01); portals override. */
export const ZEROBOUNCE_CREDIT_MILLICENTS = 800;

const BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: false };

/** Documented limits per key: validate 50,000 per 10 s; validatebatch the lower of the two documented figures. */
export const ZEROBOUNCE_DEFAULT_WINDOWS = {
  validate: [{ limit: 50_000, windowMs: 10_000 }],
  validatebatch: [{ limit: 5, windowMs: 60_000 }],
} as const satisfies Record<string, readonly RateWindow[]>;

const REAL_API_HOST = /^api(?:-[a-z]{2})?\.zerobounce\.net$/;

// ---------------------------------------------------------------------------------------------
// Lookups

const validateLookup = (facts: ContactFacts): Lookup | null => emailLookup(facts);

const operations: Record<string, OperationSpec> = {
  validate: {
    id: 'validate',
    label: 'Email validation (validate)',
    groups: ['email_verification'],
    costMillicents: ZEROBOUNCE_CREDIT_MILLICENTS,
    billing: BILLING,
    rateWindows: ZEROBOUNCE_DEFAULT_WINDOWS.validate,
    lookup: validateLookup,
    batch: { maxSize: ZEROBOUNCE_BATCH_MAX, rateWindows: ZEROBOUNCE_DEFAULT_WINDOWS.validatebatch },
  },
};

// ---------------------------------------------------------------------------------------------
// Helpers

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/**
 * The bulk host's base URL: `ctx.hosts.bulk` when configured; for ZeroBounce's own API hosts
 * (api, api-us, api-eu) the global bulk host; otherwise (a proxy, the simulator) the same base URL.
 */
export function zerobounceBulkBase(ctx: Pick<CallContext, 'baseUrl' | 'hosts'>): string {
  const explicit = ctx.hosts?.['bulk']?.trim();
  if (explicit) return trimSlash(explicit);
  try {
    const u = new URL(ctx.baseUrl);
    if (REAL_API_HOST.test(u.hostname)) return trimSlash(`https://bulkapi.zerobounce.net${u.pathname}`);
  } catch {
    /* not a URL: fall through */
  }
  return trimSlash(ctx.baseUrl);
}

/** The key travels in URLs and bodies: every message is scrubbed of it, in its URL encodings too. */
const withScrubbedMessage = (r: VendorResult, apiKey: string): VendorResult => scrubMessage(r, (m) => scrub(m, apiKey));

/** ZeroBounce's error text, whatever key it came under; undefined when the body is not an error. */
export function zerobounceErrorText(json: unknown): string | undefined {
  const parsed = zbErrorBody.safeParse(json);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  const s = d.error ?? d.Error ?? d.Message ?? d.message;
  return s && s.trim() ? s.replace(/\s+/g, ' ').trim().slice(0, 200) : undefined;
}

export type ZerobounceErrorKind = 'rate_limited' | 'auth' | 'credits' | 'auth_or_credits' | 'invalid_input' | 'other';

/** What ZeroBounce's error text means. "Invalid API key or your account ran out of credits" is both. */
export function classifyZerobounceError(text: string): ZerobounceErrorKind {
  const m = text.toLowerCase();
  if (/rate.?limit|too many requests|temporar\w* block|\bblocked\b|limit (?:exceeded|reached)|exceeded .*limit/.test(m)) {
    return 'rate_limited';
  }
  const key = /invalid api.?key|api.?key is invalid|missing parameter:? *api.?key|\bapi.?key\b.*(?:not valid|invalid|missing)/.test(m);
  const credits = /credit/.test(m);
  if (key && credits) return 'auth_or_credits';
  if (key) return 'auth';
  if (credits) return 'credits';
  if (/missing|invalid|parameter|email/.test(m)) return 'invalid_input';
  return 'other';
}

function rateLimited(status: number, blockMs: number, what: string, headers: Headers | undefined, now: number): VendorResult {
  return {
    outcome: 'rate_limited',
    httpStatus: status,
    billed: false,
    retryAt: retryAfter(headers, now) ?? now + blockMs,
    message: `ZeroBounce blocked the key for going over its limit (HTTP ${status}): ${what}`,
  };
}

function quotaExhausted(status: number, what: string, now: number): VendorResult {
  return {
    outcome: 'quota_exhausted',
    httpStatus: status,
    billed: false,
    retryAt: now + QUOTA_COOLDOWN_MS,
    message: `ZeroBounce credits used up (HTTP ${status}): ${what}`,
  };
}

interface Interpretation {
  result: VendorResult;
  /** The answer was "invalid key or out of credits": ask /getcredits which one it is. */
  creditCheck?: boolean;
}

/** An error text mapped to a result; nothing here is billed (ZeroBounce did not validate anything). */
function fromErrorText(text: string, status: number, blockMs: number, headers: Headers | undefined, now: number): Interpretation {
  const kind = classifyZerobounceError(text);
  switch (kind) {
    case 'rate_limited':
      return { result: rateLimited(status, blockMs, text, headers, now) };
    case 'auth':
      return { result: { outcome: 'auth_failed', httpStatus: status, billed: false, message: `ZeroBounce rejected the API key (HTTP ${status}): ${text}` } };
    case 'credits':
      return { result: quotaExhausted(status, text, now) };
    case 'auth_or_credits':
      // Provisional: a cool-down is the reversible choice if /getcredits cannot tell.
      return { result: quotaExhausted(status, text, now), creditCheck: true };
    case 'invalid_input':
      return { result: { outcome: 'invalid_input', httpStatus: status, billed: false, message: `ZeroBounce refused the request (HTTP ${status}): ${text}` } };
    default:
      return {
        result: {
          outcome: status === 200 || status >= 500 ? 'transient' : 'invalid_input',
          httpStatus: status,
          billed: false,
          message: `ZeroBounce error (HTTP ${status}): ${text}`,
        },
      };
  }
}

/**
 * An answer that is not an error body, for which the status code alone decides: 429 / 403 are blocks,
 * 401 a bad key, anything else that is not 200 unexpected (5xx, ZeroBounce's 520/524 → transient).
 */
function fromStatus(status: number, text: string, blockMs: number, headers: Headers | undefined, now: number): VendorResult | null {
  if (status === 429) return rateLimited(429, blockMs, 'too many requests', headers, now);
  if (status === 403) return rateLimited(403, blockMs, 'API Shield engaged', headers, now);
  if (status === 401) return { outcome: 'auth_failed', httpStatus: 401, billed: false, message: 'ZeroBounce rejected the API key (HTTP 401)' };
  if (status !== 200) return unexpectedStatus(status, text);
  return null;
}

/**
 * A 200 that is neither an error nor a readable validation. ZeroBounce bills what it validates, so the
 * request may have been paid for: a miss counted as billed, not retried (assume the worst about cost).
 */
function unreadable(status: number, what: string, drift?: SchemaDrift): VendorResult {
  return { ...unreadableAnswer('ZeroBounce', status, what), ...(drift ? { drift } : {}) };
}

/** One validation (single or batch item) → result. `unknown` is the miss form and is free. */
function verdictResult(v: ZbValidation, status: number, drift: SchemaDrift | undefined): VendorResult {
  const verdict = normalizeZerobounceValidation(v);
  if (!verdict.raw) return unreadable(status, 'no status', drift);
  const base = { httpStatus: status, billed: verdict.billed, profile: verdict.profile, ...(drift ? { drift } : {}) };
  if (verdict.status === 'unknown') {
    return {
      ...base,
      outcome: 'miss',
      message: verdict.raw === 'unknown'
        ? `ZeroBounce could not verify the address (unknown${v.sub_status ? `: ${v.sub_status}` : ''}); not billed`
        : `ZeroBounce answered an undocumented status "${verdict.raw.slice(0, 40)}"`,
    };
  }
  return { ...base, outcome: 'hit' };
}

function interpretValidate(status: number, json: unknown, text: string, headers: Headers | undefined, now: number): Interpretation {
  const err = zerobounceErrorText(json);
  if (status === 429) return { result: rateLimited(429, VALIDATE_BLOCK_MS, err ?? 'too many requests', headers, now) };
  if (err && !(typeof json === 'object' && json !== null && 'status' in json)) {
    return fromErrorText(err, status, VALIDATE_BLOCK_MS, headers, now);
  }
  const byStatus = fromStatus(status, text, VALIDATE_BLOCK_MS, headers, now);
  if (byStatus) return { result: byStatus };
  const parsed = zbValidation.safeParse(json);
  if (!parsed.success) return { result: unreadable(status, 'not a validation object') };
  return { result: verdictResult(parsed.data, status, driftIfAny(zbValidation, json)) };
}

/**
 * Maps one answer of `GET /validate` to a result. Pure and total: any status and any body give a
 * result. An "invalid key or no credits" answer comes back as quota_exhausted here; `call` refines it
 * with /getcredits. `now` is injectable so tests can check the block times.
 */
export function interpretZerobounceValidate(status: number, json: unknown, headers?: Headers, now = Date.now()): VendorResult {
  return interpretValidate(status, json, typeof json === 'string' ? json : JSON.stringify(json ?? ''), headers, now).result;
}

// ---------------------------------------------------------------------------------------------
// Calls

type Credits = { kind: 'credits'; credits: number; httpStatus: number } | { kind: 'failed'; result: VendorResult };

/** `GET /getcredits` (free): the balance, -1 for a key ZeroBounce does not know. */
async function getCredits(ctx: CallContext): Promise<Credits> {
  const qs = new URLSearchParams({ api_key: ctx.apiKey }).toString();
  const res = await vendorFetch(`${trimSlash(ctx.baseUrl)}/getcredits?${qs}`, {}, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') return { kind: 'failed', result: failureResult(res) };
  const parsed = zbCreditsResponse.safeParse(res.json);
  const n = finiteNumber(parsed.success ? parsed.data.Credits : null);
  if (n !== undefined) return { kind: 'credits', credits: n, httpStatus: res.status };
  const err = zerobounceErrorText(res.json);
  const result = err
    ? fromErrorText(err, res.status, VALIDATE_BLOCK_MS, res.headers, Date.now()).result
    : (fromStatus(res.status, res.text, VALIDATE_BLOCK_MS, res.headers, Date.now()) ??
      { outcome: 'transient', httpStatus: res.status, billed: false, message: 'unreadable getcredits answer' });
  return { kind: 'failed', result };
}

/** Tells "invalid key" from "no credits" after ZeroBounce said it is one of the two. */
async function resolveAuthOrCredits(provisional: VendorResult, ctx: CallContext): Promise<VendorResult> {
  const c = await getCredits(ctx);
  if (c.kind !== 'credits') return provisional;
  const { outcome: _o, retryAt: _r, message: _m, ...rest } = provisional;
  if (c.credits < 0) {
    return { ...rest, outcome: 'auth_failed', message: 'ZeroBounce rejected the API key (getcredits reports -1 for it)' };
  }
  if (c.credits < 1) return provisional;
  return {
    ...rest,
    outcome: 'transient',
    retryAt: Date.now() + VALIDATE_BLOCK_MS,
    message: `ZeroBounce refused the request as "invalid key or out of credits" although ${c.credits} credits are left`,
  };
}

async function validate(lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
  const email = lookup.params['email'];
  if (!email) return noInput();
  // ZeroBounce documents `ip_address` as required but possibly blank.
  const qs = new URLSearchParams({ api_key: ctx.apiKey, email, ip_address: lookup.params['ip_address'] ?? '' }).toString();
  const res = await vendorFetch(`${trimSlash(ctx.baseUrl)}/validate?${qs}`, {}, ctx.timeoutMs, ctx.signal);
  if (res.kind !== 'response') return failureResult(res);
  const { result, creditCheck } = interpretValidate(res.status, res.json, res.text, res.headers, Date.now());
  return creditCheck ? resolveAuthOrCredits(result, ctx) : result;
}

/** Results of one batch answer per address; addresses the answer does not mention are absent. */
function pairBatch(
  answer: VendorHttpResponse,
  emails: string[],
  now: number,
): { perEmail: Map<string, VendorResult>; whole?: Interpretation; unpairedBillable: number; drift?: SchemaDrift } {
  const parsed = zbBatchResponse.safeParse(answer.json);
  const perEmail = new Map<string, VendorResult>();
  if (!parsed.success || (!parsed.data.email_batch && !parsed.data.errors)) {
    return { perEmail, whole: { result: unreadable(answer.status, 'not a batch answer') }, unpairedBillable: 0 };
  }
  const drift = driftIfAny(zbBatchResponse, answer.json);
  const wanted = new Set(emails);
  const errors = (parsed.data.errors ?? []).filter((e): e is ZbBatchError => e !== null);
  const all = errors.find((e) => (e.email_address ?? '').trim().toLowerCase() === 'all');
  if (all) {
    return { perEmail, whole: fromErrorText(all.error ?? 'batch refused', answer.status, BATCH_BLOCK_MS, answer.headers, now), unpairedBillable: 0, drift };
  }
  let unpairedBillable = 0;
  for (const v of parsed.data.email_batch ?? []) {
    if (!v) continue;
    const email = normalizeEmail(v.address);
    const r = verdictResult(v, answer.status, drift);
    if (email && wanted.has(email) && !perEmail.has(email)) perEmail.set(email, r);
    else if (r.billed) unpairedBillable++;
  }
  for (const e of errors) {
    const email = normalizeEmail(e.email_address);
    if (!email || !wanted.has(email) || perEmail.has(email)) continue;
    // Per-address "invalid key or no credits" while others were served: the balance ran out mid-batch.
    const { result } = fromErrorText(e.error ?? 'refused', answer.status, BATCH_BLOCK_MS, answer.headers, now);
    perEmail.set(email, drift ? { ...result, drift } : result);
  }
  return { perEmail, unpairedBillable, ...(drift ? { drift } : {}) };
}

/** One validatebatch request of ≤ ZEROBOUNCE_BATCH_MAX distinct addresses; results in their order. */
async function batchChunk(emails: string[], ips: Map<string, string>, ctx: CallContext): Promise<VendorResult[]> {
  const res = await vendorFetch(
    `${zerobounceBulkBase(ctx)}/validatebatch`,
    {
      method: 'POST',
      body: { api_key: ctx.apiKey, email_batch: emails.map((e) => ({ email_address: e, ip_address: ips.get(e) ?? '' })) },
    },
    ctx.timeoutMs,
    ctx.signal,
  );
  if (res.kind !== 'response') return emails.map(() => failureResult(res));
  const now = Date.now();
  const err = zerobounceErrorText(res.json);
  const isBatchBody = typeof res.json === 'object' && res.json !== null && ('email_batch' in res.json || 'errors' in res.json);
  if (res.status !== 200 || (err && !isBatchBody)) {
    let whole: Interpretation;
    if (res.status === 429) whole = { result: rateLimited(429, BATCH_BLOCK_MS, err ?? 'too many requests', res.headers, now) };
    else if (err) whole = fromErrorText(err, res.status, BATCH_BLOCK_MS, res.headers, now);
    else whole = { result: fromStatus(res.status, res.text, BATCH_BLOCK_MS, res.headers, now) ?? unreadable(res.status, 'empty') };
    const r = whole.creditCheck ? await resolveAuthOrCredits(whole.result, ctx) : whole.result;
    return sameForAll(emails.length, r);
  }
  const paired = pairBatch(res, emails, now);
  if (paired.whole) {
    const r = paired.whole.creditCheck ? await resolveAuthOrCredits(paired.whole.result, ctx) : paired.whole.result;
    const withDrift = paired.drift && !r.drift ? { ...r, drift: paired.drift } : r;
    return sameForAll(emails.length, withDrift);
  }
  return emails.map((e): VendorResult => {
    const r = paired.perEmail.get(e);
    if (r) return r;
    // Not in the answer. If some validation could not be paired with an address, this one may be it
    // and may have been paid for: assume the worst. Otherwise ZeroBounce did not process it.
    const drift = paired.drift ? { drift: paired.drift } : {};
    return paired.unpairedBillable > 0
      ? { ...unreadable(res.status, 'an answer that could not be paired with its address'), ...drift }
      : { outcome: 'transient', httpStatus: res.status, billed: false, message: 'ZeroBounce left the address out of its batch answer', ...drift };
  });
}

async function validateBatch(lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
  // The same address twice in one call is sent once (ZeroBounce would bill each copy); every lookup
  // of it gets the answer, billed on the first only.
  const unique: string[] = [];
  const ips = new Map<string, string>();
  for (const l of lookups) {
    const email = l.params['email'];
    if (!email || ips.has(email)) continue;
    unique.push(email);
    ips.set(email, l.params['ip_address'] ?? '');
  }
  // A batch answers per address, so any stopping address (the balance ran out mid-batch) stops the
  // next chunks; their lookups get that answer without the drift of an answer they never had.
  const results = await sendInChunks(unique, ZEROBOUNCE_BATCH_MAX, ctx, (chunk) => batchChunk(chunk, ips, ctx), {
    stopAfter: (rs) => rs.find(isStopping),
    notSent: (stop) => {
      const r = notSentAfter(stop);
      delete r.drift;
      return r;
    },
  });
  const byEmail = new Map<string, VendorResult>();
  unique.forEach((e, j) => byEmail.set(e, results[j] as VendorResult));
  const answered = new Set<string>();
  return lookups.map((l) => {
    const email = l.params['email'];
    const r = email ? byEmail.get(email) : undefined;
    if (!email || !r) return noInput();
    if (answered.has(email)) return { ...r, billed: false };
    answered.add(email);
    return r;
  });
}

const noInput = (): VendorResult => noInputWith('lookup has no e-mail address');

const unknownOperation = (operationId: string): VendorResult => noSuchOperation('zerobounce', operationId);

// ---------------------------------------------------------------------------------------------
// Connection test

async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const checked = 'GET /getcredits';
  const c = await getCredits(ctx);
  if (c.kind === 'credits') {
    if (c.credits < 0) {
      return {
        ok: false,
        status: 'invalid_key',
        httpStatus: c.httpStatus,
        checked,
        message: 'ZeroBounce does not recognise this API key; copy it again from ZeroBounce → API → API Keys.',
      };
    }
    const credits = Math.floor(c.credits);
    if (credits < 1) {
      return {
        ok: false,
        status: 'no_credits',
        httpStatus: c.httpStatus,
        checked,
        creditsRemaining: 0,
        message: 'The ZeroBounce key works but the account has no credits left; buy credits before verifying addresses.',
      };
    }
    return {
      ok: true,
      status: 'ok',
      httpStatus: c.httpStatus,
      checked,
      creditsRemaining: credits,
      message: `Connected to ZeroBounce: ${credits} credits left.`,
    };
  }
  const r = c.result;
  const detail = scrub(r.message ?? '', ctx.apiKey);
  switch (r.outcome) {
    case 'auth_failed':
      return { ok: false, status: 'invalid_key', httpStatus: r.httpStatus, checked, message: `ZeroBounce rejected the API key: ${detail}` };
    case 'rate_limited':
      return {
        ok: false,
        status: 'rate_limited',
        httpStatus: r.httpStatus,
        checked,
        message: 'ZeroBounce has temporarily blocked this key for too many requests; try again later.',
      };
    default:
      if (r.httpStatus === 0) {
        return { ok: false, status: 'unreachable', httpStatus: 0, checked, message: `ZeroBounce could not be reached: ${detail}` };
      }
      return { ok: false, status: 'error', httpStatus: r.httpStatus, checked, message: `ZeroBounce answered unexpectedly: ${detail}` };
  }
}

// ---------------------------------------------------------------------------------------------
// The adapter

export const zerobounceAdapter: VendorAdapter = {
  id: 'zerobounce',
  displayName: 'ZeroBounce',
  operations,
  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    if (operationId !== 'validate') return unknownOperation(operationId);
    return withScrubbedMessage(await validate(lookup, ctx), ctx.apiKey);
  },
  async callBatch(operationId: string, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]> {
    if (operationId !== 'validate') return lookups.map(() => unknownOperation(operationId));
    return (await validateBatch(lookups, ctx)).map((r) => withScrubbedMessage(r, ctx.apiKey));
  },
  testConnection,
};
