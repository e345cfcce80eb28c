// The catalog features of the engine against the simulators over HTTP: bulk coalescing, quota
// headers that tighten pacing, "Test connection", and the schema-drift report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APOLLO_KEY_A, contactProps, testCascade, waitForRuns } from '../helpers/env.ts';
import type { TestCascade } from '../helpers/env.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { runExclusive } from '../../server/jobs/cron.ts';
import { generateContacts, personByName } from '../../sandbox/world.ts';
import { createZerobounceSim } from '../../sandbox/vendors/zerobounce.ts';

const contacts = generateContacts(400, 40, 'catalog').filter((c) => c.email);
const more = generateContacts(100, 20, 'catalog-trouble').filter((c) => c.email);

function requestsTo(t: TestCascade, path: string) {
  return t.sims.apollo.state.requests.filter((r) => r.path.endsWith(path));
}

describe('bulk coalescing', () => {
  let t: TestCascade;
  beforeAll(async () => {
    t = await testCascade({ config: { VENDOR_BATCH_WINDOW_MS: '300' } });
    await saveSettings(t.tdb.db.knex, 1, { waterfall: { person: [{ vendor: 'apollo', operation: 'people_match' }] } });
    await t.cascade.startWorker(40);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('different contacts share bulk requests; each gets its own answer and is billed on its own', async () => {
    const batch = contacts.slice(0, 35);
    const runs = await Promise.all(
      batch.map((c, i) =>
        t.cascade.trigger({ portalId: 1, contactId: `bulk-${i}`, source: 'workflow', idempotencyKey: `bulk-${i}`, groups: ['person'], properties: contactProps(c) }),
      ),
    );
    await waitForRuns(t.tdb.db, runs.map((r) => r.runId));
    const bulk = requestsTo(t, '/people/bulk_match');
    const single = requestsTo(t, '/people/match');
    // 35 lookups in requests of at most 10: at least 4 requests, far fewer than 35.
    expect(bulk.length + single.length).toBeLessThanOrEqual(12);
    expect(bulk.length).toBeGreaterThanOrEqual(3);

    const steps = await t.tdb.db.knex('run_steps').where({ portal_id: 1, vendor: 'apollo' }).select('run_id', 'batch_id', 'batch_size', 'billed', 'outcome', 'result');
    expect(steps).toHaveLength(35);
    expect(steps.filter((s) => s.batch_id).length).toBeGreaterThanOrEqual(30);
    // Each contact got the person the world has for its own e-mail, never a batch neighbour's.
    for (const [i, c] of batch.entries()) {
      const run = runs[i]!;
      const step = steps.find((s) => s.run_id === run.runId)!;
      if (step.outcome !== 'hit') continue;
      const person = personByName(c.firstName, c.lastName, c.domain)!;
      expect(step.result.profile.last_name.value.toLowerCase()).toBe(person.lastName.toLowerCase());
    }
    // Billing stays per contact: the vendor's counter equals the ledger, nothing twice.
    const billing = t.sims.apollo.state.billing.snapshot();
    expect(billing.duplicates).toEqual([]);
    expect(billing.billedCalls).toBe(steps.filter((s) => s.billed).length);
  });
});

describe('batch trouble', () => {
  let t: TestCascade;
  beforeAll(async () => {
    t = await testCascade({ config: { VENDOR_BATCH_WINDOW_MS: '300' } });
    await saveSettings(t.tdb.db.knex, 1, { waterfall: { person: [{ vendor: 'apollo', operation: 'people_match' }] } });
    await t.cascade.startWorker(20);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('one failed bulk request is one failure for the circuit breaker, not one per contact', async () => {
    // The breaker opens after 5 failures; a batch of 10 that fails once must not open it.
    t.sims.apollo.state.faults.force('5xx');
    expect(more.length).toBeGreaterThanOrEqual(26);
    const runs = await Promise.all(
      more.slice(0, 10).map((c, i) =>
        t.cascade.trigger({ portalId: 1, contactId: `bt-${i}`, source: 'workflow', idempotencyKey: `bt-${i}`, groups: ['person'], properties: contactProps(c) }),
      ),
    );
    await waitForRuns(t.tdb.db, runs.map((r) => r.runId));
    const steps = await t.tdb.db.knex('run_steps').whereIn('run_id', runs.map((r) => r.runId)).select('state', 'skip_reason');
    expect(steps.filter((s) => s.skip_reason === 'circuit_open')).toEqual([]);
    expect(steps.every((s) => s.state === 'done')).toBe(true);
    expect(t.sims.apollo.state.faults.injected['5xx']).toBe(1);
  });
});

describe('a scarce bulk endpoint', () => {
  let t: TestCascade;
  let zb: Awaited<ReturnType<ReturnType<typeof createZerobounceSim>['start']>>;
  let sim: ReturnType<typeof createZerobounceSim>;
  beforeAll(async () => {
    // ZeroBounce allows one validatebatch a minute here, and 50,000 single validations per 10 s.
    sim = createZerobounceSim({ validKeys: ['zerobounce-portal-a-key-0001'], latencyMs: [2, 6], limits: { batch: 1, batchWindowMs: 60_000 } });
    zb = await sim.start();
    t = await testCascade({
      config: { ZEROBOUNCE_BASE_URL: `${zb.apiUrl}/v2`, ZEROBOUNCE_BULK_BASE_URL: `${zb.bulkUrl}/v2`, VENDOR_BATCH_WINDOW_MS: '300', STEP_WAIT_BUDGET_MS: '8000' },
    });
    await t.cascade.credentials.put(1, { vendor: 'zerobounce', apiKey: 'zerobounce-portal-a-key-0001' });
    await saveSettings(t.tdb.db.knex, 1, {
      waterfall: { email_verification: [{ vendor: 'zerobounce', operation: 'validate' }] },
      rate_limits: { 'zerobounce.validate_bulk': [{ limit: 1, windowMs: 60_000 }] },
    });
    await t.cascade.startWorker(10);
  });
  afterAll(async () => {
    await t?.close();
    await zb?.close();
  });

  it('does not hold steps for the next bulk window: they go out one by one, with no limit signal', async () => {
    const wave = (from: number, tag: string) =>
      Promise.all(
        more.slice(from, from + 3).map((c, i) =>
          t.cascade.trigger({ portalId: 1, contactId: `${tag}-${i}`, source: 'workflow', idempotencyKey: `${tag}-${i}`, groups: ['email_verification'], properties: contactProps(c) }),
        ),
      );
    const first = await wave(20, 'zb1');
    await waitForRuns(t.tdb.db, first.map((r) => r.runId));
    const second = await wave(23, 'zb2');
    await waitForRuns(t.tdb.db, second.map((r) => r.runId), 20_000);
    const steps = await t.tdb.db.knex('run_steps').whereIn('run_id', [...first, ...second].map((r) => r.runId)).select('state', 'skip_reason', 'batch_id');
    // Without the fallback the second wave would wait for the next minute and run out of budget.
    expect(steps.filter((s) => s.skip_reason === 'rate_limited')).toEqual([]);
    expect(steps.every((s) => s.state === 'done')).toBe(true);
    expect(sim.state.limitSignals).toBe(0);
    const paths = sim.state.requests.map((r) => r.path);
    const batches = paths.filter((p) => p.endsWith('/validatebatch')).length;
    const singles = paths.filter((p) => p.endsWith('/validate')).length;
    // The second wave went out one by one, unless a minute boundary gave it a batch of its own.
    expect((batches === 1 && singles >= 1) || batches === 2).toBe(true);
  });
});

describe('interactive runs', () => {
  let t: TestCascade;
  beforeAll(async () => {
    // A batch window far longer than the test: only a step that does not wait for it can finish.
    t = await testCascade({ config: { VENDOR_BATCH_WINDOW_MS: '10000' } });
    await saveSettings(t.tdb.db.knex, 1, { waterfall: { person: [{ vendor: 'apollo', operation: 'people_match' }] } });
    await t.cascade.startWorker(8);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("a card click goes out at once while workflow runs wait to share a bulk request", async () => {
    const [card, ...others] = contacts.slice(300, 304);
    const workflow = await Promise.all(
      others.map((c, i) => t.cascade.trigger({ portalId: 1, contactId: `wf-${i}`, source: 'workflow', idempotencyKey: `wf-${i}`, groups: ['person'], properties: contactProps(c!) })),
    );
    const clicked = await t.cascade.trigger({ portalId: 1, contactId: 'card-1', source: 'card', idempotencyKey: 'card-1', groups: ['person'], properties: contactProps(card!) });
    await waitForRuns(t.tdb.db, [clicked.runId], 8_000);
    const step = await t.tdb.db.knex('run_steps').where({ run_id: clicked.runId, vendor: 'apollo' }).first('batch_id', 'state');
    expect(step).toMatchObject({ batch_id: null, state: 'done' });
    expect(requestsTo(t, '/people/match').some((r) => (r.body as { email?: string }).email === card!.email)).toBe(true);
    // The workflow runs are still gathering for their shared request.
    const open = await t.tdb.db.knex('enrichment_runs').whereIn('id', workflow.map((w) => w.runId)).whereNot({ state: 'done' });
    expect(open).toHaveLength(3);
    await waitForRuns(t.tdb.db, workflow.map((w) => w.runId), 20_000);
    expect(requestsTo(t, '/people/bulk_match')).toHaveLength(1);
  });
});

describe('quota headers tighten the pacing', () => {
  let t: TestCascade;
  beforeAll(async () => {
    // The simulated key allows 3 people/match a minute; the portal's settings believe 200. One call
    // in flight at a time, no coalescing, a 2 s step budget.
    t = await testCascade({
      apollo: { rateLimits: { 'people/match': { minute: 3 } } },
      config: { VENDOR_BATCH_WINDOW_MS: '0', VENDOR_MAX_IN_FLIGHT: '1', STEP_WAIT_BUDGET_MS: '2000' },
    });
    await saveSettings(t.tdb.db.knex, 1, {
      waterfall: { person: [{ vendor: 'apollo', operation: 'people_match' }] },
      rate_limits: { 'apollo.people_match': [{ limit: 200, windowMs: 60_000 }] },
    });
    await t.cascade.startWorker(8);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("stops at what the vendor says is left instead of running into its 429", async () => {
    const runs = [];
    for (const [i, c] of contacts.slice(100, 106).entries()) {
      runs.push(await t.cascade.trigger({ portalId: 1, contactId: `q-${i}`, source: 'workflow', idempotencyKey: `q-${i}`, groups: ['person'], properties: contactProps(c) }));
    }
    await waitForRuns(t.tdb.db, runs.map((r) => r.runId));
    const calls = requestsTo(t, '/people/match');
    expect(calls.filter((r) => r.status === 429)).toEqual([]);
    expect(t.cascade.deps.gate.stats.blocks + t.cascade.deps.gate.stats.tightened).toBeGreaterThan(0);
    const skipped = await t.tdb.db.knex('run_steps').where({ portal_id: 1, skip_reason: 'rate_limited' }).count<{ n: string }[]>('* as n');
    // Unless a minute boundary fell inside the test, 3 were sent and 3 waited past their budget.
    const sent = calls.filter((r) => r.status === 200).length;
    expect(sent + Number(skipped[0]!.n)).toBe(6);
  });
});

describe('test connection and the drift report', () => {
  let t: TestCascade;
  beforeAll(async () => {
    t = await testCascade();
    await t.cascade.startWorker(4);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("proves the stored key, and refuses a wrong candidate key without echoing it", async () => {
    const ok = await t.cascade.testConnection(1, 'apollo');
    expect(ok).toMatchObject({ vendor: 'apollo', ok: true, status: 'ok' });
    const wrongKey = 'apollo-wrong-candidate-key-7777';
    const bad = await t.cascade.testConnection(1, 'apollo', wrongKey);
    expect(bad.ok).toBe(false);
    expect(bad.status).toBe('invalid_key');
    expect(JSON.stringify(bad)).not.toContain(wrongKey);
    const hunter = await t.cascade.testConnection(1, 'hunter');
    expect(hunter.ok).toBe(true);
    const none = await t.cascade.testConnection(1, 'pdl');
    expect(none).toMatchObject({ ok: false, status: 'invalid_key' });
    expect(none.message).toMatch(/No People Data Labs key/);
    await expect(t.cascade.testConnection(1, 'nobody')).rejects.toThrow(/unknown vendor "nobody"/);
    // Nothing was billed by any of it.
    expect(t.sims.apollo.state.billing.snapshot().billedCalls).toBe(0);
    const audited = await t.tdb.db.knex('audit_events').where({ portal_id: 1, type: 'vendor.connection_tested' });
    // Three tests reached a vendor and are on record; the one without a key made no call.
    expect(audited.map((a) => (a.detail as { vendor: string }).vendor).sort()).toEqual(['apollo', 'apollo', 'hunter']);
    expect(JSON.stringify(audited)).not.toContain(wrongKey);
    expect(JSON.stringify(audited)).not.toContain(APOLLO_KEY_A);
  });

  it('records keys a vendor added, and the daily job reports them once per slot', async () => {
    t.sims.apollo.state.answerDrift = { add: { 'person.surprise_field': 1, 'matches[].surprise_field': 1 } };
    const c = contacts[200]!;
    const run = await t.cascade.trigger({ portalId: 1, contactId: 'drift-1', source: 'workflow', idempotencyKey: 'drift-1', groups: ['person'], properties: contactProps(c) });
    await waitForRuns(t.tdb.db, [run.runId]);
    await t.cascade.drift.flush();
    const job = t.cascade.jobs.find((j) => j.name === 'vendor-drift-report')!;
    const slot = '2026-11-23T03:17:00.000Z';
    const [a, b] = await Promise.all([
      runExclusive(t.tdb.db.knex, job, slot, 'instance-a', { singleConnection: t.tdb.db.kind === 'pglite' }),
      runExclusive(t.tdb.db.knex, job, slot, 'instance-b', { singleConnection: t.tdb.db.kind === 'pglite' }),
    ]);
    expect([a.ran, b.ran].filter(Boolean)).toHaveLength(1);
    const events = await t.tdb.db.knex('audit_events').whereNull('portal_id').andWhere({ type: 'vendor.schema_drift' });
    expect(events).toHaveLength(1);
    const detail = events[0]!.detail as { vendor: string; unknown: { path: string }[] };
    expect(detail.vendor).toBe('apollo');
    expect(detail.unknown.map((u) => u.path)).toContain('person.surprise_field');
    const metrics = await t.cascade.metrics.registry.metrics();
    expect(metrics).toMatch(/cascade_vendor_schema_drift_paths\{vendor="apollo",kind="unknown"\} [1-9]/);
    t.sims.apollo.state.answerDrift = {};
  });
});
