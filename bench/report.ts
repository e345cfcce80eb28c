// Turns the two phases' measurements into bench/results/engine.json and the markdown table beside it.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import type { CallRecord, EnginePhase } from './engine-run.ts';
import type { NaiveResult } from './naive-baseline.ts';
import type { SimSnapshot } from './sims.ts';
import { endpointStats, sharedBucketFloors, timeline } from './metrics.ts';
import { round2, round3 } from './probes.ts';
import type { BenchCaps, Workload } from './workload.ts';
import { FAULTS, WINDOW_MS } from './workload.ts';

export interface ReportInput {
  workload: Workload;
  caps: BenchCaps;
  engine: EnginePhase;
  naive: { result: NaiveResult; sims: SimSnapshot; peakTreeRssMb: number } | null;
  totalMs: number;
  /** os.loadavg() before and after: other work on the machine shows here. */
  loadAverage: { before: number[]; after: number[] };
}

const billed = (s: SimSnapshot) => s.apollo.billing.billedCalls + s.hunter.billing.billedCalls;
const unique = (s: SimSnapshot) => s.apollo.billing.uniqueLookups + s.hunter.billing.uniqueLookups;
const signals = (s: SimSnapshot) => s.apollo.limitSignals + s.hunter.limitSignals;
const httpCalls = (s: SimSnapshot) => s.apollo.requests.length + s.hunter.requests.length;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0;
}

/** The engine's view of its vendor calls per operation: outcomes, client-side timeouts, latency. */
function callAnalysis(calls: CallRecord[], sims: SimSnapshot) {
  const byOp = new Map<string, CallRecord[]>();
  for (const c of calls) byOp.set(`${c[2]}.${c[3]}`, [...(byOp.get(`${c[2]}.${c[3]}`) ?? []), c]);
  const injectedTimeouts = sims.apollo.faultsInjected.timeout + sims.hunter.faultsInjected.timeout;
  const clientTimeouts = calls.filter((c) => c[6]).length;
  return {
    client_timeouts: clientTimeouts,
    injected_timeouts: injectedTimeouts,
    spurious_timeouts: clientTimeouts - injectedTimeouts,
    by_operation: Object.fromEntries(
      [...byOp.entries()].map(([op, cs]) => {
        const outcomes: Record<string, number> = {};
        for (const c of cs) outcomes[c[5] === 0 ? `${c[4]} (no answer)` : c[4]] = (outcomes[c[5] === 0 ? `${c[4]} (no answer)` : c[4]] ?? 0) + 1;
        const lat = cs.filter((c) => c[5] !== 0).map((c) => c[1] - c[0]).sort((a, b) => a - b);
        return [op, { calls: cs.length, outcomes, answered_latency_ms: { p50: pct(lat, 0.5), p95: pct(lat, 0.95), p99: pct(lat, 0.99), max: lat[lat.length - 1] ?? 0 } }];
      }),
    ),
  };
}

/** For each lookup billed twice: the simulator's log of its requests and what the engine made of each. */
function duplicateForensics(sims: SimSnapshot, calls: CallRecord[], t0: number) {
  const dups = [
    ...sims.apollo.billing.duplicates.map((d) => ({ vendor: 'apollo' as const, ...d })),
    ...sims.hunter.billing.duplicates.map((d) => ({ vendor: 'hunter' as const, ...d })),
  ];
  return dups.slice(0, 20).map((d) => {
    const segments = d.id.split('|'); // key|operation|lookup (the lookup may itself contain '|')
    const operation = segments[1] ?? '';
    const lookup = segments.slice(2).join('|');
    const parts = lookup.slice(lookup.indexOf(':') + 1).toLowerCase().split('|').filter(Boolean);
    const requests = sims[d.vendor].requests.filter((r) => {
      const asked = r[4].toLowerCase();
      return parts.every((p) => asked.includes(p));
    });
    return {
      vendor: d.vendor,
      operation,
      lookup,
      times_billed: d.times,
      requests: requests.map((r) => {
        // The engine's call of this lookup that was under way when the request arrived.
        const seen = calls
          .filter((c) => c[2] === d.vendor && c[3] === operation && c[7].toLowerCase() === lookup.toLowerCase() && c[0] <= r[0] + 5)
          .sort((a, b) => b[0] - a[0])[0];
        return {
          arrived_after_ms: r[0] - t0,
          status: r[2],
          fault: r[3],
          engine_outcome: seen ? `${seen[4]}${seen[6] ? ' (client timeout)' : ''}` : 'unmatched',
          engine_wait_ms: seen ? seen[1] - seen[0] : null,
        };
      }),
    };
  });
}

