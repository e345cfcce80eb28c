// Renders the settings page against the fake backend, at a fixed "now" for the usage presets.
import { Tabs } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { SettingsPage } from '../../extensions/src/settings/index.ts';
import type { SettingsView } from '../../extensions/src/api/contract.ts';
import { BACKEND, fakeBackend, fire } from './helpers.tsx';
import { settingsView } from './fixtures.ts';

export const NOW = new Date('2025-03-04T12:00:00.000Z');
// The mock context of 'settings': portal 123, user 1.
export const IDS = { portalId: '123', userId: '1' };

export function settingsBackend(view: Partial<SettingsView> = {}) {
  return fakeBackend().on('GET', '/ui/settings', { body: settingsView(view) });
}

export function renderSettings() {
  const r = createRenderer('settings');
  r.render(<SettingsPage backendUrl={BACKEND} context={r.mocks.context} actions={r.mocks.actions} now={() => NOW} />);
  return r;
}

export type SettingsRenderer = ReturnType<typeof renderSettings>;

/** Renders the page, waits for it to load, and opens a tab. */
export async function openSettings(tab = 'keys') {
  const r = renderSettings();
  await r.waitFor(() => r.find(Tabs));
  if (tab !== 'keys') fire(r.find(Tabs), 'onSelectedChange', tab);
  return r;
}
