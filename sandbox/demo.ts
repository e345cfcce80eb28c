// `npm run demo`: Cascade end to end through HubSpot, on one machine, with nothing to configure.
// Starts the nine vendor simulators and a sandbox HubSpot (two portals: 1,000 and 150 contacts,
// one in ten with values a person typed in), opens a fresh embedded database under DATA_DIR/demo,
// starts Cascade's HTTP server, installs the app in each portal through OAuth (the redirects a
// browser follows), saves each portal's vendor keys, settings and spend caps, tests every key, then
// lets HubSpot's workflow engine enrol every contact in the "Enrich contact" action: a second
// workflow enrols a third of them at the same time (its executions join the runs under way) and
// HubSpot sends some executions twice (same callbackId). Cascade answers each at once (BLOCK),
// enriches through the vendors, writes the contacts back in batches and completes every callback.
// A second pass re-enrols a sample to show the cache answering. The summary shows what changed in
// the portals, spend per vendor, cache hits, the HubSpot calls used and how every callback ended;
// the demo doubles as a smoke test and exits non-zero if a vendor billed a lookup twice, a spend
// counter went past its cap, an invoice disagrees with the ledger, a vendor sent a rate-limit signal,
// a callback was completed twice or left pending, a value a contact already had was overwritten,
// HubSpot answered 429, or a HubSpot call carried more than 100 inputs.
//
// The helpers live in sandbox/demo/: the simulators (vendors.ts), the portals (portals.ts), the
// HubSpot side (hubspot.ts), what is read back (data.ts), the summary tables (summary.ts,
// catalog.ts), the checks (findings.ts) and the output format (format.ts).
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/log.ts';
import { createCascade } from '../server/cascade.ts';
import type { Cascade } from '../server/cascade.ts';
import { createApp } from '../server/app.ts';
import { saveSettings } from '../server/enrichment/settings.ts';
import { setCaps } from '../server/enrichment/spend.ts';
import { CONTACT_READ_PROPERTIES } from '../server/hubspot/contact-properties.ts';
import { listen } from './vendors/common.ts';
import type { RunningServer } from './vendors/common.ts';
import type { HubSpotSandbox } from './hubspot/index.ts';
import { flushHeldLogs, heading, logSink, printWrapped, secs, usd } from './demo/format.ts';
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
import { PORTALS } from './demo/portals.ts';
import { readDemoData } from './demo/data.ts';
import type { RunRow } from './demo/data.ts';
import { Findings } from './demo/findings.ts';
import { newTally, printExample, printInvoices, printRuns, printSkips, printSpend, printSpendPerVendor } from './demo/summary.ts';
import type { TriggerTally } from './demo/summary.ts';
import { printAsync, printCaps, printDrift, printFillPositions, printVendorTraffic, printWaterfall, testConnections } from './demo/catalog.ts';
import {
  DEMO_APP_EVENT_TYPE,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  HUBSPOT_LIMIT,
  WORKFLOWS,
  callbackPrefix,
  describeHop,
  enrol,
  installViaOAuth,
  printCallbacks,
  printHubSpotCalls,
  printPortalChanges,
  startHubSpot,
  waitForCallbacks,
  waitOutboxIdle,
} from './demo/hubspot.ts';
import type { Enrolment, EnrolmentPlan, SeededPortal } from './demo/hubspot.ts';
import { UiSession, preflight, tourUi } from './demo/ui.ts';
import type { FieldGroup } from '../server/vendors/types.ts';
import { spendOverview } from '../server/enrichment/spend.ts';

const started = Date.now();
/** Only hang detectors: this 2-core machine finishes pass 1 in about a minute and a half. */
const PASS1_TIMEOUT_MS = 360_000;
const PASS2_TIMEOUT_MS = 60_000;
/** Runs enriched at a time: enough to fill vendor batches quickly; the embedded database answers them all on one connection. */
const WORKER_CONCURRENCY = 64;
/** Lowered for the demo (default 10 s) so the last partial batches do not idle. */
const DEMO_OUTBOX_FLUSH_DELAY_MS = '2000';

