// NeverBounce single check → canonical e-mail status (VENDORS.md "Normalization"). Tolerant: never
// throws on anything the schema admits. NeverBounce sends no score, so the status's confidence is fixed
// per status, as for ZeroBounce: a definite verdict is surer than a catch-all, `unknown` is no verdict.
import { VERDICT_CONFIDENCE, verdictProfile } from '../profile.ts';
import type { EmailStatus, PartialProfile } from '../types.ts';
import type { NbSingleCheck } from './schemas.ts';

/** NeverBounce `result` → canonical; the numeric codes are the SDKs' (0 valid … 4 unknown). */
const RESULT: ReadonlyMap<string, EmailStatus> = new Map([
  ['valid', 'valid'],
  ['catchall', 'risky'],
  ['invalid', 'invalid'],
  ['disposable', 'do_not_use'],
  ['unknown', 'unknown'],
]);
const NUMERIC: readonly string[] = ['valid', 'invalid', 'disposable', 'catchall', 'unknown'];

/** Confidence of the canonical status (no score from NeverBounce): the verifiers' shared table. */
export const NEVERBOUNCE_STATUS_CONFIDENCE: Readonly<Record<EmailStatus, number>> = VERDICT_CONFIDENCE;

/** The result as NeverBounce's text code ("catch-all", "Catch All" and 3 become "catchall"); '' when absent. */
export function neverbounceRawResult(raw: unknown): string {
  if (typeof raw === 'number') return Number.isInteger(raw) ? (NUMERIC[raw] ?? String(raw)) : String(raw);
  if (typeof raw !== 'string') return '';
  const s = raw.normalize('NFKC').trim().toLowerCase().replace(/[\s_-]+/g, '');
  if (/^\d+$/.test(s)) return NUMERIC[Number(s)] ?? s;
  return s;
}

export function neverbounceEmailStatus(raw: unknown): EmailStatus {
  return RESULT.get(neverbounceRawResult(raw)) ?? 'unknown';
}

export interface NeverbounceVerdict {
  /** The raw result, normalized for comparison; '' when NeverBounce sent none. */
  raw: string;
  status: EmailStatus;
  profile: PartialProfile;
}

/** The verdict of one check; `unknown` (or a result we cannot map) has no usable status: a miss. */
export function normalizeNeverbounceCheck(d: NbSingleCheck): NeverbounceVerdict {
  const raw = neverbounceRawResult(d.result);
  const status = neverbounceEmailStatus(raw);
  return { raw, status, profile: verdictProfile(status) };
}
