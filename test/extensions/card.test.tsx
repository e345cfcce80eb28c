import { Alert, Button, EmptyState, ErrorState, hubspot, LoadingSpinner, ProgressBar, StatusTag, Text } from '@hubspot/ui-extensions';
import type { ExtensionPointApi } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnrichCard } from '@cascade/extensions/card';
import type { RunView } from '../../extensions/src/api/contract.ts';
import { advance, BACKEND, dumpTree, fakeBackend, textOf } from './helpers.tsx';
import type { FakeBackend } from './helpers.tsx';
import { cardView, runView } from './fixtures.ts';

// The mock context of 'crm.record.sidebar': portal 123, user 1, contact 123.
const Q = { portalId: '123', userId: '1', contactId: '123' };

function setup(api: FakeBackend, extra: Partial<Parameters<typeof EnrichCard>[0]> = {}) {
  const r = createRenderer('crm.record.sidebar');
  let ids = 0;
  r.render(
    <EnrichCard
      backendUrl={BACKEND}
      context={r.mocks.context}
      actions={r.mocks.actions}
      newRequestId={() => `req-${++ids}`}
      {...extra}
    />,
  );
  return { r, api };
}

function texts(r: ReturnType<typeof createRenderer>): string {
  return dumpTree(r.getRootNode());
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('EnrichCard: entry compatibility', () => {
  it("accepts HubSpot's own context and actions from hubspot.extend<'crm.record.sidebar'> without casts", () => {
    // The entry file's exact shape: a type error here means the entry cannot compile.
    hubspot.extend<'crm.record.sidebar'>(({ context, actions }) => (
      <EnrichCard backendUrl={BACKEND} context={context} actions={actions} />
    ));
    const render = (api: ExtensionPointApi<'crm.record.sidebar'>) => (
      <EnrichCard backendUrl={BACKEND} context={api.context} actions={api.actions} />
    );
    expect(typeof render).toBe('function');
  });
});

describe('EnrichCard: loading, error, empty', () => {
  it('shows a spinner while the card loads, asking for this portal, user and contact', async () => {
    const api = fakeBackend().on('GET', '/ui/card', () => new Promise(() => {}));
    const { r } = setup(api);
    expect(r.find(LoadingSpinner).props.label).toBe('Loading enrichment status');
    await vi.waitFor(() => expect(api.calls).toHaveLength(1));
    expect(api.calls[0]).toMatchObject({ method: 'GET', path: '/ui/card', query: Q, timeout: 10_000 });
  });

  it("shows the backend's message and retries on request", async () => {
    let fail = true;
    const api = fakeBackend().on('GET', '/ui/card', () =>
      fail ? { status: 503, body: { error: 'unavailable', message: 'Cascade is restarting; try again in a minute.' } } : { body: cardView() },
    );
    const { r } = setup(api);
    await r.waitFor(() => expect(textOf(r.find(ErrorState))).toContain('Cascade is restarting; try again in a minute.'));
    fail = false;
    r.findByTestId(Button, 'retry').trigger('onClick');
    await r.waitFor(() => expect(r.find(StatusTag).text).toBe('Enriched'));
    expect(api.to('GET', '/ui/card')).toHaveLength(2);
  });

  it('explains a non-JSON failure (a proxy error page) in plain words', async () => {
    const api = fakeBackend().on('GET', '/ui/card', { status: 502, body: undefined });
    const { r } = setup(api);
    await r.waitFor(() => expect(textOf(r.find(ErrorState))).toContain('The Cascade backend failed (HTTP 502)'));
  });

  it('says when the app is not installed and links to the install page', async () => {
    const api = fakeBackend().on('GET', '/ui/card', { body: cardView({ installed: false, lastRun: null }) });
    const { r } = setup(api);
    await r.waitFor(() => expect(r.maybeFind(EmptyState)).not.toBeNull());
    expect(textOf(r.find(EmptyState))).toContain('ask one of your account');
    expect(r.findByTestId(Button, 'install').props.href).toEqual({ url: 'https://cascade.example.com/oauth/install', external: true });
    expect(r.maybeFindByTestId(Button, 'enrich')).toBeNull();
  });

  it('says a contact was never enriched and shows spend without a cap', async () => {
    const api = fakeBackend().on('GET', '/ui/card', { body: cardView({ lastRun: null, spendToday: { spentCents: 0.5, capCents: null } }) });
    const { r } = setup(api);
    await r.waitFor(() => expect(r.findByTestId(Text, 'never-enriched').text).toBe('This contact has not been enriched yet.'));
    expect(r.findByTestId(Text, 'spend-today').text).toBe('$0.005 spent today (no daily cap set)');
    expect(r.findByTestId(Button, 'enrich').props.disabled).toBe(false);
  });
});

describe('EnrichCard: the last run', () => {
  it('shows status, date, cost, and each field with its vendor, confidence and what was written', async () => {
    const api = fakeBackend().on('GET', '/ui/card', { body: cardView() });
    const { r } = setup(api);
    await r.waitFor(() => expect(r.find(StatusTag).text).toBe('Enriched'));
    expect(r.find(StatusTag).props.variant).toBe('success');
    expect(r.findByTestId(Text, 'run-meta').text).toBe('2025-03-04 13:05 UTC · cost $0.12 · via card');
    const t = texts(r);
    expect(t).toContain('Job title');
    expect(t).toContain('Head of Growth');
    expect(t).toContain('Apollo · 92% confidence · written');
    expect(t).toContain("People Data Labs · 80% confidence · kept the contact's own value");
    const bar = r.findByTestId(ProgressBar, 'spend-today');
    expect(bar.props.valueDescription).toBe('$1.23 of $50.00 today');
    expect(bar.props.variant).toBe('success');
  });

  it('warns when no vendor keys are configured and disables enrichment', async () => {
    const api = fakeBackend().on('GET', '/ui/card', { body: cardView({ keysConfigured: 0, lastRun: null }) });
    const { r } = setup(api);
    await r.waitFor(() => expect(r.findByTestId(Alert, 'no-keys').props.title).toBe('No vendor keys configured'));
    expect(r.findByTestId(Alert, 'no-keys').text).toContain('Vendor keys');
    expect(r.findByTestId(Button, 'enrich').props.disabled).toBe(true);
    expect(r.findByTestId(Button, 'force-refresh').props.disabled).toBe(true);
  });

  it('names each cap reached with its period and amount, and still allows enriching', async () => {
    const api = fakeBackend().on('GET', '/ui/card', {
      body: cardView({
        spendToday: { spentCents: 5000, capCents: 5000 },
        capsReached: [
          { scope: 'apollo', period: 'month', capCents: 10000 },
          { scope: 'total', period: 'day', capCents: 5000 },
        ],
      }),
    });
    const { r } = setup(api);
    await r.waitFor(() => expect(r.maybeFindByTestId(Alert, 'caps-reached')).not.toBeNull());
    const alert = textOf(r.findByTestId(Alert, 'caps-reached'));
    expect(alert).toContain('Apollo monthly cap of $100.00 reached this month.');
    expect(alert).toContain('Total daily cap of $50.00 reached today.');
    expect(alert).toContain('only use cached results');
    expect(r.findByTestId(Button, 'enrich').props.disabled).toBe(false);
    expect(r.findByTestId(ProgressBar, 'spend-today').props.variant).toBe('danger');
  });

  it('explains a suppressed contact and shows no fields', async () => {
    const api = fakeBackend().on('GET', '/ui/card', {
      body: cardView({ lastRun: runView({ status: 'suppressed', errorCode: 'SUPPRESSED' }) }),
    });
    const { r } = setup(api);
    await r.waitFor(() => expect(r.find(StatusTag).text).toBe('Suppressed'));
    expect(r.findByTestId(Alert, 'suppressed').text).toContain('asked not to be processed');
    expect(texts(r)).not.toContain('Head of Growth');
  });

  it('lists vendor errors (rejected key, no credits, timeouts) but not plain misses', async () => {
    const step = runView().steps[0]!;
    const api = fakeBackend().on('GET', '/ui/card', {
      body: cardView({
        lastRun: runView({
          status: 'failed',
          errorCode: 'VENDOR_ERROR',
          fields: [],
          steps: [
            { ...step, vendor: 'apollo', outcome: 'auth_failed' },
            { ...step, vendor: 'pdl', outcome: 'quota_exhausted' },
            { ...step, vendor: 'hunter', state: 'skipped', outcome: null, skipReason: 'error' },
            { ...step, vendor: 'clearbit', outcome: 'miss' },
          ],
        }),
      }),
    });
    const { r } = setup(api);
    await r.waitFor(() => expect(r.find(StatusTag).props.variant).toBe('danger'));
    const errors = r.findByTestId(Alert, 'vendor-errors');
    expect(errors.findAll(Text).map((t) => t.text)).toEqual([
      'Apollo rejected the API key. An admin should check or replace it in Settings → Vendor keys.',
      'People Data Labs has no credits left on your plan with them.',
      'Hunter failed with an unexpected error.',
    ]);
  });
});

describe('EnrichCard: enrich flow', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  function flowBackend(runs: RunView[], accepted = { runId: 'run-9', coalesced: false }) {
    let cardLoads = 0;
    let polls = 0;
    return fakeBackend()
      .on('GET', '/ui/card', () => {
        cardLoads++;
        return { body: cardView(cardLoads === 1 ? {} : { lastRun: runs[runs.length - 1]!, spendToday: { spentCents: 135, capCents: 5000 } }) };
      })
      .on('POST', '/ui/card/enrich', { status: 202, body: accepted })
      .on('GET', '/ui/runs/run-9', () => ({ body: runs[Math.min(polls++, runs.length - 1)] }));
  }

  const running = (done: number) =>
    runView({ id: 'run-9', state: 'running', status: null, finishedAt: null, progress: { done, total: 3 }, fields: [] });
  const finished = runView({
    id: 'run-9',
    status: 'partial',
    costCents: 40,
    fields: [{ field: 'phone', property: 'phone', value: '+1 555 0100', vendor: 'pdl', confidence: 0.7, action: 'write', reason: '' }],
  });

  it('posts, polls with a progress bar, then refreshes the record once and reloads the card', async () => {
    const api = flowBackend([running(1), running(2), finished]);
    const { r } = setup(api);
    await advance(0);
    expect(r.find(StatusTag).text).toBe('Enriched');

    r.findByTestId(Button, 'enrich').trigger('onClick');
    await advance(0);
    expect(api.to('POST', '/ui/card/enrich')).toEqual([
      { method: 'POST', path: '/ui/card/enrich', query: Q, body: { force: false, requestId: 'req-1' }, timeout: 10_000 },
    ]);
    expect(api.to('GET', '/ui/runs/run-9')[0]!.query).toEqual({ portalId: '123', userId: '1' });
    expect(r.findByTestId(ProgressBar, 'run-progress').props).toMatchObject({ value: 1, maxValue: 3, valueDescription: '1 of 3 steps' });
    expect(r.findByTestId(Button, 'enrich').props.disabled).toBe(true);
    expect(r.findByTestId(Button, 'force-refresh').props.disabled).toBe(true);

    await advance(1000);
    expect(r.findByTestId(ProgressBar, 'run-progress').props.value).toBe(2);
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(0);

    await advance(1000);
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(1);
    expect(r.maybeFindByTestId(ProgressBar, 'run-progress')).toBeNull();
    expect(api.to('GET', '/ui/card')).toHaveLength(2);
    expect(r.find(StatusTag).text).toBe('Partly enriched');
    expect(texts(r)).toContain('+1 555 0100');
    expect(r.findByTestId(ProgressBar, 'spend-today').props.valueDescription).toBe('$1.35 of $50.00 today');
    expect(r.findByTestId(Button, 'enrich').props.disabled).toBe(false);

    // Done means done: no more polling, no second refresh.
    await advance(5000);
    expect(api.to('GET', '/ui/runs/run-9')).toHaveLength(3);
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(1);
  });

  it('"Force refresh" asks for a forced run with a fresh request id each click', async () => {
    const api = flowBackend([finished]);
    const { r } = setup(api);
    await advance(0);
    r.findByTestId(Button, 'force-refresh').trigger('onClick');
    await advance(0);
    r.findByTestId(Button, 'enrich').trigger('onClick');
    await advance(0);
    expect(api.to('POST', '/ui/card/enrich').map((c) => c.body)).toEqual([
      { force: true, requestId: 'req-1' },
      { force: false, requestId: 'req-2' },
    ]);
  });

  it('says when a click joined a run already in flight', async () => {
    const api = flowBackend([running(0), finished], { runId: 'run-9', coalesced: true });
    const { r } = setup(api);
    await advance(0);
    r.findByTestId(Button, 'enrich').trigger('onClick');
    await advance(0);
    expect(r.findByTestId(Alert, 'enrich-notice').props.title).toBe('Already running');
    expect(r.findByTestId(Alert, 'enrich-notice').text).toContain('joined it');
    expect(r.findByTestId(ProgressBar, 'run-progress').props.valueDescription).toBe('0 of 3 steps');
    await advance(1000);
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(1);
  });

  it('shows why a run could not start and re-enables the buttons', async () => {
    const api = flowBackend([finished]).on('POST', '/ui/card/enrich', {
      status: 409,
      body: { error: 'no_keys', message: 'Add a vendor key in Settings first.' },
    });
    const { r } = setup(api);
    await advance(0);
    r.findByTestId(Button, 'enrich').trigger('onClick');
    await advance(0);
    expect(r.findByTestId(Alert, 'enrich-notice').text).toBe('Add a vendor key in Settings first.');
    expect(r.findByTestId(Button, 'enrich').props.disabled).toBe(false);
    expect(api.to('GET', '/ui/runs/run-9')).toHaveLength(0);
  });

  it('gives up watching after the maximum wait, says so, and stops polling', async () => {
    const api = flowBackend([running(1)]);
    const { r } = setup(api, { maxWaitMs: 120_000 });
    await advance(0);
    r.findByTestId(Button, 'enrich').trigger('onClick');
    await advance(119_000);
    expect(r.maybeFindByTestId(Alert, 'enrich-notice')).toBeNull();
    await advance(1_000);
    expect(r.findByTestId(Alert, 'enrich-notice').text).toContain('longer than 2 minutes');
    const polls = api.to('GET', '/ui/runs/run-9').length;
    expect(polls).toBe(121);
    await advance(10_000);
    expect(api.to('GET', '/ui/runs/run-9')).toHaveLength(polls);
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(0);
  });

  it('stops polling when the card goes away', async () => {
    const api = flowBackend([running(1)]);
    const r = createRenderer('crm.record.sidebar');
    function Host() {
      const [shown, setShown] = useState(true);
      return (
        <>
          <Button testId="hide" onClick={() => setShown(false)}>
            hide
          </Button>
          {shown && <EnrichCard backendUrl={BACKEND} context={r.mocks.context} actions={r.mocks.actions} />}
        </>
      );
    }
    r.render(<Host />);
    await advance(0);
    r.findByTestId(Button, 'enrich').trigger('onClick');
    await advance(3_000);
    const before = api.to('GET', '/ui/runs/run-9').length;
    expect(before).toBeGreaterThan(1);
    r.findByTestId(Button, 'hide').trigger('onClick');
    await advance(10_000);
    expect(api.to('GET', '/ui/runs/run-9').length).toBeLessThanOrEqual(before + 1);
    const after = api.to('GET', '/ui/runs/run-9').length;
    await advance(10_000);
    expect(api.to('GET', '/ui/runs/run-9')).toHaveLength(after);
  });

  it('follows a run found in flight (started by a workflow) to the end', async () => {
    let loads = 0;
    const api = fakeBackend()
      .on('GET', '/ui/card', () => ({ body: cardView({ lastRun: loads++ === 0 ? running(1) : finished }) }))
      .on('GET', '/ui/runs/run-9', { body: finished });
    const { r } = setup(api);
    await advance(0);
    expect(api.to('GET', '/ui/runs/run-9')).toHaveLength(1);
    expect(r.mocks.actions.refreshObjectProperties.callCount).toBe(1);
    expect(r.find(StatusTag).text).toBe('Partly enriched');
  });
});
