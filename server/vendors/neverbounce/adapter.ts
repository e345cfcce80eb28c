// NeverBounce (https://api.neverbounce.com/v4): real-time single verification. Facts from VENDORS.md
// "NeverBounce", developers.neverbounce.com and the official SDKs:
// - auth: the `key` parameter. The official SDKs POST every call with a JSON body `{key, …}`, so this
//   adapter does too and the key never sits in a URL; it is still scrubbed from every message, since
//   NeverBounce echoes the key it was given in its auth_failure text;
// - `POST /single/check` `{key, email}` → `{"status": "success", "result": valid|invalid|disposable|
//   catchall|unknown, "flags": [...], "suggested_correction", "execution_time"}`; `unknown` is the miss;
// - every application error is **HTTP 200** with `status` ≠ success and a `message`: auth_failure,
//   bad_referrer (the key's app only trusts certain domains), general_failure (bad request, or — in
//   its text — no credits / no payment method), temp_unavail (partial outage), throttle_triggered
//   (rate limit: no Retry-After, no rate headers, no published rate; "try again shortly");
// - billing: 1 credit per verification. Whether `unknown` is billed is unconfirmed, so by default it is
//   counted as billed (assume the worst about cost); `unknownBilled: false` changes that;
// - no bulk here: NeverBounce's bulk form is the asynchronous jobs API (create → parse → poll →
//   download, ≤10 concurrent jobs, list-oriented), which is out of scope for this adapter. NeverBounce's
//   usage guidelines reserve single checks for interactive use and may lock accounts that walk whole
//   lists through them, which the conservative default windows below respect.
import { failureResult, unexpectedStatus, vendorFetch } from '../http.ts';
import type { VendorHttpResponse } from '../http.ts';
import { driftIfAny } from '../drift.ts';
import { retryAfterAt as retryAfter } from '../clock.ts';
import { emailLookup } from '../lookups.ts';
import { finiteNumber } from '../normalize.ts';
import { noInput, unknownOperation } from '../results.ts';
import { scrubKeyForms as scrub, scrubMessage } from '../text.ts';
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
import { normalizeNeverbounceCheck } from './normalize.ts';
import { nbAccountInfo, nbSingleCheck, nbStatusBody } from './schemas.ts';

export const NEVERBOUNCE_BASE_URL = 'https://api.neverbounce.com/v4';

/** ≈ $0.008 per verification (NeverBounce's pay-as-you-go list price); portals override. */
export const NEVERBOUNCE_CREDIT_MILLICENTS = 800;

/** Back-off after `throttle_triggered` (NeverBounce says "try again shortly" and sends no reset). */
export const THROTTLE_BACKOFF_MS = 5_000;
/** Back-off after `temp_unavail` (a partial outage on NeverBounce's side). */
export const TEMP_UNAVAIL_BACKOFF_MS = 10_000;
/** Cool-down after "no credits / add a payment method": a human has to act, so try again in an hour. */
export const QUOTA_COOLDOWN_MS = 3_600_000;

/**
 * NeverBounce publishes no request rate for /single/check, only that it is meant for interactive use;
 * these conservative defaults stay well clear of throttling. Portals set their own.
 */
export const NEVERBOUNCE_DEFAULT_WINDOWS: readonly RateWindow[] = [
  { limit: 10, windowMs: 1_000 },
  { limit: 300, windowMs: 60_000 },
];

