// The demo's summary tables about the runs themselves: triggers, statuses, fields per vendor, cache,
// spend against the caps, skips, the vendors' invoices against the engine's ledger, and one contact
// in detail. Problems go to `findings`.
import type { Knex } from 'knex';
import { spendOverview } from '../../server/enrichment/spend.ts';
import type { BillingSnapshot } from '../vendors/common.ts';
import { table, usd, usdCents } from './format.ts';
import type { Cell } from './format.ts';
import { ofPortal } from './data.ts';
import type { DemoData, RunRow } from './data.ts';
import type { Findings } from './findings.ts';
import type { DemoPortal } from './portals.ts';
import type { DemoSim, VendorId } from './vendors.ts';

/** What the action endpoint received in a pass, per portal: requests, re-sent callbackIds, coalesced executions, runs. */
export interface TriggerTally {
  sent: number;
  duplicates: number;
  coalesced: number;
  runIds: Set<string>;
}
export const newTally = (): TriggerTally => ({ sent: 0, duplicates: 0, coalesced: 0, runIds: new Set() });

export interface Passes {
  pass1: Set<string>;
  pass2: Set<string>;
  tally1: Map<number, TriggerTally>;
  tally2: Map<number, TriggerTally>;
  /** HTTP requests the simulators received during pass 2. */
  pass2Requests: { name: string; n: number }[];
}

export const SKIP_MEANING: Record<string, string> = {
  no_input: 'not enough known about the contact to ask this vendor',
  cap_reached: 'a spend cap would have been crossed; the vendor was not called',
  rate_limited: 'no rate budget left within the wait budget',
  circuit_open: 'vendor failing repeatedly; paused briefly',
  no_key: 'no key for this vendor in the portal',
  quota_exhausted: 'the vendor said the plan quota is used up',
  suppressed: 'the person opted out; nothing processed',
  error: 'vendor errors persisted after retries',
  no_answer: 'the request got no answer (timeout, connection reset): it may have been billed, so it counts as spent and is not asked again',
};

const STATUSES = ['enriched', 'partial', 'not_found', 'cap_reached', 'suppressed', 'failed'];
const KEY_FIELDS = ['work_email', 'email_status', 'job_title', 'company_name', 'industry', 'phone'];

