// The usage dashboard over a chosen range: totals, spend per vendor per day, cache hit rate per day,
// hit rate per vendor and coverage per field.
import {
  BarChart,
  EmptyState,
  Flex,
  Heading,
  LineChart,
  LoadingSpinner,
  Select,
  Statistics,
  StatisticsItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import { useState } from 'react';
import { LoadError } from '../components/LoadError.tsx';
import { formatCents, formatPercent, humanize, lastDays } from '../format.ts';
import { useLoad } from '../use-load.ts';
import type { TabProps } from './types.ts';
import { hitRateChartData, spendChartData } from './usage-data.ts';

export const RANGES = [7, 30, 90] as const;

export function UsageTab({ client, settings, now }: TabProps & { now: () => Date }) {
  const [days, setDays] = useState<number>(30);
  const { from, to } = lastDays(days, now());
  const usage = useLoad(() => client.usage(from, to), [client, from, to]);
  const vendorName = (id: string) => settings.vendors.find((v) => v.id === id)?.name ?? id;
  const fieldLabel = (f: string) => settings.fields.find((x) => x.field === f)?.label ?? humanize(f);

  const picker = (
    <Select
      label="Period"
      name="usage-range"
      value={days}
      options={RANGES.map((d) => ({ label: `Last ${d} days`, value: d }))}
      onChange={(v) => setDays(Number(v))}
      testId="usage-range"
    />
  );

  let body;
  if (usage.error) body = <LoadError title="Couldn't load usage" error={usage.error} onRetry={usage.reload} />;
  else if (!usage.data || usage.loading) body = <LoadingSpinner label="Loading usage" showLabel />;
  else if (usage.data.totals.runs === 0)
    body = (
      <EmptyState title="No enrichment in this period" imageName="emptyStateCharts" testId="usage-empty">
        <Text>{`No contact was enriched between ${usage.data.from} and ${usage.data.to}. Try a longer period.`}</Text>
      </EmptyState>
    );
  else {
    const u = usage.data;
    body = (
      <Flex direction="column" gap="md">
        <Statistics testId="usage-totals">
          <StatisticsItem label="Total spend" number={formatCents(u.totals.spentCents)} />
          <StatisticsItem label="Saved by the cache" number={formatCents(u.totals.savedCents)} />
          <StatisticsItem label="Cache hit rate" number={formatPercent(u.totals.cacheHitRate, 1)} />
          <StatisticsItem label="Runs" number={u.totals.runs} />
        </Statistics>
        <BarChart
          testId="spend-chart"
          data={spendChartData(u, vendorName)}
          axes={{
            x: { field: 'day', fieldType: 'category', label: 'Day' },
            y: { field: 'dollars', fieldType: 'linear', label: 'Spend (USD)' },
            options: { groupFieldByColor: 'vendor', stacking: true },
          }}
          options={{ title: 'Spend per vendor per day', showLegend: true, showTooltips: true }}
        />
        <LineChart
          testId="hit-rate-chart"
          data={hitRateChartData(u)}
          axes={{
            x: { field: 'day', fieldType: 'category', label: 'Day' },
            y: { field: 'hitRate', fieldType: 'linear', label: 'Cache hit rate (%)' },
          }}
          options={{ title: 'Cache hit rate per day', showTooltips: true }}
        />
        <Heading>Vendors</Heading>
        <Table bordered density="condensed" testId="usage-vendors">
          <TableHead>
            <TableRow>
              <TableHeader>Vendor</TableHeader>
              <TableHeader>Calls</TableHeader>
              <TableHeader>Hits</TableHeader>
              <TableHeader>Hit rate</TableHeader>
              <TableHeader>From cache</TableHeader>
              <TableHeader>Spend</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {u.vendors.map((v) => (
              <TableRow key={v.vendor}>
                <TableCell>{vendorName(v.vendor)}</TableCell>
                <TableCell>{String(v.calls)}</TableCell>
                <TableCell>{String(v.hits)}</TableCell>
                <TableCell>{formatPercent(v.hitRate)}</TableCell>
                <TableCell>{String(v.cacheHits)}</TableCell>
                <TableCell>{formatCents(v.spentCents)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Heading>Coverage per field</Heading>
        <Table bordered density="condensed" testId="usage-coverage">
          <TableHead>
            <TableRow>
              <TableHeader>Field</TableHeader>
              <TableHeader>Filled</TableHeader>
              <TableHeader>Asked</TableHeader>
              <TableHeader>Coverage</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {u.coverage.map((c) => (
              <TableRow key={c.field}>
                <TableCell>{fieldLabel(c.field)}</TableCell>
                <TableCell>{String(c.filled)}</TableCell>
                <TableCell>{String(c.asked)}</TableCell>
                <TableCell>{formatPercent(c.rate)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Flex>
    );
  }

  return (
    <Flex direction="column" gap="md">
      {picker}
      <Text variant="microcopy">{`${from} to ${to} (UTC)`}</Text>
      {body}
    </Flex>
  );
}
