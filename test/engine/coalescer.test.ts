// The coalescer gathers steps bound for one bulk endpoint: full batches leave at once, partial ones
// when the window closes, and every member gets its own answer back.
import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../server/enrichment/coalescer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('coalescer', () => {
  it('sends a full batch at once and a partial one when its window closes, answering each member', async () => {
    const sent: number[][] = [];
    const c = new Coalescer<number, string>(async (_k, members) => {
      sent.push(members.map((m) => m.input));
      for (const m of members) m.resolve(`answer-${m.input}`);
    });
    const started = Date.now();
    const full = Promise.all([1, 2, 3].map((n) => c.submit('apollo:fp:people_match', n, { maxSize: 3, windowMs: 10_000 })));
    expect(await full).toEqual(['answer-1', 'answer-2', 'answer-3']);
    expect(Date.now() - started).toBeLessThan(5_000); // did not wait for the 10 s window
    const partial = Promise.all([4, 5].map((n) => c.submit('apollo:fp:people_match', n, { maxSize: 3, windowMs: 50 })));
    expect(await partial).toEqual(['answer-4', 'answer-5']);
    expect(sent).toEqual([[1, 2, 3], [4, 5]]);
    expect(c.stats).toEqual({ batches: 2, members: 5 });
  });

  it('never mixes keys: two vendor keys make two batches', async () => {
    const sent: string[] = [];
    const c = new Coalescer<string, string>(async (key, members) => {
      sent.push(`${key}:${members.map((m) => m.input).join(',')}`);
      for (const m of members) m.resolve(m.input);
    });
    await Promise.all([
      c.submit('pdl:key-a:person_enrich', 'x', { maxSize: 100, windowMs: 30 }),
      c.submit('pdl:key-b:person_enrich', 'y', { maxSize: 100, windowMs: 30 }),
      c.submit('pdl:key-a:person_enrich', 'z', { maxSize: 100, windowMs: 30 }),
    ]);
    expect(sent.sort()).toEqual(['pdl:key-a:person_enrich:x,z', 'pdl:key-b:person_enrich:y']);
  });

  it('a failing flush rejects every member of that batch and only that batch', async () => {
    let n = 0;
    const c = new Coalescer<number, number>(async (_k, members) => {
      if (n++ === 0) throw new Error('boom');
      for (const m of members) m.resolve(m.input);
    });
    const first = Promise.allSettled([1, 2].map((x) => c.submit('k', x, { maxSize: 2, windowMs: 1000 })));
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await sleep(5);
    expect(await c.submit('k', 3, { maxSize: 2, windowMs: 10 })).toBe(3);
  });
});
