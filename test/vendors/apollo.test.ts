// Apollo adapter against the Apollo simulator, over real HTTP (both on 127.0.0.1, port 0).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APOLLO_DEFAULT_WINDOWS, apolloAdapter, apolloQuota, apolloRetryAt, nextBoundary } from '../../server/vendors/apollo/adapter.ts';
import type { CallContext, ContactFacts, Lookup, VendorResult } from '../../server/vendors/types.ts';
import { apolloMissForm, createApolloSim } from '../../sandbox/vendors/apollo.ts';
import type { ApolloSim, ApolloSimOptions } from '../../sandbox/vendors/apollo.ts';
import { companyFor, vendorKnows } from '../../sandbox/world.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { checkAndCloseAfterAll, Pool, scripted, simStarter, sleep, syntheticDomains, worldContacts } from '../helpers/vendor-fixtures.ts';
import type { Scripted, SimRun } from '../helpers/vendor-fixtures.ts';

const KEY = 'apollo-test-key-0001';
const EXHAUSTED_KEY = 'apollo-test-key-0002';
const WRONG_KEY = 'apollo-test-key-9999';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const peopleMatch = apolloAdapter.operations.people_match!;
const orgEnrich = apolloAdapter.operations.organization_enrich!;

// ---------------------------------------------------------------------------------------------
// A pool of world contacts, each used by at most one test, so no lookup is ever sent twice by
// accident and the billing counter can prove that nothing was billed twice.

interface Candidate {
  person: WorldPerson;
  facts: ContactFacts;
  lookup: Lookup;
  known: boolean;
}

const candidates = new Pool<Candidate>(
  worldContacts(600, 60, 'apollo-test').map(({ person, facts }) => ({
    person,
    facts,
    lookup: peopleMatch.lookup(facts)!,
    known: vendorKnows('apollo', person.email, 0.75),
  })),
  (c) => c.lookup.key,
);
const takeHit = (pred: (c: Candidate) => boolean = () => true) => candidates.take((c) => c.known && pred(c));
const takeMiss = (form?: 'null' | 'stub') => candidates.take((c) => !c.known && (!form || apolloMissForm(c.lookup.key) === form));

const domains = new Pool(syntheticDomains('apollo-org', 400), (d) => d, 'domain');
const takeDomain = (known: boolean): string => domains.take((x) => vendorKnows('apollo', `org:${x}`, 0.75) === known);

// ---------------------------------------------------------------------------------------------

type Running = SimRun<ApolloSim>;

const { running, start: startSim } = simStarter(
  (opts: Partial<ApolloSimOptions>) =>
    createApolloSim({ validKeys: [KEY, EXHAUSTED_KEY], exhaustedKeys: [EXHAUSTED_KEY], latencyMs: [0, 2], ...opts }),
  (server) => ({ apiKey: KEY, baseUrl: `${server.url}/api/v1` }),
);

function billedLookups(r: Running): string[] {
  return r.sim.state.billing.events.map((e) => e.lookup);
}

checkAndCloseAfterAll(running, (r) => {
  // The point of the exercise: nothing was ever billed twice.
  expect(r.sim.state.billing.snapshot().duplicates).toEqual([]);
});

describe('apollo adapter lookups', () => {
  it('builds canonical keys: e-mail first, then name + domain / company, then LinkedIn', () => {
    expect(peopleMatch.lookup({ email: ' Ada.Lovelace@ACME.com ' })).toEqual({
      key: 'email:ada.lovelace@acme.com',
      params: { email: 'ada.lovelace@acme.com' },
    });
    const byName = peopleMatch.lookup({ first_name: 'Ada', last_name: 'LOVELACE', domain: 'https://www.Acme.com/about' });
    expect(byName?.key).toBe('name:ada|lovelace|acme.com');
    expect(byName?.params).toEqual({ first_name: 'Ada', last_name: 'LOVELACE', domain: 'acme.com' });
    expect(peopleMatch.lookup({ first_name: 'ada', last_name: 'lovelace', domain: 'acme.com' })?.key).toBe(byName?.key);
    expect(peopleMatch.lookup({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme  Inc' })).toEqual({
      key: 'name:ada|lovelace|company:acme inc',
      params: { first_name: 'Ada', last_name: 'Lovelace', organization_name: 'Acme Inc' },
    });
    expect(peopleMatch.lookup({ linkedin_url: 'linkedin.com/in/Ada-Lovelace/' })?.key).toBe(
      'linkedin:https://www.linkedin.com/in/ada-lovelace',
    );
    expect(peopleMatch.lookup({ first_name: 'Ada' })).toBeNull();
    expect(peopleMatch.lookup({ linkedin_url: 'https://www.linkedin.com/company/acme' })).toBeNull();
    expect(orgEnrich.lookup({ domain: 'WWW.Acme.com' })).toEqual({ key: 'domain:acme.com', params: { domain: 'acme.com' } });
    expect(orgEnrich.lookup({ email: 'ada@acme.com' })).toBeNull();
  });

  it('declares Apollo billing, costs and bulk size', () => {
    expect(apolloAdapter.id).toBe('apollo');
    expect(peopleMatch.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: false });
    expect(peopleMatch.costMillicents).toBe(3_000);
    expect(peopleMatch.batch?.maxSize).toBe(10);
    expect(orgEnrich.batch?.maxSize).toBe(10);
    expect(orgEnrich.batch?.rateWindows).toEqual(APOLLO_DEFAULT_WINDOWS.organizations_bulk_enrich);
    expect(peopleMatch.groups).toEqual(['email', 'person', 'company']);
    expect(orgEnrich.groups).toEqual(['company']);
    const all = [...peopleMatch.rateWindows, ...orgEnrich.rateWindows, ...peopleMatch.batch!.rateWindows, ...orgEnrich.batch!.rateWindows];
    for (const w of all) {
      expect(w.limit).toBeGreaterThan(0);
      expect([MINUTE, 3_600_000, DAY]).toContain(w.windowMs);
    }
  });
});

