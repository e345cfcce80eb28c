import { Alert, Button, CurrencyInput, EmptyState, ErrorState, hubspot, Input, LoadingSpinner, NumberInput, Select, Tab, Tabs } from '@hubspot/ui-extensions';
import type { ExtensionPointApi } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SettingsPage } from '@cascade/extensions/settings';
import { BACKEND, fire, textOf } from './helpers.tsx';
import { settingsView } from './fixtures.ts';
import { IDS, openSettings, renderSettings, settingsBackend } from './settings-setup.tsx';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SettingsPage: entry compatibility', () => {
  it("accepts HubSpot's own context and actions from hubspot.extend<'settings'> without casts", () => {
    hubspot.extend<'settings'>(({ context, actions }) => <SettingsPage backendUrl={BACKEND} context={context} actions={actions} />);
    const render = (api: ExtensionPointApi<'settings'>) => <SettingsPage backendUrl={BACKEND} context={api.context} actions={api.actions} />;
    expect(typeof render).toBe('function');
  });
});

describe('SettingsPage: loading, error, not installed', () => {
  it("shows a spinner, then the tabs, loading this portal's settings as this user", async () => {
    const api = settingsBackend();
    const r = renderSettings();
    expect(r.find(LoadingSpinner).props.label).toBe('Loading settings');
    await r.waitFor(() => r.find(Tabs));
    expect(api.calls[0]).toMatchObject({ method: 'GET', path: '/ui/settings', query: IDS });
    expect(r.findAll(Tab).map((t) => t.props.title)).toEqual([
      'Vendor keys',
      'Waterfall',
      'Caps & alerts',
      'Write policy & cache',
      'Usage',
      'Audit log',
      'Estimate',
    ]);
    expect(r.maybeFindByTestId(Alert, 'read-only')).toBeNull();
  });

  it("shows the backend's message and loads again on retry", async () => {
    let fail = true;
    settingsBackend().on('GET', '/ui/settings', () =>
      fail
        ? { status: 401, body: { error: 'invalid_signature', message: 'This request was not signed by HubSpot.' } }
        : { body: settingsView() },
    );
    const r = renderSettings();
    await r.waitFor(() => expect(textOf(r.find(ErrorState))).toContain('This request was not signed by HubSpot.'));
    fail = false;
    r.findByTestId(Button, 'retry').trigger('onClick');
    await r.waitFor(() => r.find(Tabs));
  });

  it('links to the install page when the app is not installed', async () => {
    settingsBackend({ installed: false });
    const r = renderSettings();
    await r.waitFor(() => r.find(EmptyState));
    expect(r.findByTestId(Button, 'install').props.href).toEqual({ url: 'https://cascade.example.com/oauth/install', external: true });
    expect(r.maybeFind(Tabs)).toBeNull();
  });
});

describe('SettingsPage: non-admins', () => {
  it('sees every tab read-only: inputs read-only, write buttons disabled, and says why', async () => {
    const api = settingsBackend({ isAdmin: false });
    const r = await openSettings();
    expect(textOf(r.findByTestId(Alert, 'read-only'))).toContain('Only super admins');

    // Vendor keys
    expect(r.findByTestId(Input, 'key-input').props.readOnly).toBe(true);
    for (const id of ['key-save', 'key-test', 'test-stored-apollo', 'remove-apollo']) {
      expect(r.findByTestId(Button, id).props.disabled, id).toBe(true);
    }
    // Waterfall
    fire(r.find(Tabs), 'onSelectedChange', 'waterfall');
    await r.waitFor(() => r.findByTestId(Button, 'save-person'));
    for (const id of ['up-person-1', 'down-person-0', 'remove-person-0', 'save-person', 'reset-person']) {
      expect(r.findByTestId(Button, id).props.disabled, id).toBe(true);
    }
    expect(r.findByTestId(Select, 'add-email').props.readOnly).toBe(true);
    // Caps
    fire(r.find(Tabs), 'onSelectedChange', 'caps');
    await r.waitFor(() => r.findByTestId(Button, 'caps-save'));
    expect(r.findByTestId(Button, 'caps-save').props.disabled).toBe(true);
    expect(r.findAll(CurrencyInput).every((i) => i.props.readOnly === true)).toBe(true);
    expect(r.findByTestId(Input, 'alert-webhook').props.readOnly).toBe(true);
    expect(r.findByTestId(Select, 'on-cap').props.readOnly).toBe(true);
    // Policy
    fire(r.find(Tabs), 'onSelectedChange', 'policy');
    await r.waitFor(() => r.findByTestId(Button, 'policy-save'));
    expect(r.findByTestId(Button, 'policy-save').props.disabled).toBe(true);
    expect(r.findAll(NumberInput).every((i) => i.props.readOnly === true)).toBe(true);
    expect(r.findByTestId(Select, 'policy-default').props.readOnly).toBe(true);

    expect(api.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it("shows the backend's refusal when a write is denied (403 not_admin)", async () => {
    const api = settingsBackend().on('PUT', '/ui/settings/policy', {
      status: 403,
      body: { error: 'not_admin', message: 'Only super admins of this HubSpot account can change Cascade settings.' },
    });
    const r = await openSettings('policy');
    r.findByTestId(Button, 'policy-save').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'policy-error'));
    expect(r.findByTestId(Alert, 'policy-error').text).toBe('Only super admins of this HubSpot account can change Cascade settings.');
    expect(api.to('PUT', '/ui/settings/policy')).toHaveLength(1);
  });
});