/** A second key of portal A's Hunter account, pasted on the settings page near the end. */
const ROTATED_HUNTER_KEY = 'demo-fake-hunter-key-portal-101-rotated';

class DemoFailure extends Error {}

const n0 = (v: number) => v.toLocaleString('en-US');

/** Per portal: requests the action endpoint got in a pass, duplicates, executions that joined a run under way, runs. */
async function tallyPass(cascade: Cascade, enrolments: Enrolment[], pass: number): Promise<Map<number, TriggerTally>> {
  const rows = (await cascade.db
    .knex('run_triggers')
    .where('idempotency_key', 'like', `${callbackPrefix(pass)}%`)
    .select('portal_id', 'run_id', 'coalesced')) as { portal_id: number; run_id: string; coalesced: boolean }[];
  const out = new Map(PORTALS.map((p) => [p.id, newTally()]));
  for (const e of enrolments.filter((x) => x.pass === pass)) {
    const t = out.get(e.portalId)!;
    t.sent += e.executions.reduce((n, x) => n + x.attempts, 0) + e.resends.length;
  }
  for (const r of rows) {
    const t = out.get(Number(r.portal_id))!;
    if (r.coalesced) t.coalesced++;
    t.runIds.add(r.run_id);
  }
  for (const [pid, t] of out) t.duplicates = t.sent - rows.filter((r) => Number(r.portal_id) === pid).length;
  return out;
}

