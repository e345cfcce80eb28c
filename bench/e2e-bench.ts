// `npm run bench:e2e`: the HubSpot integration end to end. A sandbox HubSpot portal (child process:
// bench/e2e-hubspot-child.ts) holds N contacts (default 5,000; a tenth with a job title and phone a
// user typed in); Cascade, as shipped (default settings, OUTBOX_FLUSH_DELAY_MS 10 s), is installed
// in it through the OAuth flow and fed by the portal's workflow emulator, which enrolls every contact
// into the "Enrich contact" action in one burst (BENCH_ENROLL_CONCURRENCY in flight) and times each
// acknowledgement on its own event loop. Apollo and Hunter simulators run in another child process
// (bench/sims.ts) with the engine benchmark's plan and faults. The bench waits until every workflow
// callback is completed, then checks the portal: nobody's typed-in value overwritten, no callback
// completed twice, no lookup billed twice.
//
// Instruments (outside the product's code): the HubSpot child wraps its own fetch to log every
// attempt the emulator makes (failed ones included); here, a wrapper around cascade.trigger times the
// database part of each acknowledgement, and the HTTP server around the app records when each action
// request reached the handler (against HubSpot's v3 timestamp) and how long it was held.
//
// Writes bench/results/e2e.json and e2e.md (e2e-postgres.* on DATABASE_URL). Exit code: 0 when the
// correctness checks pass, whether or not a performance target was met (the report says which);
// 1 when a correctness check failed or the run did not finish within BENCH_TIMEOUT_MS; 2 on a crash.
//
// Knobs (environment): BENCH_CONTACTS (5000), BENCH_ENROLL_CONCURRENCY (150), BENCH_DOMAINS
// (contacts / 40), BENCH_TIMEOUT_MS (1,800,000), BENCH_SCHEDULES=0 (no cron jobs), BENCH_OUT (results
// folder), the engine benchmark's cap knobs (BENCH_APOLLO_MATCH_RPS, …, BENCH_APOLLO_BULK_RPS),
// DATABASE_URL (Postgres instead of embedded PGlite), and any engine setting from server/config.ts
// (e.g. WORKER_CONCURRENCY=64, OUTBOX_FLUSH_DELAY_MS=5000) to try a variation.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { configSchema, loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import type { Database } from '../server/db/database.ts';
import { createLogger } from '../server/log.ts';
import { createCascade } from '../server/cascade.ts';
import type { Cascade } from '../server/cascade.ts';
import { createApp } from '../server/app.ts';
import { saveSettings } from '../server/enrichment/settings.ts';
import { WORKFLOW_ACTION_PATH } from '../server/http/workflow-actions.ts';
import { startSimProcess } from './sims.ts';
import type { SimProcess } from './sims.ts';
import { startSampler, traceDb, traceQueueDb } from './probes.ts';
import { APOLLO_KEY, DEFAULT_CAPS, HUNTER_KEY } from './workload.ts';
import { chooseDatabase, dropDatabase, envInt, LogCounter, sleep } from './harness.ts';
import { startHubSpotProcess } from './e2e-hubspot.ts';
import type { EnrollResult, HubSpotProcess, SandboxStats } from './e2e-hubspot.ts';
import { ACTION_FIELDS, E2E_PORTAL, CONTACTS_PER_DOMAIN, OBJECT_PROPERTIES, buildContacts, e2ePortalRateLimits, e2eSimOptions } from './e2e-workload.ts';
import type { E2eCaps } from './e2e-workload.ts';
import { buildE2eReport, sourceState } from './e2e-report.ts';
import type { E2eMeasurements, RunRow } from './e2e-report.ts';
import { installViaOAuth } from '../sandbox/hubspot/browser.ts';
import { extensionFetcher } from '../sandbox/hubspot/fetch-proxy.ts';

