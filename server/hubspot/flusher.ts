// Sends the outbox to HubSpot: per (portal, kind), batches of ≤ 100 per call, through the portal's
// pacing. Contact updates re-read the contacts first and apply the portal's write policy against
// the values they have now (a value typed in since the run started is kept), and a contact deleted
// meanwhile is skipped. A 429 pauses the portal (nothing counted as failed); 5xx and timeouts back
// off; an uninstalled portal's items are dropped.
import type { Knex } from 'knex';
import type { Client } from '@hubspot/api-client';
import pLimit from 'p-limit';
import type { Logger } from '../log.ts';
import { loadSettings } from '../enrichment/settings.ts';
import { PROPERTY_FOR, computePropertyChanges } from '../enrichment/write-policy.ts';
import type { CanonicalField } from '../vendors/types.ts';
import { HubSpotBusyError, HubSpotHttpError } from './portal-api.ts';
import type { PortalApi } from './portal-api.ts';
import { claimBatch, dueGroups, markDone, retryLater } from './outbox.ts';
import type { DueGroup, OutboxItem, OutboxKind } from './outbox.ts';
import type { CallbackPayload, ContactUpdatePayload, TimelinePayload } from './write-back.ts';

/** After this many failed attempts (not counting HubSpot's pauses) an item is dead and reported. */
export const MAX_OUTBOX_ATTEMPTS = 15;

export interface FlusherOptions {
  db: Knex;
  api: PortalApi;
  owner: string;
  /** How long queued items wait for company before a partial batch leaves. */
  delayMs: number;
  log: Logger;
  tickMs?: number;
  /** Portals flushed at once by this process. */
  concurrency?: number;
}

export interface FlushStats {
  calls: number;
  sent: Record<OutboxKind, number>;
  skipped: number;
  dead: number;
  retried: number;
}

const isUninstalled = (err: unknown) => {
  const name = (err as Error)?.name;
  return name === 'NotInstalledError' || name === 'UninstalledError';
};

/** The properties a 400 "Property values were not valid: [...]" names (HubSpot's message carries JSON). */
export function refusedPropertyNames(body: unknown): string[] {
  const message = String((body as { message?: unknown } | null)?.message ?? '');
  const names = new Set<string>();
  const start = message.indexOf('[');
  if (start >= 0) {
    try {
      for (const p of JSON.parse(message.slice(start)) as { name?: unknown }[]) if (typeof p?.name === 'string') names.add(p.name);
    } catch {
      for (const m of message.matchAll(/"name":"([^"]+)"/g)) names.add(m[1]!);
    }
  }
  return [...names];
}

/** The callback ids a refused batch names (`context.callbackIds` or per-error context), if any. */
export function refusedCallbackIds(body: unknown): Set<string> | null {
  const b = body as { context?: { callbackIds?: unknown }; errors?: { context?: { callbackId?: unknown; callbackIds?: unknown } }[] } | null;
  const ids = new Set<string>();
  const add = (v: unknown) => {
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string' && x) ids.add(x);
  };
  add(b?.context?.callbackIds);
  for (const e of Array.isArray(b?.errors) ? b.errors : []) {
    add(e?.context?.callbackId);
    add(e?.context?.callbackIds);
  }
  return ids.size ? ids : null;
}

const backoff = (attempts: number) => Math.min(300_000, 1_000 * 2 ** Math.max(0, attempts - 1)) * (0.75 + Math.random() * 0.5);

export class OutboxFlusher {
  private readonly opts: FlusherOptions;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  readonly stats: FlushStats = { calls: 0, sent: { contact_update: 0, callback_complete: 0, timeline_event: 0 }, skipped: 0, dead: 0, retried: 0 };

