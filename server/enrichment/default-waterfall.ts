// The waterfall a portal gets until it sets its own: per field group, every operation that serves
// the group, cheapest pay-on-found first; asynchronous vendors (minutes, not seconds) after the
// synchronous ones; vendors that bill misses (Clearbit legacy) last, so they are only asked when
// every vendor that charges for results alone has come up empty. Derived from the adapters' own
// prices and billing rules, so adding a vendor places it without editing a list.
import { FIELD_GROUPS } from '../vendors/types.ts';
import type { FieldGroup, VendorAdapter } from '../vendors/types.ts';
import type { StepRef } from './settings.ts';

const memo = new WeakMap<ReadonlyMap<string, VendorAdapter>, Record<FieldGroup, StepRef[]>>();

export function defaultWaterfall(adapters: ReadonlyMap<string, VendorAdapter>): Record<FieldGroup, StepRef[]> {
  const known = memo.get(adapters);
  if (known) return known;
  const out = Object.fromEntries(FIELD_GROUPS.map((g) => [g, [] as StepRef[]])) as Record<FieldGroup, StepRef[]>;
  const candidates = [...adapters.values()].flatMap((a) =>
    Object.values(a.operations).map((spec) => ({ vendor: a.id, spec })),
  );
  for (const group of FIELD_GROUPS) {
    out[group] = candidates
      .filter((c) => c.spec.groups.includes(group))
      .sort(
        (a, b) =>
          Number(a.spec.billing.chargesOnMiss) - Number(b.spec.billing.chargesOnMiss) ||
          Number(!!a.spec.async) - Number(!!b.spec.async) ||
          a.spec.costMillicents - b.spec.costMillicents ||
          a.vendor.localeCompare(b.vendor) ||
          a.spec.id.localeCompare(b.spec.id),
      )
      .map((c) => ({ vendor: c.vendor, operation: c.spec.id }));
  }
  memo.set(adapters, out);
  return out;
}
