// The text an adapter puts into a result's `message`: never the API key (some vendors echo what they
// were sent, and two take the key in URLs or bodies), and never a whole error page.
import type { VendorResult } from './types.ts';

/** `text` with every occurrence of the key replaced by `mask`. */
export function scrubKey(text: string, apiKey: string, mask = '***'): string {
  return apiKey ? text.split(apiKey).join(mask) : text;
}

/**
 * `text` without the key, raw or in either URL encoding (`%20` / `+`): for vendors whose key travels
 * in query strings or form bodies (ZeroBounce, NeverBounce).
 */
export function scrubKeyForms(text: string, apiKey: string, mask = '[key]'): string {
  if (!apiKey) return text;
  const forms = new Set([apiKey, encodeURIComponent(apiKey), new URLSearchParams({ k: apiKey }).toString().slice(2)]);
  let s = text;
  for (const f of forms) s = s.split(f).join(mask);
  return s;
}

/** The result with its message (if any) passed through `scrub`. */
export function scrubMessage(r: VendorResult, scrub: (message: string) => string): VendorResult {
  return r.message === undefined ? r : { ...r, message: scrub(r.message) };
}

/** The vendor's own words as a short message: the key scrubbed out, white space folded, at most 200 characters. */
export function vendorWords(s: string, apiKey: string): string {
  return scrubKey(s, apiKey).replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** The first problem zod found in a body, as "path: message". */
export function zodProblem(err: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const i = err.issues[0];
  return i ? `${i.path.map(String).join('.') || 'body'}: ${i.message}` : 'invalid body';
}

/** A URL's path alone, for `ConnectionTest.checked` (no host, no query string, so no key). */
export function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}
