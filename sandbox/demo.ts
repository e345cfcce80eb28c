// `npm run demo`: the whole engine on one machine, with nothing to configure. Starts the nine vendor
// simulators of the catalog in this process, opens a fresh embedded database under DATA_DIR/demo,
// listens for the asynchronous vendor's callbacks, sets up two portals (their own fake keys,
// settings and spend caps: one with all nine vendors on the built-in waterfall, one with Apollo and
// Hunter on its own), tests every key, triggers a few hundred generated contacts (with webhook
// retries and simultaneous triggers for the same contact), lets the queue worker enrich them, then
// re-triggers a sample to show the cache answering. It ends with a summary a RevOps person can read,
// and doubles as a smoke test: it exits non-zero if a vendor billed any lookup twice, a spend counter
// went past its cap, a vendor's invoice disagrees with the engine's ledger, or a vendor had to send a
// rate-limit signal.
//
// The helpers live in sandbox/demo/: the simulators (vendors.ts), the portals (portals.ts), what is
// read back (data.ts), the summary tables (summary.ts, catalog.ts), the checks (findings.ts) and
// the output format (format.ts).
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/log.ts';
import { createCascade } from '../server/cascade.ts';
import type { Cascade } from '../server/cascade.ts';
import { createApp } from '../server/app.ts';
import { ensurePortal } from '../server/portals/portals.ts';
import { saveSettings } from '../server/enrichment/settings.ts';
import { setCaps } from '../server/enrichment/spend.ts';
import type { TriggerInput } from '../server/enrichment/runs.ts';
import { listen } from './vendors/common.ts';
import type { RunningServer } from './vendors/common.ts';
import { flushHeldLogs, heading, holdLogs, logSink, secs } from './demo/format.ts';
import {
  DEMO_COVERAGE,
  FULLENRICH_DEMO_POLLING,
  FULLENRICH_DROPPED_CALLBACKS,
  FULLENRICH_WORK_MS,
  VENDOR_IDS,
  demoAdapters,
  startVendors,
} from './demo/vendors.ts';
import type { DemoVendors } from './demo/vendors.ts';
import { PORTALS, demoContacts } from './demo/portals.ts';
import { readDemoData } from './demo/data.ts';
import type { RunRow } from './demo/data.ts';
import { Findings } from './demo/findings.ts';
import { newTally, printExample, printInvoices, printRuns, printSkips, printSpend } from './demo/summary.ts';
import type { TriggerTally } from './demo/summary.ts';
import { printAsync, printCaps, printDrift, printFillPositions, printVendorTraffic, printWaterfall, testConnections } from './demo/catalog.ts';

const started = Date.now();
/** Only a hang detector: an idle laptop finishes pass 1 in well under a minute. */
const PASS_TIMEOUT_MS = 150_000;
const WORKER_CONCURRENCY = 24;

// ---------------------------------------------------------------------------------------------
// Triggers

async function send(cascade: Cascade, tally: TriggerTally, input: TriggerInput): Promise<void> {
  tally.sent++;
  const r = await cascade.trigger(input);
  if (r.duplicate) tally.duplicates++;
  else if (r.coalesced) tally.coalesced++;
  tally.runIds.add(r.runId);
}

/**
 * Runs `fn` over `items`, `width` at a time. On the embedded database a trigger is a chain of
 * promises that never waits for I/O: hundreds in a row would hold the event loop for seconds, and
 * every timer and socket with it (a vendor connection idle since "Test connection" would then be
 * reused just as the simulator closes it). Each item yields to the event loop first.
 */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await new Promise((r) => setImmediate(r));
        await fn(item);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Waiting, with a progress bar

class DemoFailure extends Error {}

