// The demo's vendor-catalog sections: the built-in waterfall, "Test connection" for every key, and
// after the runs what each vendor saw (requests, batching, billing, limit signals), how the
// asynchronous vendor answered, which caps were reached, and where in its waterfall each group was filled.
import type { Cascade } from '../../server/cascade.ts';
import { runExclusive } from '../../server/jobs/cron.ts';
import { plan } from '../../server/enrichment/plan.ts';
import { groupSatisfied, mergeProfile } from '../../server/enrichment/profile.ts';
import type { CanonicalProfile } from '../../server/enrichment/profile.ts';
import { portalSettingsSchema } from '../../server/enrichment/settings.ts';
import { FIELD_GROUPS } from '../../server/vendors/types.ts';
import type { FieldGroup, OperationSpec, PartialProfile, VendorAdapter } from '../../server/vendors/types.ts';
import type { FullenrichSimState } from '../vendors/fullenrich.ts';
import { table } from './format.ts';
import type { Cell } from './format.ts';
import { askedVendor, ofPortal } from './data.ts';
import type { DemoData, StepRow } from './data.ts';
import type { Findings } from './findings.ts';
import type { DemoPortal } from './portals.ts';
import type { DemoSim } from './vendors.ts';

type Adapters = ReadonlyMap<string, VendorAdapter>;
type WaterfallStep = { vendor: string; operation: string; spec: OperationSpec };

const cents = (mc: number) => `${Number((mc / 1000).toFixed(2))}¢`;

/** The steps of a portal's waterfall per group, as the planner builds them (keys and own order applied). */
export function waterfallOf(portal: DemoPortal, adapters: Adapters): Record<FieldGroup, WaterfallStep[]> {
  const settings = portalSettingsSchema.parse(portal.settings);
  const { steps } = plan({ groups: FIELD_GROUPS, settings, adapters, keyedVendors: new Set(Object.keys(portal.keys)) });
  const out = Object.fromEntries(FIELD_GROUPS.map((g) => [g, [] as WaterfallStep[]])) as Record<FieldGroup, WaterfallStep[]>;
  for (const s of steps) out[s.group].push(s);
  return out;
}

/** Each group's waterfall on a line (wrapped), with prices and what sets a step apart. */
export function printWaterfall(portal: DemoPortal, adapters: Adapters): void {
  const wf = waterfallOf(portal, adapters);
  for (const group of FIELD_GROUPS) {
    const parts = wf[group].map((s, i) => {
      const marks = [s.spec.async ? 'async' : '', s.spec.billing.chargesOnMiss ? 'bills misses' : ''].filter(Boolean);
      return `${i + 1}. ${s.vendor}.${s.operation} ${cents(s.spec.costMillicents)}${marks.length ? ` (${marks.join(', ')})` : ''}`;
    });
    const lines: string[] = [];
    let line = `    ${group.padEnd(19)}`;
    for (const [i, part] of parts.entries()) {
      const piece = i === 0 ? part : ` → ${part}`;
      if (line.length + piece.length > 118 && i > 0) {
        lines.push(line);
        line = `${' '.repeat(23)}→ ${part}`;
      } else {
        line += piece;
      }
    }
    lines.push(line);
    for (const l of lines) console.log(l);
  }
}

