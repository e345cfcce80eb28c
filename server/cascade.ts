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
import { enqueueManyWithin, enqueueRunsWithin, enqueueWithin, schedulePollWith, startBoss, startWorker } from './jobs/queue.ts';
import { TriggerIntake } from './enrichment/intake.ts';
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
import { TtlCache } from './enrichment/ttl-cache.ts';
import { TokenStore } from './hubspot/tokens.ts';
import { PortalApi } from './hubspot/portal-api.ts';
import { OutboxFlusher } from './hubspot/flusher.ts';
import { dropPortal } from './hubspot/outbox.ts';
import { writeBackHook } from './hubspot/write-back.ts';
import { ensureCascadeProperties } from './hubspot/properties.ts';
import { recordAudit } from './enrichment/audit.ts';
import { hubspotJobs } from './jobs/hubspot-jobs.ts';
import { registerDatabaseGauges } from './metrics.ts';
import { hubspotClient } from './hubspot/client.ts';
import type { KeyRing } from './security/envelope.ts';

/** The HubSpot side: tokens per portal, paced API access, the write-back outbox. */
export interface HubSpotSide {
  tokens: TokenStore;
  api: PortalApi;
  flusher: OutboxFlusher;
  /** Installed (tokens on file); cached for a few seconds, since every workflow action asks. */
  installed(portalId: number): Promise<boolean>;
  /** After OAuth: the cascade property group and properties exist, and the install is on record. */
  onInstalled(portalId: number, accessToken: string): Promise<void>;
}

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
  hubspot: HubSpotSide;
  ring: KeyRing;
  /** Where HubSpot and vendors reach this backend (PUBLIC_BASE_URL, or set once listening). */
  publicBaseUrl(): string | null;
  /** Starts sending the outbox to HubSpot (the server and the demo; tests may flush by hand). */
  startOutbox(): void;
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
  const instanceId = opts.instanceId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  registerDatabaseGauges(metrics, db.knex);
  const installedCache = new TtlCache<number, boolean>(5_000);
  const tokenStore = new TokenStore({
    db: db.knex,
    ring,
    tokenUrl: `${config.HUBSPOT_API_BASE_URL}/oauth/v3/token`,
    clientId: config.HUBSPOT_CLIENT_ID ?? '',
    clientSecret: config.HUBSPOT_CLIENT_SECRET ?? '',
    log,
    onUninstall: async (portalId) => {
      installedCache.delete(portalId);
      credentials.forgetPortal(portalId);
      const dropped = await dropPortal(db.knex, portalId, 'portal uninstalled');
      log.warn({ portalId, dropped }, 'portal uninstalled: its pending HubSpot writes were dropped');
    },
  });
  const api = new PortalApi({ tokens: tokenStore, gate, basePath: config.HUBSPOT_API_BASE_URL, callsPer10s: config.HUBSPOT_CALLS_PER_10S, metrics, log });
  const flusher = new OutboxFlusher({ db: db.knex, api, owner: instanceId, delayMs: config.OUTBOX_FLUSH_DELAY_MS, log });
  const hubspot: HubSpotSide = {
    tokens: tokenStore,
    api,
    flusher,
    installed: (portalId) => installedCache.get(portalId, () => tokenStore.installed(portalId)),
    onInstalled: async (portalId, accessToken) => {
      installedCache.delete(portalId);
      const props = await ensureCascadeProperties(hubspotClient(accessToken, config.HUBSPOT_API_BASE_URL), log);
      await recordAudit(db.knex, { portalId, type: 'app.installed', detail: { propertiesCreated: props.created.length, propertiesExisting: props.existing.length } });
    },
  };
  const deps: EngineDeps = {
    db: db.knex,
    adapters,
    keys: credentials,
    gate,
    breakers,
    caller,
    log,
    instanceId,
    onFinished: writeBackHook({ appEventType: config.HUBSPOT_APP_EVENT_TYPE }),
    tuning: {
      timeoutMs: config.VENDOR_TIMEOUT_MS,
      maxAttempts: config.VENDOR_MAX_ATTEMPTS,
      stepBudgetMs: config.STEP_WAIT_BUDGET_MS,
      leaseMs: config.RUN_LEASE_MS,
      backoffBaseMs: 200,
    },
  };
  const enqueue = enqueueWithin(boss);
  // Triggers arriving together (a workflow enrolling thousands) are accepted in one transaction.
  const intake = new TriggerIntake({ db: db.knex, enqueueRuns: enqueueManyWithin(boss), single: (input) => acceptTrigger(db.knex, input, enqueue) });
  const workers: WorkerHandle[] = [];
  const schedules: Schedules[] = [];
  const jobs: ScheduledJob[] = [
    { name: 'vendor-drift-report', schedule: config.DRIFT_REPORT_CRON, run: async (knex) => {
      await drift.flush();
      const report = await reportDrift(knex, metrics);
      return { vendors: report.map((v) => ({ vendor: v.vendor, unknown: v.unknown.length, missing: v.missing.length })) };
    } },
    ...hubspotJobs({
      tokens: tokenStore,
      flusher,
      api,
      gate,
      trigger: (input) => acceptTrigger(db.knex, input, enqueue),
      outboxDelayMs: config.OUTBOX_FLUSH_DELAY_MS,
      log,
      schedules: {
        tokenRefresh: config.TOKEN_REFRESH_CRON,
        outboxSweep: config.OUTBOX_SWEEP_CRON,
        cachePurge: config.CACHE_PURGE_CRON,
        scheduledRefresh: config.SCHEDULED_REFRESH_CRON,
      },
    }),
  ];
  let outboxStarted = false;
  return {
    config,
    db,
    credentials,
    deps,
    boss,
    trigger: (input) => intake.submit(input),
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
      // One answer everywhere: the OAuth redirect URI and signature checks read the config.
      config.PUBLIC_BASE_URL = publicBaseUrl;
    },
    caller,
    asyncDeps,
    drift,
    metrics,
    jobs,
    startSchedules: () => {
      const s = startSchedules(db.knex, jobs, deps.instanceId, log, { singleConnection: db.kind === 'pglite' });
      schedules.push(s);
      return s;
    },
    hubspot,
    ring,
    publicBaseUrl: () => publicBaseUrl,
    startOutbox: () => {
      if (outboxStarted) return;
      outboxStarted = true;
      flusher.start();
    },
    close: async () => {
      for (const s of schedules) s.stop();
      caller.drain();
      for (const w of workers) await w.stop();
      // What finished runs owe HubSpot leaves now rather than waiting for a batch to fill.
      if (outboxStarted) await flusher.stop(true).catch((err: unknown) => log.error({ err }, 'outbox drain at shutdown failed'));
      await drift.close();
      await boss.stop({ graceful: true, timeout: 10_000 });
      if (!opts.db) await db.close();
    },
  };
}