const env = process.env;
const contactsWanted = envInt('BENCH_CONTACTS', 5000);
const enrollConcurrency = envInt('BENCH_ENROLL_CONCURRENCY', 150);
const domains = envInt('BENCH_DOMAINS', Math.max(1, Math.round(contactsWanted / CONTACTS_PER_DOMAIN)));
const timeoutMs = envInt('BENCH_TIMEOUT_MS', 1_800_000);
const schedules = env.BENCH_SCHEDULES !== '0';
const matchRps = envInt('BENCH_APOLLO_MATCH_RPS', DEFAULT_CAPS.apolloPeopleMatch);
const orgRps = envInt('BENCH_APOLLO_ORG_RPS', DEFAULT_CAPS.apolloOrganizationEnrich);
const caps: E2eCaps = {
  apolloPeopleMatch: matchRps,
  apolloOrganizationEnrich: orgRps,
  hunterGeneral: envInt('BENCH_HUNTER_GENERAL_RPS', DEFAULT_CAPS.hunterGeneral),
  hunterVerifier: envInt('BENCH_HUNTER_VERIFIER_RPS', DEFAULT_CAPS.hunterVerifier),
  // Apollo: bulk endpoints get half of the single endpoint's rate.
  apolloPeopleBulkMatch: envInt('BENCH_APOLLO_BULK_RPS', Math.max(1, Math.floor(matchRps / 2))),
  apolloOrganizationBulkEnrich: envInt('BENCH_APOLLO_BULK_RPS', Math.max(1, Math.floor(orgRps / 2))),
};
const outDir = env.BENCH_OUT ? path.resolve(env.BENCH_OUT) : fileURLToPath(new URL('./results/', import.meta.url));
const CLIENT_ID = 'cascade-bench-client';

const log = (s: string) => process.stdout.write(`[bench:e2e] ${s}\n`);