async function waitWithProgress(cascade: Cascade, label: string, runIds: string[]): Promise<number> {
  const t0 = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label} |{bar}| {value}/{total} runs finished | {waiting} waiting for FullEnrich | {duration}s`,
      hideCursor: true,
      barsize: 40,
      noTTYOutput: true,
      notTTYSchedule: 2_000,
    },
    cliProgress.Presets.shades_classic,
  );
  holdLogs();
  bar.start(runIds.length, 0, { waiting: 0 });
  let done: number;
  try {
    for (;;) {
      const rows = await cascade.db
        .knex('enrichment_runs')
        .whereIn('id', runIds)
        .select('state')
        .count<{ state: string; n: number }[]>('* as n')
        .groupBy('state');
      const n = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
      done = n('done');
      bar.update(done, { waiting: n('waiting') });
      if (done >= runIds.length || Date.now() - t0 > PASS_TIMEOUT_MS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    bar.stop();
    flushHeldLogs();
  }
  if (done < runIds.length) {
    throw new DemoFailure(`${runIds.length - done} run(s) were still unfinished after ${secs(PASS_TIMEOUT_MS)}`);
  }
  return Date.now() - t0;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  console.log('Cascade demo: a cached, rate-limited, cost-capped enrichment waterfall over each customer’s own vendor keys.');
  console.log('Everything runs on this machine: nine simulated vendors, an embedded Postgres (PGlite), the queue worker and');
  console.log('the HTTP endpoint the asynchronous vendor calls back.\n');

  // 1. The nine vendor simulators, in this process, on free ports; each accepts the portals' keys.
  const keysByVendor = Object.fromEntries(VENDOR_IDS.map((v) => [v, PORTALS.flatMap((p) => p.keys[v] ?? [])])) as Record<(typeof VENDOR_IDS)[number], string[]>;
  let vendors: DemoVendors | null = null;
  let cascade: Cascade | null = null;
  let callbacks: RunningServer | null = null;
  try {
    vendors = await startVendors(keysByVendor);
    console.log(`Simulated vendors: ${vendors.sims.map((s) => `${s.name} :${s.server.port}`).join(', ')}`);
    console.log('  20–80 ms per request; after "Test connection", 1% of requests fail with a 5xx (FullEnrich excepted).');
    console.log('  Hunter: ~1% opted-out people, ~5% slow verifications (202); Lusha: ~3% GDPR-restricted people.');
    console.log(`  Share of the world's people a vendor knows, set for the demo so that lookups travel further down the waterfall:`);
    console.log(`  ${Object.entries(DEMO_COVERAGE).map(([v, c]) => `${v} ${c}`).join(', ')}; the others as their simulators default.`);
    console.log(
      `  FullEnrich works ${secs(FULLENRICH_WORK_MS)} on a submission instead of 30–90 s, and does not call back for submissions ` +
        `${[...FULLENRICH_DROPPED_CALLBACKS].map((n) => `#${n}`).join(' and ')};`,
    );
    console.log(
      `  so the engine's FullEnrich polling is shortened for the demo: first poll after ${secs(FULLENRICH_DEMO_POLLING.pollAfterMs)}, ` +
        `then every ${secs(FULLENRICH_DEMO_POLLING.pollEveryMs)}, give up after ${secs(FULLENRICH_DEMO_POLLING.giveUpAfterMs)} (real: 2 min, 1 min, 30 min).`,
    );

    // 2. A fresh embedded database, so every demo run starts from the same place.
    const envConfig = loadConfig({ ...process.env, DATABASE_URL: '' });
    if (process.env.DATABASE_URL) console.log('DATABASE_URL is set, but the demo always uses its own embedded database.');
    const demoDir = path.join(envConfig.DATA_DIR, 'demo');
    const existed = fs.existsSync(demoDir);
    fs.rmSync(demoDir, { recursive: true, force: true });
    console.log(`Demo database: ${path.resolve(demoDir)} (${existed ? 'deleted the previous demo data, starting fresh' : 'new'})`);
    const config = { ...envConfig, DATA_DIR: demoDir, ...vendors.urls };
    if (!config.ENCRYPTION_KEYS) {
      console.log('Note: ENCRYPTION_KEYS is not set, so the embedded default generates a local key to encrypt the demo’s vendor keys (expected warning):');
    }
    const tEngine = Date.now();
    const adapters = demoAdapters();
    cascade = await createCascade(config, { log: createLogger({ level: 'warn', destination: logSink }), adapters });
    const db = cascade.db.knex;
    // Where FullEnrich posts its answers: the app's POST /vendors/:vendor/callbacks.
    callbacks = await listen(createApp(cascade));
    cascade.setPublicBaseUrl(callbacks.url);
    console.log(`Database migrated, queue and engine ready in ${secs(Date.now() - tEngine)}; vendor callbacks to ${callbacks.url}/vendors/:vendor/callbacks`);

    // 3. Two portals, each with its own keys, settings and caps.
    heading('Set-up');
    for (const p of PORTALS) {
      await ensurePortal(db, p.id, p.name);
      for (const [vendor, apiKey] of Object.entries(p.keys)) await cascade.credentials.put(p.id, { vendor, apiKey });
      await saveSettings(db, p.id, p.settings);
      await setCaps(db, p.id, p.caps);
      const keys = await cascade.credentials.list(p.id);
      console.log(`\nPortal ${p.id} "${p.name}": ${keys.length} keys stored encrypted (${keys.map((k) => `${k.vendor} …${k.last4}`).join(', ')})`);
      for (const s of p.story) console.log(`  ${s}`);
      console.log(`  Waterfall per group (${p.settings.waterfall ? 'its own' : 'built in, ordered by price'}):`);
      printWaterfall(p, adapters);
    }

    const findings = new Findings();
    const portalA = PORTALS[0]!;
    await testConnections(cascade, portalA, vendors.sims, findings);
    vendors.enableFaults();

    const allContacts = PORTALS.flatMap((p) => demoContacts(p));
    const tally1 = new Map(PORTALS.map((p) => [p.id, newTally()]));
    const tTrigger = Date.now();
    await pool(allContacts, 8, async (c) => {
      const tally = tally1.get(c.portalId)!;
      const workflow: TriggerInput = {
        portalId: c.portalId,
        contactId: c.contactId,
        source: 'workflow',
        idempotencyKey: `wf-enroll-${c.contactId}`,
        groups: c.groups,
        properties: c.properties,
      };
      if (c.clicked) {
        // Someone clicks "Enrich" on the contact card as the workflow fires: one run serves both.
        await Promise.all([
          send(cascade!, tally, workflow),
          send(cascade!, tally, { ...workflow, source: 'card', idempotencyKey: `card-click-${c.contactId}`, groups: ['email', 'phone'] }),
        ]);
      } else {
        await send(cascade!, tally, workflow);
      }
      // HubSpot retries a webhook whose answer it did not see: same idempotency key, nothing new.
      if (c.retried) await send(cascade!, tally, workflow);
    });
    const pass1Ids = [...tally1.values()].flatMap((t) => [...t.runIds]);
    const groupCounts = new Map<string, number>();
    for (const c of allContacts) for (const g of c.groups) groupCounts.set(g, (groupCounts.get(g) ?? 0) + 1);
    console.log(
      `\nTriggered ${allContacts.length} contacts in ${secs(Date.now() - tTrigger)}: ` +
        `${[...tally1.values()].reduce((s, t) => s + t.sent, 0)} triggers → ${pass1Ids.length} runs queued`,
    );
    console.log(`  groups asked for: ${[...groupCounts].map(([g, n]) => `${g} ${n}`).join(', ')} (plus e-mail and phone on each card click)`);

    // Pass 1: the worker enriches everything.
    heading('Pass 1: enriching');
    await cascade.startWorker(WORKER_CONCURRENCY);
    const pass1Ms = await waitWithProgress(cascade, 'Pass 1', pass1Ids);
    console.log(`  ${pass1Ids.length} runs finished in ${secs(pass1Ms)} (${WORKER_CONCURRENCY} runs at a time; a run waiting for FullEnrich holds none)`);

    // 4. Pass 2: a sample of enriched contacts comes round again (say, a weekly refresh).
    heading('Pass 2: re-enriching a sample of enriched contacts (should come from the cache)');
    const beforeRequests = new Map(vendors.sims.map((s) => [s.name, s.state.requests.length]));
    const tally2 = new Map(PORTALS.map((p) => [p.id, newTally()]));
    const pass1Runs = (await db('enrichment_runs').whereIn('id', pass1Ids).select('*')) as RunRow[];
    // Steps skipped for a cap or a vendor error were never answered, so nothing is cached for them.
    const unanswered = new Set(
      (await db('run_steps').whereIn('run_id', pass1Ids).whereNotNull('skip_reason').whereNot({ skip_reason: 'no_input' }).distinct('run_id')).map(
        (r: { run_id: string }) => r.run_id,
      ),
    );
    for (const p of PORTALS) {
      const candidates = pass1Runs
        .filter((r) => Number(r.portal_id) === p.id && r.status === 'enriched' && !unanswered.has(r.id))
        .sort((a, b) => a.contact_id.localeCompare(b.contact_id));
      const every = Math.max(1, Math.floor(candidates.length / p.resample));
      const sample = candidates.filter((_r, i) => i % every === 0).slice(0, p.resample);
      const tally = tally2.get(p.id)!;
      await pool(sample, 8, async (r) => {
        // The CRM now holds what pass 1 wrote back.
        const crm = { ...(r.contact.properties as Record<string, string>), ...(r.changes?.properties ?? {}) };
        await send(cascade!, tally, {
          portalId: p.id,
          contactId: r.contact_id,
          source: 'schedule',
          idempotencyKey: `weekly-refresh-${r.contact_id}`,
          groups: r.groups,
          properties: crm,
        });
      });
    }
    const pass2Ids = [...tally2.values()].flatMap((t) => [...t.runIds]);
    const pass2Ms = await waitWithProgress(cascade, 'Pass 2', pass2Ids);
    const pass2Requests = vendors.sims.map((s) => ({ name: s.name, n: s.state.requests.length - (beforeRequests.get(s.name) ?? 0) }));
    console.log(
      `  ${pass2Ids.length} runs finished in ${secs(pass2Ms)}; requests to the vendors meanwhile: ` +
        (pass2Requests.every((r) => r.n === 0) ? 'none' : pass2Requests.filter((r) => r.n > 0).map((r) => `${r.name} ${r.n}`).join(', ')),
    );

    // ------------------------------------------------------------------------------------------
    // 5. Summary
    const data = await readDemoData(db);
    const pass1 = new Set(pass1Ids);
    const passes = { pass1, pass2: new Set(pass2Ids), tally1, tally2, pass2Requests };

    heading('Summary');
    printRuns(PORTALS, data, passes, findings);
    await printSpend(db, PORTALS, findings);
    printCaps(PORTALS, data, findings);
    printSkips(data);
    printFillPositions(PORTALS, adapters, data, pass1);

    heading('The vendors’ side');
    printVendorTraffic(vendors.sims, data, cascade.caller, findings);
    printAsync(data, vendors.fullenrich, findings);
    await printDrift(cascade);
    const snapshots = printInvoices(PORTALS, vendors.sims, data, findings);
    printExample(data, pass1, portalA.id);

    // ------------------------------------------------------------------------------------------
    // 6. The smoke test's verdict: failures make the demo exit non-zero; warnings do not.
    heading('Checks');
    const billed = [...snapshots.values()].reduce((n, s) => n + s.billedCalls, 0);
    const unique = [...snapshots.values()].reduce((n, s) => n + s.uniqueLookups, 0);
    const signals = vendors.sims.reduce((n, s) => n + s.state.limitSignals, 0);
    const failed = findings.report([
      { check: 'billed-twice', text: `no lookup billed twice (nine vendors: ${billed} billed calls for ${unique} unique billable lookups)` },
      { check: 'caps', text: 'no spend counter past its cap' },
      { check: 'ledger', text: 'every vendor’s invoice matches the engine’s ledger, per portal key (a lookup that got no answer counts as possibly billed)' },
      { check: 'limits', text: `no rate-limit signal from any vendor (${signals} received)` },
      { check: 'connection', text: 'every stored key passed "Test connection", for free; a wrong key was refused without being repeated' },
      { check: 'cap-reached', text: 'a spend cap was reached and announced' },
      { check: 'async', text: 'FullEnrich answered by callback, and by polling where it sent none' },
      { check: 'cache', text: 'pass 2 answered from the cache, with no vendor calls' },
      { check: 'reserved', text: 'no money left reserved once every run finished' },
    ]);
    if (failed) {
      console.error(`\nDemo FAILED: ${findings.failures.map((f) => f.text).join('; ')}`);
      return 1;
    }
    return 0;
  } finally {
    if (cascade) await cascade.close();
    if (callbacks) await callbacks.close();
    if (vendors) await vendors.close();
  }
}

main().then(
  (code) => {
    console.log(`\n${code === 0 ? 'Demo finished' : 'Demo stopped'} in ${secs(Date.now() - started)}; simulators, queue and database closed.`);
    process.exit(code);
  },
  (err: unknown) => {
    flushHeldLogs();
    const message = err instanceof DemoFailure ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.error(`\nDemo FAILED: ${message}`);
    process.exit(1);
  },
);
