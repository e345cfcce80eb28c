// People Data Labs adapter against the PDL simulator, over real HTTP (both on 127.0.0.1, port 0): every
// outcome the engine must tell apart, and the simulator's billing counter as the proof of what was
// (not) paid.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  nextBoundary,
  nextUtcMonthStart,
  parsePdlCounts,
  parsePdlTime,
  pdlAdapter,
  pdlQuota,
  pdlRetryAt,
} from '../../server/vendors/pdl/adapter.ts';
import type { CallContext, ContactFacts, Lookup, VendorResult } from '../../server/vendors/types.ts';
import { createPdlSim, pdlCompanyLikelihood, pdlHasMobile, pdlHasWorkEmail, pdlLikelihood, pdlSizeRange, pdlRevenueRange } from '../../sandbox/vendors/pdl.ts';
import type { PdlSim, PdlSimOptions } from '../../sandbox/vendors/pdl.ts';
import { companyFor, vendorKnows } from '../../sandbox/world.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { checkAndCloseAfterAll, closedPort, Pool, scripted, simStarter, sleep, syntheticDomains, worldContacts } from '../helpers/vendor-fixtures.ts';
import type { Scripted, SimRun } from '../helpers/vendor-fixtures.ts';

const KEY = 'pdl-test-key-0001';
const EXHAUSTED_KEY = 'pdl-test-key-0002';
const FREE_KEY = 'pdl-test-key-0003';
const WRONG_KEY = 'pdl-test-key-9999';
const MINUTE = 60_000;
const COVERAGE = 0.8;
const COMPANY_COVERAGE = 0.85;
const MIN_LIKELIHOOD = 6;

const personEnrich = pdlAdapter.operations.person_enrich!;
const companyEnrich = pdlAdapter.operations.company_enrich!;

// ---------------------------------------------------------------------------------------------
// A pool of world contacts, each used by at most one test, so no lookup is ever sent twice by
// accident and the billing counter can prove that nothing was billed twice.

interface Candidate {
  person: WorldPerson;
  facts: ContactFacts;
  lookup: Lookup;
  /** PDL holds the person… */
  known: boolean;
  /** …with a likelihood the adapter's min_likelihood accepts. */
  hit: boolean;
}

const candidates = new Pool<Candidate>(
  worldContacts(1_500, 150, 'pdl-test').map(({ person, facts }) => {
    const known = vendorKnows('pdl', person.email, COVERAGE);
    return { person, facts, lookup: personEnrich.lookup(facts)!, known, hit: known && pdlLikelihood(person.email) >= MIN_LIKELIHOOD };
  }),
  (c) => c.lookup.key,
);
const takeHit = (pred: (c: Candidate) => boolean = () => true) => candidates.take((c) => c.hit && pred(c));
const takeMiss = () => candidates.take((c) => !c.known);
/** PDL knows the person, but only below the adapter's min_likelihood. */
const takeWeak = () => candidates.take((c) => c.known && !c.hit);

const domains = new Pool(syntheticDomains('pdl-org', 400), (d) => d, 'domain');
const takeDomain = (known: boolean): string => domains.take((x) => vendorKnows('pdl', `company:${x}`, COMPANY_COVERAGE) === known);
const companyLookup = (d: string) => companyEnrich.lookup({ domain: d })!;

/** World seniority → the canonical seniority PDL's job levels map back to. */
const SENIORITY: Record<string, string> = {
  c_suite: 'c_suite', founder: 'owner', vp: 'vp', head: 'director', director: 'director',
  manager: 'manager', senior: 'senior', entry: 'entry',
};

// ---------------------------------------------------------------------------------------------

type Running = SimRun<PdlSim>;

const { running, start: startSim } = simStarter(
  (opts: Partial<PdlSimOptions>) =>
    createPdlSim({
      validKeys: [KEY, EXHAUSTED_KEY, FREE_KEY],
      exhaustedKeys: [EXHAUSTED_KEY],
      freePlanKeys: [FREE_KEY],
      latencyMs: [0, 2],
      coverage: COVERAGE,
      companyCoverage: COMPANY_COVERAGE,
      ...opts,
    }),
  (server) => ({ apiKey: KEY, baseUrl: `${server.url}/v5` }),
);

const billedLookups = (r: Running, from = 0) => r.sim.state.billing.events.slice(from).map((e) => e.lookup);

/** What the adapter says was billed equals what the simulator's invoice shows, lookup for lookup. */
function expectBilledAsInvoiced(r: Running, from: number, lookups: Lookup[], results: VendorResult[]): void {
  expect(billedLookups(r, from)).toEqual(lookups.filter((_, i) => results[i]?.billed).map((l) => l.key));
}

const rawGet = (r: Running, path: string, key: string | null = KEY) =>
  fetch(`${r.server.url}/v5${path}`, { headers: key ? { 'x-api-key': key } : {} });
