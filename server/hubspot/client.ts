// The HubSpot SDK client Cascade uses for one portal, and a reader for the SDK's errors.
//
// The SDK can pace and retry on its own (a Bottleneck limiter, `numberOfApiCallRetries`). Both are
// per process and would fight Cascade's per-portal pacing, which is the authority across instances:
// this factory turns both off. Note that the SDK keeps its decorators in a process-wide singleton
// that every `new Client(...)` replaces, so no code in this process may build a Client with
// `limiterOptions` or retries — always go through `hubspotClient`.
import { Client } from '@hubspot/api-client';

export function hubspotClient(accessToken: string, basePath: string): Client {
  return new Client({ accessToken, basePath: basePath.replace(/\/+$/, ''), numberOfApiCallRetries: 0 });
}

/** HubSpot's rate-limit headers on an answer (any may be absent). */
export interface HubSpotRateLimit {
  max?: number;
  remaining?: number;
  intervalMs?: number;
  /** Daily quotas (private apps); OAuth apps see the ten-second window only. */
  dailyRemaining?: number;
}

/** What an SDK error says about HubSpot's answer. `status` 0 = no answer (network error, timeout). */
export interface HubSpotErrorInfo {
  status: number;
  /** The parsed body (HubSpot's error object) when there was one. */
  body: unknown;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Milliseconds HubSpot asked us to wait (Retry-After), when it did. */
  retryAfterMs?: number;
  rateLimit: HubSpotRateLimit;
  /** HubSpot's `category` (e.g. RATE_LIMITS, OBJECT_ALREADY_EXISTS, VALIDATION_ERROR) when present. */
  category?: string;
  /** HubSpot's `policyName` on a 429 (TEN_SECONDLY_ROLLING, SECONDLY, DAILY). */
  policyName?: string;
  message: string;
  /** Worth trying again later: no answer, 429 or 5xx. */
  retryable: boolean;
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = num(value);
  if (secs !== undefined) return Math.max(0, Math.round(secs * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function lowerHeaders(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw || typeof raw !== 'object') return out;
  const entries: Iterable<[string, unknown]> = raw instanceof Headers ? raw.entries() : Object.entries(raw);
  for (const [k, v] of entries) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function parsedBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const str = (o: unknown, key: string): string | undefined => {
  if (!o || typeof o !== 'object') return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
};

/**
 * Reads an error thrown by `@hubspot/api-client` (its `ApiException`: `code`, `body`, `headers`) or
 * by fetch (no answer). Never throws. The message is HubSpot's own (it names fields and properties,
 * not credentials); the access token is in none of these.
 */
export function statusOf(err: unknown): HubSpotErrorInfo {
  const e = (err ?? {}) as { code?: unknown; body?: unknown; headers?: unknown; message?: unknown };
  const status = typeof e.code === 'number' && e.code >= 100 && e.code <= 599 ? e.code : 0;
  const headers = status ? lowerHeaders(e.headers) : {};
  const body = status ? parsedBody(e.body) : undefined;
  const rateLimit: HubSpotRateLimit = {};
  const max = num(headers['x-hubspot-ratelimit-max']);
  const remaining = num(headers['x-hubspot-ratelimit-remaining']);
  const intervalMs = num(headers['x-hubspot-ratelimit-interval-milliseconds']);
  const dailyRemaining = num(headers['x-hubspot-ratelimit-daily-remaining']);
  if (max !== undefined) rateLimit.max = max;
  if (remaining !== undefined) rateLimit.remaining = remaining;
  if (intervalMs !== undefined) rateLimit.intervalMs = intervalMs;
  if (dailyRemaining !== undefined) rateLimit.dailyRemaining = dailyRemaining;
  const info: HubSpotErrorInfo = {
    status,
    body,
    headers,
    rateLimit,
    message: str(body, 'message') ?? (typeof e.message === 'string' ? e.message : String(err)),
    retryable: status === 0 || status === 429 || status >= 500,
  };
  const after = retryAfterMs(headers['retry-after']);
  if (after !== undefined) info.retryAfterMs = after;
  const category = str(body, 'category') ?? str(body, 'errorType');
  if (category !== undefined) info.category = category;
  const policyName = str(body, 'policyName');
  if (policyName !== undefined) info.policyName = policyName;
  return info;
}