async function main(): Promise<number> {
  console.log('Cascade demo: a cached, rate-limited, cost-capped enrichment waterfall over each customer’s own vendor keys, as a HubSpot app.');
  console.log('Everything runs on this machine: a sandbox HubSpot (two portals with their contacts, OAuth, the CRM API and the workflow');
  console.log('engine), nine simulated vendors, Cascade’s HTTP server, an embedded Postgres (PGlite) and the queue worker.\n');

  let vendors: DemoVendors | null = null;
  let cascade: Cascade | null = null;
  let server: RunningServer | null = null;
  let hs: HubSpotSandbox | null = null;
  try {
    // 1. The nine vendor simulators, in this process, on free ports; each accepts the portals' keys.
    const keysByVendor = Object.fromEntries(VENDOR_IDS.map((v) => [v, PORTALS.flatMap((p) => p.keys[v] ?? [])])) as Record<(typeof VENDOR_IDS)[number], string[]>;
    keysByVendor.hunter.push(ROTATED_HUNTER_KEY); // the key an admin rotates to on the settings page
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

    // 2. The sandbox HubSpot with the two portals' contacts.
    const hub = await startHubSpot(PORTALS);
    hs = hub.hs;
    const seeded: SeededPortal[] = hub.seeded;
    console.log(`\nSandbox HubSpot: ${hs.url} (CRM API, OAuth, workflow engine; ${HUBSPOT_LIMIT.max} calls per 10 s per portal, as for marketplace apps)`);
    for (const s of seeded) {
      const typed = s.contacts.filter((c) => c.typed.length > 0).length;
      console.log(
        `  Portal ${s.portal.id} "${s.portal.name}": ${n0(s.ids.length)} contacts (${s.contacts.filter((c) => c.properties.email).length} with an e-mail, ` +
          `${typed} with a job title, phone or city a person typed in)`,
      );
    }

    // 3. A fresh embedded database, so every demo run starts from the same place, and Cascade's server.
    const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: '' };
    delete env.PUBLIC_BASE_URL;
    if (process.env.DATABASE_URL) console.log('DATABASE_URL is set, but the demo always uses its own embedded database.');
    const envConfig = loadConfig({
      ...env,
      HUBSPOT_CLIENT_ID: DEMO_CLIENT_ID,
      HUBSPOT_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      HUBSPOT_API_BASE_URL: hs.url,
      HUBSPOT_AUTHORIZE_URL: hs.authorizeUrl,
      HUBSPOT_APP_EVENT_TYPE: DEMO_APP_EVENT_TYPE,
      OUTBOX_FLUSH_DELAY_MS: process.env.OUTBOX_FLUSH_DELAY_MS ?? DEMO_OUTBOX_FLUSH_DELAY_MS,
    });
    const demoDir = path.join(envConfig.DATA_DIR, 'demo');
    const existed = fs.existsSync(demoDir);
    fs.rmSync(demoDir, { recursive: true, force: true });
    console.log(`Demo database: ${path.resolve(demoDir)} (${existed ? 'deleted the previous demo data, starting fresh' : 'new'})`);
    const config = { ...envConfig, DATA_DIR: demoDir, ...vendors.urls };
    if (!config.ENCRYPTION_KEYS) {
      console.log('Note: ENCRYPTION_KEYS is not set, so the embedded default generates a local key to encrypt the demo’s tokens and keys (expected warning):');
    }
    const tEngine = Date.now();
    const adapters = demoAdapters();
    cascade = await createCascade(config, { log: createLogger({ level: 'warn', destination: logSink }), adapters });
    const db = cascade.db.knex;
    server = await listen(createApp(cascade));
    cascade.setPublicBaseUrl(server.url);
    const actionUrl = `${server.url}/hubspot/actions/enrich`;
    console.log(`Database migrated, queue and engine ready in ${secs(Date.now() - tEngine)}. Cascade listens on ${server.url}:`);
    console.log(`  POST /hubspot/actions/enrich (the workflow action), GET /oauth/install and /oauth/callback, POST /vendors/:vendor/callbacks (FullEnrich)`);
    console.log(
      `  HubSpot writes leave in batches of up to 100, or once the oldest has waited OUTBOX_FLUSH_DELAY_MS = ${secs(config.OUTBOX_FLUSH_DELAY_MS)}` +
        `${config.OUTBOX_FLUSH_DELAY_MS === Number(DEMO_OUTBOX_FLUSH_DELAY_MS) ? ' (lowered for the demo; the default is 10 s)' : ''}; ` +
        `at most ${config.HUBSPOT_CALLS_PER_10S} calls per 10 s per portal.`,
    );

    // 4. The app installed in each portal through OAuth, as a portal admin would from the marketplace.
    heading('Installing Cascade in the two portals (OAuth, following the redirects a browser would)');
    for (const s of seeded) {
      hs.consentAs(s.portal.id);
      const res = await installViaOAuth(server.url);
      console.log(`\nPortal ${s.portal.id}: an admin clicks "Install" and approves`);
      for (const hop of res.hops) console.log(`  ${describeHop(hop, server.url, hs.url)}`);
      if (res.status !== 200) throw new DemoFailure(`the install in portal ${s.portal.id} failed: ${res.status} ${res.body.slice(0, 300)}`);
      const tokens = await db('hubspot_tokens').where({ portal_id: s.portal.id }).first('scopes', 'expires_at');
      if (!tokens) throw new DemoFailure(`the install in portal ${s.portal.id} stored no tokens`);
      const scopes = (typeof tokens.scopes === 'string' ? JSON.parse(tokens.scopes) : tokens.scopes) as string[];
      const created = hs.properties(s.portal.id).filter((p) => p.groupName === 'cascade');
      printWrapped('  Tokens stored encrypted; scopes granted:', scopes);
      printWrapped(`  Created in the portal: the property group "cascade" and ${created.length} properties:`, created.map((p) => p.name));
    }

    // 5. Each portal's keys, settings and caps, as its admin saves them on the settings page.
    heading('Set-up');
    for (const p of PORTALS) {
      await db('portals').where({ id: p.id }).update({ name: p.name });
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
    // Before any workflow runs, each portal's admin asks the settings page what enrolling costs.
    console.log('');
    const groupsOf = (fields: string) => fields.split(',') as FieldGroup[];
    for (const s of seeded) {
      const ui = new UiSession(hs, server.url, s.portal.id, hs.addUser(s.portal.id, { superAdmin: true }).id);
      console.log(`Portal ${s.portal.id}:`);
      await preflight(ui, WORKFLOWS.newLeads.name, s.ids.length, groupsOf(WORKFLOWS.newLeads.fields));
      await preflight(ui, WORKFLOWS.phone.name, s.contacts.filter((c) => c.phone).length, groupsOf(WORKFLOWS.phone.fields));
    }
    vendors.enableFaults();
    await cascade.startWorker(WORKER_CONCURRENCY);
    cascade.startOutbox();

    // 6. Pass 1: the workflows enrol every contact.
    heading('Pass 1: HubSpot workflows enrol every contact in the "Enrich contact" action');
    const plans1: EnrolmentPlan[] = seeded.flatMap((s) => [
      {
        portalId: s.portal.id,
        workflow: WORKFLOWS.newLeads,
        contactIds: s.ids,
        resend: new Set(s.ids.filter((_id, i) => s.contacts[i]?.resent)),
      },
      { portalId: s.portal.id, workflow: WORKFLOWS.phone, contactIds: s.ids.filter((_id, i) => s.contacts[i]?.phone) },
    ]);
    const perPortal = (wf: EnrolmentPlan['workflow']) =>
      plans1.filter((p) => p.workflow === wf).map((p) => `portal ${p.portalId}: ${n0(p.contactIds.length)} contacts`).join(', ');
    console.log('  Two workflows use the "Enrich contact" action in each portal, and enrol their contacts at the same time:');
    console.log(`    "${WORKFLOWS.newLeads.name}" (fields: ${WORKFLOWS.newLeads.fields}): ${perPortal(WORKFLOWS.newLeads)}`);
    console.log(`    "${WORKFLOWS.phone.name}" (fields: ${WORKFLOWS.phone.fields}): ${perPortal(WORKFLOWS.phone)}`);
    console.log('  A contact in both has two executions: the second joins the run under way (one run, one bill, two callbacks completed).');
    console.log(
      `  HubSpot sends ${plans1.reduce((n, p) => n + (p.resend?.size ?? 0), 0)} executions a second time (same callbackId, as when it missed an answer), ` +
        `and ${CONTACT_READ_PROPERTIES.length} contact properties with each`,
    );
    console.log('  (what vendors are asked by, and every property Cascade may write, so the write policy sees what the contact already has).');
    const expected1 = plans1.reduce((n, p) => n + p.contactIds.length, 0);
    const enrolling1 = enrol(hs, actionUrl, 1, plans1);
    const wait1 = await waitForCallbacks({ hs, cascade, label: 'Pass 1', pass: 1, expected: expected1, enrolling: enrolling1, timeoutMs: PASS1_TIMEOUT_MS });
    const enrolments: Enrolment[] = await enrolling1;
    const tally1 = await tallyPass(cascade, enrolments, 1);
    const pass1Ids = [...tally1.values()].flatMap((t) => [...t.runIds]);
    const contacts1 = seeded.reduce((n, s) => n + s.ids.length, 0);
    console.log(
      `  ${n0(expected1)} executions for ${n0(contacts1)} contacts → ${n0(pass1Ids.length)} runs; every callback ${wait1.complete ? 'completed' : `NOT completed (${wait1.pending} pending)`} ` +
        `${secs(wait1.ms)} after the first enrolment (${(contacts1 / (wait1.ms / 1000)).toFixed(1)} contacts/s, ${WORKER_CONCURRENCY} runs at a time).`,
    );
    console.log(
      `  Joined a run under way: ${[...tally1.values()].reduce((n, t) => n + t.coalesced, 0)}; re-sent executions answered without a second run: ` +
        `${enrolments.reduce((n, e) => n + e.resends.length, 0)}.`,
    );

    // 7. Pass 2: a sample of enriched contacts comes round again (a weekly refresh workflow).
    heading('Pass 2: a "Weekly refresh" workflow re-enrols a sample of enriched contacts (should come from the cache)');
    const beforeRequests = new Map(vendors.sims.map((s) => [s.name, s.state.requests.length]));
    const pass1Runs = (await db('enrichment_runs').whereIn('id', pass1Ids).select('*')) as RunRow[];
    // Steps skipped for a cap or a vendor error were never answered, so nothing is cached for them.
    const unanswered = new Set(
      (await db('run_steps').whereIn('run_id', pass1Ids).whereNotNull('skip_reason').whereNot({ skip_reason: 'no_input' }).distinct('run_id')).map(
        (r: { run_id: string }) => r.run_id,
      ),
    );
    const sameGroups = new Set(WORKFLOWS.refresh.fields.split(','));
    const plans2: EnrolmentPlan[] = seeded.map((s) => {
      const runsOf = new Map<string, RunRow[]>();
      for (const r of pass1Runs.filter((x) => Number(x.portal_id) === s.portal.id)) runsOf.set(r.contact_id, [...(runsOf.get(r.contact_id) ?? []), r]);
      const candidates = [...runsOf.entries()]
        .filter(([, rs]) => rs.length === 1 && rs[0]!.status === 'enriched' && !unanswered.has(rs[0]!.id))
        .filter(([, rs]) => rs[0]!.groups.length === sameGroups.size && rs[0]!.groups.every((g) => sameGroups.has(g)))
        .map(([id]) => id)
        .sort((a, b) => Number(a) - Number(b));
      const every = Math.max(1, Math.floor(candidates.length / s.portal.resample));
      return { portalId: s.portal.id, workflow: WORKFLOWS.refresh, contactIds: candidates.filter((_c, i) => i % every === 0).slice(0, s.portal.resample) };
    });
    for (const p of plans2) console.log(`  Portal ${p.portalId}: ${p.contactIds.length} contacts enriched in pass 1 (every step answered) are enrolled again.`);
    const expected2 = plans2.reduce((n, p) => n + p.contactIds.length, 0);
    const enrolling2 = enrol(hs, actionUrl, 2, plans2);
    const wait2 = await waitForCallbacks({ hs, cascade, label: 'Pass 2', pass: 2, expected: expected2, enrolling: enrolling2, timeoutMs: PASS2_TIMEOUT_MS });
    enrolments.push(...(await enrolling2));
    const tally2 = await tallyPass(cascade, enrolments, 2);
    const pass2Ids = [...tally2.values()].flatMap((t) => [...t.runIds]);
    const pass2Requests = vendors.sims.map((s) => ({ name: s.name, n: s.state.requests.length - (beforeRequests.get(s.name) ?? 0) }));
    console.log(
      `  ${pass2Ids.length} runs; every callback ${wait2.complete ? 'completed' : `NOT completed (${wait2.pending} pending)`} in ${secs(wait2.ms)}; requests to the vendors meanwhile: ` +
        (pass2Requests.every((r) => r.n === 0) ? 'none' : pass2Requests.filter((r) => r.n > 0).map((r) => `${r.name} ${r.n}`).join(', ')),
    );
    const left = await waitOutboxIdle(cascade, 30_000);
    if (left) findings.fail('outbox', `${left} HubSpot write(s) still queued 30 s after the last callback`);

    // ------------------------------------------------------------------------------------------
    // 8. Summary
    const data = await readDemoData(db);
    const pass1 = new Set(pass1Ids);
    const pass2 = new Set(pass2Ids);
    const passes = { pass1, pass2, tally1, tally2, pass2Requests };

    heading('In HubSpot');
    const changes = printPortalChanges(hs, seeded, data, pass1, findings);
    const callbacks = printCallbacks(hs, enrolments, WORKER_CONCURRENCY, findings);
    const calls = printHubSpotCalls(hs, cascade, seeded, enrolments, findings);
    const metricDuplicates = (await cascade.metrics.actionRequests.get()).values.find((v) => v.labels.result === 'duplicate')?.value ?? 0;
    const resent = enrolments.reduce((n, e) => n + e.resends.length, 0);
    if (metricDuplicates < resent) findings.fail('acks', `${resent} executions were sent twice, but Cascade recognised only ${metricDuplicates} duplicates`);

    heading('Runs, spend and cache');
    printRuns(PORTALS, data, passes, findings);
    const spend = printSpendPerVendor(PORTALS, data);
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
    // 9. What the card and the settings page show (hubspot.fetch → /ui), and what they refuse.
    heading('The contact card and the settings page (hubspot.fetch → /ui, signed by HubSpot)');
    // A contact enriched by pass 1 whose every step was answered (so "Enrich now" is served from the cache).
    const again = new Set(plans2.flatMap((p) => p.contactIds));
    const shown = pass1Runs.find((r) => Number(r.portal_id) === portalA.id && r.status === 'enriched' && !unanswered.has(r.id) && !again.has(r.contact_id))?.contact_id;
    if (shown) {
      const today = (await spendOverview(db, portalA.id)).find((l) => l.scope === 'total' && l.period === 'day');
      await tourUi({
        hs,
        backendUrl: server.url,
        portalId: portalA.id,
        contactId: shown,
        storedKeys: PORTALS.flatMap((p) => Object.values(p.keys)),
        rotate: { vendor: 'hunter', key: ROTATED_HUNTER_KEY },
        ledgerTodayMc: today?.spentMc ?? 0,
        findings,
      });
    }

    // ------------------------------------------------------------------------------------------
    // 10. At a glance, for the RevOps reader.
    heading('At a glance');
    const pass2Steps = data.steps.filter((s) => pass2.has(s.run_id));
    const pass2Vendor = pass2Requests.reduce((n, r) => n + r.n, 0);
    const filled = [...changes.filled.values()].reduce((a, b) => a + b, 0);
    const st = (k: string) => n0(changes.statuses.get(k) ?? 0);
    const cents = (mc: number) => `$${(mc / 100_000).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    const spent = [...spend].filter(([, mc]) => mc > 0).sort((a, b) => b[1] - a[1]);
    console.log(
      `  Contacts     ${n0(contacts1)} enrolled in ${seeded.length} portals: ${st('enriched')} enriched, ${st('partial')} partial, ` +
        `${st('cap_reached')} stopped at a spend cap, ${st('suppressed')} opted out, ${st('not_found')} not found, ${st('failed')} failed`,
    );
    console.log(
      `  In HubSpot   ${n0(filled)} property values written where contacts had none; of the ${n0(changes.existing)} values they already had ` +
        `(${changes.typed} typed by people), ${changes.changed} changed`,
    );
    printWrapped(
      `  Spend        ${cents([...spend.values()].reduce((a, b) => a + b, 0))} in total:`,
      spent.map(([v, mc]) => `${v} ${cents(mc)}`),
      15,
    );
    console.log(
      `  Cache        the ${pass2Ids.length} contacts enrolled again came from the cache: ${pass2Steps.filter((s) => s.source === 'cache').length} steps, ` +
        `${pass2Steps.filter((s) => s.source === 'vendor').length} vendor lookups, ${pass2Vendor} vendor requests, ${usd(pass2Steps.reduce((n, s) => n + Number(s.cost_mc), 0))}`,
    );
    console.log(
      `  HubSpot API  ${n0(calls.calls)} calls (mean batch ${calls.meanBatch.toFixed(1)}, largest ${calls.largestBatch}); busiest 10 s: ` +
        `${[...calls.busiest].map(([p, n]) => `${n} (portal ${p})`).join(', ')} of the ${HUBSPOT_LIMIT.max} allowed; 429s: ${calls.rateLimited}`,
    );
    console.log(
      `  Callbacks    ${n0(callbacks.executions)} workflow executions (+${callbacks.resent} sent twice by HubSpot): ${n0(callbacks.completedOnce)} completed once, ` +
        `${callbacks.twice} twice, ${callbacks.pending} pending, ${callbacks.expired} expired`,
    );
    console.log(`  Answers      each execution answered (BLOCK) in p50 ${Math.round(callbacks.ackP50)} ms, p99 ${secs(callbacks.ackP99)}`);
    console.log(
      `  Time         pass 1: ${secs(wait1.ms)} for ${n0(contacts1)} contacts (${(contacts1 / (wait1.ms / 1000)).toFixed(1)} contacts/s); ` +
        `pass 2: ${secs(wait2.ms)}; the whole demo so far ${secs(Date.now() - started)}`,
    );

    // ------------------------------------------------------------------------------------------
    // 11. The smoke test's verdict: failures make the demo exit non-zero; warnings do not.
    heading('Checks');
    const billed = [...snapshots.values()].reduce((n, s) => n + s.billedCalls, 0);
    const unique = [...snapshots.values()].reduce((n, s) => n + s.uniqueLookups, 0);
    const signals = vendors.sims.reduce((n, s) => n + s.state.limitSignals, 0);
    const failed = findings.report([
      { check: 'acks', text: `every workflow execution was answered at once with BLOCK, and the ${resent} sent twice started nothing new` },
      { check: 'callbacks', text: `every workflow callback was completed exactly once (${n0(callbacks.completedOnce)} of ${n0(callbacks.executions)}): none twice, none pending or expired` },
      { check: 'user-values', text: `no value a contact already had was overwritten (${n0(changes.existing)} values, ${changes.typed} typed by people)` },
      { check: 'portal', text: 'every enrolled contact got Cascade’s status properties in HubSpot' },
      { check: 'outbox', text: 'every queued HubSpot write was delivered (nothing given up, nothing left queued)' },
      { check: 'hubspot-429', text: `no 429 from HubSpot (busiest 10 s: ${Math.max(0, ...calls.busiest.values())} of ${HUBSPOT_LIMIT.max} calls)` },
      { check: 'batch-size', text: `no HubSpot call carried more than 100 inputs (largest: ${calls.largestBatch})` },
      { check: 'billed-twice', text: `no lookup billed twice (nine vendors: ${billed} billed calls for ${unique} unique billable lookups)` },
      { check: 'caps', text: 'no spend counter past its cap' },
      { check: 'ledger', text: 'every vendor’s invoice matches the engine’s ledger, per portal key (a lookup that got no answer counts as possibly billed)' },
      { check: 'limits', text: `no rate-limit signal from any vendor (${signals} received)` },
      { check: 'connection', text: 'every stored key passed "Test connection", for free; a wrong key was refused without being repeated' },
      { check: 'cap-reached', text: 'a spend cap was reached and announced' },
      { check: 'async', text: 'FullEnrich answered by callback, and by polling where it sent none' },
      { check: 'cache', text: 'pass 2 answered from the cache, with no vendor calls' },
      { check: 'reserved', text: 'no money left reserved once every run finished' },
      { check: 'ui-admin', text: 'the settings API let the super admin rotate a key and refused a sales rep’s cap change (nothing changed)' },
      { check: 'ui-card', text: '"Enrich now" on the card ran and finished, answered from the cache' },
      { check: 'ui-usage', text: 'the usage dashboard’s spend today equals the spend ledger' },
      { check: 'ui-keys', text: 'no /ui answer contained a vendor key in full' },
      { check: 'ui-limits', text: 'every /ui answer came back well within hubspot.fetch’s limits' },
    ]);
    if (failed) {
      console.error(`\nDemo FAILED: ${findings.failures.slice(0, 5).map((f) => f.text).join('; ')}${findings.failures.length > 5 ? ` (and ${findings.failures.length - 5} more)` : ''}`);
      return 1;
    }
    return 0;
  } finally {
    if (cascade) await cascade.close();
    if (server) await server.close();
    if (vendors) await vendors.close();
    if (hs) await hs.close();
  }
}

main().then(
  (code) => {
    console.log(`\n${code === 0 ? 'Demo finished' : 'Demo stopped'} in ${secs(Date.now() - started)}; simulators, sandbox HubSpot, server, queue and database closed.`);
    process.exit(code);
  },
  (err: unknown) => {
    flushHeldLogs();
    const message = err instanceof DemoFailure ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.error(`\nDemo FAILED: ${message}`);
    process.exit(1);
  },
);