/** Which engine was measured: the commit and any uncommitted changes under server/ and sandbox/. */
function sourceState(): { commit: string; uncommitted: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const status = git('status', '--porcelain', '--', 'server', 'sandbox', 'migrations');
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommitted: status ? status.split('\n').map((l) => l.trim()) : [] };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

export function buildReport(input: ReportInput): { json: Record<string, unknown>; markdown: string; summary: string } {
  const { workload, caps, engine, naive } = input;
  const sims = engine.sims;
  const contacts = workload.contacts.length;
  const eps = endpointStats(sims, caps);
  const shared = sharedBucketFloors(eps);
  const capFloorMs = Math.max(...eps.map((e) => e.floorMs));
  const uniqueFloorMs = Math.max(...eps.map((e) => e.uniqueFloorMs));
  const bindingEndpoint = eps.reduce((a, b) => (b.floorMs > a.floorMs ? b : a));
  const engineBucketFloorMs = Math.max(...shared.map((g) => g.floorMs));
  const wallMs = engine.lastFinishedAt - engine.firstAcceptedAt;
  const billedCalls = billed(sims);
  const uniqueLookups = unique(sims);
  const vendor429s = signals(sims);
  const duplicates = [...sims.apollo.billing.duplicates, ...sims.hunter.billing.duplicates];
  const cacheStepHits = engine.steps.filter((s) => s.source === 'cache').reduce((n, s) => n + s.steps, 0);
  const lastVendorCallAt = Math.max(...eps.map((e) => e.lastAt ?? 0));
  const firstVendorCallAt = Math.min(...eps.map((e) => e.firstAt ?? Infinity));
  const ratio = uniqueLookups ? billedCalls / uniqueLookups : 0;
  const wallRatio = capFloorMs ? wallMs / capFloorMs : 0;
  const naiveBilled = naive ? billed(naive.sims) : null;
  const naiveSignals = naive ? signals(naive.sims) : null;
  const naiveUnique = naive ? unique(naive.sims) : null;

  const targets = {
    // Met only when no lookup was paid twice: 3,157 / 3,153 would still round to 1.00.
    billed_per_unique: {
      target: '= 1.00',
      value: round3(ratio),
      detail: `${billedCalls} billed / ${uniqueLookups} unique, ${duplicates.length} lookup(s) billed twice`,
      met: billedCalls === uniqueLookups && duplicates.length === 0,
    },
    vendor_429s: { target: '= 0', value: vendor429s, detail: `${vendor429s} limit signal(s)`, met: vendor429s === 0 },
    wall_per_cap_floor: {
      target: '≤ 1.10',
      value: round2(wallRatio),
      detail: `${wallMs} ms / ${capFloorMs} ms`,
      met: wallRatio <= 1.1,
    },
  };

  const json = {
    generated_at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: process.platform,
      load_average_1_5_15_before: input.loadAverage.before.map(round2),
      load_average_1_5_15_after: input.loadAverage.after.map(round2),
    },
    backend: engine.backend,
    engine_source: sourceState(),
    // --- the keys the issue asks for
    contacts,
    unique_billable_lookups: uniqueLookups,
    billed_calls: billedCalls,
    naive_billed_calls: naiveBilled,
    vendor_429s: vendor429s,
    naive_vendor_429s: naiveSignals,
    wall_ms: wallMs,
    cap_floor_ms: capFloorMs,
    peak_rss_mb: engine.sampler.peakTreeRssMb,
    cpu_ms_per_enrichment: round2(engine.sampler.cpuMs / contacts),
    // --- also asked for at the top level
    duplicates,
    naive_wall_ms: naive ? naive.result.wallMs : null,
    cache_hits: cacheStepHits,
    runs_by_status: engine.runsByStatus,
    vendor_http_calls: httpCalls(sims),
    naive_vendor_http_calls: naive ? httpCalls(naive.sims) : null,
    coalesced_triggers: Object.values(engine.triggers.byKind).reduce((n, k) => n + k.coalesced, 0),
    duplicate_triggers_recognised: Object.values(engine.triggers.byKind).reduce((n, k) => n + k.duplicate, 0),
    // --- ratios and targets
    ratios: {
      billed_calls_per_unique: round3(ratio),
      naive_billed_calls_per_unique: naiveBilled !== null && uniqueLookups ? round2(naiveBilled / uniqueLookups) : null,
      naive_billed_calls_per_own_distinct_billed_lookups: naiveBilled !== null && naiveUnique ? round2(naiveBilled / naiveUnique) : null,
      wall_ms_per_cap_floor_ms: round2(wallRatio),
      wall_ms_per_unique_lookup_floor_ms: uniqueFloorMs ? round2(wallMs / uniqueFloorMs) : null,
      wall_ms_per_engine_bucket_floor_ms: engineBucketFloorMs ? round2(wallMs / engineBucketFloorMs) : null,
      vendor_429s_engine_vs_naive: `${vendor429s} vs ${naiveSignals ?? 'n/a'}`,
    },
    targets,
    // --- what was run
    workload: {
      triggers: workload.triggers.length,
      distinct_contacts: contacts,
      domains: workload.counts.domains,
      contacts_with_email: workload.counts.contactsWithEmail,
      original_triggers: workload.counts.original,
      duplicate_triggers: workload.counts.retry + workload.counts.recontact,
      duplicate_exact_retries: workload.counts.retry,
      duplicate_new_triggers_same_contact: workload.counts.recontact,
      groups: 'workflow: email, person, company, email_verification; card re-trigger: person, company',
      seed: workload.options.seed,
    },
    caps: {
      note:
        'Same windows on the simulators (what the vendor enforces) and in the portal settings rate_limits (what the engine is told). ' +
        "Apollo's minute window is shortened to 1 s (hour/day windows off); Hunter's second window is the cap and its minute window is 60x it.",
      window_ms: WINDOW_MS,
      per_endpoint_per_second: {
        'apollo people/match': caps.apolloPeopleMatch,
        'apollo organizations/enrich': caps.apolloOrganizationEnrich,
        'hunter email-finder': caps.hunterGeneral,
        'hunter people/find': caps.hunterGeneral,
        'hunter companies/find': caps.hunterGeneral,
        'hunter email-verifier': caps.hunterVerifier,
      },
      hunter_minute_windows: { general: caps.hunterGeneral * 60, verifier: caps.hunterVerifier * 60 },
      faults: { ...FAULTS, on: 'both simulators' },
      simulator_other: 'latency 5-25 ms (default); Hunter smtpFailure share 0; slowVerify 5% (202 then 200) and opted-out 1% (451) at their defaults',
    },
    engine_config: {
      ...engine.config,
      trigger_feed_concurrency: engine.triggerConcurrency,
      trigger_feed_yields_between_triggers: engine.yieldBetweenTriggers,
    },
    // --- engine detail
    engine: {
      wall_ms: wallMs,
      first_trigger_accepted_at: new Date(engine.firstAcceptedAt).toISOString(),
      last_run_finished_at: new Date(engine.lastFinishedAt).toISOString(),
      cap_floor_ms: capFloorMs,
      cap_floor_binding_endpoint: `${bindingEndpoint.vendor} ${bindingEndpoint.path}`,
      unique_lookup_floor_ms: uniqueFloorMs,
      engine_bucket_floor_ms: engineBucketFloorMs,
      engine_buckets: shared,
      accept_all_triggers_ms: engine.allAcceptedAt - engine.firstAcceptedAt,
      first_run_started_after_ms: engine.firstRunStartedAt === null ? null : engine.firstRunStartedAt - engine.firstAcceptedAt,
      first_vendor_call_after_ms: Number.isFinite(firstVendorCallAt) ? firstVendorCallAt - engine.firstAcceptedAt : null,
      last_vendor_call_to_last_run_finished_ms: engine.lastFinishedAt - lastVendorCallAt,
      poll_saw_done_after_last_finish_ms: engine.observedDoneAt - engine.lastFinishedAt,
      unfinished_runs: engine.unfinishedRuns,
      runs: engine.triggers.distinctRuns,
      runs_by_status: engine.runsByStatus,
      groups_requested_over_runs: engine.groups.requested,
      groups_filled_over_runs: engine.groups.filled,
      triggers: engine.triggers.byKind,
      coalesced_triggers: Object.values(engine.triggers.byKind).reduce((n, k) => n + k.coalesced, 0),
      duplicate_triggers_recognised: Object.values(engine.triggers.byKind).reduce((n, k) => n + k.duplicate, 0),
      run_timings_ms: engine.runTimingsMs,
      vendor_http_calls: httpCalls(sims),
      vendor_http_calls_by_endpoint: Object.fromEntries(eps.map((e) => [`${e.vendor}.${e.operation}`, e.requests])),
      cache_hits: cacheStepHits,
      cache_rows: engine.cacheRows,
      cache_hits_counted_in_vendor_cache: engine.cacheHits,
      billing: {
        apollo: { billed_calls: sims.apollo.billing.billedCalls, unique: sims.apollo.billing.uniqueLookups, per_operation: sims.apollo.billing.perOperation },
        hunter: {
          billed_calls: sims.hunter.billing.billedCalls,
          unique: sims.hunter.billing.uniqueLookups,
          free_repeats: sims.hunter.billing.freeRepeats,
          per_operation: sims.hunter.billing.perOperation,
        },
      },
      duplicates,
      duplicate_forensics: duplicateForensics(sims, engine.calls, engine.firstAcceptedAt),
      vendor_calls_as_seen_by_engine: callAnalysis(engine.calls, sims),
      limit_signals: { apollo_429: sims.apollo.limitSignals, hunter_403_or_429: sims.hunter.limitSignals },
      faults_injected: { apollo: sims.apollo.faultsInjected, hunter: sims.hunter.faultsInjected },
      endpoints: eps.map(({ firstAt, lastAt, ...e }) => ({
        ...e,
        first_call_after_ms: firstAt === null ? null : firstAt - engine.firstAcceptedAt,
        last_call_after_ms: lastAt === null ? null : lastAt - engine.firstAcceptedAt,
      })),
      steps: engine.steps,
      rate_gate: engine.gate,
      process: {
        cpu_ms: engine.sampler.cpuMs,
        event_loop_utilization: engine.sampler.eventLoopUtilization,
        event_loop_delay_ms: engine.sampler.eventLoopDelayMs,
        timer_gaps: engine.sampler.timerGaps,
        peak_rss_mb_engine_process: engine.sampler.peakSelfRssMb,
        peak_rss_mb_simulator_process: engine.sampler.peakChildRssMb,
        simulator_cpu_ms: Math.round(sims.cpuMs),
        simulator_event_loop_utilization: round2(sims.eventLoopUtilization),
      },
      database: {
        ...engine.db,
        connection_busy_share_of_wall: wallMs ? round2(engine.db.connectionBusyMs / wallMs) : null,
        pending_acquires_sampled: engine.sampler.dbPendingAcquires,
        queue_statements_pg_boss: engine.queueDb,
      },
      log_lines: engine.logLines,
      timeline_requests_per_s: timeline(sims, caps, engine.firstAcceptedAt),
      timeline_run_starts_per_s: engine.runStartsPerSecond,
      kept_data_dir: engine.keptDataDir,
    },
    naive: naive
      ? {
          wall_ms: naive.result.wallMs,
          billed_calls: naiveBilled,
          unique_billable_lookups: naiveUnique,
          vendor_429s: naiveSignals,
          vendor_http_calls: httpCalls(naive.sims),
          limit_signals: { apollo_429: naive.sims.apollo.limitSignals, hunter_403_or_429: naive.sims.hunter.limitSignals },
          duplicates_billed: naive.sims.apollo.billing.duplicates.length + naive.sims.hunter.billing.duplicates.length,
          extra_billings: [...naive.sims.apollo.billing.duplicates, ...naive.sims.hunter.billing.duplicates].reduce((n, d) => n + d.times - 1, 0),
          hunter_free_repeats: naive.sims.hunter.billing.freeRepeats,
          contact_tries: naive.result.tries,
          triggers_retried: naive.result.retriedTriggers,
          outcomes: naive.result.outcomes,
          triggers_by_status: naive.result.statuses,
          groups_requested_over_triggers: naive.result.groupsRequested,
          groups_filled_over_triggers: naive.result.groupsFilled,
          cpu_ms: naive.result.cpuMs,
          cpu_ms_per_trigger: round2(naive.result.cpuMs / workload.triggers.length),
          peak_rss_mb: naive.peakTreeRssMb,
          faults_injected: { apollo: naive.sims.apollo.faultsInjected, hunter: naive.sims.hunter.faultsInjected },
        }
      : null,
    bench_total_ms: input.totalMs,
  };

  const yes = (b: boolean) => (b ? 'yes' : '**no**');
  const fmt = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : n.toLocaleString('en-US'));
  const enriched = (r: Record<string, number>) => `${fmt(r.enriched ?? 0)} / ${fmt(r.partial ?? 0)} / ${fmt(r.not_found ?? 0)} / ${fmt(r.suppressed ?? 0)} / ${fmt(r.failed ?? 0)}`;
  const rows: string[][] = [
    ['contacts (distinct) / triggers', `${fmt(contacts)} / ${fmt(workload.triggers.length)}`, `${fmt(contacts)} / ${fmt(workload.triggers.length)}`, '', ''],
    ['unique_billable_lookups', fmt(uniqueLookups), fmt(naiveUnique), '', ''],
    ['billed_calls', fmt(billedCalls), fmt(naiveBilled), '', ''],
    [
      'billed_calls / unique_billable_lookups',
      ratio.toFixed(3),
      naiveBilled !== null && uniqueLookups && naiveUnique
        ? `${(naiveBilled / uniqueLookups).toFixed(2)} (${(naiveBilled / naiveUnique).toFixed(2)} of its own distinct lookups)`
        : 'n/a',
      '= 1.00',
      yes(targets.billed_per_unique.met),
    ],
    ['lookups billed more than once', fmt(duplicates.length), naive ? fmt(json.naive!.duplicates_billed) : 'n/a', '0', yes(duplicates.length === 0)],
    ['vendor_429s (limit signals)', fmt(vendor429s), fmt(naiveSignals), '= 0', yes(targets.vendor_429s.met)],
    ['vendor HTTP calls', fmt(httpCalls(sims)), naive ? fmt(httpCalls(naive.sims)) : 'n/a', '', ''],
    ['wall_ms', fmt(wallMs), naive ? fmt(naive.result.wallMs) : 'n/a', '', ''],
    ['cap_floor_ms', fmt(capFloorMs), '', '', ''],
    ['wall_ms / cap_floor_ms', wallRatio.toFixed(2), '', '≤ 1.10', yes(targets.wall_per_cap_floor.met)],
    ['cache hits (steps served from cache)', fmt(cacheStepHits), '0 (no cache)', '', ''],
    ['triggers coalesced / recognised as duplicates', `${fmt(json.engine.coalesced_triggers)} / ${fmt(json.engine.duplicate_triggers_recognised)}`, '0 / 0', '', ''],
    [
      'requested groups filled',
      `${fmt(engine.groups.filled)} of ${fmt(engine.groups.requested)} (over runs)`,
      naive ? `${fmt(naive.result.groupsFilled)} of ${fmt(naive.result.groupsRequested)} (over triggers)` : 'n/a',
      '',
      '',
    ],
    ['enriched / partial / not_found / suppressed / failed', `${enriched(engine.runsByStatus)} (runs)`, naive ? `${enriched(naive.result.statuses)} (triggers)` : 'n/a', '', ''],
    ['peak_rss_mb (process tree)', String(engine.sampler.peakTreeRssMb), naive ? String(naive.peakTreeRssMb) : 'n/a', '', ''],
    ['cpu_ms_per_enrichment', round2(engine.sampler.cpuMs / contacts).toFixed(2), naive ? `${round2(naive.result.cpuMs / contacts).toFixed(2)}` : 'n/a', '', ''],
  ];
  const table = [
    '| metric | engine | naive | target | met? |',
    '|---|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const capsTable = [
    '| endpoint | cap (per 1 s window) | calls needed (engine) | of which 5xx / timeouts | distinct lookups | floor ms | windows used to the cap / spanned |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...eps.map(
      (e) =>
        `| ${e.vendor} ${e.path} | ${e.limit} | ${fmt(e.callsNeeded)} | ${e.faults5xx} / ${e.timeouts} | ${fmt(e.uniqueLookups)} | ${fmt(e.floorMs)} | ${e.windowsFull} / ${e.windowsSpanned} |`,
    ),
  ].join('\n');
  const p = json.engine.process;
  const d = json.engine.database;
  const spendStatements = d.top.filter((x) => /spend_/.test(x.sql)).reduce((n, x) => n + x.count, 0);
  const calls = json.engine.vendor_calls_as_seen_by_engine;
  const vendorSteps = engine.steps.filter((x) => x.source === 'vendor').reduce((n, x) => n + x.steps, 0);
  const answeredP50 = Math.max(...Object.values(calls.by_operation).map((o) => o.answered_latency_ms.p50));
  const stallShare = wallMs ? round2(p.timer_gaps.over100msTotalMs / wallMs) : 0;
  const nv = json.naive;
  const naiveSection = nv
    ? `## Naive baseline

- ${fmt(nv.contact_tries)} whole-contact tries for ${fmt(workload.triggers.length)} triggers (${fmt(nv.triggers_retried)} triggers needed more than one); ${fmt(nv.vendor_http_calls)} HTTP calls in ${fmt(nv.wall_ms)} ms; outcomes ${Object.entries(nv.outcomes).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}.
- ${fmt(nv.billed_calls)} billed calls for ${fmt(nv.unique_billable_lookups)} distinct billed lookups: ${fmt(nv.duplicates_billed)} lookups paid more than once (${fmt(nv.extra_billings)} extra charges; Hunter did not charge ${fmt(nv.hunter_free_repeats)} repeats, as its billing rules say). Limit signals: Apollo ${fmt(nv.limit_signals.apollo_429)} × 429, Hunter ${fmt(nv.limit_signals.hunter_403_or_429)} × 403/429.
- Result per trigger: ${Object.entries(nv.triggers_by_status).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}.

`
    : '';
  const met = Object.values(targets).filter((t) => t.met).length;
  const markdown = `# Engine benchmark (\`npm run bench\`)

Generated ${json.generated_at} (engine at ${json.engine_source.commit}${json.engine_source.uncommitted.length ? ` + ${json.engine_source.uncommitted.length} uncommitted file(s)` : ''}) on ${json.machine.cpus} CPU(s) (${json.machine.cpu_model}), Node ${json.machine.node}; engine database: **${engine.backend}**; load average before/after ${json.machine.load_average_1_5_15_before.join(', ')} / ${json.machine.load_average_1_5_15_after.join(', ')}.

Workload: ${fmt(workload.triggers.length)} triggers for one portal: ${fmt(workload.counts.original)} contacts over ${workload.counts.domains} company domains (${fmt(workload.counts.contactsWithEmail)} with an e-mail), plus ${fmt(workload.counts.retry)} exact retries of a workflow callback (same idempotency key) and ${fmt(workload.counts.recontact)} new card triggers for an already-triggered contact (different key). Workflow triggers ask for email, person, company and email_verification; card triggers for person and company. Faults on both simulators: ${FAULTS.error5xx * 100}% 5xx and ${FAULTS.timeout * 100}% timeouts (the engine gives up after ${engine.config.VENDOR_TIMEOUT_MS} ms).
Engine: ${engine.config.WORKER_CONCURRENCY} workers, step wait budget ${engine.config.STEP_WAIT_BUDGET_MS} ms, window guard ${engine.config.RATE_WINDOW_GUARD_MS} ms, ${engine.config.VENDOR_MAX_IN_FLIGHT} calls in flight per vendor key, triggers fed ${engine.triggerConcurrency} at a time${engine.yieldBetweenTriggers ? ' (the event loop turns between triggers, as with separate HTTP requests)' : ''}.
Naive baseline: the same ${fmt(workload.triggers.length)} triggers through the same adapters, ${engine.config.WORKER_CONCURRENCY} at a time, inline, whole-contact retry on any failure (3 tries), no cache, no dedupe, no pacing.

Targets met: ${met} of 3.

${table}

## Rate caps (the customer's plan: simulators and portal \`rate_limits\` alike)

${capsTable}

Hunter's minute windows are ${caps.hunterGeneral * 60}/min (general) and ${caps.hunterVerifier * 60}/min (verifier), i.e. never tighter than the per-second cap. cap_floor_ms = max over endpoints of (calls needed ÷ cap × 1 s), calls needed = every request in the simulator's log for that endpoint (injected failures and their retries included) except limit refusals; binding endpoint: ${bindingEndpoint.vendor} ${bindingEndpoint.path}. From distinct lookups only (no retries): ${fmt(uniqueFloorMs)} ms. The engine's rate gate keeps one budget per vendor key and endpoint, like the vendors; its own floor for these calls is ${fmt(engineBucketFloorMs)} ms (${shared.map((g) => `${g.operations.join(' + ')}: ${fmt(g.calls)} calls → ${fmt(g.floorMs)} ms`).join('; ')}).

## Where the engine's time went

- Trigger feed: all ${fmt(workload.triggers.length)} accepted within ${fmt(json.engine.accept_all_triggers_ms)} ms; first run started ${fmt(json.engine.first_run_started_after_ms)} ms and first vendor call ${fmt(json.engine.first_vendor_call_after_ms)} ms after the first trigger; the last run finished ${fmt(json.engine.last_vendor_call_to_last_run_finished_ms)} ms after the last vendor call.
- Runs: queue wait p50/p95 ${fmt(engine.runTimingsMs.queueWaitP50)}/${fmt(engine.runTimingsMs.queueWaitP95)} ms, execution p50/p95 ${fmt(engine.runTimingsMs.execP50)}/${fmt(engine.runTimingsMs.execP95)} ms; windows used to the cap: ${eps.map((e) => `${e.operation} ${e.windowsFull}/${e.windowsSpanned}`).join(', ')}.
- Engine process: ${fmt(p.cpu_ms)} ms CPU in ${fmt(wallMs)} ms wall (${wallMs ? round2(p.cpu_ms / wallMs) : 0} cores), event-loop utilisation ${p.event_loop_utilization}; a 10 ms timer saw ${fmt(p.timer_gaps.over100msCount)} gaps over 100 ms adding up to ${fmt(p.timer_gaps.over100msTotalMs)} ms (${stallShare} of wall), longest ${fmt(p.timer_gaps.maxMs)} ms. Simulator process: ${fmt(p.simulator_cpu_ms)} ms CPU.
- Vendor calls as the engine saw them: answered-call latency p50 up to ${fmt(answeredP50)} ms (the simulators answer in 5–25 ms); ${calls.client_timeouts} client timeouts for ${calls.injected_timeouts} injected (${calls.spurious_timeouts} spurious).
- Database: ${fmt(d.statements)} knex statements = ${round2(d.statements / contacts)} per contact and about ${vendorSteps ? round2(d.statements / vendorSteps) : 0} per vendor-calling step (${fmt(vendorSteps)} such steps); ${fmt(spendStatements)} of them (${d.statements ? round2(spendStatements / d.statements) : 0}) on spend accounting; ${fmt(d.acquisitions)} connection checkouts; connection busy ${fmt(d.connectionBusyMs)} ms (${d.connection_busy_share_of_wall} of wall); checkout wait mean/p99/max ${d.acquireWaitMs.mean}/${d.acquireWaitMs.p99}/${d.acquireWaitMs.max} ms${engine.queueDb ? `; pg-boss added ${fmt(engine.queueDb.statements)} statements (${fmt(engine.queueDb.statementMs)} ms) on the same connection` : ''}.
- Rate gate: ${fmt(engine.gate.granted)} tokens for ${fmt(httpCalls(sims))} HTTP calls, ${fmt(engine.gate.waits)} waits (${fmt(engine.gate.waitedMs)} ms summed over waiters), ${engine.gate.refused} refused, ${engine.gate.blocks} blocks after a vendor limit signal.
- cpu_ms_per_enrichment is the engine process's CPU (user + system, PGlite included when embedded) from the first trigger to the last finished run, divided by ${fmt(contacts)} contacts; peak_rss_mb is the sum of the engine and simulator processes, sampled every 100 ms.

${naiveSection}
Full figures, per-second request timelines and the forensics of any double billing are in engine.json.
`;
  const summary = `${table}\n\n${capsTable}\n`;
  return { json, markdown, summary };
}
