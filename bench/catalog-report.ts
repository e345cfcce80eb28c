// Turns the catalog benchmark's measurements into bench/results/vendors.json and vendors.md. Every
// vendor figure comes from the simulators' own request logs and billing counters; the engine's
// ledger (run_steps) only supplies what the same lookups would have cost unbatched, batch sizes,
// skips and the per-vendor check that the ledger agrees with the vendors' invoices.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import type { FieldGroup } from '../server/vendors/types.ts';
import type { CatalogEnginePhase, StepRow } from './vendors-bench.ts';
import type { CatalogRequest } from './catalog-sims.ts';
import { round2, round3 } from './probes.ts';
import { CATALOG_WATERFALL, FAULTS, SINGLE_CALL_REQUESTS, VENDOR_IDS, operationOfPath, requestKind, vendorBuckets } from './catalog-workload.ts';
import type { CapKnobs, CatalogPlan, CatalogWorkload, FullenrichBenchOptions, VendorId } from './catalog-workload.ts';

export interface CatalogReportInput {
  workload: CatalogWorkload;
  plan: CatalogPlan;
  caps: CapKnobs;
  fullenrich: FullenrichBenchOptions;
  fullenrichAsync: { pollAfterMs: number; pollEveryMs: number; giveUpAfterMs: number };
  engine: CatalogEnginePhase;
  totalMs: number;
  loadAverage: { before: number[]; after: number[] };
  /** The benchmark's knobs as run, with their defaults (the report names those that differ). */
  knobs: Record<string, { value: string | number; default: string | number }>;
}

export interface Target {
  target: string;
  value: number | null;
  detail: string;
  met: boolean;
}

/**
 * HTTP statuses that are a vendor's limit signal, to leave them out of the calls the rate windows
 * had to carry. NeverBounce's throttle is an HTTP 200 and cannot be told apart in the log (its
 * count is in `limitSignals` all the same).
 */
const LIMIT_STATUSES: Record<VendorId, readonly number[]> = {
  apollo: [429],
  hunter: [403, 429],
  pdl: [429],
  lusha: [429],
  zerobounce: [429],
  neverbounce: [],
  cognism: [429],
  clearbit: [429],
  fullenrich: [429],
};

/** Targets on the bulk vendors: HTTP calls per contact at most 1/8 of the unbatched count. */
const BATCH_TARGET_VENDORS: readonly VendorId[] = ['pdl', 'apollo'];
const BATCH_TARGET_RATIO = 1 / 8;

const fmt = (n: number) => n.toLocaleString('en-US');
const yes = (b: boolean) => (b ? 'met' : '**MISSED**');
const per = (a: number, b: number, digits = 3) => (b ? Math.round((a / b) * 10 ** digits) / 10 ** digits : null);

/** Which engine was measured: the commit and any uncommitted changes under server/, sandbox/ and bench/. */
function sourceState(): { commit: string; uncommitted: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const status = git('status', '--porcelain', '--', 'server', 'sandbox', 'migrations', 'bench');
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommitted: status ? status.split('\n').map((l) => l.trim()) : [] };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

/**
 * The least time a window forces for `needed` requests at `limit` per `windowMs`: for windows up to
 * a minute the fluid bound of the engine benchmark (needed ÷ limit × window); for hour and day
 * windows, where that bound would claim 10 minutes for 300 requests of a 1,800/h plan, what a
 * clock-aligned window forces (whole windows after the first).
 */
function windowFloorMs(needed: number, limit: number, windowMs: number): number {
  if (needed <= 0) return 0;
  if (windowMs <= 60_000) return Math.round((needed / limit) * windowMs);
  return fixedWindowFloorMs(needed, limit, windowMs);
}

/** What clock-aligned windows force at least: the requests touch ⌈needed ÷ limit⌉ windows. */
function fixedWindowFloorMs(needed: number, limit: number, windowMs: number): number {
  return needed <= 0 ? 0 : Math.max(0, Math.ceil(needed / limit) - 1) * windowMs;
}

interface BucketStat {
  vendor: VendorId;
  bucket: string;
  key: string;
  windows: string;
  requests: number;
  limitSignals: number;
  callsNeeded: number;
  floorMs: number;
  /** The same, counting whole clock-aligned windows only (a minute's budget spent at once costs nothing). */
  fixedWindowFloorMs: number;
  /** Of the bucket's shortest window: windows used to the cap, and windows spanned. */
  windowsFull: number;
  windowsSpanned: number;
  /** Per window: the most requests (refused ones included) that arrived in one clock-aligned slot. */
  peaks: string;
}

