// The planner: from the portal's waterfall and the requested field groups, the ordered list of
// (group, vendor, operation) steps. Pure: no I/O, so it is tested exhaustively on its own.
import { FIELD_GROUPS } from '../vendors/types.ts';
import type { FieldGroup, OperationSpec, VendorAdapter } from '../vendors/types.ts';
import { defaultWaterfall } from './default-waterfall.ts';
import type { PortalSettings } from './settings.ts';

export interface PlannedStep {
  group: FieldGroup;
  vendor: string;
  operation: string;
  spec: OperationSpec;
  /** Known before any I/O: the portal has no key for this vendor. */
  skip?: 'no_key';
}

export interface PlanInput {
  groups: readonly FieldGroup[];
  settings: PortalSettings;
  adapters: ReadonlyMap<string, VendorAdapter>;
  /** Vendors the portal has a key for. */
  keyedVendors: ReadonlySet<string>;
}

export interface Plan {
  steps: PlannedStep[];
  /** Waterfall entries that cannot run (unknown vendor/operation, or not serving that group). */
  ignored: { group: FieldGroup; vendor: string; operation: string; reason: string }[];
}

/**
 * Groups run in a fixed order whatever order they were asked in: the e-mail first (verification
 * and person lookups are better with it), verification last (it needs the e-mail found earlier).
 */
export const GROUP_ORDER: readonly FieldGroup[] = ['email', 'person', 'company', 'phone', 'email_verification'];

export function plan(input: PlanInput): Plan {
  const requested = new Set(input.groups.filter((g) => (FIELD_GROUPS as readonly string[]).includes(g)));
  const steps: PlannedStep[] = [];
  const ignored: Plan['ignored'] = [];
  for (const group of GROUP_ORDER) {
    if (!requested.has(group)) continue;
    const seen = new Set<string>();
    const own = input.settings.waterfall[group];
    for (const ref of own ?? defaultWaterfall(input.adapters)[group]) {
      const id = `${ref.vendor}.${ref.operation}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const adapter = input.adapters.get(ref.vendor);
      const spec = adapter?.operations[ref.operation];
      if (!adapter || !spec) {
        ignored.push({ group, ...ref, reason: 'unknown vendor or operation' });
        continue;
      }
      if (!spec.groups.includes(group)) {
        ignored.push({ group, ...ref, reason: `${id} does not provide ${group}` });
        continue;
      }
      // The default waterfall lists every vendor; only the portal's own list records "no key" skips.
      if (!own && !input.keyedVendors.has(ref.vendor)) continue;
      steps.push({
        group,
        vendor: ref.vendor,
        operation: ref.operation,
        spec,
        ...(input.keyedVendors.has(ref.vendor) ? {} : { skip: 'no_key' as const }),
      });
    }
  }
  return { steps, ignored };
}
