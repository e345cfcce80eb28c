// The composition root: one place that builds the database, key store, rate gate, engine and
// queue from a Config. The server, the demo, the benchmark and the tests all start from here.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { PgBoss } from 'pg-boss';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { migrate, openDatabase } from './db/database.ts';
import type { Database } from './db/database.ts';
import { loadKeyRing } from './security/keyring.ts';
import { CredentialStore } from './portals/credentials.ts';
import { RateGate } from './enrichment/limiter.ts';
import { CircuitBreakers } from './enrichment/breaker.ts';
import { executeRun } from './enrichment/runner.ts';
import type { EngineDeps } from './enrichment/runner.ts';
import { acceptTrigger } from './enrichment/runs.ts';
import type { TriggerInput, TriggerResult } from './enrichment/runs.ts';
import type { RunSummary } from './enrichment/outcome.ts';
import { defaultAdapters, vendorBaseUrls } from './vendors/registry.ts';
import type { VendorAdapter } from './vendors/types.ts';
import { enqueueRunsWithin, enqueueWithin, schedulePollWith, startBoss, startWorker } from './jobs/queue.ts';
import type { WorkerHandle } from './jobs/queue.ts';
import { VendorCaller } from './enrichment/vendor-call.ts';
import { DriftRecorder } from './enrichment/drift-recorder.ts';
import { acceptCallback, pollAsyncRequest } from './enrichment/async-steps.ts';
import type { AsyncDeps, CallbackVerdict } from './enrichment/async-steps.ts';
import { testVendorConnection } from './enrichment/connection-test.ts';
import type { ConnectionTestResult } from './enrichment/connection-test.ts';
import { CallbackTokens } from './security/callback-token.ts';
import { createMetrics } from './metrics.ts';
import type { Metrics } from './metrics.ts';
import { startSchedules } from './jobs/cron.ts';
import type { ScheduledJob, Schedules } from './jobs/cron.ts';
import { reportDrift } from './jobs/drift-report.ts';

export interface Cascade {
  config: Config;
  db: Database;
  credentials: CredentialStore;
  deps: EngineDeps;
  boss: PgBoss;
  /** Accepts a trigger (idempotent, coalescing) and queues its run. */
  trigger(input: TriggerInput): Promise<TriggerResult>;
  /** Executes a run in this process now (the queue worker calls this). */
  execute(runId: string): Promise<RunSummary | null>;
  startWorker(concurrency?: number): Promise<WorkerHandle>;
  /** The cheapest call that proves a vendor key works (the stored one, or one about to be saved). */
  testConnection(portalId: number, vendor: string, candidateKey?: string): Promise<ConnectionTestResult>;
  /** A callback from an async vendor (the route passes the raw body and headers). */
  acceptCallback(vendor: string, token: string | undefined, req: { rawBody: string; headers: Headers }): Promise<CallbackVerdict>;
  /** Where vendors reach this backend; set once the HTTP server listens, unless PUBLIC_BASE_URL is. */
  setPublicBaseUrl(url: string): void;
  caller: VendorCaller;
  asyncDeps: AsyncDeps;
  drift: DriftRecorder;
  metrics: Metrics;
  /** The scheduled jobs (node-cron, one instance per slot). */
  jobs: ScheduledJob[];
  startSchedules(): Schedules;
  close(): Promise<void>;
}

export interface CascadeOptions {
  log: Logger;
  /** An already opened database (tests); otherwise opened from the config. */
  db?: Database;
  adapters?: Map<string, VendorAdapter>;
  /** pg-boss schema; tests isolate themselves with their own. */
  queueSchema?: string;
  instanceId?: string;
}