function bucketStats(input: CatalogReportInput): BucketStat[] {
  const out: BucketStat[] = [];
  const sims = input.engine.sims;
  for (const b of vendorBuckets(input.plan)) {
    const rs = sims.vendors[b.vendor].requests.filter((r) => b.match(r[2]));
    const keys = [...new Set(rs.map((r) => r[5] ?? '?'))].sort();
    for (const key of keys.length ? keys : ['-']) {
      const mine = rs.filter((r) => (r[5] ?? '?') === key);
      const needed = mine.filter((r) => !LIMIT_STATUSES[b.vendor].includes(r[3]));
      const shortest = [...b.windows].sort((x, y) => x.windowMs - y.windowMs)[0]!;
      const perSlot = new Map<number, number>();
      for (const r of needed) {
        const slot = Math.floor(r[0] / shortest.windowMs);
        perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
      }
      const slots = [...perSlot.keys()];
      out.push({
        vendor: b.vendor,
        bucket: b.bucket,
        key: `…${key}`,
        windows: b.windows.map((w) => `${fmt(w.limit)}/${w.windowMs >= 60_000 ? `${w.windowMs / 60_000} min` : `${w.windowMs / 1000} s`}`).join(' + '),
        requests: mine.length,
        limitSignals: mine.length - needed.length,
        callsNeeded: needed.length,
        floorMs: Math.max(0, ...b.windows.map((w) => windowFloorMs(needed.length, w.limit, w.windowMs))),
        fixedWindowFloorMs: Math.max(0, ...b.windows.map((w) => fixedWindowFloorMs(needed.length, w.limit, w.windowMs))),
        windowsFull: [...perSlot.values()].filter((n) => n >= shortest.limit).length,
        windowsSpanned: slots.length ? Math.max(...slots) - Math.min(...slots) + 1 : 0,
        peaks: b.windows
          .map((w) => {
            const counts = new Map<number, number>();
            for (const r of mine) counts.set(Math.floor(r[0] / w.windowMs), (counts.get(Math.floor(r[0] / w.windowMs)) ?? 0) + 1);
            return `${Math.max(0, ...counts.values())}/${fmt(w.limit)}`;
          })
          .join(' + '),
      });
    }
  }
  return out.filter((b) => b.requests > 0);
}

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);

/**
 * A step that reached the vendor: an HTTP attempt was recorded, or it went in an async submission
 * (a step marked for a batch or submission that then found no rate budget or an open circuit was
 * never sent, though it carries the batch's ids).
 */
const sent = (s: StepRow) =>
  s.source === 'vendor' && (s.http_calls > 0 || (s.async_steps > 0 && s.skip_reason !== 'circuit_open' && s.skip_reason !== 'rate_limited'));

