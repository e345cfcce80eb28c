// The HubSpot side of `npm run demo`: the sandbox HubSpot with the two portals' contacts, the app's
// install through OAuth (the redirects a browser follows), the workflows that enrol the contacts
// (HubSpot's workflow engine calling the "Enrich contact" action; some executions sent again with
// the same callbackId), waiting on the callbacks with a progress bar, and afterwards what changed in
// the portals, the HubSpot calls Cascade used and how every callback ended. Problems go to `findings`.
import cliProgress from 'cli-progress';
import type { Cascade } from '../../server/cascade.ts';
import { CONTACT_READ_PROPERTIES } from '../../server/hubspot/contact-properties.ts';
import { createHubSpotSandbox } from '../hubspot/index.ts';
import type { CallRecord, Execution, HubSpotSandbox } from '../hubspot/index.ts';
import { endpointOf } from '../hubspot/admin.ts';
import { hubspotV2, hubspotV3, parseJson, postOnce } from '../hubspot/outbound.ts';
import { flushHeldLogs, holdLogs, table } from './format.ts';
import type { Cell } from './format.ts';
import { ofPortal } from './data.ts';
import type { DemoData } from './data.ts';
import type { Findings } from './findings.ts';
import { crmContacts } from './portals.ts';
import type { CrmContact, DemoPortal } from './portals.ts';

/** The demo app's OAuth client (the sandbox accepts exactly these; nothing like a real credential). */
export const DEMO_CLIENT_ID = 'cascade-demo-client';
export const DEMO_CLIENT_SECRET = 'cascade-demo-client-secret-0001';
/** The timeline event type the demo app is allowed to send (an approved app event, in HubSpot's terms). */
export const DEMO_APP_EVENT_TYPE = 'cascade_enrichment';
/** HubSpot's limit for marketplace apps, per installing portal, which the sandbox enforces. */
export const HUBSPOT_LIMIT = { max: 110, intervalMs: 10_000 };
/** HubSpot answers the demo's API calls in 15–45 ms. */
const HUBSPOT_LATENCY: [number, number] = [15, 45];
/** Executions the workflow engine has in flight per workflow (HubSpot sends them in parallel). */
const ENROLL_CONCURRENCY = 12;

export interface SeededPortal {
  portal: DemoPortal;
  /** The sandbox's contact ids, in the order of `contacts`. */
  ids: string[];
  contacts: CrmContact[];
  /** Each contact's properties as the portal held them before the demo. */
  before: Map<string, Record<string, string>>;
}

/** Starts the sandbox HubSpot with the demo portals and their contacts. */
export async function startHubSpot(portals: DemoPortal[]): Promise<{ hs: HubSpotSandbox; seeded: SeededPortal[] }> {
  const hs = await createHubSpotSandbox({
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
    rateLimit: HUBSPOT_LIMIT,
    latencyMs: HUBSPOT_LATENCY,
    appEventTypes: [DEMO_APP_EVENT_TYPE],
    seed: 4,
  });
  const seeded = portals.map((portal) => {
    const contacts = crmContacts(portal);
    const ids = hs.addPortal(portal.id, contacts.map((c) => c.properties));
    const before = new Map(ids.map((id) => [id, hs.contact(portal.id, id)!.properties]));
    return { portal, ids, contacts, before };
  });
  return { hs, seeded };
}

// ---------------------------------------------------------------------------------------------
// Install

import type { InstallHop } from '../hubspot/browser.ts';
export { installViaOAuth } from '../hubspot/browser.ts';
export type { InstallHop } from '../hubspot/browser.ts';

