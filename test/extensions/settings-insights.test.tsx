import {
  Alert,
  BarChart,
  Button,
  EmptyState,
  ErrorState,
  Input,
  LineChart,
  MultiSelect,
  NumberInput,
  Select,
  StatisticsItem,
  Table,
  TableBody,
  TableRow,
} from '@hubspot/ui-extensions';
import type { RenderedElementNode } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EstimateView } from '../../extensions/src/api/contract.ts';
import { fire, textOf } from './helpers.tsx';
import { auditPage, usageView } from './fixtures.ts';
import { IDS, openSettings, settingsBackend } from './settings-setup.tsx';
import type { SettingsRenderer } from './settings-setup.tsx';

afterEach(() => {
  vi.restoreAllMocks();
});

function rows(table: Pick<RenderedElementNode, 'find'>): string[][] {
  return table
    .find(TableBody)
    .findAll(TableRow)
    .map((row) => row.childNodes.map((c) => (c.nodeType === 'element' ? textOf(c) : c.text)));
}

const stats = (r: SettingsRenderer) => Object.fromEntries(r.findAll(StatisticsItem).map((s) => [s.props.label, s.props.number]));

describe('Usage', () => {
  it('loads the last 30 days and shows totals, charts and tables', async () => {
    const api = settingsBackend().on('GET', '/ui/usage', { body: usageView() });
    const r = await openSettings('usage');
    await r.waitFor(() => r.find(BarChart));
    expect(api.to('GET', '/ui/usage')[0]!.query).toEqual({ ...IDS, from: '2025-02-03', to: '2025-03-04' });
    expect(stats(r)).toEqual({ 'Total spend': '$12.34', 'Saved by the cache': '$4.56', 'Cache hit rate': '25.0%', Runs: 40 });

    const bar = r.find(BarChart).props;
    expect(bar.data).toEqual([
      { day: '2025-03-03', vendor: 'Apollo', dollars: 3 },
      { day: '2025-03-03', vendor: 'People Data Labs', dollars: 2.8 },
      { day: '2025-03-04', vendor: 'Apollo', dollars: 6.54 },
    ]);
    expect(bar.axes).toMatchObject({
      x: { field: 'day', fieldType: 'category' },
      y: { field: 'dollars', fieldType: 'linear' },
      options: { groupFieldByColor: 'vendor', stacking: true },
    });
    const line = r.find(LineChart).props;
    expect(line.data).toEqual([
      { day: '2025-03-03', hitRate: 20 },
      { day: '2025-03-04', hitRate: 30 },
    ]);
    expect(line.axes).toMatchObject({ x: { field: 'day' }, y: { field: 'hitRate', fieldType: 'linear' } });

    expect(rows(r.findByTestId(Table, 'usage-vendors'))).toEqual([
      ['Apollo', '30', '24', '80%', '10', '$9.54'],
      ['People Data Labs', '10', '5', '50%', '0', '$2.80'],
    ]);
    expect(rows(r.findByTestId(Table, 'usage-coverage'))).toEqual([
      ['Job title', '30', '40', '75%'],
      ['Company name', '20', '40', '50%'],
    ]);
  });

  it('reloads for another period', async () => {
    const api = settingsBackend().on('GET', '/ui/usage', { body: usageView() });
    const r = await openSettings('usage');
    await r.waitFor(() => r.find(BarChart));
    fire(r.findByTestId(Select, 'usage-range'), 'onChange', 7);
    await r.waitFor(() => expect(api.to('GET', '/ui/usage')).toHaveLength(2));
    expect(api.to('GET', '/ui/usage')[1]!.query).toMatchObject({ from: '2025-02-26', to: '2025-03-04' });
  });

  it('says when there was no enrichment in the period', async () => {
    settingsBackend().on('GET', '/ui/usage', {
      body: usageView({ totals: { runs: 0, spentCents: 0, savedCents: 0, cacheHitRate: 0 }, spendByDay: [], cacheByDay: [], vendors: [], coverage: [] }),
    });
    const r = await openSettings('usage');
    await r.waitFor(() => r.findByTestId(EmptyState, 'usage-empty'));
    expect(r.maybeFind(BarChart)).toBeNull();
  });

  it('shows a failed load with a retry', async () => {
    settingsBackend().on('GET', '/ui/usage', { status: 400, body: { error: 'invalid_query', message: 'query.to: the range may span at most 92 days' } });
    const r = await openSettings('usage');
    await r.waitFor(() => expect(textOf(r.find(ErrorState))).toContain('at most 92 days'));
  });

  it('is not fetched until its tab is opened', async () => {
    const api = settingsBackend().on('GET', '/ui/usage', { body: usageView() });
    await openSettings('keys');
    expect(api.to('GET', '/ui/usage')).toHaveLength(0);
    expect(api.to('GET', '/ui/audit')).toHaveLength(0);
  });
});