describe('apollo adapter over HTTP', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startSim();
  });
  afterEach(() => {
    r.sim.state.faults.rates = { error5xx: 0, timeout: 0, reset: 0 };
  });

  it('maps a bad key to auth_failed without leaking it, and bills nothing', async () => {
    const c = takeHit();
    const res = await apolloAdapter.call('people_match', c.lookup, { ...r.ctx, apiKey: WRONG_KEY });
    expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 401, billed: false });
    expect(res.message).not.toContain(WRONG_KEY);
    const raw = await fetch(`${r.server.url}/api/v1/people/match`, { method: 'POST' });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ error: 'Invalid access credentials.' });
    expect(billedLookups(r)).not.toContain(c.lookup.key);
  });

  it('returns a hit with the world values, billed once', async () => {
    const c = takeHit((x) => !!x.facts.email && x.person.mailbox === 'valid');
    const before = r.sim.state.billing.events.length;
    const res = await apolloAdapter.call('people_match', c.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    // The simulator answers in Apollo's shape: nothing the schema does not know, nothing missing.
    expect(res.drift).toBeUndefined();
    expect(res.quota?.map((q) => [q.windowMs, q.limit])).toEqual([
      [MINUTE, 1_000],
      [HOUR, 6_000],
      [DAY, 50_000],
    ]);
    const p = res.profile!;
    const w = c.person;
    expect(p.work_email?.value).toBe(w.email);
    expect([0.95, 0.5]).toContain(p.work_email?.confidence);
    expect(p.email_status?.value).toMatch(/^(valid|risky)$/);
    expect(p.first_name).toEqual({ value: w.firstName, confidence: 0.8 });
    expect(p.last_name?.value).toBe(w.lastName);
    expect(p.job_title?.value).toBe(w.title);
    expect(p.seniority?.value).toBe(w.seniority);
    expect(p.linkedin_url?.value).toBe(w.linkedinUrl);
    expect(p.city?.value).toBe(w.city);
    expect(p.country?.value).toBe(w.country);
    expect(p.company_name).toEqual({ value: w.company.name, confidence: 0.85 });
    expect(p.company_domain?.value).toBe(w.company.domain);
    expect(p.industry?.value).toBe(w.company.industry);
    expect(p.employee_count?.value).toBe(String(w.company.employees));
    expect(p.annual_revenue?.value).toBe(String(w.company.annualRevenue));
    expect(p.company_linkedin_url?.value).toBe(w.company.linkedinUrl);
    if (w.company.tech.length) expect(p.tech_stack?.value.toLowerCase()).toBe(w.company.tech.join(', '));
    expect(r.sim.state.billing.events.slice(before).map((e) => e.lookup)).toEqual([c.lookup.key]);
  });

  it('finds a person by name + domain, and by name + organization_name', async () => {
    const byDomain = takeHit((x) => !x.facts.email);
    const res = await apolloAdapter.call('people_match', byDomain.lookup, r.ctx);
    expect(res.outcome).toBe('hit');
    expect(res.profile?.job_title?.value).toBe(byDomain.person.title);

    const byCompany = takeHit();
    const lookup = peopleMatch.lookup({
      first_name: byCompany.person.firstName,
      last_name: byCompany.person.lastName,
      company_name: companyFor(byCompany.person.company.domain).name,
    })!;
    const res2 = await apolloAdapter.call('people_match', lookup, r.ctx);
    expect(res2.outcome).toBe('hit');
    expect(res2.profile?.company_domain?.value).toBe(byCompany.person.company.domain);
  });

  it('maps both miss forms (person: null and the no-id stub) to an unbilled miss', async () => {
    const before = r.sim.state.billing.events.length;
    for (const form of ['null', 'stub'] as const) {
      const c = takeMiss(form);
      const raw = await fetch(`${r.server.url}/api/v1/people/match`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify(c.lookup.params),
      });
      const body = (await raw.json()) as { person: Record<string, unknown> | null };
      expect(raw.status).toBe(200);
      if (form === 'null') expect(body.person).toBeNull();
      else expect(body.person).toMatchObject({ match_confidence: 'none' });
      if (form === 'stub') expect(body.person).not.toHaveProperty('id');

      const res = await apolloAdapter.call('people_match', c.lookup, r.ctx);
      expect(res).toMatchObject({ outcome: 'miss', httpStatus: 200, billed: false });
      expect(res.profile).toBeUndefined();
      expect(res.drift).toBeUndefined();
    }
    const unknown = peopleMatch.lookup({ email: 'nobody.here@nowhere-apollo.example' })!;
    expect((await apolloAdapter.call('people_match', unknown, r.ctx)).outcome).toBe('miss');
    expect(r.sim.state.billing.events.length).toBe(before);
  });

  it('accepts parameters in the query string and the key as api_key, as Apollo does', async () => {
    const c = takeHit((x) => !!x.facts.email);
    const qs = new URLSearchParams({ email: c.facts.email!, api_key: KEY });
    const raw = await fetch(`${r.server.url}/api/v1/people/match?${qs}`, { method: 'POST' });
    expect(raw.status).toBe(200);
    const body = (await raw.json()) as { person: { id?: string; title?: string } };
    expect(body.person.id).toMatch(/^[0-9a-f]{24}$/);
    expect(body.person.title).toBe(c.person.title);
  });

  it('enriches an organization by domain; {} is an unbilled miss', async () => {
    const d = takeDomain(true);
    const before = r.sim.state.billing.events.length;
    const hit = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: d })!, r.ctx);
    expect(hit).toMatchObject({ outcome: 'hit', billed: true, httpStatus: 200 });
    const co = companyFor(d);
    expect(hit.profile?.company_name?.value).toBe(co.name);
    expect(hit.profile?.company_domain?.value).toBe(d);
    expect(hit.profile?.employee_count?.value).toBe(String(co.employees));
    expect(hit.profile?.work_email).toBeUndefined();

    const missDomain = takeDomain(false);
    const raw = await fetch(`${r.server.url}/api/v1/organizations/enrich?domain=${missDomain}`, { headers: { 'x-api-key': KEY } });
    expect(await raw.json()).toEqual({});
    const miss = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: missDomain })!, r.ctx);
    expect(miss).toMatchObject({ outcome: 'miss', httpStatus: 200, billed: false });
    expect(miss.profile).toBeUndefined();
    expect(miss.drift).toBeUndefined();
    expect(r.sim.state.billing.events.slice(before).map((e) => e.lookup)).toEqual([`domain:${d}`]);
  });

  it('maps a key without credits (422) to quota_exhausted, unbilled', async () => {
    const c = takeHit();
    const res = await apolloAdapter.call('people_match', c.lookup, { ...r.ctx, apiKey: EXHAUSTED_KEY });
    expect(res).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 422, billed: false });
    expect(res.message).toMatch(/credits/i);
  });

  it('sends bulk lookups in order, mapping hits and misses back and billing each hit', async () => {
    const picks = [takeHit(), takeMiss('null'), takeHit(), takeMiss('stub'), takeHit(), takeHit(), takeMiss()];
    const before = r.sim.state.billing.events.length;
    const results = await apolloAdapter.callBatch!('people_match', picks.map((p) => p.lookup), r.ctx);
    expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p.known ? 'hit' : 'miss')));
    expect(results.map((x) => x.billed)).toEqual(picks.map((p) => p.known));
    picks.forEach((p, i) => {
      if (p.known) expect(results[i]?.profile?.job_title?.value).toBe(p.person.title);
    });
    const billed = r.sim.state.billing.events.slice(before);
    expect(billed.map((e) => e.lookup)).toEqual(picks.filter((p) => p.known).map((p) => p.lookup.key));
    expect(billed.every((e) => e.credits === 1 && e.operation === 'people_match')).toBe(true);
  });

  it('the simulator rejects more than 10 details with 422; the adapter splits into chunks of ≤10', async () => {
    const details = Array.from({ length: 11 }, (_, i) => ({ email: `x${i}@oversized.example` }));
    const raw = await fetch(`${r.server.url}/api/v1/people/bulk_match`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ details }),
    });
    expect(raw.status).toBe(422);
    expect(((await raw.json()) as { error: string }).error).toMatch(/10/);

    const picks = Array.from({ length: 23 }, (_, i) => (i % 3 === 0 ? takeMiss() : takeHit()));
    const reqBefore = r.sim.state.requests.length;
    const before = r.sim.state.billing.events.length;
    const results = await apolloAdapter.callBatch!('people_match', picks.map((p) => p.lookup), r.ctx);
    expect(results).toHaveLength(23);
    expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p.known ? 'hit' : 'miss')));
    const sent = r.sim.state.requests.slice(reqBefore).filter((q) => q.path === '/api/v1/people/bulk_match');
    expect(sent.map((q) => (q.body as { details: unknown[] }).details.length)).toEqual([10, 10, 3]);
    expect(sent.every((q) => q.status === 200)).toBe(true);
    expect(r.sim.state.billing.events.length - before).toBe(picks.filter((p) => p.known).length);
  });

  it('maps an injected 5xx, a timeout and a connection reset to transient, never billed', async () => {
    const before = r.sim.state.billing.events.length;
    const ctx = { ...r.ctx, timeoutMs: 300 };

    r.sim.state.faults.force('5xx');
    const five = await apolloAdapter.call('people_match', takeHit().lookup, ctx);
    expect(five.outcome).toBe('transient');
    expect([500, 502, 503]).toContain(five.httpStatus);
    expect(five.billed).toBe(false);

    r.sim.state.faults.force('timeout');
    const t0 = Date.now();
    const timeout = await apolloAdapter.call('people_match', takeHit().lookup, ctx);
    expect(timeout).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false });
    expect(Date.now() - t0).toBeLessThan(2_000);

    r.sim.state.faults.force('reset');
    const reset = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: takeDomain(true) })!, ctx);
    expect(reset).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false });

    r.sim.state.faults.force('5xx');
    const bulk = await apolloAdapter.callBatch!('people_match', [takeHit().lookup, takeHit().lookup], ctx);
    expect(bulk.map((x) => [x.outcome, x.billed])).toEqual([
      ['transient', false],
      ['transient', false],
    ]);
    expect(r.sim.state.billing.events.length).toBe(before);
    expect(r.sim.state.faults.injected).toMatchObject({ '5xx': 2, timeout: 1, reset: 1 });
  });

  it('carries the window headers on every answer', async () => {
    const raw = await fetch(`${r.server.url}/api/v1/organizations/enrich?domain=${takeDomain(false)}`, {
      headers: { 'x-api-key': KEY },
    });
    for (const h of ['x-minute-requests-left', 'x-hourly-requests-left', 'x-24-hour-requests-left', 'x-rate-limit-minute']) {
      expect(Number(raw.headers.get(h))).toBeGreaterThan(0);
    }
    expect(raw.headers.get('retry-after')).toBeNull();
  });
});

