// The settings page's dashboard over real HTTP: the pre-flight estimate (exact on a known waterfall
// with known prices and no history; never more expected than the worst case), usage after real runs
// (spend per vendor per day is what the ledger billed; a cached re-enrichment saves money), and the
// audit log's pages (every event exactly once, filters applied, new events never shift a page).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { generateContacts } from '../../sandbox/world.ts';
import { PORTAL, crmProps, eventually, installed, uiFetch } from '../helpers/hubspot.ts';
import type { Installed, UiCall } from '../helpers/hubspot.ts';
import { backend } from '../helpers/env.ts';
import { recordAudit } from '../../server/enrichment/audit.ts';
import { setCaps } from '../../server/enrichment/spend.ts';
import type { ApiError, AuditPage, EnrichAccepted, EstimateView, RunView, UsageView } from '../../extensions/src/api/contract.ts';

const people = generateContacts(60, 10, 'ui-dashboard').filter((c) => c.email && c.firstName && c.lastName);
const COSTS = {
  'apollo.people_match': 2000,
  'hunter.email_finder': 1500,
  'hunter.people_find': 700,
  'apollo.organization_enrich': 1100,
  'hunter.companies_find': 900,
};

let t: Installed;
let contacts: string[];
let user: string;

beforeAll(async () => {
  t = await installed({ contacts: people.slice(0, 8).map(crmProps), settings: { costs_mc: COSTS } });
  contacts = t.hs.contacts(PORTAL).map((c) => c.id);
  user = String(t.hs.addUser(PORTAL).id);
});
afterAll(async () => {
  await t?.close();
});

const ui = <T>(call: UiCall) => uiFetch<T>(t.url, call);
const q = (extra: Record<string, string | number> = {}) => ({ portalId: PORTAL, userId: user, ...extra });
const estimate = (body: unknown) => ui<EstimateView | ApiError>({ method: 'POST', path: '/ui/estimate', query: q(), body });
const usage = (range: Record<string, string>) => ui<UsageView | ApiError>({ path: '/ui/usage', query: q(range) });
const audit = (params: Record<string, string | number>) => ui<AuditPage | ApiError>({ path: '/ui/audit', query: q(params) });

async function enrichAndWait(contactId: string, groups = ['email', 'person', 'company']): Promise<RunView> {
  const r = await ui<EnrichAccepted>({ method: 'POST', path: '/ui/card/enrich', query: q({ contactId }), body: { force: false, requestId: randomUUID(), groups } });
  expect(r.status).toBe(202);
  let view: RunView | null = null;
  await eventually(async () => {
    view = (await ui<RunView>({ path: `/ui/runs/${r.body.runId}`, query: q() })).body;
    return view.state === 'done';
  }, 'run done');
  return view!;
}

const dayOf = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
const shift = (days: number) => dayOf(new Date(Date.now() + days * 86_400_000));

