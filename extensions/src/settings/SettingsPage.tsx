// Cascade's settings page in HubSpot (Connected apps → Cascade → Settings): one tab per concern.
// Non-admins get the same page read-only; the backend enforces it either way.
import { Alert, Flex, LoadingSpinner, Tab, Tabs } from '@hubspot/ui-extensions';
import type { ReactNode } from 'react';
import { useCallback, useMemo, useState } from 'react';
import { createClient } from '../api/client.ts';
import { LoadError } from '../components/LoadError.tsx';
import { NotInstalled } from '../components/NotInstalled.tsx';
import { useLoad } from '../use-load.ts';
import { AuditTab } from './AuditTab.tsx';
import { CapsTab } from './CapsTab.tsx';
import { EstimateTab } from './EstimateTab.tsx';
import { KeysTab } from './KeysTab.tsx';
import { PolicyTab } from './PolicyTab.tsx';
import type { SettingsPageProps, TabProps } from './types.ts';
import { UsageTab } from './UsageTab.tsx';
import { WaterfallTab } from './WaterfallTab.tsx';

export const TABS = [
  { id: 'keys', title: 'Vendor keys' },
  { id: 'waterfall', title: 'Waterfall' },
  { id: 'caps', title: 'Caps & alerts' },
  { id: 'policy', title: 'Write policy & cache' },
  { id: 'usage', title: 'Usage' },
  { id: 'audit', title: 'Audit log' },
  { id: 'estimate', title: 'Estimate' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

const systemNow = () => new Date();

export function SettingsPage({ backendUrl, context, actions, now = systemNow }: SettingsPageProps) {
  const portalId = context.portal.id;
  const userId = context.user.id;
  const client = useMemo(() => createClient({ backendUrl, portalId, userId }), [backendUrl, portalId, userId]);
  const settings = useLoad(() => client.settings(), [client]);
  const [selected, setSelected] = useState<TabId>('keys');
  // Tabs mount when first opened (usage and audit fetch on mount) and stay mounted to keep drafts.
  const [opened, setOpened] = useState<ReadonlySet<TabId>>(new Set<TabId>(['keys']));
  const addAlert = actions?.addAlert;
  const notify = useCallback((message: string) => addAlert?.({ type: 'success', message }), [addAlert]);

  if (settings.error && !settings.data) {
    return <LoadError title="Couldn't load Cascade's settings" error={settings.error} onRetry={settings.reload} />;
  }
  if (!settings.data) return <LoadingSpinner label="Loading settings" showLabel layout="centered" />;
  const view = settings.data;
  if (!view.installed) return <NotInstalled installUrl={view.installUrl} />;

  const readOnly = !view.isAdmin;
  const tabProps: TabProps = { client, settings: view, readOnly, onSettings: settings.setData, notify };
  const content: Record<TabId, () => ReactNode> = {
    keys: () => <KeysTab {...tabProps} />,
    waterfall: () => <WaterfallTab {...tabProps} />,
    caps: () => <CapsTab {...tabProps} />,
    policy: () => <PolicyTab {...tabProps} />,
    usage: () => <UsageTab {...tabProps} now={now} />,
    audit: () => <AuditTab {...tabProps} />,
    estimate: () => <EstimateTab {...tabProps} />,
  };

  const select = (id: string | number) => {
    const tab = TABS.find((t) => t.id === id)?.id;
    if (!tab) return;
    setSelected(tab);
    setOpened((o) => (o.has(tab) ? o : new Set([...o, tab])));
  };

  return (
    <Flex direction="column" gap="md">
      {readOnly && (
        <Alert title="Read-only" variant="info" testId="read-only">
          Only super admins of this HubSpot account can change Cascade's settings. You can look around, see usage and the
          audit log, and estimate costs.
        </Alert>
      )}
      <Tabs selected={selected} onSelectedChange={select} testId="settings-tabs">
        {TABS.map((t) => (
          <Tab key={t.id} tabId={t.id} title={t.title}>
            {opened.has(t.id) ? content[t.id]() : null}
          </Tab>
        ))}
      </Tabs>
    </Flex>
  );
}