  constructor(opts: FlusherOptions) {
    this.opts = opts;
    this.limit = pLimit(opts.concurrency ?? 4);
  }

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick(this.opts.delayMs)
        .then(() => undefined, (err: unknown) => this.opts.log.error({ err }, 'outbox flush failed'))
        .finally(() => {
          this.ticking = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.opts.tickMs ?? 250);
        });
    };
    loop();
  }

  /** Stops the loop; with `drain`, first sends everything pending now (shutdown). */
  async stop(drain = false): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    if (drain) await this.flushAll();
  }

  /** Sends whatever is pending, full or not (the safety-net schedule and shutdown). */
  async flushAll(): Promise<number> {
    let total = 0;
    for (let i = 0; i < 1000; i++) {
      const n = await this.tick(0);
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  /** One pass over due groups; returns the number of items that reached a final state. */
  async tick(delayMs: number): Promise<number> {
    const groups = await dueGroups(this.opts.db, delayMs);
    const counts = await Promise.all(
      groups
        .filter((g) => !this.busy.has(`${g.portalId}:${g.kind}`))
        .map((g) => this.limit(() => this.flushGroup(g))),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  private async flushGroup(g: DueGroup): Promise<number> {
    const key = `${g.portalId}:${g.kind}`;
    if (this.busy.has(key)) return 0;
    this.busy.add(key);
    let finished = 0;
    try {
      // One batch per pass: what is left is due again only when it fills or ages (the next tick).
      const items = await claimBatch(this.opts.db, g, this.opts.owner, 120_000);
      if (items.length > 0) finished += await this.send(g.portalId, g.kind, items);
    } finally {
      this.busy.delete(key);
    }
    return finished;
  }

  private async send(portalId: number, kind: OutboxKind, items: OutboxItem[]): Promise<number> {
    const { db, owner, log } = this.opts;
    try {
      if (kind === 'contact_update') return await this.sendContactUpdates(portalId, items as OutboxItem<ContactUpdatePayload>[]);
      if (kind === 'callback_complete') return await this.sendCallbacks(portalId, items as OutboxItem<CallbackPayload>[]);
      return await this.sendTimeline(portalId, items as OutboxItem<TimelinePayload>[]);
    } catch (err) {
      const ids = items.map((i) => Number(i.id));
      // HubSpot refuses a whole batch for one bad value (a property an admin turned into a dropdown
      // whose options the vendor's value is not among): find the contact by halves, then write it
      // without the properties HubSpot named — never lose 99 contacts' writes for one value.
      if (kind === 'contact_update' && err instanceof HubSpotHttpError && err.status === 400) {
        const updates = items as OutboxItem<ContactUpdatePayload>[];
        if (updates.length > 1) {
          const mid = Math.ceil(updates.length / 2);
          return (await this.send(portalId, kind, updates.slice(0, mid))) + (await this.send(portalId, kind, updates.slice(mid)));
        }
        const refused = refusedPropertyNames(err.body);
        const item = updates[0]!;
        if (refused.length && !item.payload.drop) {
          log.warn({ portalId, properties: refused }, 'HubSpot refused some property values: writing the contact without them');
          return this.send(portalId, kind, [{ ...item, payload: { ...item.payload, drop: refused } }]);
        }
      }
      if (isUninstalled(err)) {
        this.stats.skipped += ids.length;
        return markDone(db, ids, owner, 'skipped', 'portal not installed');
      }
      if (err instanceof HubSpotBusyError || (err instanceof HubSpotHttpError && err.status === 429)) {
        const at = err instanceof HubSpotBusyError ? err.retryAt : (err.retryAt ?? Date.now() + 2_000);
        this.stats.retried += ids.length;
        await retryLater(db, ids, owner, new Date(at), err.message, true);
        return 0;
      }
      const attempts = Math.max(...items.map((i) => i.attempts));
      const retryable = !(err instanceof HubSpotHttpError) || err.retryable;
      if (!retryable || attempts >= MAX_OUTBOX_ATTEMPTS) {
        log.error({ portalId, kind, items: ids.length, err: (err as Error).message }, 'HubSpot refused queued writes: giving up on them');
        this.stats.dead += ids.length;
        return markDone(db, ids, owner, 'dead', (err as Error).message.slice(0, 500));
      }
      log.warn({ portalId, kind, items: ids.length, attempts, err: (err as Error).message }, 'HubSpot write failed; will retry');
      this.stats.retried += ids.length;
      await retryLater(db, ids, owner, new Date(Date.now() + backoff(attempts)), (err as Error).message);
      return 0;
    }
  }

  private async call<T>(portalId: number, op: string, fn: (c: Client) => Promise<T>): Promise<T> {
    this.stats.calls++;
    return this.opts.api.call(portalId, op, fn);
  }

  private async sendContactUpdates(portalId: number, items: OutboxItem<ContactUpdatePayload>[]): Promise<number> {
    const { db, owner } = this.opts;
    const settings = await loadSettings(db, portalId);
    const contactIds = [...new Set(items.map((i) => String(i.contact_id)))];
    const wanted = new Set<string>();
    for (const i of items) for (const f of Object.keys(i.payload.profile)) wanted.add(PROPERTY_FOR[f as CanonicalField]);
    const read = await this.call(portalId, 'contacts.batch.read', (c) =>
      c.crm.contacts.batchApi.read({ inputs: contactIds.map((id) => ({ id })), properties: [...wanted], propertiesWithHistory: [] }, false),
    );
    const current = new Map<string, Record<string, string | null>>();
    for (const r of read.results) current.set(String(r.id), r.properties);

    // Later runs of the same contact win; each contact appears once in the update (HubSpot refuses duplicates).
    const merged = new Map<string, Record<string, string>>();
    const gone: number[] = [];
    const writes: number[] = [];
    for (const item of items) {
      const id = String(item.contact_id);
      const values = current.get(id);
      if (!values) {
        gone.push(Number(item.id));
        continue;
      }
      const policy = item.payload.applyProfile ? computePropertyChanges(item.payload.profile, values, settings).changes : {};
      const next = { ...(merged.get(id) ?? {}), ...policy, ...item.payload.app };
      for (const name of item.payload.drop ?? []) delete next[name];
      merged.set(id, next);
      writes.push(Number(item.id));
    }
    let finished = 0;
    if (gone.length) {
      this.stats.skipped += gone.length;
      finished += await markDone(db, gone, owner, 'skipped', 'contact no longer exists');
    }
    if (merged.size === 0) return finished;
    const inputs = [...merged].map(([id, properties]) => ({ id, properties }));
    const updated = await this.call(portalId, 'contacts.batch.update', (c) => c.crm.contacts.batchApi.update({ inputs }));
    // A contact deleted between our read and our write comes back as an error, not a result.
    const written = new Set(updated.results.map((r) => String(r.id)));
    const done = items.filter((i) => writes.includes(Number(i.id)) && written.has(String(i.contact_id))).map((i) => Number(i.id));
    const lost = writes.filter((id) => !done.includes(id));
    this.stats.sent.contact_update += done.length;
    const dropped = items.flatMap((i) => i.payload.drop ?? []);
    finished += await markDone(db, done, owner, 'done', dropped.length ? `written without ${[...new Set(dropped)].join(', ')} (refused by HubSpot)` : null);
    if (lost.length) {
      this.stats.skipped += lost.length;
      finished += await markDone(db, lost, owner, 'skipped', 'contact no longer exists');
    }
    return finished;
  }

  private async sendCallbacks(portalId: number, items: OutboxItem<CallbackPayload>[]): Promise<number> {
    const { db, owner } = this.opts;
    const ids = items.map((i) => Number(i.id));
    try {
      await this.call(portalId, 'callbacks.complete.batch', (c) =>
        c.automation.actions.callbacksApi.completeBatch({ inputs: items.map((i) => ({ callbackId: i.payload.callbackId, outputFields: i.payload.outputFields })) }),
      );
    } catch (err) {
      if (!(err instanceof HubSpotHttpError) || err.retryable) throw err;
      // HubSpot completes the valid inputs of a batch and names the ones it refused (expired, unknown,
      // already completed): only those are given up on. Completing the rest again would be a second
      // completion. Without a list, one by one finds out which is which.
      const refused = refusedCallbackIds(err.body);
      if (!refused) return this.sendCallbacksOneByOne(portalId, items);
      const bad = items.filter((i) => refused.has(i.payload.callbackId)).map((i) => Number(i.id));
      const good = items.filter((i) => !refused.has(i.payload.callbackId)).map((i) => Number(i.id));
      this.opts.log.warn({ portalId, refused: bad.length, status: err.status }, 'HubSpot refused some workflow callbacks');
      this.stats.sent.callback_complete += good.length;
      // 409: already completed (by us, in a call whose answer was lost) — that is done, not dead.
      const already = err.status === 409;
      if (!already) this.stats.dead += bad.length;
      return (await markDone(db, good, owner, 'done')) + (await markDone(db, bad, owner, already ? 'done' : 'dead', err.message));
    }
    this.stats.sent.callback_complete += ids.length;
    return markDone(db, ids, owner, 'done');
  }

  private async sendCallbacksOneByOne(portalId: number, items: OutboxItem<CallbackPayload>[]): Promise<number> {
    const { db, owner, log } = this.opts;
    let finished = 0;
    for (const item of items) {
      try {
        await this.call(portalId, 'callbacks.complete', (c) =>
          c.automation.actions.callbacksApi.complete(item.payload.callbackId, { outputFields: item.payload.outputFields }),
        );
        this.stats.sent.callback_complete++;
        finished += await markDone(db, [Number(item.id)], owner, 'done');
      } catch (err) {
        if (err instanceof HubSpotHttpError && err.status === 409) {
          // Already completed: by us, in a batch whose answer was lost. Done, not sent again.
          finished += await markDone(db, [Number(item.id)], owner, 'done', 'already completed');
          continue;
        }
        if (err instanceof HubSpotHttpError && !err.retryable) {
          // Expired (the workflow moved on) or already completed: nothing more to do for it.
          log.warn({ portalId, status: err.status }, 'workflow callback refused by HubSpot');
          this.stats.dead++;
          finished += await markDone(db, [Number(item.id)], owner, 'dead', err.message);
          continue;
        }
        // Retryable (429, 5xx): the caller puts back what is still pending; finished ones stay finished.
        throw err;
      }
    }
    return finished;
  }

  private async sendTimeline(portalId: number, items: OutboxItem<TimelinePayload>[]): Promise<number> {
    const { db, owner } = this.opts;
    const ids = items.map((i) => Number(i.id));
    await this.call(portalId, 'timeline.events.batch', async (c) => {
      const r = await c.apiRequest({ method: 'POST', path: '/integrators/timeline/v4/events/batch', body: { inputs: items.map((i) => i.payload) } });
      // apiRequest hands back the raw response: turn an error status into the SDK's error shape.
      if (r.status >= 400 && r.status !== 409) {
        const body = await r.json().catch(() => ({}));
        throw Object.assign(new Error(`timeline ${r.status}`), { code: r.status, body, headers: Object.fromEntries(r.headers) });
      }
      return r.status;
    });
    // 409: occurrences already exist (a retry after a lost answer) — they are immutable, so done.
    this.stats.sent.timeline_event += ids.length;
    return markDone(db, ids, owner, 'done');
  }
}
