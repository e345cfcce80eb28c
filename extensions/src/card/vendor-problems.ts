// Which of a run's steps went wrong at the vendor (as opposed to finding nothing), in words an admin
// can act on. One line per vendor and problem, in step order.
import type { RunStepView } from '../api/contract.ts';

const PROBLEMS: Record<string, string> = {
  auth_failed: 'rejected the API key. An admin should check or replace it in Settings → Vendor keys.',
  quota_exhausted: 'has no credits left on your plan with them.',
  transient: 'did not answer (a temporary error). Try again later.',
  error: 'failed with an unexpected error.',
  circuit_open: 'was paused after repeated errors and was skipped.',
};

export function vendorProblems(steps: RunStepView[], vendorName: (id: string) => string): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const s of steps) {
    const kind =
      s.outcome && s.outcome in PROBLEMS && s.outcome !== 'error' ? s.outcome
      : s.skipReason === 'error' || s.skipReason === 'quota_exhausted' || s.skipReason === 'circuit_open' ? s.skipReason
      : null;
    if (!kind) continue;
    const key = `${s.vendor}:${kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`${vendorName(s.vendor)} ${PROBLEMS[kind]}`);
  }
  return lines;
}
