// Pacing per (vendor, key fingerprint). Vendors count requests in fixed windows aligned to the clock
// (Apollo's minute/hour/day, Hunter's second/minute), so each of our windows is keyed by the same
// clock slot: a slot's budget can never spill into the vendor's next window. Counts live in
// rate-limiter-flexible's Postgres store (shared by every process) or its memory store (PGlite,
// one process). A vendor's limit signal blocks the bucket for everyone until the vendor's reset.
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateWindow } from '../vendors/types.ts';

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
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly inFlight = new Map<string, LimitFunction>();
  private blocker!: RateLimiterAbstract;
  private readonly opts: RateGateOptions;
  /** Waits and refusals, for the metrics and the benchmark. */
  readonly stats = { granted: 0, waits: 0, waitedMs: 0, refused: 0, blocks: 0 };

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

  private limiterFor(w: RateWindow): RateLimiterAbstract {
    const id = `${w.limit}/${w.windowMs}`;
    let l = this.limiters.get(id);
    if (!l) {
      l = this.make(w.limit, Math.max(1, Math.ceil(w.windowMs / 1000)), `w${w.windowMs}`);
      this.limiters.set(id, l);
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
  async acquire(bucket: string, windows: readonly RateWindow[], deadline: number): Promise<AcquireResult> {
    const started = Date.now();
    const ordered = [...windows].sort((a, b) => a.windowMs - b.windowMs);
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
          const limiter = this.limiterFor(w);
          const slotKey = `${bucket}@${Math.floor(now / w.windowMs)}`;
          try {
            await limiter.consume(slotKey, 1);
            taken.push([limiter, slotKey]);
          } catch (err) {
            if (!(err instanceof RateLimiterRes)) throw err;
            waitUntil = (Math.floor(now / w.windowMs) + 1) * w.windowMs + 1;
            await limiter.reward(slotKey, 1); // the refused consume still counted a point
            break;
          }
        }
        if (!waitUntil) {
          this.stats.granted++;
          const waitedMs = Date.now() - started;
          this.stats.waitedMs += waitedMs;
          const validUntil = Math.min(...ordered.map((w) => (Math.floor(now / w.windowMs) + 1) * w.windowMs)) - this.opts.guardMs;
          return { ok: true, waitedMs, validUntil };
        }
        for (const [limiter, key] of taken) await limiter.reward(key, 1);
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
}
