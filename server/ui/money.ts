// Millicents (the engine's unit: fractional vendor prices add up exactly) to what the UI shows.

/** Whole cents, rounded half up. Round sums, not each term, so totals agree with their parts' sum. */
export const centsOf = (mc: number | string | null | undefined): number => Math.round(Number(mc ?? 0) / 1000);

/** A price in cents that may be fractional (Hunter's half-credit lookups): 500 mc → 0.5. */
export const priceCents = (mc: number): number => mc / 1000;