/** "Test connection" for every key of the portal, then one wrong key, which must be refused without being echoed. */
export async function testConnections(cascade: Cascade, portal: DemoPortal, sims: DemoSim[], findings: Findings): Promise<void> {
  const rows: Cell[][] = [];
  for (const vendor of Object.keys(portal.keys)) {
    const r = await cascade.testConnection(portal.id, vendor);
    rows.push([vendor, r.ok ? 'ok' : 'FAILED', r.status, r.creditsRemaining ?? '-', `${r.latencyMs} ms`, r.checked, r.message]);
    if (!r.ok) findings.fail('connection', `${vendor}: ${r.status} (${r.message})`);
  }
  table(`"Test connection" for portal ${portal.id}'s keys (free calls; never billed)`, ['Vendor', 'Result', 'Status', 'Credits left', 'Took', 'Checked', 'Message'], rows);
  const wrongKey = `demo-wrong-pdl-key-${portal.id}-7777`;
  const bad = await cascade.testConnection(portal.id, 'pdl', wrongKey);
  console.log(`  A key pasted wrong (pdl, candidate key not saved): ${bad.ok ? 'ACCEPTED' : 'refused'}, status ${bad.status} (HTTP ${bad.httpStatus}): ${bad.message}`);
  if (bad.ok) findings.fail('connection', 'a wrong PDL key passed "Test connection"');
  if (JSON.stringify(bad).includes(wrongKey)) findings.fail('connection', 'the answer to a wrong key repeats the key');
  else console.log('  The answer does not repeat the key.');
  const billed = sims.reduce((n, s) => n + s.state.billing.snapshot().billedCalls, 0);
  console.log(`  Billed for these ${Object.keys(portal.keys).length + 1} tests, by the vendors' own counters: ${billed}.`);
  if (billed) findings.fail('connection', `"Test connection" was billed ${billed} time(s)`);
}

/** What each simulated vendor saw, from its own request log and billing counter, next to what the engine sent. */
export function printVendorTraffic(sims: DemoSim[], data: DemoData, caller: Cascade['caller'], findings: Findings): void {
  const rows: Cell[][] = [];
  for (const sim of sims) {
    const asked = data.steps.filter((s) => s.vendor === sim.name && askedVendor(s));
    const batches = new Map<string, number>();
    for (const s of asked) if (s.batch_id) batches.set(s.batch_id, (batches.get(s.batch_id) ?? 0) + 1);
    const batched = [...batches.values()].reduce((a, b) => a + b, 0);
    const snap = sim.state.billing.snapshot();
    rows.push([
      sim.name,
      sim.state.requests.length,
      asked.length,
      asked.filter((s) => s.outcome === 'hit').length,
      batches.size,
      batches.size ? (batched / batches.size).toFixed(1) : '-',
      snap.billedCalls,
      snap.uniqueLookups,
      snap.freeRepeats,
      sim.state.faults.injected['5xx'],
      sim.state.limitSignals,
    ]);
    if (sim.state.limitSignals > 0) findings.fail('limits', `${sim.name} sent ${sim.state.limitSignals} limit signal(s) (429 or its equivalent)`);
  }
  table(
    'What each vendor saw (its simulator’s request log and billing counter)',
    ['Vendor', 'Requests', 'Lookups', 'Found', 'Bulk requests', 'Mean batch', 'Billed', 'Unique billable', 'Free repeats', '5xx injected', 'Limit signals'],
    rows,
    'Requests: every HTTP request the vendor received (Test connection, single calls, bulk requests, retries, polls). Lookups: waterfall\n' +
      '  steps sent to it; bulk requests carry several runs’ lookups at once. Billed: most vendors bill what they find; NeverBounce and\n' +
      '  Clearbit bill misses too (last in their waterfalls for that reason). Limit signals: 429s or the vendor’s equivalent — must be 0.',
  );
  console.log(
    `  The engine's caller: ${caller.stats.singleCalls} single calls, ${caller.stats.batchCalls} bulk requests carrying ${caller.stats.batchedSteps} lookups, ` +
      `${caller.stats.submissions} asynchronous submissions.`,
  );
}