export function buildCatalogReport(input: CatalogReportInput) {
  const { workload, engine, plan } = input;
  const sims = engine.sims;
  const contacts = workload.contacts.length;
  const wallMs = engine.lastFinishedAt - engine.firstAcceptedAt;
  const buckets = bucketStats(input);
  const binding = buckets.reduce<BucketStat | null>((a, b) => (!a || b.floorMs > a.floorMs ? b : a), null);
  const capFloorMs = binding?.floorMs ?? 0;
  const fixedFloorMs = Math.max(0, ...buckets.map((b) => b.fixedWindowFloorMs));

  // --- per vendor
  const vendors = VENDOR_IDS.map((v) => {
    const sim = sims.vendors[v];
    const reqs: CatalogRequest[] = sim.requests;
    const steps = engine.steps.filter((s) => s.vendor === v);
    const sentSteps = steps.filter(sent);
    const factor = SINGLE_CALL_REQUESTS[v] ?? 1;
    // Without coalescing every attempt of every step is its own lookup request (async: one submission each).
    const unbatched = factor * (sum(sentSteps, (s) => s.http_calls) + sum(sentSteps, (s) => (s.http_calls === 0 ? s.async_steps : 0)));
    const lookupsSent = sum(sentSteps, (s) => s.steps);
    const byOperation: Record<string, { http_calls: number; single: number; bulk: number; polls: number; lookups_sent: number; unbatched_calls: number; http_per_unbatched: number | null; batches: number; batched_lookups: number; mean_batch_size: number | null; batch_sizes: Record<number, number> }> = {};
    const ops = new Set([...reqs.map((r) => operationOfPath(v, r[2])), ...steps.map((s) => s.operation)]);
    for (const op of ops) {
      const opReqs = reqs.filter((r) => operationOfPath(v, r[2]) === op);
      const opSent = sentSteps.filter((s) => s.operation === op);
      const opUnbatched = factor * (sum(opSent, (s) => s.http_calls) + sum(opSent, (s) => (s.http_calls === 0 ? s.async_steps : 0)));
      const hist = engine.batchHistogram[`${v}.${op}`] ?? {};
      const batches = sum(Object.values(hist), (n) => n);
      const batched = sum(Object.entries(hist), ([size, n]) => Number(size) * n);
      byOperation[op] = {
        http_calls: opReqs.length,
        single: opReqs.filter((r) => requestKind(v, r[1], r[2]) === 'single').length,
        bulk: opReqs.filter((r) => requestKind(v, r[1], r[2]) === 'bulk').length,
        polls: opReqs.filter((r) => requestKind(v, r[1], r[2]) === 'poll').length,
        lookups_sent: sum(opSent, (s) => s.steps),
        unbatched_calls: opUnbatched,
        http_per_unbatched: per(opReqs.length, opUnbatched),
        batches,
        batched_lookups: batched,
        mean_batch_size: batches ? round2(batched / batches) : null,
        batch_sizes: hist,
      };
    }
    const endpoints: Record<string, number> = {};
    for (const r of reqs) endpoints[`${r[1]} ${r[2]}`] = (endpoints[`${r[1]} ${r[2]}`] ?? 0) + 1;
    const statuses: Record<string, number> = {};
    for (const r of reqs) statuses[String(r[3])] = (statuses[String(r[3])] ?? 0) + 1;
    const ledger = engine.ledger.find((l) => l.vendor === v) ?? { billed_steps: 0, indeterminate_billed: 0, charged_mc: 0 };
    const answeredBilled = ledger.billed_steps - ledger.indeterminate_billed;
    const hist = Object.values(byOperation);
    const batches = sum(hist, (o) => o.batches);
    const batchedLookups = sum(hist, (o) => o.batched_lookups);
    const skips: Record<string, number> = {};
    for (const s of steps.filter((x) => x.state === 'skipped' && x.skip_reason)) skips[s.skip_reason!] = (skips[s.skip_reason!] ?? 0) + s.steps;
    const outcomes: Record<string, number> = {};
    for (const s of sentSteps) outcomes[`${s.state}:${s.outcome ?? '-'}`] = (outcomes[`${s.state}:${s.outcome ?? '-'}`] ?? 0) + s.steps;
    const ratio = per(reqs.length, unbatched);
    return {
      vendor: v,
      http_calls: reqs.length,
      http_calls_per_contact: round3(reqs.length / contacts),
      lookups_sent: lookupsSent,
      unbatched_calls: unbatched,
      unbatched_calls_per_contact: round3(unbatched / contacts),
      http_calls_per_unbatched: ratio,
      single_call_requests: factor,
      batches,
      batched_lookups: batchedLookups,
      mean_batch_size: batches ? round2(batchedLookups / batches) : null,
      by_operation: byOperation,
      by_endpoint: endpoints,
      by_status: statuses,
      billed_calls: sim.billing.billedCalls,
      credits: sim.billing.credits,
      unique_billable_lookups: sim.billing.uniqueLookups,
      duplicates_billed: sim.billing.duplicates.length,
      extra_billings: sum(sim.billing.duplicates, (d) => d.times - 1),
      free_repeats: sim.billing.freeRepeats,
      vendor_429s: sim.limitSignals,
      faults_injected: sim.faultsInjected,
      ledger_billed_steps: ledger.billed_steps,
      ledger_indeterminate_billed: ledger.indeterminate_billed,
      ledger_charged_mc: ledger.charged_mc,
      billed_matches_ledger: sim.billing.billedCalls === answeredBilled,
      // The engine never counts less than the vendor invoices (a call without an answer counts as spent).
      ledger_covers_invoice: sim.billing.billedCalls <= ledger.billed_steps,
      step_outcomes: outcomes,
      skips,
      cap_skips: skips.cap_reached ?? 0,
      rate_limited_skips: skips.rate_limited ?? 0,
      circuit_open_skips: skips.circuit_open ?? 0,
      cache_hits: sum(steps.filter((s) => s.source === 'cache'), (s) => s.steps),
      waited_ms: sum(steps, (s) => s.waited_ms),
    };
  });

  const httpCalls = sum(vendors, (v) => v.http_calls);
  const billedCalls = sum(vendors, (v) => v.billed_calls);
  const uniqueLookups = sum(vendors, (v) => v.unique_billable_lookups);
  const vendor429s = sum(vendors, (v) => v.vendor_429s);
  const duplicates = VENDOR_IDS.flatMap((v) => sims.vendors[v].billing.duplicates.map((d) => ({ vendor: v, ...d })));
  const unbatchedTotal = sum(vendors, (v) => v.unbatched_calls);
  const cacheHits = sum(vendors, (v) => v.cache_hits);

  // --- spend caps
  const caps = engine.spend
    .filter((s) => s.cap_cents !== null)
    .map((s) => ({
      ...s,
      cap_mc: s.cap_cents! * 1000,
      used_share: round3((s.spent_mc + s.reserved_mc) / (s.cap_cents! * 1000)),
      crossed: s.spent_mc + s.reserved_mc > s.cap_cents! * 1000,
    }));
  const capCrossed = caps.some((c) => c.crossed);

  // --- async
  const asyncTotal = sum(engine.asyncRequests, (a) => a.requests);
  const via = (k: string) => sum(engine.asyncRequests.filter((a) => a.completed_via === k), (a) => a.requests);
  const asyncSummary = {
    requests: asyncTotal,
    lookups: sum(engine.asyncRequests, (a) => a.members),
    completed_via_callback: via('callback'),
    completed_via_poll: via('poll'),
    gave_up: via('timeout'),
    still_open: sum(engine.asyncRequests.filter((a) => a.completed_via === null), (a) => a.requests),
    polls: sum(engine.asyncRequests, (a) => a.polls),
    by_state: engine.asyncRequests,
    simulator: sims.fullenrich,
    timings_ms: input.fullenrichAsync,
    callback_delay_ms: input.fullenrich.callbackDelayMs,
    callback_drop_share: input.fullenrich.dropShare,
  };

  // --- targets (reported, never asserted)
  const targets: Record<string, Target> = {};
  for (const v of BATCH_TARGET_VENDORS) {
    const row = vendors.find((r) => r.vendor === v)!;
    targets[`${v}_http_calls_per_contact_vs_unbatched`] = {
      target: '≤ 0.125 (1/8)',
      value: row.http_calls_per_unbatched,
      detail: `${row.http_calls_per_contact} HTTP calls per contact vs ${row.unbatched_calls_per_contact} unbatched (${fmt(row.http_calls)} / ${fmt(row.unbatched_calls)}; mean batch ${row.mean_batch_size ?? 'n/a'})`,
      met: row.http_calls_per_unbatched !== null && row.http_calls_per_unbatched <= BATCH_TARGET_RATIO,
    };
  }
  targets.vendor_429s = { target: '= 0', value: vendor429s, detail: vendors.filter((v) => v.vendor_429s).map((v) => `${v.vendor} ${v.vendor_429s}`).join(', ') || 'none', met: vendor429s === 0 };
  targets.billed_equals_unique = {
    target: 'billed = unique',
    value: uniqueLookups ? round3(billedCalls / uniqueLookups) : null,
    detail: `${fmt(billedCalls)} billed / ${fmt(uniqueLookups)} unique, ${duplicates.length} lookup(s) billed more than once`,
    met: billedCalls === uniqueLookups && duplicates.length === 0,
  };

  const groupsAsked = workload.counts.groupsAsked;
  const cpuPerEnrichment = round2(engine.sampler.cpuMs / contacts);
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
    vendor_http_calls: httpCalls,
    vendor_http_calls_per_contact: round3(httpCalls / contacts),
    billed_calls: billedCalls,
    unique_billable_lookups: uniqueLookups,
    vendor_429s: vendor429s,
    wall_ms: wallMs,
    cap_floor_ms: capFloorMs,
    vendors,
    targets,
    // --- more at the top level
    unbatched_vendor_calls: unbatchedTotal,
    unbatched_vendor_calls_per_contact: round3(unbatchedTotal / contacts),
    duplicates,
    cache_hits: cacheHits,
    cap_skips: sum(vendors, (v) => v.cap_skips),
    spend_cap_crossed: capCrossed,
    cpu_ms_per_enrichment: cpuPerEnrichment,
    peak_rss_mb: engine.sampler.peakTreeRssMb,
    runs_by_status: engine.runsByStatus,
    ratios: {
      wall_ms_per_cap_floor_ms: capFloorMs ? round2(wallMs / capFloorMs) : null,
      cap_floor_fixed_windows_ms: fixedFloorMs,
      billed_calls_per_unique: uniqueLookups ? round3(billedCalls / uniqueLookups) : null,
      vendor_http_calls_per_unbatched: per(httpCalls, unbatchedTotal),
    },
    // --- what was run
    workload: {
      triggers: workload.triggers.length,
      distinct_contacts: contacts,
      portals: workload.portals.map((p) => ({ id: p.id, share: p.share, ...workload.counts.perPortal[p.id] })),
      domains: workload.counts.domains,
      contacts_with_email: workload.counts.contactsWithEmail,
      original_triggers: workload.counts.original,
      duplicate_exact_retries: workload.counts.retry,
      duplicate_new_triggers_same_contact: workload.counts.recontact,
      groups_asked_over_triggers: groupsAsked,
      waterfall: Object.fromEntries(Object.entries(CATALOG_WATERFALL).map(([g, steps]) => [g, steps.map((s) => `${s.vendor}.${s.operation}`)])),
      seed: workload.options.seed,
    },
    plan: {
      note:
        'The same windows on the simulators (what each vendor enforces, per key) and in the portals\' rate_limits (what the engine is told), real window lengths. ' +
        'Lusha counts every endpoint of an account together, Cognism its account (1,000/min) and each endpoint (600/min), FullEnrich every endpoint together.',
      rate_limits: plan.rateLimits,
      spend_caps_cents_per_day: input.caps,
      faults: { ...FAULTS, on: 'every simulator' },
      simulator_other:
        'latency 5-25 ms; Hunter smtpFailure share 0 (its 60 s back-off would stall runs); Clearbit 2% of records queued (202 once); ' +
        `FullEnrich callbacks after ${input.fullenrich.callbackDelayMs.join('-')} ms, ${input.fullenrich.dropShare * 100}% never delivered, refused deliveries retried every 2 s (2 times)`,
      fullenrich_async_shortened: {
        note: 'FullEnrich\'s adapter waits 120 s before its first poll, polls every 60 s and gives up after 30 min; the benchmark shortens these (the simulator answers in seconds, not minutes)',
        ...input.fullenrichAsync,
      },
    },
    engine_config: { ...engine.config, trigger_feed_concurrency: engine.triggerConcurrency },
    knobs: input.knobs,
    // --- engine detail
    engine: {
      wall_ms: wallMs,
      cap_floor_ms: capFloorMs,
      cap_floor_binding_bucket: binding ? `${binding.vendor} ${binding.bucket} (key ${binding.key})` : null,
      rate_buckets: buckets,
      first_trigger_accepted_at: new Date(engine.firstAcceptedAt).toISOString(),
      last_run_finished_at: new Date(engine.lastFinishedAt).toISOString(),
      accept_all_triggers_ms: engine.allAcceptedAt - engine.firstAcceptedAt,
      first_run_started_after_ms: engine.firstRunStartedAt === null ? null : engine.firstRunStartedAt - engine.firstAcceptedAt,
      unfinished_runs: engine.unfinishedRuns,
      runs_by_state: engine.runsByState,
      runs: engine.triggers.distinctRuns,
      runs_by_status: engine.runsByStatus,
      groups_over_runs: engine.groups,
      triggers: engine.triggers.byKind,
      run_timings_ms: engine.runTimingsMs,
      coalescer: engine.coalescing,
      caller: engine.callerStats,
      rate_gate: engine.gate,
      async: asyncSummary,
      spend_caps: caps,
      cap_alerts: engine.capAlerts,
      cache_hits: cacheHits,
      cache_rows: engine.cacheRows,
      cache_hits_counted_in_vendor_cache: engine.cacheHits,
      steps: engine.steps,
      process: {
        cpu_ms: engine.sampler.cpuMs,
        cpu_ms_per_enrichment: cpuPerEnrichment,
        event_loop_utilization: engine.sampler.eventLoopUtilization,
        event_loop_delay_ms: engine.sampler.eventLoopDelayMs,
        timer_gaps: engine.sampler.timerGaps,
        peak_rss_mb_tree: engine.sampler.peakTreeRssMb,
        peak_rss_mb_engine_process: engine.sampler.peakSelfRssMb,
        peak_rss_mb_simulator_process: engine.sampler.peakChildRssMb,
        simulator_cpu_ms: Math.round(sims.cpuMs),
        simulator_event_loop_utilization: round2(sims.eventLoopUtilization),
      },
      database: {
        ...engine.db,
        statements_per_contact: round2(engine.db.statements / contacts),
        connection_busy_share_of_wall: wallMs ? round2(engine.db.connectionBusyMs / wallMs) : null,
        pending_acquires_sampled: engine.sampler.dbPendingAcquires,
        queue_statements_pg_boss: engine.queueDb,
      },
      zerobounce_host_hits: sims.zerobounceHostHits,
      log_lines: engine.logLines,
      timeline_requests_per_s: timeline(input),
      kept_data_dir: engine.keptDataDir,
    },
    total_bench_ms: input.totalMs,
  };

  // --- markdown
  const met = Object.values(targets).filter((t) => t.met).length;
  const topRows: string[][] = [
    ['contacts (distinct) / triggers', `${fmt(contacts)} / ${fmt(workload.triggers.length)}`, '', ''],
    ['vendor_http_calls', fmt(httpCalls), '', ''],
    ['vendor_http_calls_per_contact', String(json.vendor_http_calls_per_contact), '', ''],
    ['unbatched calls per contact (same lookups, one request each)', String(json.unbatched_vendor_calls_per_contact), '', ''],
    ...BATCH_TARGET_VENDORS.map((v) => {
      const t = targets[`${v}_http_calls_per_contact_vs_unbatched`]!;
      return [`${v}: HTTP calls ÷ unbatched`, `${t.value ?? 'n/a'} (${t.detail})`, t.target, yes(t.met)];
    }),
    ['billed_calls / unique_billable_lookups', `${fmt(billedCalls)} / ${fmt(uniqueLookups)}`, 'billed = unique', yes(targets.billed_equals_unique!.met)],
    ['vendor_429s (every limit signal the simulators sent)', `${fmt(vendor429s)}${vendor429s ? ` (${targets.vendor_429s!.detail})` : ''}`, '= 0', yes(targets.vendor_429s!.met)],
    ['wall_ms', fmt(wallMs), '', ''],
    ['cap_floor_ms', `${fmt(capFloorMs)}${binding ? ` (${binding.vendor} ${binding.bucket})` : ''}; whole clock-aligned windows only: ${fmt(fixedFloorMs)}`, '', ''],
    ['wall_ms / cap_floor_ms', json.ratios.wall_ms_per_cap_floor_ms === null ? 'n/a' : String(json.ratios.wall_ms_per_cap_floor_ms), '', ''],
    ['spend caps crossed', capCrossed ? '**yes**' : 'no', 'no', yes(!capCrossed)],
    ['steps skipped at a spend cap', vendors.filter((v) => v.cap_skips).map((v) => `${v.vendor} ${fmt(v.cap_skips)}`).join(', ') || '0', '', ''],
    ['cache hits (steps served from cache)', fmt(cacheHits), '', ''],
    ['runs: enriched / partial / not_found / suppressed / failed', statuses(engine.runsByStatus), '', ''],
    ['unfinished runs', fmt(engine.unfinishedRuns), '0', yes(engine.unfinishedRuns === 0)],
    ['cpu_ms_per_enrichment (engine process)', cpuPerEnrichment.toFixed(2), '', ''],
    ['peak_rss_mb (engine + simulators)', String(engine.sampler.peakTreeRssMb), '', ''],
  ];
  const table = ['| metric | value | target | met? |', '|---|---|---|---|', ...topRows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const vendorTable = [
    '| vendor | HTTP calls | lookups sent | unbatched calls | HTTP / contact | unbatched / contact | HTTP ÷ unbatched | batches (mean size) | billed | unique | limit signals | cap skips | rate-limited skips | circuit-open skips | cache hits | billed = ledger |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...vendors.map(
      (v) =>
        `| ${v.vendor} | ${fmt(v.http_calls)} | ${fmt(v.lookups_sent)} | ${fmt(v.unbatched_calls)}${v.single_call_requests > 1 ? ` (×${v.single_call_requests})` : ''} | ${v.http_calls_per_contact} | ${v.unbatched_calls_per_contact} | ${v.http_calls_per_unbatched ?? 'n/a'} | ${v.batches ? `${fmt(v.batches)} (${v.mean_batch_size})` : '—'} | ${fmt(v.billed_calls)} | ${fmt(v.unique_billable_lookups)} | ${fmt(v.vendor_429s)} | ${fmt(v.cap_skips)} | ${fmt(v.rate_limited_skips)} | ${fmt(v.circuit_open_skips)} | ${fmt(v.cache_hits)} | ${v.billed_matches_ledger ? 'yes' : `**no** (ledger ${v.ledger_billed_steps - v.ledger_indeterminate_billed} answered + ${v.ledger_indeterminate_billed} unanswered)`} |`,
    ),
  ].join('\n');
  const bucketTable = [
    '| vendor bucket (key) | windows | requests | limit signals | calls needed | floor ms | whole-window floor ms | shortest windows used to the cap / spanned | peak in one window |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...buckets.map(
      (b) =>
        `| ${b.vendor} ${b.bucket} (${b.key}) | ${b.windows} | ${fmt(b.requests)} | ${b.limitSignals} | ${fmt(b.callsNeeded)} | ${fmt(b.floorMs)} | ${fmt(b.fixedWindowFloorMs)} | ${b.windowsFull} / ${b.windowsSpanned} | ${b.peaks} |`,
    ),
  ].join('\n');
  const capTable = [
    '| portal | scope / period | cap ¢ | spent ¢ | reserved ¢ | used | crossed? |',
    '|---|---|---:|---:|---:|---:|---|',
    ...caps.map((c) => `| ${c.portal_id} | ${c.scope} / ${c.period} | ${fmt(c.cap_cents!)} | ${fmt(Math.round(c.spent_mc / 1000))} | ${fmt(Math.round(c.reserved_mc / 1000))} | ${c.used_share} | ${c.crossed ? '**yes**' : 'no'} |`),
  ].join('\n');
  const groupLine = (Object.keys(groupsAsked) as FieldGroup[])
    .map((g) => `${g} ${fmt(engine.groups[g]?.filled ?? 0)}/${fmt(engine.groups[g]?.requested ?? 0)}`)
    .join(', ');
  const p = json.engine.process;
  const d = json.engine.database;
  const changed = Object.entries(input.knobs)
    .filter(([, k]) => String(k.value) !== String(k.default))
    .map(([name, k]) => `${name}=${k.value} (default ${k.default})`);
  const stepCount = sum(engine.steps, (s) => s.steps);
  const markdown = `# Catalog benchmark (\`npm run bench:vendors\`)

Generated ${json.generated_at} (engine at ${json.engine_source.commit}${json.engine_source.uncommitted.length ? ` + ${json.engine_source.uncommitted.length} uncommitted file(s)` : ''}) on ${json.machine.cpus} CPU(s) (${json.machine.cpu_model}), Node ${json.machine.node}; engine database: **${engine.backend}**; load average before/after ${json.machine.load_average_1_5_15_before.join(', ')} / ${json.machine.load_average_1_5_15_after.join(', ')}.

Workload: ${fmt(workload.triggers.length)} triggers over ${fmt(contacts)} contacts (${fmt(workload.counts.contactsWithEmail)} with an e-mail) at ${workload.counts.domains} company domains, ${workload.portals.length} portal(s) (${workload.portals.map((pp) => `${pp.id}: ${fmt(workload.counts.perPortal[pp.id]!.contacts)} contacts`).join(', ')}), each with its own key for all nine vendors; ${fmt(workload.counts.retry)} exact retries of a workflow callback and ${fmt(workload.counts.recontact)} card re-triggers (person, company, phone). Workflow triggers ask for a mix of groups (${(Object.keys(groupsAsked) as FieldGroup[]).map((g) => `${g} ${fmt(groupsAsked[g])}`).join(', ')} over all triggers).
Waterfall (every portal): ${Object.entries(json.workload.waterfall).map(([g, s]) => `**${g}** ${s.join(' → ')}`).join('; ')}.
Spend caps per day: Lusha ${fmt(input.caps.lushaDayCents)}¢ and Cognism ${fmt(input.caps.cognismDayCents)}¢ over all portals (split by share). Faults on every simulator: ${FAULTS.error5xx * 100}% 5xx and ${FAULTS.timeout * 100}% timeouts (the engine gives up after ${engine.config.VENDOR_TIMEOUT_MS} ms).
FullEnrich answers by callback to the engine's HTTP server after ${input.fullenrich.callbackDelayMs.join('–')} ms; ${input.fullenrich.dropShare * 100}% of its callbacks never come, so the engine polls. **Its async timings are shortened for the benchmark** (adapter: first poll after 120 s, every 60 s, give up after 30 min; here ${input.fullenrichAsync.pollAfterMs / 1000} s, ${input.fullenrichAsync.pollEveryMs / 1000} s, ${input.fullenrichAsync.giveUpAfterMs / 1000} s).
Engine: ${engine.config.WORKER_CONCURRENCY} workers, batch window ${engine.config.VENDOR_BATCH_WINDOW_MS} ms, step wait budget ${engine.config.STEP_WAIT_BUDGET_MS} ms, window guard ${engine.config.RATE_WINDOW_GUARD_MS} ms, ${engine.config.VENDOR_MAX_IN_FLIGHT} calls in flight per bucket, triggers fed ${engine.triggerConcurrency} at a time.

${changed.length ? `**Knobs changed from the defaults:** ${changed.join('; ')}.\n\n` : ''}Targets met: ${met} of ${Object.keys(targets).length} (reported as ratios, not asserted).

${table}

## Per vendor (from the simulators' logs and invoices)

"Unbatched calls" is what the same lookups would have cost one request each: every attempt the ledger (run_steps) recorded for a lookup sent to the vendor, one submission per async lookup, ×2 for Cognism, whose single form is a preview and a redeem. "billed = ledger": the vendor's invoice equals the steps the ledger marks billed with an answer (steps whose call got no answer are counted as spent by the engine but were not processed by the simulator).

${vendorTable}

Requested groups filled (over runs): ${groupLine}.

## Rate buckets (as each vendor counts them, per key)

${bucketTable}

cap_floor_ms = max over buckets of the least time their windows force for the calls needed (every logged request but limit refusals): calls ÷ limit × window for windows up to a minute (as the engine benchmark), whole extra windows for hour and day windows. Binding: ${binding ? `${binding.vendor} ${binding.bucket} (key ${binding.key})` : 'none'}. The peak column counts every request that arrived in one clock-aligned window (refused ones too) against the window's limit. With minute windows and a run of a few minutes the fluid figure overstates what the vendors force (a minute's budget may be spent in its first second); counting whole clock-aligned windows only, the floor is ${fmt(fixedFloorMs)} ms.

## Asynchronous vendor (FullEnrich)

${fmt(asyncSummary.requests)} submissions carrying ${fmt(asyncSummary.lookups)} lookups: ${fmt(asyncSummary.completed_via_callback)} answered by callback, ${fmt(asyncSummary.completed_via_poll)} by polling, ${fmt(asyncSummary.gave_up)} given up, ${fmt(asyncSummary.still_open)} still open; ${fmt(asyncSummary.polls)} polls. The simulator ran ${fmt(sims.fullenrich.enrichments)} enrichments (callback mode: ${Object.entries(sims.fullenrich.byCallbackMode).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}) and made ${fmt(sims.fullenrich.callbackDeliveries)} deliveries (answered ${Object.entries(sims.fullenrich.callbackDeliveriesByStatus).map(([k, n]) => `${k}: ${n}`).join(', ') || '—'}).

## Spend caps

${capTable}

## Where the engine's time went

- Trigger feed: all ${fmt(workload.triggers.length)} accepted within ${fmt(json.engine.accept_all_triggers_ms)} ms; first run started ${fmt(json.engine.first_run_started_after_ms ?? 0)} ms after the first trigger.
- Runs: queue wait p50/p95 ${fmt(engine.runTimingsMs.queueWaitP50)}/${fmt(engine.runTimingsMs.queueWaitP95)} ms, execution p50/p95 ${fmt(engine.runTimingsMs.execP50)}/${fmt(engine.runTimingsMs.execP95)} ms (async runs wait off the worker).
- Coalescer: ${fmt(engine.coalescing.batches)} groups released carrying ${fmt(engine.coalescing.members)} steps; caller: ${fmt(engine.callerStats.singleCalls ?? 0)} single calls, ${fmt(engine.callerStats.batchCalls ?? 0)} bulk calls carrying ${fmt(engine.callerStats.batchedSteps ?? 0)} steps, ${fmt(engine.callerStats.submissions ?? 0)} async submissions.
- Rate gate: ${fmt(engine.gate.granted ?? 0)} tokens, ${fmt(engine.gate.waits ?? 0)} waits (${fmt(engine.gate.waitedMs ?? 0)} ms summed over waiters), ${fmt(engine.gate.refused ?? 0)} refused, ${fmt(engine.gate.blocks ?? 0)} blocks after a vendor limit signal, ${fmt(engine.gate.tightened ?? 0)} tightenings from quota headers.
- Engine process: ${fmt(p.cpu_ms)} ms CPU in ${fmt(wallMs)} ms wall (${wallMs ? round2(p.cpu_ms / wallMs) : 0} cores), event-loop utilisation ${p.event_loop_utilization}; a 10 ms timer saw ${fmt(p.timer_gaps.over100msCount)} gaps over 100 ms adding up to ${fmt(p.timer_gaps.over100msTotalMs)} ms, longest ${fmt(p.timer_gaps.maxMs)} ms. Simulator process: ${fmt(p.simulator_cpu_ms)} ms CPU.
- Ledger: ${fmt(stepCount)} steps (${round2(stepCount / contacts)} per contact; ${fmt(sum(engine.steps.filter(sent), (s) => s.steps))} sent to a vendor, ${fmt(cacheHits)} from the cache, the rest skipped).
- Database: ${fmt(d.statements)} knex statements (${d.statements_per_contact} per contact, ${stepCount ? round2(d.statements / stepCount) : 0} per step); connection busy ${fmt(d.connectionBusyMs)} ms (${d.connection_busy_share_of_wall} of wall)${engine.queueDb ? `; pg-boss added ${fmt(engine.queueDb.statements)} statements (${fmt(engine.queueDb.statementMs)} ms) on the same connection` : ''}.
- cpu_ms_per_enrichment is the engine process's CPU (PGlite included when embedded) from the first trigger to the end, ÷ ${fmt(contacts)} contacts; peak_rss_mb is the engine and simulator processes together, sampled every 100 ms.

## Reproduce

\`\`\`
npm run bench:vendors            # this benchmark (embedded PGlite); npm run bench runs the engine bench, then this one
BENCH_TRIGGERS=1000 npm run bench:vendors          # smaller
DATABASE_URL=postgres://… ENCRYPTION_KEYS=… npm run bench:vendors   # Postgres, in a fresh schema
\`\`\`

Knobs: BENCH_TRIGGERS (5000), BENCH_PORTALS (1 or 2), BENCH_WORKERS (128), BENCH_BATCH_WINDOW_MS (engine default 250), BENCH_LUSHA_CAP_CENTS / BENCH_COGNISM_CAP_CENTS, BENCH_ZEROBOUNCE_BATCH_PER_MIN (5), BENCH_FE_DROP_SHARE (0.15), BENCH_MAX_WAIT_MS, BENCH_OUT, BENCH_RAW / BENCH_FROM_RAW (save every measurement / re-report it). Full figures (per operation, batch-size histograms, per-second request timelines) are in vendors.json.
`;
  const summary = `${table}\n\n${vendorTable}\n`;
  return { json, markdown, summary, targets };
}

function statuses(s: Record<string, number>): string {
  return ['enriched', 'partial', 'not_found', 'suppressed', 'failed'].map((k) => fmt(s[k] ?? 0)).join(' / ');
}

/** Requests per second per vendor since the first trigger. */
function timeline(input: CatalogReportInput): Record<string, number[]> {
  const t0 = input.engine.firstAcceptedAt;
  const out: Record<string, number[]> = {};
  for (const v of VENDOR_IDS) {
    const counts: number[] = [];
    for (const r of input.engine.sims.vendors[v].requests) {
      const s = Math.max(0, Math.floor((r[0] - t0) / 1000));
      while (counts.length <= s) counts.push(0);
      counts[s]!++;
    }
    out[v] = counts;
  }
  return out;
}
