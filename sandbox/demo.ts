// `npm run demo`: the whole engine on one machine, with nothing to configure. Starts the Apollo and
// Hunter simulators in this process, opens a fresh embedded database under DATA_DIR/demo, sets up two
// portals (their own fake keys, settings and spend caps), triggers a few hundred generated contacts
// each (with webhook retries and simultaneous triggers for the same contact), lets the queue worker
// enrich them, then re-triggers a sample to show the cache answering. It ends with a summary a RevOps
// person can read, and doubles as a smoke test: it exits non-zero if a vendor billed any lookup twice
// or a spend counter went past its cap.
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/log.ts';
import { createCascade } from '../server/cascade.ts';
import type { Cascade } from '../server/cascade.ts';
import { ensurePortal } from '../server/portals/portals.ts';
import { saveSettings } from '../server/enrichment/settings.ts';
import type { PortalSettingsInput } from '../server/enrichment/settings.ts';
import { setCaps, spendOverview, TOTAL } from '../server/enrichment/spend.ts';
import type { CapSetting } from '../server/enrichment/spend.ts';
import type { TriggerInput } from '../server/enrichment/runs.ts';
import type { FieldGroup } from '../server/vendors/types.ts';
import { generateContacts } from './world.ts';
import { createApolloSim } from './vendors/apollo.ts';
import { createHunterSim } from './vendors/hunter.ts';
import type { BillingSnapshot, RunningServer, SimState } from './vendors/common.ts';

const started = Date.now();
/** Only a hang detector: an idle laptop finishes pass 1 in well under a minute. */
const PASS_TIMEOUT_MS = 150_000;
const WORKER_CONCURRENCY = 16;

// ---------------------------------------------------------------------------------------------
// Output helpers