export async function createCascade(config: Config, opts: CascadeOptions): Promise<Cascade> {
  const { log } = opts;
  const db = opts.db ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: config.DATABASE_POOL_MAX }));
  await migrate(db);
  const ring = loadKeyRing(config, log);
  const credentials = new CredentialStore(db.knex, ring);
  // After a key rotation (a new first key in ENCRYPTION_KEYS), re-wrap stored keys under it.
  const rewrapped = await credentials.rotate();
  if (rewrapped) log.info({ rewrapped }, 'vendor keys re-wrapped under the active encryption key');
  const gate = await RateGate.create({
    knex: db.kind === 'postgres' ? db.knex : undefined,
    guardMs: config.RATE_WINDOW_GUARD_MS ?? (db.kind === 'pglite' ? 250 : 50),
    maxInFlight: config.VENDOR_MAX_IN_FLIGHT,
  });
  const adapters = opts.adapters ?? defaultAdapters();
  const baseUrls = vendorBaseUrls(config);
  const breakers = new CircuitBreakers();
  const metrics = createMetrics();
  const drift = new DriftRecorder(db.knex, log);
  const tokens = new CallbackTokens(
    config.CALLBACK_SIGNING_SECRET ? Buffer.from(config.CALLBACK_SIGNING_SECRET, 'utf8') : ring.derive('callback-tokens'),
  );
  let publicBaseUrl = config.PUBLIC_BASE_URL ?? null;
  const boss = await startBoss(db, { schema: opts.queueSchema, log });
  const schedulePoll = schedulePollWith(boss);
  const caller = new VendorCaller({
    db: db.knex,
    adapters,
    gate,
    breakers,
    baseUrls,
    timeoutMs: config.VENDOR_TIMEOUT_MS,
    batchWindowMs: config.VENDOR_BATCH_WINDOW_MS,
    drift,
    metrics,
    asyncHooks: {
      callbackUrl: (vendor, requestId, binding, ttlMs) => {
        if (!publicBaseUrl) throw new Error('PUBLIC_BASE_URL is not set and the server is not listening: async vendors cannot call back');
        const token = tokens.sign({ requestId, vendor, binding }, ttlMs);
        return `${publicBaseUrl}/vendors/${encodeURIComponent(vendor)}/callbacks?token=${encodeURIComponent(token)}`;
      },
      schedulePoll,
    },
    log,
  });
  const endpoints = (vendor: string) => baseUrls[vendor] ?? { baseUrl: '' };
  const asyncDeps: AsyncDeps = {
    db: db.knex,
    adapters,
    keys: credentials,
    gate,
    endpoints,
    timeoutMs: config.VENDOR_TIMEOUT_MS,
    tokens,
    drift,
    enqueueRuns: enqueueRunsWithin(boss),
    schedulePoll,
    log,
  };
  const deps: EngineDeps = {
    db: db.knex,
    adapters,
    keys: credentials,
    gate,
    breakers,
    caller,
    log,
    instanceId: opts.instanceId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    tuning: {
      timeoutMs: config.VENDOR_TIMEOUT_MS,
      maxAttempts: config.VENDOR_MAX_ATTEMPTS,
      stepBudgetMs: config.STEP_WAIT_BUDGET_MS,
      leaseMs: config.RUN_LEASE_MS,
      backoffBaseMs: 200,
    },
  };
  const enqueue = enqueueWithin(boss);
  const workers: WorkerHandle[] = [];
  const schedules: Schedules[] = [];
  const jobs: ScheduledJob[] = [
    { name: 'vendor-drift-report', schedule: config.DRIFT_REPORT_CRON, run: async (trx) => {
      await drift.flush();
      const report = await reportDrift(trx, metrics);
      return { vendors: report.map((v) => ({ vendor: v.vendor, unknown: v.unknown.length, missing: v.missing.length })) };
    } },
  ];
  return {
    config,
    db,
    credentials,
    deps,
    boss,
    trigger: (input) => acceptTrigger(db.knex, input, enqueue),
    execute: (runId) => executeRun(deps, runId),
    startWorker: async (concurrency = config.WORKER_CONCURRENCY) => {
      const w = await startWorker(boss, db.knex, (runId) => executeRun(deps, runId), {
        concurrency,
        sweepMs: Math.max(1000, Math.floor(config.RUN_LEASE_MS / 2)),
        log,
        poll: (requestId) => pollAsyncRequest(asyncDeps, requestId),
      });
      workers.push(w);
      return w;
    },
    testConnection: (portalId, vendor, candidateKey) =>
      testVendorConnection({ db: db.knex, adapters, keys: credentials, endpoints, timeoutMs: config.VENDOR_TIMEOUT_MS }, portalId, vendor, candidateKey),
    acceptCallback: (vendor, token, req) => acceptCallback(asyncDeps, vendor, token, req),
    setPublicBaseUrl: (url) => {
      publicBaseUrl = url.replace(/\/+$/, '');
    },
    caller,
    asyncDeps,
    drift,
    metrics,
    jobs,
    startSchedules: () => {
      const s = startSchedules(db.knex, jobs, deps.instanceId, log);
      schedules.push(s);
      return s;
    },
    close: async () => {
      for (const s of schedules) s.stop();
      caller.drain();
      for (const w of workers) await w.stop();
      await drift.close();
      await boss.stop({ graceful: true, timeout: 10_000 });
      if (!opts.db) await db.close();
    },
  };
}
