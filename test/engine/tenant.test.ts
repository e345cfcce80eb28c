// Tenant isolation: portal B never uses portal A's key, cache entries or budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APOLLO_FIRST_WATERFALL, APOLLO_KEY_A, APOLLO_KEY_B, contactProps, testCascade, waitForRuns } from '../helpers/env.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import type { TestCascade } from '../helpers/env.ts';
import { ensurePortal } from '../../server/portals/portals.ts';
import { setCaps } from '../../server/enrichment/spend.ts';
import { generateContacts } from '../../sandbox/world.ts';

let t: TestCascade;
beforeAll(async () => {
  t = await testCascade();
  await ensurePortal(t.tdb.db.knex, 2, 'Portal B');
  // Portal B has its own Apollo key and no Hunter key at all.
  await t.cascade.credentials.put(2, { vendor: 'apollo', apiKey: APOLLO_KEY_B });
  // B's own waterfall names Hunter, so its missing key shows up as "no_key" steps.
  await saveSettings(t.tdb.db.knex, 2, { waterfall: APOLLO_FIRST_WATERFALL });
  await t.cascade.startWorker(6);
});
afterAll(async () => {
  await t?.close();
});

describe('tenant isolation', () => {
  it("runs for portal B use B's key, miss A's cache, and spend B's budget only", async () => {
    const people = generateContacts(8, 4, 'tenants');
    const groups = ['email', 'person', 'company', 'email_verification'] as const;
    const a = await Promise.all(people.map((c, i) => t.cascade.trigger({ portalId: 1, contactId: `c${i}`, source: 'workflow', idempotencyKey: `a${i}`, groups: [...groups], properties: contactProps(c) })));
    await waitForRuns(t.tdb.db, a.map((r) => r.runId));
    const apolloBefore = t.sims.apollo.state.requests.length;
    const hunterBefore = t.sims.hunter.state.requests.length;

    // The same people, the same contact ids, in portal B.
    const b = await Promise.all(people.map((c, i) => t.cascade.trigger({ portalId: 2, contactId: `c${i}`, source: 'workflow', idempotencyKey: `a${i}`, groups: [...groups], properties: contactProps(c) })));
    expect(b.every((r) => !r.duplicate && !r.coalesced)).toBe(true);
    await waitForRuns(t.tdb.db, b.map((r) => r.runId));

    const apolloB = t.sims.apollo.state.requests.slice(apolloBefore);
    expect(apolloB.length).toBeGreaterThan(0); // A's cache served nothing to B
    expect(new Set(apolloB.map((r) => r.keyTail))).toEqual(new Set([APOLLO_KEY_B.slice(-4)]));
    expect(APOLLO_KEY_A.slice(-4)).not.toBe(APOLLO_KEY_B.slice(-4));
    // B has no Hunter key: Hunter was never called on B's behalf, with A's key or any other.
    expect(t.sims.hunter.state.requests.length).toBe(hunterBefore);
    const hunterSteps = await t.tdb.db.knex('run_steps').where({ portal_id: 2, vendor: 'hunter' });
    expect(hunterSteps.every((s) => s.skip_reason === 'no_key' || s.skip_reason === 'no_input')).toBe(true);
    expect(hunterSteps.some((s) => s.skip_reason === 'no_key')).toBe(true);
    const cacheB = await t.tdb.db.knex('vendor_cache').where({ portal_id: 2, vendor: 'hunter' });
    expect(cacheB).toEqual([]);

    const spendA = await t.tdb.db.knex('spend_counters').where({ portal_id: 1, scope: 'total', period: 'day' }).first();
    const spendB = await t.tdb.db.knex('spend_counters').where({ portal_id: 2, scope: 'total', period: 'day' }).first();
    const costB = await t.tdb.db.knex('enrichment_runs').where({ portal_id: 2 }).sum<{ s: number }[]>('cost_mc as s');
    expect(Number(spendB.spent_mc)).toBe(Number(costB[0]!.s));
    const costA = await t.tdb.db.knex('enrichment_runs').where({ portal_id: 1 }).sum<{ s: number }[]>('cost_mc as s');
    expect(Number(spendA.spent_mc)).toBe(Number(costA[0]!.s));
  });

  it("portal A's cap does not stop portal B", async () => {
    await setCaps(t.tdb.db.knex, 1, [{ scope: 'total', period: 'day', capCents: 0 }]);
    const [c] = generateContacts(1, 1, 'tenant-cap');
    const ra = await t.cascade.trigger({ portalId: 1, contactId: 'capped', source: 'workflow', idempotencyKey: 'capped-a', groups: ['person'], properties: contactProps(c!) });
    const rb = await t.cascade.trigger({ portalId: 2, contactId: 'capped', source: 'workflow', idempotencyKey: 'capped-b', groups: ['person'], properties: contactProps(c!) });
    await waitForRuns(t.tdb.db, [ra.runId, rb.runId]);
    const runA = await t.tdb.db.knex('enrichment_runs').where({ id: ra.runId }).first();
    const runB = await t.tdb.db.knex('enrichment_runs').where({ id: rb.runId }).first();
    expect(runA.status).toBe('cap_reached');
    expect(runB.status).not.toBe('cap_reached');
  });
});
