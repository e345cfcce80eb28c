// Portals' vendor keys (BYOK), encrypted at rest. Only the last four characters are ever read back
// for display; the plaintext leaves this module only towards the vendor call that needs it.
import { z } from 'zod';
import type { Knex } from 'knex';
import { decryptSecret, encryptSecret, keyFingerprint, lastFour, needsRewrap, rewrap, serializeEnvelope } from '../security/envelope.ts';
import type { KeyRing } from '../security/envelope.ts';
import type { KeyProvider, VendorKey } from '../enrichment/keys.ts';
import { TtlCache } from '../enrichment/ttl-cache.ts';

export const vendorKeyInput = z.object({
  vendor: z.string().regex(/^[a-z0-9_]{1,40}$/, 'must be a vendor id'),
  apiKey: z
    .string()
    .trim()
    .min(8, 'is too short to be a vendor API key')
    .max(512, 'is too long to be a vendor API key')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
});

export interface StoredKeyInfo {
  vendor: string;
  last4: string;
  updatedAt: Date;
}

const aad = (portalId: number, vendor: string) => `portal:${portalId}|vendor:${vendor}`;

export class CredentialStore implements KeyProvider {
  private readonly db: Knex;
  private readonly ring: KeyRing;
  // The engine asks for a key on every vendor step: decrypting it each time costs a query and two
  // AES operations. A change made through another process is seen within the TTL.
  private readonly keys: TtlCache<string, VendorKey | null>;
  private readonly vendors: TtlCache<number, Set<string>>;

  constructor(db: Knex, ring: KeyRing, cacheTtlMs = 15_000) {
    this.db = db;
    this.ring = ring;
    this.keys = new TtlCache(cacheTtlMs);
    this.vendors = new TtlCache(cacheTtlMs);
  }

  /** The portal's keys were deleted behind this store's back (uninstall): stop serving cached ones. */
  forgetPortal(portalId: number): void {
    this.vendors.delete(portalId);
    // Uninstalls are rare: dropping every cached key (others reload in one query) is the simple, sure way.
    this.keys.clear();
  }

  private forget(portalId: number, vendor: string): void {
    this.keys.delete(`${portalId}|${vendor}`);
    this.vendors.delete(portalId);
  }

  async put(portalId: number, input: { vendor: string; apiKey: string }): Promise<StoredKeyInfo> {
    const { vendor, apiKey } = vendorKeyInput.parse(input);
    const secret = serializeEnvelope(encryptSecret(this.ring, apiKey, aad(portalId, vendor)));
    const row = {
      portal_id: portalId,
      vendor,
      secret_enc: secret,
      kek_id: this.ring.activeKid,
      last4: lastFour(apiKey),
      fingerprint: keyFingerprint(apiKey),
      updated_at: new Date(),
    };
    await this.db('vendor_credentials').insert(row).onConflict(['portal_id', 'vendor']).merge();
    this.forget(portalId, vendor);
    return { vendor, last4: row.last4, updatedAt: row.updated_at };
  }

  async remove(portalId: number, vendor: string): Promise<boolean> {
    const removed = (await this.db('vendor_credentials').where({ portal_id: portalId, vendor }).delete()) > 0;
    this.forget(portalId, vendor);
    return removed;
  }

  /** What the UI may show: vendor and last four characters, never the key. */
  async list(portalId: number): Promise<StoredKeyInfo[]> {
    const rows = await this.db('vendor_credentials').where({ portal_id: portalId }).orderBy('vendor').select('vendor', 'last4', 'updated_at');
    return rows.map((r) => ({ vendor: r.vendor, last4: r.last4, updatedAt: new Date(r.updated_at) }));
  }

  async vendorsWithKeys(portalId: number): Promise<Set<string>> {
    return this.vendors.get(portalId, async () => {
      const rows = await this.db('vendor_credentials').where({ portal_id: portalId }).select('vendor');
      return new Set(rows.map((r) => r.vendor as string));
    });
  }

  async keyFor(portalId: number, vendor: string): Promise<VendorKey | null> {
    return this.keys.get(`${portalId}|${vendor}`, async () => {
      const row = await this.db('vendor_credentials').where({ portal_id: portalId, vendor }).first('secret_enc', 'fingerprint');
      if (!row) return null;
      return { apiKey: decryptSecret(this.ring, row.secret_enc, aad(portalId, vendor)), fingerprint: row.fingerprint };
    });
  }

  /** Re-wraps every key not under the active KEK (after ENCRYPTION_KEYS gained a new first key). */
  async rotate(): Promise<number> {
    const rows = await this.db('vendor_credentials').select('portal_id', 'vendor', 'secret_enc');
    let n = 0;
    for (const r of rows) {
      if (!needsRewrap(this.ring, r.secret_enc)) continue;
      const next = rewrap(this.ring, r.secret_enc as string, aad(Number(r.portal_id), r.vendor));
      await this.db('vendor_credentials')
        .where({ portal_id: r.portal_id, vendor: r.vendor, secret_enc: r.secret_enc })
        .update({ secret_enc: next, kek_id: this.ring.activeKid, updated_at: new Date() });
      n++;
    }
    this.keys.clear();
    return n;
  }
}
