// Write policy (what Cascade may do to a property that already has a value), per property, and how
// long answers and misses stay cached.
import { Button, Flex, NumberInput, Select, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { useEffect, useState } from 'react';
import type { WritePolicy } from '../api/contract.ts';
import { POLICY_LABELS } from '../format.ts';
import { SaveStatus } from './SaveStatus.tsx';
import type { TabProps } from './types.ts';
import { useSave } from './use-save.ts';

const POLICIES = Object.keys(POLICY_LABELS) as WritePolicy[];
const USE_DEFAULT = 'default';

export function PolicyTab({ client, settings, readOnly, onSettings, notify }: TabProps) {
  const [defaultPolicy, setDefaultPolicy] = useState<WritePolicy>(settings.writePolicy.default);
  const [overrides, setOverrides] = useState<Record<string, WritePolicy>>(settings.writePolicy.fields);
  const [cacheTtl, setCacheTtl] = useState(settings.cacheTtlDays);
  const [missTtl, setMissTtl] = useState(settings.missTtlDays);
  const save = useSave(notify);

  useEffect(() => {
    setDefaultPolicy(settings.writePolicy.default);
    setOverrides(settings.writePolicy.fields);
    setCacheTtl(settings.cacheTtlDays);
    setMissTtl(settings.missTtlDays);
  }, [settings.writePolicy, settings.cacheTtlDays, settings.missTtlDays]);

  const setOverride = (field: string, value: string) =>
    setOverrides((o) => {
      const next = { ...o };
      if (value === USE_DEFAULT) delete next[field];
      else next[field] = value as WritePolicy;
      return next;
    });

  const submit = async () => {
    const view = await save.run(
      () =>
        client.putPolicy({
          writePolicy: { default: defaultPolicy, fields: overrides },
          cacheTtlDays: cacheTtl,
          missTtlDays: missTtl,
        }),
      'Write policy and cache settings saved.',
    );
    if (view) onSettings(view);
  };

  return (
    <Flex direction="column" gap="md">
      <Select
        label="Default write policy"
        name="writePolicy.default"
        description="What Cascade does when a property already has a value. Cascade's own status properties are always written."
        value={defaultPolicy}
        readOnly={readOnly}
        options={POLICIES.map((p) => ({ label: POLICY_LABELS[p], value: p }))}
        onChange={(v) => setDefaultPolicy(v as WritePolicy)}
        {...save.fieldError('writePolicy.default')}
        testId="policy-default"
      />
      <Table bordered density="condensed" testId="policy-table">
        <TableHead>
          <TableRow>
            <TableHeader>Field</TableHeader>
            <TableHeader>HubSpot property</TableHeader>
            <TableHeader>Policy</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {settings.fields.map((f) => (
            <TableRow key={f.field}>
              <TableCell>{f.label}</TableCell>
              <TableCell>
                <Text variant="microcopy">{f.property}</Text>
              </TableCell>
              <TableCell>
                <Select
                  label={`${f.label} policy`}
                  name={`writePolicy.fields.${f.field}`}
                  value={overrides[f.field] ?? USE_DEFAULT}
                  readOnly={readOnly}
                  options={[
                    { label: `Default (${POLICY_LABELS[defaultPolicy]})`, value: USE_DEFAULT },
                    ...POLICIES.map((p) => ({ label: POLICY_LABELS[p], value: p })),
                  ]}
                  onChange={(v) => setOverride(f.field, String(v))}
                  {...save.fieldError(`writePolicy.fields.${f.field}`)}
                  testId={`policy-${f.field}`}
                />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Flex direction="row" gap="md">
        <NumberInput
          label="Keep found data cached for (days)"
          name="cacheTtlDays"
          description="A contact enriched again within this time is answered from the cache at no cost."
          min={1}
          max={3650}
          precision={0}
          value={cacheTtl}
          readOnly={readOnly}
          onChange={(v) => setCacheTtl(v)}
          {...save.fieldError('cacheTtlDays')}
          testId="cache-ttl"
        />
        <NumberInput
          label="Remember misses for (days)"
          name="missTtlDays"
          description="A vendor that found nothing is not asked again about the same person within this time."
          min={1}
          max={3650}
          precision={0}
          value={missTtl}
          readOnly={readOnly}
          onChange={(v) => setMissTtl(v)}
          {...save.fieldError('missTtlDays')}
          testId="miss-ttl"
        />
      </Flex>
      <Button variant="primary" disabled={readOnly || save.saving} onClick={() => void submit()} testId="policy-save">
        Save
      </Button>
      <SaveStatus save={save} testId="policy" />
    </Flex>
  );
}