describe('Audit log', () => {
  const summaries = (r: SettingsRenderer) => rows(r.findByTestId(Table, 'audit-table')).map((row) => row[3]);

  it('pages forward and back with the cursor', async () => {
    const api = settingsBackend().on('GET', '/ui/audit', (req) => {
      const c = req.query.cursor;
      return { body: c === undefined ? auditPage(2, 'p1', 'c1') : c === 'c1' ? auditPage(2, 'p2', 'c2') : auditPage(1, 'p3', null) };
    });
    const r = await openSettings('audit');
    await r.waitFor(() => expect(summaries(r)).toEqual(['p1 event 0', 'p1 event 1']));
    expect(api.to('GET', '/ui/audit')[0]!.query).toEqual({ ...IDS, limit: '25' });
    expect(rows(r.findByTestId(Table, 'audit-table'))[0]).toEqual(['2025-03-04 13:05 UTC', 'Run: finished', '100', 'p1 event 0']);
    expect(r.findByTestId(Button, 'audit-previous').props.disabled).toBe(true);

    r.findByTestId(Button, 'audit-next').trigger('onClick');
    await r.waitFor(() => expect(summaries(r)).toEqual(['p2 event 0', 'p2 event 1']));
    r.findByTestId(Button, 'audit-next').trigger('onClick');
    await r.waitFor(() => expect(summaries(r)).toEqual(['p3 event 0']));
    expect(r.findByTestId(Button, 'audit-next').props.disabled).toBe(true);

    r.findByTestId(Button, 'audit-previous').trigger('onClick');
    await r.waitFor(() => expect(summaries(r)).toEqual(['p2 event 0', 'p2 event 1']));
    r.findByTestId(Button, 'audit-previous').trigger('onClick');
    await r.waitFor(() => expect(summaries(r)).toEqual(['p1 event 0', 'p1 event 1']));
    expect(r.findByTestId(Button, 'audit-previous').props.disabled).toBe(true);
    expect(api.to('GET', '/ui/audit').map((c) => c.query.cursor ?? null)).toEqual([null, 'c1', 'c2', 'c1', null]);
  });

  it('filters by type and contact, starting again from the first page', async () => {
    const api = settingsBackend().on('GET', '/ui/audit', (req) => ({
      body: req.query.cursor ? auditPage(1, 'older', null) : auditPage(1, `t=${req.query.type ?? ''} c=${req.query.contactId ?? ''}`, 'c1'),
    }));
    const r = await openSettings('audit');
    await r.waitFor(() => r.findByTestId(Table, 'audit-table'));
    expect(r.findByTestId(Select, 'audit-type').props.options).toEqual([
      { label: 'All types', value: '' },
      { label: 'Run: finished', value: 'run.finished' },
      { label: 'Settings: caps changed', value: 'settings.caps_changed' },
      { label: 'Settings: key saved', value: 'settings.key_saved' },
    ]);
    r.findByTestId(Button, 'audit-next').trigger('onClick');
    await r.waitFor(() => expect(summaries(r)).toEqual(['older event 0']));

    fire(r.findByTestId(Select, 'audit-type'), 'onChange', 'settings.caps_changed');
    await r.waitFor(() => expect(summaries(r)).toEqual(['t=settings.caps_changed c= event 0']));
    expect(api.to('GET', '/ui/audit').at(-1)!.query).toEqual({ ...IDS, limit: '25', type: 'settings.caps_changed' });

    fire(r.findByTestId(Input, 'audit-contact'), 'onChange', ' 42 ');
    await r.waitFor(() => expect(summaries(r)).toEqual(['t=settings.caps_changed c=42 event 0']));
    expect(api.to('GET', '/ui/audit').at(-1)!.query).toEqual({ ...IDS, limit: '25', type: 'settings.caps_changed', contactId: '42' });

    const before = api.to('GET', '/ui/audit').length;
    fire(r.findByTestId(Input, 'audit-contact'), 'onChange', 'bob');
    expect(r.findByTestId(Input, 'audit-contact').props).toMatchObject({ error: true, validationMessage: 'A contact id is a number, e.g. 12345.' });
    await r.waitFor(() => r.findByTestId(EmptyState, 'audit-empty'));
    expect(api.to('GET', '/ui/audit')).toHaveLength(before);
  });

  it('says when there are no events', async () => {
    settingsBackend().on('GET', '/ui/audit', { body: auditPage(0, 'none', null, { types: [] }) });
    const r = await openSettings('audit');
    await r.waitFor(() => r.findByTestId(EmptyState, 'audit-empty'));
    expect(r.findByTestId(Button, 'audit-next').props.disabled).toBe(true);
  });
});

