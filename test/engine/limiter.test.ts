// The rate gate on its own: grants per clock-aligned window never exceed the limit, a vendor's
// block holds every caller back, and a caller whose budget ends first is refused, not queued.
import { describe, expect, it } from 'vitest';
import { RateGate } from '../../server/enrichment/limiter.ts';
import { PG_URL, testDatabase } from '../helpers/env.ts';

async function gateFor(kind: 'memory' | 'postgres') {
  if (kind === 'memory') return { gate: await RateGate.create({ guardMs: 20, maxInFlight: 4 }), done: async () => {} };
  const tdb = await testDatabase();
  return { gate: await RateGate.create({ knex: tdb.db.knex, guardMs: 20, maxInFlight: 4 }), done: () => tdb.drop() };
}

// The fleet-wide store needs Postgres; the embedded default (one process) uses the memory store.
const stores = PG_URL ? (['memory', 'postgres'] as const) : (['memory'] as const);

describe.each(stores)('rate gate (%s store)', (kind) => {
  it('grants at most `limit` per clock-aligned window, whatever the concurrency', async () => {
    const g = await gateFor(kind);
    const windows = [{ limit: 3, windowMs: 500 }];
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const r = await g.gate.acquire('v:key', windows, Date.now() + 10_000);
        expect(r.ok).toBe(true);
        grants.push(Date.now());
      }),
    );
    const perSlot = new Map<number, number>();
    for (const t of grants) perSlot.set(Math.floor(t / 500), (perSlot.get(Math.floor(t / 500)) ?? 0) + 1);
    expect(Math.max(...perSlot.values())).toBeLessThanOrEqual(3);
    expect(perSlot.size).toBeGreaterThanOrEqual(4); // 10 grants at 3 a window need four windows
    await g.done();
  });

  it("a vendor's block holds every caller until the reset", async () => {
    const g = await gateFor(kind);
    const until = Date.now() + 1200;
    await g.gate.block('v:blocked', until);
    const r = await g.gate.acquire('v:blocked', [{ limit: 100, windowMs: 1000 }], Date.now() + 5000);
    expect(r.ok).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(until - 5);
    await g.done();
  });

  it('refuses at once when the next free window starts after the caller\'s deadline', async () => {
    const g = await gateFor(kind);
    const windows = [{ limit: 1, windowMs: 60_000 }];
    const deadline = Date.now() + 50;
    const first = await g.gate.acquire('v:one', windows, deadline + 60_000);
    const second = await g.gate.acquire('v:one', windows, deadline);
    expect(first.ok).toBe(true);
    expect(second.ok).toBe(false);
    expect(Date.now()).toBeLessThan(deadline + 100);
    await g.done();
  });
});