/** How the asynchronous vendor (FullEnrich) answered: per submission, by callback or by polling. */
export function printAsync(data: DemoData, fe: FullenrichSimState, findings: Findings): void {
  const reqs = data.asyncRequests.filter((r) => r.vendor === 'fullenrich');
  const rows: Cell[][] = reqs.map((r, i) => {
    const e = r.external_id ? fe.enrichments.get(r.external_id) : undefined;
    const deliveries = e ? fe.callbacks.filter((c) => c.enrichmentId === e.id).map((c) => c.status) : [];
    const hits = data.steps.filter((s) => s.async_request_id === r.id && s.outcome === 'hit').length;
    return [
      i + 1,
      r.portal_id,
      r.members.length,
      e ? (e.callbackMode === 'drop' ? 'none (dropped on purpose)' : deliveries.length ? `sent, our answer ${deliveries.join(', ')}` : 'not yet') : '?',
      r.completed_via ?? r.state,
      r.polls,
      hits,
    ];
  });
  table(
    'FullEnrich, the asynchronous vendor: each submission, and how its answer came back',
    ['#', 'Portal', 'Lookups', 'Callback from FullEnrich', 'Answered by', 'Polls', 'Found'],
    rows,
  );
  const via = (v: string) => reqs.filter((r) => r.completed_via === v).length;
  const waited = new Set(data.steps.filter((s) => s.async_request_id).map((s) => s.run_id)).size;
  console.log(
    `  ${reqs.length} submissions carrying ${reqs.reduce((n, r) => n + r.members.length, 0)} lookups; ${waited} runs waited for them without holding a worker. ` +
      `Answered by callback: ${via('callback')}, by polling: ${via('poll')}, given up: ${via('timeout')}.`,
  );
  if (reqs.length === 0) findings.warn('async', 'no run reached FullEnrich');
  else if (via('callback') === 0 || via('poll') === 0) findings.warn('async', `answered by callback ${via('callback')}, by polling ${via('poll')}: expected both`);
  if (via('timeout') > 0) findings.warn('async', `${via('timeout')} FullEnrich submission(s) were given up`);
}

/** Caps that were reached (the audit log's one alert per cap and period) and the steps they stopped. */
export function printCaps(portals: DemoPortal[], data: DemoData, findings: Findings): void {
  const rows: Cell[][] = [];
  for (const p of portals) {
    const alerts = data.audit.filter(ofPortal(p.id)).filter((a) => a.type === 'cap.reached');
    const skipped = data.steps.filter(ofPortal(p.id)).filter((s) => s.skip_reason === 'cap_reached');
    for (const a of alerts) {
      const d = a.detail as { scope: string; period: string; capCents: number; vendor: string };
      const mine = skipped.filter((s) => (s.detail ?? '').startsWith(`${d.scope} ${d.period} cap`));
      const vendors = [...new Set(mine.map((s) => s.vendor))];
      rows.push([p.id, `${d.scope} per ${d.period}`, `$${(d.capCents / 100).toFixed(2)}`, d.vendor, mine.length, vendors.join(', ')]);
    }
  }
  table(
    'Spend caps reached (announced once per cap and period: audit event "cap.reached" and an engine warning)',
    ['Portal', 'Cap', 'Amount', 'Reached asking', 'Steps skipped', 'Vendors not called'],
    rows,
    'A step that would cross a cap is not sent: on "skip that vendor" the run goes on down its waterfall; on "pause" it stops.',
  );
  if (rows.length === 0) findings.warn('cap-reached', 'no spend cap was reached');
}

/**
 * Where in its waterfall each requested group was filled (pass 1): the run's answers replayed in
 * order through the engine's own merge, to find the step after which the group counted as filled.
 */