/** One hop, readable: whose page, the path, and what the query carried (codes and states elided). */
export function describeHop(hop: InstallHop, cascadeUrl: string, hubspotUrl: string): string {
  const u = new URL(hop.url);
  const who = hop.url.startsWith(cascadeUrl) ? 'Cascade' : hop.url.startsWith(hubspotUrl) ? 'HubSpot' : u.origin;
  const q = u.searchParams;
  const count = (k: string) => (q.get(k) ?? '').split(/\s+/).filter(Boolean).length;
  const parts: string[] = [];
  if (q.has('client_id')) parts.push('client_id');
  if (q.has('scope')) parts.push(`${count('scope')} scopes${q.has('optional_scope') ? ` + ${count('optional_scope')} optional` : ''}`);
  if (q.has('redirect_uri')) parts.push(`redirect_uri ${new URL(q.get('redirect_uri') ?? '', cascadeUrl).pathname}`);
  if (q.has('code')) parts.push('code');
  if (q.has('state')) parts.push('signed state');
  if (q.has('error')) parts.push(`error ${q.get('error')}`);
  return `GET ${who} ${u.pathname}${parts.length ? ` (${parts.join(', ')})` : ''} → ${hop.status}`;
}

// ---------------------------------------------------------------------------------------------
// Workflows

export interface Workflow {
  id: number;
  name: string;
  /** The action's "fields" input: the field groups to fill. */
  fields: string;
}

export const WORKFLOWS = {
  newLeads: { id: 9001, name: 'New leads: enrich', fields: 'email,person,company,email_verification' },
  phone: { id: 9002, name: 'Sales-ready: find a phone number', fields: 'email,phone' },
  refresh: { id: 9003, name: 'Weekly refresh', fields: 'email,person,company,email_verification' },
} satisfies Record<string, Workflow>;

export interface EnrolmentPlan {
  portalId: number;
  workflow: Workflow;
  contactIds: string[];
  /** Contacts whose execution HubSpot sends again (same callbackId, fresh signature). */
  resend?: ReadonlySet<string>;
}

export interface Resend {
  callbackId: string;
  status: number;
  state: string | undefined;
}

export interface Enrolment extends EnrolmentPlan {
  pass: number;
  executions: Execution[];
  resends: Resend[];
}

/**
 * HubSpot sends an execution again — as it does when it did not see our answer — with the same
 * callbackId and body, freshly signed (v2 and v3).
 */
async function resendExecution(hs: HubSpotSandbox, actionUrl: string, plan: EnrolmentPlan, e: Execution): Promise<Resend> {
  const contact = hs.contact(plan.portalId, e.contactId);
  const properties = Object.fromEntries(CONTACT_READ_PROPERTIES.flatMap((p) => (contact?.properties[p] !== undefined ? [[p, contact.properties[p]]] : [])));
  const body = JSON.stringify({
    callbackId: e.callbackId,
    origin: { portalId: plan.portalId, actionDefinitionId: 1, actionDefinitionVersion: 1 },
    context: { source: 'WORKFLOWS', workflowId: plan.workflow.id },
    object: { objectId: Number(e.contactId), objectType: 'CONTACT', properties },
    inputFields: { fields: plan.workflow.fields, force_refresh: 'false' },
  });
  const ts = Date.now();
  const sent = await postOnce(
    actionUrl,
    body,
    {
      'content-type': 'application/json',
      'X-HubSpot-Signature': hubspotV2(DEMO_CLIENT_SECRET, 'POST', actionUrl, body),
      'X-HubSpot-Signature-Version': 'v2',
      'X-HubSpot-Signature-v3': hubspotV3(DEMO_CLIENT_SECRET, 'POST', actionUrl, body, ts),
      'X-HubSpot-Request-Timestamp': String(ts),
    },
    30_000,
  );
  if (!sent.ok) return { callbackId: e.callbackId, status: 0, state: sent.error };
  const answer = parseJson(sent.text) as { outputFields?: { hs_execution_state?: string } } | null;
  return { callbackId: e.callbackId, status: sent.status, state: answer?.outputFields?.hs_execution_state };
}

