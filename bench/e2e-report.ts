// Turns what `npm run bench:e2e` measured into bench/results/e2e.json, the markdown table beside it,
// the printed summary, and the list of correctness failures (which make the bench exit non-zero).
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { endpointOf } from '../sandbox/hubspot/admin.ts';
import type { CallRecord, CallbackView } from '../sandbox/hubspot/index.ts';
import type { SimSnapshot } from './sims.ts';
import type { DbTraceResult, QueueDbTrace, SamplerResult } from './probes.ts';
import { round2, round3 } from './probes.ts';
import { FAULTS } from './workload.ts';
import type { EnrollResult, SandboxStats } from './e2e-hubspot.ts';
import { ACTION_FIELDS, e2eEndpointStats } from './e2e-workload.ts';
import type { E2eCaps, E2eContact } from './e2e-workload.ts';

export interface RunRow {
  contact_id: string;
  state: string;
  status: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  profile: Record<string, { value?: string; source?: string }> | string | null;
}

export interface E2eMeasurements {
  backend: 'pglite' | 'postgres';
  config: Record<string, number | string | boolean>;
  caps: E2eCaps;
  domains: number;
  enrollConcurrency: number;
  contacts: E2eContact[];
  /** HubSpot contact ids, in the order of `contacts`. */
  contactIds: string[];
  enroll: EnrollResult;
  timedOut: boolean;
  observedDoneAt: number;
  /** Calls the sandbox logged up to the end of the install (OAuth, property group and properties). */
  installCalls: CallRecord[];
  /** Calls the sandbox logged after the install. */
  calls: CallRecord[];
  stats: SandboxStats;
  callbacks: CallbackView[];
  finalContacts: { id: string; properties: Record<string, string> }[];
  sims: SimSnapshot;
  hubspotUsage: { cpuMs: number; eventLoopUtilization: number; rssBytes: number };
  runs: RunRow[];
  outbox: { kind: string; state: string; attempts: number; created_at: Date | string; done_at: Date | string | null }[];
  triggers: { coalesced: boolean; n: number }[];
  flusher: { calls: number; sent: Record<string, number>; skipped: number; dead: number; retried: number };
  /** cascade.trigger durations (the database part of each acknowledgement), ms. */
  acceptMs: number[];
  /**
   * Per action request: ms from HubSpot sending it (its v3 timestamp) to Cascade's handler, and ms
   * from there to the answer sent.
   */
  serverSide: [number, number][];
  /** TCP connections Cascade's server accepted (the emulator keeps connections alive). */
  connections: number;
  /** Probes over the burst only (first enrolment → last acknowledgement). */
  burst: { sampler: SamplerResult; db: DbTraceResult; queueDb: QueueDbTrace | null };
  /** The database probe from the last acknowledgement to the end. */
  afterBurstDb: DbTraceResult | null;
  whole: SamplerResult;
  logLines: Record<string, number>;
  engineSource: { commit: string; uncommitted: string[] };
  loadAverage: { before: number[]; after: number[] };
  totalMs: number;
  /** The card's and settings page's reads after the run, through a signed hubspot.fetch. */
  uiReads: { route: string; ms: number[]; bytes: number; status: number }[];
}

const r1 = (n: number) => Math.round(n * 10) / 10;

function dist(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? r1(s[Math.min(s.length - 1, Math.floor(s.length * p))]!) : 0);
  return {
    n: s.length,
    mean: s.length ? r1(s.reduce((a, b) => a + b, 0) / s.length) : 0,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: s.length ? r1(s[s.length - 1]!) : 0,
  };
}

const ms = (d: Date | string | null | undefined) => (d ? new Date(d).getTime() : NaN);
const fmt = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : n.toLocaleString('en-US'));

/** Which engine is measured: the commit and uncommitted changes under server/, sandbox/, migrations/. */
export function sourceState(): { commit: string; uncommitted: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const status = git('status', '--porcelain', '--', 'server', 'sandbox', 'migrations');
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommitted: status ? status.split('\n').map((l) => l.trim()) : [] };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

/** The outbox kind a HubSpot endpoint serves. */
function kindOf(endpoint: string): string | null {
  if (endpoint === 'POST /crm/v3/objects/contacts/batch/read') return 'contact_update (read before write)';
  if (endpoint === 'POST /crm/v3/objects/contacts/batch/update') return 'contact_update';
  if (endpoint === 'POST /automation/v4/actions/callbacks/complete') return 'callback_complete';
  if (endpoint === 'POST /automation/v4/actions/callbacks/{id}/complete') return 'callback_complete (one by one)';
  if (endpoint.includes('/integrators/timeline/')) return 'timeline_event';
  return null;
}