describe(`UI dashboard API (${backend})`, () => {
  it('estimates a known waterfall exactly before any history: 0.5 hit rates, pay-on-hit billing', async () => {
    const ops = t.cascade.deps.adapters;
    // The prices and rules the hand computation below assumes.
    for (const [vendor, op] of [['apollo', 'people_match'], ['hunter', 'email_finder'], ['hunter', 'people_find']] as const) {
      expect(ops.get(vendor)!.operations[op]!.billing.chargesOnMiss).toBe(false);
    }
    const email = (await estimate({ contacts: 1000, groups: ['email'] })).body as EstimateView;
    // Every contact: apollo 2 ¢ + hunter 1.5 ¢.
    expect(email.maxCents).toBe(3500);
    // apollo asked for all 1000, billed on the half it finds; hunter asked for the 500 apollo missed, billed on half.
    expect(email.expectedCents).toBe(1000 + 375);
    expect(email.basis).toEqual({ cacheHitRate: 0, historyRuns: 0 });
    expect(email.capRemainingCents).toBeNull();
    expect(email.seconds).toBeGreaterThan(0);

    const both = (await estimate({ contacts: 1000, groups: ['email', 'person'] })).body as EstimateView;
    // apollo.people_match serves both groups and is one lookup: counted once.
    expect(both.maxCents).toBe(2000 + 1500 + 700);
    expect(both.expectedCents).toBe(1000 + 375 + 175);
    expect(both.perVendor.sort((a, b) => a.vendor.localeCompare(b.vendor))).toEqual([
      { vendor: 'apollo', maxCents: 2000, expectedCents: 1000, expectedCalls: 1000 },
      { vendor: 'hunter', maxCents: 2200, expectedCents: 550, expectedCalls: 1000 },
    ]);

    const bad = (await estimate({ contacts: 0, groups: [] })).body as ApiError;
    expect(bad.problems?.map((p) => p.field).sort()).toEqual(['contacts', 'groups']);
  });

  it('usage after real runs: spend per vendor per day is what the ledger billed; a cached re-enrichment saves money', async () => {
    for (const c of contacts.slice(0, 6)) await enrichAndWait(c);
    // The same contacts again: the answers come from the cache, free.
    const again = await enrichAndWait(contacts[0]!);
    expect(again.steps.some((s) => s.source === 'cache')).toBe(true);
    await enrichAndWait(contacts[1]!);

    const r = await usage({ from: shift(-1), to: shift(1) });
    expect(r.status).toBe(200);
    const view = r.body as UsageView;
    const steps = await t.tdb.db.knex('run_steps').where({ portal_id: PORTAL }).select('vendor', 'created_at', 'cost_mc', 'billed', 'source', 'http_calls', 'outcome');
    const billed = new Map<string, number>();
    for (const s of steps) if (s.billed) billed.set(`${dayOf(s.created_at)}|${s.vendor}`, (billed.get(`${dayOf(s.created_at)}|${s.vendor}`) ?? 0) + Number(s.cost_mc));
    const expected = [...billed.entries()].map(([k, mc]) => ({ day: k.split('|')[0], vendor: k.split('|')[1], cents: Math.round(mc / 1000) }));
    expect(view.spendByDay.filter((d) => d.cents > 0).sort((a, b) => a.vendor.localeCompare(b.vendor))).toEqual(expected.sort((a, b) => a.vendor!.localeCompare(b.vendor!)));
    expect(view.totals.spentCents).toBe(Math.round(steps.filter((s) => s.billed).reduce((a, s) => a + Number(s.cost_mc), 0) / 1000));
    expect(view.totals.spentCents).toBeGreaterThan(0);
    expect(view.totals.runs).toBe(8);
    expect(view.totals.savedCents).toBeGreaterThan(0);
    expect(view.totals.cacheHitRate).toBeGreaterThan(0);
    expect(view.cacheByDay).toHaveLength(3);
    expect(view.cacheByDay.reduce((a, d) => a + d.savedCents, 0)).toBe(view.totals.savedCents);
    const apollo = view.vendors.find((v) => v.vendor === 'apollo')!;
    expect(apollo.calls).toBe(steps.filter((s) => s.vendor === 'apollo' && s.source === 'vendor' && s.http_calls > 0).length);
    expect(apollo.cacheHits).toBe(steps.filter((s) => s.vendor === 'apollo' && s.source === 'cache').length);
    expect(apollo.hits).toBeLessThanOrEqual(apollo.calls);

    const runs = await t.tdb.db.knex('enrichment_runs').where({ portal_id: PORTAL, state: 'done' }).select('summary');
    const email = view.coverage.find((c) => c.field === 'work_email')!;
    expect(email.asked).toBe(runs.length);
    expect(email.filled).toBe(runs.filter((x) => (x.summary.fieldsFilled as string[]).includes('work_email')).length);
    expect(email.rate).toBeCloseTo(email.filled / email.asked, 10);
    // Nothing ran before yesterday.
    const past = (await usage({ from: shift(-40), to: shift(-2) })).body as UsageView;
    expect(past.totals).toEqual({ runs: 0, spentCents: 0, savedCents: 0, cacheHitRate: 0 });
    expect(past.spendByDay).toEqual([]);
  });

  it('refuses a usage range over 92 days or upside down, naming query.to', async () => {
    const long = (await usage({ from: shift(-100), to: shift(0) })).body as ApiError;
    expect([long.error, long.field]).toEqual(['invalid_query', 'query.to']);
    expect(((await usage({ from: shift(0), to: shift(-3) })).body as ApiError).field).toBe('query.to');
    expect(((await usage({ from: '2026-02-30', to: shift(0) })).body as ApiError).field).toBe('query.from');
    expect((await usage({ from: shift(-91), to: shift(0) })).status).toBe(200);
  });

  it('estimates from this portal\'s history afterwards: never more expected than the worst case; the daily cap bounds it', async () => {
    const withHistory = (await estimate({ contacts: 500, groups: ['email', 'person', 'company'] })).body as EstimateView;
    expect(withHistory.basis.historyRuns).toBe(8);
    expect(withHistory.basis.cacheHitRate).toBeGreaterThan(0);
    expect(withHistory.maxCents).toBe(500 * (2000 + 1500 + 700 + 1100 + 900) / 1000);
    expect(withHistory.expectedCents).toBeLessThanOrEqual(withHistory.maxCents);
    for (const v of withHistory.perVendor) expect(v.expectedCents).toBeLessThanOrEqual(v.maxCents);

    await setCaps(t.tdb.db.knex, PORTAL, [{ scope: 'total', period: 'day', capCents: 10_000 }]);
    const spent = ((await usage({ from: shift(0), to: shift(0) })).body as UsageView).totals.spentCents;
    const capped = (await estimate({ contacts: 500, groups: ['email'] })).body as EstimateView;
    expect(Math.abs(capped.capRemainingCents! - (10_000 - spent))).toBeLessThanOrEqual(1);
  });

  it('pages the audit log newest first, every event exactly once, with filters, while new events arrive', async () => {
    const all = (await t.tdb.db.knex('audit_events').where({ portal_id: PORTAL }).orderBy('id', 'desc').select('id', 'type', 'contact_id')).map((e) => ({ ...e, id: String(e.id) }));
    expect(all.length).toBeGreaterThan(8);
    const collect = async (params: Record<string, string | number>, insertAfterFirst = false) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const r = await audit({ ...params, ...(cursor ? { cursor } : {}) });
        expect(r.status).toBe(200);
        const page = r.body as AuditPage;
        for (const e of page.events) {
          expect(e.summary.length).toBeGreaterThan(3);
          ids.push(e.id);
        }
        if (insertAfterFirst && pages === 0) await recordAudit(t.tdb.db.knex, { portalId: PORTAL, type: 'settings.policy_changed', detail: { userId: user, changes: {} } });
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return ids;
    };
    expect(await collect({ limit: 3 }, true)).toEqual(all.map((e) => e.id));

    const runEvents = all.filter((e) => e.type === 'run.finished');
    expect(await collect({ limit: 2, type: 'run.finished' })).toEqual(runEvents.map((e) => e.id));
    const forContact = all.filter((e) => e.contact_id === contacts[0]);
    expect(forContact.length).toBe(2);
    expect(await collect({ limit: 1, contactId: contacts[0]! })).toEqual(forContact.map((e) => e.id));
    expect(await collect({ from: shift(1) })).toEqual([]);
    expect((await collect({ from: shift(0), to: shift(0), limit: 100 })).length).toBe(all.length + 1);

    const first = (await audit({ limit: 5 })).body as AuditPage;
    expect(first.types).toEqual(expect.arrayContaining(['app.installed', 'run.finished', 'settings.policy_changed']));
    const run = first.events.find((e) => e.type === 'run.finished') ?? ((await audit({ type: 'run.finished', limit: 1 })).body as AuditPage).events[0]!;
    expect(run.summary).toMatch(/^Enrichment /);
    expect(run.runId).not.toBeNull();

    expect(((await audit({ limit: 101 })).body as ApiError).field).toBe('query.limit');
    expect(((await audit({ cursor: 'abc' })).body as ApiError).field).toBe('query.cursor');
  });
});
