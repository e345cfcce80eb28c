// The last run's fields: value, the vendor that supplied it, confidence, and whether it was written
// to HubSpot or the contact's own value was kept.
import { DescriptionList, DescriptionListItem, Text } from '@hubspot/ui-extensions';
import type { RunFieldView } from '../api/contract.ts';
import { formatPercent, humanize } from '../format.ts';

const KEPT_REASONS: Record<string, string> = {
  has_value: "kept the contact's own value",
  policy_never: 'not written (write policy: never)',
  unchanged: 'already up to date',
};

export function fieldAction(f: RunFieldView): string {
  if (f.action === 'write') return f.reason === 'overwrite' ? 'written (replaced the old value)' : 'written';
  return KEPT_REASONS[f.reason] ?? 'not written';
}

export function RunFields({ fields, vendorName }: { fields: RunFieldView[]; vendorName: (id: string) => string }) {
  if (fields.length === 0) return <Text variant="microcopy">No fields were found in this run.</Text>;
  return (
    <DescriptionList direction="column" testId="run-fields">
      {fields.map((f) => (
        <DescriptionListItem key={f.field} label={humanize(f.field)}>
          <Text>{f.value}</Text>
          <Text variant="microcopy">
            {`${vendorName(f.vendor)} · ${formatPercent(f.confidence)} confidence · ${fieldAction(f)}`}
          </Text>
        </DescriptionListItem>
      ))}
    </DescriptionList>
  );
}
