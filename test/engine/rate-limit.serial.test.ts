// "Never trip a vendor's rate limit": a burst larger than the vendor's window drains at the
// vendor's pace with zero limit signals, and when the configured pace is wrong the vendor's own
// signal is honoured and the burst still drains instead of being dropped.
import { afterEach, describe, expect, it } from 'vitest';
import { contactProps, testCascade, waitForRuns } from '../helpers/env.ts';
import type { TestCascade } from '../helpers/env.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { generateContacts } from '../../sandbox/world.ts';

let t: TestCascade | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const verifierLimits = { perSecond: 4, perMinute: 12, secondMs: 1000, minuteMs: 4000 };
const burst = generateContacts(80, 8, 'burst').filter((c) => c.email).slice(0, 30);

async function runBurst(engineWindows: { limit: number; windowMs: number }[]) {
  t = await testCascade({
    hunter: { limits: { verifier: verifierLimits }, slowVerify: { share: 0 }, smtpFailure: { share: 0 }, optedOutShare: 0 },
    // The guard must exceed the time from "token taken" to "request arrives at the vendor". Here the
    // simulator and the embedded database share the test's event loop on a busy 2-core machine:
    // PGlite's queries run synchronously on that loop and delay a send by up to a few hundred ms
    // (measured); in production it is the network latency to the vendor. Tokens are used at the
    // start of each window when the run is cap-bound, so a long guard costs no throughput.
    config: { STEP_WAIT_BUDGET_MS: '60000', RATE_WINDOW_GUARD_MS: '300' },
  });
  await saveSettings(t.tdb.db.knex, 1, { rate_limits: { 'hunter.email_verifier': engineWindows } });
  await t.cascade.startWorker(8); // the burst queues and drains; it is not dropped
  const runs = await Promise.all(
    burst.map((c, i) => t!.cascade.trigger({ portalId: 1, contactId: `b${i}`, source: 'workflow', idempotencyKey: `b${i}`, groups: ['email_verification'], properties: contactProps(c) })),
  );
  await waitForRuns(t.tdb.db, runs.map((r) => r.runId), 90_000);
  const steps = await t.tdb.db.knex('run_steps').where({ vendor: 'hunter', operation: 'email_verifier' });
  return { runs, steps };
}

describe('rate limits', () => {
  it(`a burst of ${burst.length} against a 4/s + 12 per 4 s window finishes with zero vendor limit signals`, async () => {
    expect(burst.length).toBe(30);
    const { steps } = await runBurst([{ limit: 4, windowMs: 1000 }, { limit: 12, windowMs: 4000 }]);
    expect(t!.sims.hunter.state.limitSignals).toBe(0);
    expect(steps).toHaveLength(30);
    expect(steps.filter((s) => s.state !== 'done')).toEqual([]);
    // It really was paced: 30 calls at 12 per 4 s need at least two window boundaries.
    const times = t!.sims.hunter.state.requests.filter((r) => r.path.endsWith('email-verifier')).map((r) => r.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(4000);
  });

  it("when the configured pace is too fast, the vendor's 403 is honoured and the burst still drains, nothing dropped", async () => {
    const { steps } = await runBurst([{ limit: 50, windowMs: 1000 }]);
    expect(t!.sims.hunter.state.limitSignals).toBeGreaterThan(0);
    expect(steps).toHaveLength(30);
    expect(steps.filter((s) => s.state !== 'done')).toEqual([]);
    expect(t!.sims.hunter.state.billing.snapshot().duplicates).toEqual([]);
  });
});
