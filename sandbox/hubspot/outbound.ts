// Requests the sandbox sends as HubSpot (workflow action executions, webhook deliveries): signing
// with the app's client secret and one POST with a timeout. The signatures are computed here with
// node:crypto from HubSpot's published recipe, independently of server/hubspot/signature.ts, so the
// tests that verify them with the server's code check one implementation against another.
import { createHash, createHmac } from 'node:crypto';

/** HubSpot decodes exactly these escapes in the URL before computing a v3 signature. */
const V3_ESCAPES: Readonly<Record<string, string>> = {
  '3A': ':', '2F': '/', '3F': '?', '40': '@', '21': '!', '24': '$', '27': "'", '28': '(', '29': ')', '2A': '*', '2C': ',', '3B': ';',
};

export const hubspotV1 = (secret: string, body: string) => createHash('sha256').update(`${secret}${body}`).digest('hex');

export const hubspotV2 = (secret: string, method: string, url: string, body: string) =>
  createHash('sha256').update(`${secret}${method}${url}${body}`).digest('hex');

export function hubspotV3(secret: string, method: string, url: string, body: string, timestamp: number): string {
  const decoded = url.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => V3_ESCAPES[hex.toUpperCase()] ?? m);
  return createHmac('sha256', secret).update(`${method}${decoded}${body}${timestamp}`).digest('base64');
}

export type Sent =
  | { ok: true; status: number; headers: Headers; text: string; ms: number }
  | { ok: false; error: string; ms: number };

export async function postOnce(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Sent> {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const text = await res.text();
    return { ok: true, status: res.status, headers: res.headers, text, ms: performance.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, error: e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.message), ms: performance.now() - started };
  }
}

export const parseJson = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `Retry-After` as ms (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

const DURATION_RE = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO-8601 duration ("P1D", "PT12H", "PT0.2S") in ms; undefined when it is not one. */
export function durationMs(iso: string): number | undefined {
  const m = DURATION_RE.exec(iso.trim());
  if (!m || iso.trim() === 'P' || iso.trim().endsWith('T')) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => (x ? Number(x) : 0)) as number[];
  const day = 86_400_000;
  return (y as number) * 365 * day + (mo as number) * 30 * day + (w as number) * 7 * day + (d as number) * day + (h as number) * 3_600_000 + (mi as number) * 60_000 + (s as number) * 1000;
}
