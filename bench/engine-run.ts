// The engine phase of the benchmark: a real Cascade (composition root, pg-boss queue, workers) on a
// fresh database (embedded PGlite in a temp folder, or a fresh schema on DATABASE_URL), fed the
// workload's triggers as fast as they are accepted, against simulators in a child process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { configSchema, loadConfig } from '../server/config.ts';
import type { Config } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import type { Database } from '../server/db/database.ts';
import { createLogger } from '../server/log.ts';
import { createCascade } from '../server/cascade.ts';
import { ensurePortal } from '../server/portals/portals.ts';
import { saveSettings } from '../server/enrichment/settings.ts';
import type { TriggerResult } from '../server/enrichment/runs.ts';
import { defaultAdapters } from '../server/vendors/registry.ts';
import type { VendorAdapter } from '../server/vendors/types.ts';
import { startSimProcess } from './sims.ts';
import type { SimSnapshot } from './sims.ts';
import { startSampler, traceDb, traceQueueDb } from './probes.ts';
import type { DbTraceResult, QueueDbTrace, SamplerResult } from './probes.ts';
import { APOLLO_KEY, HUNTER_KEY, PORTAL_ID, portalRateLimits, simOptions } from './workload.ts';
import type { BenchCaps, TriggerKind, Workload } from './workload.ts';
import { chooseDatabase, dropDatabase, LogCounter, percentile, sleep } from './harness.ts';

export interface EngineRunOptions {
  caps: BenchCaps;
  workers: number;
  triggerConcurrency: number;
  /**
   * Let the event loop turn after each accepted trigger, as separate HTTP requests would. Without it
   * the feed is one unbroken chain of promise continuations (PGlite answers without real I/O) that
   * starves every timer in the process until the whole burst is accepted.
   */
  yieldBetweenTriggers: boolean;
  /** Engine settings (environment-style) the benchmark chooses; the process environment overrides them. */
  config: Record<string, string>;
  /** Give up waiting for runs after this long (the report then names the unfinished ones). */
  maxWaitMs: number;
}

export interface EnginePhase {
  backend: 'pglite' | 'postgres';
  config: Pick<
    Config,
    | 'VENDOR_TIMEOUT_MS'
    | 'VENDOR_MAX_IN_FLIGHT'
    | 'VENDOR_MAX_ATTEMPTS'
    | 'RATE_WINDOW_GUARD_MS'
    | 'STEP_WAIT_BUDGET_MS'
    | 'WORKER_CONCURRENCY'
    | 'RUN_LEASE_MS'
  >;
  triggerConcurrency: number;
  yieldBetweenTriggers: boolean;
  firstAcceptedAt: number;
  allAcceptedAt: number;
  lastFinishedAt: number;
  /** When the harness's poll saw no unfinished run (≥ lastFinishedAt; a check on the DB clock). */
  observedDoneAt: number;
  unfinishedRuns: number;
  triggers: { byKind: Record<TriggerKind, { duplicate: number; coalesced: number; newRun: number }>; distinctRuns: number };
  runsByStatus: Record<string, number>;
  /** Over all runs: groups asked for, and groups filled at the end. */
  groups: { requested: number; filled: number };
  runTimingsMs: { queueWaitP50: number; queueWaitP95: number; durationP50: number; durationP95: number; execP50: number; execP95: number };
  steps: { vendor: string; operation: string; source: string | null; state: string; skip_reason: string | null; steps: number; http_calls: number; waited_ms: number }[];
  cacheHits: number;
  cacheRows: number;
  gate: { granted: number; waits: number; waitedMs: number; refused: number; blocks: number };
  sampler: SamplerResult;
  db: DbTraceResult;
  /** pg-boss's statements through the shared PGlite connection (null on Postgres). */
  queueDb: QueueDbTrace | null;
  sims: SimSnapshot;
  logLines: Record<string, number>;
  /** Every vendor call as the engine saw it (through a pass-through wrapper around the real adapters). */
  calls: CallRecord[];
  firstRunStartedAt: number | null;
  /** Runs started per second since the first trigger was accepted. */
  runStartsPerSecond: number[];
  /** Where the embedded database was kept (BENCH_KEEP_DATA=1), for inspection. */
  keptDataDir: string | null;
}

/** [sent at, answered at, vendor, operation, outcome, HTTP status, no answer within the timeout, lookup key]. */
export type CallRecord = [number, number, string, string, string, number, boolean, string];

/**
 * The real adapters, unchanged, behind a wrapper that records what each call returned and how long
 * it took as the engine experienced it (event-loop delays included).
 */
