// BYOK keys at rest: encrypted, readable back only as their last four characters, re-wrapped on
// rotation, and bound to their portal and vendor row.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../helpers/env.ts';
import type { TestDb } from '../helpers/env.ts';
import { migrate } from '../../server/db/database.ts';
import { CredentialStore } from '../../server/portals/credentials.ts';
import { ensurePortal } from '../../server/portals/portals.ts';
import { KeyRing } from '../../server/security/envelope.ts';

let tdb: TestDb;
const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const SECRET = 'live-apollo-key-QWERTY123456';

beforeAll(async () => {
  tdb = await testDatabase();
  await migrate(tdb.db);
  await ensurePortal(tdb.db.knex, 1);
  await ensurePortal(tdb.db.knex, 2);
});
afterAll(async () => {
  await tdb?.drop();
});

describe('credential store', () => {
  it('stores the key encrypted; only the last four characters come back for display', async () => {
    const store = new CredentialStore(tdb.db.knex, new KeyRing([k1]));
    const info = await store.put(1, { vendor: 'apollo', apiKey: SECRET });
    expect(info.last4).toBe('3456');
    const rows = await tdb.db.knex('vendor_credentials').select();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(JSON.stringify(await store.list(1))).not.toContain(SECRET.slice(0, -4));
    expect((await store.keyFor(1, 'apollo'))?.apiKey).toBe(SECRET);
  });

  it("a ciphertext copied into another portal's row does not decrypt there", async () => {
    const store = new CredentialStore(tdb.db.knex, new KeyRing([k1]));
    const row = await tdb.db.knex('vendor_credentials').where({ portal_id: 1, vendor: 'apollo' }).first();
    await tdb.db.knex('vendor_credentials').insert({ ...row, portal_id: 2 });
    await expect(store.keyFor(2, 'apollo')).rejects.toThrow();
    await tdb.db.knex('vendor_credentials').where({ portal_id: 2 }).delete();
  });

  it('rotation re-wraps every key under the new first key; the old key can then be dropped', async () => {
    const rotated = new CredentialStore(tdb.db.knex, new KeyRing([k2, k1]));
    expect(await rotated.rotate()).toBe(1);
    expect(await rotated.rotate()).toBe(0);
    const onlyNew = new CredentialStore(tdb.db.knex, new KeyRing([k2]));
    expect((await onlyNew.keyFor(1, 'apollo'))?.apiKey).toBe(SECRET);
    const row = await tdb.db.knex('vendor_credentials').where({ portal_id: 1, vendor: 'apollo' }).first();
    expect(row.kek_id).toBe('k2');
  });

  it('removing a key makes the vendor unavailable to the engine', async () => {
    const store = new CredentialStore(tdb.db.knex, new KeyRing([k2]));
    expect(await store.remove(1, 'apollo')).toBe(true);
    expect(await store.keyFor(1, 'apollo')).toBeNull();
    expect((await store.vendorsWithKeys(1)).size).toBe(0);
  });
});
