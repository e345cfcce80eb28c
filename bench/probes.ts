// Measuring instruments for the benchmark: memory/CPU/event-loop sampling of the process tree, and
// a tracer on the engine's knex instance that shows how busy the database connection(s) are.
import fs from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Knex } from 'knex';

const MB = 1024 * 1024;

/** Resident memory of another process (Linux /proc), or null where that is not readable. */
function rssOf(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface SamplerResult {
  samples: number;
  /** Peak of (this process + children) RSS, sampled together. */
  peakTreeRssMb: number;
  peakSelfRssMb: number;
  peakChildRssMb: number;
  childRssReadable: boolean;
  cpuMs: number;
  eventLoopUtilization: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /**
   * A 10 ms interval timer's view: the longest gap between two of its callbacks, and the total time
   * spent in gaps over 100 ms (the event loop was not getting round to timers and I/O).
   */
  timerGaps: { maxMs: number; over100msTotalMs: number; over100msCount: number };
  /** Pending acquisitions of the DB connection pool, sampled (mean, max). */
  dbPendingAcquires: { mean: number; max: number } | null;
}

/** Samples RSS every `intervalMs` (this process plus the given children) until stopped. */
export function startSampler(opts: { childPids: number[]; intervalMs?: number; knex?: Knex }) {
  const pool = opts.knex ? (opts.knex.client as { pool?: { numPendingAcquires(): number } }).pool : undefined;
  let peakTree = 0;
  let peakSelf = 0;
  let peakChild = 0;
  let childReadable = opts.childPids.length > 0;
  let samples = 0;
  let pendingSum = 0;
  let pendingMax = 0;
  const sample = () => {
    samples++;
    const self = process.memoryUsage().rss;
    let children = 0;
    for (const pid of opts.childPids) {
      const r = rssOf(pid);
      if (r === null) childReadable = false;
      else children += r;
    }
    peakSelf = Math.max(peakSelf, self);
    peakChild = Math.max(peakChild, children);
    peakTree = Math.max(peakTree, self + children);
    if (pool) {
      const p = pool.numPendingAcquires();
      pendingSum += p;
      pendingMax = Math.max(pendingMax, p);
    }
  };
  const cpu0 = process.cpuUsage();
  const elu0: EventLoopUtilization = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let lastTick = performance.now();
  let maxGap = 0;
  let stallMs = 0;
  let stalls = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    const gap = now - lastTick;
    lastTick = now;
    maxGap = Math.max(maxGap, gap);
    if (gap > 100) {
      stallMs += gap;
      stalls++;
    }
  }, 10);
  sample();
  const timer = setInterval(sample, opts.intervalMs ?? 100);
  return {
    stop(): SamplerResult {
      clearInterval(timer);
      clearInterval(ticker);
      sample();
      delay.disable();
      const cpu = process.cpuUsage(cpu0);
      return {
        samples,
        peakTreeRssMb: round1(peakTree / MB),
        peakSelfRssMb: round1(peakSelf / MB),
        peakChildRssMb: round1(peakChild / MB),
        childRssReadable: childReadable,
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        eventLoopUtilization: round3(performance.eventLoopUtilization(elu0).utilization),
        eventLoopDelayMs: {
          p50: round1(delay.percentile(50) / 1e6),
          p99: round1(delay.percentile(99) / 1e6),
          max: round1(delay.max / 1e6),
        },
        timerGaps: { maxMs: Math.round(maxGap), over100msTotalMs: Math.round(stallMs), over100msCount: stalls },
        dbPendingAcquires: pool ? { mean: round1(pendingSum / Math.max(1, samples)), max: pendingMax } : null,
      };
    },
  };
}

export interface DbTraceResult {
  /** Statements sent through knex (pg-boss's own statements on PGlite are not among them). */
  statements: number;
  statementMs: number;
  /** Connection acquisitions (knex statements, transactions and pg-boss's statements alike). */
  acquisitions: number;
  acquireWaitMs: { mean: number; p99: number; max: number };
  /** Sum over connections of the time each was checked out. */
  connectionBusyMs: number;
  top: { sql: string; count: number; totalMs: number; meanMs: number }[];
}