export interface NeverbounceAdapterOptions {
  /**
   * Whether NeverBounce bills an `unknown` result. Unconfirmed; default true (assume the worst about
   * cost, so spend caps are never overrun by results we assumed free).
   */
  unknownBilled?: boolean;
  /** Back-off after `throttle_triggered`, in ms (default THROTTLE_BACKOFF_MS). */
  throttleBackoffMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Lookups

const checkLookup = (facts: ContactFacts): Lookup | null => emailLookup(facts);

// ---------------------------------------------------------------------------------------------
// Response interpretation (pure)

const CREDITS_RE = /credit|payment method|balance|insufficient|billing|upgrade/i;
const KEY_RE = /parameter '?key'?|api key|\bkey\b.*(?:missing|invalid)/i;

interface Resolved {
  unknownBilled: boolean;
  throttleBackoffMs: number;
}

function interpretCheck(status: number, json: unknown, text: string, headers: Headers | undefined, now: number, o: Resolved): VendorResult {
  if (status === 429) {
    // Not NeverBounce's documented signal, but a proxy or a future API version may send it.
    return { outcome: 'rate_limited', httpStatus: 429, billed: false, retryAt: retryAfter(headers, now) ?? now + o.throttleBackoffMs, message: 'NeverBounce rate limit (HTTP 429)' };
  }
  if (status !== 200) return unexpectedStatus(status, text);
  const head = nbStatusBody.safeParse(json);
  const nbStatus = head.success ? (head.data.status ?? '').trim().toLowerCase() : '';
  const said = head.success && head.data.message ? head.data.message.replace(/\s+/g, ' ').trim().slice(0, 200) : '';
  const base = { httpStatus: 200, billed: false } as const;
  switch (nbStatus) {
    case 'success': {
      const parsed = nbSingleCheck.safeParse(json);
      const drift = driftIfAny(nbSingleCheck, json);
      const d = drift ? { drift } : {};
      const verdict = parsed.success ? normalizeNeverbounceCheck(parsed.data) : null;
      if (!verdict?.raw) {
        // A success without a readable result: it was processed, so it may have been billed.
        return { outcome: 'miss', httpStatus: 200, billed: true, message: 'unreadable success answer from NeverBounce; counted as billed, not retried', ...d };
      }
      if (verdict.status === 'unknown') {
        return {
          outcome: 'miss',
          httpStatus: 200,
          billed: verdict.raw === 'unknown' ? o.unknownBilled : true,
          profile: verdict.profile,
          message: verdict.raw === 'unknown'
            ? 'NeverBounce could not verify the address (unknown)'
            : `NeverBounce answered an undocumented result "${verdict.raw.slice(0, 40)}"`,
          ...d,
        };
      }
      return { outcome: 'hit', httpStatus: 200, billed: true, profile: verdict.profile, ...d };
    }
    case 'auth_failure':
      return { ...base, outcome: 'auth_failed', message: `NeverBounce rejected the API key (auth_failure): ${said || 'authentication failed'}` };
    case 'bad_referrer':
      // The key's app only accepts requests from its Trusted Domains: an admin must change that.
      return { ...base, outcome: 'auth_failed', message: `NeverBounce refused this server for the key (bad_referrer): ${said || 'untrusted referrer'}` };
    case 'throttle_triggered':
      return {
        ...base,
        outcome: 'rate_limited',
        retryAt: retryAfter(headers, now) ?? now + o.throttleBackoffMs,
        message: `NeverBounce throttled the key (throttle_triggered): ${said || 'too many requests'}`,
      };
    case 'temp_unavail':
      return {
        ...base,
        outcome: 'transient',
        retryAt: now + TEMP_UNAVAIL_BACKOFF_MS,
        message: `NeverBounce is temporarily unavailable (temp_unavail): ${said || 'partial outage'}`,
      };
    case 'general_failure':
      if (CREDITS_RE.test(said)) {
        return { ...base, outcome: 'quota_exhausted', retryAt: now + QUOTA_COOLDOWN_MS, message: `NeverBounce has no credits for this key (general_failure): ${said}` };
      }
      if (KEY_RE.test(said)) {
        return { ...base, outcome: 'auth_failed', message: `NeverBounce refused the API key (general_failure): ${said}` };
      }
      // NeverBounce: "read message, correct the request; do not blind-retry".
      return { ...base, outcome: 'invalid_input', message: `NeverBounce refused the request (general_failure): ${said || 'no detail'}` };
    case '':
      // 200 without a status: processed or not, we cannot tell. Assume it was billed, do not retry.
      return { outcome: 'miss', httpStatus: 200, billed: true, message: 'unreadable 200 answer from NeverBounce; counted as billed, not retried' };
    default:
      return { ...base, outcome: 'transient', message: `NeverBounce answered an undocumented status "${nbStatus.slice(0, 40)}": ${said}` };
  }
}

/**
 * Maps one `/single/check` answer to a result. Pure and total: any HTTP status and any body give a
 * result. `now` is injectable so tests can check back-off times.
 */
export function interpretNeverbounceCheck(
  status: number,
  json: unknown,
  headers?: Headers,
  now = Date.now(),
  options: NeverbounceAdapterOptions = {},
): VendorResult {
  const o = { unknownBilled: options.unknownBilled ?? true, throttleBackoffMs: options.throttleBackoffMs ?? THROTTLE_BACKOFF_MS };
  return interpretCheck(status, json, typeof json === 'string' ? json : JSON.stringify(json ?? ''), headers, now, o);
}

// ---------------------------------------------------------------------------------------------
// The adapter

const endpoint = (ctx: CallContext, path: string) => `${ctx.baseUrl.replace(/\/+$/, '')}${path}`;

function post(ctx: CallContext, path: string, body: Record<string, unknown>): Promise<VendorHttpResponse | { kind: 'timeout' | 'network'; message: string }> {
  return vendorFetch(endpoint(ctx, path), { method: 'POST', body: { key: ctx.apiKey, ...body } }, ctx.timeoutMs, ctx.signal);
}

async function testConnection(ctx: CallContext): Promise<ConnectionTest> {
  const checked = 'POST /account/info';
  const res = await post(ctx, '/account/info', {});
  if (res.kind !== 'response') {
    return { ok: false, status: 'unreachable', httpStatus: 0, checked, message: `NeverBounce could not be reached: ${scrub(res.message, ctx.apiKey)}.` };
  }
  if (res.status !== 200) {
    return { ok: false, status: 'error', httpStatus: res.status, checked, message: `NeverBounce answered HTTP ${res.status}; try again later.` };
  }
  const head = nbStatusBody.safeParse(res.json);
  const nbStatus = head.success ? (head.data.status ?? '').trim().toLowerCase() : '';
  const said = scrub(head.success && head.data.message ? head.data.message.slice(0, 200) : '', ctx.apiKey);
  switch (nbStatus) {
    case 'success': {
      const parsed = nbAccountInfo.safeParse(res.json);
      const credits = parsed.success ? remainingCredits(parsed.data) : undefined;
      return {
        ok: true,
        status: 'ok',
        httpStatus: 200,
        checked,
        ...(credits !== undefined ? { creditsRemaining: credits } : {}),
        message: credits !== undefined ? `Connected to NeverBounce: ${credits} credits left.` : 'Connected to NeverBounce.',
      };
    }
    case 'auth_failure':
      return {
        ok: false,
        status: 'invalid_key',
        httpStatus: 200,
        checked,
        message: 'NeverBounce does not accept this API key; use the secret_ key of a Custom Integration app from NeverBounce → Apps.',
      };
    case 'bad_referrer':
      return {
        ok: false,
        status: 'forbidden',
        httpStatus: 200,
        checked,
        message: "NeverBounce refused this server for the key; add it to the app's Trusted Domains in NeverBounce → Apps.",
      };
    case 'throttle_triggered':
      return { ok: false, status: 'rate_limited', httpStatus: 200, checked, message: 'NeverBounce is throttling this key; try again in a few seconds.' };
    default:
      return { ok: false, status: 'error', httpStatus: 200, checked, message: `NeverBounce answered ${nbStatus || 'unreadably'}${said ? `: ${said}` : ''}.` };
  }
}

/** Paid + free credits left, from `credits_info` or the older top-level `credits` / `free_credits`. */
function remainingCredits(d: { credits_info?: { paid_credits_remaining?: unknown; free_credits_remaining?: unknown } | null; credits?: unknown; free_credits?: unknown }): number | undefined {
  const paid = finiteNumber(d.credits_info?.paid_credits_remaining) ?? finiteNumber(d.credits);
  const free = finiteNumber(d.credits_info?.free_credits_remaining) ?? finiteNumber(d.free_credits);
  if (paid === undefined && free === undefined) return undefined;
  return Math.max(0, Math.floor((paid ?? 0) + (free ?? 0)));
}

/** Builds the adapter; `neverbounceAdapter` is the default (unknown results counted as billed). */
export function createNeverbounceAdapter(options: NeverbounceAdapterOptions = {}): VendorAdapter {
  const o: Resolved = {
    unknownBilled: options.unknownBilled ?? true,
    throttleBackoffMs: options.throttleBackoffMs ?? THROTTLE_BACKOFF_MS,
  };
  const operations: Record<string, OperationSpec> = {
    single_check: {
      id: 'single_check',
      label: 'Single verification (single/check)',
      groups: ['email_verification'],
      costMillicents: NEVERBOUNCE_CREDIT_MILLICENTS,
      // An `unknown` result is the miss form; it is billed unless configured otherwise.
      billing: { chargesOnMiss: o.unknownBilled, repeatLookupsFree: false } satisfies BillingRule,
      rateWindows: NEVERBOUNCE_DEFAULT_WINDOWS,
      lookup: checkLookup,
    },
  };
  return {
    id: 'neverbounce',
    displayName: 'NeverBounce',
    operations,
    async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
      if (operationId !== 'single_check') return unknownOperation('neverbounce', operationId);
      const email = lookup.params['email'];
      if (!email) return noInput('lookup has no e-mail address');
      const res = await post(ctx, '/single/check', { email });
      if (res.kind !== 'response') return failureResult(res);
      // NeverBounce echoes the key it was given in its auth_failure text.
      return scrubMessage(interpretCheck(res.status, res.json, res.text, res.headers, Date.now(), o), (m) => scrub(m, ctx.apiKey));
    },
    testConnection,
  };
}

export const neverbounceAdapter: VendorAdapter = createNeverbounceAdapter();
