// One HTTP call to a vendor with a hard timeout. Network failures come back as values, not throws,
// so every adapter maps them the same way (transient, "no answer arrived"). undici's request() on a
// keep-alive pool rather than fetch(): less work between "rate token taken" and "bytes on the wire",
// which is what the rate windows' guard has to cover.
import { request } from 'undici';
import type { VendorResult } from './types.ts';

export interface VendorHttpResponse {
  kind: 'response';
  status: number;
  headers: Headers;
  /** Parsed JSON body, or null when the body is empty or not JSON. */
  json: unknown;
  text: string;
}

export interface VendorHttpFailure {
  kind: 'timeout' | 'network';
  message: string;
}

export async function vendorFetch(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<VendorHttpResponse | VendorHttpFailure> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  try {
    const res = await request(url, {
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      headers,
      body,
      signal: combined,
    });
    const text = await res.body.text();
    let json: unknown = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
    }
    return { kind: 'response', status: res.statusCode, headers: h, json, text };
  } catch (err) {
    if (timeout.aborted) return { kind: 'timeout', message: `no answer within ${timeoutMs} ms` };
    const e = err as Error & { code?: string; cause?: { code?: string } };
    return { kind: 'network', message: e.code ?? e.cause?.code ?? e.name ?? 'network error' };
  }
}

// Failures that prove the request never reached the vendor.
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'aborted before sending']);

/** The shared mapping of "no answer" and of generic statuses that every vendor treats alike. */
export function failureResult(f: VendorHttpFailure): VendorResult {
  return {
    outcome: 'transient',
    httpStatus: 0,
    billed: false,
    message: f.message,
    ...(f.kind === 'timeout' || !NEVER_SENT.has(f.message) ? { ambiguous: true } : {}),
  };
}

/** "No answer" to a free, repeatable call (a preview, a poll): it cannot have cost anything, so it is never ambiguous. */
export function freeCallFailure(f: VendorHttpFailure): VendorResult {
  const { ambiguous: _ambiguous, ...result } = failureResult(f);
  return result;
}

/** 5xx and other unexpected statuses: transient, never billed (the vendor did not process it). */
export function unexpectedStatus(status: number, text: string): VendorResult {
  return {
    outcome: status >= 500 || status === 408 ? 'transient' : 'invalid_input',
    httpStatus: status,
    billed: false,
    message: `unexpected HTTP ${status}: ${text.slice(0, 120)}`,
  };
}
