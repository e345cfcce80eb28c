// The contact record's sidebar card: the contact's enrichment status and last run, the portal's spend
// today, and the buttons that start a run and follow it to the end.
import { Alert, Button, ButtonRow, Divider, Flex, LoadingSpinner, ProgressBar } from '@hubspot/ui-extensions';
import { useEffect, useMemo } from 'react';
import { createClient } from '../api/client.ts';
import { newRequestId as defaultRequestId } from '../api/request-id.ts';
import { LoadError } from '../components/LoadError.tsx';
import { NotInstalled } from '../components/NotInstalled.tsx';
import { humanize } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { CapsReachedNotice, NoKeysNotice } from './CardNotices.tsx';
import { RunSummary } from './RunSummary.tsx';
import { SpendToday } from './SpendToday.tsx';
import type { EnrichCardProps } from './types.ts';
import { useEnrich } from './use-enrich.ts';

export const POLL_INTERVAL_MS = 1_000;
export const MAX_WAIT_MS = 120_000;

export function EnrichCard(props: EnrichCardProps) {
  const { backendUrl, context, actions } = props;
  const portalId = context.portal.id;
  const userId = context.user.id;
  const contactId = context.crm.objectId;
  const client = useMemo(() => createClient({ backendUrl, portalId, userId }), [backendUrl, portalId, userId]);
  const card = useLoad(() => client.card(contactId), [client, contactId]);

  const enrich = useEnrich({
    client,
    contactId,
    newRequestId: props.newRequestId ?? defaultRequestId,
    pollIntervalMs: props.pollIntervalMs ?? POLL_INTERVAL_MS,
    maxWaitMs: props.maxWaitMs ?? MAX_WAIT_MS,
    onDone: () => {
      actions.refreshObjectProperties();
      card.reload();
    },
    onGiveUp: () => card.reload(),
  });

  // A run started elsewhere (a workflow, another tab) and still in flight: follow it.
  const lastRun = card.data?.lastRun ?? null;
  const { running, track } = enrich;
  useEffect(() => {
    if (lastRun && lastRun.state !== 'done' && !running) track(lastRun.id);
  }, [lastRun, running, track]);

  if (card.error) return <LoadError title="Couldn't load Cascade" error={card.error} onRetry={card.reload} />;
  if (!card.data) return <LoadingSpinner label="Loading enrichment status" showLabel layout="centered" />;

  const view = card.data;
  if (!view.installed) return <NotInstalled installUrl={view.installUrl} />;
  const names = view.vendorNames ?? {};
  const vendorName = (id: string) => names[id] ?? humanize(id);
  const noKeys = view.keysConfigured === 0;
  const disabled = noKeys || enrich.running;

  return (
    <Flex direction="column" gap="sm">
      {noKeys && <NoKeysNotice />}
      <CapsReachedNotice caps={view.capsReached} vendorName={vendorName} />
      <RunSummary run={lastRun} vendorName={vendorName} />
      {enrich.running && (
        <ProgressBar
          testId="run-progress"
          title="Enriching…"
          value={enrich.progress?.done ?? 0}
          maxValue={Math.max(enrich.progress?.total ?? 0, 1)}
          valueDescription={
            enrich.progress && enrich.progress.total > 0
              ? `${enrich.progress.done} of ${enrich.progress.total} steps`
              : 'Planning the waterfall…'
          }
          variant="success"
        />
      )}
      {enrich.notice && (
        <Alert title={enrich.notice.title} variant={enrich.notice.variant} testId="enrich-notice">
          {enrich.notice.message}
        </Alert>
      )}
      <ButtonRow>
        <Button variant="primary" disabled={disabled} onClick={() => enrich.start(false)} testId="enrich">
          Enrich now
        </Button>
        <Button disabled={disabled} onClick={() => enrich.start(true)} testId="force-refresh">
          Force refresh
        </Button>
      </ButtonRow>
      <Divider />
      <SpendToday spend={view.spendToday} />
    </Flex>
  );
}