const rawPost = (r: Running, path: string, body: unknown, key = KEY) =>
  fetch(`${r.server.url}/v5${path}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

checkAndCloseAfterAll(running, (r) => {
  // The point of the exercise: nothing was ever billed twice.
  expect(r.sim.state.billing.snapshot().duplicates).toEqual([]);
});

describe('pdl adapter lookups', () => {
  it('builds canonical keys: e-mail first, then name + domain / company, then LinkedIn; companies by website', () => {
    expect(personEnrich.lookup({ email: ' Ada.Lovelace@ACME.com ' })).toEqual({
      key: 'email:ada.lovelace@acme.com',
      params: { email: 'ada.lovelace@acme.com' },
    });
    const byName = personEnrich.lookup({ first_name: 'Ada', last_name: 'LOVELACE', domain: 'https://www.Acme.com/about' });
    expect(byName).toEqual({ key: 'name:ada|lovelace|acme.com', params: { first_name: 'Ada', last_name: 'LOVELACE', company: 'acme.com' } });
    expect(personEnrich.lookup({ first_name: ' ada', last_name: 'lovelace ', domain: 'acme.com' })?.key).toBe(byName?.key);
    expect(personEnrich.lookup({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme  Inc' })).toEqual({
      key: 'name:ada|lovelace|company:acme inc',
      params: { first_name: 'Ada', last_name: 'Lovelace', company: 'Acme Inc' },
    });
    expect(personEnrich.lookup({ linkedin_url: 'linkedin.com/in/Ada-Lovelace/' })).toEqual({
      key: 'linkedin:https://www.linkedin.com/in/ada-lovelace',
      params: { profile: 'https://www.linkedin.com/in/ada-lovelace' },
    });
    expect(personEnrich.lookup({ first_name: 'Ada' })).toBeNull();
    expect(personEnrich.lookup({ linkedin_url: 'https://www.linkedin.com/company/acme' })).toBeNull();
    expect(companyEnrich.lookup({ domain: 'WWW.Acme.com' })).toEqual({ key: 'domain:acme.com', params: { website: 'acme.com' } });
    expect(companyEnrich.lookup({ email: 'ada@acme.com' })).toBeNull();
  });

  it("declares PDL's groups, prices, billing, windows and bulk size", () => {
    expect(pdlAdapter.id).toBe('pdl');
    expect(pdlAdapter.displayName).toBe('People Data Labs');
    expect(Object.keys(pdlAdapter.operations).sort()).toEqual(['company_enrich', 'person_enrich']);
    expect(personEnrich.groups).toEqual(['email', 'person', 'company', 'phone']);
    expect(companyEnrich.groups).toEqual(['company']);
    expect(personEnrich.costMillicents).toBe(25_000);
    expect(companyEnrich.costMillicents).toBe(10_000);
    for (const op of [personEnrich, companyEnrich]) {
      expect(op.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: false });
      expect(op.rateWindows).toEqual([{ limit: 1_000, windowMs: MINUTE }]);
      expect(op.batch).toEqual({ maxSize: 100, rateWindows: [{ limit: 1_000, windowMs: MINUTE }] });
    }
  });
});

describe('pdl adapter over HTTP', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startSim();
  });
  afterEach(() => {
    r.sim.state.faults.rates = { error5xx: 0, timeout: 0, reset: 0 };
    r.sim.state.answerDrift = {};
  });

  it('maps a bad key to auth_failed without leaking it, and bills nothing', async () => {
    const before = r.sim.state.billing.events.length;
    const c = takeHit();
    const res = await pdlAdapter.call('person_enrich', c.lookup, { ...r.ctx, apiKey: WRONG_KEY });
    expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 401, billed: false });
    expect(res.message).not.toContain(WRONG_KEY);
    const raw = await rawGet(r, `/person/enrich?email=${c.facts.email ?? 'x@y.example'}`, WRONG_KEY);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ status: 401, error: { type: 'authentication_error', message: expect.any(String) } });
    const bulk = await pdlAdapter.callBatch!('person_enrich', [takeHit().lookup, takeHit().lookup], { ...r.ctx, apiKey: WRONG_KEY });
    expect(bulk.map((x) => [x.outcome, x.billed])).toEqual([
      ['auth_failed', false],
      ['auth_failed', false],
    ]);
    expect(r.sim.state.billing.events.length).toBe(before);
  });

  it('returns a hit with the world values in canonical case, billed once, with the quota headers read', async () => {
    const c = takeHit((x) => !!x.facts.email && pdlHasWorkEmail(x.person) && pdlHasMobile(x.person));
    const before = r.sim.state.billing.events.length;
    const t0 = Date.now();
    const res = await pdlAdapter.call('person_enrich', c.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    const w = c.person;
    const confidence = Math.min(0.95, pdlLikelihood(w.email) / 10);
    const p = res.profile!;
    expect(p.first_name).toEqual({ value: w.firstName, confidence });
    expect(p.last_name?.value).toBe(w.lastName);
    expect(p.job_title?.value).toBe(w.title);
    expect(p.seniority?.value).toBe(SENIORITY[w.seniority]);
    expect(p.linkedin_url?.value).toBe(w.linkedinUrl);
    expect(p.work_email).toEqual({ value: w.email, confidence: Math.min(confidence, 0.75) });
    expect(p.email_status).toBeUndefined();
    expect(p.phone?.value).toBe(w.phone.replace(/ /g, ''));
    expect(p.city?.value).toBe(w.city);
    expect(p.state?.value).toBe(w.state);
    expect(p.country?.value).toBe(w.country);
    expect(p.company_name?.value).toBe(w.company.name);
    expect(p.company_domain?.value).toBe(w.company.domain);
    expect(p.industry?.value).toBe(w.company.industry);
    expect(p.employee_count?.value).toBe(pdlSizeRange(w.company.employees));
    expect(p.annual_revenue?.value).toBe(pdlRevenueRange(w.company.annualRevenue));
    expect(p.company_linkedin_url?.value).toBe(w.company.linkedinUrl);
    expect(res.drift).toBeUndefined();
    expect(res.quota).toEqual([{ windowMs: MINUTE, remaining: expect.any(Number), limit: 1_000, resetAt: expect.any(Number) }]);
    expect(res.quota![0]!.remaining).toBeLessThan(1_000);
    // The reset header names the end of the current minute.
    expect([nextBoundary(t0, MINUTE), nextBoundary(Date.now(), MINUTE)]).toContain(res.quota![0]!.resetAt);
    expect(billedLookups(r, before)).toEqual([c.lookup.key]);

    // What went over the wire: the key in the header only, min_likelihood with the lookup.
    const sent = r.sim.state.requests.at(-1)!;
    expect(sent.path).toBe('/v5/person/enrich');
    expect(sent.query).toEqual({ email: c.facts.email, min_likelihood: '6' });
    expect(sent.keyTail).toBe(KEY.slice(-4));
  });

  it('sends the headers PDL sends: Python-dict windows, an ISO reset, credits', async () => {
    const raw = await rawGet(r, `/person/enrich?email=${takeMiss().person.email}`);
    expect(raw.status).toBe(404);
    expect(raw.headers.get('x-ratelimit-limit')).toBe("{'minute': 1000, 'day': None, 'month': None}");
    expect(raw.headers.get('x-ratelimit-remaining')).toMatch(/^\{'minute': \d+, 'day': None, 'month': None\}$/);
    expect(raw.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(raw.headers.get('x-call-credits-spent')).toBe('0');
    expect(raw.headers.get('x-call-credits-type')).toBe('enrich');
    expect(Number(raw.headers.get('x-totallimit-remaining'))).toBeGreaterThan(0);
    expect(await raw.json()).toEqual({ status: 404, error: { type: 'not_found', message: 'No records were found matching your request' } });
  });

  it('finds a person by name + domain, by name + company name, and by a LinkedIn URL', async () => {
    const byDomain = takeHit((x) => !x.facts.email);
    const res = await pdlAdapter.call('person_enrich', byDomain.lookup, r.ctx);
    expect(res.outcome).toBe('hit');
    expect(res.profile?.job_title?.value).toBe(byDomain.person.title);

    const byCompany = takeHit();
    const lookup = personEnrich.lookup({
      first_name: byCompany.person.firstName,
      last_name: byCompany.person.lastName,
      company_name: companyFor(byCompany.person.company.domain).name,
    })!;
    const res2 = await pdlAdapter.call('person_enrich', lookup, r.ctx);
    expect(res2.outcome).toBe('hit');
    expect(res2.profile?.company_domain?.value).toBe(byCompany.person.company.domain);

    // The simulator has returned byDomain's profile: its LinkedIn URL now finds them.
    const byLinkedin = personEnrich.lookup({ linkedin_url: res.profile!.linkedin_url!.value })!;
    const res3 = await pdlAdapter.call('person_enrich', byLinkedin, r.ctx);
    expect(res3).toMatchObject({ outcome: 'hit', billed: true });
    expect(res3.profile?.first_name?.value).toBe(byDomain.person.firstName);
  });

  it('maps a 404 to an unbilled miss: unknown people, and matches below min_likelihood', async () => {
    const before = r.sim.state.billing.events.length;
    const unknown = takeMiss();
    expect(await pdlAdapter.call('person_enrich', unknown.lookup, r.ctx)).toEqual({
      outcome: 'miss',
      httpStatus: 404,
      billed: false,
      quota: expect.any(Array),
    });
    const weak = takeWeak();
    const res = await pdlAdapter.call('person_enrich', weak.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'miss', httpStatus: 404, billed: false });
    expect(r.sim.state.billing.events.length).toBe(before);
    // PDL does hold that person, below the bar the adapter asks for (a lower bar would be billed).
    const raw = await rawGet(r, `/person/enrich?${new URLSearchParams({ ...weak.lookup.params, min_likelihood: '1' })}`);
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { likelihood: number }).likelihood).toBeLessThan(MIN_LIKELIHOOD);
  });

  it('a free-plan key gets `true` in place of contact data: the hit carries no e-mail or phone', async () => {
    const c = takeHit((x) => !!x.facts.email && pdlHasWorkEmail(x.person) && pdlHasMobile(x.person));
    const res = await pdlAdapter.call('person_enrich', c.lookup, { ...r.ctx, apiKey: FREE_KEY });
    expect(res).toMatchObject({ outcome: 'hit', billed: true });
    expect(res.profile?.work_email).toBeUndefined();
    expect(res.profile?.phone).toBeUndefined();
    expect(res.profile?.job_title?.value).toBe(c.person.title);
    expect(res.drift).toBeUndefined();
  });

  it('enriches a company by website; a 404 is an unbilled miss', async () => {
    const d = takeDomain(true);
    const before = r.sim.state.billing.events.length;
    const hit = await pdlAdapter.call('company_enrich', companyLookup(d), r.ctx);
    expect(hit).toMatchObject({ outcome: 'hit', billed: true, httpStatus: 200 });
    const co = companyFor(d);
    const confidence = Math.min(0.95, pdlCompanyLikelihood(d) / 10);
    expect(hit.profile).toEqual({
      company_name: { value: co.name, confidence },
      company_domain: { value: d, confidence },
      industry: { value: co.industry, confidence },
      employee_count: { value: String(co.employees), confidence },
      annual_revenue: { value: pdlRevenueRange(co.annualRevenue), confidence },
      company_linkedin_url: { value: co.linkedinUrl, confidence },
      ...(co.tech.length ? { tech_stack: { value: co.tech.join(', '), confidence } } : {}),
    });
    expect(hit.drift).toBeUndefined();
    const miss = await pdlAdapter.call('company_enrich', companyLookup(takeDomain(false)), r.ctx);
    expect(miss).toMatchObject({ outcome: 'miss', httpStatus: 404, billed: false });
    expect(billedLookups(r, before)).toEqual([`domain:${d}`]);
  });

  it('maps a key without credits (402) to quota_exhausted until the next month, and sends no more chunks', async () => {
    const t0 = Date.now();
    const res = await pdlAdapter.call('person_enrich', takeHit().lookup, { ...r.ctx, apiKey: EXHAUSTED_KEY });
    expect(res).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 402, billed: false, retryAt: nextUtcMonthStart(t0) });
    expect(res.message).toMatch(/credits/i);

    const reqBefore = r.sim.state.requests.length;
    const lookups = Array.from({ length: 230 }, () => takeHit().lookup);
    const results = await pdlAdapter.callBatch!('person_enrich', lookups, { ...r.ctx, apiKey: EXHAUSTED_KEY });
    expect(results).toHaveLength(230);
    expect(results.every((x) => x.outcome === 'quota_exhausted' && !x.billed && x.retryAt === nextUtcMonthStart(t0))).toBe(true);
    // One request found the key empty; the other two chunks were never sent.
    expect(r.sim.state.requests.slice(reqBefore).map((q) => [q.path, q.status])).toEqual([['/v5/person/bulk', 402]]);
  });

  it('sends bulk lookups with metadata, mapping mixed hits and misses back in order and billing each hit', async () => {
    const picks = [takeHit(), takeMiss(), takeHit(), takeWeak(), takeHit(), takeHit((x) => !x.facts.email), takeMiss()];
    const before = r.sim.state.billing.events.length;
    const results = await pdlAdapter.callBatch!('person_enrich', picks.map((p) => p.lookup), r.ctx);
    expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p.hit ? 'hit' : 'miss')));
    expect(results.map((x) => x.billed)).toEqual(picks.map((p) => p.hit));
    expect(results.map((x) => x.httpStatus)).toEqual(picks.map((p) => (p.hit ? 200 : 404)));
    picks.forEach((p, i) => {
      if (p.hit) expect(results[i]?.profile?.first_name?.value).toBe(p.person.firstName);
    });
    expectBilledAsInvoiced(r, before, picks.map((p) => p.lookup), results);
    expect(results.every((x) => x.quota?.[0]?.windowMs === MINUTE)).toBe(true);

    const sent = r.sim.state.requests.at(-1)!;
    expect(sent.path).toBe('/v5/person/bulk');
    const body = sent.body as { requests: { params: Record<string, string>; metadata: { ref: string } }[] };
    expect(body.requests.map((q) => q.metadata.ref)).toEqual(picks.map((_, i) => String(i)));
    expect(body.requests[0]?.params).toEqual({ ...picks[0]!.lookup.params, min_likelihood: '6' });
    expect(JSON.stringify(body)).not.toContain(KEY);
  });

  it('the simulator refuses more than 100 requests with 400; the adapter splits 230 into 100/100/30', async () => {
    const raw = await rawPost(r, '/person/bulk', { requests: Array.from({ length: 101 }, (_, i) => ({ params: { email: `x${i}@oversized.example` } })) });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ status: 400, error: { type: 'invalid_request_error', message: expect.stringMatching(/100/) } });

    const picks = Array.from({ length: 230 }, (_, i) => (i % 4 === 0 ? takeMiss() : takeHit()));
    const reqBefore = r.sim.state.requests.length;
    const before = r.sim.state.billing.events.length;
    const results = await pdlAdapter.callBatch!('person_enrich', picks.map((p) => p.lookup), r.ctx);
    expect(results).toHaveLength(230);
    expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p.hit ? 'hit' : 'miss')));
    const sent = r.sim.state.requests.slice(reqBefore).filter((q) => q.path === '/v5/person/bulk');
    expect(sent.map((q) => (q.body as { requests: unknown[] }).requests.length)).toEqual([100, 100, 30]);
    expect(sent.every((q) => q.status === 200)).toBe(true);
    expectBilledAsInvoiced(r, before, picks.map((p) => p.lookup), results);
  });

  it('company bulk: mixed hits and misses in order, billed per hit', async () => {
    const ds = [takeDomain(true), takeDomain(false), takeDomain(true), takeDomain(false), takeDomain(true)];
    const before = r.sim.state.billing.events.length;
    const lookups = ds.map(companyLookup);
    const results = await pdlAdapter.callBatch!('company_enrich', lookups, r.ctx);
    expect(results.map((x) => x.outcome)).toEqual(['hit', 'miss', 'hit', 'miss', 'hit']);
    ds.forEach((d, i) => {
      if (results[i]?.outcome === 'hit') expect(results[i]?.profile?.company_domain?.value).toBe(d);
    });
    expectBilledAsInvoiced(r, before, lookups, results);
    expect(r.sim.state.requests.at(-1)?.path).toBe('/v5/company/enrich/bulk');
  });

  it('maps an injected 5xx, a timeout and a connection reset to transient, never billed', async () => {
    const before = r.sim.state.billing.events.length;
    const ctx = { ...r.ctx, timeoutMs: 300 };

    r.sim.state.faults.force('5xx');
    const five = await pdlAdapter.call('person_enrich', takeHit().lookup, ctx);
    expect(five).toMatchObject({ outcome: 'transient', billed: false });
    expect([500, 502, 503]).toContain(five.httpStatus);
    expect(five.ambiguous).toBeUndefined();

    r.sim.state.faults.force('timeout');
    const t0 = Date.now();
    const timeout = await pdlAdapter.call('person_enrich', takeHit().lookup, ctx);
    expect(timeout).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });
    expect(Date.now() - t0).toBeLessThan(2_000);

    r.sim.state.faults.force('reset');
    const reset = await pdlAdapter.call('company_enrich', companyLookup(takeDomain(true)), ctx);
    expect(reset).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });

    r.sim.state.faults.force('5xx');
    const bulk = await pdlAdapter.callBatch!('person_enrich', [takeHit().lookup, takeHit().lookup], ctx);
    expect(bulk.map((x) => [x.outcome, x.billed])).toEqual([
      ['transient', false],
      ['transient', false],
    ]);
    expect(r.sim.state.billing.events.length).toBe(before);
    expect(r.sim.state.faults.injected).toMatchObject({ '5xx': 2, timeout: 1, reset: 1 });
  });

  it('testConnection: a bare GET /person/enrich proves the key, reports the credits left, and bills nothing', async () => {
    const before = r.sim.state.billing.events.length;
    const reqBefore = r.sim.state.requests.length;
    const ok = await pdlAdapter.testConnection(r.ctx);
    const personCreditsUsed = r.sim.state.billing.events.filter((e) => e.key === KEY && e.operation === 'person_enrich').length;
    expect(ok).toEqual({
      ok: true,
      status: 'ok',
      httpStatus: 400,
      checked: 'GET /person/enrich',
      creditsRemaining: 100_000 - personCreditsUsed,
      message: expect.stringMatching(/accepted the key/),
    });
    const sent = r.sim.state.requests.slice(reqBefore);
    expect(sent.map((q) => [q.method, q.path, q.query])).toEqual([['GET', '/v5/person/enrich', {}]]);

    const bad = await pdlAdapter.testConnection({ ...r.ctx, apiKey: WRONG_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 401 });
    expect(bad.message).not.toContain(WRONG_KEY);
    const empty = await pdlAdapter.testConnection({ ...r.ctx, apiKey: EXHAUSTED_KEY });
    expect(empty).toMatchObject({ ok: false, status: 'no_credits', httpStatus: 402, creditsRemaining: 0 });
    expect(r.sim.state.billing.events.length).toBe(before);
  });

  it('testConnection: an unreachable host is `unreachable`', async () => {
    const port = await closedPort();
    const down = await pdlAdapter.testConnection({ ...r.ctx, baseUrl: `http://127.0.0.1:${port}/v5` });
    expect(down).toMatchObject({ ok: false, status: 'unreachable', httpStatus: 0, checked: 'GET /person/enrich' });
  });

  it('reports schema drift: an unknown key and a dropped expected key, on single and bulk answers', async () => {
    r.sim.state.answerDrift = { add: { 'data.brand_new_field': 1, surprise: true }, drop: ['data.job_title'] };
    const res = await pdlAdapter.call('person_enrich', takeHit().lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', billed: true });
    expect(res.drift).toEqual({ unknown: ['data.brand_new_field', 'surprise'], missing: ['data.job_title'] });
    expect(res.profile?.job_title).toBeUndefined();

    const bulk = await pdlAdapter.callBatch!('person_enrich', [takeHit().lookup, takeMiss().lookup], r.ctx);
    expect(bulk[0]).toMatchObject({ outcome: 'hit', drift: { unknown: ['data.brand_new_field', 'surprise'], missing: ['data.job_title'] } });
    expect(bulk[1]?.drift).toBeUndefined();

    r.sim.state.answerDrift = { add: { shiny: 'x' }, drop: ['website'] };
    const co = await pdlAdapter.call('company_enrich', companyLookup(takeDomain(true)), r.ctx);
    expect(co).toMatchObject({ outcome: 'hit', drift: { unknown: ['shiny'], missing: ['website'] } });
  });
});

