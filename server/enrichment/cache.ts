// The per-portal cache of vendor answers, keyed by vendor + operation + hash of the normalized
// lookup. Misses are cached too (shorter TTL): paying to learn "not found" twice is still paying
// twice. A 'pending' row is a claim: while one run calls the vendor for a lookup, every other run
// that needs the same lookup waits for that answer instead of buying it again. Company lookups are
// keyed by domain, so fifty leads from one company pay once.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { PartialProfile } from '../vendors/types.ts';

export function lookupHash(vendor: string, operation: string, lookupKey: string): string {
  return createHash('sha256').update(`${vendor}\u0000${operation}\u0000${lookupKey}`).digest('hex');
}

export interface CachedAnswer {
  outcome: 'hit' | 'miss';
  profile: PartialProfile;
  doNotProcess: boolean;
}

export type CacheRead =
  | { state: 'fresh'; answer: CachedAnswer }
  | { state: 'indeterminate' }
  | { state: 'pending'; claimedBy: string; claimedAt: Date }
  | { state: 'absent' };

export interface CacheKey {
  portalId: number;
  vendor: string;
  operation: string;
  lookupHash: string;
}

const where = (k: CacheKey) => ({
  portal_id: k.portalId,
  vendor: k.vendor,
  operation: k.operation,
  lookup_hash: k.lookupHash,
});

export async function readCache(db: Knex, k: CacheKey, now = new Date()): Promise<CacheRead> {
  const row = await db('vendor_cache').where(where(k)).first();
  if (!row) return { state: 'absent' };
  if (row.state === 'pending') return { state: 'pending', claimedBy: row.claimed_by, claimedAt: new Date(row.claimed_at) };
  if (!row.expires_at || new Date(row.expires_at) <= now) return { state: 'absent' };
  if (row.state === 'indeterminate') return { state: 'indeterminate' };
  return { state: 'fresh', answer: row.result as CachedAnswer };
}

/** Counts a served hit (for the hit-rate figures). */
export async function countCacheHit(db: Knex, k: CacheKey): Promise<void> {
  await db('vendor_cache').where(where(k)).increment('hits', 1);
}

/**
 * Claims the lookup for `runId`. Succeeds when nothing usable is cached (or `force`), or when the
 * claim is already ours (a resumed run), or when the claimant's run is no longer active.
 */
export async function claimLookup(db: Knex, k: CacheKey, runId: string, force: boolean): Promise<boolean> {
  const claimed = await db.raw(
    `INSERT INTO vendor_cache (portal_id, vendor, operation, lookup_hash, state, claimed_by, claimed_at)
     VALUES (?, ?, ?, ?, 'pending', ?, now())
     ON CONFLICT (portal_id, vendor, operation, lookup_hash) DO UPDATE
       SET state = 'pending', claimed_by = EXCLUDED.claimed_by, claimed_at = now()
       WHERE vendor_cache.claimed_by = EXCLUDED.claimed_by
          OR (vendor_cache.state <> 'pending' AND (? OR vendor_cache.expires_at IS NULL OR vendor_cache.expires_at <= now()))
          OR (vendor_cache.state = 'pending' AND NOT EXISTS (
                SELECT 1 FROM enrichment_runs r WHERE r.id = vendor_cache.claimed_by AND r.state <> 'done'))
     RETURNING claimed_by`,
    [k.portalId, k.vendor, k.operation, k.lookupHash, runId, force],
  );
  return (claimed.rows as unknown[]).length === 1;
}

/** Stores the answer and ends the claim (inside the step's closing transaction). */
export async function storeAnswer(
  trx: Knex.Transaction,
  k: CacheKey,
  runId: string,
  answer: CachedAnswer | 'indeterminate',
  ttlDays: number,
): Promise<void> {
  await trx('vendor_cache')
    .where(where(k))
    .andWhere({ claimed_by: runId })
    .update({
      state: answer === 'indeterminate' ? 'indeterminate' : answer.outcome,
      result: answer === 'indeterminate' ? null : JSON.stringify(answer),
      claimed_by: null,
      claimed_at: null,
      fetched_at: trx.fn.now(),
      expires_at: trx.raw(`now() + (? * interval '1 day')`, [ttlDays]),
    });
}

/** Gives the claim up without an answer (the call was skipped or failed): the next run may try. */
export async function releaseClaim(trx: Knex | Knex.Transaction, k: CacheKey, runId: string): Promise<void> {
  await trx('vendor_cache').where(where(k)).andWhere({ claimed_by: runId, state: 'pending' }).delete();
}
