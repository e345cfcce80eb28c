import { Alert, Button, Input, Select, Tabs, Text } from '@hubspot/ui-extensions';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dumpTree, fire } from './helpers.tsx';
import { IDS, openSettings, settingsBackend } from './settings-setup.tsx';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Vendor keys', () => {
  it('shows stored keys masked to their last four characters and says which are missing', async () => {
    settingsBackend();
    const r = await openSettings();
    expect(r.findByTestId(Text, 'key-apollo').text).toBe('•••• a1b2');
    expect(r.findByTestId(Text, 'key-hunter').text).toBe('Not set');
    // No test or remove for a vendor without a key.
    expect(r.findByTestId(Button, 'remove-hunter').props.disabled).toBe(true);
    expect(r.findByTestId(Button, 'test-stored-hunter').props.disabled).toBe(true);
  });

  it('never shows more than the last four characters, even if the backend sent more', async () => {
    settingsBackend({
      vendors: [{ id: 'apollo', name: 'Apollo', operations: [], key: { last4: 'sk_live_SECRET_a1b2', updatedAt: '2025-03-01T10:00:00.000Z' } }],
    });
    const r = await openSettings();
    expect(r.findByTestId(Text, 'key-apollo').text).toBe('•••• a1b2');
    expect(dumpTree(r.getRootNode())).not.toContain('SECRET');
  });

  it('saves a typed key with PUT, shows only its last four, clears the input, and never renders the key (any key)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9_\-.:]{12,80}$/), async (key) => {
        vi.restoreAllMocks();
        const api = settingsBackend().on('PUT', '/ui/settings/keys/hunter', (req) => ({
          body: { vendor: 'hunter', last4: (req.body as { key: string }).key.slice(-4), updatedAt: '2025-03-04T12:00:00.000Z' },
        }));
        const r = await openSettings();
        fire(r.findByTestId(Select, 'key-vendor'), 'onChange', 'hunter');
        fire(r.findByTestId(Input, 'key-input'), 'onInput', key);
        expect(r.findByTestId(Input, 'key-input').props.type).toBe('password');
        expect(dumpTree(r.getRootNode())).not.toContain(key);
        expect(r.findByTestId(Button, 'key-save').props.disabled).toBe(false);

        r.findByTestId(Button, 'key-save').trigger('onClick');
        await r.waitFor(() => expect(r.findByTestId(Text, 'key-hunter').text).toBe(`•••• ${key.slice(-4)}`));
        expect(api.to('PUT', '/ui/settings/keys/hunter')).toEqual([
          { method: 'PUT', path: '/ui/settings/keys/hunter', query: IDS, body: { key }, timeout: 10_000 },
        ]);
        expect(dumpTree(r.getRootNode())).not.toContain(key);
        expect(r.findByTestId(Input, 'key-input').props.value).toBeUndefined();
        expect(r.findByTestId(Button, 'key-save').props.disabled).toBe(true);
        // With the draft gone, "Test" tests the stored key: no key in the body.
        r.findByTestId(Button, 'key-test').trigger('onClick');
        await r.waitFor(() => expect(api.to('POST', '/ui/settings/keys/hunter/test')).toHaveLength(1));
        expect(api.to('POST', '/ui/settings/keys/hunter/test')[0]!.body).toEqual({});
      }),
      { numRuns: 25 },
    );
  });

  it('says a save succeeded in the page and in HubSpot', async () => {
    settingsBackend().on('PUT', '/ui/settings/keys/apollo', { body: { vendor: 'apollo', last4: 'zz99', updatedAt: '2025-03-04T12:00:00.000Z' } });
    const r = await openSettings();
    fire(r.findByTestId(Input, 'key-input'), 'onInput', 'new-apollo-key-zz99');
    r.findByTestId(Button, 'key-save').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'keys-done'));
    expect(r.findByTestId(Alert, 'keys-done').text).toBe('The Apollo key was saved.');
    expect(r.mocks.actions.addAlert.calls).toEqual([[{ type: 'success', message: 'The Apollo key was saved.' }]]);
  });

  it('shows why a key was refused next to the key input, and keeps it for another try', async () => {
    settingsBackend().on('PUT', '/ui/settings/keys/apollo', {
      status: 400,
      body: { error: 'invalid_body', message: 'key: looks too short for an Apollo key', field: 'key', problems: [{ field: 'key', message: 'looks too short for an Apollo key' }] },
    });
    const r = await openSettings();
    fire(r.findByTestId(Input, 'key-input'), 'onInput', 'short-key-1');
    r.findByTestId(Button, 'key-save').trigger('onClick');
    await r.waitFor(() => expect(r.findByTestId(Input, 'key-input').props.error).toBe(true));
    expect(r.findByTestId(Input, 'key-input').props.validationMessage).toBe('looks too short for an Apollo key');
    expect(r.findByTestId(Button, 'key-save').props.disabled).toBe(false);
    expect(r.findByTestId(Text, 'key-apollo').text).toBe('•••• a1b2');
  });

  it('tests a typed key before saving it', async () => {
    const api = settingsBackend().on('POST', '/ui/settings/keys/apollo/test', {
      body: { vendor: 'apollo', ok: false, message: 'Apollo rejected this key (401).', latencyMs: 120 },
    });
    const r = await openSettings();
    fire(r.findByTestId(Input, 'key-input'), 'onInput', 'typed-apollo-key-0001');
    expect(r.findByTestId(Button, 'key-test').text).toBe('Test this key');
    r.findByTestId(Button, 'key-test').trigger('onClick');
    await r.waitFor(() => expect(r.findByTestId(Text, 'test-apollo').text).toBe('Failed: Apollo rejected this key (401).'));
    expect(api.to('POST', '/ui/settings/keys/apollo/test')[0]).toMatchObject({ query: IDS, body: { key: 'typed-apollo-key-0001' } });
    expect(dumpTree(r.getRootNode())).not.toContain('typed-apollo-key-0001');
  });

  it('tests a stored key from its row', async () => {
    const api = settingsBackend().on('POST', '/ui/settings/keys/apollo/test', {
      body: { vendor: 'apollo', ok: true, message: 'Connected: 9,500 credits left.', latencyMs: 80 },
    });
    const r = await openSettings();
    r.findByTestId(Button, 'test-stored-apollo').trigger('onClick');
    await r.waitFor(() => expect(r.findByTestId(Text, 'test-apollo').text).toBe('OK: Connected: 9,500 credits left.'));
    expect(api.to('POST', '/ui/settings/keys/apollo/test')[0]!.body).toEqual({});
  });

  it('removes a key only after confirmation', async () => {
    const api = settingsBackend().on('DELETE', '/ui/settings/keys/apollo', { body: { vendor: 'apollo', removed: true } });
    const r = await openSettings();
    r.findByTestId(Button, 'remove-apollo').trigger('onClick');
    expect(r.findByTestId(Alert, 'confirm-remove').props.title).toBe('Remove the Apollo key?');
    r.findByTestId(Button, 'confirm-remove-no').trigger('onClick');
    expect(r.maybeFindByTestId(Alert, 'confirm-remove')).toBeNull();
    expect(api.to('DELETE', '/ui/settings/keys/apollo')).toHaveLength(0);

    r.findByTestId(Button, 'remove-apollo').trigger('onClick');
    r.findByTestId(Button, 'confirm-remove-yes').trigger('onClick');
    await r.waitFor(() => expect(r.findByTestId(Text, 'key-apollo').text).toBe('Not set'));
    expect(api.to('DELETE', '/ui/settings/keys/apollo')).toEqual([
      { method: 'DELETE', path: '/ui/settings/keys/apollo', query: IDS, body: undefined, timeout: 10_000 },
    ]);
    expect(r.find(Tabs)).toBeTruthy();
  });
});