describe('pdl rate windows', () => {
  it("429: retryAt is the x-ratelimit-reset instant, the quota says 0 left, and the key recovers after it", async () => {
    // A 2-second "minute" so the test need not wait for the clock; the reset header names its end.
    const r = await startSim({ perMinute: { 'person/enrich': 2 }, windowMs: 2_000 });
    await sleep(2_000 - (Date.now() % 2_000) + 20);
    const [a, b, c] = [takeHit(), takeHit(), takeHit()];
    expect((await pdlAdapter.call('person_enrich', a.lookup, r.ctx)).outcome).toBe('hit');
    expect((await pdlAdapter.call('person_enrich', b.lookup, r.ctx)).outcome).toBe('hit');

    const raw = await rawGet(r, `/person/enrich?${new URLSearchParams(c.lookup.params)}`);
    expect(raw.status).toBe(429);
    expect(await raw.json()).toEqual({ status: 429, error: { type: 'rate_limit_error', message: expect.any(String) } });
    expect(raw.headers.get('x-ratelimit-remaining')).toBe("{'minute': 0, 'day': None, 'month': None}");
    const resetHeader = raw.headers.get('x-ratelimit-reset')!;
    expect(resetHeader).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const limited = await pdlAdapter.call('person_enrich', c.lookup, r.ctx);
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect(limited.retryAt).toBe(Date.parse(resetHeader));
    expect(limited.retryAt).toBeGreaterThan(Date.now());
    expect(limited.quota).toEqual([{ windowMs: MINUTE, remaining: 0, limit: 2, resetAt: Date.parse(resetHeader) }]);
    expect(r.sim.state.limitSignals).toBe(2);

    await sleep(Math.max(0, limited.retryAt! - Date.now()) + 20);
    const recovered = await pdlAdapter.call('person_enrich', c.lookup, r.ctx);
    expect(recovered).toMatchObject({ outcome: 'hit', billed: true });
    expect(billedLookups(r)).toEqual([a.lookup.key, b.lookup.key, c.lookup.key]);
  });

  it('a bulk 429 stops the remaining chunks instead of sending them into the wall', async () => {
    const r = await startSim({ perMinute: { 'person/bulk': 1 }, windowMs: 5_000 });
    await sleep(5_000 - (Date.now() % 5_000) + 20);
    const picks = Array.from({ length: 230 }, () => takeHit());
    const results = await pdlAdapter.callBatch!('person_enrich', picks.map((p) => p.lookup), r.ctx);
    expect(results.slice(0, 100).every((x) => x.outcome === 'hit' && x.billed)).toBe(true);
    const retryAt = results[100]?.retryAt;
    expect(retryAt).toBe(nextBoundary(retryAt! - 1, 5_000));
    expect(results.slice(100).every((x) => x.outcome === 'rate_limited' && !x.billed && x.retryAt === retryAt)).toBe(true);
    expect(r.sim.state.requests.filter((q) => q.path === '/v5/person/bulk').map((q) => q.status)).toEqual([200, 429]);
    expect(billedLookups(r)).toEqual(picks.slice(0, 100).map((p) => p.lookup.key));
  });
});

