// Spending caps per vendor and in total, per day and per month, with what happens at a cap and an
// optional alert webhook. Amounts are typed in dollars and sent as whole cents.
import { Button, CurrencyInput, Flex, Input, Select, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { useEffect, useRef, useState } from 'react';
import type { CapPeriod, OnCap } from '../api/contract.ts';
import { centsToDollars, formatCents, ON_CAP_LABELS } from '../format.ts';
import { capFromInput, capRows, capsRequest, cellKey, spentFor } from './caps-form.ts';
import type { CapRow } from './caps-form.ts';
import { SaveStatus } from './SaveStatus.tsx';
import type { TabProps } from './types.ts';
import { useSave } from './use-save.ts';

export function CapsTab({ client, settings, readOnly, onSettings, notify }: TabProps) {
  const [rows, setRows] = useState<CapRow[]>(() => capRows(settings));
  const [onCap, setOnCap] = useState<OnCap>(settings.onCap);
  const [webhook, setWebhook] = useState(settings.alertWebhookUrl ?? '');
  const save = useSave(notify);
  // The cells behind the last PUT's list, to place `caps.N` problems.
  const sentCells = useRef<string[]>([]);

  useEffect(() => {
    setRows(capRows(settings));
    setOnCap(settings.onCap);
    setWebhook(settings.alertWebhookUrl ?? '');
  }, [settings.caps, settings.onCap, settings.alertWebhookUrl, settings.vendors]);

  const setCap = (scope: string, period: CapPeriod, cents: number | null) =>
    setRows((rs) => rs.map((r) => (r.scope === scope ? { ...r, [period]: cents } : r)));

  const cellError = (scope: string, period: CapPeriod) => {
    const i = sentCells.current.indexOf(cellKey(scope, period));
    return i < 0 ? { error: false } : save.fieldError(`caps.${i}`);
  };

  const submit = async () => {
    const { caps, cells } = capsRequest(rows);
    sentCells.current = cells;
    const url = webhook.trim();
    const view = await save.run(async () => {
      let next = await client.putCaps({ caps, alertWebhookUrl: url === '' ? null : url });
      if (onCap !== settings.onCap) next = await client.putPolicy({ onCap });
      return next;
    }, 'Caps saved.');
    if (view) onSettings(view);
  };

  const spent = (scope: string, period: CapPeriod) => {
    const s = spentFor(settings, scope, period);
    return s === null ? '—' : formatCents(s);
  };

  const capInput = (r: CapRow, period: CapPeriod) => (
    <CurrencyInput
      label={`${r.label} ${period === 'day' ? 'daily' : 'monthly'} cap`}
      name={`cap-${r.scope}-${period}`}
      currency="USD"
      min={0}
      precision={2}
      placeholder="No cap"
      value={r[period] === null ? undefined : centsToDollars(r[period])}
      readOnly={readOnly}
      onChange={(v) => setCap(r.scope, period, capFromInput(v))}
      {...cellError(r.scope, period)}
      testId={`cap-${r.scope}-${period}`}
    />
  );

  return (
    <Flex direction="column" gap="md">
      <Text>
        Leave a cap empty for no limit. Days and months are UTC. Spend is what Cascade has been charged by the vendors in the
        current period.
      </Text>
      <Table bordered testId="caps-table">
        <TableHead>
          <TableRow>
            <TableHeader>Scope</TableHeader>
            <TableHeader>Daily cap</TableHeader>
            <TableHeader>Spent today</TableHeader>
            <TableHeader>Monthly cap</TableHeader>
            <TableHeader>Spent this month</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={r.scope}>
              <TableCell>{r.label}</TableCell>
              <TableCell>{capInput(r, 'day')}</TableCell>
              <TableCell>
                <Text testId={`spent-${r.scope}-day`}>{spent(r.scope, 'day')}</Text>
              </TableCell>
              <TableCell>{capInput(r, 'month')}</TableCell>
              <TableCell>
                <Text testId={`spent-${r.scope}-month`}>{spent(r.scope, 'month')}</Text>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Select
        label="When a cap is reached"
        name="onCap"
        value={onCap}
        readOnly={readOnly}
        options={(Object.keys(ON_CAP_LABELS) as OnCap[]).map((k) => ({ label: ON_CAP_LABELS[k], value: k }))}
        onChange={(v) => setOnCap(v as OnCap)}
        {...save.fieldError('onCap')}
        testId="on-cap"
      />
      <Input
        label="Alert webhook URL (optional)"
        name="alertWebhookUrl"
        description="Cascade POSTs a short JSON message here the first time a cap is reached in its period. HTTPS only."
        placeholder="https://hooks.example.com/…"
        value={webhook}
        readOnly={readOnly}
        onInput={setWebhook}
        onChange={setWebhook}
        {...save.fieldError('alertWebhookUrl')}
        testId="alert-webhook"
      />
      <Button variant="primary" disabled={readOnly || save.saving} onClick={() => void submit()} testId="caps-save">
        Save caps
      </Button>
      <SaveStatus save={save} testId="caps" />
    </Flex>
  );
}
