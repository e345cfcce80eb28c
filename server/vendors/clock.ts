// Time for the adapters: the durations rate windows and back-offs are written in, the clock
// boundaries fixed windows and monthly allowances reset at, and the vendors' own back-off signals
// (Retry-After, numeric rate-limit headers).

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Retry-After as delay seconds or an HTTP date, as epoch ms; undefined when absent, unusable or past. */
export function retryAfterAt(headers: Headers | undefined, now: number): number | undefined {
  const raw = headers?.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return now + Math.ceil(Number(raw) * 1000);
  const t = Date.parse(raw);
  return Number.isFinite(t) && t > now ? t : undefined;
}

/** The first of `names` that holds a plain decimal number ("12", "-1", "0.5"); undefined otherwise. */
export function headerNumber(headers: Headers | undefined, ...names: string[]): number | undefined {
  for (const name of names) {
    const raw = headers?.get(name)?.trim();
    if (raw && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  }
  return undefined;
}

/** The start of the next clock-aligned window of `windowMs` after `now` (a day → next UTC midnight). */
export function nextBoundary(now: number, windowMs: number): number {
  return (Math.floor(now / windowMs) + 1) * windowMs;
}

/** Start of the next UTC month: when a monthly allowance resets unless the vendor says otherwise. */
export function nextUtcMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
