// "Never trip a vendor's rate limit": a burst larger than the vendor's window drains at the
// vendor's pace with zero limit signals, and when the configured pace is wrong the vendor's own
// signal is honoured and the burst still drains instead of being dropped. The simulator runs in its
// own process, as a real vendor does, so its clock is not held up by the engine's event loop.
import { afterEach, describe, expect, it } from 'vitest';
import { contactProps, HUNTER_KEY_A, silentLog, testConfig, testDatabase, waitForRuns } from '../helpers/env.ts';
import type { TestDb } from '../helpers/env.ts';
import { spawnSim } from '../helpers/processes.ts';
import type { SimProcess } from '../helpers/processes.ts';
import { createCascade } from '../../server/cascade.ts';
import type { Cascade } from '../../server/cascade.ts';
import { ensurePortal } from '../../server/portals/portals.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { generateContacts } from '../../sandbox/world.ts';

let sim: SimProcess | undefined;
let tdb: TestDb | undefined;
let cascade: Cascade | undefined;
afterEach(async () => {
  await cascade?.close();
  await tdb?.drop();
  await sim?.stop();
  cascade = undefined;
  tdb = undefined;
  sim = undefined;
});

const verifierLimits = { perSecond: 4, perMinute: 12, secondMs: 1000, minuteMs: 4000 };
const burst = generateContacts(80, 8, 'burst').filter((c) => c.email).slice(0, 30);

async function runBurst(engineWindows: { limit: number; windowMs: number }[]) {
  sim = await spawnSim('hunter', {
    validKeys: [HUNTER_KEY_A],
    latencyMs: [2, 8],
    limits: { verifier: verifierLimits },
    slowVerify: { share: 0 },
    smtpFailure: { share: 0 },
    optedOutShare: 0,
  });
  tdb = await testDatabase();
  // The guard covers the time from "token taken" to "request arrives at the vendor": on the
  // embedded database PGlite's queries run on the engine's event loop and can hold a send back by a
  // couple of hundred ms at the start of a burst (measured). When the run is cap-bound the tokens
  // are used at the start of each window, so a long guard costs no throughput.
  cascade = await createCascade(
    testConfig({ HUNTER_BASE_URL: sim.url, STEP_WAIT_BUDGET_MS: '60000', RATE_WINDOW_GUARD_MS: '300' }),
    { log: silentLog, db: tdb.db, queueSchema: tdb.schema ? `${tdb.schema}_boss` : undefined },
  );
  await ensurePortal(tdb.db.knex, 1);
  await cascade.credentials.put(1, { vendor: 'hunter', apiKey: HUNTER_KEY_A });
  await saveSettings(tdb.db.knex, 1, { rate_limits: { 'hunter.email_verifier': engineWindows } });
  await cascade.startWorker(8); // the burst queues and drains; it is not dropped
  const runs = await Promise.all(
    burst.map((c, i) => cascade!.trigger({ portalId: 1, contactId: `b${i}`, source: 'workflow', idempotencyKey: `b${i}`, groups: ['email_verification'], properties: contactProps(c) })),
  );
  await waitForRuns(tdb.db, runs.map((r) => r.runId), 90_000);
  const steps = await tdb.db.knex('run_steps').where({ vendor: 'hunter', operation: 'email_verifier' });
  return { steps, stats: await sim.stats(), requests: await sim.requests() };
}

describe('rate limits', () => {
  it(`a burst of ${burst.length} against a 4/s + 12 per 4 s window finishes with zero vendor limit signals`, async () => {
    expect(burst.length).toBe(30);
    const { steps, stats, requests } = await runBurst([{ limit: 4, windowMs: 1000 }, { limit: 12, windowMs: 4000 }]);
    expect(stats.limitSignals).toBe(0);
    expect(steps).toHaveLength(30);
    expect(steps.filter((s) => s.state !== 'done')).toEqual([]);
    // It really was paced: 30 calls at 12 per 4 s need at least two window boundaries.
    const times = requests.filter((r) => r.path.endsWith('email-verifier')).map((r) => r.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(4000);
  });

  it("when the configured pace is too fast, the vendor's 403 is honoured and the burst still drains, nothing dropped", async () => {
    const { steps, stats } = await runBurst([{ limit: 50, windowMs: 1000 }]);
    expect(stats.limitSignals).toBeGreaterThan(0);
    expect(steps).toHaveLength(30);
    expect(steps.filter((s) => s.state !== 'done')).toEqual([]);
    expect(stats.billing.duplicates).toEqual([]);
  });
});
