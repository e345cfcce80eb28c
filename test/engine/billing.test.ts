// "Never pay twice", read off the simulators' own billing counters.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contactProps, testCascade, waitForRuns } from '../helpers/env.ts';
import type { TestCascade } from '../helpers/env.ts';
import { generateContacts } from '../../sandbox/world.ts';

let t: TestCascade;
const contacts = generateContacts(60, 6, 'billing');
const withEmail = contacts.filter((c) => c.email);
const withoutEmail = contacts.filter((c) => !c.email);

beforeAll(async () => {
  // No slow or failing SMTP checks here: a verification that never completes is (rightly) not
  // cached, which would blur what these tests count.
  t = await testCascade({ hunter: { slowVerify: { share: 0 }, smtpFailure: { share: 0 } } });
  await t.cascade.startWorker(8);
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => {
  t.sims.apollo.state.faults.rates = { error5xx: 0, timeout: 0, reset: 0 };
  t.sims.hunter.state.faults.rates = { error5xx: 0, timeout: 0, reset: 0 };
});

const noDuplicates = () => {
  expect(t.sims.apollo.state.billing.snapshot().duplicates).toEqual([]);
  expect(t.sims.hunter.state.billing.snapshot().duplicates).toEqual([]);
  expect(t.sims.hunter.state.billing.freeRepeats).toBe(0);
};

describe('no lookup is billed twice', () => {
  it('duplicate triggers (the same callback retried) make one run', async () => {
    const c = withEmail[0]!;
    const input = { portalId: 1, contactId: 'dup-1', source: 'workflow' as const, idempotencyKey: 'cb-dup-1', groups: ['email', 'person', 'company'] as const, properties: contactProps(c) };
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await t.cascade.trigger({ ...input, groups: [...input.groups] }));
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    expect(results.slice(1).every((r) => r.duplicate)).toBe(true);
    await waitForRuns(t.tdb.db, [results[0]!.runId]);
    const runs = await t.tdb.db.knex('enrichment_runs').where({ portal_id: 1, contact_id: 'dup-1' });
    expect(runs).toHaveLength(1);
    noDuplicates();
  });

  it('concurrent triggers for the same contact coalesce into one run', async () => {
    const c = withEmail[1]!;
    const before = t.sims.apollo.state.requests.length;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.cascade.trigger({ portalId: 1, contactId: 'co-1', source: 'card', idempotencyKey: `click-${i}`, groups: ['person', 'company'], properties: contactProps(c) }),
      ),
    );
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    expect(results.filter((r) => r.coalesced)).toHaveLength(5);
    await waitForRuns(t.tdb.db, [results[0]!.runId]);
    // people_match once, organization_enrich once
    const apolloCalls = t.sims.apollo.state.requests.slice(before).filter((r) => !r.fault);
    expect(apolloCalls.length).toBeLessThanOrEqual(2);
    noDuplicates();
  });

  it('a transient failure in a later step retries that step only, not the ones that already returned', async () => {
    const c = withoutEmail[0]!;
    const apolloBefore = t.sims.apollo.state.billing.snapshot().billedCalls;
    t.sims.hunter.state.faults.force('5xx', '5xx');
    const r = await t.cascade.trigger({
      portalId: 1, contactId: 'tr-1', source: 'workflow', idempotencyKey: 'cb-tr-1',
      groups: ['email', 'phone'], properties: contactProps(c), // phone comes only from Hunter's finder
    });
    await waitForRuns(t.tdb.db, [r.runId]);
    const steps = await t.tdb.db.knex('run_steps').where({ run_id: r.runId }).orderBy('seq');
    const apolloSteps = steps.filter((s) => s.vendor === 'apollo');
    // Apollo answered once and was not asked again while Hunter was retried.
    expect(apolloSteps.reduce((n, s) => n + s.http_calls, 0)).toBeLessThanOrEqual(1);
    const hunterStep = steps.find((s) => s.vendor === 'hunter');
    expect(hunterStep, JSON.stringify(steps.map((s) => [s.vendor, s.operation, s.state, s.outcome, s.skip_reason, s.detail]))).toBeTruthy();
    expect(hunterStep!.http_calls).toBeGreaterThanOrEqual(2);
    expect(t.sims.apollo.state.billing.snapshot().billedCalls - apolloBefore).toBeLessThanOrEqual(1);
    noDuplicates();
  });

  it('a second run for the same contact is served from the cache: no vendor request at all', async () => {
    const c = withEmail[2]!;
    const props = contactProps(c);
    const first = await t.cascade.trigger({ portalId: 1, contactId: 'ca-1', source: 'workflow', idempotencyKey: 'cb-ca-1', groups: ['person', 'company', 'email_verification'], properties: props });
    await waitForRuns(t.tdb.db, [first.runId]);
    const apolloReq = t.sims.apollo.state.requests.length;
    const hunterReq = t.sims.hunter.state.requests.length;
    const second = await t.cascade.trigger({ portalId: 1, contactId: 'ca-1', source: 'workflow', idempotencyKey: 'cb-ca-2', groups: ['person', 'company', 'email_verification'], properties: props });
    expect(second.runId).not.toBe(first.runId);
    await waitForRuns(t.tdb.db, [second.runId]);
    expect(t.sims.apollo.state.requests.length).toBe(apolloReq);
    expect(t.sims.hunter.state.requests.length).toBe(hunterReq);
    const steps = await t.tdb.db.knex('run_steps').where({ run_id: second.runId });
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.filter((s) => s.state === 'done').every((s) => s.source === 'cache' && s.cost_mc === 0)).toBe(true);
    const a = await t.tdb.db.knex('enrichment_runs').where({ id: first.runId }).first();
    const b = await t.tdb.db.knex('enrichment_runs').where({ id: second.runId }).first();
    expect(b.status).toBe(a.status);
    expect(b.cost_mc).toBe(0);
    noDuplicates();
  });

  it('force_refresh bypasses the cache and pays again, once', async () => {
    const c = withEmail[2]!;
    const before = t.sims.apollo.state.requests.length;
    const r = await t.cascade.trigger({ portalId: 1, contactId: 'ca-1', source: 'card', idempotencyKey: 'refresh-1', groups: ['person'], forceRefresh: true, properties: contactProps(c) });
    await waitForRuns(t.tdb.db, [r.runId]);
    expect(t.sims.apollo.state.requests.length).toBe(before + 1);
    // Asked for, so paid for: that lookup is now billed exactly twice, and nothing else is.
    const dups = t.sims.apollo.state.billing.snapshot().duplicates;
    expect(dups).toEqual([{ id: `apollo-portal-a-key-0001|people_match|email:${c.email}`, times: 2 }]);
    t.sims.apollo.state.billing.reset();
  });

  it('fifty leads of one company pay for the company once, even when their runs are concurrent', async () => {
    const sameCompany = contacts.filter((c) => c.domain === contacts[5]!.domain);
    expect(sameCompany.length).toBeGreaterThanOrEqual(5);
    const runs = await Promise.all(
      sameCompany.map((c, i) =>
        t.cascade.trigger({ portalId: 1, contactId: `co-dom-${i}`, source: 'workflow', idempotencyKey: `cb-co-dom-${i}`, groups: ['company'], properties: contactProps(c) }),
      ),
    );
    await waitForRuns(t.tdb.db, runs.map((r) => r.runId));
    const orgRequests = t.sims.apollo.state.requests.filter((r) => r.path.endsWith('/organizations/enrich') && !r.fault);
    const domains = orgRequests.map((r) => String(r.query.domain));
    expect(domains.filter((d) => d === sameCompany[0]!.domain)).toHaveLength(1);
    noDuplicates();
  });
});
