// When vendors misbehave: quota used up, keys rejected, people who opted out, caps that pause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APOLLO_FIRST_WATERFALL, contactProps, HUNTER_KEY_A, testCascade, waitForRuns } from '../helpers/env.ts';
import type { TestCascade } from '../helpers/env.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { setCaps } from '../../server/enrichment/spend.ts';
import { generateContacts } from '../../sandbox/world.ts';

let t: TestCascade;
const people = generateContacts(40, 10, 'trouble').filter((c) => c.email);
const optedOut = people[0]!;

beforeAll(async () => {
  t = await testCascade({
    // Hunter: one e-mail belongs to a person who opted out (451), and the key has 3 credits.
    hunter: { optedOutEmails: [optedOut.email!], optedOutShare: 0, slowVerify: { share: 0 }, smtpFailure: { share: 0 }, creditsPerKey: { perKey: { [HUNTER_KEY_A]: 3 } } },
  });
  await t.cascade.startWorker(4);
});
afterAll(async () => {
  await t?.close();
});

const run = async (id: string, c: (typeof people)[number], groups: ('email' | 'person' | 'company' | 'email_verification' | 'phone')[]) => {
  const r = await t.cascade.trigger({ portalId: 1, contactId: id, source: 'api', idempotencyKey: id, groups, properties: contactProps(c) });
  await waitForRuns(t.tdb.db, [r.runId]);
  return t.tdb.db.knex('enrichment_runs').where({ id: r.runId }).first();
};

describe('vendor trouble', () => {
  it('a person who opted out (Hunter 451) stops the run as suppressed and nothing of theirs is written', async () => {
    // Apollo answers the person group first; Hunter's finder (phone) then says the person opted out.
    const r = await run('opted-out', optedOut, ['person', 'phone']);
    expect(r.status).toBe('suppressed');
    expect(Object.keys(r.profile).length).toBeGreaterThan(0); // Apollo did find them
    expect(Object.keys(r.changes.properties).every((p: string) => p.startsWith('cascade_'))).toBe(true);
    expect(r.changes.properties.cascade_status).toBe('suppressed');
  });

  it('a used-up quota (Hunter 429) cools the key down: later runs skip Hunter without asking it again', async () => {
    await saveSettings(t.tdb.db.knex, 1, { waterfall: { email_verification: [{ vendor: 'hunter', operation: 'email_verifier' }] } });
    // 3 credits at 0.5 a verification: six answers, then the quota is gone.
    for (let i = 1; i <= 8; i++) await run(`quota-${i}`, people[i]!, ['email_verification']);
    const quotaSignals = t.sims.hunter.state.requests.filter((r) => r.status === 429).length;
    expect(quotaSignals).toBe(1); // one 429, then no retry storm
    const before = t.sims.hunter.state.requests.length;
    for (let i = 9; i <= 12; i++) {
      const r = await run(`quota-${i}`, people[i]!, ['email_verification']);
      expect(r.status).toBe('failed');
      expect(r.summary.errorCode).toBe('VENDOR_QUOTA_EXHAUSTED');
    }
    expect(t.sims.hunter.state.requests.length).toBe(before);
    const audit = await t.tdb.db.knex('audit_events').where({ type: 'vendor.quota_exhausted' });
    expect(audit).toHaveLength(1);
  });

  it('a rejected key is recorded, and the waterfall goes on to the next vendor', async () => {
    await t.cascade.credentials.put(1, { vendor: 'apollo', apiKey: 'apollo-revoked-key-9999' });
    await saveSettings(t.tdb.db.knex, 1, { waterfall: APOLLO_FIRST_WATERFALL });
    const r = await run('bad-key', people[20]!, ['person']);
    const steps = await t.tdb.db.knex('run_steps').where({ run_id: r.id }).orderBy('seq');
    expect(steps[0]).toMatchObject({ vendor: 'apollo', outcome: 'auth_failed', skip_reason: 'error', billed: false });
    expect(steps.map((s) => s.vendor)).toContain('hunter');
    expect(await t.tdb.db.knex('audit_events').where({ type: 'vendor.auth_failed' })).toHaveLength(1);
  });

  it('on_cap "pause" stops the run at the cap instead of paying the next vendor', async () => {
    await t.cascade.credentials.put(1, { vendor: 'apollo', apiKey: 'apollo-portal-a-key-0001' });
    await setCaps(t.tdb.db.knex, 1, [{ scope: 'apollo', period: 'day', capCents: 0 }]);
    await saveSettings(t.tdb.db.knex, 1, { on_cap: 'pause', waterfall: APOLLO_FIRST_WATERFALL });
    const hunterBefore = t.sims.hunter.state.requests.length;
    const r = await run('paused', people[21]!, ['person']);
    expect(r.status).toBe('cap_reached');
    expect(r.summary.errorCode).toBe('CAP_REACHED');
    expect(t.sims.hunter.state.requests.length).toBe(hunterBefore);
    await setCaps(t.tdb.db.knex, 1, []);
  });
});