export function printRuns(portals: DemoPortal[], data: DemoData, passes: Passes, findings: Findings): void {
  const { runs, steps } = data;
  const { pass1, pass2, tally1, tally2 } = passes;
  table(
    'Workflow executions received vs runs created (an execution sent again is a duplicate; a second workflow’s execution joins the run under way)',
    ['Portal', 'Pass', 'Requests', 'Duplicates (same callbackId)', 'Joined a run under way', 'Runs created'],
    portals.flatMap((p) =>
      ([
        ['1', tally1.get(p.id)!],
        ['2', tally2.get(p.id)!],
      ] as const).map(([pass, t]) => [p.id, pass, t.sent, t.duplicates, t.coalesced, t.runIds.size]),
    ),
  );

  table(
    'Runs by status (pass 1)',
    ['Portal', ...STATUSES, 'total', 'spent'],
    portals.map((p) => {
      const rs = runs.filter(ofPortal(p.id)).filter((r) => pass1.has(r.id));
      return [
        p.id,
        ...STATUSES.map((s) => rs.filter((r) => r.status === s).length),
        rs.length,
        usd(rs.reduce((sum, r) => sum + Number(r.cost_mc), 0)),
      ];
    }),
    'enriched = every requested group filled; partial = some; cap_reached = stopped by a spend cap; suppressed = person opted out',
  );

  const fieldRows: Cell[][] = [];
  for (const p of portals) {
    const rs = runs.filter(ofPortal(p.id)).filter((r) => pass1.has(r.id));
    for (const v of Object.keys(p.keys)) {
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
  for (const p of portals) {
    for (const [label, ids] of [
      ['1', pass1],
      ['2', pass2],
    ] as const) {
      const ss = steps.filter(ofPortal(p.id)).filter((s) => ids.has(s.run_id));
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
    'HTTP requests: single calls and retries after a 5xx or "still verifying" (a bulk request counts once per member); a company is looked up once per domain, then cached',
  );
  const pass2VendorSteps = steps.filter((s) => pass2.has(s.run_id) && s.source === 'vendor').length;
  const pass2Total = passes.pass2Requests.reduce((s, r) => s + r.n, 0);
  if (pass2VendorSteps === 0 && pass2Total === 0) {
    console.log(`  Pass 2: ${pass2.size} contacts re-enriched entirely from the cache: 0 vendor requests, $0.00.`);
  } else {
    const asked = new Map<string, number>();
    for (const s of steps.filter((x) => pass2.has(x.run_id) && x.source === 'vendor')) asked.set(`${s.vendor}.${s.operation}`, (asked.get(`${s.vendor}.${s.operation}`) ?? 0) + 1);
    findings.warn(
      'cache',
      `pass 2 asked the vendors ${pass2VendorSteps} time(s) (${[...asked].map(([k, n]) => `${k} ×${n}`).join(', ') || 'no step'}; ${pass2Total} HTTP requests): ` +
        'a lookup built from more than the contact had in pass 1 (say, the LinkedIn URL pass 1 wrote back) is a new lookup',
    );
  }
}

export async function printSpend(db: Knex, portals: DemoPortal[], findings: Findings): Promise<void> {
  const spendRows: Cell[][] = [];
  for (const p of portals) {
    for (const line of await spendOverview(db, p.id)) {
      // A fresh database has spent the same today as this month: the month only where it has a cap.
      if (line.period === 'month' && line.capCents === null) continue;
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
        findings.fail('caps', `portal ${p.id} ${line.scope} ${line.period} spend ${usd(line.spentMc + line.reservedMc)} is over its cap of ${usdCents(line.capCents!)}`);
      }
      if (line.reservedMc !== 0) {
        findings.warn('reserved', `portal ${p.id} ${line.scope} ${line.period}: ${usd(line.reservedMc)} still reserved`);
      }
    }
  }
  table('Spend vs caps (today, UTC; this month where a monthly cap is set)', ['Portal', 'Scope', 'Period', 'Spent', 'Cap', 'Used', 'Reserved'], spendRows);
}

export function printSkips(data: DemoData): void {
  const skipCounts = new Map<string, number>();
  for (const s of data.steps) {
    if (!s.skip_reason) continue;
    const reason = s.state === 'indeterminate' ? 'no_answer' : s.skip_reason;
    const k = `${s.portal_id}|${reason}|${s.vendor}.${s.operation}`;
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
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])) || Number(b[3]) - Number(a[3])),
  );
}

/**
 * The vendors' own invoices (the simulators' billing counters) against the engine's ledger, per
 * vendor and portal key. Returns the snapshots; a lookup billed twice or a ledger that disagrees fails.
 */
export function printInvoices(portals: DemoPortal[], sims: DemoSim[], data: DemoData, findings: Findings): Map<VendorId, BillingSnapshot> {
  const rows: Cell[][] = [];
  const noAnswer: string[] = [];
  const snapshots = new Map<VendorId, BillingSnapshot>();
  const portalOfKey = new Map<string, number>();
  for (const sim of sims) {
    const snap = sim.state.billing.snapshot();
    snapshots.set(sim.name, snap);
    const uniquePerKey = new Map<string, Set<string>>();
    for (const e of sim.state.billing.events) {
      const set = uniquePerKey.get(e.key) ?? new Set<string>();
      set.add(`${e.operation}|${e.lookup}`);
      uniquePerKey.set(e.key, set);
    }
    for (const p of portals) {
      const key = p.keys[sim.name];
      if (!key) continue;
      portalOfKey.set(key, p.id);
      const mine = data.steps.filter(ofPortal(p.id)).filter((s) => s.vendor === sim.name && s.billed);
      // A lookup whose request got no answer (a timeout, a connection reset) may have been billed:
      // the ledger counts it as spent and never asks again; the invoice says whether it was.
      const unsure = mine.filter((s) => s.state === 'indeterminate').length;
      const sure = mine.length - unsure;
      const billed = snap.perKey[key]?.billedCalls ?? 0;
      rows.push([sim.name, p.id, billed, uniquePerKey.get(key)?.size ?? 0, sure, unsure || '-', Number((snap.perKey[key]?.credits ?? 0).toFixed(1))]);
      if (billed < sure || billed > sure + unsure) {
        findings.fail('ledger', `${sim.name} billed portal ${p.id} for ${billed} lookup(s); the engine's ledger records ${sure}${unsure ? ` (+${unsure} possibly billed)` : ''}`);
      } else if (unsure) {
        noAnswer.push(`${sim.name} (portal ${p.id}): ${unsure} lookup(s) got no answer and count as spent; the vendor billed ${billed - sure} of them`);
      }
    }
  }
  const freeRepeats = [...snapshots.entries()].filter(([, s]) => s.freeRepeats > 0).map(([v, s]) => `${v} ${s.freeRepeats}`);
  table(
    'Vendor invoices (the simulators’ billing counters) vs the engine’s ledger',
    ['Vendor', 'Portal', 'Billed calls', 'Unique lookups', 'Engine ledger', 'No answer, counted as spent', 'Credits'],
    rows,
    `Hunter, Lusha, Cognism and Clearbit do not bill a repeat of a lookup already billed; repeats sent: ${freeRepeats.join(', ') || 'none'}`,
  );
  for (const line of noAnswer) console.log(`  ${line}`);
  const dupes = [...snapshots.entries()].flatMap(([name, s]) => s.duplicates.map((d) => ({ name, ...d })));
  if (dupes.length === 0) {
    console.log('  No lookup billed twice: billed calls = unique billable lookups, for every vendor and key.');
  }
  for (const d of dupes) {
    const [key, op, lookup] = d.id.split('|');
    findings.fail('billed-twice', `BILLED TWICE: ${d.name} portal ${portalOfKey.get(key ?? '') ?? '?'} ${op} ${lookup} ×${d.times}`);
  }
  return snapshots;
}

