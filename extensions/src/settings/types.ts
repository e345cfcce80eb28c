// The settings page's props (structural subsets of hubspot.extend<'settings'>'s context and actions)
// and what every tab receives.
import type { Client } from '../api/client.ts';
import type { SettingsView } from '../api/contract.ts';
import type { AlertKind } from '../card/types.ts';

export interface SettingsContext {
  portal: { id: number };
  user: { id: number };
}

export interface SettingsActions {
  addAlert?: (alert: { type?: AlertKind; message: string; title?: string }) => void;
}

export interface SettingsPageProps {
  backendUrl: string;
  context: SettingsContext;
  actions?: SettingsActions;
  /** Test seam for the usage tab's date presets. */
  now?: () => Date;
}

export interface TabProps {
  client: Client;
  settings: SettingsView;
  /** Not a super admin: every change is disabled (the backend refuses them anyway). */
  readOnly: boolean;
  /** A write answered with the fresh settings (or the tab patched them): show them everywhere. */
  onSettings: (next: SettingsView) => void;
  /** A toast in HubSpot's chrome, when the host offers one. */
  notify: (message: string) => void;
}
