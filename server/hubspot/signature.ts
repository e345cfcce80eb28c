// HubSpot request signatures (HUBSPOT.md §3). Every request HubSpot sends us — workflow actions,
// webhooks, hubspot.fetch from the card and settings page — is signed with the app's client secret:
//   v1: sha256(secret + body), hex                      (webhooks)
//   v2: sha256(secret + method + url + body), hex       (workflow actions, hubspot.fetch)
//   v3: base64 HMAC-SHA256(secret, method + url + body + timestamp), with the timestamp at most
//       5 minutes old, and the URL's listed escapes decoded before signing.
// The URL is the one HubSpot called: the caller rebuilds it from the configured public base URL,
// never from proxy headers. Comparisons are constant-time; the secret never leaves this module.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVersion = 'v1' | 'v2' | 'v3';

/** HubSpot decodes exactly these escapes in the URL before computing a v3 signature. */
const V3_DECODED: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URL as HubSpot signs it for v3: only the listed escapes decoded, everything else as sent. */
export function v3SigningUrl(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => V3_DECODED[m.toUpperCase()] ?? m);
}

export function signV1(secret: string, body: string): string {
  return createHash('sha256').update(secret + body).digest('hex');
}

export function signV2(secret: string, method: string, url: string, body: string): string {
  return createHash('sha256').update(secret + method + url + body).digest('hex');
}

export function signV3(secret: string, method: string, url: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(method + v3SigningUrl(url) + body + timestamp).digest('base64');
}

/** Constant-time equality of two strings of any length (hashing first equalizes the lengths). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export interface SignedRequest {
  method: string;
  /** Full URL with scheme, host and query string, as HubSpot called it. */
  url: string;
  /** The raw body bytes as text ("" for GET). */
  rawBody: string;
  header(name: string): string | undefined;
}

export type SignatureVerdict =
  | { ok: true; version: SignatureVersion }
  | { ok: false; reason: 'missing' | 'stale_timestamp' | 'bad_timestamp' | 'mismatch'; message: string };

export interface VerifyOptions {
  clientSecret: string;
  /** Versions this endpoint accepts when v3 is absent (workflow actions: v2; webhooks: v1). */
  fallback: 'v1' | 'v2' | null;
  now?: number;
  maxAgeMs?: number;
}

export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/**
 * Checks a request's HubSpot signature: v3 when its headers are present (then a bad v3 is final,
 * whatever else is sent), else the endpoint's fallback version.
 */
export function verifySignature(req: SignedRequest, opts: VerifyOptions): SignatureVerdict {
  const method = req.method.toUpperCase();
  const v3 = req.header('x-hubspot-signature-v3');
  if (v3) {
    const ts = req.header('x-hubspot-request-timestamp');
    if (!ts || !/^\d{10,16}$/.test(ts.trim())) {
      return { ok: false, reason: 'bad_timestamp', message: 'X-HubSpot-Request-Timestamp is missing or not a timestamp in ms' };
    }
    const age = (opts.now ?? Date.now()) - Number(ts.trim());
    if (Math.abs(age) > (opts.maxAgeMs ?? MAX_SIGNATURE_AGE_MS)) {
      return { ok: false, reason: 'stale_timestamp', message: 'X-HubSpot-Request-Timestamp is more than 5 minutes away from now' };
    }
    const expected = signV3(opts.clientSecret, method, req.url, req.rawBody, ts.trim());
    return safeEqual(expected, v3.trim())
      ? { ok: true, version: 'v3' }
      : { ok: false, reason: 'mismatch', message: 'X-HubSpot-Signature-v3 does not match this request' };
  }
  const sig = req.header('x-hubspot-signature');
  const version = (req.header('x-hubspot-signature-version') ?? opts.fallback ?? '').trim().toLowerCase();
  if (!sig || !opts.fallback || version !== opts.fallback) {
    return { ok: false, reason: 'missing', message: 'no HubSpot signature this endpoint accepts (X-HubSpot-Signature-v3 or X-HubSpot-Signature)' };
  }
  const expected = opts.fallback === 'v1' ? signV1(opts.clientSecret, req.rawBody) : signV2(opts.clientSecret, method, req.url, req.rawBody);
  return safeEqual(expected, sig.trim().toLowerCase())
    ? { ok: true, version: opts.fallback }
    : { ok: false, reason: 'mismatch', message: 'X-HubSpot-Signature does not match this request' };
}

/** The URL HubSpot called: the configured public base URL plus the path and query we received. */
export function publicUrl(publicBaseUrl: string, originalUrl: string): string {
  return publicBaseUrl.replace(/\/+$/, '') + (originalUrl.startsWith('/') ? originalUrl : `/${originalUrl}`);
}