/** One contact in detail: the value it already had is kept; the app-owned properties are written. */
export function printExample(data: DemoData, pass1: Set<string>, preferPortal: number): void {
  const { runs, steps } = data;
  const keptTitle = (r: RunRow) =>
    pass1.has(r.id) &&
    !!r.changes?.decisions.some((d) => d.property === 'jobtitle' && d.reason === 'has_value') &&
    !!r.changes?.decisions.some((d) => d.reason === 'empty');
  // Prefer a contact that went past the first vendor of its waterfall (more of the catalog shows)
  // and whose every step was answered.
  const vendorsOf = (r: RunRow) => new Set(steps.filter((s) => s.run_id === r.id && s.source === 'vendor').map((s) => s.vendor)).size;
  const troubled = new Set(steps.filter((s) => s.skip_reason && s.skip_reason !== 'no_input').map((s) => s.run_id));
  const byContact = [...runs]
    .filter((r) => Number(r.portal_id) === preferPortal && !troubled.has(r.id))
    .sort((a, b) => vendorsOf(b) - vendorsOf(a) || a.contact_id.localeCompare(b.contact_id));
  const example =
    byContact.find((r) => keptTitle(r) && r.status === 'enriched' && vendorsOf(r) >= 3) ??
    byContact.find((r) => keptTitle(r) && r.status === 'enriched') ??
    byContact.find(keptTitle) ??
    runs.find((r) => pass1.has(r.id) && !!r.changes?.decisions.some((d) => d.reason === 'has_value'));
  if (!example?.changes) return;
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

/** Spend per vendor and portal, from the engine's ledger (billed lookups and their cost, both passes). */
export function printSpendPerVendor(portals: DemoPortal[], data: DemoData): Map<string, number> {
  const vendors = [...new Set(portals.flatMap((p) => Object.keys(p.keys)))];
  const totals = new Map<string, number>();
  const rows: Cell[][] = vendors.map((v) => {
    let all = 0;
    const cells = portals.flatMap((p) => {
      if (!p.keys[v as VendorId]) return ['-', '-'];
      const billed = data.steps.filter(ofPortal(p.id)).filter((s) => s.vendor === v && s.billed);
      const mc = billed.reduce((n, s) => n + Number(s.cost_mc), 0);
      all += mc;
      return [billed.length, usd(mc)];
    });
    totals.set(v, all);
    return [v, ...cells, usd(all)];
  });
  const sum = (p: DemoPortal) => data.steps.filter(ofPortal(p.id)).filter((s) => s.billed).reduce((n, s) => n + Number(s.cost_mc), 0);
  rows.push(['total', ...portals.flatMap((p) => [data.steps.filter(ofPortal(p.id)).filter((s) => s.billed).length, usd(sum(p))]), usd(portals.reduce((n, p) => n + sum(p), 0))]);
  table(
    'Spend per vendor (the engine’s ledger: billed lookups and what they cost, both passes)',
    ['Vendor', ...portals.flatMap((p) => [`${p.id}: billed`, `${p.id}: spent`]), 'Total'],
    rows,
  );
  return totals;
}