/** Enrols every plan at once through the sandbox's workflow engine; then sends the chosen executions again. */
export async function enrol(hs: HubSpotSandbox, actionUrl: string, pass: number, plans: EnrolmentPlan[]): Promise<Enrolment[]> {
  return Promise.all(
    plans.map(async (plan) => {
      const { executions } = await hs.enroll({
        portalId: plan.portalId,
        actionUrl,
        contactIds: plan.contactIds,
        inputFields: { fields: plan.workflow.fields, force_refresh: 'false' },
        objectProperties: [...CONTACT_READ_PROPERTIES],
        workflowId: plan.workflow.id,
        callbackIdPrefix: callbackPrefix(pass),
        concurrency: ENROLL_CONCURRENCY,
      });
      const resends: Resend[] = [];
      const again = executions.filter((e) => plan.resend?.has(e.contactId));
      for (let i = 0; i < again.length; i += 8) {
        resends.push(...(await Promise.all(again.slice(i, i + 8).map((e) => resendExecution(hs, actionUrl, plan, e)))));
      }
      return { ...plan, pass, executions, resends };
    }),
  );
}

export const callbackPrefix = (pass: number) => `ap-pass${pass}-`;

// ---------------------------------------------------------------------------------------------
// Waiting, with a progress bar on the callbacks

export interface WaitResult {
  ms: number;
  /** Every execution acknowledged and no callback of the pass left pending. */
  complete: boolean;
  pending: number;
}

/**
 * Draws a bar of the pass's workflow callbacks completed in HubSpot until the enrolment is over and
 * no callback of the pass is pending (or `timeoutMs`, a hang detector).
 */
