// The embedded database's one connection: work someone waits on (a workflow action's answer) goes
// before queued background statements, and the connection is never held twice.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { prioritizeSingleConnection, withPriority } from '../../server/db/priority.ts';
import { openDatabase } from '../../server/db/database.ts';

function fakePool() {
  let held = 0;
  let maxHeld = 0;
  const client = {
    acquireConnection: async () => {
      held++;
      maxHeld = Math.max(maxHeld, held);
      return {};
    },
    releaseConnection: async (_connection: unknown) => {
      held--;
    },
  };
  prioritizeSingleConnection(client);
  return { client, maxHeld: () => maxHeld };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('single-connection priority lane', () => {
  it('hands the connection to priority work before queued background work', async () => {
    const { client } = fakePool();
    const order: string[] = [];
    const use = async (name: string) => {
      const c = await client.acquireConnection();
      order.push(name);
      await tick();
      await client.releaseConnection(c);
    };
    const first = use('bg-1');
    const queued = [use('bg-2'), use('bg-3'), use('bg-4')];
    await tick();
    const urgent = withPriority(() => use('action'));
    await Promise.all([first, ...queued, urgent]);
    expect(order).toEqual(['bg-1', 'action', 'bg-2', 'bg-3', 'bg-4']);
  });

  it('never lets two users hold the connection, and serves everyone (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ urgent: fc.boolean(), work: fc.nat(3) }), { minLength: 1, maxLength: 30 }), async (jobs) => {
        const { client, maxHeld } = fakePool();
        let served = 0;
        await Promise.all(
          jobs.map(async (j) => {
            const run = async () => {
              const c = await client.acquireConnection();
              for (let i = 0; i < j.work; i++) await tick();
              served++;
              await client.releaseConnection(c);
            };
            return j.urgent ? withPriority(run) : run();
          }),
        );
        expect(served).toBe(jobs.length);
        expect(maxHeld()).toBe(1);
      }),
      { numRuns: 100 },
    );
  });

  it('works on the real embedded database: a priority query overtakes a queue of background ones', async () => {
    const db = await openDatabase({});
    try {
      const finished: string[] = [];
      const background = Array.from({ length: 40 }, (_, i) => db.knex.raw('select pg_sleep(0.002)').then(() => finished.push(`bg-${i}`)));
      await tick();
      const urgent = withPriority(() => db.knex.raw('select 1').then(() => finished.push('action')));
      await Promise.all([...background, urgent]);
      expect(finished.indexOf('action')).toBeLessThan(3);
    } finally {
      await db.close();
    }
  });
});
