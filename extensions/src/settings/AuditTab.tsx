// The audit log: every settings change, key change and run, newest first, filtered by type or
// contact, one page at a time.
import { Button, ButtonRow, EmptyState, Flex, Input, LoadingSpinner, Select, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import { LoadError } from '../components/LoadError.tsx';
import { eventTypeLabel, formatDateTime } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { currentCursor, FIRST_PAGE, nextPage, previousPage } from './audit-paging.ts';
import type { CursorStack } from './audit-paging.ts';
import type { TabProps } from './types.ts';

export const AUDIT_PAGE_SIZE = 25;
const ALL = '';

export function AuditTab({ client }: TabProps) {
  const [type, setType] = useState(ALL);
  const [contact, setContact] = useState('');
  const [stack, setStack] = useState<CursorStack>(FIRST_PAGE);
  const [types, setTypes] = useState<string[]>([]);
  const contactValid = contact === '' || /^\d+$/.test(contact);
  const cursor = currentCursor(stack);

  const page = useLoad(async () => {
    if (!contactValid) return null;
    const p = await client.audit({ limit: AUDIT_PAGE_SIZE, cursor, type: type || null, contactId: contact || null });
    // Keep every type ever offered: a filtered page may report fewer.
    setTypes((known) => [...new Set([...known, ...p.types])].sort());
    return p;
  }, [client, cursor, type, contact, contactValid]);

  const refilter = (apply: () => void) => {
    apply();
    setStack(FIRST_PAGE);
  };

  const data = page.data;
  let body;
  if (page.error) body = <LoadError title="Couldn't load the audit log" error={page.error} onRetry={page.reload} />;
  else if (page.loading && !data) body = <LoadingSpinner label="Loading the audit log" showLabel />;
  else if (!data || data.events.length === 0)
    body = (
      <EmptyState title="No events" imageName="task" testId="audit-empty">
        <Text>{type || contact ? 'No event matches these filters.' : 'Nothing has happened in this account yet.'}</Text>
      </EmptyState>
    );
  else
    body = (
      <Table bordered density="condensed" testId="audit-table">
        <TableHead>
          <TableRow>
            <TableHeader>Time</TableHeader>
            <TableHeader>Type</TableHeader>
            <TableHeader>Contact</TableHeader>
            <TableHeader>Summary</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {data.events.map((e) => (
            <TableRow key={e.id}>
              <TableCell>{formatDateTime(e.at)}</TableCell>
              <TableCell>{eventTypeLabel(e.type)}</TableCell>
              <TableCell>{e.contactId ?? '—'}</TableCell>
              <TableCell>{e.summary}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );

  return (
    <Flex direction="column" gap="md">
      <Flex direction="row" gap="md">
        <Select
          label="Event type"
          name="audit-type"
          value={type}
          options={[{ label: 'All types', value: ALL }, ...types.map((t) => ({ label: eventTypeLabel(t), value: t }))]}
          onChange={(v) => refilter(() => setType(String(v)))}
          testId="audit-type"
        />
        <Input
          label="Contact id"
          name="audit-contact"
          placeholder="Any contact"
          value={contact}
          onChange={(v) => refilter(() => setContact(v.trim()))}
          error={!contactValid}
          validationMessage={contactValid ? undefined : 'A contact id is a number, e.g. 12345.'}
          testId="audit-contact"
        />
      </Flex>
      {body}
      <ButtonRow>
        <Button disabled={stack.length <= 1 || page.loading} onClick={() => setStack(previousPage(stack))} testId="audit-previous">
          Previous
        </Button>
        <Button disabled={!data?.nextCursor || page.loading} onClick={() => setStack(nextPage(stack, data?.nextCursor ?? null))} testId="audit-next">
          Next
        </Button>
      </ButtonRow>
      <Text variant="microcopy">{`Page ${stack.length}`}</Text>
    </Flex>
  );
}
