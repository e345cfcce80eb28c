// Group commit for triggers. A workflow enrolling thousands of contacts sends as many requests at
// once, and HubSpot waits on each answer; accepting them one transaction at a time makes the
// database round trips the bottleneck. The intake gathers the triggers that arrive within a couple
// of milliseconds and accepts them together: one transaction, one multi-row insert per table, one
// bulk enqueue. Each caller is answered only after that transaction commits, so nothing answered
// is lost. Anything out of the ordinary — a trigger seen before, a contact with a run already under
// way (coalescing), two triggers for one contact in the same batch, any error — goes through the
// one-at-a-time path (acceptTrigger), which already handles it.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { factsFromProperties, triggerSchema } from './runs.ts';
import type { RunContact, Trigger, TriggerInput, TriggerResult } from './runs.ts';

/** Enqueues the runs' jobs inside the intake's transaction. */
export type EnqueueRuns = (trx: Knex.Transaction, runIds: string[]) => Promise<void>;

interface Pending {
  trigger: Trigger;
  resolve(r: TriggerResult): void;
  reject(err: unknown): void;
}

export interface IntakeOptions {
  db: Knex;
  enqueueRuns: EnqueueRuns;
  /** The one-at-a-time path for everything the batch does not handle. */
  single(input: TriggerInput): Promise<TriggerResult>;
  maxBatch?: number;
  /** How long the first trigger of a batch waits for company. */
  maxWaitMs?: number;
}

const keyOf = (t: Trigger) => `${t.portalId}|${t.source}|${t.idempotencyKey}`;
const contactOf = (t: Trigger) => `${t.portalId}|${t.contactId}`;

export class TriggerIntake {
  private readonly opts: Required<IntakeOptions>;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private batchInFlight = false;
  readonly stats = { batches: 0, batched: 0, single: 0 };

  constructor(opts: IntakeOptions) {
    this.opts = { maxBatch: 200, maxWaitMs: 2, ...opts };
  }

  /** Accepts a trigger (validated here: a bad one is refused at once, alone). */
  submit(input: TriggerInput): Promise<TriggerResult> {
    let trigger: Trigger;
    try {
      trigger = triggerSchema.parse(input);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ trigger, resolve, reject });
      if (this.queue.length >= this.opts.maxBatch) this.flushSoon(0);
      else this.flushSoon(this.opts.maxWaitMs);
    });
  }

  private flushSoon(ms: number): void {
    // One batch at a time: what arrives while a batch commits leaves with the next one, so batches
    // grow with the load instead of queueing for the database one small batch after another.
    if (this.batchInFlight) return;
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.batchInFlight = true;
      void this.flush(batch, () => {
        this.batchInFlight = false;
        if (this.queue.length) this.flushSoon(0);
      });
    }, ms);
  }

  private async flush(batch: Pending[], committed: () => void): Promise<void> {
    const leftovers: Pending[] = [];
    try {
      if (batch.length === 0) return;
      const { accepted, rest } = await this.acceptTogether(batch);
      this.stats.batches++;
      this.stats.batched += accepted.length;
      for (const a of accepted) a.pending.resolve(a.result);
      leftovers.push(...rest);
    } catch {
      // Nothing of the batch was committed: every trigger takes the one-at-a-time path.
      leftovers.push(...batch);
    } finally {
      committed();
    }
    this.stats.single += leftovers.length;
    await Promise.all(
      leftovers.map(async (p) => {
        try {
          p.resolve(await this.opts.single(p.trigger));
        } catch (err) {
          p.reject(err);
        }
      }),
    );
  }

  /** New triggers for contacts with no run under way, in one transaction; the rest are returned. */
  private async acceptTogether(batch: Pending[]): Promise<{ accepted: { pending: Pending; result: TriggerResult }[]; rest: Pending[] }> {
    const { db } = this.opts;
    const rest: Pending[] = [];
    // Only the first trigger per key and per contact goes in the batch.
    const keys = new Set<string>();
    const contacts = new Set<string>();
    let candidates: Pending[] = [];
    for (const p of batch) {
      if (keys.has(keyOf(p.trigger)) || contacts.has(contactOf(p.trigger))) rest.push(p);
      else {
        keys.add(keyOf(p.trigger));
        contacts.add(contactOf(p.trigger));
        candidates.push(p);
      }
    }
    if (candidates.length === 0) return { accepted: [], rest };
    // Seen before (HubSpot retries): answered by the single path, which looks the run up.
    const seen = (await db('run_triggers')
      .whereIn(['portal_id', 'source', 'idempotency_key'], candidates.map((p) => [p.trigger.portalId, p.trigger.source, p.trigger.idempotencyKey]))
      .select('portal_id', 'source', 'idempotency_key')) as { portal_id: number; source: string; idempotency_key: string }[];
    const seenKeys = new Set(seen.map((s) => `${s.portal_id}|${s.source}|${s.idempotency_key}`));
    rest.push(...candidates.filter((p) => seenKeys.has(keyOf(p.trigger))));
    candidates = candidates.filter((p) => !seenKeys.has(keyOf(p.trigger)));
    if (candidates.length === 0) return { accepted: [], rest };

    return db.transaction(async (trx) => {
      const rows = candidates.map((p) => {
        const t = p.trigger;
        const contact: RunContact = { facts: factsFromProperties(t.properties), properties: t.properties };
        return { id: randomUUID(), t, contact };
      });
      const values = rows.map(() => `(?::uuid, ?::bigint, ?, 'queued', ?::jsonb, ?, ?::jsonb, ?)`).join(', ');
      const bindings = rows.flatMap((r) => [r.id, r.t.portalId, r.t.contactId, JSON.stringify(r.t.groups), r.t.forceRefresh, JSON.stringify(r.contact), r.t.source === 'card']);
      const created = await trx.raw(
        `INSERT INTO enrichment_runs (id, portal_id, contact_id, state, groups, force_refresh, contact, interactive)
         VALUES ${values}
         ON CONFLICT (portal_id, contact_id) WHERE state <> 'done' DO NOTHING
         RETURNING id`,
        bindings,
      );
      const createdIds = new Set((created.rows as { id: string }[]).map((r) => r.id));
      const mine = rows.filter((r) => createdIds.has(r.id));
      // A run already under way for the contact: coalescing is the single path's job.
      for (const r of rows) if (!createdIds.has(r.id)) rest.push(candidates[rows.indexOf(r)]!);
      if (mine.length === 0) return { accepted: [], rest };
      const inserted = await trx('run_triggers')
        .insert(
          mine.map((r) => ({
            id: randomUUID(),
            portal_id: r.t.portalId,
            run_id: r.id,
            source: r.t.source,
            idempotency_key: r.t.idempotencyKey,
            groups: JSON.stringify(r.t.groups),
            force_refresh: r.t.forceRefresh,
            coalesced: false,
          })),
        )
        .onConflict(['portal_id', 'source', 'idempotency_key'])
        .ignore()
        .returning('id');
      // A concurrent request took one of the keys meanwhile: undo the whole batch, go one by one.
      if (inserted.length !== mine.length) throw new Error('idempotency key taken concurrently');
      await this.opts.enqueueRuns(trx, mine.map((r) => r.id));
      return {
        accepted: mine.map((r) => ({ pending: candidates[rows.indexOf(r)]!, result: { runId: r.id, duplicate: false, coalesced: false } })),
        rest,
      };
    });
  }
}
