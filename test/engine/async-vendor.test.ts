// An asynchronous vendor (FullEnrich) end to end over HTTP: runs wait for the answer without
// holding a worker, the callback completes them, polling finishes what no callback reached, and
// forged, expired, mismatched, replayed, duplicate and late callbacks change nothing.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactProps, testCascade, waitForRuns } from '../helpers/env.ts';
import type { TestCascade } from '../helpers/env.ts';
import { createApp } from '../../server/app.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { defaultAdapters } from '../../server/vendors/registry.ts';
import { CallbackTokens } from '../../server/security/callback-token.ts';
import { createFullenrichSim } from '../../sandbox/vendors/fullenrich.ts';
import type { FullenrichSim } from '../../sandbox/vendors/fullenrich.ts';
import type { RunningServer } from '../../sandbox/vendors/common.ts';
import { generateContacts } from '../../sandbox/world.ts';
import type { VendorAdapter } from '../../server/vendors/types.ts';
import { FULLENRICH_CREDIT_MILLICENTS } from '../../server/vendors/fullenrich/adapter.ts';
import { randomBytes } from 'node:crypto';

const FE_KEY = 'fullenrich-portal-a-key-0001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const people = generateContacts(200, 20, 'async-vendor');

let t: TestCascade;
let sim: FullenrichSim;
let simServer: RunningServer;
let app: Server;
let appUrl: string;
let next = 0;

/** FullEnrich with its polling shortened from minutes to under a second (the timings, nothing else). */
function fastAdapters(giveUpAfterMs: number): Map<string, VendorAdapter> {
  const adapters = defaultAdapters();
  const fe = adapters.get('fullenrich')!;
  const spec = fe.operations.contact_enrich!;
  adapters.set('fullenrich', { ...fe, operations: { ...fe.operations, contact_enrich: { ...spec, async: { pollAfterMs: 800, pollEveryMs: 400, giveUpAfterMs } } } });
  return adapters;
}

async function enroll(n: number) {
  const batch = people.slice(next, next + n);
  next += n;
  return Promise.all(
    batch.map((c, i) =>
      t.cascade.trigger({ portalId: 1, contactId: `fe-${next}-${i}`, source: 'workflow', idempotencyKey: `fe-${next}-${i}`, groups: ['email'], properties: contactProps(c) }),
    ),
  );
}

async function requestsOf(runIds: string[]) {
  return t.tdb.db.knex('run_steps').whereIn('run_id', runIds).andWhere({ vendor: 'fullenrich' }).select('id', 'state', 'billed', 'outcome', 'async_request_id', 'cost_mc');
}

