// `npm run bench:vendors`: the catalog benchmark. Every vendor of the catalog in one realistic
// waterfall (bench/catalog-workload.ts), 5,000 triggers for two portals with keys for all nine
// vendors, spend caps that run out mid-run on Lusha and Cognism, against the nine simulators in a
// child process (bench/catalog-sims.ts) with injected faults; FullEnrich answers by callback to the
// engine's own HTTP server (some callbacks never come: the engine polls). One phase: a real Cascade
// (queue, workers, cache, caps, pacing, bulk coalescing, async steps) on a fresh database.
// Writes bench/results/vendors.json and vendors.md and prints the summary. Exits 0 when it measured
// something, whether or not a target was met (the report says which); non-zero on a crash.
//
// Knobs (environment): BENCH_TRIGGERS (5000), BENCH_PORTALS (2), BENCH_WORKERS (128),
// BENCH_BATCH_WINDOW_MS (the engine's VENDOR_BATCH_WINDOW_MS; unset: the engine default),
// BENCH_TRIGGER_CONCURRENCY (8), BENCH_LUSHA_CAP_CENTS / BENCH_COGNISM_CAP_CENTS (daily caps over
// all portals), BENCH_ZEROBOUNCE_BATCH_PER_MIN (5, ZeroBounce's documented validatebatch limit),
// BENCH_FE_DROP_SHARE (0.15), BENCH_MAX_WAIT_MS (900000), BENCH_OUT (results folder),
// BENCH_KEEP_DATA=1 (keep the embedded database), BENCH_RAW=<file> (save every measurement, the
// simulators' request logs included) and BENCH_FROM_RAW=<file> (rebuild the report from such a file
// with the same knobs, without running), DATABASE_URL (Postgres, in a fresh schema), and any engine
// setting from server/config.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { configSchema, loadConfig } from '../server/config.ts';
import type { Config } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import type { Database } from '../server/db/database.ts';
import { createLogger } from '../server/log.ts';
import { createCascade } from '../server/cascade.ts';
import { createApp } from '../server/app.ts';
import { ensurePortal } from '../server/portals/portals.ts';
import { saveSettings } from '../server/enrichment/settings.ts';
import { setCaps } from '../server/enrichment/spend.ts';
import type { TriggerResult } from '../server/enrichment/runs.ts';
import { defaultAdapters } from '../server/vendors/registry.ts';
import type { OperationSpec, VendorAdapter } from '../server/vendors/types.ts';
import { listen } from '../sandbox/vendors/common.ts';
import { startSampler, traceDb, traceQueueDb } from './probes.ts';
import type { DbTraceResult, QueueDbTrace, SamplerResult } from './probes.ts';
import { startCatalogSims } from './catalog-sims.ts';
import type { CatalogSimSnapshot } from './catalog-sims.ts';
import {
  CATALOG_WATERFALL,
  DEFAULT_CATALOG_WORKLOAD,
  VENDOR_IDS,
  buildCatalogWorkload,
  catalogPlan,
  catalogSimOptions,
  portalCaps,
} from './catalog-workload.ts';
import type { CapKnobs, CatalogPlan, CatalogWorkload, FullenrichBenchOptions, TriggerKind } from './catalog-workload.ts';
import { buildCatalogReport } from './catalog-report.ts';
import { chooseDatabase, dropDatabase, envInt, LogCounter, percentile, sleep } from './harness.ts';

