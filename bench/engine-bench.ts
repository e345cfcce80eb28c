// `npm run bench`: the engine benchmark. One workload (bench/workload.ts), two phases against fresh
// simulators with the same rate caps and faults:
//   1. the naive baseline (bench/naive-baseline.ts): inline calls, whole-contact retries, no cache;
//   2. the engine: a real Cascade (queue, workers, cache, caps, pacing) on a fresh database.
// Writes bench/results/engine.json and bench/results/engine.md and prints the table. Exits 0 when it
// measured something, whether or not a target was met (the report says which); non-zero on a crash.
//
// Knobs (environment): BENCH_WORKERS (64), BENCH_TRIGGER_CONCURRENCY (8), BENCH_SKIP_NAIVE=1,
// BENCH_APOLLO_MATCH_RPS / BENCH_APOLLO_ORG_RPS / BENCH_HUNTER_GENERAL_RPS / BENCH_HUNTER_VERIFIER_RPS,
// BENCH_OUT (results folder), DATABASE_URL (Postgres instead of embedded PGlite), and any engine
// setting from server/config.ts (e.g. RATE_WINDOW_GUARD_MS=100) to try a variation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runEngine } from './engine-run.ts';
import { runNaive } from './naive-baseline.ts';
import { startSimProcess } from './sims.ts';
import { startSampler } from './probes.ts';
import { buildReport } from './report.ts';
import type { ReportInput } from './report.ts';
import { APOLLO_KEY, DEFAULT_CAPS, HUNTER_KEY, buildWorkload, simOptions } from './workload.ts';
import type { BenchCaps } from './workload.ts';
import { envInt } from './harness.ts';

const env = process.env;
const int = envInt;

const caps: BenchCaps = {
  apolloPeopleMatch: int('BENCH_APOLLO_MATCH_RPS', DEFAULT_CAPS.apolloPeopleMatch),
  apolloOrganizationEnrich: int('BENCH_APOLLO_ORG_RPS', DEFAULT_CAPS.apolloOrganizationEnrich),
  hunterGeneral: int('BENCH_HUNTER_GENERAL_RPS', DEFAULT_CAPS.hunterGeneral),
  hunterVerifier: int('BENCH_HUNTER_VERIFIER_RPS', DEFAULT_CAPS.hunterVerifier),
};
const workers = int('BENCH_WORKERS', 64);
// Long enough that a stalled event loop is not mistaken for a vendor timeout (the engine does not
// repeat a timed-out call to a vendor that bills every answer), short enough that injected
// timeouts cost little.
const timeoutMs = int('BENCH_VENDOR_TIMEOUT_MS', 4000);
const outDir = env.BENCH_OUT ? path.resolve(env.BENCH_OUT) : fileURLToPath(new URL('./results/', import.meta.url));

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  const workload = buildWorkload();
  const log = (s: string) => process.stdout.write(`[bench] ${s}\n`);
  log(
    `workload: ${workload.triggers.length} triggers, ${workload.contacts.length} contacts over ${workload.counts.domains} domains ` +
      `(${workload.counts.retry} exact retries, ${workload.counts.recontact} re-triggers of a contact)`,
  );
  log(`caps/s: apollo match ${caps.apolloPeopleMatch}, org ${caps.apolloOrganizationEnrich}; hunter general ${caps.hunterGeneral}, verifier ${caps.hunterVerifier}`);

  // The naive baseline goes first: it holds no database, so what it leaves in this process's heap
  // hardly moves the engine's memory figures, while the reverse would inflate the naive's.
  let naive: ReportInput['naive'] = null;
  if (env.BENCH_SKIP_NAIVE !== '1') {
    log('naive baseline phase (fresh simulators)…');
    const sims = await startSimProcess(simOptions(caps));
    try {
      const sampler = startSampler({ childPids: [sims.pid] });
      const result = await runNaive(workload.triggers, {
        apolloBaseUrl: sims.apolloBaseUrl,
        hunterBaseUrl: sims.hunterBaseUrl,
        apolloKey: APOLLO_KEY,
        hunterKey: HUNTER_KEY,
        concurrency: workers,
        timeoutMs,
        maxTries: 3,
      });
      const sampled = sampler.stop();
      naive = { result, sims: await sims.snapshot(), peakTreeRssMb: sampled.peakTreeRssMb };
      log(`naive phase done: ${result.wallMs} ms`);
    } finally {
      await sims.stop();
    }
  }

  log(`engine phase (${env.DATABASE_URL ? 'postgres' : 'embedded PGlite'}, ${workers} workers)…`);
  const engine = await runEngine(workload, {
    caps,
    workers,
    triggerConcurrency: int('BENCH_TRIGGER_CONCURRENCY', 8),
    yieldBetweenTriggers: env.BENCH_TIGHT_FEED !== '1',
    config: {
      // This benchmark measures pacing against per-endpoint caps, as the naive baseline sees them;
      // bulk coalescing is measured by the catalog benchmark (bench/vendors-bench.ts).
      VENDOR_BATCH_WINDOW_MS: '0',
      VENDOR_TIMEOUT_MS: String(timeoutMs),
      STEP_WAIT_BUDGET_MS: '120000',
      WORKER_CONCURRENCY: String(workers),
    },
    maxWaitMs: 240_000,
  });
  log(`engine phase done: ${engine.lastFinishedAt - engine.firstAcceptedAt} ms`);

  const report = buildReport({ workload, caps, engine, naive, totalMs: Math.round(performance.now() - started),
    loadAverage: { before: loadBefore, after: os.loadavg() },
  });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'engine.json'), `${JSON.stringify(report.json, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'engine.md'), report.markdown);
  process.stdout.write(`\n${report.summary}\n`);
  const t = report.json.targets as Record<string, { met: boolean; value: number; target: string; detail: string }>;
  for (const [k, v] of Object.entries(t)) log(`target ${k} ${v.target}: ${v.value} (${v.detail}) → ${v.met ? 'met' : 'MISSED'}`);
  log(`wrote ${path.join(outDir, 'engine.json')} and engine.md`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[bench] crashed:', err);
    process.exit(1);
  },
);