/** Dollars from millicents (1 cent = 1,000 mc): two decimals, more when a price has fractions of a cent. */
const usd = (mc: number) => {
  const digits = mc % 1000 === 0 ? 2 : 5;
  return `$${(mc / 100_000).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
};
const usdCents = (cents: number) => usd(cents * 1000);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

type Cell = string | number;

/** A plain, aligned table: numeric columns right-aligned, text left-aligned. */
function table(title: string, headers: string[], rows: Cell[][], note?: string): void {
  console.log(`\n${title}`);
  if (rows.length === 0) {
    console.log('  (none)');
    if (note) console.log(`  ${note}`);
    return;
  }
  const text = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_h, i) => rows.every((r) => typeof r[i] === 'number' || /^([$\d.,%]+|-)$/.test(String(r[i] ?? ''))));
  const line = (cells: string[]) =>
    '  ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd();
  console.log(line(headers));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('   '));
  for (const r of text) console.log(line(r));
  if (note) console.log(`  ${note}`);
}

function heading(text: string): void {
  console.log(`\n${'='.repeat(100)}\n${text}\n${'='.repeat(100)}`);
}

// The engine's log lines (pino JSON) are printed as one readable line each; while a progress bar is
// drawn they are held back and printed after it, so they never tear the bar.
const heldLogs: string[] = [];
let holdLogs = false;
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const logSink = {
  write(raw: string): void {
    let text = raw.trim();
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      const extra = Object.entries(o)
        .filter(([k]) => !['level', 'time', 'pid', 'hostname', 'msg', 'name'].includes(k))
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      text = `  [engine ${LEVELS[Number(o.level)] ?? String(o.level)}] ${String(o.msg ?? '')}${extra.length ? ` (${extra.join(', ')})` : ''}`;
    } catch {
      text = `  [engine] ${text}`;
    }
    if (holdLogs) heldLogs.push(text);
    else console.log(text);
  },
};

function flushHeldLogs(): void {
  holdLogs = false;
  if (heldLogs.length === 0) return;
  const counts = new Map<string, number>();
  for (const l of heldLogs) counts.set(l, (counts.get(l) ?? 0) + 1);
  console.log('  Engine messages during the run:');
  for (const [l, n] of counts) console.log(`${l}${n > 1 ? `  ×${n}` : ''}`);
  heldLogs.length = 0;
}

// ---------------------------------------------------------------------------------------------
// The two demo portals

/** A generous paid plan on both simulators, and the same windows in each portal's settings. */
const APOLLO_PLAN = [
  { limit: 1_000, windowMs: 60_000 },
  { limit: 6_000, windowMs: 3_600_000 },
  { limit: 50_000, windowMs: 86_400_000 },
];
const HUNTER_GENERAL_PLAN = { perSecond: 40, perMinute: 2_000 };
const HUNTER_VERIFIER_PLAN = { perSecond: 25, perMinute: 1_500 };
const hunterWindows = (p: { perSecond: number; perMinute: number }) => [
  { limit: p.perSecond, windowMs: 1_000 },
  { limit: p.perMinute, windowMs: 60_000 },
];
const PLAN_RATE_LIMITS = {
  'apollo.people_match': APOLLO_PLAN,
  'apollo.organization_enrich': APOLLO_PLAN,
  'hunter.email_finder': hunterWindows(HUNTER_GENERAL_PLAN),
  'hunter.people_find': hunterWindows(HUNTER_GENERAL_PLAN),
  'hunter.companies_find': hunterWindows(HUNTER_GENERAL_PLAN),
  'hunter.email_verifier': hunterWindows(HUNTER_VERIFIER_PLAN),
};

interface DemoPortal {
  id: number;
  name: string;
  contacts: number;
  domains: number;
  seed: string;
  apolloKey: string;
  hunterKey: string;
  settings: PortalSettingsInput;
  caps: CapSetting[];
  story: string[];
  /** Contacts re-triggered in the second pass. */
  resample: number;
}

const PORTALS: DemoPortal[] = [
  {
    id: 101,
    name: 'Northwind (generous caps)',
    contacts: 250,
    domains: 40,
    seed: 'demo-portal-101',
    apolloKey: 'demo-fake-apollo-key-portal-101',
    hunterKey: 'demo-fake-hunter-key-portal-101',
    settings: {
      // Default waterfall (Apollo first, Hunter as the fallback); fill empty fields only, except the
      // e-mail status, which is always refreshed.
      write_policy: { default: 'fill_if_empty', fields: { email_status: 'overwrite' } },
      rate_limits: PLAN_RATE_LIMITS,
    },
    caps: [
      { scope: TOTAL, period: 'day', capCents: 10_000 },
      { scope: TOTAL, period: 'month', capCents: 200_000 },
      { scope: 'apollo', period: 'day', capCents: 5_000 },
      { scope: 'hunter', period: 'day', capCents: 5_000 },
    ],
    story: [
      'default waterfall, fill_if_empty (e-mail status always refreshed), on cap: skip that vendor',
      'caps: $100.00/day and $2,000.00/month in total, $50.00/day per vendor',
    ],
    resample: 40,
  },
  {
    id: 202,
    name: 'Contoso (tight Apollo budget)',
    contacts: 200,
    domains: 30,
    seed: 'demo-portal-202',
    apolloKey: 'demo-fake-apollo-key-portal-202',
    hunterKey: 'demo-fake-hunter-key-portal-202',
    settings: {
      // Cheaper Hunter company lookup first; a negotiated Apollo price; pause a run at a cap.
      waterfall: {
        company: [
          { vendor: 'hunter', operation: 'companies_find' },
          { vendor: 'apollo', operation: 'organization_enrich' },
        ],
      },
      costs_mc: { 'apollo.people_match': 2_500, 'apollo.organization_enrich': 2_500 },
      on_cap: 'pause',
      rate_limits: PLAN_RATE_LIMITS,
    },
    caps: [
      { scope: TOTAL, period: 'day', capCents: 2_500 },
      { scope: 'apollo', period: 'day', capCents: 200 },
    ],
    story: [
      'company waterfall Hunter → Apollo, Apollo at 2.5¢ a match, fill_if_empty, on cap: pause the run',
      'caps: $25.00/day in total, Apollo $2.00/day (runs out early, on purpose)',
    ],
    resample: 20,
  },
];

interface DemoContact {
  portalId: number;
  contactId: string;
  properties: Record<string, string>;
  groups: FieldGroup[];
  /** Sent twice with the same idempotency key (a webhook retry). */
  retried: boolean;
  /** A card click arrives at the same moment as the workflow trigger (different key). */
  clicked: boolean;
}

// Messy values a CRM already holds; the default write policy must keep them.
const EXISTING_TITLES = ['VP Mktg', 'Owner', 'Decision maker', 'Sales', 'Head of RevOps (per LinkedIn)'];

function demoContacts(p: DemoPortal): DemoContact[] {
  return generateContacts(p.contacts, p.domains, p.seed).map((c, i) => {
    const properties: Record<string, string> = {
      ...(c.email ? { email: c.email } : {}),
      firstname: c.firstName,
      lastname: c.lastName,
      website: c.domain,
    };
    if (i % 2 === 0) properties.company = c.companyName;
    if (i % 6 === 3) properties.jobtitle = EXISTING_TITLES[i % EXISTING_TITLES.length] as string;
    if (i % 13 === 5) properties.phone = '+1 555 0100';
    const groups: FieldGroup[] = ['email', 'person', 'company', 'email_verification'];
    if (i % 4 === 0) groups.push('phone');
    return {
      portalId: p.id,
      contactId: `${p.id}-${String(i + 1).padStart(4, '0')}`,
      properties,
      groups,
      retried: i % 10 === 1,
      clicked: i % 12 === 2,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Triggers

interface TriggerTally {
  sent: number;
  duplicates: number;
  coalesced: number;
  runIds: Set<string>;
}
const newTally = (): TriggerTally => ({ sent: 0, duplicates: 0, coalesced: 0, runIds: new Set() });

async function send(cascade: Cascade, tally: TriggerTally, input: TriggerInput): Promise<void> {
  tally.sent++;
  const r = await cascade.trigger(input);
  if (r.duplicate) tally.duplicates++;
  else if (r.coalesced) tally.coalesced++;
  tally.runIds.add(r.runId);
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
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
      format: `  ${label} |{bar}| {value}/{total} runs finished | {duration}s`,
      hideCursor: true,
      barsize: 40,
      noTTYOutput: true,
      notTTYSchedule: 2_000,
    },
    cliProgress.Presets.shades_classic,
  );
  holdLogs = true;
  bar.start(runIds.length, 0);
  let done: number;
  try {
    for (;;) {
      const rows = await cascade.db
        .knex('enrichment_runs')
        .whereIn('id', runIds)
        .andWhere({ state: 'done' })
        .count<{ n: number }[]>('* as n');
      done = Number(rows[0]?.n ?? 0);
      bar.update(done);
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
// What the summary reads

interface Decision {
  field: string;
  property: string;
  action: string;
  reason: string;
  value: string;
  source: string;
}

interface RunRow {
  id: string;
  portal_id: number;
  contact_id: string;
  status: string;
  groups: FieldGroup[];
  cost_mc: number;
  profile: Record<string, { value: string; confidence: number; source: string }> | null;
  changes: { properties: Record<string, string>; decisions: Decision[] } | null;
  contact: { properties: Record<string, string | null> };
}

interface StepRow {
  run_id: string;
  portal_id: number;
  seq: number;
  field_group: string;
  vendor: string;
  operation: string;
  state: string;
  outcome: string | null;
  source: string | null;
  skip_reason: string | null;
  billed: boolean;
  http_calls: number;
  cost_mc: number;
}

const SKIP_MEANING: Record<string, string> = {
  no_input: 'not enough known about the contact to ask this vendor',
  cap_reached: 'a spend cap would have been crossed; the vendor was not called',
  rate_limited: 'no rate budget left within the wait budget',
  circuit_open: 'vendor failing repeatedly; paused briefly',
  no_key: 'no key for this vendor in the portal',
  quota_exhausted: 'the vendor said the plan quota is used up',
  suppressed: 'the person opted out; nothing processed',
  error: 'vendor errors persisted after retries',
};

interface Sim {
  name: string;
  state: SimState;
  server: RunningServer;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  console.log('Cascade demo: a cached, rate-limited, cost-capped enrichment waterfall over each customer’s own vendor keys.');
  console.log('Everything runs on this machine: simulated Apollo and Hunter, an embedded Postgres (PGlite) and the queue worker.\n');

  // 1. Vendor simulators, in this process, on free ports.
  const apolloSim = createApolloSim({
    validKeys: PORTALS.map((p) => p.apolloKey),
    latencyMs: [20, 80],
    faults: { error5xx: 0.01 },
    seed: 11,
  });
  const hunterSim = createHunterSim({
    validKeys: PORTALS.map((p) => p.hunterKey),
    latencyMs: [20, 80],
    faults: { error5xx: 0.01 },
    seed: 23,
    limits: { general: HUNTER_GENERAL_PLAN, verifier: HUNTER_VERIFIER_PLAN },
    // Opt-outs (451) and "still verifying" (202) keep their defaults; remote SMTP failures would make
    // the engine back off for a minute, too long for a demo.
    smtpFailure: { share: 0 },
  });
  const sims: Sim[] = [];
  let cascade: Cascade | null = null;
  try {
    const [apolloServer, hunterServer] = await Promise.all([apolloSim.start(), hunterSim.start()]);
    sims.push({ name: 'apollo', state: apolloSim.state, server: apolloServer });
    sims.push({ name: 'hunter', state: hunterSim.state, server: hunterServer });
    console.log(`Simulated Apollo on ${apolloServer.url}, Hunter on ${hunterServer.url}`);
    console.log('  20–80 ms per request, 1% of requests fail with a 5xx; Hunter: ~1% opted-out people, ~5% slow verifications (202)');

    // 2. A fresh embedded database, so every demo run starts from the same place.
    const envConfig = loadConfig({ ...process.env, DATABASE_URL: '' });
    if (process.env.DATABASE_URL) console.log('DATABASE_URL is set, but the demo always uses its own embedded database.');
    const demoDir = path.join(envConfig.DATA_DIR, 'demo');
    const existed = fs.existsSync(demoDir);
    fs.rmSync(demoDir, { recursive: true, force: true });
    console.log(`Demo database: ${path.resolve(demoDir)} (${existed ? 'deleted the previous demo data, starting fresh' : 'new'})`);
    const config = {
      ...envConfig,
      DATA_DIR: demoDir,
      APOLLO_BASE_URL: `${apolloServer.url}/api/v1`,
      HUNTER_BASE_URL: `${hunterServer.url}/v2`,
    };
    if (!config.ENCRYPTION_KEYS) {
      console.log('Note: ENCRYPTION_KEYS is not set, so the embedded default generates a local key to encrypt the demo’s vendor keys (expected warning):');
    }
    const tEngine = Date.now();
    cascade = await createCascade(config, { log: createLogger({ level: 'warn', destination: logSink }) });
    const db = cascade.db.knex;
    console.log(`Database migrated, queue and engine ready in ${secs(Date.now() - tEngine)}`);

    // 3. Two portals, each with its own keys, settings and caps.
    heading('Set-up');
    for (const p of PORTALS) {
      await ensurePortal(db, p.id, p.name);
      await cascade.credentials.put(p.id, { vendor: 'apollo', apiKey: p.apolloKey });
      await cascade.credentials.put(p.id, { vendor: 'hunter', apiKey: p.hunterKey });
      await saveSettings(db, p.id, p.settings);
      await setCaps(db, p.id, p.caps);
      const keys = await cascade.credentials.list(p.id);
      console.log(`Portal ${p.id} "${p.name}": keys ${keys.map((k) => `${k.vendor} …${k.last4}`).join(', ')} (stored encrypted)`);
      for (const s of p.story) console.log(`  ${s}`);
    }

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
    console.log(
      `\nTriggered ${allContacts.length} contacts in ${secs(Date.now() - tTrigger)}: ` +
        `${[...tally1.values()].reduce((s, t) => s + t.sent, 0)} triggers → ${pass1Ids.length} runs queued`,
    );

    // Pass 1: the worker enriches everything.
    heading('Pass 1: enriching');
    await cascade.startWorker(WORKER_CONCURRENCY);
    const pass1Ms = await waitWithProgress(cascade, 'Pass 1', pass1Ids);
    console.log(`  ${pass1Ids.length} runs finished in ${secs(pass1Ms)} (${WORKER_CONCURRENCY} runs at a time)`);

    // 4. Pass 2: a sample of enriched contacts comes round again (say, a weekly refresh).
    heading('Pass 2: re-enriching a sample of enriched contacts (should come from the cache)');
    const beforeRequests = new Map(sims.map((s) => [s.name, s.state.requests.length]));
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
    const pass2Requests = sims.map((s) => ({ name: s.name, n: s.state.requests.length - (beforeRequests.get(s.name) ?? 0) }));
    console.log(
      `  ${pass2Ids.length} runs finished in ${secs(pass2Ms)}; requests to the vendors meanwhile: ` +
        pass2Requests.map((r) => `${r.name} ${r.n}`).join(', '),
    );

    // ------------------------------------------------------------------------------------------
    // 5. Summary
    const failures: string[] = [];
    const warnings: { check: string; text: string }[] = [];
    const runs = (await db('enrichment_runs').select('*')) as RunRow[];
    const steps = (await db('run_steps').orderBy(['run_id', 'seq']).select('*')) as StepRow[];
    const pass1 = new Set(pass1Ids);
    const pass2 = new Set(pass2Ids);
    const ofPortal = (p: DemoPortal) => (x: { portal_id: number }) => Number(x.portal_id) === p.id;

    heading('Summary');

    table(
      'Triggers accepted vs runs created (a repeated key is a duplicate; a second trigger joins the run already queued)',
      ['Portal', 'Pass', 'Triggers', 'Duplicates (same key)', 'Joined a queued run', 'Runs created'],
      PORTALS.flatMap((p) =>
        ([
          ['1', tally1.get(p.id)!],
          ['2', tally2.get(p.id)!],
        ] as const).map(([pass, t]) => [p.id, pass, t.sent, t.duplicates, t.coalesced, t.runIds.size]),
      ),
    );

    const STATUSES = ['enriched', 'partial', 'not_found', 'cap_reached', 'suppressed', 'failed'];
    table(
      'Runs by status (pass 1)',
      ['Portal', ...STATUSES, 'total', 'spent'],
      PORTALS.map((p) => {
        const rs = runs.filter(ofPortal(p)).filter((r) => pass1.has(r.id));
        return [
          p.id,
          ...STATUSES.map((s) => rs.filter((r) => r.status === s).length),
          rs.length,
          usd(rs.reduce((sum, r) => sum + Number(r.cost_mc), 0)),
        ];
      }),
      'enriched = every requested group filled; partial = some; cap_reached = stopped by a spend cap; suppressed = person opted out',
    );

    const KEY_FIELDS = ['work_email', 'email_status', 'job_title', 'company_name', 'industry', 'phone'];
    const fieldRows: Cell[][] = [];
    for (const p of PORTALS) {
      const rs = runs.filter(ofPortal(p)).filter((r) => pass1.has(r.id));
      for (const v of sims.map((s) => s.name)) {
        let values = 0;
        let contacts = 0;
        const perField = new Map<string, number>();
        for (const r of rs) {
          const mine = Object.entries(r.profile ?? {}).filter(([, sv]) => sv.source === v);
          values += mine.length;
          if (mine.length) contacts++;
          for (const [f] of mine) perField.set(f, (perField.get(f) ?? 0) + 1);
        }
        fieldRows.push([p.id, v, contacts, values, ...KEY_FIELDS.map((f) => perField.get(f) ?? 0)]);
      }
    }
    table('Fields filled per vendor (pass 1; the first vendor in the waterfall with a confident answer wins)', ['Portal', 'Vendor', 'Contacts', 'Field values', ...KEY_FIELDS], fieldRows);

    const cacheRows: Cell[][] = [];
    for (const p of PORTALS) {
      for (const [label, ids] of [
        ['1', pass1],
        ['2', pass2],
      ] as const) {
        const ss = steps.filter(ofPortal(p)).filter((s) => ids.has(s.run_id));
        const vendorSteps = ss.filter((s) => s.source === 'vendor');
        cacheRows.push([
          p.id,
          label,
          ss.filter((s) => s.source === 'cache').length,
          vendorSteps.length,
          vendorSteps.reduce((sum, s) => sum + Number(s.http_calls), 0),
          vendorSteps.filter((s) => s.billed).length,
          ss.filter((s) => s.state === 'skipped').length,
        ]);
      }
    }
    table(
      'Cache hits vs vendor calls (one row per waterfall step taken)',
      ['Portal', 'Pass', 'From cache', 'Asked vendor', 'HTTP requests', 'Billed', 'Skipped'],
      cacheRows,
      'HTTP requests include retries after a 5xx or "still verifying"; a company is looked up once per domain, then cached',
    );
    const pass2VendorSteps = steps.filter((s) => pass2.has(s.run_id) && s.source === 'vendor').length;
    const pass2Total = pass2Requests.reduce((s, r) => s + r.n, 0);
    if (pass2VendorSteps === 0 && pass2Total === 0) {
      console.log(`  Pass 2: ${pass2Ids.length} contacts re-enriched entirely from the cache: 0 vendor requests, $0.00.`);
    } else {
      warnings.push({ check: 'cache', text: `pass 2 asked the vendors ${pass2VendorSteps} time(s) (${pass2Total} HTTP requests)` });
    }

    const spendRows: Cell[][] = [];
    for (const p of PORTALS) {
      for (const line of await spendOverview(db, p.id)) {
        const capMc = line.capCents === null ? null : line.capCents * 1000;
        spendRows.push([
          p.id,
          line.scope,
          `${line.period} ${line.periodKey}`,
          usd(line.spentMc),
          line.capCents === null ? '-' : usdCents(line.capCents),
          capMc ? `${((100 * line.spentMc) / capMc).toFixed(1)}%` : '-',
          line.reservedMc ? usd(line.reservedMc) : '-',
        ]);
        if (capMc !== null && line.spentMc + line.reservedMc > capMc) {
          failures.push(
            `portal ${p.id} ${line.scope} ${line.period} spend ${usd(line.spentMc + line.reservedMc)} is over its cap of ${usdCents(line.capCents!)}`,
          );
        }
        if (line.reservedMc !== 0) {
          warnings.push({ check: 'reserved', text: `portal ${p.id} ${line.scope} ${line.period}: ${usd(line.reservedMc)} still reserved` });
        }
      }
    }
    table('Spend vs caps (today and this month, UTC)', ['Portal', 'Scope', 'Period', 'Spent', 'Cap', 'Used', 'Reserved'], spendRows);

    const skipCounts = new Map<string, number>();
    for (const s of steps) {
      if (!s.skip_reason) continue;
      const k = `${s.portal_id}|${s.skip_reason}|${s.vendor}.${s.operation}`;
      skipCounts.set(k, (skipCounts.get(k) ?? 0) + 1);
    }
    table(
      'Skipped steps by reason (both passes)',
      ['Portal', 'Reason', 'Step', 'Count', 'Meaning'],
      [...skipCounts.entries()]
        .map(([k, n]) => {
          const [portal, reason, step] = k.split('|') as [string, string, string];
          return [portal, reason, step, n, SKIP_MEANING[reason] ?? ''];
        })
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(b[3]) - Number(a[3])),
    );

    // The vendors' own invoices (the simulators' billing counters) against the engine's ledger.
    const keyPortal = new Map<string, number>();
    for (const p of PORTALS) {
      keyPortal.set(p.apolloKey, p.id);
      keyPortal.set(p.hunterKey, p.id);
    }
    const billingRows: Cell[][] = [];
    const snapshots = new Map<string, BillingSnapshot>();
    for (const sim of sims) {
      const snap = sim.state.billing.snapshot();
      snapshots.set(sim.name, snap);
      const uniquePerKey = new Map<string, Set<string>>();
      for (const e of sim.state.billing.events) {
        const set = uniquePerKey.get(e.key) ?? new Set<string>();
        set.add(`${e.operation}|${e.lookup}`);
        uniquePerKey.set(e.key, set);
      }
      for (const p of PORTALS) {
        const key = sim.name === 'apollo' ? p.apolloKey : p.hunterKey;
        const ledger = steps.filter(ofPortal(p)).filter((s) => s.vendor === sim.name && s.billed).length;
        const billed = snap.perKey[key]?.billedCalls ?? 0;
        billingRows.push([sim.name, p.id, billed, uniquePerKey.get(key)?.size ?? 0, ledger, Number((snap.perKey[key]?.credits ?? 0).toFixed(1))]);
        if (ledger !== billed) {
          warnings.push({ check: 'ledger', text: `${sim.name} billed portal ${p.id} for ${billed} call(s); the engine's ledger records ${ledger}` });
        }
      }
    }
    table(
      'Vendor invoices (the simulators’ billing counters) vs the engine’s ledger',
      ['Vendor', 'Portal', 'Billed calls', 'Unique lookups', 'Engine ledger', 'Credits'],
      billingRows,
      `Hunter does not bill a repeat of a lookup it already billed this period; repeats sent: ${snapshots.get('hunter')?.freeRepeats ?? 0}`,
    );
    const dupes = [...snapshots.entries()].flatMap(([name, s]) => s.duplicates.map((d) => ({ name, ...d })));
    if (dupes.length === 0) {
      console.log('  No lookup billed twice: billed calls = unique billable lookups, for every vendor and key.');
    } else {
      for (const d of dupes.slice(0, 10)) {
        const [key, op, lookup] = d.id.split('|');
        console.log(`  BILLED TWICE: ${d.name} portal ${keyPortal.get(key ?? '') ?? '?'} ${op} ${lookup} ×${d.times}`);
      }
      failures.push(`${dupes.length} lookup(s) billed more than once`);
    }

    // One contact in detail: the value it already had is kept; the app-owned properties are written.
    const keptTitle = (r: RunRow) =>
      pass1.has(r.id) &&
      !!r.changes?.decisions.some((d) => d.property === 'jobtitle' && d.reason === 'has_value') &&
      !!r.changes?.decisions.some((d) => d.reason === 'empty');
    const byContact = [...runs].sort((a, b) => a.contact_id.localeCompare(b.contact_id));
    const example =
      byContact.find((r) => keptTitle(r) && r.status === 'enriched') ??
      byContact.find(keptTitle) ??
      byContact.find((r) => pass1.has(r.id) && !!r.changes?.decisions.some((d) => d.reason === 'has_value'));
    if (example?.changes) {
      const { decisions, properties } = example.changes;
      const before = example.contact.properties;
      const who = [before.firstname, before.lastname].filter(Boolean).join(' ');
      console.log(
        `\nExample: contact ${example.contact_id} (${who}${before.email ? `, ${before.email}` : ', no e-mail in the CRM'}), ` +
          `portal ${example.portal_id}, status ${example.status}, cost ${usd(Number(example.cost_mc))}`,
      );
      table(
        '  How it was enriched',
        ['#', 'Group', 'Step', 'Answer', 'From', 'Cost'],
        steps
          .filter((s) => s.run_id === example.id)
          .map((s) => [s.seq, s.field_group, `${s.vendor}.${s.operation}`, s.outcome ?? `skipped: ${s.skip_reason}`, s.source ?? '-', usd(Number(s.cost_mc))]),
      );
      table(
        '  Property changes (write policy fill_if_empty: never overwrite what the CRM already has)',
        ['Property', 'In the CRM', 'Found', 'Source', 'Decision'],
        decisions.map((d) => [
          d.property,
          before[d.property] ?? '',
          d.value.length > 40 ? `${d.value.slice(0, 37)}...` : d.value,
          d.source,
          d.action === 'write' ? `write (${d.reason})` : `keep (${d.reason === 'has_value' ? 'already has a value' : d.reason})`,
        ]),
      );
      table(
        '  App-owned properties written on every run',
        ['Property', 'Value'],
        Object.entries(properties)
          .filter(([k]) => k.startsWith('cascade_') && !decisions.some((d) => d.property === k))
          .map(([k, v]) => [k, v]),
      );
    }

    // ------------------------------------------------------------------------------------------
    // 6. The smoke test's verdict.
    heading('Checks');
    const apolloSnap = snapshots.get('apollo');
    const hunterSnap = snapshots.get('hunter');
    const warned = (check: string) => warnings.some((w) => w.check === check);
    const checks: { ok: boolean; fatal: boolean; text: string }[] = [
      {
        ok: dupes.length === 0,
        fatal: true,
        text:
          `no lookup billed twice (Apollo: ${apolloSnap?.billedCalls ?? 0} billed calls for ${apolloSnap?.uniqueLookups ?? 0} unique lookups, ` +
          `Hunter: ${hunterSnap?.billedCalls ?? 0} for ${hunterSnap?.uniqueLookups ?? 0})`,
      },
      { ok: !failures.some((f) => f.includes('over its cap')), fatal: true, text: 'no spend counter past its cap' },
      { ok: !warned('ledger'), fatal: false, text: 'vendor invoices match the engine’s ledger' },
      { ok: !warned('cache'), fatal: false, text: 'pass 2 answered from the cache, with no vendor calls' },
      { ok: !warned('reserved'), fatal: false, text: 'no money left reserved once every run finished' },
    ];
    for (const c of checks) console.log(`  ${c.ok ? 'ok  ' : c.fatal ? 'FAIL' : 'warn'}  ${c.text}`);
    for (const w of warnings) console.log(`          ${w.text}`);
    for (const f of failures) console.log(`          ${f}`);
    if (failures.length) {
      console.error(`\nDemo FAILED: ${failures.join('; ')}`);
      return 1;
    }
    return 0;
  } finally {
    if (cascade) await cascade.close();
    await Promise.all(sims.map((s) => s.server.close()));
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
