// Bad input gets an error naming the field, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { testCascade } from '../helpers/env.ts';
import type { TestCascade } from '../helpers/env.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { setCaps } from '../../server/enrichment/spend.ts';

let t: TestCascade;
beforeAll(async () => {
  t = await testCascade();
});
afterAll(async () => {
  await t?.close();
});

const pathsOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ZodError);
    return (e as ZodError).issues.map((i) => i.path.join('.'));
  }
  throw new Error('expected a validation error');
};

describe('bad input', () => {
  it('a trigger with bad fields is refused naming each field, and creates no run', async () => {
    const paths = await pathsOf(
      t.cascade.trigger({ portalId: -4, contactId: '', source: 'workflow', idempotencyKey: 'x', groups: ['emails' as 'email'], properties: {} }),
    );
    expect(paths).toEqual(expect.arrayContaining(['portalId', 'contactId', 'groups.0']));
    expect(await t.tdb.db.knex('enrichment_runs').count<{ n: number }[]>('* as n')).toEqual([{ n: 0 }]);
  });

  it('a trigger asking for no group names the groups field', async () => {
    expect(await pathsOf(t.cascade.trigger({ portalId: 1, contactId: '9', source: 'card', idempotencyKey: 'y', groups: [], properties: {} }))).toEqual(['groups']);
  });

  it('a vendor key that cannot be a key is refused naming apiKey, and the stored key is kept', async () => {
    expect(await pathsOf(t.cascade.credentials.put(1, { vendor: 'apollo', apiKey: 'a b' }))).toContain('apiKey');
    expect(await pathsOf(t.cascade.credentials.put(1, { vendor: 'Apollo!', apiKey: 'abcdefghijkl' }))).toContain('vendor');
    expect((await t.cascade.credentials.list(1)).map((k) => k.vendor)).toEqual(['apollo', 'hunter']);
  });

  it('bad settings are refused naming the field, and the stored settings are kept', async () => {
    await saveSettings(t.tdb.db.knex, 1, { cache_ttl_days: 30 });
    const paths = await pathsOf(saveSettings(t.tdb.db.knex, 1, { cache_ttl_days: 0, waterfall: { email: [{ vendor: 'apollo' }] } }));
    expect(paths).toEqual(expect.arrayContaining(['cache_ttl_days', 'waterfall.email.0.operation']));
    const row = await t.tdb.db.knex('portal_settings').where({ portal_id: 1 }).first();
    expect(row.settings.cache_ttl_days).toBe(30);
  });

  it('a negative cap is refused by the database, leaving the caps as they were', async () => {
    await setCaps(t.tdb.db.knex, 1, [{ scope: 'total', period: 'day', capCents: 500 }]);
    await expect(setCaps(t.tdb.db.knex, 1, [{ scope: 'total', period: 'day', capCents: -1 }])).rejects.toThrow();
    const caps = await t.tdb.db.knex('spend_caps').where({ portal_id: 1 });
    expect(caps.map((c) => Number(c.cap_cents))).toEqual([500]);
  });
});
