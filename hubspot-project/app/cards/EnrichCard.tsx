// The contact card's entry point: HubSpot loads this file; the card itself lives in extensions/.
import { hubspot } from '@hubspot/ui-extensions';
import { EnrichCard } from '@cascade/extensions/card';
import { BACKEND_URL } from './backend.ts';

hubspot.extend<'crm.record.sidebar'>(({ context, actions }) => <EnrichCard backendUrl={BACKEND_URL} context={context} actions={actions} />);