export async function waitForCallbacks(o: {
  hs: HubSpotSandbox;
  cascade: Cascade;
  label: string;
  pass: number;
  expected: number;
  enrolling: Promise<unknown>;
  timeoutMs: number;
}): Promise<WaitResult> {
  const t0 = Date.now();
  const prefix = callbackPrefix(o.pass);
  let enrolled = false;
  o.enrolling.then(
    () => (enrolled = true),
    () => (enrolled = true),
  );
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${o.label} |{bar}| {value}/{total} callbacks completed | {acked} executions acknowledged | {runs} runs finished | {waiting} waiting for FullEnrich | {duration}s`,
      hideCursor: true,
      barsize: 30,
      noTTYOutput: true,
      notTTYSchedule: 3_000,
    },
    cliProgress.Presets.shades_classic,
  );
  holdLogs();
  bar.start(o.expected, 0, { acked: 0, runs: 0, waiting: 0 });
  const since = new Date(t0 - 1_000);
  let pending: number;
  let complete = false;
  try {
    for (;;) {
      // Read before the callbacks: an enrolment that ends while the query below runs must not be
      // judged on callbacks counted before it ended.
      const enrolledBefore = enrolled;
      const ours = o.hs.callbacks().filter((c) => c.callbackId.startsWith(prefix));
      const completed = ours.filter((c) => c.state === 'completed').length;
      pending = ours.filter((c) => c.state === 'pending').length;
      const rows = await o.cascade.db
        .knex('enrichment_runs')
        .where('created_at', '>=', since)
        .select('state')
        .count<{ state: string; n: number }[]>('* as n')
        .groupBy('state');
      const n = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
      bar.update(completed, { acked: ours.length, runs: n('done'), waiting: n('waiting') });
      if (enrolledBefore && pending === 0) {
        complete = ours.length === o.expected;
        break;
      }
      if (Date.now() - t0 > o.timeoutMs) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    bar.stop();
    flushHeldLogs();
  }
  return { ms: Date.now() - t0, complete, pending };
}

/** Waits until nothing is left in Cascade's HubSpot outbox (timeline events trail the callbacks). */
export async function waitOutboxIdle(cascade: Cascade, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await cascade.db.knex('hubspot_outbox').where({ state: 'pending' }).count<{ n: number }[]>('* as n');
    const left = Number(row?.n ?? 0);
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

export const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
};
const ms = (v: number) => `${Math.round(v)} ms`;
const n0 = (v: number) => v.toLocaleString('en-US');

/** Most calls a portal made within any `intervalMs` (HubSpot's rolling window). */
export function busiestWindow(calls: CallRecord[], intervalMs: number): number {
  const at = calls.map((c) => c.at).sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < at.length; hi++) {
    while ((at[hi] as number) - (at[lo] as number) >= intervalMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

const SKIP_PROPERTIES = new Set(['hs_object_id', 'createdate', 'lastmodifieddate']);
const STATUSES = ['enriched', 'partial', 'not_found', 'cap_reached', 'suppressed', 'failed'];

export interface PortalChanges {
  /** Values written where the contact had none, per portal. */
  filled: Map<number, number>;
  /** Values the contacts had before the demo, and how many of them changed. */
  existing: number;
  typed: number;
  changed: number;
  statuses: Map<string, number>;
}

/**
 * What changed in each portal, read back from the sandbox: statuses, properties filled, and every
 * value the contacts had before the demo, which must be exactly as it was.
 */
export function printPortalChanges(hs: HubSpotSandbox, seeded: SeededPortal[], data: DemoData, pass1: Set<string>, findings: Findings): PortalChanges {
  const out: PortalChanges = { filled: new Map(), existing: 0, typed: 0, changed: 0, statuses: new Map() };
  const statusRows: Cell[][] = [];
  const filled = new Map<string, Map<number, number>>();
  const kept = new Map<string, Map<number, number>>();
  const bump = (m: Map<string, Map<number, number>>, prop: string, portal: number) => {
    const inner = m.get(prop) ?? new Map<number, number>();
    inner.set(portal, (inner.get(portal) ?? 0) + 1);
    m.set(prop, inner);
  };
  const typedKept = new Map<string, number>();
  for (const s of seeded) {
    const pid = s.portal.id;
    const statusCount = new Map<string, number>();
    for (const [i, id] of s.ids.entries()) {
      const before = s.before.get(id) ?? {};
      const after = hs.contact(pid, id)?.properties ?? {};
      const status = after.cascade_status ?? '(none)';
      statusCount.set(status, (statusCount.get(status) ?? 0) + 1);
      out.statuses.set(status, (out.statuses.get(status) ?? 0) + 1);
      if (!after.cascade_status) findings.fail('portal', `portal ${pid} contact ${id} has no cascade_status: its write-back never arrived`);
      for (const prop of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (SKIP_PROPERTIES.has(prop)) continue;
        const was = before[prop];
        const now = after[prop];
        if (was === undefined || was === '') {
          if (now !== undefined && now !== '') {
            bump(filled, prop, pid);
            out.filled.set(pid, (out.filled.get(pid) ?? 0) + 1);
          }
          continue;
        }
        out.existing++;
        if (now !== was) {
          out.changed++;
          findings.fail('user-values', `portal ${pid} contact ${id}: ${prop} was ${JSON.stringify(was)}, is now ${JSON.stringify(now ?? '')}`);
        }
      }
      for (const prop of s.contacts[i]?.typed ?? []) {
        out.typed++;
        if (after[prop] === before[prop]) typedKept.set(prop, (typedKept.get(prop) ?? 0) + 1);
      }
    }
    statusRows.push([pid, s.ids.length, ...STATUSES.map((st) => statusCount.get(st) ?? 0), statusCount.get('(none)') ?? 0]);
    // Where a vendor found a value but the contact already had its own (the run's write-policy decisions).
    for (const r of data.runs.filter(ofPortal(pid)).filter((x) => pass1.has(x.id))) {
      for (const d of r.changes?.decisions ?? []) if (d.reason === 'has_value') bump(kept, d.property, pid);
    }
  }
  table(
    'Contacts in HubSpot by cascade_status (read back from the portals after both passes)',
    ['Portal', 'Contacts', ...STATUSES, 'no status'],
    statusRows,
    'cascade_status, cascade_sources, cascade_cost, cascade_confidence and cascade_enriched_at are the app’s own properties, written on every run.',
  );

  const props = [...new Set([...filled.keys(), ...kept.keys()])].sort((a, b) => Number(a.startsWith('cascade_')) - Number(b.startsWith('cascade_')) || a.localeCompare(b));
  table(
    'Contact properties written to HubSpot (filled where empty; a value the contact already had is kept, never replaced)',
    ['Property', ...seeded.flatMap((s) => [`${s.portal.id}: filled`, `${s.portal.id}: kept theirs`])],
    props.map((p) => [p, ...seeded.flatMap((s) => [filled.get(p)?.get(s.portal.id) ?? 0, kept.get(p)?.get(s.portal.id) ?? 0])]),
    '"filled": contacts where the property was empty and now has a value. "kept theirs": a vendor found a different value, the contact’s own was kept.',
  );
  const typedBy = (prop: string) => seeded.reduce((n, s) => n + s.contacts.filter((c) => c.typed.includes(prop)).length, 0);
  console.log(
    `  Values the contacts had before the demo: ${n0(out.existing)}, of which ${n0(out.typed)} typed in by people ` +
      `(${['jobtitle', 'phone', 'city'].map((p) => `${p} ${typedKept.get(p) ?? 0}/${typedBy(p)} kept`).join(', ')}). ` +
      `Changed: ${out.changed}.`,
  );
  return out;
}

const OPERATION_NAMES: Record<string, string> = {
  'POST /oauth/v3/token': 'OAuth: exchange the code / refresh the token',
  'POST /crm/v3/properties/contacts/groups': 'Create the "cascade" property group',
  'POST /crm/v3/properties/contacts/batch/create': 'Create the cascade_* properties (batch)',
  'POST /crm/v3/properties/contacts': 'Create a property',
  'GET /crm/v3/properties/contacts': 'List contact properties',
  'GET /crm/v3/properties/contacts/groups': 'List property groups',
  'POST /crm/v3/objects/contacts/batch/read': 'Read contacts (batch, before writing)',
  'POST /crm/v3/objects/contacts/batch/update': 'Update contacts (batch)',
  'POST /automation/v4/actions/callbacks/complete': 'Complete workflow callbacks (batch)',
  'POST /automation/v4/actions/callbacks/{id}/complete': 'Complete one workflow callback',
  'POST /integrators/timeline/v4/events/batch': 'Timeline events (batch)',
};

export interface HubSpotCallFigures {
  calls: number;
  busiest: Map<number, number>;
  rateLimited: number;
  largestBatch: number;
  meanBatch: number;
}

/** The HubSpot API calls Cascade made, from the sandbox's own call log. */
export function printHubSpotCalls(hs: HubSpotSandbox, cascade: Cascade, seeded: SeededPortal[], enrolments: Enrolment[], findings: Findings): HubSpotCallFigures {
  const rows: Cell[][] = [];
  const figures: HubSpotCallFigures = { calls: 0, busiest: new Map(), rateLimited: 0, largestBatch: 0, meanBatch: 0 };
  let batchCalls = 0;
  let batchItems = 0;
  for (const s of seeded) {
    const pid = s.portal.id;
    const mine = hs.calls.filter((c) => c.portalId === pid);
    const byOp = new Map<string, CallRecord[]>();
    for (const c of mine) {
      const op = endpointOf(c.method, c.path);
      byOp.set(op, [...(byOp.get(op) ?? []), c]);
    }
    const order = Object.keys(OPERATION_NAMES);
    const rank = (op: string) => (order.includes(op) ? order.indexOf(op) : order.length);
    for (const [op, calls] of [...byOp].sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]))) {
      const batched = calls.filter((c) => c.items !== undefined);
      const items = batched.reduce((n, c) => n + (c.items ?? 0), 0);
      const largest = Math.max(0, ...batched.map((c) => c.items ?? 0));
      const r429 = calls.filter((c) => c.status === 429).length;
      const errors = calls.filter((c) => c.status >= 400 && c.status !== 429).length;
      rows.push([pid, OPERATION_NAMES[op] ?? op, calls.length, batched.length ? items : '-', batched.length ? (items / batched.length).toFixed(1) : '-', batched.length ? largest : '-', r429, errors]);
      batchCalls += batched.length;
      batchItems += items;
      figures.largestBatch = Math.max(figures.largestBatch, largest);
      for (const c of batched) if ((c.items ?? 0) > 100) findings.fail('batch-size', `portal ${pid}: ${op} carried ${c.items} inputs (HubSpot takes at most 100)`);
    }
    const r429 = mine.filter((c) => c.status === 429).length;
    figures.calls += mine.length;
    figures.rateLimited += r429;
    figures.busiest.set(pid, busiestWindow(mine, HUBSPOT_LIMIT.intervalMs));
    if (r429) findings.fail('hubspot-429', `portal ${pid}: HubSpot answered 429 to ${r429} call(s)`);
  }
  figures.meanBatch = batchCalls ? batchItems / batchCalls : 0;
  const unattributed = hs.calls.filter((c) => c.portalId === null);
  table(
    'HubSpot API calls Cascade made (the sandbox portal’s own call log)',
    ['Portal', 'Operation', 'Calls', 'Inputs', 'Mean batch', 'Largest', '429', 'Other errors'],
    rows,
    `Batch calls carry at most 100 inputs. ${unattributed.length ? `${unattributed.length} call(s) without a portal token (OAuth token exchange).` : ''}`.trim(),
  );
  for (const s of seeded) {
    const pid = s.portal.id;
    const executions = enrolments.filter((e) => e.portalId === pid).reduce((n, e) => n + e.executions.length, 0);
    const calls = hs.calls.filter((c) => c.portalId === pid).length;
    console.log(
      `  Portal ${pid}: ${n0(calls)} calls for ${n0(executions)} workflow executions (${(calls / Math.max(1, executions)).toFixed(3)} per execution); ` +
        `busiest 10 s: ${figures.busiest.get(pid)} of the ${HUBSPOT_LIMIT.max} HubSpot allows; 429s: ${hs.calls.filter((c) => c.portalId === pid && c.status === 429).length}.`,
    );
  }
  const st = cascade.hubspot.flusher.stats;
  console.log(
    `  Cascade's outbox sent ${n0(st.sent.contact_update)} contact updates, ${n0(st.sent.callback_complete)} callback completions and ` +
      `${n0(st.sent.timeline_event)} timeline events in ${n0(st.calls)} calls; retried later ${st.retried}, skipped ${st.skipped}, given up ${st.dead}.`,
  );
  if (st.dead > 0) findings.fail('outbox', `${st.dead} queued HubSpot write(s) were given up`);
  return figures;
}

