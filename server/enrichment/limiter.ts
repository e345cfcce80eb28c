// Pacing per (vendor, key fingerprint). Vendors count requests in fixed windows aligned to the clock
// (Apollo's minute/hour/day, Hunter's second/minute), so each of our windows is keyed by the same
// clock slot: a slot's budget can never spill into the vendor's next window. Counts live in
// rate-limiter-flexible's Postgres store (shared by every process) or its memory store (PGlite,
// one process). A vendor's limit signal blocks the bucket for everyone until the vendor's reset.
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import { RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { QuotaReport, RateWindow } from '../vendors/types.ts';

/**
 * `validUntil`: the request must leave before this instant (epoch ms) to land inside the windows
 * it was counted in; later, acquire again.
 */
export type AcquireResult = { ok: true; waitedMs: number; validUntil: number } | { ok: false; waitedMs: number; until: number };

export interface RateGateOptions {
  /** Postgres: fleet-wide counts in the database; absent: in-process memory (embedded PGlite). */
  knex?: Knex;
  /** Requests are not sent in the last `guardMs` of a window, so one in flight cannot land in the next. */
  guardMs: number;
  /** At most this many calls in flight per bucket in this process. */
  maxInFlight: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TABLE = 'rate_limiter_buckets';

export class RateGate {
  private readonly limiters = new Map<number, RateLimiterAbstract>();
  private readonly inFlight = new Map<string, LimitFunction>();
  private blocker!: RateLimiterAbstract;
  private readonly opts: RateGateOptions;
  /** Waits and refusals, for the metrics and the benchmark. */
  readonly stats = { granted: 0, waits: 0, waitedMs: 0, refused: 0, blocks: 0, tightened: 0 };
  /** Window limits a vendor reported lower than configured, per bucket and window length. */
  private readonly learned = new Map<string, Map<number, number>>();

  private constructor(opts: RateGateOptions) {
    this.opts = opts;
  }

  static async create(opts: RateGateOptions): Promise<RateGate> {
    const gate = new RateGate(opts);
    if (opts.knex) {
      // The first limiter creates the shared table; the others reuse it.
      await new Promise<void>((resolve, reject) => {
        new RateLimiterPostgres(
          { storeClient: opts.knex, storeType: 'knex', tableName: TABLE, points: 1, duration: 1 },
          (err?: Error) => (err ? reject(err) : resolve()),
        );
      });
    }
    gate.blocker = gate.make(1, 1, 'block');
    return gate;
  }

  private make(points: number, durationSec: number, prefix: string): RateLimiterAbstract {
    if (this.opts.knex) {
      return new RateLimiterPostgres({
        storeClient: this.opts.knex,
        storeType: 'knex',
        tableName: TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
        points,
        duration: durationSec,
        keyPrefix: prefix,
      });
    }
    return new RateLimiterMemory({ points, duration: durationSec, keyPrefix: prefix });
  }

  /**
   * One counter store per window length. The store never refuses (its points are unbounded): the
   * limit is compared here, so a limit tightened at run time keeps counting in the same slot.
   */
  private limiterFor(windowMs: number): RateLimiterAbstract {
    let l = this.limiters.get(windowMs);
    if (!l) {
      l = this.make(Number.MAX_SAFE_INTEGER, Math.max(1, Math.ceil(windowMs / 1000)), `w${windowMs}`);
      this.limiters.set(windowMs, l);
    }
    return l;
  }

  /** The in-process concurrency cap of a bucket. */
  slots(bucket: string): LimitFunction {
    let l = this.inFlight.get(bucket);
    if (!l) {
      l = pLimit(this.opts.maxInFlight);
      this.inFlight.set(bucket, l);
    }
    return l;
  }

  /** Until when the bucket is blocked by a vendor's limit signal (0 when it is not). */
  async blockedUntil(bucket: string): Promise<number> {
    const res = await this.blocker.get(bucket);
    if (res && res.consumedPoints > 1 && res.msBeforeNext > 0) return Date.now() + res.msBeforeNext;
    return 0;
  }

  /** Blocks the bucket for every process until `until` (epoch ms). */
  async block(bucket: string, until: number): Promise<void> {
    const ms = until - Date.now();
    if (ms <= 0) return;
    const current = await this.blockedUntil(bucket);
    if (current >= until) return;
    this.stats.blocks++;
    await this.blocker.block(bucket, ms / 1000);
  }

  /**
   * Takes one request from every window of the bucket, waiting for the next window when one is
   * used up, as long as the wait ends before `deadline`. Budget left in other windows is given back
   * when one refuses, so a refusal costs nothing.
   */
  async acquire(bucket: string, windows: readonly RateWindow[], deadline: number, points = 1): Promise<AcquireResult> {
    const started = Date.now();
    const ordered = this.effective(bucket, windows).sort((a, b) => a.windowMs - b.windowMs);
    // A request that costs more than a whole window could never be granted: it waits for an empty one.
    const cost = Math.max(1, Math.min(points, ...ordered.map((w) => w.limit)));
    for (;;) {
      const now = Date.now();
      let waitUntil = await this.blockedUntil(bucket);
      if (!waitUntil) {
        for (const w of ordered) {
          const end = (Math.floor(now / w.windowMs) + 1) * w.windowMs;
          if (end - now < this.opts.guardMs) waitUntil = Math.max(waitUntil, end + 1);
        }
      }
      if (!waitUntil) {
        const taken: [RateLimiterAbstract, string][] = [];
        for (const w of ordered) {
          const limiter = this.limiterFor(w.windowMs);
          const slotKey = `${bucket}@${Math.floor(now / w.windowMs)}`;
          const res = await limiter.consume(slotKey, cost);
          if (res.consumedPoints > w.limit) {
            waitUntil = (Math.floor(now / w.windowMs) + 1) * w.windowMs + 1;
            await limiter.reward(slotKey, cost);
            break;
          }
          taken.push([limiter, slotKey]);
        }
        if (!waitUntil) {
          this.stats.granted += cost;
          const waitedMs = Date.now() - started;
          this.stats.waitedMs += waitedMs;
          const validUntil = Math.min(...ordered.map((w) => (Math.floor(now / w.windowMs) + 1) * w.windowMs)) - this.opts.guardMs;
          return { ok: true, waitedMs, validUntil };
        }
        for (const [limiter, key] of taken) await limiter.reward(key, cost);
      }
      // Spread the waiters a little so they do not all hit the store in the same millisecond.
      const wakeAt = waitUntil + Math.floor(Math.random() * 15);
      if (wakeAt > deadline) {
        this.stats.refused++;
        return { ok: false, waitedMs: Date.now() - started, until: waitUntil };
      }
      this.stats.waits++;
      await sleep(Math.max(0, wakeAt - Date.now()));
    }
  }

  /** The configured windows, with any limit a vendor reported lower put in its place. */
  private effective(bucket: string, windows: readonly RateWindow[]): RateWindow[] {
    const learned = this.learned.get(bucket);
    if (!learned) return [...windows];
    return windows.map((w) => {
      const lower = learned.get(w.windowMs);
      return lower !== undefined && lower < w.limit ? { limit: lower, windowMs: w.windowMs } : w;
    });
  }

  /**
   * Reads what the vendor said is left of its windows and tightens the bucket to it: a stated limit
   * lower than configured replaces it; a remaining count lower than ours uses the difference up in
   * the current slot (less the requests of ours still in flight, which the vendor has not counted
   * yet); nothing left blocks the bucket until the vendor's reset. Never loosens anything.
   */
  async observe(bucket: string, windows: readonly RateWindow[], reports: readonly QuotaReport[], inFlight = 0): Promise<void> {
    for (const r of reports) {
      if (!Number.isFinite(r.remaining) || !(r.windowMs > 0)) continue;
      const w = windows.find((x) => Math.abs(x.windowMs - r.windowMs) <= r.windowMs * 0.1);
      const now = Date.now();
      if (r.remaining <= 0) {
        const boundary = (Math.floor(now / r.windowMs) + 1) * r.windowMs;
        await this.block(bucket, r.resetAt && r.resetAt > now ? r.resetAt : boundary);
        continue;
      }
      if (!w) continue;
      let limit = w.limit;
      if (r.limit !== undefined && Number.isFinite(r.limit) && r.limit > 0) {
        const learned = this.learned.get(bucket) ?? new Map<number, number>();
        if (r.limit < w.limit) {
          if (learned.get(w.windowMs) !== r.limit) this.stats.tightened++;
          learned.set(w.windowMs, r.limit);
          this.learned.set(bucket, learned);
          limit = r.limit;
        } else learned.delete(w.windowMs);
      }
      const limiter = this.limiterFor(w.windowMs);
      const slotKey = `${bucket}@${Math.floor(now / w.windowMs)}`;
      const used = (await limiter.get(slotKey))?.consumedPoints ?? 0;
      const shouldBeUsed = limit - r.remaining + Math.max(0, inFlight);
      if (shouldBeUsed > used) {
        this.stats.tightened++;
        await limiter.penalty(slotKey, shouldBeUsed - used);
      }
    }
  }
}