describe('apollo rate windows', () => {
  it('429 after the minute window is used: rate_limited until the next minute boundary, then recovers', async () => {
    // A 1-second "minute" so the test need not wait for the clock; the adapter still reads the
    // window name Apollo sends and answers with the real next minute boundary.
    const r = await startSim({ rateLimits: { 'people/match': { minute: 2 } }, windowMs: { minute: 1_000 } });
    // Start right after a window boundary so the three calls share one window.
    await sleep(1_000 - (Date.now() % 1_000) + 10);
    const [a, b, c] = [takeHit(), takeHit(), takeHit()];
    expect((await apolloAdapter.call('people_match', a.lookup, r.ctx)).outcome).toBe('hit');
    expect((await apolloAdapter.call('people_match', b.lookup, r.ctx)).outcome).toBe('hit');

    const raw = await fetch(`${r.server.url}/api/v1/people/match`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify(c.lookup.params),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBeNull();
    expect(raw.headers.get('x-minute-requests-left')).toBe('0');
    expect(await raw.json()).toEqual({
      message: expect.stringMatching(/api\/v1\/people\/match is 2 times per minute/),
      error_details: { code: 'USAGE.RATE_LIMIT.API_RATE_LIMIT_EXCEEDED' },
    });

    const t0 = Date.now();
    const limited = await apolloAdapter.call('people_match', c.lookup, r.ctx);
    const t1 = Date.now();
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect([nextBoundary(t0, MINUTE), nextBoundary(t1, MINUTE)]).toContain(limited.retryAt);
    expect(r.sim.state.limitSignals).toBe(2);

    await sleep(1_000 - (Date.now() % 1_000) + 20);
    const recovered = await apolloAdapter.call('people_match', c.lookup, r.ctx);
    expect(recovered).toMatchObject({ outcome: 'hit', billed: true });
    expect(billedLookups(r)).toEqual([a.lookup.key, b.lookup.key, c.lookup.key]);
  });

  it('a used-up day window means waiting for the next UTC midnight', async () => {
    const r = await startSim({ rateLimits: { 'organizations/enrich': { day: 1 } } });
    const first = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: takeDomain(true) })!, r.ctx);
    expect(first.outcome).toBe('hit');
    const t0 = Date.now();
    const second = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: takeDomain(true) })!, r.ctx);
    expect(second).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect(second.retryAt).toBe(nextBoundary(t0, DAY));
    expect(new Date(second.retryAt!).toISOString()).toMatch(/T00:00:00\.000Z$/);
    expect(second.message).toMatch(/per day/);
  });

  it('a bulk 429 stops the remaining chunks instead of sending them into the wall', async () => {
    const r = await startSim({ rateLimits: { 'people/bulk_match': { minute: 1 } }, windowMs: { minute: 5_000 } });
    await sleep(5_000 - (Date.now() % 5_000) + 10);
    const picks = Array.from({ length: 25 }, () => takeHit());
    const results = await apolloAdapter.callBatch!('people_match', picks.map((p) => p.lookup), r.ctx);
    expect(results.slice(0, 10).every((x) => x.outcome === 'hit' && x.billed)).toBe(true);
    expect(results.slice(10).every((x) => x.outcome === 'rate_limited' && !x.billed && x.retryAt)).toBe(true);
    const bulkCalls = r.sim.state.requests.filter((q) => q.path === '/api/v1/people/bulk_match');
    expect(bulkCalls.map((q) => q.status)).toEqual([200, 429]);
    expect(billedLookups(r)).toEqual(picks.slice(0, 10).map((p) => p.lookup.key));
  });

  it('apolloRetryAt reads the window name and the "left" headers', () => {
    const now = Date.UTC(2026, 4, 5, 13, 27, 41, 500);
    const none = new Headers();
    const msg = (w: string) => `The maximum number of api calls allowed for api/v1/people/match is 600 times per ${w}.`;
    expect(apolloRetryAt(msg('minute'), none, now)).toBe(Date.UTC(2026, 4, 5, 13, 28));
    expect(apolloRetryAt(msg('hour'), none, now)).toBe(Date.UTC(2026, 4, 5, 14, 0));
    expect(apolloRetryAt(msg('24 hours'), none, now)).toBe(Date.UTC(2026, 4, 6));
    expect(apolloRetryAt(msg('day'), none, now)).toBe(Date.UTC(2026, 4, 6));
    const hourGone = new Headers({ 'x-minute-requests-left': '0', 'x-hourly-requests-left': '0', 'x-24-hour-requests-left': '12' });
    expect(apolloRetryAt(msg('minute'), hourGone, now)).toBe(Date.UTC(2026, 4, 5, 14, 0));
    expect(apolloRetryAt('slow down', none, now)).toBe(Date.UTC(2026, 4, 5, 13, 28));
  });
});

