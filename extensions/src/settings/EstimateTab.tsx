// Pre-flight estimate: what enrolling N contacts in a workflow would cost and how long it would take.
import { Alert, Button, Flex, MultiSelect, NumberInput, Statistics, StatisticsItem, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { EstimateView, FieldGroup } from '../api/contract.ts';
import { formatCents, formatDuration, formatPercent, GROUP_LABELS } from '../format.ts';
import type { TabProps } from './types.ts';
import { useSave } from './use-save.ts';

const DEFAULT_GROUPS: FieldGroup[] = ['email', 'person', 'company'];

export function EstimateTab({ client, settings }: TabProps) {
  const [contacts, setContacts] = useState<number | undefined>(1000);
  const [groups, setGroups] = useState<FieldGroup[]>(DEFAULT_GROUPS.filter((g) => settings.groups.includes(g)));
  const [result, setResult] = useState<EstimateView | null>(null);
  // A read, not a write: any user may estimate. useSave carries the pending state and field problems.
  const request = useSave();
  const vendorName = (id: string) => settings.vendors.find((v) => v.id === id)?.name ?? id;

  const submit = async () => {
    const view = await request.run(() => client.estimate({ contacts: contacts ?? 0, groups }), 'Estimated.');
    setResult(view ?? null);
  };

  return (
    <Flex direction="column" gap="md">
      <Text>Before enrolling contacts in a workflow with the Enrich action, see what it could cost under your current waterfall and caps.</Text>
      <Flex direction="row" gap="md">
        <NumberInput
          label="Contacts to enrich"
          name="contacts"
          min={1}
          max={1_000_000}
          precision={0}
          value={contacts}
          onChange={(v) => setContacts(Number.isFinite(v) ? v : undefined)}
          {...request.fieldError('contacts')}
          testId="estimate-contacts"
        />
        <MultiSelect
          label="Field groups"
          name="groups"
          value={groups}
          options={settings.groups.map((g) => ({ label: GROUP_LABELS[g], value: g }))}
          onChange={(v) => setGroups(v.map(String) as FieldGroup[])}
          {...request.fieldError('groups')}
          testId="estimate-groups"
        />
      </Flex>
      <Button variant="primary" disabled={request.saving || !contacts || groups.length === 0} onClick={() => void submit()} testId="estimate-run">
        Estimate
      </Button>
      {request.error && (
        <Alert title="Couldn't estimate" variant="danger" testId="estimate-error">
          {request.error}
        </Alert>
      )}
      {result && !request.error && <EstimateResult result={result} vendorName={vendorName} />}
    </Flex>
  );
}

function EstimateResult({ result, vendorName }: { result: EstimateView; vendorName: (id: string) => string }) {
  return (
    <Flex direction="column" gap="sm" testId="estimate-result">
      <Statistics>
        <StatisticsItem label="Expected cost" number={formatCents(result.expectedCents)} />
        <StatisticsItem label="Worst case" number={formatCents(result.maxCents)} />
        <StatisticsItem label="Time at vendor rate limits" number={formatDuration(result.seconds)} />
      </Statistics>
      {result.capRemainingCents !== null && (
        <Alert
          title="Daily cap"
          variant={result.capRemainingCents < result.expectedCents ? 'warning' : 'info'}
          testId="estimate-cap"
        >
          {`${formatCents(result.capRemainingCents)} is left under today's total cap: enrichment stops spending there${
            result.capRemainingCents < result.expectedCents ? ', before this enrollment is expected to finish' : ''
          }.`}
        </Alert>
      )}
      <Table bordered density="condensed" testId="estimate-vendors">
        <TableHead>
          <TableRow>
            <TableHeader>Vendor</TableHeader>
            <TableHeader>Expected calls</TableHeader>
            <TableHeader>Expected cost</TableHeader>
            <TableHeader>Worst case</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {result.perVendor.map((v) => (
            <TableRow key={v.vendor}>
              <TableCell>{vendorName(v.vendor)}</TableCell>
              <TableCell>{String(Math.round(v.expectedCalls))}</TableCell>
              <TableCell>{formatCents(v.expectedCents)}</TableCell>
              <TableCell>{formatCents(v.maxCents)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Text variant="microcopy">
        {result.basis.historyRuns > 0
          ? `Based on ${result.basis.historyRuns} past runs in this account (cache hit rate ${formatPercent(result.basis.cacheHitRate)}).`
          : 'No history in this account yet: based on typical hit rates. The worst case assumes every step is called and billed for every contact.'}
      </Text>
    </Flex>
  );
}
