// ZeroBounce validation → canonical e-mail status (VENDORS.md "Normalization"). Tolerant: never throws
// on anything the schema admits. ZeroBounce sends no score, so the status's confidence is fixed per
// status: a definite SMTP verdict is surer than a catch-all domain, and `unknown` is no verdict at all.
//
// Billing (ZeroBounce's own rule): 1 credit per validation, except `unknown`, which is never billed.
// A status ZeroBounce did not document is assumed billed (assume the worst about cost).
import { VERDICT_CONFIDENCE, verdictProfile } from '../profile.ts';
import type { EmailStatus, PartialProfile } from '../types.ts';
import type { ZbValidation } from './schemas.ts';

/** ZeroBounce `status` → canonical. */
const STATUS: ReadonlyMap<string, EmailStatus> = new Map([
  ['valid', 'valid'],
  ['catch-all', 'risky'],
  ['invalid', 'invalid'],
  ['unknown', 'unknown'],
  ['spamtrap', 'do_not_use'],
  ['abuse', 'do_not_use'],
  ['do_not_mail', 'do_not_use'],
]);

/** Confidence of the canonical status (no score from ZeroBounce): the verifiers' shared table. */
export const ZEROBOUNCE_STATUS_CONFIDENCE: Readonly<Record<EmailStatus, number>> = VERDICT_CONFIDENCE;

/** "Catch-All ", "catch_all" and "catchall" are ZeroBounce's `catch-all`; anything else is kept as sent. */
export function zerobounceRawStatus(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  const s = raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '_');
  return s === 'catch_all' || s === 'catchall' ? 'catch-all' : s;
}

export function zerobounceEmailStatus(raw: unknown): EmailStatus {
  return STATUS.get(zerobounceRawStatus(raw)) ?? 'unknown';
}

export interface ZerobounceVerdict {
  /** The raw status, normalized for comparison; '' when ZeroBounce sent none. */
  raw: string;
  status: EmailStatus;
  /** Whether ZeroBounce charged a credit for this validation. */
  billed: boolean;
  profile: PartialProfile;
}

/**
 * The verdict of one validation. `unknown` (or a status we cannot map) is a verdict without a usable
 * status: the caller reports it as a miss, so the waterfall asks the next verifier.
 */
export function normalizeZerobounceValidation(v: ZbValidation): ZerobounceVerdict {
  const raw = zerobounceRawStatus(v.status);
  const status = zerobounceEmailStatus(raw);
  return {
    raw,
    status,
    // Only `unknown` is free; an empty status is an unreadable answer, which may still have been billed.
    billed: raw !== 'unknown',
    profile: verdictProfile(status),
  };
}