describe('apollo organizations/bulk_enrich', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startSim();
  });

  it('the simulator leaves misses out of `organizations`; the adapter pairs by domain, in order, billing each hit once', async () => {
    const picks = [true, false, true, true, false, false, true, false].map((known) => ({ known, domain: takeDomain(known) }));
    const raw = await fetch(`${r.server.url}/api/v1/organizations/bulk_enrich`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ domains: [takeDomain(false), takeDomain(true)] }),
    });
    const body = (await raw.json()) as { organizations: { primary_domain: string }[]; missing_records: number; total_requested_domains: number };
    expect(raw.status).toBe(200);
    expect(body).toMatchObject({ total_requested_domains: 2, missing_records: 1 });
    expect(body.organizations).toHaveLength(1);

    const before = r.sim.state.billing.events.length;
    const results = await apolloAdapter.callBatch!('organization_enrich', picks.map((p) => orgEnrich.lookup({ domain: p.domain })!), r.ctx);
    expect(results.map((x) => [x.outcome, x.billed])).toEqual(picks.map((p) => (p.known ? ['hit', true] : ['miss', false])));
    picks.forEach((p, i) => {
      if (!p.known) return;
      const co = companyFor(p.domain);
      expect(results[i]?.profile?.company_domain?.value).toBe(p.domain);
      expect(results[i]?.profile?.company_name?.value).toBe(co.name);
      expect(results[i]?.profile?.employee_count?.value).toBe(String(co.employees));
      // Bulk answers carry no technology_names (as observed on Apollo): nothing invented.
      expect(results[i]?.profile?.tech_stack).toBeUndefined();
    });
    expect(results.every((x) => x.drift === undefined && x.quota?.length === 3)).toBe(true);
    const billed = r.sim.state.billing.events.slice(before);
    expect(billed.map((e) => e.lookup)).toEqual(picks.filter((p) => p.known).map((p) => `domain:${p.domain}`));
    expect(billed.every((e) => e.operation === 'organization_enrich' && e.credits === 1)).toBe(true);
    const sent = r.sim.state.requests.filter((q) => q.path === '/api/v1/organizations/bulk_enrich').at(-1);
    expect((sent?.body as { domains: string[] }).domains).toEqual(picks.map((p) => p.domain));
  });

  it('rejects more than 10 domains with 422; the adapter sends chunks of ≤10 and maps 23 lookups back', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `x${i}.oversized.example`);
    for (const init of [
      { url: `${r.server.url}/api/v1/organizations/bulk_enrich`, body: JSON.stringify({ domains: eleven }) },
      { url: `${r.server.url}/api/v1/organizations/bulk_enrich?${eleven.map((d) => `domains[]=${d}`).join('&')}`, body: undefined },
    ]) {
      const raw = await fetch(init.url, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: init.body,
      });
      expect(raw.status).toBe(422);
      expect(((await raw.json()) as { error: string }).error).toMatch(/10/);
    }

    const picks = Array.from({ length: 23 }, (_, i) => {
      const known = i % 4 !== 1;
      return { known, domain: takeDomain(known) };
    });
    const reqBefore = r.sim.state.requests.length;
    const before = r.sim.state.billing.events.length;
    const results = await apolloAdapter.callBatch!('organization_enrich', picks.map((p) => orgEnrich.lookup({ domain: p.domain })!), r.ctx);
    expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p.known ? 'hit' : 'miss')));
    expect(results.map((x) => x.profile?.company_domain?.value)).toEqual(picks.map((p) => (p.known ? p.domain : undefined)));
    const sent = r.sim.state.requests.slice(reqBefore).filter((q) => q.path === '/api/v1/organizations/bulk_enrich');
    expect(sent.map((q) => (q.body as { domains: unknown[] }).domains.length)).toEqual([10, 10, 3]);
    expect(sent.every((q) => q.status === 200)).toBe(true);
    expect(r.sim.state.billing.events.length - before).toBe(picks.filter((p) => p.known).length);
  });

  it('a domain asked twice in one batch is sent once and billed once; a lookup without a domain is not sent', async () => {
    const d = takeDomain(true);
    const lookup = orgEnrich.lookup({ domain: d })!;
    const before = r.sim.state.billing.events.length;
    const results = await apolloAdapter.callBatch!(
      'organization_enrich',
      [lookup, { key: 'domain:', params: {} }, orgEnrich.lookup({ domain: `https://www.${d}/about` })!],
      r.ctx,
    );
    expect(results.map((x) => [x.outcome, x.billed])).toEqual([
      ['hit', true],
      ['invalid_input', false],
      ['hit', false],
    ]);
    expect(results[2]?.profile).toEqual(results[0]?.profile);
    expect(r.sim.state.billing.events.slice(before).map((e) => e.lookup)).toEqual([`domain:${d}`]);
    const sent = r.sim.state.requests.filter((q) => q.path === '/api/v1/organizations/bulk_enrich').at(-1);
    expect((sent?.body as { domains: string[] }).domains).toEqual([d]);
  });
});