describe('pdl header parsing', () => {
  it('reads the window counts as PDL prints them (Python dicts), as JSON, or as a bare number', () => {
    expect(parsePdlCounts("{'minute': 998}")).toEqual({ minute: 998 });
    expect(parsePdlCounts('{"minute": 998}')).toEqual({ minute: 998 });
    expect(parsePdlCounts("{'minute': 1200, 'day': None, 'month': None}")).toEqual({ minute: 1200 });
    expect(parsePdlCounts("{'minute': 10, 'day': 500,}")).toEqual({ minute: 10, day: 500 });
    expect(parsePdlCounts('9999')).toEqual({ minute: 9999 });
    expect(parsePdlCounts("{minute: 7, 'day': 'x'")).toEqual({ minute: 7 });
    expect(parsePdlCounts('garbage')).toEqual({});
    expect(parsePdlCounts(null)).toEqual({});
  });

  it('reads the reset time as ISO-8601 UTC, zone-less UTC, or epoch seconds', () => {
    expect(parsePdlTime('2022-02-23T20:19:55Z')).toBe(Date.UTC(2022, 1, 23, 20, 19, 55));
    expect(parsePdlTime('2026-09-25 14:08:26')).toBe(Date.UTC(2026, 8, 25, 14, 8, 26));
    expect(parsePdlTime('2026-09-25T14:08:26+02:00')).toBe(Date.UTC(2026, 8, 25, 12, 8, 26));
    expect(parsePdlTime('1516124358')).toBe(1_516_124_358_000);
    expect(parsePdlTime('59')).toBeUndefined();
    expect(parsePdlTime('soon')).toBeUndefined();
  });

  it('turns the headers into quota reports and a retry time', () => {
    const now = Date.UTC(2026, 4, 5, 13, 27, 41, 500);
    const h = new Headers({
      'x-ratelimit-remaining': "{'minute': 0, 'day': None, 'month': 0}",
      'x-ratelimit-limit': "{'minute': 1000, 'day': None, 'month': 50000}",
      'x-ratelimit-reset': '2026-05-05T13:28:00Z',
    });
    expect(pdlQuota(h, now)).toEqual([
      { windowMs: MINUTE, remaining: 0, limit: 1_000, resetAt: Date.UTC(2026, 4, 5, 13, 28) },
      { windowMs: 30 * 86_400_000, remaining: 0, limit: 50_000, resetAt: Date.UTC(2026, 5, 1) },
    ]);
    expect(pdlQuota(new Headers(), now)).toBeUndefined();
    expect(pdlRetryAt(h, now)).toBe(Date.UTC(2026, 4, 5, 13, 28));
    // A reset our clock already passed: the window has turned, retry in a second.
    expect(pdlRetryAt(new Headers({ 'x-ratelimit-reset': '2026-05-05T13:27:00Z' }), now)).toBe(now + 1_000);
    expect(pdlRetryAt(new Headers({ 'retry-after': '30' }), now)).toBe(now + 30_000);
    expect(pdlRetryAt(new Headers(), now)).toBe(Date.UTC(2026, 4, 5, 13, 28));
  });
});