const APP_MANAGED = new Set(['hs_object_id', 'createdate', 'lastmodifieddate']);

export function buildE2eReport(m: E2eMeasurements): { json: Record<string, unknown>; markdown: string; summary: string; failures: string[] } {
  const contacts = m.contacts.length;
  const ex = m.enroll.executions;
  const ack = dist(ex.map((e) => e.ackMs));
  const blocked = ex.filter((e) => e.outcome === 'blocked' && e.status === 200 && e.state === 'BLOCK').length;
  const ackStatuses: Record<string, number> = {};
  for (const e of ex) {
    const k = `${e.status} ${e.state ?? e.error ?? e.outcome}`;
    ackStatuses[k] = (ackStatuses[k] ?? 0) + 1;
  }
  const retriedAcks = ex.filter((e) => e.attempts > 1).length;
  const ackWindowMs = m.enroll.finishedAt - m.enroll.startedAt;
  // Every attempt (the emulator's ackMs is only the one that got the final answer).
  const attempts = m.enroll.attempts;
  const failedAttempts: Record<string, { attempts: number; ms: ReturnType<typeof dist> }> = {};
  for (const why of [...new Set(attempts.filter((a) => a[4] !== null || a[3] >= 300).map((a) => a[4] ?? String(a[3])))]) {
    const these = attempts.filter((a) => (a[4] ?? String(a[3])) === why && (a[4] !== null || a[3] >= 300));
    failedAttempts[why] = { attempts: these.length, ms: dist(these.map((a) => a[2])) };
  }
  // First send → final answer, per execution, retries and back-off included.
  const span = new Map<string, [number, number]>();
  for (const a of attempts) {
    const s = span.get(a[0]);
    const end = a[1] + a[2];
    span.set(a[0], s ? [Math.min(s[0], a[1]), Math.max(s[1], end)] : [a[1], end]);
  }
  const endToEnd = dist([...span.values()].map(([a, b]) => b - a));
  // Per second of the burst (by send time): attempts sent, their latency p50 / max, and how many failed.
  const perSecond: { s: number; sent: number; p50_ms: number; max_ms: number; failed: number }[] = [];
  for (const a of attempts) {
    const sec = Math.max(0, Math.floor((a[1] - m.enroll.startedAt) / 1000));
    while (perSecond.length <= sec) perSecond.push({ s: perSecond.length, sent: 0, p50_ms: 0, max_ms: 0, failed: 0 });
  }
  for (const row of perSecond) {
    const these = attempts.filter((a) => Math.max(0, Math.floor((a[1] - m.enroll.startedAt) / 1000)) === row.s);
    const d = dist(these.map((a) => a[2]));
    Object.assign(row, { sent: these.length, p50_ms: d.p50, max_ms: d.max, failed: these.filter((a) => a[4] !== null).length });
  }

  // --- HubSpot API calls after the install
  const byEndpoint: Record<string, { calls: number; statuses: Record<string, number> }> = {};
  for (const c of m.calls) {
    const ep = endpointOf(c.method, c.path);
    const e = (byEndpoint[ep] ??= { calls: 0, statuses: {} });
    e.calls++;
    e.statuses[String(c.status)] = (e.statuses[String(c.status)] ?? 0) + 1;
  }
  const apiCalls = m.calls.length;
  const perContact = contacts ? apiCalls / contacts : 0;
  const hubspot429s = m.calls.filter((c) => c.status === 429).length;
  const install429s = m.installCalls.filter((c) => c.status === 429).length;
  const installByEndpoint: Record<string, number> = {};
  for (const c of m.installCalls) installByEndpoint[endpointOf(c.method, c.path)] = (installByEndpoint[endpointOf(c.method, c.path)] ?? 0) + 1;
  const batches: Record<string, { endpoint: string; calls: number; items: number; mean_items: number; min_items: number; max_items: number; full_batches: number; items_per_call_in_order: number[] }> = {};
  for (const c of m.calls) {
    const ep = endpointOf(c.method, c.path);
    const kind = kindOf(ep);
    if (!kind) continue;
    const items = c.items ?? 1;
    const b = (batches[kind] ??= { endpoint: ep, calls: 0, items: 0, mean_items: 0, min_items: Infinity, max_items: 0, full_batches: 0, items_per_call_in_order: [] });
    b.calls++;
    b.items_per_call_in_order.push(items);
    b.items += items;
    b.min_items = Math.min(b.min_items, items);
    b.max_items = Math.max(b.max_items, items);
    if (items >= 100) b.full_batches++;
  }
  for (const b of Object.values(batches)) b.mean_items = b.calls ? r1(b.items / b.calls) : 0;

  // --- callbacks
  const mine = new Set(ex.map((e) => e.callbackId));
  const cbs = m.callbacks.filter((c) => mine.has(c.callbackId));
  const completed = cbs.filter((c) => c.state === 'completed').length;
  const completedTwice = cbs.filter((c) => c.completions > 1).length;
  const doubleCompletions = m.stats.callbacks.doubleCompletions;
  const unknownCompletions = m.stats.callbacks.unknownCompletions;
  const lastCompletedAt = Math.max(...cbs.map((c) => c.completedAt ?? 0));
  const wallMs = lastCompletedAt > 0 ? lastCompletedAt - m.enroll.startedAt : m.observedDoneAt - m.enroll.startedAt;
  const outputsByStatus: Record<string, number> = {};
  const outputsByState: Record<string, number> = {};
  for (const c of cbs) {
    const o = c.outputFields as Record<string, string> | undefined;
    if (!o) continue;
    outputsByStatus[o.status ?? '?'] = (outputsByStatus[o.status ?? '?'] ?? 0) + 1;
    outputsByState[o.hs_execution_state ?? '?'] = (outputsByState[o.hs_execution_state ?? '?'] ?? 0) + 1;
  }

  // --- runs
  const runByContact = new Map(m.runs.map((r) => [String(r.contact_id), r]));
  const runsByStatus: Record<string, number> = {};
  for (const r of m.runs) runsByStatus[r.status ?? `(${r.state})`] = (runsByStatus[r.status ?? `(${r.state})`] ?? 0) + 1;
  const queueWait = m.runs.map((r) => ms(r.started_at) - ms(r.created_at)).filter(Number.isFinite);
  const runDuration = m.runs.map((r) => ms(r.finished_at) - ms(r.created_at)).filter(Number.isFinite);
  const runExec = m.runs.map((r) => ms(r.finished_at) - ms(r.started_at)).filter(Number.isFinite);
  const finishes = m.runs.map((r) => ms(r.finished_at)).filter(Number.isFinite);
  const lastRunFinishedAt = finishes.length ? Math.max(...finishes) : NaN;
  const firstRunFinishedAt = finishes.length ? Math.min(...finishes) : NaN;
  const callbackLag = cbs
    .map((c) => (c.completedAt ?? NaN) - ms(runByContact.get(c.contactId)?.finished_at))
    .filter(Number.isFinite);
  const runsPerSecond = finishes.length && wallMs > 0 ? round2(finishes.length / ((lastRunFinishedAt - m.enroll.startedAt) / 1000)) : 0;
  const finishesPerSecond: number[] = [];
  for (const t of finishes) {
    const s = Math.max(0, Math.floor((t - m.enroll.startedAt) / 1000));
    while (finishesPerSecond.length <= s) finishesPerSecond.push(0);
    finishesPerSecond[s]!++;
  }

  // --- outbox
  const outbox: Record<string, { states: Record<string, number>; retried_items: number; wait_ms: ReturnType<typeof dist> }> = {};
  for (const kind of [...new Set(m.outbox.map((o) => o.kind))]) {
    const rows = m.outbox.filter((o) => o.kind === kind);
    const states: Record<string, number> = {};
    for (const r of rows) states[r.state] = (states[r.state] ?? 0) + 1;
    outbox[kind] = {
      states,
      retried_items: rows.filter((r) => r.attempts > 1).length,
      wait_ms: dist(rows.map((r) => ms(r.done_at) - ms(r.created_at)).filter(Number.isFinite)),
    };
  }
  const deadItems = m.outbox.filter((o) => o.state === 'dead').length;
  const pendingItems = m.outbox.filter((o) => o.state === 'pending').length;

  // --- the portal's contacts: typed-in values kept, what was written
  const finalById = new Map(m.finalContacts.map((c) => [c.id, c.properties]));
  const violations: { contactId: string; property: string; before: string; after: string | null }[] = [];
  let written = 0;
  let crmFilled = 0;
  const filledByProperty: Record<string, number> = {};
  let presetChallenged = 0;
  let missing = 0;
  m.contacts.forEach((c, i) => {
    const id = m.contactIds[i]!;
    const after = finalById.get(id);
    if (!after) {
      missing++;
      return;
    }
    for (const [k, v] of Object.entries(c.properties)) {
      if (after[k] !== v) violations.push({ contactId: id, property: k, before: v, after: after[k] ?? null });
    }
    if (after.cascade_status) written++;
    let filledHere = false;
    for (const k of Object.keys(after)) {
      if (k in c.properties || APP_MANAGED.has(k)) continue;
      filledByProperty[k] = (filledByProperty[k] ?? 0) + 1;
      if (!k.startsWith('cascade_')) filledHere = true;
    }
    if (filledHere) crmFilled++;
    if (c.preset) {
      const raw = runByContact.get(id)?.profile;
      const profile = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, { value?: string }> | null;
      const offered = [
        ['job_title', 'jobtitle'],
        ['phone', 'phone'],
      ].some(([field, prop]) => profile?.[field!]?.value && profile[field!]!.value !== c.properties[prop!]);
      if (offered) presetChallenged++;
    }
  });
  const presetContacts = m.contacts.filter((c) => c.preset).length;

  // --- vendors
  const sims = m.sims;
  const billed = sims.apollo.billing.billedCalls + sims.hunter.billing.billedCalls;
  const unique = sims.apollo.billing.uniqueLookups + sims.hunter.billing.uniqueLookups;
  const duplicates = [...sims.apollo.billing.duplicates, ...sims.hunter.billing.duplicates];
  const vendor429s = sims.apollo.limitSignals + sims.hunter.limitSignals;
  const eps = e2eEndpointStats(sims, m.caps);
  const capFloorMs = Math.max(0, ...eps.map((e) => e.floorMs));
  const binding = eps.reduce((a, b) => (b.floorMs > a.floorMs ? b : a));
  const wallPerFloor = capFloorMs ? round2(wallMs / capFloorMs) : null;

  // --- targets and correctness
  const targets = {
    hubspot_api_calls_per_contact: { target: '≤ 0.04', value: round3(perContact), detail: `${apiCalls} calls after the install / ${contacts} contacts`, met: perContact <= 0.04 },
    hubspot_429s: { target: '= 0', value: hubspot429s, detail: `${hubspot429s} of ${apiCalls} calls answered 429`, met: hubspot429s === 0 },
    callbacks_completed: { target: `= contacts (${contacts})`, value: completed, detail: `${completed} completed, ${cbs.length - completed} not`, met: completed === contacts },
    ack_p99_ms: { target: '≤ 25', value: ack.p99, detail: `p50 ${ack.p50} ms, p90 ${ack.p90} ms, max ${ack.max} ms over ${ex.length} executions, ${m.enrollConcurrency} in flight`, met: ex.length > 0 && ack.p99 <= 25 },
  };
  const failures: string[] = [];
  if (m.timedOut) failures.push(`not finished within the timeout: ${completed} of ${contacts} callbacks completed`);
  if (blocked !== contacts) failures.push(`${contacts - blocked} of ${contacts} executions were not acknowledged with 200 BLOCK (${JSON.stringify(ackStatuses)})`);
  if (doubleCompletions > 0 || completedTwice > 0) failures.push(`${completedTwice} callbacks completed more than once (${doubleCompletions} extra completion calls)`);
  if (unknownCompletions > 0) failures.push(`${unknownCompletions} completions named a callback HubSpot never issued`);
  if (violations.length) failures.push(`${violations.length} property values somebody already had were overwritten`);
  if (missing) failures.push(`${missing} contacts disappeared from the portal`);
  if (billed > unique || duplicates.length) failures.push(`${billed} billed calls for ${unique} unique billable lookups (${duplicates.length} lookups billed twice)`);
  if (deadItems) failures.push(`${deadItems} HubSpot writes given up (dead outbox items)`);
  if (!m.timedOut && pendingItems) failures.push(`${pendingItems} HubSpot writes still pending at the end`);

  const accept = dist(m.acceptMs);
  const reachedHandler = dist(m.serverSide.map((x) => x[0]).filter(Number.isFinite));
  const serverSide = dist(m.serverSide.map((x) => x[1]));
  const bs = m.burst.sampler;
  const bdb = m.burst.db;
  const json = {
    generated_at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      load_average_1_5_15_before: m.loadAverage.before.map(round2),
      load_average_1_5_15_after: m.loadAverage.after.map(round2),
    },
    backend: m.backend,
    // Read when the bench started (the code it loaded), not when it ended.
    engine_source: m.engineSource,
    // --- the keys the issue asks for
    contacts,
    ack_p50_ms: ack.p50,
    ack_p99_ms: ack.p99,
    hubspot_api_calls: apiCalls,
    hubspot_api_calls_per_contact: round3(perContact),
    hubspot_429s: hubspot429s,
    callbacks_completed: completed,
    wall_ms: wallMs,
    cap_floor_ms: capFloorMs,
    billed_calls: billed,
    unique_billable_lookups: unique,
    // --- also asked for
    install_calls: m.installCalls.length,
    ui_reads: Object.fromEntries(m.uiReads.map((u) => [u.route, { status: u.status, bytes: u.bytes, ms: dist(u.ms) }])),
    ui_max_bytes: Math.max(0, ...m.uiReads.map((u) => u.bytes)),
    ui_max_ms: r1(Math.max(0, ...m.uiReads.flatMap((u) => u.ms))),
    wall_ms_per_cap_floor_ms: wallPerFloor,
    double_completions: doubleCompletions,
    write_policy_violations: violations.length,
    contacts_written: written,
    outbox_batches: batches,
    targets,
    correctness: { passed: failures.length === 0, failures },
    // --- detail
    run: {
      enroll_concurrency: m.enrollConcurrency,
      action_fields: ACTION_FIELDS,
      domains: m.domains,
      timed_out: m.timedOut,
      config: m.config,
      vendor_caps_per_s: m.caps,
      vendor_faults: FAULTS,
      bench_total_ms: m.totalMs,
    },
    ack: {
      ms: ack,
      all_acknowledged_after_ms: ackWindowMs,
      acknowledgements_per_s: ackWindowMs > 0 ? round2((ex.length / ackWindowMs) * 1000) : null,
      by_status: ackStatuses,
      executions_retried_by_hubspot: retriedAcks,
      attempts_sent: attempts.length,
      failed_attempts: failedAttempts,
      first_send_to_final_answer_ms: endToEnd,
      attempts_by_send_second: perSecond,
      little_law_ms: ackWindowMs > 0 ? r1(m.enrollConcurrency / (ex.length / ackWindowMs)) : null,
      sent_to_handler_ms: reachedHandler,
      server_side_ms: serverSide,
      trigger_accept_ms: accept,
      tcp_connections_accepted: m.connections,
      during_burst: {
        engine_event_loop_delay_ms: bs.eventLoopDelayMs,
        engine_event_loop_utilization: bs.eventLoopUtilization,
        engine_timer_gaps: bs.timerGaps,
        engine_cpu_ms: bs.cpuMs,
        db_statements: bdb.statements,
        db_connection_busy_ms: bdb.connectionBusyMs,
        db_connection_busy_share: ackWindowMs > 0 ? round2(bdb.connectionBusyMs / ackWindowMs) : null,
        db_acquire_wait_ms: bdb.acquireWaitMs,
        db_pending_acquires_sampled: bs.dbPendingAcquires,
        queue_statements_pg_boss_on_shared_connection: m.burst.queueDb,
        db_top_statements: bdb.top.slice(0, 12),
      },
    },
    hubspot: {
      calls_after_install: apiCalls,
      calls_by_endpoint: byEndpoint,
      install_calls_by_endpoint: installByEndpoint,
      install_429s: install429s,
      callbacks: {
        executions: cbs.length,
        completed,
        pending: cbs.filter((c) => c.state === 'pending').length,
        expired: cbs.filter((c) => c.state === 'expired').length,
        completed_more_than_once: completedTwice,
        double_completions: doubleCompletions,
        unknown_completions: unknownCompletions,
        outputs_by_status: outputsByStatus,
        outputs_by_execution_state: outputsByState,
        run_finished_to_callback_completed_ms: dist(callbackLag),
      },
      sandbox_process: { cpu_ms: m.hubspotUsage.cpuMs, event_loop_utilization: m.hubspotUsage.eventLoopUtilization, rss_mb: r1(m.hubspotUsage.rssBytes / 1048576) },
    },
    write_policy: {
      contacts_with_typed_in_values: presetContacts,
      of_which_a_vendor_offered_a_different_value: presetChallenged,
      violations: violations.length,
      violation_examples: violations.slice(0, 10),
      contacts_missing: missing,
      contacts_written: written,
      contacts_with_crm_fields_filled: crmFilled,
      properties_filled: filledByProperty,
    },
    engine: {
      runs: m.runs.length,
      runs_by_status: runsByStatus,
      triggers: m.triggers,
      runs_finished_per_s: runsPerSecond,
      first_run_finished_after_ms: Number.isFinite(firstRunFinishedAt) ? firstRunFinishedAt - m.enroll.startedAt : null,
      last_run_finished_after_ms: Number.isFinite(lastRunFinishedAt) ? lastRunFinishedAt - m.enroll.startedAt : null,
      last_run_finished_to_last_callback_ms: Number.isFinite(lastRunFinishedAt) && lastCompletedAt > 0 ? lastCompletedAt - lastRunFinishedAt : null,
      run_timings_ms: { queue_wait: dist(queueWait), duration: dist(runDuration), execution: dist(runExec) },
      timeline_runs_finished_per_s: finishesPerSecond,
      outbox,
      flusher: m.flusher,
      process: {
        cpu_ms: m.whole.cpuMs,
        cores_used: wallMs > 0 ? round2(m.whole.cpuMs / wallMs) : null,
        event_loop_utilization: m.whole.eventLoopUtilization,
        event_loop_delay_ms: m.whole.eventLoopDelayMs,
        timer_gaps: m.whole.timerGaps,
        peak_rss_mb_engine: m.whole.peakSelfRssMb,
        peak_rss_mb_children: m.whole.peakChildRssMb,
      },
      database_after_burst: m.afterBurstDb
        ? { statements: m.afterBurstDb.statements, connection_busy_ms: m.afterBurstDb.connectionBusyMs, acquire_wait_ms: m.afterBurstDb.acquireWaitMs }
        : null,
      log_lines: m.logLines,
    },
    vendors: {
      billed_calls: billed,
      unique_billable_lookups: unique,
      lookups_billed_twice: duplicates,
      limit_signals: vendor429s,
      http_calls: sims.apollo.requests.length + sims.hunter.requests.length,
      billing: {
        apollo: { billed_calls: sims.apollo.billing.billedCalls, unique: sims.apollo.billing.uniqueLookups, per_operation: sims.apollo.billing.perOperation },
        hunter: { billed_calls: sims.hunter.billing.billedCalls, unique: sims.hunter.billing.uniqueLookups, free_repeats: sims.hunter.billing.freeRepeats, per_operation: sims.hunter.billing.perOperation },
      },
      faults_injected: { apollo: sims.apollo.faultsInjected, hunter: sims.hunter.faultsInjected },
      cap_floor: {
        cap_floor_ms: capFloorMs,
        binding_endpoint: `${binding.vendor} ${binding.path}`,
        endpoints: eps.map(({ firstAt, lastAt, ...e }) => ({
          ...e,
          first_call_after_ms: firstAt === null ? null : firstAt - m.enroll.startedAt,
          last_call_after_ms: lastAt === null ? null : lastAt - m.enroll.startedAt,
        })),
      },
      simulator_process: { cpu_ms: Math.round(sims.cpuMs), event_loop_utilization: round2(sims.eventLoopUtilization) },
    },
  };

  const yes = (b: boolean) => (b ? 'yes' : '**no**');
  const rows: string[][] = [
    ['contacts', fmt(contacts), '', ''],
    ['ack_p50_ms', String(ack.p50), '', ''],
    ['ack_p99_ms', String(ack.p99), '≤ 25', yes(targets.ack_p99_ms.met)],
    ['hubspot_api_calls (after install)', fmt(apiCalls), '', ''],
    ['hubspot_api_calls_per_contact', perContact.toFixed(3), '≤ 0.04', yes(targets.hubspot_api_calls_per_contact.met)],
    ['hubspot_429s', fmt(hubspot429s), '= 0', yes(targets.hubspot_429s.met)],
    ['callbacks_completed', fmt(completed), `= ${fmt(contacts)}`, yes(targets.callbacks_completed.met)],
    ['double_completions', fmt(doubleCompletions), '= 0 (correctness)', yes(doubleCompletions === 0 && completedTwice === 0)],
    ['write_policy_violations', `${fmt(violations.length)} (${fmt(presetChallenged)} of ${fmt(presetContacts)} typed-in contacts got a different vendor value)`, '= 0 (correctness)', yes(violations.length === 0)],
    ['billed_calls / unique_billable_lookups', `${fmt(billed)} / ${fmt(unique)}`, 'equal (correctness)', yes(billed <= unique && duplicates.length === 0)],
    ['wall_ms (first enrolment → last callback)', fmt(wallMs), '', ''],
    ['cap_floor_ms', fmt(capFloorMs), '', ''],
    ['wall_ms / cap_floor_ms', wallPerFloor === null ? 'n/a' : wallPerFloor.toFixed(2), '', ''],
    ['install_calls', fmt(m.installCalls.length), '', ''],
    ['contacts_written (cascade_status set)', fmt(written), '', ''],
  ];
  const table = ['| metric | value | target | met? |', '|---|---:|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const batchTable = [
    '| outbox kind | endpoint | calls | items | mean items / call | full (100) |',
    '|---|---|---:|---:|---:|---:|',
    ...Object.entries(batches).map(([k, b]) => `| ${k} | \`${b.endpoint}\` | ${fmt(b.calls)} | ${fmt(b.items)} | ${b.mean_items} | ${fmt(b.full_batches)} |`),
  ].join('\n');
  const met = Object.values(targets).filter((t) => t.met).length;
  const c = m.config;
  const markdown = `# End-to-end benchmark (\`npm run bench:e2e\`)

Generated ${json.generated_at} (engine at ${json.engine_source.commit}${json.engine_source.uncommitted.length ? ` + ${json.engine_source.uncommitted.length} uncommitted file(s)` : ''}) on ${json.machine.cpus} CPU(s) (${json.machine.cpu_model}), Node ${json.machine.node}; database **${m.backend}**; load average before/after ${json.machine.load_average_1_5_15_before.join(', ')} / ${json.machine.load_average_1_5_15_after.join(', ')} (other work on the machine shows here).

${fmt(contacts)} contacts in one sandbox HubSpot portal (${fmt(presetContacts)} with a job title and phone a user typed in), enrolled in one burst by the portal's workflow emulator (${m.enrollConcurrency} executions in flight, signed v2 + v3, the emulator in its own process timing each acknowledgement) into Cascade's "Enrich contact" action asking for ${ACTION_FIELDS}. Cascade installed through OAuth, settings as shipped: ${c.WORKER_CONCURRENCY} workers, outbox delay ${fmt(c.OUTBOX_FLUSH_DELAY_MS as number)} ms, ${c.HUBSPOT_CALLS_PER_10S} HubSpot calls / 10 s, vendor batch window ${fmt(c.VENDOR_BATCH_WINDOW_MS as number)} ms, vendor timeout ${fmt(c.VENDOR_TIMEOUT_MS as number)} ms. Apollo and Hunter simulators (own process) with the engine benchmark's per-second caps and faults (${FAULTS.error5xx * 100}% 5xx, ${FAULTS.timeout * 100}% timeouts).

Targets met: ${met} of 4. Correctness: ${failures.length ? `**FAILED** — ${failures.join('; ')}` : 'passed (no double completion, no overwritten value, no lookup billed twice, no write lost)'}.

${table}

## The card and the settings page after the run

Each read ${m.uiReads[0]?.ms.length ?? 0} times through a signed \`hubspot.fetch\` (hubspot.fetch allows 1 MB and 15 s): ${m.uiReads.map((u) => `\`${u.route}\` ${u.status}, ${fmt(Math.round(u.bytes / 102.4) / 10)} KB, p50 ${fmt(dist(u.ms).p50)} / max ${fmt(dist(u.ms).max)} ms`).join('; ')}.