describe('apollo connection test (GET /auth/health)', () => {
  it('a good key is ok; a bad key gets 200 is_logged_in:false → invalid_key; free and outside every window', async () => {
    // One request per day on organizations/enrich: a health check must not use it up.
    const r = await startSim({ rateLimits: { 'organizations/enrich': { day: 1 } } });
    const raw = await fetch(`${r.server.url}/api/v1/auth/health`, { headers: { 'x-api-key': WRONG_KEY } });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ healthy: true, is_logged_in: false });

    const ok = await apolloAdapter.testConnection(r.ctx);
    expect(ok).toMatchObject({ ok: true, status: 'ok', httpStatus: 200, checked: 'GET /auth/health' });
    expect(ok.message).toMatch(/accepted/);
    const bad = await apolloAdapter.testConnection({ ...r.ctx, apiKey: WRONG_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 200 });
    expect(bad.message).not.toContain(WRONG_KEY);
    for (let i = 0; i < 3; i++) await apolloAdapter.testConnection(r.ctx);

    expect(r.sim.state.billing.events).toEqual([]);
    const hit = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: takeDomain(true) })!, r.ctx);
    expect(hit.outcome).toBe('hit');
    expect(hit.quota?.find((q) => q.windowMs === DAY)).toMatchObject({ remaining: 0, limit: 1 });
  });

  it('a bad key answered 401 (the other reported behaviour) is invalid_key too; no answer is unreachable', async () => {
    const r = await startSim({ healthBadKey: 'unauthorized' });
    const bad = await apolloAdapter.testConnection({ ...r.ctx, apiKey: WRONG_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 401 });
    expect((await apolloAdapter.testConnection(r.ctx)).status).toBe('ok');

    r.sim.state.faults.force('reset');
    const down = await apolloAdapter.testConnection(r.ctx);
    expect(down).toMatchObject({ ok: false, status: 'unreachable', httpStatus: 0 });
  });
});

