// Vendor keys: which vendors have a key (masked), test or remove a stored key, and add or replace one.
import { Alert, Button, ButtonRow, Flex, Heading, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { SettingsView, TestKeyResult } from '../api/contract.ts';
import { formatDateTime } from '../format.ts';
import { KeyForm } from './KeyForm.tsx';
import { maskedKey } from './mask.ts';
import { SaveStatus } from './SaveStatus.tsx';
import type { TabProps } from './types.ts';
import { useSave } from './use-save.ts';

export function withKey(settings: SettingsView, vendor: string, key: SettingsView['vendors'][number]['key']): SettingsView {
  return { ...settings, vendors: settings.vendors.map((v) => (v.id === vendor ? { ...v, key } : v)) };
}

export function KeysTab({ client, settings, readOnly, onSettings, notify }: TabProps) {
  const save = useSave(notify);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, TestKeyResult | { ok: false; message: string }>>({});
  const [testing, setTesting] = useState<string | null>(null);
  const name = (id: string) => settings.vendors.find((v) => v.id === id)?.name ?? id;

  const testStored = async (vendor: string) => {
    setTesting(vendor);
    try {
      const result = await client.testKey(vendor, {});
      setTests((t) => ({ ...t, [vendor]: result }));
    } catch (err) {
      setTests((t) => ({ ...t, [vendor]: { ok: false, message: err instanceof Error ? err.message : String(err) } }));
    } finally {
      setTesting(null);
    }
  };

  const remove = async (vendor: string) => {
    setConfirming(null);
    const out = await save.run(() => client.deleteKey(vendor), `The ${name(vendor)} key was removed.`);
    if (out) onSettings(withKey(settings, vendor, null));
  };

  return (
    <Flex direction="column" gap="md">
      <Text>
        Cascade calls each vendor with your own account's API key. Keys are stored encrypted and never shown again: only
        their last four characters.
      </Text>
      <Table bordered testId="keys-table">
        <TableHead>
          <TableRow>
            <TableHeader>Vendor</TableHeader>
            <TableHeader>Key</TableHeader>
            <TableHeader>Last changed</TableHeader>
            <TableHeader>Connection</TableHeader>
            <TableHeader> </TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {settings.vendors.map((v) => {
            const test = tests[v.id];
            return (
              <TableRow key={v.id}>
                <TableCell>{v.name}</TableCell>
                <TableCell>
                  <Text testId={`key-${v.id}`}>{maskedKey(v.key)}</Text>
                </TableCell>
                <TableCell>{v.key ? formatDateTime(v.key.updatedAt) : '—'}</TableCell>
                <TableCell>
                  {test ? (
                    <Text testId={`test-${v.id}`}>{`${test.ok ? 'OK' : 'Failed'}: ${test.message}`}</Text>
                  ) : (
                    <Text variant="microcopy">Not tested</Text>
                  )}
                </TableCell>
                <TableCell>
                  <ButtonRow>
                    <Button
                      size="sm"
                      disabled={readOnly || !v.key || testing !== null}
                      onClick={() => void testStored(v.id)}
                      testId={`test-stored-${v.id}`}
                    >
                      Test connection
                    </Button>
                    <Button
                      size="sm"
                      variant="destructive"
                      disabled={readOnly || !v.key || save.saving}
                      onClick={() => setConfirming(v.id)}
                      testId={`remove-${v.id}`}
                    >
                      Remove
                    </Button>
                  </ButtonRow>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {confirming && (
        <Alert title={`Remove the ${name(confirming)} key?`} variant="warning" testId="confirm-remove">
          <Text>Cascade will stop calling {name(confirming)} until a new key is added. Runs skip it in the meantime.</Text>
          <ButtonRow>
            <Button variant="destructive" onClick={() => void remove(confirming)} testId="confirm-remove-yes">
              Yes, remove it
            </Button>
            <Button onClick={() => setConfirming(null)} testId="confirm-remove-no">
              Cancel
            </Button>
          </ButtonRow>
        </Alert>
      )}
      <SaveStatus save={save} testId="keys" />
      <Heading>Add or replace a key</Heading>
      <KeyForm
        client={client}
        vendors={settings.vendors}
        readOnly={readOnly}
        save={save}
        onSaved={(vendor, key) => onSettings(withKey(settings, vendor, key))}
        onTested={(vendor, result) => setTests((t) => ({ ...t, [vendor]: result }))}
      />
    </Flex>
  );
}
