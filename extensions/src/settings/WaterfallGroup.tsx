// One field group's waterfall: the ordered steps with move/remove/add, saved or reset on its own.
import { Button, ButtonRow, Flex, Heading, Select, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import { useEffect, useState } from 'react';
import type { FieldGroup } from '../api/contract.ts';
import { formatCents, GROUP_LABELS } from '../format.ts';
import { SaveStatus } from './SaveStatus.tsx';
import type { TabProps } from './types.ts';
import { useSave } from './use-save.ts';
import { addableSteps, addStep, moveStep, removeStep, sameSteps, stepKey } from './waterfall-edit.ts';
import type { StepRef } from './waterfall-edit.ts';

const NO_STEPS: StepRef[] = [];

export function WaterfallGroup({ group, client, settings, readOnly, onSettings, notify }: TabProps & { group: FieldGroup }) {
  const saved = settings.waterfall[group] ?? NO_STEPS;
  const [steps, setSteps] = useState<StepRef[]>(saved);
  const save = useSave(notify);
  // A changed saved order (this group's save, a reset) replaces the draft; a save elsewhere that
  // leaves this group's order alone does not throw the draft away.
  const savedKey = saved.map(stepKey).join(',');
  useEffect(() => setSteps(saved), [savedKey]);

  const vendor = (id: string) => settings.vendors.find((v) => v.id === id);
  const operation = (s: StepRef) => vendor(s.vendor)?.operations.find((o) => o.id === s.operation);
  const addable = addableSteps(settings.vendors, group, steps);
  const dirty = !sameSteps(steps, saved);
  const label = GROUP_LABELS[group];

  const put = async (next: StepRef[], message: string) => {
    const view = await save.run(() => client.putWaterfall({ group, steps: next }), message);
    if (view) onSettings(view);
  };

  return (
    <Flex direction="column" gap="sm" testId={`waterfall-${group}`}>
      <Flex direction="row" gap="sm" align="center">
        <Heading inline>{label}</Heading>
        {settings.waterfallIsDefault[group] && <Tag variant="info">Default order</Tag>}
      </Flex>
      {steps.length === 0 ? (
        <Text variant="microcopy">No steps: this group is never enriched.</Text>
      ) : (
        <Table bordered density="condensed">
          <TableHead>
            <TableRow>
              <TableHeader width="min">#</TableHeader>
              <TableHeader>Vendor</TableHeader>
              <TableHeader>Operation</TableHeader>
              <TableHeader>Cost per call</TableHeader>
              <TableHeader> </TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {steps.map((s, i) => {
              const op = operation(s);
              return (
                <TableRow key={`${s.vendor}:${s.operation}`}>
                  <TableCell>{String(i + 1)}</TableCell>
                  <TableCell>{vendor(s.vendor)?.name ?? s.vendor}</TableCell>
                  <TableCell>{op?.label ?? s.operation}</TableCell>
                  <TableCell>{op ? `${formatCents(op.costCents)}${op.chargesOnMiss ? ' (also charged on a miss)' : ''}` : '—'}</TableCell>
                  <TableCell>
                    <ButtonRow disableDropdown>
                      <Button size="xs" disabled={readOnly || i === 0} onClick={() => setSteps(moveStep(steps, i, -1))} testId={`up-${group}-${i}`}>
                        Move up
                      </Button>
                      <Button size="xs" disabled={readOnly || i === steps.length - 1} onClick={() => setSteps(moveStep(steps, i, 1))} testId={`down-${group}-${i}`}>
                        Move down
                      </Button>
                      <Button size="xs" variant="destructive" disabled={readOnly} onClick={() => setSteps(removeStep(steps, i))} testId={`remove-${group}-${i}`}>
                        Remove
                      </Button>
                    </ButtonRow>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {addable.length > 0 && (
        <Select
          key={steps.map(stepKey).join(',')}
          label={`Add a step to ${label}`}
          name={`add-${group}`}
          placeholder="Choose an operation"
          readOnly={readOnly}
          options={addable.map((a) => ({ label: a.label, value: `${a.vendor}:${a.operation}` }))}
          onChange={(value) => {
            const pick = addable.find((a) => `${a.vendor}:${a.operation}` === value);
            if (pick) setSteps(addStep(steps, { vendor: pick.vendor, operation: pick.operation }));
          }}
          testId={`add-${group}`}
        />
      )}
      <ButtonRow>
        <Button variant="primary" disabled={readOnly || !dirty || save.saving} onClick={() => void put(steps, `${label} order saved.`)} testId={`save-${group}`}>
          Save
        </Button>
        <Button disabled={readOnly || save.saving || settings.waterfallIsDefault[group]} onClick={() => void put([], `${label} order reset to the default.`)} testId={`reset-${group}`}>
          Reset to default
        </Button>
        {dirty && (
          <Button variant="transparent" disabled={readOnly} onClick={() => setSteps(saved)} testId={`discard-${group}`}>
            Discard changes
          </Button>
        )}
      </ButtonRow>
      <SaveStatus save={save} testId={`waterfall-${group}`} />
    </Flex>
  );
}
