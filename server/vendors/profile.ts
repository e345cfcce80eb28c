// Building a canonical PartialProfile out of one vendor answer: a value per field with the vendor's
// confidence mapped into [0, 1], empty values left out. Every vendor's normalize.ts fills one; the
// vendor-specific part (which field comes from where, how sure each is) stays in that file.
import { numberOf } from './normalize.ts';
import type { CanonicalField, EmailStatus, PartialProfile } from './types.ts';

/** `n` clamped into [0, 1]; `nonFinite` for NaN and ±Infinity. */
export function clamp01(n: number, nonFinite = 0): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : nonFinite;
}

export class ProfileBuilder {
  readonly profile: PartialProfile = {};
  private readonly nonFinite: number;

  /** `nonFiniteConfidence`: the confidence a value gets when its computed one is not a number. */
  constructor(nonFiniteConfidence = 0) {
    this.nonFinite = nonFiniteConfidence;
  }

  set(field: CanonicalField, value: string | undefined, confidence: number): void {
    if (value === undefined || value.trim() === '') return;
    this.profile[field] = { value, confidence: clamp01(confidence, this.nonFinite) };
  }
}

/** A vendor's 0–100 score (a number or a numeric string) as a 0..1 confidence; undefined without one. */
export function percentConfidence(score: unknown): number | undefined {
  const n = numberOf(score);
  return Number.isFinite(n) ? clamp01(n / 100) : undefined;
}

/**
 * Confidence of a verifier's verdict when the verifier sends no score (ZeroBounce, NeverBounce): a
 * definite SMTP verdict is surer than a catch-all domain, and `unknown` is no verdict at all.
 */
export const VERDICT_CONFIDENCE: Readonly<Record<EmailStatus, number>> = {
  valid: 0.95,
  invalid: 0.95,
  do_not_use: 0.9,
  risky: 0.6,
  unknown: 0.2,
};

/** The profile of a verifier's verdict: its canonical status, with VERDICT_CONFIDENCE. */
export function verdictProfile(status: EmailStatus): PartialProfile {
  return { email_status: { value: status, confidence: VERDICT_CONFIDENCE[status] } };
}