describe('apollo quota and schema drift', () => {
  it('reports each window the headers describe: remaining, limit, and the next clock boundary', async () => {
    const r = await startSim({ rateLimits: { 'organizations/enrich': { minute: 40, hour: 90, day: 700 } } });
    const t0 = Date.now();
    const first = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: takeDomain(false) })!, r.ctx);
    const second = await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: takeDomain(true) })!, r.ctx);
    const t1 = Date.now();
    expect(first.quota?.map((q) => [q.windowMs, q.remaining, q.limit])).toEqual([
      [MINUTE, 39, 40],
      [HOUR, 89, 90],
      [DAY, 699, 700],
    ]);
    expect(second.quota?.map((q) => q.remaining)).toEqual([38, 88, 698]);
    for (const q of second.quota ?? []) expect([nextBoundary(t0, q.windowMs), nextBoundary(t1, q.windowMs)]).toContain(q.resetAt);

    // Errors carry it too: a bad-input 422 still counted against the windows.
    const bad = await apolloAdapter.call('organization_enrich', { key: 'domain:x', params: { domain: 'not a domain' } }, r.ctx);
    expect(bad).toMatchObject({ outcome: 'invalid_input', httpStatus: 422 });
    expect(bad.quota?.[0]?.remaining).toBe(37);
  });

  it('apolloQuota derives remaining from limit − usage and ignores garbage', () => {
    const now = Date.UTC(2026, 4, 5, 13, 27, 41);
    expect(apolloQuota(new Headers({ 'x-rate-limit-hourly': '600', 'x-hourly-usage': '12' }), now)).toEqual([
      { windowMs: HOUR, remaining: 588, limit: 600, resetAt: Date.UTC(2026, 4, 5, 14) },
    ]);
    expect(apolloQuota(new Headers({ 'x-minute-requests-left': 'lots', 'x-rate-limit-minute': '50' }), now)).toBeUndefined();
    expect(apolloQuota(new Headers(), now)).toBeUndefined();
  });

  it('an unknown key in the answer is reported as drift; the hit still goes through', async () => {
    const r = await startSim({ answerDrift: { add: { 'person.shiny_new_field': 1, 'person.organization.brand_new': 'x', surprise: true } } });
    const c = takeHit();
    const res = await apolloAdapter.call('people_match', c.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', billed: true });
    expect(res.profile?.job_title?.value).toBe(c.person.title);
    expect(res.drift).toEqual({ unknown: ['person.organization.brand_new', 'person.shiny_new_field', 'surprise'], missing: [] });
  });

  it('a dropped expected key is reported missing (single, bulk and organizations bulk), set over the admin route', async () => {
    const r = await startSim();
    const setDrift = (drift: object) =>
      fetch(`${r.server.url}/__sandbox/apollo/drift`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(drift) });

    await setDrift({ drop: ['person'] });
    const miss = await apolloAdapter.call('people_match', takeMiss('null').lookup, r.ctx);
    expect(miss).toMatchObject({ outcome: 'miss', billed: false, drift: { unknown: [], missing: ['person'] } });

    await setDrift({ add: { 'matches[].organization.shiny': 1 } });
    const bulk = await apolloAdapter.callBatch!('people_match', [takeHit().lookup, takeHit().lookup], r.ctx);
    expect(bulk.map((x) => [x.outcome, x.drift])).toEqual([
      ['hit', { unknown: ['matches[].organization.shiny'], missing: [] }],
      ['hit', { unknown: ['matches[].organization.shiny'], missing: [] }],
    ]);

    await setDrift({ drop: ['organizations'] });
    const orgs = await apolloAdapter.callBatch!('organization_enrich', [orgEnrich.lookup({ domain: takeDomain(false) })!], r.ctx);
    expect(orgs[0]).toMatchObject({ outcome: 'miss', drift: { unknown: [], missing: ['organizations'] } });

    await setDrift({});
    expect((await apolloAdapter.call('people_match', takeHit().lookup, r.ctx)).drift).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Answers the simulator does not give: a scripted stand-in server that also records what was sent.

describe('apollo adapter error mapping (scripted answers)', () => {
  let s: Scripted;
  let ctx: CallContext;
  const lookup = peopleMatch.lookup({ email: 'ada.lovelace@acme.example' })!;
  beforeAll(async () => {
    s = await scripted({ basePath: '/api/v1', fallback: { status: 200, body: '{"person": null}' } });
    ctx = { apiKey: KEY, baseUrl: s.url, timeoutMs: 2_000 };
  });
  afterAll(() => s.close());

  it('sends the key in the x-api-key header only, never in the URL or body', async () => {
    await apolloAdapter.call('people_match', lookup, ctx);
    await apolloAdapter.call('organization_enrich', orgEnrich.lookup({ domain: 'acme.example' })!, ctx);
    await apolloAdapter.callBatch!('people_match', [lookup], ctx);
    expect(s.seen).toHaveLength(3);
    for (const req of s.seen) {
      expect(req.headers['x-api-key']).toBe(KEY);
      expect(req.url).not.toContain(KEY);
      expect(req.body).not.toContain(KEY);
    }
    expect(s.seen.map((x) => x.url.split('?')[0])).toEqual([
      '/api/v1/people/match',
      '/api/v1/organizations/enrich',
      '/api/v1/people/bulk_match',
    ]);
    expect(JSON.parse(s.seen[0]!.body)).toMatchObject({ email: 'ada.lovelace@acme.example' });
  });

  const cases: [string, number, string, Partial<VendorResult>][] = [
    ['402 credits', 402, '{"error":"Payment required"}', { outcome: 'quota_exhausted', billed: false }],
    ['403 master key', 403, '{"error":"This endpoint requires a master API key"}', { outcome: 'auth_failed', billed: false }],
    ['422 bad input', 422, '{"error":"Invalid parameters"}', { outcome: 'invalid_input', billed: false }],
    ['400 bad input', 400, '{"error":"Bad request"}', { outcome: 'invalid_input', billed: false }],
    ['503', 503, '<html>down</html>', { outcome: 'transient', billed: false }],
    ['200 not JSON', 200, '<html>proxy</html>', { outcome: 'miss', billed: true }],
    ['200 person is a string', 200, '{"person":"ada"}', { outcome: 'miss', billed: true }],
    ['200 id-less stub', 200, '{"person":{"first_name":"Ada","match_confidence":"none"}}', { outcome: 'miss', billed: false }],
    ['200 odd leaves', 200, '{"person":{"id":"abc","title":42,"email":"ada.lovelace@acme.example","email_status":"verified","organization":"x"}}', { outcome: 'hit', billed: true }],
  ];
  it.each(cases)('maps %s', async (_name, status, body, expected) => {
    s.next.push({ status, body });
    const res = await apolloAdapter.call('people_match', lookup, ctx);
    expect(res).toMatchObject({ httpStatus: status, ...expected });
    expect(res.message ?? '').not.toContain(KEY);
  });

  it('keeps what parsed from a hit with odd leaves', async () => {
    s.next.push({ status: 200, body: '{"person":{"id":"abc","title":42,"first_name":"Ada","email":"ada.lovelace@acme.example","email_status":"verified","organization":"x"}}' });
    const res = await apolloAdapter.call('people_match', lookup, ctx);
    expect(res.profile).toEqual({
      work_email: { value: 'ada.lovelace@acme.example', confidence: 0.95 },
      email_status: { value: 'valid', confidence: 0.95 },
      first_name: { value: 'Ada', confidence: 0.8 },
    });
  });

  it('scrubs the key from a vendor message that echoes it', async () => {
    s.next.push({ status: 401, body: JSON.stringify({ error: `Invalid access credentials for ${KEY}.` }) });
    const res = await apolloAdapter.call('people_match', lookup, ctx);
    expect(res.outcome).toBe('auth_failed');
    expect(res.message).not.toContain(KEY);
    expect(res.message).toContain('***');
  });

  it('pairs bulk matches by identity when the array length is off', async () => {
    const l1 = peopleMatch.lookup({ email: 'ada.lovelace@acme.example' })!;
    const l2 = peopleMatch.lookup({ email: 'grace.hopper@acme.example' })!;
    s.next.push({
      status: 200,
      body: JSON.stringify({ matches: [{ id: 'g1', email: 'grace.hopper@acme.example', email_status: 'verified', title: 'CTO' }] }),
    });
    const res = await apolloAdapter.callBatch!('people_match', [l1, l2], ctx);
    expect(res.map((x) => [x.outcome, x.billed])).toEqual([
      ['miss', false],
      ['hit', true],
    ]);
    expect(res[1]?.profile?.job_title?.value).toBe('CTO');
  });

  it('bulk_enrich: sends domains[] and the JSON body, pairs organizations by primary_domain whatever their order', async () => {
    const ls = ['acme.example', 'globex.example', 'initech.example'].map((d) => orgEnrich.lookup({ domain: d })!);
    s.next.push({
      status: 200,
      body: JSON.stringify({
        status: 'success',
        missing_records: 1,
        organizations: [
          { id: 'i', name: 'Initech', primary_domain: 'initech.example' },
          null,
          { id: 'a', name: 'Acme', website_url: 'http://www.acme.example' },
        ],
      }),
      headers: { 'x-minute-requests-left': '7', 'x-rate-limit-minute': '10' },
    });
    const res = await apolloAdapter.callBatch!('organization_enrich', ls, ctx);
    expect(res.map((x) => [x.outcome, x.billed, x.profile?.company_name?.value])).toEqual([
      ['hit', true, 'Acme'],
      ['miss', false, undefined],
      ['hit', true, 'Initech'],
    ]);
    expect(res[0]?.quota).toEqual([{ windowMs: MINUTE, remaining: 7, limit: 10, resetAt: expect.any(Number) }]);
    const seen = s.seen.at(-1)!;
    expect(seen.url).toBe('/api/v1/organizations/bulk_enrich?domains[]=acme.example&domains[]=globex.example&domains[]=initech.example');
    expect(JSON.parse(seen.body)).toEqual({ domains: ['acme.example', 'globex.example', 'initech.example'] });
  });

  it('bulk_enrich: an organization under another domain is paired by elimination, or counted as billed when it cannot be', async () => {
    const ls = ['acme.example', 'globex.example'].map((d) => orgEnrich.lookup({ domain: d })!);
    s.next.push({
      status: 200,
      body: JSON.stringify({ organizations: [{ id: 'a', name: 'Acme', primary_domain: 'acme.example' }, { id: 'g', name: 'Globex Corp', primary_domain: 'globex.com' }] }),
    });
    const one = await apolloAdapter.callBatch!('organization_enrich', ls, ctx);
    expect(one.map((x) => [x.outcome, x.billed, x.profile?.company_name?.value])).toEqual([
      ['hit', true, 'Acme'],
      ['hit', true, 'Globex Corp'],
    ]);

    const three = ['a.example', 'b.example', 'c.example'].map((d) => orgEnrich.lookup({ domain: d })!);
    s.next.push({
      status: 200,
      body: JSON.stringify({ organizations: [{ id: 'x', name: 'X', primary_domain: 'x.com' }, { id: 'y', name: 'Y', primary_domain: 'y.com' }] }),
    });
    const lost = await apolloAdapter.callBatch!('organization_enrich', three, ctx);
    expect(lost.map((x) => x.outcome)).toEqual(['miss', 'miss', 'miss']);
    // Two records were paid for: two lookups carry the cost, none carries a stranger's data.
    expect(lost.filter((x) => x.billed)).toHaveLength(2);
    expect(lost.every((x) => x.profile === undefined)).toBe(true);
  });

  it('bulk_enrich: an unreadable 200 is a billed miss for every lookup, with the drift that explains it', async () => {
    s.next.push({ status: 200, body: JSON.stringify({ status: 'success', orgs: [] }) });
    const res = await apolloAdapter.callBatch!('organization_enrich', [orgEnrich.lookup({ domain: 'acme.example' })!], ctx);
    expect(res[0]).toMatchObject({ outcome: 'miss', billed: true, drift: { unknown: ['orgs'], missing: ['organizations'] } });
  });

  it('testConnection maps a 403, a 429 and an odd health body', async () => {
    s.next.push({ status: 403, body: '{"error":"api/v1/auth/health is not accessible with this api_key","error_code":"API_INACCESSIBLE"}' });
    expect(await apolloAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'forbidden', httpStatus: 403 });
    s.next.push({ status: 429, body: '{"message":"The maximum number of api calls allowed for api/v1/auth/health is 5 times per minute."}' });
    expect(await apolloAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'rate_limited', httpStatus: 429 });
    s.next.push({ status: 200, body: '{"status":"fine"}' });
    expect(await apolloAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'error', httpStatus: 200 });
    expect(s.seen.at(-1)?.url).toBe('/api/v1/auth/health');
    expect(s.seen.at(-1)?.headers['x-api-key']).toBe(KEY);
  });
});