interface TarnPool {
  on(event: 'acquireRequest', cb: (eventId: number) => void): void;
  on(event: 'acquireSuccess', cb: (eventId: number, resource: object) => void): void;
  on(event: 'release', cb: (resource: object) => void): void;
  removeAllListeners(event: string): void;
}

/** Counts and times statements and connection use on a knex instance until stopped. */
export function traceDb(knex: Knex) {
  const pool = (knex.client as { pool?: TarnPool }).pool;
  const started = new Map<string, number>();
  const bySql = new Map<string, { count: number; totalMs: number }>();
  let statements = 0;
  let statementMs = 0;
  const requested = new Map<number, number>();
  const held = new Map<object, number>();
  const waits: number[] = [];
  let busyMs = 0;

  const onQuery = (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now());
  const onDone = (q: { __knexQueryUid: string; sql: string }) => {
    const t0 = started.get(q.__knexQueryUid);
    if (t0 === undefined) return;
    started.delete(q.__knexQueryUid);
    const ms = performance.now() - t0;
    statements++;
    statementMs += ms;
    const key = q.sql.replace(/\s+/g, ' ').slice(0, 140);
    const s = bySql.get(key) ?? { count: 0, totalMs: 0 };
    s.count++;
    s.totalMs += ms;
    bySql.set(key, s);
  };
  const onResponse = (_r: unknown, q: { __knexQueryUid: string; sql: string }) => onDone(q);
  const onError = (_e: unknown, q: { __knexQueryUid: string; sql: string }) => onDone(q);
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  knex.on('query-error', onError);
  if (pool) {
    pool.on('acquireRequest', (id) => requested.set(id, performance.now()));
    pool.on('acquireSuccess', (id, resource) => {
      const t0 = requested.get(id);
      requested.delete(id);
      const now = performance.now();
      if (t0 !== undefined) waits.push(now - t0);
      held.set(resource, now);
    });
    pool.on('release', (resource) => {
      const t0 = held.get(resource);
      if (t0 !== undefined) busyMs += performance.now() - t0;
      held.delete(resource);
    });
  }
  return {
    stop(): DbTraceResult {
      knex.off('query', onQuery);
      knex.off('query-response', onResponse);
      knex.off('query-error', onError);
      if (pool) for (const e of ['acquireRequest', 'acquireSuccess', 'release']) pool.removeAllListeners(e);
      waits.sort((a, b) => a - b);
      const top = [...bySql.entries()]
        .map(([sql, s]) => ({ sql, count: s.count, totalMs: Math.round(s.totalMs), meanMs: round2(s.totalMs / s.count) }))
        .sort((a, b) => b.totalMs - a.totalMs)
        .slice(0, 30);
      return {
        statements,
        statementMs: Math.round(statementMs),
        acquisitions: waits.length,
        acquireWaitMs: {
          mean: round2(waits.reduce((s, w) => s + w, 0) / Math.max(1, waits.length)),
          p99: round1(waits[Math.floor(waits.length * 0.99)] ?? 0),
          max: round1(waits[waits.length - 1] ?? 0),
        },
        connectionBusyMs: Math.round(busyMs),
        top,
      };
    },
  };
}

export interface QueueDbTrace {
  statements: number;
  statementMs: number;
}

/**
 * Counts pg-boss's own statements where they go through the engine's embedded-database adapter
 * (PGlite: `Database.bossDb`); on Postgres pg-boss has its own pool and this returns null.
 */
export function traceQueueDb(bossDb: { executeSql: (text: string, values?: unknown[]) => Promise<unknown> } | undefined) {
  if (!bossDb) return { stop: (): QueueDbTrace | null => null };
  const original = bossDb.executeSql;
  let statements = 0;
  let statementMs = 0;
  bossDb.executeSql = async (text: string, values?: unknown[]) => {
    const t0 = performance.now();
    try {
      return await original.call(bossDb, text, values);
    } finally {
      statements++;
      statementMs += performance.now() - t0;
    }
  };
  return {
    stop(): QueueDbTrace | null {
      bossDb.executeSql = original;
      return { statements, statementMs: Math.round(statementMs) };
    },
  };
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
export const round2 = (n: number) => Math.round(n * 100) / 100;
export const round3 = (n: number) => Math.round(n * 1000) / 1000;
