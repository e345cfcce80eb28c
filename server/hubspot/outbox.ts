// The write-back outbox: what Cascade must tell HubSpot (contact properties, workflow callback
// completions, timeline events) is written here in the same transaction that finishes a run, so a
// crash can never lose it, and leaves in batches. Enqueueing is idempotent (dedupe key per kind);
// claiming uses SKIP LOCKED and a claim deadline, so two instances never send the same item and a
// dead instance's claims come back.
import type { Knex } from 'knex';

export const OUTBOX_KINDS = ['contact_update', 'callback_complete', 'timeline_event'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** HubSpot takes at most 100 inputs per batch call. */
export const HUBSPOT_BATCH_MAX = 100;

export interface OutboxItemInput {
  portalId: number;
  kind: OutboxKind;
  dedupeKey: string;
  runId?: string | null;
  contactId?: string | null;
  payload: unknown;
  /** Someone is watching (a card click): send without waiting for a batch to fill. */
  urgent?: boolean;
}

export interface OutboxItem<P = unknown> {
  id: number;
  portal_id: number;
  kind: OutboxKind;
  dedupe_key: string;
  run_id: string | null;
  contact_id: string | null;
  payload: P;
  attempts: number;
}

export async function enqueueOutbox(db: Knex | Knex.Transaction, items: OutboxItemInput[]): Promise<number> {
  if (items.length === 0) return 0;
  const rows = items.map((i) => ({
    portal_id: i.portalId,
    kind: i.kind,
    dedupe_key: i.dedupeKey,
    run_id: i.runId ?? null,
    contact_id: i.contactId ?? null,
    payload: JSON.stringify(i.payload),
    urgent: i.urgent ?? false,
  }));
  const inserted = await db('hubspot_outbox').insert(rows).onConflict(['portal_id', 'kind', 'dedupe_key']).ignore().returning('id');
  return inserted.length;
}

// A workflow may read the contact right after our callback (a branch on an enriched property), so
// a run's callback completion waits until its property update has been written (or skipped).
const AFTER_WRITES = `(kind <> 'callback_complete' OR run_id IS NULL OR NOT EXISTS (
  SELECT 1 FROM hubspot_outbox w WHERE w.run_id = hubspot_outbox.run_id AND w.kind = 'contact_update' AND w.state = 'pending'))`;

export interface DueGroup {
  portalId: number;
  kind: OutboxKind;
  pending: number;
}

/**
 * (portal, kind) groups worth a call now: a full batch, an urgent item, or an oldest item that has
 * waited `delayMs`. Items in back-off (not_before) or claimed by a live instance are not counted.
 */
export async function dueGroups(db: Knex, delayMs: number): Promise<DueGroup[]> {
  const res = await db.raw(
    `SELECT portal_id, kind, count(*)::int AS pending
       FROM hubspot_outbox
      WHERE state = 'pending' AND not_before <= now() AND (claimed_until IS NULL OR claimed_until < now())
        AND ${AFTER_WRITES}
      GROUP BY portal_id, kind
     HAVING count(*) >= ? OR bool_or(urgent) OR min(created_at) <= now() - (? * interval '1 millisecond')
      ORDER BY min(created_at)`,
    [HUBSPOT_BATCH_MAX, delayMs],
  );
  return (res.rows as { portal_id: number; kind: OutboxKind; pending: number }[]).map((r) => ({ portalId: Number(r.portal_id), kind: r.kind, pending: r.pending }));
}

/** Claims up to `limit` due items of one (portal, kind), oldest first, for `claimMs`. */
export async function claimBatch<P>(db: Knex, g: { portalId: number; kind: OutboxKind }, owner: string, claimMs: number, limit = HUBSPOT_BATCH_MAX): Promise<OutboxItem<P>[]> {
  const res = await db.raw(
    `UPDATE hubspot_outbox SET claimed_by = ?, claimed_until = now() + (? * interval '1 millisecond'), attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM hubspot_outbox
         WHERE portal_id = ? AND kind = ? AND state = 'pending' AND not_before <= now()
           AND (claimed_until IS NULL OR claimed_until < now()) AND ${AFTER_WRITES}
         ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING id, portal_id, kind, dedupe_key, run_id, contact_id, payload, attempts`,
    [owner, claimMs, g.portalId, g.kind, limit],
  );
  return (res.rows as OutboxItem<P>[]).sort((a, b) => Number(a.id) - Number(b.id));
}

/** Final states, written only by the claim's owner (a claim that expired may have been retaken). */
export async function markDone(db: Knex, ids: number[], owner: string, state: 'done' | 'skipped' | 'dead' = 'done', note: string | null = null): Promise<number> {
  if (ids.length === 0) return 0;
  return db('hubspot_outbox')
    .whereIn('id', ids)
    .andWhere({ claimed_by: owner, state: 'pending' })
    .update({ state, done_at: db.fn.now(), claimed_by: null, claimed_until: null, last_error: note });
}

/** Gives items back for a later attempt (a 429, a 5xx, a timeout), not before `notBefore`. */
export async function retryLater(db: Knex, ids: number[], owner: string, notBefore: Date, error: string, refund = false): Promise<void> {
  if (ids.length === 0) return;
  await db('hubspot_outbox')
    .whereIn('id', ids)
    .andWhere({ claimed_by: owner, state: 'pending' })
    .update({
      not_before: notBefore,
      claimed_by: null,
      claimed_until: null,
      last_error: error.slice(0, 500),
      // A pause HubSpot asked for (429) is not a failed attempt.
      ...(refund ? { attempts: db.raw('greatest(attempts - 1, 0)') } : {}),
    });
}

/** Drops a portal's pending work (uninstalled: there is nobody to write to any more). */
export async function dropPortal(db: Knex | Knex.Transaction, portalId: number, reason: string): Promise<number> {
  return db('hubspot_outbox').where({ portal_id: portalId, state: 'pending' }).update({ state: 'skipped', done_at: db.fn.now(), last_error: reason });
}
