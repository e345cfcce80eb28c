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
import { enqueueWithin, startBoss, startWorker } from './jobs/queue.ts';
import type { WorkerHandle } from './jobs/queue.ts';

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
  const deps: EngineDeps = {
    db: db.knex,
    adapters: opts.adapters ?? defaultAdapters(),
    keys: credentials,
    gate,
    breakers: new CircuitBreakers(),
    baseUrls: vendorBaseUrls(config),
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
  const boss = await startBoss(db, { schema: opts.queueSchema, log });
  const enqueue = enqueueWithin(boss);
  const workers: WorkerHandle[] = [];
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
      });
      workers.push(w);
      return w;
    },
    close: async () => {
      for (const w of workers) await w.stop();
      await boss.stop({ graceful: true, timeout: 10_000 });
      if (!opts.db) await db.close();
    },
  };
}