beforeAll(async () => {
  sim = createFullenrichSim({ validKeys: [FE_KEY], latencyMs: [2, 6], callbackDelayMs: 1500, callbackRetries: 0 });
  simServer = await sim.start();
  t = await testCascade({
    adapters: fastAdapters(4_000),
    config: { FULLENRICH_BASE_URL: `${simServer.url}/api/v2`, VENDOR_BATCH_WINDOW_MS: '300' },
  });
  await t.cascade.credentials.put(1, { vendor: 'fullenrich', apiKey: FE_KEY });
  await saveSettings(t.tdb.db.knex, 1, { waterfall: { email: [{ vendor: 'fullenrich', operation: 'contact_enrich' }] } });
  app = createApp(t.cascade).listen(0, '127.0.0.1');
  await new Promise((r) => app.once('listening', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  t.cascade.setPublicBaseUrl(appUrl);
  await t.cascade.startWorker(2);
});
afterAll(async () => {
  await new Promise((r) => app?.close(r));
  await t?.close();
  await simServer?.close();
});

describe('async vendor', () => {
  it('runs wait for the callback without holding a worker, then finish; billed once per found contact', async () => {
    sim.state.callbackMode = 'normal';
    const runs = await enroll(6);
    const ids = runs.map((r) => r.runId);
    // Two workers, six runs: more than two can only be waiting at once if waiting holds no worker.
    let maxWaiting = 0;
    for (let i = 0; i < 60 && maxWaiting < 6; i++) {
      const w = await t.tdb.db.knex('enrichment_runs').whereIn('id', ids).andWhere({ state: 'waiting' }).count<{ n: string }[]>('* as n');
      maxWaiting = Math.max(maxWaiting, Number(w[0]!.n));
      await sleep(50);
    }
    expect(maxWaiting).toBeGreaterThan(2);
    await waitForRuns(t.tdb.db, ids, 20_000);
    const steps = await requestsOf(ids);
    expect(steps).toHaveLength(6);
    expect(steps.every((s) => s.state === 'done')).toBe(true);
    const requests = await t.tdb.db.knex('async_requests').whereIn('id', [...new Set(steps.map((s) => s.async_request_id))]);
    expect(requests.every((r) => r.state === 'done' && r.completed_via === 'callback')).toBe(true);
    expect(requests.length).toBeLessThanOrEqual(4); // two workers: runs reach the vendor two or so at a time
    const billing = sim.state.billing.snapshot();
    expect(billing.duplicates).toEqual([]);
    expect(billing.billedCalls).toBe(steps.filter((s) => s.billed).length);
    // Every cent shown: the ledger charges each contact the credits FullEnrich took for it (an
    // e-mail 1, a phone 10) at the default credit price, not the worst-case price it reserved.
    const spent = steps.filter((s) => s.billed).reduce((sum, s) => sum + Number(s.cost_mc), 0);
    expect(spent).toBe(billing.credits * FULLENRICH_CREDIT_MILLICENTS);
    const found = await t.tdb.db.knex('enrichment_runs').whereIn('id', ids).select('status', 'profile');
    expect(found.filter((r) => r.profile?.work_email).length).toBe(steps.filter((s) => s.outcome === 'hit').length);
  });

  it('a duplicate delivery is refused and changes nothing; a replayed URL is refused too', async () => {
    sim.state.callbackMode = 'duplicate';
    const runs = await enroll(3);
    const ids = runs.map((r) => r.runId);
    await waitForRuns(t.tdb.db, ids, 20_000);
    await sleep(300);
    const before = await requestsOf(ids);
    const billedBefore = sim.state.billing.snapshot().billedCalls;
    const enrichment = [...sim.state.enrichments.values()].at(-1)!;
    const deliveries = sim.state.callbacks.filter((c) => c.enrichmentId === enrichment.id);
    expect(deliveries.map((d) => d.status)).toEqual([200, 409]);
    // Replaying the very URL the vendor was given, with any body: refused, nothing changes.
    const replay = await fetch(enrichment.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(replay.status).toBe(409);
    expect(await requestsOf(ids)).toEqual(before);
    expect(sim.state.billing.snapshot().billedCalls).toBe(billedBefore);
  });

  it('when no callback comes, polling finishes the step', async () => {
    sim.state.callbackMode = 'drop';
    const runs = await enroll(2);
    const ids = runs.map((r) => r.runId);
    await waitForRuns(t.tdb.db, ids, 20_000);
    const steps = await requestsOf(ids);
    expect(steps.every((s) => s.state === 'done')).toBe(true);
    const reqs = await t.tdb.db.knex('async_requests').whereIn('id', steps.map((s) => s.async_request_id));
    expect(reqs.every((r) => r.completed_via === 'poll' && r.polls >= 1)).toBe(true);
    expect(sim.state.billing.snapshot().duplicates).toEqual([]);
  });

  it('forged, expired and mismatched tokens are refused with 4xx naming the token', async () => {
    const post = (token: string) =>
      fetch(`${appUrl}/vendors/fullenrich/callbacks?token=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const req = await t.tdb.db.knex('async_requests').first('id', 'binding');
    const forged = new CallbackTokens(randomBytes(32)).sign({ requestId: req.id, vendor: 'fullenrich', binding: req.binding }, 60_000);
    const forgedRes = await post(forged);
    expect(forgedRes.status).toBe(401);
    expect(await forgedRes.json()).toMatchObject({ error: 'token_invalid', field: 'token' });
    const tokens = t.cascade.asyncDeps.tokens;
    const expired = tokens.sign({ requestId: req.id, vendor: 'fullenrich', binding: req.binding }, 1);
    await sleep(1100);
    expect((await post(expired)).status).toBe(401);
    const mismatched = tokens.sign({ requestId: req.id, vendor: 'fullenrich', binding: 'another-set-of-steps' }, 60_000);
    expect(await (await post(mismatched)).json()).toMatchObject({ error: 'token_binding' });
    const otherVendor = tokens.sign({ requestId: req.id, vendor: 'fullenrich', binding: req.binding }, 60_000);
    expect((await fetch(`${appUrl}/vendors/apollo/callbacks?token=${otherVendor}`, { method: 'POST', body: '{}' })).status).toBe(404);
    const missing = await fetch(`${appUrl}/vendors/fullenrich/callbacks`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ field: 'token' });
  });

  it('after the engine gives up, the step counts as spent; a late callback changes nothing', async () => {
    sim.state.callbackMode = 'late';
    sim.state.callbackDelayMs = 6_000; // finishes after the 4 s give-up
    sim.state.lateCallbackMs = 200;
    const runs = await enroll(2);
    const ids = runs.map((r) => r.runId);
    await waitForRuns(t.tdb.db, ids, 20_000);
    const steps = await requestsOf(ids);
    expect(steps.every((s) => s.state === 'indeterminate' && s.billed)).toBe(true);
    const reqs = await t.tdb.db.knex('async_requests').whereIn('id', steps.map((s) => s.async_request_id));
    expect(reqs.every((r) => r.state === 'expired' && r.completed_via === 'timeout')).toBe(true);
    // The vendor's late callback arrives and is refused; the ledger stays as it was.
    const enrichment = [...sim.state.enrichments.values()].at(-1)!;
    for (let i = 0; i < 60 && !sim.state.callbacks.some((c) => c.enrichmentId === enrichment.id); i++) await sleep(100);
    expect(sim.state.callbacks.filter((c) => c.enrichmentId === enrichment.id).map((c) => c.status)).toEqual([409]);
    expect(await requestsOf(ids)).toEqual(steps);
    sim.state.callbackDelayMs = 1500;
  });
});
