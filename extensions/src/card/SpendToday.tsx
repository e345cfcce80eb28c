// The portal's spend today against its total daily cap.
import { ProgressBar, Text } from '@hubspot/ui-extensions';
import type { CardView } from '../api/contract.ts';
import { formatCents } from '../format.ts';

export function SpendToday({ spend }: { spend: CardView['spendToday'] }) {
  if (spend.capCents === null) {
    return (
      <Text variant="microcopy" testId="spend-today">
        {`${formatCents(spend.spentCents)} spent today (no daily cap set)`}
      </Text>
    );
  }
  const ratio = spend.capCents > 0 ? spend.spentCents / spend.capCents : 1;
  return (
    <ProgressBar
      testId="spend-today"
      title="Spend today"
      value={Math.min(spend.spentCents, spend.capCents)}
      maxValue={Math.max(spend.capCents, 1)}
      valueDescription={`${formatCents(spend.spentCents)} of ${formatCents(spend.capCents)} today`}
      variant={ratio >= 1 ? 'danger' : ratio >= 0.8 ? 'warning' : 'success'}
    />
  );
}
