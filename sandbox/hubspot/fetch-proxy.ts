// hubspot.fetch as HubSpot runs it for a card or settings page: only to origins the app lists in
// permittedUrls.fetch, with appId appended to the query, signed v3 with the app's client secret over
// the full URL, a 15 s timeout, request and response bodies of at most 1 MB, and one retry (re-signed)
// on a connection error or a 5xx. The extension puts portalId / userId / contactId in the query itself.
import { hubspotV3, parseJson, sleep } from './outbound.ts';

export const FETCH_TIMEOUT_MS = 15_000;
export const FETCH_MAX_BYTES = 1_000_000;

export interface ExtensionFetch {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
}

export interface ExtensionFetchResult {
  status: number;
  body: unknown;
  bytes: number;
  ms: number;
  attempts: number;
}

export class ExtensionFetchError extends Error {}

export function extensionFetcher(opts: { clientSecret: string; appId: number; permittedOrigins: () => readonly string[] }) {
  return async (req: ExtensionFetch): Promise<ExtensionFetchResult> => {
    const url = new URL(req.url);
    if (!opts.permittedOrigins().includes(url.origin)) throw new ExtensionFetchError(`${url.origin} is not in permittedUrls.fetch`);
    url.searchParams.append('appId', String(opts.appId));
    const method = req.method ?? 'GET';
    const body = req.body === undefined ? '' : JSON.stringify(req.body);
    if (Buffer.byteLength(body) > FETCH_MAX_BYTES) throw new ExtensionFetchError('the request body is over 1 MB');
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const ts = Date.now();
      try {
        const res = await fetch(url, {
          method,
          headers: {
            'x-hubspot-signature-v3': hubspotV3(opts.clientSecret, method, url.toString(), body, ts),
            'x-hubspot-request-timestamp': String(ts),
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          ...(body ? { body } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        });
        const text = await res.text();
        if (res.status >= 500 && attempt === 1) continue;
        const bytes = Buffer.byteLength(text);
        if (bytes > FETCH_MAX_BYTES) throw new ExtensionFetchError(`the response is ${bytes} bytes, over HubSpot's 1 MB`);
        return { status: res.status, body: parseJson(text), bytes, ms: performance.now() - started, attempts: attempt };
      } catch (err) {
        if (err instanceof ExtensionFetchError || attempt > 1) throw err;
        await sleep(200);
      }
    }
  };
}
