// Why enrichment may not do what the user expects: no vendor keys, or a spending cap reached.
import { Alert, Text } from '@hubspot/ui-extensions';
import type { CardView } from '../api/contract.ts';
import { formatCents, periodLabel } from '../format.ts';

export function NoKeysNotice() {
  return (
    <Alert title="No vendor keys configured" variant="warning" testId="no-keys">
      Cascade enriches with your own vendor accounts. A super admin needs to add at least one vendor API key in the
      app's settings (Settings → Integrations → Connected apps → Cascade → Vendor keys) before contacts can be enriched.
    </Alert>
  );
}

export function CapsReachedNotice({ caps, vendorName }: { caps: CardView['capsReached']; vendorName: (id: string) => string }) {
  if (caps.length === 0) return null;
  const totalCapped = caps.some((c) => c.scope === 'total');
  return (
    <Alert title="Spending cap reached" variant="warning" testId="caps-reached">
      {caps.map((c) => (
        <Text key={`${c.scope}:${c.period}`}>
          {`${c.scope === 'total' ? 'Total' : vendorName(c.scope)} ${c.period === 'day' ? 'daily' : 'monthly'} cap of ${formatCents(c.capCents)} reached ${periodLabel(c.period)}.`}
        </Text>
      ))}
      <Text>
        {totalCapped
          ? 'New runs can only use cached results until the period resets or an admin raises the cap.'
          : 'You can still enrich: vendors at their cap are skipped until the period resets.'}
      </Text>
    </Alert>
  );
}
