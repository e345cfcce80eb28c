// Typing a vendor key: a password input the page never renders a value into. The typed key lives in
// a ref only until it is saved; after a save the input is remounted empty.
import { Button, ButtonRow, Flex, Input, Select } from '@hubspot/ui-extensions';
import { useRef, useState } from 'react';
import { messageOf } from '../api/client.ts';
import type { Client } from '../api/client.ts';
import type { TestKeyResult, VendorView } from '../api/contract.ts';
import type { SaveState } from './use-save.ts';

interface KeyFormProps {
  client: Client;
  vendors: VendorView[];
  readOnly: boolean;
  save: SaveState;
  onSaved: (vendor: string, key: { last4: string; updatedAt: string }) => void;
  onTested: (vendor: string, result: TestKeyResult | { ok: false; message: string }) => void;
}

export function KeyForm({ client, vendors, readOnly, save, onSaved, onTested }: KeyFormProps) {
  const [vendor, setVendor] = useState(vendors[0]?.id ?? '');
  const draft = useRef('');
  const [hasDraft, setHasDraft] = useState(false);
  const [inputGeneration, setInputGeneration] = useState(0);
  const [testing, setTesting] = useState(false);
  const current = vendors.find((v) => v.id === vendor);

  const onType = (value: string) => {
    draft.current = value;
    setHasDraft(value.trim().length > 0);
  };

  const clearDraft = () => {
    draft.current = '';
    setHasDraft(false);
    setInputGeneration((g) => g + 1);
  };

  const submit = async () => {
    const key = draft.current.trim();
    if (!key || !current) return;
    const saved = await save.run(() => client.putKey(vendor, key), `The ${current.name} key was saved.`);
    if (saved) {
      clearDraft();
      onSaved(vendor, { last4: saved.last4, updatedAt: saved.updatedAt });
    }
  };

  const test = async () => {
    const key = draft.current.trim();
    setTesting(true);
    try {
      onTested(vendor, await client.testKey(vendor, key ? { key } : {}));
    } catch (err) {
      onTested(vendor, { ok: false, message: messageOf(err) });
    } finally {
      setTesting(false);
    }
  };

  return (
    <Flex direction="column" gap="sm">
      <Select
        label="Vendor"
        name="key-vendor"
        value={vendor}
        readOnly={readOnly}
        options={vendors.map((v) => ({ label: v.key ? `${v.name} (replace the key)` : v.name, value: v.id }))}
        onChange={(v) => {
          setVendor(String(v));
          clearDraft();
        }}
        testId="key-vendor"
      />
      <Input
        key={`${vendor}:${inputGeneration}`}
        type="password"
        label={`${current?.name ?? 'Vendor'} API key`}
        name="key"
        placeholder={current?.key ? 'Paste a new key to replace the stored one' : 'Paste the API key'}
        readOnly={readOnly}
        onInput={onType}
        onChange={onType}
        {...save.fieldError('key')}
        testId="key-input"
      />
      <ButtonRow>
        <Button variant="primary" disabled={readOnly || !hasDraft || save.saving} onClick={() => void submit()} testId="key-save">
          Save key
        </Button>
        <Button disabled={readOnly || testing || (!hasDraft && !current?.key)} onClick={() => void test()} testId="key-test">
          {hasDraft ? 'Test this key' : 'Test stored key'}
        </Button>
      </ButtonRow>
    </Flex>
  );
}
