// What a finished run amounts to: the status a workflow branches on, and the app-owned properties
// recorded on every contact. Pure functions of the run's groups, profile and steps.
import type { FieldGroup } from '../vendors/types.ts';
import { groupSatisfied } from './profile.ts';
import type { CanonicalProfile } from './profile.ts';

export const RUN_STATUSES = ['enriched', 'partial', 'not_found', 'cap_reached', 'suppressed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const SKIP_REASONS = [
  'cap_reached',
  'rate_limited',
  'circuit_open',
  'no_key',
  'no_input',
  'quota_exhausted',
  'suppressed',
  'error',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Every error code a finished run can carry (the workflow action's `error_code` output). */
export const RUN_ERROR_CODES = [
  'SUPPRESSED',
  'CAP_REACHED',
  'NO_VENDOR_KEYS',
  'NOT_ENOUGH_INPUT',
  'VENDOR_QUOTA_EXHAUSTED',
  'VENDOR_RATE_LIMITED',
  'VENDOR_ERROR',
] as const;
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];

export interface StepSummary {
  state: 'done' | 'skipped' | 'indeterminate';
  outcome: string | null;
  skipReason: SkipReason | null;
}

export interface RunSummary {
  status: RunStatus;
  errorCode: string | null;
  groups: FieldGroup[];
  satisfied: FieldGroup[];
  fieldsFilled: string[];
  sources: string[];
  costMc: number;
  skips: Partial<Record<SkipReason, number>>;
}

export function summarize(input: {
  groups: FieldGroup[];
  profile: CanonicalProfile;
  steps: StepSummary[];
  threshold: number;
  suppressed: boolean;
  pausedOnCap: boolean;
  costMc: number;
}): RunSummary {
  const satisfied = input.groups.filter((g) => groupSatisfied(input.profile, g, input.threshold));
  const fieldsFilled = Object.keys(input.profile).sort();
  const sources = [...new Set(Object.values(input.profile).map((v) => v!.source))].sort();
  const skips: Partial<Record<SkipReason, number>> = {};
  for (const s of input.steps) if (s.skipReason) skips[s.skipReason] = (skips[s.skipReason] ?? 0) + 1;
  const answered = input.steps.some((s) => s.state === 'done');

  let status: RunStatus;
  let errorCode: RunErrorCode | null = null;
  if (input.suppressed) {
    status = 'suppressed';
    errorCode = 'SUPPRESSED';
  } else if (input.groups.length > 0 && satisfied.length === input.groups.length) {
    status = 'enriched';
  } else if (input.pausedOnCap) {
    status = 'cap_reached';
    errorCode = 'CAP_REACHED';
  } else if (fieldsFilled.length > 0) {
    status = 'partial';
    if (skips.cap_reached) errorCode = 'CAP_REACHED';
  } else if (skips.cap_reached) {
    status = 'cap_reached';
    errorCode = 'CAP_REACHED';
  } else if (answered) {
    status = 'not_found';
  } else {
    status = 'failed';
    errorCode = skips.no_key && Object.keys(skips).length === 1 ? 'NO_VENDOR_KEYS'
      : skips.no_input && Object.keys(skips).length === 1 ? 'NOT_ENOUGH_INPUT'
      : skips.quota_exhausted ? 'VENDOR_QUOTA_EXHAUSTED'
      : skips.rate_limited ? 'VENDOR_RATE_LIMITED'
      : 'VENDOR_ERROR';
  }
  return { status, errorCode, groups: input.groups, satisfied, fieldsFilled, sources, costMc: input.costMc, skips };
}

/** App-owned properties written on every run, whatever the write policy says. */
export function appProperties(summary: RunSummary, profile: CanonicalProfile, at: Date): Record<string, string> {
  const confidences = Object.values(profile).map((v) => v!.confidence);
  const mean = confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : 0;
  return {
    cascade_status: summary.status,
    cascade_sources: summary.sources.join(';'),
    cascade_confidence: mean.toFixed(2),
    cascade_enriched_at: at.toISOString(),
    cascade_cost: (summary.costMc / 100_000).toFixed(4), // dollars
  };
}
