// "Never spend a cent the customer did not allow": concurrent runs on two workers (two processes
// on Postgres; two engines sharing the one embedded connection on PGlite) against caps that bind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactProps, PG_URL, silentLog, startSims, TEST_ENCRYPTION_KEYS, testCascade, testConfig, waitForRuns } from '../helpers/env.ts';
import type { Sims, TestCascade } from '../helpers/env.ts';
import { spawnWorker } from '../helpers/processes.ts';
import type { WorkerProcess } from '../helpers/processes.ts';
import { createCascade } from '../../server/cascade.ts';
import type { Cascade } from '../../server/cascade.ts';
import { reserveSpend, setCaps, settleSpend } from '../../server/enrichment/spend.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { generateContacts } from '../../sandbox/world.ts';

let sims: Sims;
let t: TestCascade;
const extra: Cascade[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  sims = await startSims({ apollo: { latencyMs: [10, 30] }, hunter: { latencyMs: [10, 30] } });
  t = await testCascade({ sims });
});
afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  for (const c of extra) await c.close();
  await t?.close();
  await sims?.close();
});

describe('spend caps', () => {
  it('reserve → settle admits exactly what fits under the cap, under heavy concurrency', async () => {
    const db = t.tdb.db.knex;
    await setCaps(db, 1, [{ scope: 'hunter', period: 'day', capCents: 100 }]);
    const attempts = await Promise.all(
      Array.from({ length: 60 }, () => reserveSpend(db, { portalId: 1, vendor: 'hunter', amountMc: 7_000 })),
    );
    const ok = attempts.filter((a) => a.ok);
    expect(ok).toHaveLength(Math.floor(100_000 / 7_000)); // 14 reservations of 7¢ fit under $1.00
    for (const a of ok) if (a.ok) await settleSpend(db, a.reservationId, 0);
    const counters = await db('spend_counters').where({ portal_id: 1, scope: 'hunter', period: 'day' });
    expect(counters[0].reserved_mc).toBe(0);
    expect(counters[0].spent_mc).toBe(0);
    await setCaps(db, 1, []);
  });

  it('20 concurrent runs on two workers never cross any cap by a cent, and each hit cap is announced once', async () => {
    const db = t.tdb.db.knex;
    // Binding caps: Apollo 12¢/day (four 3¢ matches), everything 40¢/day.
    await setCaps(db, 1, [
      { scope: 'apollo', period: 'day', capCents: 12 },
      { scope: 'total', period: 'day', capCents: 40 },
      { scope: 'total', period: 'month', capCents: 1000 },
    ]);
    await saveSettings(db, 1, { on_cap: 'skip_vendor' });
    const contacts = generateContacts(20, 20, 'caps');
    const triggers = await Promise.all(
      contacts.map((c, i) =>
        t.cascade.trigger({ portalId: 1, contactId: `cap-${i}`, source: 'workflow', idempotencyKey: `cap-${i}`,
          groups: ['email', 'person', 'company', 'email_verification'], properties: contactProps(c) }),
      ),
    );
    if (PG_URL) {
      for (let i = 0; i < 2; i++) {
        workers.push(spawnWorker({ ...t.tdb.env, ...sims.urls, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, LOG_LEVEL: 'silent',
          RUN_LEASE_MS: '3000', WORKER_CONCURRENCY: '10' }));
      }
      await Promise.all(workers.map((w) => w.ready));
    } else {
      await t.cascade.startWorker(10);
      const second = await createCascade(testConfig(sims.urls), { log: silentLog, db: t.tdb.db, instanceId: 'second-engine' });
      extra.push(second);
      await second.startWorker(10);
    }
    await waitForRuns(t.tdb.db, triggers.map((x) => x.runId), 90_000);

    const counters = await db('spend_counters').where({ portal_id: 1 });
    const limits: Record<string, number> = { 'apollo/day': 12, 'total/day': 40, 'total/month': 1000 };
    const cap = (scope: string, period: string) => limits[`${scope}/${period}`];
    for (const c of counters) {
      expect(c.reserved_mc, `${c.scope}/${c.period} reserved`).toBe(0);
      const limit = cap(c.scope, c.period);
      if (limit !== undefined) expect(c.spent_mc, `${c.scope}/${c.period}`).toBeLessThanOrEqual(limit * 1000);
    }
    // What the vendors actually billed stays under the caps too (Apollo credit = 3¢ by default).
    expect(sims.apollo.state.billing.snapshot().duplicates).toEqual([]);
    expect(sims.hunter.state.billing.snapshot().duplicates).toEqual([]);
    const apolloBilled = sims.apollo.state.billing.snapshot().credits * 3_000;
    expect(apolloBilled).toBeLessThanOrEqual(12_000);
    const totalDay = counters.find((c) => c.scope === 'total' && c.period === 'day')!;
    expect(totalDay.spent_mc).toBeGreaterThan(0);

    const statuses = await db('enrichment_runs').whereIn('id', triggers.map((x) => x.runId)).pluck('status');
    expect(statuses).toContain('cap_reached');
    const alerts = await db('cap_alerts').where({ portal_id: 1 });
    const audit = await db('audit_events').where({ portal_id: 1, type: 'cap.reached' });
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(audit).toHaveLength(alerts.length);
    expect(new Set(alerts.map((a) => `${a.scope}/${a.period}/${a.period_key}`)).size).toBe(alerts.length);
    const skips = await db('run_steps').whereIn('run_id', triggers.map((x) => x.runId)).where({ skip_reason: 'cap_reached' });
    expect(skips.length).toBeGreaterThan(alerts.length); // many runs hit the cap, one alert each period
  });
});