export interface CallbackFigures {
  executions: number;
  completedOnce: number;
  twice: number;
  pending: number;
  expired: number;
  resent: number;
  ackP50: number;
  ackP99: number;
}

/** How every workflow execution of the demo ended in HubSpot: acknowledged, completed once, its outputs. */
export function printCallbacks(hs: HubSpotSandbox, enrolments: Enrolment[], workers: number, findings: Findings): CallbackFigures {
  const byId = new Map(hs.callbacks().map((c) => [c.callbackId, c]));
  const rows: Cell[][] = [];
  const all: CallbackFigures = { executions: 0, completedOnce: 0, twice: 0, pending: 0, expired: 0, resent: 0, ackP50: 0, ackP99: 0 };
  const acks: number[] = [];
  const outputs = new Map<string, number>();
  for (const e of enrolments) {
    const views = e.executions.map((x) => byId.get(x.callbackId));
    const once = views.filter((v) => v?.state === 'completed' && v.completions === 1).length;
    const twice = views.filter((v) => (v?.completions ?? 0) > 1).length;
    const pending = views.filter((v) => !v || v.state === 'pending').length;
    const expired = views.filter((v) => v?.state === 'expired').length;
    const blocked = e.executions.filter((x) => x.status === 200 && (x.body as { outputFields?: { hs_execution_state?: string } })?.outputFields?.hs_execution_state === 'BLOCK');
    const retried = e.executions.filter((x) => x.attempts > 1).length;
    const ackMs = e.executions.map((x) => x.ackMs);
    acks.push(...ackMs);
    rows.push([
      e.portalId,
      e.pass,
      e.workflow.name,
      e.executions.length,
      blocked.length,
      e.resends.length,
      retried || '-',
      once,
      twice,
      pending,
      expired,
      ms(percentile(ackMs, 50)),
      ms(percentile(ackMs, 99)),
    ]);
    all.executions += e.executions.length;
    all.completedOnce += once;
    all.twice += twice;
    all.pending += pending;
    all.expired += expired;
    all.resent += e.resends.length;
    for (const x of e.executions) {
      if (!blocked.includes(x)) findings.fail('acks', `portal ${e.portalId} "${e.workflow.name}": contact ${x.contactId} got ${x.status || x.error} instead of an immediate BLOCK`);
    }
    for (const r of e.resends) {
      if (r.status !== 200 || r.state !== 'BLOCK') findings.fail('acks', `a re-sent execution (${r.callbackId}) was answered ${r.status} ${r.state ?? ''}`);
    }
    for (const [i, v] of views.entries()) {
      const x = e.executions[i]!;
      if (!v || v.state === 'pending') findings.fail('callbacks', `portal ${e.portalId} contact ${x.contactId}: callback ${x.callbackId} still pending`);
      else if (v.state === 'expired') findings.fail('callbacks', `portal ${e.portalId} contact ${x.contactId}: callback ${x.callbackId} expired without completion`);
      if ((v?.completions ?? 0) > 1) findings.fail('callbacks', `portal ${e.portalId} contact ${x.contactId}: callback ${x.callbackId} completed ${v?.completions} times`);
      const o = v?.outputFields as Record<string, string> | undefined;
      if (o) outputs.set(`${o.status} → ${o.hs_execution_state}`, (outputs.get(`${o.status} → ${o.hs_execution_state}`) ?? 0) + 1);
    }
  }
  all.ackP50 = percentile(acks, 50);
  all.ackP99 = percentile(acks, 99);
  table(
    'Workflow executions and their callbacks (HubSpot’s side: the sandbox’s workflow engine and callback records)',
    ['Portal', 'Pass', 'Workflow', 'Executions', 'Answered BLOCK', 'Re-sent by HubSpot', 'Retried', 'Completed once', 'Twice or more', 'Pending', 'Expired', 'Ack p50', 'Ack p99'],
    rows,
    'Cascade answers each execution at once with BLOCK (the workflow waits) and completes the callback when the run is done, after the contact’s\n' +
      '  properties are written. "Re-sent by HubSpot": the same callbackId sent again, answered BLOCK without a second run. "Retried": HubSpot\n' +
      '  retried after a timeout or 5xx. Ack: how long Cascade took to answer an execution; here every answer waits its turn on the embedded\n' +
      `  database’s single connection, shared with the ${workers} runs being enriched (the workflow engine waits 30 s before it retries).`,
  );
  const unknown = hs.stats().callbacks.unknownCompletions;
  if (unknown) findings.fail('callbacks', `${unknown} completion call(s) named a callback HubSpot never issued`);
  console.log(
    `  Outputs the workflows can branch on (status → hs_execution_state): ${[...outputs].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${n0(v)}`).join(', ')}`,
  );
  const events = hs.timelineEvents().length;
  console.log(`  Timeline: ${n0(events)} "${DEMO_APP_EVENT_TYPE}" events on the contacts’ timelines (one per run, with every step and its cost).`);
  return all;
}
