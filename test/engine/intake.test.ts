// Group commit of triggers: a burst is accepted in a few transactions, and whatever a burst holds —
// retries of one trigger, several triggers for one contact, keys seen before — ends exactly as the
// one-at-a-time path would: one trigger row per key, one unfinished run per contact, duplicates
// answered with the run they first got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TriggerIntake } from '../../server/enrichment/intake.ts';
import { acceptTrigger } from '../../server/enrichment/runs.ts';
import type { TriggerInput } from '../../server/enrichment/runs.ts';
import { ensurePortal } from '../../server/portals/portals.ts';
import { backend, testDatabase } from '../helpers/env.ts';
import type { TestDb } from '../helpers/env.ts';

let tdb: TestDb;
let portal = 500;
beforeAll(async () => {
  tdb = await testDatabase();
  const { migrate } = await import('../../server/db/database.ts');
  await migrate(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

function intakeFor() {
  const enqueued: string[] = [];
  const intake = new TriggerIntake({
    db: tdb.db.knex,
    enqueueRuns: async (_trx, ids) => {
      enqueued.push(...ids);
    },
    single: (input) =>
      acceptTrigger(tdb.db.knex, input, async (_trx, id) => {
        enqueued.push(id);
      }),
  });
  return { intake, enqueued };
}

const trigger = (portalId: number, contact: number, key: string): TriggerInput => ({
  portalId,
  contactId: String(contact),
  source: 'workflow',
  idempotencyKey: key,
  groups: ['email'],
  properties: { email: `p${contact}@acme.example` },
});

describe(`trigger intake (${backend})`, () => {
  it('accepts a burst of 300 new contacts in a handful of transactions, each run queued once', async () => {
    const p = ++portal;
    await ensurePortal(tdb.db.knex, p);
    const { intake, enqueued } = intakeFor();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => intake.submit(trigger(p, i, `cb-${i}`))));
    expect(new Set(results.map((r) => r.runId)).size).toBe(300);
    expect(results.every((r) => !r.duplicate && !r.coalesced)).toBe(true);
    expect(intake.stats.batches).toBeLessThanOrEqual(5);
    expect(intake.stats.single).toBe(0);
    expect(enqueued.sort()).toEqual(results.map((r) => r.runId).sort());
    const runs = await tdb.db.knex('enrichment_runs').where({ portal_id: p });
    expect(runs).toHaveLength(300);
  });

  it('a burst of retries, repeated contacts and old keys ends as one-at-a-time acceptance would (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ contact: fc.integer({ min: 1, max: 6 }), key: fc.integer({ min: 1, max: 10 }) }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 3 }),
        async (burst, earlierKeys) => {
          const p = ++portal;
          await ensurePortal(tdb.db.knex, p);
          const { intake, enqueued } = intakeFor();
          // Keys seen before the burst (HubSpot retrying an earlier execution).
          for (const k of earlierKeys) await acceptTrigger(tdb.db.knex, trigger(p, 100 + k, `k${k}`));
          // A key always names the same execution (the same contact), as a callbackId does.
          const contactForKey = new Map<number, number>();
          const items = burst.map((b) => {
            if (!contactForKey.has(b.key)) contactForKey.set(b.key, b.contact);
            return { key: b.key, contact: contactForKey.get(b.key)! };
          });
          const results = await Promise.all(items.map((b) => intake.submit(trigger(p, earlierKeys.includes(b.key) ? 100 + b.key : b.contact, `k${b.key}`))));
          const rows = (await tdb.db.knex('run_triggers').where({ portal_id: p }).select('idempotency_key', 'run_id')) as { idempotency_key: string; run_id: string }[];
          const byKey = new Map(rows.map((r) => [r.idempotency_key, r.run_id]));
          // One row per key, and every answer names the run its key's row names.
          expect(rows.length).toBe(byKey.size);
          items.forEach((b, i) => expect(results[i]!.runId).toBe(byKey.get(`k${b.key}`)));
          // At most one unfinished run per contact.
          const open = (await tdb.db.knex('enrichment_runs').where({ portal_id: p }).whereNot({ state: 'done' }).select('contact_id')) as { contact_id: string }[];
          expect(open.length).toBe(new Set(open.map((o) => o.contact_id)).size);
          // Every run of the burst is queued exactly once.
          const burstRuns = new Set(results.filter((r) => !r.duplicate && !r.coalesced).map((r) => r.runId));
          expect(enqueued.filter((id) => burstRuns.has(id)).sort()).toEqual([...burstRuns].sort());
        },
      ),
      { numRuns: 25 },
    );
  });

  it('refuses a bad trigger alone, naming the field, without holding up the others', async () => {
    const p = ++portal;
    await ensurePortal(tdb.db.knex, p);
    const { intake } = intakeFor();
    const good = intake.submit(trigger(p, 1, 'ok-1'));
    const bad = intake.submit({ ...trigger(p, 2, 'bad-1'), groups: [] });
    await expect(bad).rejects.toThrow(/at least one field group/);
    expect((await good).duplicate).toBe(false);
  });
});
