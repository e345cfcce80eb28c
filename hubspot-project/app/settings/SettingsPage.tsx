// The settings page's entry point: HubSpot loads this file; the page itself lives in extensions/.
import { hubspot } from '@hubspot/ui-extensions';
import { SettingsPage } from '@cascade/extensions/settings';
import { BACKEND_URL } from './backend.ts';

hubspot.extend<'settings'>(({ context, actions }) => <SettingsPage backendUrl={BACKEND_URL} context={context} actions={actions} />);