// ---------------------------------------------------------------------------------------------
// Answers the simulator does not give: a scripted stand-in server that also records what was sent.

describe('pdl adapter error mapping and pairing (scripted answers)', () => {
  let s: Scripted;
  let ctx: CallContext;
  const ada = personEnrich.lookup({ email: 'ada.lovelace@acme.example' })!;
  const grace = personEnrich.lookup({ email: 'grace.hopper@acme.example' })!;
  const alan = personEnrich.lookup({ first_name: 'Alan', last_name: 'Turing', domain: 'acme.example' })!;
  const person = (email: string, extra: Record<string, unknown> = {}) => ({
    id: `id-${email}`,
    first_name: email.split('.')[0],
    last_name: email.split('.')[1]?.split('@')[0],
    work_email: email,
    job_title: 'cto',
    job_company_website: 'acme.example',
    ...extra,
  });
  beforeAll(async () => {
    s = await scripted({ basePath: '/v5', fallback: { status: 404, body: '{"status":404,"error":{"type":"not_found","message":"none"}}' } });
    ctx = { apiKey: KEY, baseUrl: s.url, timeoutMs: 2_000 };
  });
  afterAll(() => s.close());

  it('sends the key in the X-Api-Key header only, never in the URL or the body', async () => {
    s.seen.length = 0;
    await pdlAdapter.call('person_enrich', ada, ctx);
    await pdlAdapter.call('company_enrich', companyLookup('acme.example'), ctx);
    s.next.push({ status: 200, body: '[]' }, { status: 200, body: '[]' });
    await pdlAdapter.callBatch!('person_enrich', [ada], ctx);
    await pdlAdapter.callBatch!('company_enrich', [companyLookup('acme.example')], ctx);
    await pdlAdapter.testConnection(ctx);
    expect(s.seen.map((x) => `${x.method} ${x.url.split('?')[0]}`)).toEqual([
      'GET /v5/person/enrich',
      'GET /v5/company/enrich',
      'POST /v5/person/bulk',
      'POST /v5/company/enrich/bulk',
      'GET /v5/person/enrich',
    ]);
    for (const req of s.seen) {
      expect(req.headers['x-api-key']).toBe(KEY);
      expect(req.url).not.toContain(KEY);
      expect(req.body).not.toContain(KEY);
    }
    expect(s.seen[1]?.url).toBe('/v5/company/enrich?website=acme.example');
    expect(JSON.parse(s.seen[3]!.body)).toEqual({ requests: [{ params: { website: 'acme.example' }, metadata: { ref: '0' } }] });
  });

  const err = (status: number, type: string) => JSON.stringify({ status, error: { type, message: `${type} happened` } });
  const cases: [string, number, string, Record<string, string>, Partial<VendorResult>][] = [
    ['400 bad params', 400, err(400, 'invalid_request_error'), {}, { outcome: 'invalid_input', billed: false }],
    ['403 plan', 403, err(403, 'forbidden'), {}, { outcome: 'auth_failed', billed: false }],
    ['405 method', 405, err(405, 'invalid_request_error'), {}, { outcome: 'invalid_input', billed: false }],
    ['404 not PDL', 404, '<html>Not Found</html>', {}, { outcome: 'invalid_input', billed: false }],
    ['402 with Retry-After', 402, err(402, 'payment_required'), { 'retry-after': '3600' }, { outcome: 'quota_exhausted', billed: false }],
    ['429 without reset header', 429, err(429, 'rate_limit_error'), {}, { outcome: 'rate_limited', billed: false }],
    ['503', 503, '<html>down</html>', {}, { outcome: 'transient', billed: false }],
    ['200 not JSON', 200, '<html>proxy</html>', {}, { outcome: 'miss', billed: true }],
    ['200 data is a string', 200, '{"status":200,"likelihood":9,"data":"ada"}', {}, { outcome: 'miss', billed: true }],
    ['200 empty record', 200, '{"status":200,"likelihood":9,"data":{}}', {}, { outcome: 'miss', billed: true }],
    ['200 PDL says 0 credits spent', 200, JSON.stringify({ status: 200, likelihood: 8, data: person('ada.lovelace@acme.example') }), { 'x-call-credits-spent': '0' }, { outcome: 'hit', billed: false }],
    ['200 odd leaves', 200, JSON.stringify({ status: 200, likelihood: 'x', data: person('ada.lovelace@acme.example', { job_title: 42, linkedin_url: true }) }), {}, { outcome: 'hit', billed: true }],
  ];
  it.each(cases)('maps %s', async (_name, status, body, headers, expected) => {
    const t0 = Date.now();
    s.next.push({ status, body, headers });
    const res = await pdlAdapter.call('person_enrich', ada, ctx);
    expect(res).toMatchObject({ httpStatus: status, ...expected });
    expect(res.message ?? '').not.toContain(KEY);
    if (status === 402) expect(res.retryAt).toBeGreaterThanOrEqual(t0 + 3_600_000);
    if (status === 429) expect([nextBoundary(t0, MINUTE), nextBoundary(Date.now(), MINUTE)]).toContain(res.retryAt);
  });

  it('keeps what parsed from a hit with odd leaves; likelihood absent → 0.6', async () => {
    s.next.push({ status: 200, body: JSON.stringify({ status: 200, data: person('ada.lovelace@acme.example', { job_title: 42, linkedin_url: true }) }) });
    const res = await pdlAdapter.call('person_enrich', ada, ctx);
    expect(res.profile).toEqual({
      work_email: { value: 'ada.lovelace@acme.example', confidence: 0.6 },
      first_name: { value: 'Ada', confidence: 0.6 },
      last_name: { value: 'Lovelace', confidence: 0.6 },
      company_domain: { value: 'acme.example', confidence: 0.6 },
    });
    expect(res.drift?.missing).toContain('likelihood');
  });

  it('scrubs the key from a vendor message that echoes it', async () => {
    s.next.push({ status: 401, body: JSON.stringify({ status: 401, error: { type: 'authentication_error', message: `bad key ${KEY}` } }) });
    const res = await pdlAdapter.call('person_enrich', ada, ctx);
    expect(res.outcome).toBe('auth_failed');
    expect(res.message).not.toContain(KEY);
    expect(res.message).toContain('***');
  });

  it('pairs bulk entries by the metadata echoed back, whatever their order', async () => {
    s.next.push({
      status: 200,
      body: JSON.stringify([
        { status: 404, error: { type: 'not_found' }, metadata: { ref: '1' } },
        { status: 200, likelihood: 9, data: person('alan.turing@acme.example'), metadata: { ref: '2' } },
        { status: 200, likelihood: 8, data: person('ada.lovelace@acme.example'), metadata: { ref: '0' } },
      ]),
    });
    const res = await pdlAdapter.callBatch!('person_enrich', [ada, grace, alan], ctx);
    expect(res.map((x) => [x.outcome, x.billed, x.profile?.work_email?.value])).toEqual([
      ['hit', true, 'ada.lovelace@acme.example'],
      ['miss', false, undefined],
      ['hit', true, 'alan.turing@acme.example'],
    ]);
  });

  it('without metadata and with an entry missing, pairs hits by identity; the rest are free misses', async () => {
    s.next.push({
      status: 200,
      body: JSON.stringify([
        { status: 200, likelihood: 9, data: person('alan.turing@acme.example') },
        { status: 200, likelihood: 9, data: person('grace.hopper@acme.example') },
      ]),
    });
    const res = await pdlAdapter.callBatch!('person_enrich', [ada, grace, alan], ctx);
    expect(res.map((x) => [x.outcome, x.billed, x.profile?.work_email?.value])).toEqual([
      ['miss', false, undefined],
      ['hit', true, 'grace.hopper@acme.example'],
      ['hit', true, 'alan.turing@acme.example'],
    ]);
    expect(res[0]?.message).toMatch(/no entry/);
  });

  it('without metadata and one entry per lookup, pairs by position', async () => {
    s.next.push({
      status: 200,
      body: JSON.stringify([
        { status: 404, error: { type: 'not_found' } },
        { status: 200, likelihood: 9, data: person('grace.hopper@acme.example') },
      ]),
    });
    const res = await pdlAdapter.callBatch!('person_enrich', [ada, grace], ctx);
    expect(res.map((x) => x.outcome)).toEqual(['miss', 'hit']);
  });

  it('an unreadable bulk answer is a billed miss for every lookup; a bad entry sinks only itself', async () => {
    s.next.push({ status: 200, body: '{"oops": true}' });
    const all = await pdlAdapter.callBatch!('person_enrich', [ada, grace], ctx);
    expect(all.map((x) => [x.outcome, x.billed])).toEqual([
      ['miss', true],
      ['miss', true],
    ]);
    s.next.push({
      status: 200,
      body: JSON.stringify([
        { status: 400, error: { type: 'invalid_request_error', message: 'bad email' }, metadata: { ref: '0' } },
        'garbage',
        { status: 200, likelihood: 7, data: person('alan.turing@acme.example'), metadata: { ref: '2' } },
      ]),
    });
    const mixed = await pdlAdapter.callBatch!('person_enrich', [ada, grace, alan], ctx);
    expect(mixed.map((x) => [x.outcome, x.billed])).toEqual([
      ['invalid_input', false],
      ['miss', true],
      ['hit', true],
    ]);
  });

  it('company bulk entries are read flat, and a `data` envelope is tolerated', async () => {
    const a = companyLookup('acme.example');
    const b = companyLookup('globex.example');
    s.next.push({
      status: 200,
      body: JSON.stringify([
        { status: 200, likelihood: 9, name: 'acme labs', website: 'acme.example', size: '51-200', metadata: { ref: '0' } },
        { status: 200, likelihood: 8, data: { name: 'globex gmbh', website: 'globex.example' }, metadata: { ref: '1' } },
      ]),
    });
    const res = await pdlAdapter.callBatch!('company_enrich', [a, b], ctx);
    expect(res.map((x) => [x.outcome, x.profile?.company_name?.value, x.profile?.employee_count?.value])).toEqual([
      ['hit', 'Acme Labs', '51-200'],
      ['hit', 'Globex GmbH', undefined],
    ]);
  });

  it('testConnection maps 402, 403, 429 and 5xx, and a 400 with no credits left', async () => {
    const cases: [number, Record<string, string>, string][] = [
      [402, {}, 'no_credits'],
      [403, {}, 'forbidden'],
      [429, {}, 'rate_limited'],
      [500, {}, 'error'],
      [400, { 'x-totallimit-remaining': '0' }, 'no_credits'],
      [400, { 'x-totallimit-remaining': '17' }, 'ok'],
    ];
    for (const [status, headers, expected] of cases) {
      s.next.push({ status, body: err(status, 'x'), headers });
      const t = await pdlAdapter.testConnection(ctx);
      expect([status, t.status, t.ok]).toEqual([status, expected, expected === 'ok']);
      expect(t.message).not.toContain(KEY);
    }
  });
});