## HubSpot calls and outbox batches

${fmt(apiCalls)} calls after the install (${Object.entries(byEndpoint).map(([k, v]) => `\`${k}\` ${fmt(v.calls)}`).join(', ')}); the install itself made ${fmt(m.installCalls.length)} (${Object.entries(installByEndpoint).map(([k, v]) => `\`${k}\` ${v}`).join(', ')}).

${batchTable}

Outbox wait (queued → sent) p50/p99: ${Object.entries(outbox).map(([k, o]) => `${k} ${fmt(o.wait_ms.p50)}/${fmt(o.wait_ms.p99)} ms`).join('; ')}. Run finished → callback completed p50/p99: ${fmt(json.hubspot.callbacks.run_finished_to_callback_completed_ms.p50)}/${fmt(json.hubspot.callbacks.run_finished_to_callback_completed_ms.p99)} ms.

## Acknowledgements

- As HubSpot saw them: p50 ${ack.p50} ms, p90 ${ack.p90} ms, p99 ${ack.p99} ms, max ${ack.max} ms; all ${fmt(ex.length)} acknowledged ${fmt(ackWindowMs)} ms after the first was sent (${json.ack.acknowledgements_per_s ?? 'n/a'}/s); ${fmt(retriedAcks)} retried by HubSpot; answers ${Object.entries(ackStatuses).map(([k, v]) => `${k} × ${fmt(v)}`).join(', ')}.
- Every attempt: ${fmt(attempts.length)} sent for ${fmt(ex.length)} executions; failed or refused: ${Object.keys(failedAttempts).length ? Object.entries(failedAttempts).map(([k, v]) => `${k} × ${fmt(v.attempts)} (after p50 ${fmt(v.ms.p50)} ms)`).join(', ') : 'none'}; first send → final answer p50 ${endToEnd.p50} / p99 ${endToEnd.p99} / max ${endToEnd.max} ms. With ${m.enrollConcurrency} kept in flight, the mean acknowledgement can be no shorter than ${m.enrollConcurrency} ÷ ${json.ack.acknowledgements_per_s ?? 'n/a'}/s ≈ ${fmt(json.ack.little_law_ms)} ms over most of the burst (Little's law): a p99 ≤ 25 ms at this concurrency needs ≥ ${fmt(Math.round(m.enrollConcurrency / 0.025))} acknowledgements/s.
- Inside Cascade: a request reached the action's handler p50 ${reachedHandler.p50} / p99 ${reachedHandler.p99} ms after HubSpot sent it (waiting for the event loop to accept the connection and read the request; ${fmt(m.connections)} connections accepted); the server held each request p50 ${serverSide.p50} / p99 ${serverSide.p99} ms, of which accepting the trigger (database) p50 ${accept.p50} / p99 ${accept.p99} ms. During the burst the engine's event loop was ${bs.eventLoopUtilization} utilised, delay p99 ${bs.eventLoopDelayMs.p99} ms (max ${bs.eventLoopDelayMs.max} ms), ${fmt(bs.timerGaps.over100msCount)} stalls over 100 ms; the database connection(s) were busy ${fmt(bdb.connectionBusyMs)} ms in ${fmt(ackWindowMs)} ms, checkout wait p99 ${bdb.acquireWaitMs.p99} ms (max ${bdb.acquireWaitMs.max} ms), ${fmt(bdb.statements)} knex statements.

## Engine

- Runs: ${Object.entries(runsByStatus).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}; ${json.engine.runs_finished_per_s} finished per second; queue wait p50/p99 ${fmt(json.engine.run_timings_ms.queue_wait.p50)}/${fmt(json.engine.run_timings_ms.queue_wait.p99)} ms, execution p50/p99 ${fmt(json.engine.run_timings_ms.execution.p50)}/${fmt(json.engine.run_timings_ms.execution.p99)} ms.
- Vendors: ${fmt(json.vendors.http_calls)} HTTP calls, ${fmt(billed)} billed for ${fmt(unique)} unique billable lookups, ${fmt(vendor429s)} limit signals. cap_floor_ms = max over endpoints of (calls needed ÷ cap × 1 s), as in the engine benchmark, Apollo's bulk endpoints included; binding: ${binding.vendor} ${binding.path} (${fmt(binding.callsNeeded)} calls at ${binding.limit}/s).
- Engine process: ${fmt(m.whole.cpuMs)} ms CPU in ${fmt(wallMs)} ms (${json.engine.process.cores_used} cores), event-loop utilisation ${m.whole.eventLoopUtilization}; peak RSS ${m.whole.peakSelfRssMb} MB (children ${m.whole.peakChildRssMb} MB). HubSpot sandbox process: ${fmt(m.hubspotUsage.cpuMs)} ms CPU; vendor simulators: ${fmt(Math.round(sims.cpuMs))} ms CPU.
- Write policy: ${fmt(violations.length)} overwritten values; ${fmt(written)} contacts got Cascade's properties, ${fmt(crmFilled)} had CRM fields filled (${Object.entries(filledByProperty).filter(([k]) => !k.startsWith('cascade_')).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}).

Full figures are in e2e${m.backend === 'postgres' ? '-postgres' : ''}.json.
`;
  const summary = `${table}\n\n${batchTable}\n`;
  return { json, markdown, summary, failures };
}