const env = process.env;
const int = envInt;
const share = (name: string, def: number): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${name} must be a number between 0 and 1`);
  return n;
};

/**
 * FullEnrich's async timings, shortened for the benchmark: the simulator calls back after 1–3 s
 * (the real vendor takes 30–90 s per contact), so the first poll comes after 6 s instead of 2 min,
 * polls repeat every 4 s instead of every minute, and a step gives up after 90 s instead of 30 min.
 */
export const BENCH_FULLENRICH_ASYNC = { pollAfterMs: 6_000, pollEveryMs: 4_000, giveUpAfterMs: 90_000 } as const;

/** The real adapters, unchanged, except FullEnrich's async timings (see BENCH_FULLENRICH_ASYNC). */
function benchAdapters(): Map<string, VendorAdapter> {
  const out = defaultAdapters();
  const fe = out.get('fullenrich');
  if (fe) {
    const operations: Record<string, OperationSpec> = {};
    for (const [id, spec] of Object.entries(fe.operations)) operations[id] = spec.async ? { ...spec, async: { ...BENCH_FULLENRICH_ASYNC } } : spec;
    out.set('fullenrich', { ...fe, operations });
  }
  return out;
}

const num = (v: unknown) => Number(v ?? 0);

export interface StepRow {
  vendor: string;
  operation: string;
  source: string | null;
  state: string;
  skip_reason: string | null;
  outcome: string | null;
  steps: number;
  http_calls: number;
  billed: number;
  batched_steps: number;
  batch_size_sum: number;
  batches: number;
  async_steps: number;
  waited_ms: number;
}

export interface CatalogEnginePhase {
  backend: 'pglite' | 'postgres';
  config: Pick<
    Config,
    | 'VENDOR_TIMEOUT_MS'
    | 'VENDOR_MAX_IN_FLIGHT'
    | 'VENDOR_MAX_ATTEMPTS'
    | 'VENDOR_BATCH_WINDOW_MS'
    | 'RATE_WINDOW_GUARD_MS'
    | 'STEP_WAIT_BUDGET_MS'
    | 'WORKER_CONCURRENCY'
    | 'RUN_LEASE_MS'
  >;
  triggerConcurrency: number;
  firstAcceptedAt: number;
  allAcceptedAt: number;
  lastFinishedAt: number;
  observedDoneAt: number;
  unfinishedRuns: number;
  runsByState: Record<string, number>;
  triggers: { byKind: Record<TriggerKind, { duplicate: number; coalesced: number; newRun: number }>; distinctRuns: number };
  runsByStatus: Record<string, number>;
  groups: Record<string, { requested: number; filled: number }>;
  runTimingsMs: { queueWaitP50: number; queueWaitP95: number; durationP50: number; durationP95: number; execP50: number; execP95: number };
  steps: StepRow[];
  /** Batch sizes as the ledger recorded them: vendor.operation → size → batches. */
  batchHistogram: Record<string, Record<number, number>>;
  asyncRequests: { vendor: string; state: string; completed_via: string | null; requests: number; polls: number; members: number; latency_p50_ms: number; latency_p95_ms: number }[];
  spend: { portal_id: number; scope: string; period: string; spent_mc: number; reserved_mc: number; cap_cents: number | null }[];
  capAlerts: { portal_id: number; scope: string; period: string }[];
  /** Ledger (run_steps) per vendor: billed steps, and those billed because no answer came (indeterminate). */
  ledger: { vendor: string; billed_steps: number; indeterminate_billed: number; charged_mc: number }[];
  cacheHits: number;
  cacheRows: number;
  gate: Record<string, number>;
  callerStats: Record<string, number>;
  coalescing: { batches: number; members: number };
  sampler: SamplerResult;
  db: DbTraceResult;
  queueDb: QueueDbTrace | null;
  sims: CatalogSimSnapshot;
  logLines: Record<string, number>;
  firstRunStartedAt: number | null;
  keptDataDir: string | null;
}

interface EngineRunOptions {
  plan: CatalogPlan;
  caps: CapKnobs;
  fullenrich: FullenrichBenchOptions;
  workers: number;
  triggerConcurrency: number;
  config: Record<string, string>;
  maxWaitMs: number;
  log: (s: string) => void;
}


async function runCatalogEngine(workload: CatalogWorkload, opts: EngineRunOptions): Promise<CatalogEnginePhase> {
  const pgUrl = env.DATABASE_URL || undefined;
  const sims = await startCatalogSims(catalogSimOptions(workload.portals, opts.plan, opts.fullenrich));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cascade-catalog-bench-'));
  let db: Database | undefined;
  const cfgEnv: Record<string, string> = { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...opts.config };
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') cfgEnv[key] = v;
  }
  // The simulators' addresses always win: a *_BASE_URL in the environment must not send the
  // benchmark to a real vendor.
  Object.assign(cfgEnv, sims.env);
  const schema = chooseDatabase(cfgEnv, pgUrl, 'bench');
  const config = loadConfig(cfgEnv);
  if (pgUrl) db = await openDatabase({ url: pgUrl, schema, poolMax: config.DATABASE_POOL_MAX });
  const logs = new LogCounter();
  const log = createLogger({ level: 'warn', destination: logs });
  const cascade = await createCascade(config, {
    log,
    db,
    queueSchema: schema ? `${schema}_boss` : undefined,
    adapters: benchAdapters(),
  });
  // The engine's HTTP server, where FullEnrich posts its answers.
  const server = await listen(createApp(cascade), 0);
  cascade.setPublicBaseUrl(server.url);
  const keepData = env.BENCH_KEEP_DATA === '1' && !pgUrl;
  const knex = cascade.db.knex;
  try {
    for (const p of workload.portals) {
      await ensurePortal(knex, p.id, p.name);
      for (const v of VENDOR_IDS) await cascade.credentials.put(p.id, { vendor: v, apiKey: p.keys[v] });
      await saveSettings(knex, p.id, { waterfall: CATALOG_WATERFALL, rate_limits: opts.plan.rateLimits });
      await setCaps(knex, p.id, portalCaps(p, opts.caps));
    }
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
          portalId: t.portalId,
          contactId: t.contactId,
          source: t.source,
          idempotencyKey: t.idempotencyKey,
          groups: [...t.groups],
          properties: t.properties,
        });
        if (!firstAcceptedAt) firstAcceptedAt = Date.now();
        // Each trigger is its own HTTP request in production: let the event loop turn between them.
        await nextTurn();
      }
    };
    const progress = setInterval(() => {
      void (async () => {
        const rows = (await knex('enrichment_runs').select('state').count('* as n').groupBy('state')) as { state: string; n: string | number }[];
        opts.log(`  t+${Math.round((Date.now() - firstAcceptedAt) / 1000)} s: accepted ${next}/${triggers.length}; runs ${rows.map((r) => `${r.state} ${r.n}`).join(', ')}`);
      })().catch(() => undefined);
    }, 15_000);
    let unfinished = 0;
    let allAcceptedAt = 0;
    try {
      await Promise.all(Array.from({ length: opts.triggerConcurrency }, feeder));
      allAcceptedAt = Date.now();
      const deadline = allAcceptedAt + opts.maxWaitMs;
      for (;;) {
        const row = (await knex('enrichment_runs').whereNot({ state: 'done' }).count('* as n').first()) as { n: number | string };
        unfinished = Number(row.n);
        if (unfinished === 0 || Date.now() > deadline) break;
        await sleep(200);
      }
    } finally {
      clearInterval(progress);
    }
    const observedDoneAt = Date.now();
    const sampled = sampler.stop();
    const dbTrace = tracer.stop();
    const queueDb = queueTracer.stop();
    const simSnapshot = await sims.snapshot();

    const last = (await knex('enrichment_runs').max('finished_at as last').first()) as { last: Date | string | null };
    const lastFinishedAt = last.last ? new Date(last.last).getTime() : observedDoneAt;

    const byKind = {} as CatalogEnginePhase['triggers']['byKind'];
    for (const k of ['original', 'retry', 'recontact'] as const) byKind[k] = { duplicate: 0, coalesced: 0, newRun: 0 };
    triggers.forEach((t, i) => {
      const r = results[i]!;
      const b = byKind[t.kind];
      if (r.duplicate) b.duplicate++;
      else if (r.coalesced) b.coalesced++;
      else b.newRun++;
    });

    const stateRows = (await knex('enrichment_runs').select('state').count('* as n').groupBy('state')) as { state: string; n: string | number }[];
    const runsByState = Object.fromEntries(stateRows.map((r) => [r.state, Number(r.n)]));
    const statusRows = (await knex('enrichment_runs').select('status').count('* as n').groupBy('status')) as { status: string | null; n: string | number }[];
    const runsByStatus: Record<string, number> = {};
    for (const r of statusRows) runsByStatus[r.status ?? 'unfinished'] = Number(r.n);

    const timingRows = (await knex('enrichment_runs').select('created_at', 'started_at', 'finished_at', 'summary')) as {
      created_at: Date;
      started_at: Date | null;
      finished_at: Date | null;
      summary: { groups?: string[]; satisfied?: string[] } | string | null;
    }[];
    const groups: Record<string, { requested: number; filled: number }> = {};
    for (const r of timingRows) {
      const summary = typeof r.summary === 'string' ? (JSON.parse(r.summary) as { groups?: string[]; satisfied?: string[] }) : r.summary;
      for (const g of summary?.groups ?? []) (groups[g] ??= { requested: 0, filled: 0 }).requested++;
      for (const g of summary?.satisfied ?? []) (groups[g] ??= { requested: 0, filled: 0 }).filled++;
    }
    const ms = (d: Date | string | null) => (d ? new Date(d).getTime() : NaN);
    const sorted = (xs: number[]) => xs.filter(Number.isFinite).sort((a, b) => a - b);
    const queueWait = sorted(timingRows.map((r) => ms(r.started_at) - ms(r.created_at)));
    const duration = sorted(timingRows.map((r) => ms(r.finished_at) - ms(r.created_at)));
    const exec = sorted(timingRows.map((r) => ms(r.finished_at) - ms(r.started_at)));
    const starts = timingRows.map((r) => ms(r.started_at)).filter(Number.isFinite);

    const steps = (
      (await knex('run_steps')
        .select('vendor', 'operation', 'source', 'state', 'skip_reason', 'outcome')
        .count('* as steps')
        .sum('http_calls as http_calls')
        .select(knex.raw('sum(case when billed then 1 else 0 end) as billed'))
        .select(knex.raw('count(batch_id) as batched_steps'))
        .sum('batch_size as batch_size_sum')
        .select(knex.raw('count(distinct batch_id) as batches'))
        .select(knex.raw('count(async_request_id) as async_steps'))
        .sum('waited_ms as waited_ms')
        .groupBy('vendor', 'operation', 'source', 'state', 'skip_reason', 'outcome')
        .orderBy(['vendor', 'operation', 'source', 'state'])) as Record<string, string | number | null>[]
    ).map(
      (r): StepRow => ({
        vendor: String(r.vendor),
        operation: String(r.operation),
        source: (r.source as string | null) ?? null,
        state: String(r.state),
        skip_reason: (r.skip_reason as string | null) ?? null,
        outcome: (r.outcome as string | null) ?? null,
        steps: num(r.steps),
        http_calls: num(r.http_calls),
        billed: num(r.billed),
        batched_steps: num(r.batched_steps),
        batch_size_sum: num(r.batch_size_sum),
        batches: num(r.batches),
        async_steps: num(r.async_steps),
        waited_ms: num(r.waited_ms),
      }),
    );
    const batchRows = (await knex
      .from(knex('run_steps').whereNotNull('batch_id').select('vendor', 'operation', 'batch_id').max('batch_size as size').groupBy('vendor', 'operation', 'batch_id').as('b'))
      .select('vendor', 'operation', 'size')
      .count('* as n')
      .groupBy('vendor', 'operation', 'size')) as { vendor: string; operation: string; size: number | string; n: number | string }[];
    const batchHistogram: Record<string, Record<number, number>> = {};
    for (const r of batchRows) (batchHistogram[`${r.vendor}.${r.operation}`] ??= {})[num(r.size)] = num(r.n);

    const asyncRows = (await knex('async_requests').select(
      'vendor',
      'state',
      'completed_via',
      'polls',
      'created_at',
      'completed_at',
      knex.raw('jsonb_array_length(members) as members'),
    )) as { vendor: string; state: string; completed_via: string | null; polls: number; created_at: Date; completed_at: Date | null; members: number | string }[];
    const asyncGroups = new Map<string, typeof asyncRows>();
    for (const r of asyncRows) {
      const k = `${r.vendor}|${r.state}|${r.completed_via ?? ''}`;
      asyncGroups.set(k, [...(asyncGroups.get(k) ?? []), r]);
    }
    const asyncRequests = [...asyncGroups.values()].map((rs) => {
      const lat = sorted(rs.map((r) => ms(r.completed_at) - ms(r.created_at)));
      return {
        vendor: rs[0]!.vendor,
        state: rs[0]!.state,
        completed_via: rs[0]!.completed_via,
        requests: rs.length,
        polls: rs.reduce((n, r) => n + num(r.polls), 0),
        members: rs.reduce((n, r) => n + num(r.members), 0),
        latency_p50_ms: percentile(lat, 0.5),
        latency_p95_ms: percentile(lat, 0.95),
      };
    });

    const spend = (
      (await knex('spend_counters as c')
        .leftJoin('spend_caps as k', function () {
          this.on('k.portal_id', 'c.portal_id').andOn('k.scope', 'c.scope').andOn('k.period', 'c.period');
        })
        .select('c.portal_id', 'c.scope', 'c.period', 'c.spent_mc', 'c.reserved_mc', 'k.cap_cents')
        .orderBy(['c.portal_id', 'c.scope', 'c.period'])) as Record<string, unknown>[]
    ).map((r) => ({
      portal_id: num(r.portal_id),
      scope: String(r.scope),
      period: String(r.period),
      spent_mc: num(r.spent_mc),
      reserved_mc: num(r.reserved_mc),
      cap_cents: r.cap_cents === null || r.cap_cents === undefined ? null : num(r.cap_cents),
    }));
    const capAlerts = ((await knex('cap_alerts').select('portal_id', 'scope', 'period')) as Record<string, unknown>[]).map((r) => ({
      portal_id: num(r.portal_id),
      scope: String(r.scope),
      period: String(r.period),
    }));
    const ledger = (
      (await knex('run_steps')
        .select('vendor')
        .select(knex.raw('sum(case when billed then 1 else 0 end) as billed_steps'))
        .select(knex.raw(`sum(case when billed and state = 'indeterminate' then 1 else 0 end) as indeterminate_billed`))
        .select(knex.raw('sum(case when billed then cost_mc else 0 end) as charged_mc'))
        .groupBy('vendor')) as Record<string, unknown>[]
    ).map((r) => ({
      vendor: String(r.vendor),
      billed_steps: num(r.billed_steps),
      indeterminate_billed: num(r.indeterminate_billed),
      charged_mc: num(r.charged_mc),
    }));
    const cache = (await knex('vendor_cache').sum('hits as hits').count('* as n').first()) as { hits: number | string | null; n: number | string };

    return {
      backend: cascade.db.kind,
      config: {
        VENDOR_TIMEOUT_MS: config.VENDOR_TIMEOUT_MS,
        VENDOR_MAX_IN_FLIGHT: config.VENDOR_MAX_IN_FLIGHT,
        VENDOR_MAX_ATTEMPTS: config.VENDOR_MAX_ATTEMPTS,
        VENDOR_BATCH_WINDOW_MS: config.VENDOR_BATCH_WINDOW_MS,
        RATE_WINDOW_GUARD_MS: config.RATE_WINDOW_GUARD_MS ?? (pgUrl ? 50 : 250),
        STEP_WAIT_BUDGET_MS: config.STEP_WAIT_BUDGET_MS,
        WORKER_CONCURRENCY: config.WORKER_CONCURRENCY,
        RUN_LEASE_MS: config.RUN_LEASE_MS,
      },
      triggerConcurrency: opts.triggerConcurrency,
      firstAcceptedAt,
      allAcceptedAt,
      lastFinishedAt,
      observedDoneAt,
      unfinishedRuns: unfinished,
      runsByState,
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
      batchHistogram,
      asyncRequests,
      spend,
      capAlerts,
      ledger,
      cacheHits: num(cache.hits),
      cacheRows: num(cache.n),
      gate: { ...cascade.deps.gate.stats },
      callerStats: { ...cascade.caller.stats },
      coalescing: { ...cascade.caller.coalescing },
      sampler: sampled,
      db: dbTrace,
      queueDb,
      sims: simSnapshot,
      logLines: logs.counts,
      firstRunStartedAt: starts.length ? Math.min(...starts) : null,
      keptDataDir: keepData ? dataDir : null,
    };
  } finally {
    await cascade.close();
    await server.close();
    await sims.stop();
    if (db) await db.close();
    await dropDatabase(pgUrl, schema);
    if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const outDir = env.BENCH_OUT ? path.resolve(env.BENCH_OUT) : fileURLToPath(new URL('./results/', import.meta.url));

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  const log = (s: string) => process.stdout.write(`[bench:vendors] ${s}\n`);
  const workload = buildCatalogWorkload({
    ...DEFAULT_CATALOG_WORKLOAD,
    triggers: int('BENCH_TRIGGERS', DEFAULT_CATALOG_WORKLOAD.triggers, 10),
    portals: int('BENCH_PORTALS', DEFAULT_CATALOG_WORKLOAD.portals),
  });
  const knobs: Record<string, { value: string | number; default: string | number }> = {};
  const knob = <T extends string | number>(name: string, value: T, def: string | number): T => {
    knobs[name] = { value, default: def };
    return value;
  };
  knob('BENCH_TRIGGERS', workload.triggers.length, DEFAULT_CATALOG_WORKLOAD.triggers);
  knob('BENCH_PORTALS', workload.portals.length, DEFAULT_CATALOG_WORKLOAD.portals);
  const plan = catalogPlan({ zerobounceBatchPerMinute: knob('BENCH_ZEROBOUNCE_BATCH_PER_MIN', int('BENCH_ZEROBOUNCE_BATCH_PER_MIN', 5), 5) });
  // Sized so each cap runs out part-way through a 5,000-trigger run (scaled with BENCH_TRIGGERS).
  const scale = workload.triggers.length / DEFAULT_CATALOG_WORKLOAD.triggers;
  const caps: CapKnobs = {
    lushaDayCents: knob('BENCH_LUSHA_CAP_CENTS', int('BENCH_LUSHA_CAP_CENTS', Math.round(30_000 * scale)), Math.round(30_000 * scale)),
    cognismDayCents: knob('BENCH_COGNISM_CAP_CENTS', int('BENCH_COGNISM_CAP_CENTS', Math.round(10_000 * scale)), Math.round(10_000 * scale)),
  };
  const fullenrich: FullenrichBenchOptions = {
    callbackDelayMs: [1_000, 3_000],
    dropShare: knob('BENCH_FE_DROP_SHARE', share('BENCH_FE_DROP_SHARE', 0.15), 0.15),
  };
  const workers = knob('BENCH_WORKERS', int('BENCH_WORKERS', 128), 128);
  const triggerConcurrency = knob('BENCH_TRIGGER_CONCURRENCY', int('BENCH_TRIGGER_CONCURRENCY', 8), 8);
  const engineConfig: Record<string, string> = {
    // Long enough that a stalled event loop is not mistaken for a vendor timeout, short enough that
    // injected timeouts cost little (as in the engine benchmark).
    VENDOR_TIMEOUT_MS: String(knob('BENCH_VENDOR_TIMEOUT_MS', int('BENCH_VENDOR_TIMEOUT_MS', 4_000), 4_000)),
    STEP_WAIT_BUDGET_MS: '120000',
    WORKER_CONCURRENCY: String(workers),
  };
  if (env.BENCH_BATCH_WINDOW_MS) engineConfig.VENDOR_BATCH_WINDOW_MS = String(knob('BENCH_BATCH_WINDOW_MS', int('BENCH_BATCH_WINDOW_MS', 250, 0), 'engine default'));
  for (const k of Object.keys(configSchema.shape)) if (env[k]?.trim() && !k.endsWith('_BASE_URL')) knob(k, k === 'DATABASE_URL' || k === 'ENCRYPTION_KEYS' ? 'set' : env[k]!.trim(), 'unset');

  log(
    `workload: ${workload.triggers.length} triggers, ${workload.contacts.length} contacts over ${workload.counts.domains} domains, ` +
      `${workload.portals.length} portal(s) (${workload.counts.retry} exact retries, ${workload.counts.recontact} re-triggers of a contact)`,
  );
  log(
    `caps: lusha ${caps.lushaDayCents}¢/day, cognism ${caps.cognismDayCents}¢/day (split over portals); zerobounce validatebatch ${plan.zerobounceBatchPerMinute}/min; ` +
      `fullenrich callbacks after ${fullenrich.callbackDelayMs.join('–')} ms, ${fullenrich.dropShare * 100}% dropped`,
  );
  let engine: CatalogEnginePhase;
  if (env.BENCH_FROM_RAW) {
    // Re-report a run measured earlier (BENCH_RAW): the same workload and knobs are rebuilt from the environment.
    engine = (JSON.parse(fs.readFileSync(env.BENCH_FROM_RAW, 'utf8')) as { engine: CatalogEnginePhase }).engine;
    log(`re-reporting the run saved in ${env.BENCH_FROM_RAW}`);
  } else {
    log(`engine phase (${env.DATABASE_URL ? 'postgres' : 'embedded PGlite'}, ${workers} workers)…`);
    engine = await runCatalogEngine(workload, {
      plan,
      caps,
      fullenrich,
      workers,
      triggerConcurrency,
      config: engineConfig,
      maxWaitMs: int('BENCH_MAX_WAIT_MS', 900_000),
      log,
    });
    log(`engine phase done: ${engine.lastFinishedAt - engine.firstAcceptedAt} ms (${engine.unfinishedRuns} run(s) unfinished)`);
    // Everything measured, simulator request logs included, for inspection or re-reporting (BENCH_FROM_RAW).
    if (env.BENCH_RAW) fs.writeFileSync(path.resolve(env.BENCH_RAW), JSON.stringify({ engine }));
  }

  const report = buildCatalogReport({
    workload,
    plan,
    caps,
    fullenrich,
    fullenrichAsync: BENCH_FULLENRICH_ASYNC,
    engine,
    totalMs: Math.round(performance.now() - started),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    knobs,
  });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'vendors.json'), `${JSON.stringify(report.json, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'vendors.md'), report.markdown);
  process.stdout.write(`\n${report.summary}\n`);
  for (const [k, v] of Object.entries(report.targets)) log(`target ${k} ${v.target}: ${v.value} (${v.detail}) → ${v.met ? 'met' : 'MISSED'}`);
  log(`wrote ${path.join(outDir, 'vendors.json')} and vendors.md`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[bench:vendors] crashed:', err);
    process.exit(1);
  },
);