async function main(): Promise<number> {
  const benchStarted = performance.now();
  const engineSource = sourceState();
  const loadBefore = os.loadavg();
  const pgUrl = env.DATABASE_URL || undefined;
  const contacts = buildContacts(contactsWanted, domains);
  log(`${contacts.length} contacts over ${domains} domains, ${contacts.filter((c) => c.preset).length} with a typed-in job title and phone; enrolment ${enrollConcurrency} in flight; ${pgUrl ? 'postgres' : 'embedded PGlite'}`);
  log(`load average before: ${loadBefore.map((n) => n.toFixed(2)).join(', ')}`);

  const clientSecret = `bench-${randomBytes(18).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cascade-e2e-'));
  let sims: SimProcess | undefined;
  let hs: HubSpotProcess | undefined;
  let db: Database | undefined;
  let cascade: Cascade | undefined;
  let server: http.Server | undefined;
  let schema: string | undefined;
  try {
    [sims, hs] = await Promise.all([
      startSimProcess(e2eSimOptions(caps)),
      startHubSpotProcess({ clientId: CLIENT_ID, clientSecret, seed: 7 }),
    ]);
    const ids = await hs.addPortal(E2E_PORTAL, contacts.map((c) => c.properties));

    // --- Cascade as shipped: defaults, the process environment's engine settings on top.
    const cfgEnv: Record<string, string> = { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATA_DIR: dataDir };
    for (const key of Object.keys(configSchema.shape)) {
      const v = env[key];
      if (v !== undefined && v.trim() !== '') cfgEnv[key] = v;
    }
    Object.assign(cfgEnv, {
      APOLLO_BASE_URL: sims.apolloBaseUrl,
      HUNTER_BASE_URL: sims.hunterBaseUrl,
      HUBSPOT_CLIENT_ID: CLIENT_ID,
      HUBSPOT_CLIENT_SECRET: clientSecret,
      HUBSPOT_API_BASE_URL: hs.url,
      HUBSPOT_AUTHORIZE_URL: hs.authorizeUrl,
    });
    delete cfgEnv.PUBLIC_BASE_URL;
    schema = chooseDatabase(cfgEnv, pgUrl, 'e2e');
    const config = loadConfig(cfgEnv);
    if (pgUrl) db = await openDatabase({ url: pgUrl, schema, poolMax: config.DATABASE_POOL_MAX });
    const logs = new LogCounter();
    cascade = await createCascade(config, { log: createLogger({ level: 'warn', destination: logs }), db, queueSchema: schema ? `${schema}_boss` : undefined });
    const knex = cascade.db.knex;

    // Probes, outside the product's code: how long the trigger (the database part of an
    // acknowledgement) takes, and how long the server held each action request once it had it.
    const acceptMs: number[] = [];
    const trigger = cascade.trigger;
    cascade.trigger = async (input) => {
      const t = performance.now();
      try {
        return await trigger(input);
      } finally {
        acceptMs.push(performance.now() - t);
      }
    };
    // Per action request: [ms from HubSpot's send (its v3 timestamp) to the handler, ms the handler held it].
    const serverSide: [number, number][] = [];
    let connections = 0;
    const app = createApp(cascade);
    server = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === WORKFLOW_ACTION_PATH) {
        const t = performance.now();
        const sent = Number(req.headers['x-hubspot-request-timestamp']);
        const waited = Number.isFinite(sent) ? Date.now() - sent : NaN;
        res.once('finish', () => serverSide.push([waited, performance.now() - t]));
      }
      app(req, res);
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cascade.setPublicBaseUrl(baseUrl);

    // --- Install through OAuth, then the customer's vendor keys and plan.
    const installed = await installViaOAuth(baseUrl);
    if (installed.status !== 200) throw new Error(`install failed: ${installed.status} ${installed.body}`);
    await cascade.credentials.put(E2E_PORTAL, { vendor: 'apollo', apiKey: APOLLO_KEY });
    await cascade.credentials.put(E2E_PORTAL, { vendor: 'hunter', apiKey: HUNTER_KEY });
    await saveSettings(knex, E2E_PORTAL, { rate_limits: e2ePortalRateLimits(caps) });
    await cascade.startWorker(config.WORKER_CONCURRENCY);
    cascade.startOutbox();
    if (schedules) cascade.startSchedules();
    const installCalls = await hs.calls();
    log(`installed through OAuth (${installCalls.length} HubSpot calls); ${config.WORKER_CONCURRENCY} workers, outbox delay ${config.OUTBOX_FLUSH_DELAY_MS} ms, vendor batch window ${config.VENDOR_BATCH_WINDOW_MS} ms`);

    // --- One burst.
    const childPids = [sims.pid, hs.pid];
    const whole = startSampler({ childPids, knex });
    const burst = startSampler({ childPids, knex });
    let burstDb = traceDb(knex);
    const burstQueueDb = traceQueueDb(cascade.db.bossDb);
    let enrollResult: EnrollResult | null = null;
    let enrollError: unknown = null;
    const enrolling = hs
      .enroll({
        portalId: E2E_PORTAL,
        actionUrl: `${baseUrl}${WORKFLOW_ACTION_PATH}`,
        contactIds: ids,
        inputFields: { fields: ACTION_FIELDS, force_refresh: 'false' },
        objectProperties: OBJECT_PROPERTIES,
        concurrency: enrollConcurrency,
      })
      .then(
        (r) => {
          enrollResult = r;
        },
        (err: unknown) => {
          enrollError = err;
        },
      );
    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    let burstResult: E2eMeasurements['burst'] | null = null;
    let afterDb: ReturnType<typeof traceDb> | null = null;
    let stats: SandboxStats = await hs.stats();
    let lastPrint = 0;
    let timedOut = false;
    for (;;) {
      await sleep(1000);
      if (enrollError) throw enrollError;
      stats = await hs.stats();
      const er = enrollResult as EnrollResult | null;
      if (er && !burstResult) {
        burstResult = { sampler: burst.stop(), db: burstDb.stop(), queueDb: burstQueueDb.stop() };
        afterDb = traceDb(knex);
        burstDb = afterDb;
        log(`all ${er.executions.length} executions acknowledged in ${er.finishedAt - er.startedAt} ms`);
      }
      const now = Date.now();
      if (now - lastPrint >= 10_000) {
        lastPrint = now;
        log(
          `t+${Math.round((now - t0) / 1000)} s: acknowledged ${stats.callbacks.executions}, callbacks completed ${stats.callbacks.completed}/${ids.length}, ` +
            `HubSpot calls ${stats.calls.total - installCalls.length} (429: ${stats.calls.rateLimited}), load ${os.loadavg()[0]!.toFixed(2)}`,
        );
      }
      const failedAcks = er ? er.executions.filter((e) => e.outcome !== 'blocked').length : 0;
      if (er && stats.callbacks.completed + stats.callbacks.expired >= er.executions.length - failedAcks) break;
      if (now > deadline) {
        timedOut = true;
        log(`timed out after ${timeoutMs} ms with ${stats.callbacks.completed} callbacks completed`);
        break;
      }
    }
    await enrolling;
    // Whatever the outbox still holds (nothing, when every callback is completed) leaves first.
    for (let i = 0; i < 120 && !timedOut; i++) {
      const [row] = (await knex('hubspot_outbox').where({ state: 'pending' }).count({ n: '*' })) as { n: number | string }[];
      if (Number(row?.n ?? 0) === 0) break;
      await sleep(500);
    }
    // A late second completion would show up here.
    await sleep(1500);
    const observedDoneAt = Date.now();
    const wholeSampler = whole.stop();
    if (!burstResult) burstResult = { sampler: burst.stop(), db: burstDb.stop(), queueDb: burstQueueDb.stop() };
    const afterBurstDb = afterDb ? afterDb.stop() : null;

    log('collecting figures…');
    const [finalStats, calls, callbacks, finalContacts, simSnapshot, hubspotUsage] = await Promise.all([
      hs.stats(),
      hs.calls(),
      hs.callbacks(),
      hs.contacts(E2E_PORTAL),
      sims.snapshot(),
      hs.usage(),
    ]);
    const uiReads = await readUi(baseUrl, clientSecret, ids[0]!);
    const runs = (await knex('enrichment_runs')
      .where({ portal_id: E2E_PORTAL })
      .select('contact_id', 'state', 'status', 'created_at', 'started_at', 'finished_at', 'profile')) as RunRow[];
    const outbox = (await knex('hubspot_outbox').where({ portal_id: E2E_PORTAL }).select('kind', 'state', 'attempts', 'created_at', 'done_at')) as E2eMeasurements['outbox'];
    const triggers = (await knex('run_triggers').where({ portal_id: E2E_PORTAL }).select('coalesced').count({ n: '*' }).groupBy('coalesced')) as { coalesced: boolean; n: number | string }[];

    const measured: E2eMeasurements = {
      backend: cascade.db.kind,
      config: {
        WORKER_CONCURRENCY: config.WORKER_CONCURRENCY,
        OUTBOX_FLUSH_DELAY_MS: config.OUTBOX_FLUSH_DELAY_MS,
        HUBSPOT_CALLS_PER_10S: config.HUBSPOT_CALLS_PER_10S,
        VENDOR_BATCH_WINDOW_MS: config.VENDOR_BATCH_WINDOW_MS,
        VENDOR_TIMEOUT_MS: config.VENDOR_TIMEOUT_MS,
        VENDOR_MAX_IN_FLIGHT: config.VENDOR_MAX_IN_FLIGHT,
        STEP_WAIT_BUDGET_MS: config.STEP_WAIT_BUDGET_MS,
        WORKFLOW_BLOCK_EXPIRATION: config.WORKFLOW_BLOCK_EXPIRATION,
        RATE_WINDOW_GUARD_MS: config.RATE_WINDOW_GUARD_MS ?? (cascade.db.kind === 'pglite' ? 250 : 50),
        DATABASE_POOL_MAX: config.DATABASE_POOL_MAX,
        schedules,
      },
      caps,
      domains,
      enrollConcurrency,
      contacts,
      contactIds: ids,
      enroll: enrollResult ?? { startedAt: t0, finishedAt: t0, executions: [], attempts: [] },
      timedOut,
      observedDoneAt,
      installCalls,
      calls: calls.slice(installCalls.length),
      stats: finalStats,
      callbacks,
      finalContacts,
      sims: simSnapshot,
      hubspotUsage,
      runs,
      outbox,
      triggers: triggers.map((t) => ({ coalesced: Boolean(t.coalesced), n: Number(t.n) })),
      flusher: { ...cascade.hubspot.flusher.stats, sent: { ...cascade.hubspot.flusher.stats.sent } },
      acceptMs,
      serverSide,
      connections,
      burst: burstResult,
      afterBurstDb,
      whole: wholeSampler,
      logLines: logs.counts,
      engineSource,
      loadAverage: { before: loadBefore, after: os.loadavg() },
      totalMs: Math.round(performance.now() - benchStarted),
      uiReads,
    };
    const report = buildE2eReport(measured);
    const suffix = cascade.db.kind === 'postgres' ? '-postgres' : '';
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, `e2e${suffix}.json`), `${JSON.stringify(report.json, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, `e2e${suffix}.md`), report.markdown);
    process.stdout.write(`\n${report.summary}\n`);
    log(`wrote ${path.join(outDir, `e2e${suffix}.json`)} and e2e${suffix}.md`);
    if (report.failures.length) {
      for (const f of report.failures) log(`CORRECTNESS FAILURE: ${f}`);
      return 1;
    }
    return 0;
  } finally {
    if (server) {
      const s = server;
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
    }
    if (cascade) await cascade.close().catch((err: unknown) => log(`cascade close failed: ${(err as Error).message}`));
    await Promise.all([sims?.stop(), hs?.stop()]);
    if (db) await db.close();
    await dropDatabase(pgUrl, schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * What the card and the settings page read, once the portal holds the whole run: each route a few
 * times through a signed hubspot.fetch (after the HubSpot figures are collected: the settings page's
 * admin check is a HubSpot call).
 */
async function readUi(baseUrl: string, clientSecret: string, contactId: string): Promise<E2eMeasurements['uiReads']> {
  const fetchAs = extensionFetcher({ clientSecret, appId: 1, permittedOrigins: () => [new URL(baseUrl).origin] });
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const who = `portalId=${E2E_PORTAL}&userId=1`;
  const routes: [string, string][] = [
    ['GET /ui/card', `/ui/card?${who}&contactId=${contactId}`],
    ['GET /ui/settings', `/ui/settings?${who}`],
    ['GET /ui/usage (30 days)', `/ui/usage?${who}&from=${monthAgo}&to=${today}`],
    ['GET /ui/audit (100 events)', `/ui/audit?${who}&limit=100`],
  ];
  const out: E2eMeasurements['uiReads'] = [];
  for (const [route, url] of routes) {
    const r = { route, ms: [] as number[], bytes: 0, status: 0 };
    for (let i = 0; i < 5; i++) {
      const res = await fetchAs({ url: `${baseUrl}${url}` });
      r.ms.push(Math.round(res.ms * 10) / 10);
      r.bytes = Math.max(r.bytes, res.bytes);
      r.status = res.status;
    }
    out.push(r);
  }
  const est = { route: 'POST /ui/estimate (10,000 contacts)', ms: [] as number[], bytes: 0, status: 0 };
  for (let i = 0; i < 5; i++) {
    const res = await fetchAs({ url: `${baseUrl}/ui/estimate?${who}`, method: 'POST', body: { contacts: 10_000, groups: ['email', 'person', 'company'] } });
    est.ms.push(Math.round(res.ms * 10) / 10);
    est.bytes = res.bytes;
    est.status = res.status;
  }
  out.push(est);
  return out;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[bench:e2e] crashed:', err);
    process.exit(2);
  },
);