export function printFillPositions(portals: DemoPortal[], adapters: Adapters, data: DemoData, pass1: Set<string>): void {
  const threshold = portalSettingsSchema.parse({}).confidence_threshold;
  const stepsByRun = new Map<string, StepRow[]>();
  for (const s of data.steps) {
    const list = stepsByRun.get(s.run_id) ?? [];
    list.push(s);
    stepsByRun.set(s.run_id, list);
  }
  const rows: Cell[][] = [];
  for (const p of portals) {
    const wf = waterfallOf(p, adapters);
    const filled = new Map<string, { n: number; earlier: number }>();
    const requested = new Map<FieldGroup, number>();
    for (const run of data.runs.filter(ofPortal(p.id)).filter((r) => pass1.has(r.id))) {
      for (const g of run.groups) requested.set(g, (requested.get(g) ?? 0) + 1);
      let profile: CanonicalProfile = {};
      const open = new Set(run.groups);
      for (const s of stepsByRun.get(run.id) ?? []) {
        const answer = s.result?.profile;
        if (s.state !== 'done' || !answer) continue;
        const spec = adapters.get(s.vendor)?.operations[s.operation];
        profile = mergeProfile(profile, answer as PartialProfile, s.vendor, threshold, spec?.groups);
        for (const g of [...open]) {
          if (!groupSatisfied(profile, g, threshold)) continue;
          open.delete(g);
          const k = `${g}|${s.vendor}.${s.operation}`;
          const f = filled.get(k) ?? { n: 0, earlier: 0 };
          f.n++;
          if (s.field_group !== g) f.earlier++;
          filled.set(k, f);
        }
      }
    }
    for (const g of FIELD_GROUPS) {
      if (!requested.get(g)) continue;
      const list = wf[g].map((s) => `${s.vendor}.${s.operation}`);
      const here = [...filled.entries()].filter(([k]) => k.startsWith(`${g}|`)).map(([k, f]) => ({ step: k.slice(g.length + 1), ...f }));
      here.sort((a, b) => (list.indexOf(a.step) + 1 || 99) - (list.indexOf(b.step) + 1 || 99));
      const total = here.reduce((n, f) => n + f.n, 0);
      for (const f of here) {
        const pos = list.indexOf(f.step) + 1;
        rows.push([p.id, g, pos ? `#${pos} of ${list.length}` : 'outside its list', f.step, f.n, f.earlier || '-']);
      }
      rows.push([p.id, g, 'not filled', '', requested.get(g)! - total, '-']);
    }
  }
  table(
    'Where in the waterfall each group was filled (pass 1, per requested group)',
    ['Portal', 'Group', 'Position', 'Step', 'Runs', 'Via an earlier group’s answer'],
    rows,
    'An answer serves every group its operation covers: a person match asked for the e-mail also fills the person and company groups.',
  );
}

/**
 * The daily schema-drift job, run once now as the scheduler would: keys a vendor sent that its
 * adapter's schema does not know, and expected keys that did not come.
 */
export async function printDrift(cascade: Cascade): Promise<void> {
  const job = cascade.jobs.find((j) => j.name === 'vendor-drift-report');
  if (!job) return;
  await cascade.drift.flush();
  const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  const { ran, result } = await runExclusive(cascade.db.knex, job, slot, cascade.deps.instanceId, { singleConnection: cascade.db.kind === 'pglite' });
  const vendors = (result?.vendors ?? []) as { vendor: string; unknown: number; missing: number }[];
  console.log(`\nSchema drift (the daily "${job.name}" job, run once now${ran ? '' : '; another instance held the slot'}):`);
  if (vendors.length === 0) console.log('  every answer matched its adapter’s schema: no unknown keys, no expected key missing.');
  const rows = (await cascade.db.knex('vendor_schema_drift').orderBy([{ column: 'vendor' }, { column: 'count', order: 'desc' }]).select('vendor', 'operation', 'path', 'kind', 'count')) as {
    vendor: string;
    operation: string;
    path: string;
    kind: string;
    count: string | number;
  }[];
  for (const v of vendors) {
    const paths = (kind: string) => {
      const list = rows.filter((r) => r.vendor === v.vendor && r.kind === kind);
      return list.length ? ` (${list.slice(0, 4).map((r) => `${r.operation}: ${r.path} ×${Number(r.count)}`).join(', ')}${list.length > 4 ? ', …' : ''})` : '';
    };
    console.log(`  ${v.vendor}: ${v.unknown} unknown key(s)${paths('unknown')}; ${v.missing} expected key(s) missing${paths('missing')}`);
  }
}