describe('Estimate', () => {
  const estimate: EstimateView = {
    contacts: 5000,
    groups: ['email', 'person'],
    maxCents: 150000,
    expectedCents: 42000.5,
    perVendor: [
      { vendor: 'apollo', maxCents: 5000, expectedCents: 4000, expectedCalls: 4000 },
      { vendor: 'pdl', maxCents: 145000, expectedCents: 38000.5, expectedCalls: 1357.2 },
    ],
    capRemainingCents: 4877,
    seconds: 5400,
    basis: { cacheHitRate: 0.25, historyRuns: 40 },
  };

  it('posts the contacts and groups and shows cost, duration, cap and per-vendor breakdown', async () => {
    const api = settingsBackend().on('POST', '/ui/estimate', { body: estimate });
    const r = await openSettings('estimate');
    await r.waitFor(() => r.findByTestId(Button, 'estimate-run'));
    expect(r.findByTestId(MultiSelect, 'estimate-groups').props.value).toEqual(['email', 'person', 'company']);
    fire(r.findByTestId(NumberInput, 'estimate-contacts'), 'onChange', 5000);
    fire(r.findByTestId(MultiSelect, 'estimate-groups'), 'onChange', ['email', 'person']);
    r.findByTestId(Button, 'estimate-run').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Table, 'estimate-vendors'));
    expect(api.to('POST', '/ui/estimate')).toEqual([
      { method: 'POST', path: '/ui/estimate', query: IDS, timeout: 10_000, body: { contacts: 5000, groups: ['email', 'person'] } },
    ]);
    expect(stats(r)).toEqual({ 'Expected cost': '$420.005', 'Worst case': '$1,500.00', 'Time at vendor rate limits': '1 h 30 min' });
    expect(rows(r.findByTestId(Table, 'estimate-vendors'))).toEqual([
      ['Apollo', '4000', '$40.00', '$50.00'],
      ['People Data Labs', '1357', '$380.005', '$1,450.00'],
    ]);
    expect(r.findByTestId(Alert, 'estimate-cap').props.variant).toBe('warning');
    expect(r.findByTestId(Alert, 'estimate-cap').text).toContain("$48.77 is left under today's total cap");
  });

  it('shows a field problem next to the contacts input, and is available to non-admins', async () => {
    const api = settingsBackend({ isAdmin: false }).on('POST', '/ui/estimate', {
      status: 400,
      body: { error: 'invalid_body', message: 'contacts: must be at most 1,000,000', field: 'contacts', problems: [{ field: 'contacts', message: 'must be at most 1,000,000' }] },
    });
    const r = await openSettings('estimate');
    await r.waitFor(() => r.findByTestId(Button, 'estimate-run'));
    fire(r.findByTestId(NumberInput, 'estimate-contacts'), 'onChange', 2_000_000);
    r.findByTestId(Button, 'estimate-run').trigger('onClick');
    await r.waitFor(() => expect(r.findByTestId(NumberInput, 'estimate-contacts').props.error).toBe(true));
    expect(r.findByTestId(NumberInput, 'estimate-contacts').props.validationMessage).toBe('must be at most 1,000,000');
    expect(r.findByTestId(Alert, 'estimate-error').text).toBe('contacts: must be at most 1,000,000');
    expect(api.to('POST', '/ui/estimate')).toHaveLength(1);
  });
});