function recordingAdapters(calls: CallRecord[]): Map<string, VendorAdapter> {
  const out = new Map<string, VendorAdapter>();
  for (const [id, adapter] of defaultAdapters()) {
    out.set(id, {
      ...adapter,
      call: async (operation, lookup, ctx) => {
        const sent = Date.now();
        const r = await adapter.call(operation, lookup, ctx);
        calls.push([
          sent,
          Date.now(),
          id,
          operation,
          r.outcome,
          r.httpStatus,
          r.httpStatus === 0 && /^no answer within/.test(r.message ?? ''),
          lookup.key,
        ]);
        return r;
      },
    });
  }
  return out;
}



export async function runEngine(workload: Workload, opts: EngineRunOptions): Promise<EnginePhase> {
  const pgUrl = process.env.DATABASE_URL || undefined;
  const sims = await startSimProcess(simOptions(opts.caps));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cascade-bench-'));
  let db: Database | undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ...opts.config,
  };
  for (const key of Object.keys(configSchema.shape)) {
    const v = process.env[key];
    if (v !== undefined && v.trim() !== '') env[key] = v;
  }
  env.APOLLO_BASE_URL = sims.apolloBaseUrl;
  env.HUNTER_BASE_URL = sims.hunterBaseUrl;
  const schema = chooseDatabase(env, pgUrl, 'bench');
  const config = loadConfig(env);
  if (pgUrl) db = await openDatabase({ url: pgUrl, schema, poolMax: config.DATABASE_POOL_MAX });
  const logs = new LogCounter();
  const log = createLogger({ level: 'warn', destination: logs });
  const calls: CallRecord[] = [];
  const cascade = await createCascade(config, {
    log,
    db,
    queueSchema: schema ? `${schema}_boss` : undefined,
    adapters: recordingAdapters(calls),
  });
  const keepData = process.env.BENCH_KEEP_DATA === '1' && !pgUrl;
  const knex = cascade.db.knex;
  try {
    await ensurePortal(knex, PORTAL_ID, 'Benchmark portal');
    await cascade.credentials.put(PORTAL_ID, { vendor: 'apollo', apiKey: APOLLO_KEY });
    await cascade.credentials.put(PORTAL_ID, { vendor: 'hunter', apiKey: HUNTER_KEY });
    await saveSettings(knex, PORTAL_ID, { rate_limits: portalRateLimits(opts.caps) });
    await cascade.startWorker(config.WORKER_CONCURRENCY);

    const tracer = traceDb(knex);
    const queueTracer = traceQueueDb(cascade.db.bossDb);
    const sampler = startSampler({ childPids: [sims.pid], knex });
    const triggers = workload.triggers;
    const results: TriggerResult[] = new Array(triggers.length);
    let next = 0;
    let firstAcceptedAt = 0;
    const feeder = async () => {
      while (next < triggers.length) {
        const i = next++;
        const t = triggers[i]!;
        results[i] = await cascade.trigger({
          portalId: PORTAL_ID,
          contactId: t.contactId,
          source: t.source,
          idempotencyKey: t.idempotencyKey,
          groups: [...t.groups],
          properties: t.properties,
        });
        if (!firstAcceptedAt) firstAcceptedAt = Date.now();
        // Each trigger is its own HTTP request in production: let the event loop turn between them.
        if (opts.yieldBetweenTriggers) await nextTurn();
      }
    };
    await Promise.all(Array.from({ length: opts.triggerConcurrency }, feeder));
    const allAcceptedAt = Date.now();

    const deadline = allAcceptedAt + opts.maxWaitMs;
    let unfinished = 0;
    for (;;) {
      const row = (await knex('enrichment_runs').whereNot({ state: 'done' }).count('* as n').first()) as { n: number | string };
      unfinished = Number(row.n);
      if (unfinished === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    const observedDoneAt = Date.now();
    const sampled = sampler.stop();
    const dbTrace = tracer.stop();
    const queueDb = queueTracer.stop();
    const simSnapshot = await sims.snapshot();

    const last = (await knex('enrichment_runs').max('finished_at as last').first()) as { last: Date | string | null };
    const lastFinishedAt = last.last ? new Date(last.last).getTime() : observedDoneAt;

    const byKind = {} as EnginePhase['triggers']['byKind'];
    for (const k of ['original', 'retry', 'recontact'] as const) byKind[k] = { duplicate: 0, coalesced: 0, newRun: 0 };
    triggers.forEach((t, i) => {
      const r = results[i]!;
      const b = byKind[t.kind];
      if (r.duplicate) b.duplicate++;
      else if (r.coalesced) b.coalesced++;
      else b.newRun++;
    });

    const statusRows = (await knex('enrichment_runs').select('status').count('* as n').groupBy('status')) as { status: string | null; n: string | number }[];
    const runsByStatus: Record<string, number> = {};
    for (const r of statusRows) runsByStatus[r.status ?? 'unfinished'] = Number(r.n);

    const timingRows = (await knex('enrichment_runs').select('created_at', 'started_at', 'finished_at', 'summary')) as {
      created_at: Date;
      started_at: Date | null;
      finished_at: Date | null;
      summary: { groups?: string[]; satisfied?: string[] } | string | null;
    }[];
    const groups = { requested: 0, filled: 0 };
    for (const r of timingRows) {
      const summary = typeof r.summary === 'string' ? (JSON.parse(r.summary) as { groups?: string[]; satisfied?: string[] }) : r.summary;
      groups.requested += summary?.groups?.length ?? 0;
      groups.filled += summary?.satisfied?.length ?? 0;
    }
    const ms = (d: Date | string | null) => (d ? new Date(d).getTime() : NaN);
    const queueWait = timingRows.map((r) => ms(r.started_at) - ms(r.created_at)).filter(Number.isFinite).sort((a, b) => a - b);
    const duration = timingRows.map((r) => ms(r.finished_at) - ms(r.created_at)).filter(Number.isFinite).sort((a, b) => a - b);
    const exec = timingRows.map((r) => ms(r.finished_at) - ms(r.started_at)).filter(Number.isFinite).sort((a, b) => a - b);
    const starts = timingRows.map((r) => ms(r.started_at)).filter(Number.isFinite);
    const runStartsPerSecond: number[] = [];
    for (const t of starts) {
      const sec = Math.max(0, Math.floor((t - firstAcceptedAt) / 1000));
      while (runStartsPerSecond.length <= sec) runStartsPerSecond.push(0);
      runStartsPerSecond[sec]!++;
    }

    const steps = (
      (await knex('run_steps')
        .select('vendor', 'operation', 'source', 'state', 'skip_reason')
        .count('* as steps')
        .sum('http_calls as http_calls')
        .sum('waited_ms as waited_ms')
        .groupBy('vendor', 'operation', 'source', 'state', 'skip_reason')
        .orderBy(['vendor', 'operation', 'source', 'state'])) as Record<string, string | number | null>[]
    ).map((r) => ({
      vendor: String(r.vendor),
      operation: String(r.operation),
      source: (r.source as string | null) ?? null,
      state: String(r.state),
      skip_reason: (r.skip_reason as string | null) ?? null,
      steps: Number(r.steps),
      http_calls: Number(r.http_calls ?? 0),
      waited_ms: Number(r.waited_ms ?? 0),
    }));
    const cache = (await knex('vendor_cache').sum('hits as hits').count('* as n').first()) as { hits: number | string | null; n: number | string };

    return {
      backend: cascade.db.kind,
      config: {
        VENDOR_TIMEOUT_MS: config.VENDOR_TIMEOUT_MS,
        VENDOR_MAX_IN_FLIGHT: config.VENDOR_MAX_IN_FLIGHT,
        VENDOR_MAX_ATTEMPTS: config.VENDOR_MAX_ATTEMPTS,
        RATE_WINDOW_GUARD_MS: config.RATE_WINDOW_GUARD_MS ?? (pgUrl ? 50 : 250),
        STEP_WAIT_BUDGET_MS: config.STEP_WAIT_BUDGET_MS,
        WORKER_CONCURRENCY: config.WORKER_CONCURRENCY,
        RUN_LEASE_MS: config.RUN_LEASE_MS,
      },
      triggerConcurrency: opts.triggerConcurrency,
      yieldBetweenTriggers: opts.yieldBetweenTriggers,
      firstAcceptedAt,
      allAcceptedAt,
      lastFinishedAt,
      observedDoneAt,
      unfinishedRuns: unfinished,
      triggers: { byKind, distinctRuns: new Set(results.map((r) => r.runId)).size },
      runsByStatus,
      groups,
      runTimingsMs: {
        queueWaitP50: percentile(queueWait, 0.5),
        queueWaitP95: percentile(queueWait, 0.95),
        durationP50: percentile(duration, 0.5),
        durationP95: percentile(duration, 0.95),
        execP50: percentile(exec, 0.5),
        execP95: percentile(exec, 0.95),
      },
      steps,
      cacheHits: Number(cache.hits ?? 0),
      cacheRows: Number(cache.n),
      gate: { ...cascade.deps.gate.stats },
      sampler: sampled,
      db: dbTrace,
      queueDb,
      sims: simSnapshot,
      logLines: logs.counts,
      calls,
      firstRunStartedAt: starts.length ? Math.min(...starts) : null,
      runStartsPerSecond,
      keptDataDir: keepData ? dataDir : null,
    };
  } finally {
    await cascade.close();
    await sims.stop();
    if (db) await db.close();
    await dropDatabase(pgUrl, schema);
    if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
