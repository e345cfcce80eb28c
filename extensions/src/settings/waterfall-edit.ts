// Editing one group's waterfall: pure list operations over step references.
import type { FieldGroup, VendorView } from '../api/contract.ts';

export interface StepRef {
  vendor: string;
  operation: string;
}

export const stepKey = (s: StepRef) => `${s.vendor}:${s.operation}`;

export function moveStep(steps: StepRef[], index: number, by: -1 | 1): StepRef[] {
  const to = index + by;
  if (index < 0 || index >= steps.length || to < 0 || to >= steps.length) return steps;
  const out = [...steps];
  [out[index], out[to]] = [out[to]!, out[index]!];
  return out;
}

export function removeStep(steps: StepRef[], index: number): StepRef[] {
  return steps.filter((_, i) => i !== index);
}

export function addStep(steps: StepRef[], step: StepRef): StepRef[] {
  return steps.some((s) => stepKey(s) === stepKey(step)) ? steps : [...steps, step];
}

/** Operations that serve `group` and are not in the list yet: the "Add a step" options. */
export function addableSteps(vendors: VendorView[], group: FieldGroup, steps: StepRef[]) {
  const taken = new Set(steps.map(stepKey));
  return vendors.flatMap((v) =>
    v.operations
      .filter((op) => op.groups.includes(group) && !taken.has(`${v.id}:${op.id}`))
      .map((op) => ({ vendor: v.id, operation: op.id, label: `${v.name} — ${op.label}` })),
  );
}

export function sameSteps(a: StepRef[], b: StepRef[]): boolean {
  return a.length === b.length && a.every((s, i) => stepKey(s) === stepKey(b[i]!));
}
