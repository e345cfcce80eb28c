// Clearbit legacy adapter against the Clearbit simulator over real HTTP (port 0): legacy-key check,
// hits, billed misses, 202 queued answers, rate limits in both reset formats, the monthly quota, faults,
// and the simulator's billing counter (Clearbit's rule: 200/202/404 count, once per lookup per period).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLEARBIT_QUEUED_RETRY_MS,
  clearbitAdapter,
  clearbitCompanyBase,
  clearbitQuota,
  clearbitRetryAt,
  interpretClearbitResponse,
  isLegacyClearbitKey,
  nextUtcMonthStart,
} from '../../server/vendors/clearbit/adapter.ts';
import type { CallContext, Lookup, VendorResult } from '../../server/vendors/types.ts';
import { clearbitEmployeesRange, clearbitTechTag, createClearbitSim } from '../../sandbox/vendors/clearbit.ts';
import type { ClearbitSim, ClearbitSimOptions } from '../../sandbox/vendors/clearbit.ts';
import { companyFor, unit, vendorKnows } from '../../sandbox/world.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { checkAndCloseAfterAll, Pool, scripted, simStarter, sleep, syntheticDomains, worldPeople } from '../helpers/vendor-fixtures.ts';
import type { Scripted, SimRun } from '../helpers/vendor-fixtures.ts';

const KEY = 'sk_cascade_sandbox_0001';
const SMALL_PLAN_KEY = 'sk_cascade_sandbox_0002';
const WRONG_KEY = 'sk_cascade_sandbox_9999';
const NOT_LEGACY_KEY = 'cascade-clearbit-key-0001';
const MINUTE = 60_000;
const COVERAGE = 0.7;
const COMPANY_COVERAGE = 0.8;

const personOp = clearbitAdapter.operations.person_find!;
const companyOp = clearbitAdapter.operations.company_find!;

// ---------------------------------------------------------------------------------------------
// Pools of world people and domains, each used by at most one test.

const PEOPLE = new Pool(worldPeople(600, 60, 'clearbit-test'), (p) => p.email, 'people');
const takePerson = (knownByClearbit: boolean): WorldPerson => PEOPLE.take((x) => vendorKnows('clearbit', x.email, COVERAGE) === knownByClearbit);
const DOMAINS = new Pool(syntheticDomains('clearbit-co', 300), (d) => d, 'domain');
const takeDomain = (knownByClearbit: boolean): string =>
  DOMAINS.take((x) => vendorKnows('clearbit-company', x, COMPANY_COVERAGE) === knownByClearbit);
const personLookup = (p: WorldPerson): Lookup => personOp.lookup({ email: p.email })!;
const companyLookup = (d: string): Lookup => companyOp.lookup({ domain: d })!;

// ---------------------------------------------------------------------------------------------

type Running = SimRun<ClearbitSim>;

const { running, start: startSim } = simStarter(
  (opts: Partial<ClearbitSimOptions>) =>
    createClearbitSim({
      validKeys: [KEY, SMALL_PLAN_KEY],
      quotaPerKey: { perKey: { [SMALL_PLAN_KEY]: 1 } },
      coverage: COVERAGE,
      companyCoverage: COMPANY_COVERAGE,
      latencyMs: [0, 1],
      ...opts,
    }),
  // Only the person host is configured: the company host is derived (here: the same server).
  (server) => ({ apiKey: KEY, baseUrl: server.personBaseUrl }),
);

checkAndCloseAfterAll(running, (r) => {
  // Clearbit's rule: each (key, operation, lookup) counted at most once per period.
  const ids = r.sim.state.billing.events.map((e) => `${e.key}|${e.operation}|${e.lookup}`);
  expect(new Set(ids).size).toBe(ids.length);
});

const counted = (r: Running) => r.sim.state.billing.events.map((e) => e.lookup);

// ---------------------------------------------------------------------------------------------

describe('clearbit adapter: declarations and lookups', () => {
  it('declares both operations with Clearbit billing (misses billed, repeats free), prices and windows', () => {
    expect(clearbitAdapter.id).toBe('clearbit');
    expect(Object.keys(clearbitAdapter.operations).sort()).toEqual(['company_find', 'person_find']);
    expect(personOp.groups).toEqual(['person', 'company']);
    expect(companyOp.groups).toEqual(['company']);
    for (const o of [personOp, companyOp]) {
      expect(o.billing).toEqual({ chargesOnMiss: true, repeatLookupsFree: true });
      expect(o.costMillicents).toBe(10_000);
      expect(o.rateWindows).toEqual([{ limit: 500, windowMs: MINUTE }]);
      expect(o.batch).toBeUndefined();
    }
  });

  it('builds canonical keys', () => {
    expect(personOp.lookup({ email: ' Ada.Lovelace@ACME.com ' })).toEqual({ key: 'email:ada.lovelace@acme.com', params: { email: 'ada.lovelace@acme.com' } });
    expect(personOp.lookup({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.com' })).toBeNull();
    expect(companyOp.lookup({ domain: 'https://WWW.Acme.com/about' })).toEqual({ key: 'domain:acme.com', params: { domain: 'acme.com' } });
    expect(companyOp.lookup({ email: 'ada@Acme.com' })?.key).toBe('domain:acme.com');
    expect(companyOp.lookup({ email: 'ada@gmail.com' })).toBeNull();
  });

  it('recognises legacy secret keys and derives the company host from the person host', () => {
    expect(isLegacyClearbitKey(KEY)).toBe(true);
    expect(isLegacyClearbitKey(NOT_LEGACY_KEY)).toBe(false);
    expect(isLegacyClearbitKey('pk_cascade_sandbox_0001')).toBe(false);
    expect(isLegacyClearbitKey('sk_')).toBe(false);
    expect(clearbitCompanyBase({ baseUrl: 'https://person.clearbit.com/v2' })).toBe('https://company.clearbit.com/v2');
    expect(clearbitCompanyBase({ baseUrl: 'https://person-stream.clearbit.com/v2/' })).toBe('https://company.clearbit.com/v2');
    expect(clearbitCompanyBase({ baseUrl: 'http://127.0.0.1:9/v2' })).toBe('http://127.0.0.1:9/v2');
    expect(clearbitCompanyBase({ baseUrl: 'https://person.clearbit.com/v2', hosts: { company: 'https://proxy.example/co/v2/' } })).toBe(
      'https://proxy.example/co/v2',
    );
  });
});

describe('clearbit simulator + adapter over HTTP', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startSim();
  });

  it('a key that is not a legacy sk_ key is refused locally: no request, nothing billed', async () => {
    const before = r.sim.state.requests.length;
    const res = await clearbitAdapter.call('person_find', personLookup(takePerson(true)), { ...r.ctx, apiKey: NOT_LEGACY_KEY });
    expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 0, billed: false });
    expect(res.message).toMatch(/sk_/);
    expect(res.message).not.toContain(NOT_LEGACY_KEY);
    const test = await clearbitAdapter.testConnection({ ...r.ctx, apiKey: NOT_LEGACY_KEY });
    expect(test).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 0 });
    expect(r.sim.state.requests.length).toBe(before);
  });

  it('auth failure: an unknown sk_ key is auth_failed (401 invalid_api_key), rate headers still sent', async () => {
    const res = await clearbitAdapter.call('person_find', personLookup(takePerson(true)), { ...r.ctx, apiKey: WRONG_KEY });
    expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 401, billed: false });
    expect(res.message).toMatch(/invalid_api_key/);
    expect(res.message).not.toContain(WRONG_KEY);
    const raw = await fetch(`${r.server.url}/v2/people/find?email=a@b.example`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ error: { type: 'auth_required', message: expect.stringMatching(/Authentication is required/) } });
    expect(raw.headers.get('x-ratelimit-limit')).toBe('600');
    expect(counted(r)).toEqual([]);
  });

  it('person hit: the Clearbit person shape normalized to the world values, counted once', async () => {
    const p = takePerson(true);
    const res = await clearbitAdapter.call('person_find', personLookup(p), r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    expect(res.drift).toBeUndefined();
    const pr = res.profile!;
    expect(pr.first_name).toEqual({ value: p.firstName, confidence: 0.8 });
    expect(pr.last_name?.value).toBe(p.lastName);
    expect(pr.job_title?.value).toBe(p.title);
    expect(pr.seniority?.value).toBe(p.seniority);
    expect(pr.city?.value).toBe(p.city);
    expect(pr.state?.value).toBe(p.state);
    expect(pr.country?.value).toBe(p.country);
    expect(pr.company_name?.value).toBe(p.company.name);
    expect(pr.company_domain?.value).toBe(p.company.domain);
    expect(pr.linkedin_url?.value).toBe(unit('clearbit-linkedin', p.email) < 0.9 ? p.linkedinUrl : undefined);
    expect(pr.work_email).toBeUndefined();
    expect(counted(r)).toContain(`email:${p.email}`);
  });

  it('person miss: 404 unknown_record is a miss that Clearbit bills, and the counter shows it', async () => {
    const p = takePerson(false);
    const raw = await fetch(`${r.server.url}/v2/people/find?email=${encodeURIComponent(`x${p.email}`)}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({ error: { type: 'unknown_record', message: 'Unknown email address' } });
    const before = r.sim.state.billing.events.length;
    const res = await clearbitAdapter.call('person_find', personLookup(p), r.ctx);
    expect(res).toMatchObject({ outcome: 'miss', httpStatus: 404, billed: true });
    expect(r.sim.state.billing.events.slice(before).map((e) => e.lookup)).toEqual([`email:${p.email}`]);
  });

  it('company hit and billed miss, on the company host derived from the person host', async () => {
    const d = takeDomain(true);
    const hit = await clearbitAdapter.call('company_find', companyLookup(d), r.ctx);
    expect(hit).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    const co = companyFor(d);
    expect(hit.profile).toMatchObject({
      company_name: { value: co.name, confidence: 0.85 },
      company_domain: { value: d },
      industry: { value: co.industry },
      employee_count: { value: String(co.employees) },
      company_linkedin_url: { value: co.linkedinUrl },
    });
    expect(hit.profile?.tech_stack?.value).toBe(co.tech.length ? co.tech.map(clearbitTechTag).join(', ') : undefined);
    expect(hit.profile?.first_name).toBeUndefined();
    const missDomain = takeDomain(false);
    const miss = await clearbitAdapter.call('company_find', companyLookup(missDomain), r.ctx);
    expect(miss).toMatchObject({ outcome: 'miss', httpStatus: 404, billed: true });
    expect(counted(r)).toEqual(expect.arrayContaining([`domain:${d}`, `domain:${missDomain}`]));
  });

  it('asking again in the period is free: the counter counts a repeated miss once', async () => {
    const p = takePerson(false);
    const before = r.sim.state.billing.snapshot();
    const a = await clearbitAdapter.call('person_find', personLookup(p), r.ctx);
    const b = await clearbitAdapter.call('person_find', personLookup(p), r.ctx);
    expect([a.outcome, b.outcome]).toEqual(['miss', 'miss']);
    const after = r.sim.state.billing.snapshot();
    expect(after.billedCalls - before.billedCalls).toBe(1);
    expect(after.freeRepeats - before.freeRepeats).toBe(1);
  });

  it('parses X-RateLimit-* into quota on every answer', async () => {
    const t0 = Date.now();
    const res = await clearbitAdapter.call('company_find', companyLookup(takeDomain(true)), r.ctx);
    expect(res.quota).toHaveLength(1);
    const q = res.quota![0]!;
    expect(q.windowMs).toBe(MINUTE);
    expect(q.limit).toBe(600);
    expect(q.remaining).toBeLessThan(600);
    expect(q.remaining).toBeGreaterThan(500);
    // Epoch seconds by default: the end of the current clock minute.
    expect(q.resetAt).toBe(Math.ceil(((Math.floor(t0 / MINUTE) + 1) * MINUTE) / 1000) * 1000);
  });

  it('connection test: companies/find without a domain — 422 after the key check — costs nothing', async () => {
    const before = r.sim.state.billing.events.length;
    const from = r.sim.state.requests.length;
    const ok = await clearbitAdapter.testConnection(r.ctx);
    expect(ok).toMatchObject({ ok: true, status: 'ok', httpStatus: 422, checked: 'GET /v2/companies/find' });
    expect(ok.message).toMatch(/requests left this minute/);
    const bad = await clearbitAdapter.testConnection({ ...r.ctx, apiKey: WRONG_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 401 });
    expect(bad.message).not.toContain(WRONG_KEY);
    expect(r.sim.state.billing.events.length).toBe(before);
    expect(r.sim.state.requests.slice(from).map((q) => q.query)).toEqual([{}, {}]);
  });

  it('injected 5xx, timeout and reset: transient and never billed; no answer is ambiguous', async () => {
    const before = r.sim.state.billing.events.length;
    const ctx = { ...r.ctx, timeoutMs: 300 };
    r.sim.state.faults.force('5xx');
    const five = await clearbitAdapter.call('person_find', personLookup(takePerson(true)), ctx);
    expect(five).toMatchObject({ outcome: 'transient', billed: false });
    expect(five.ambiguous).toBeUndefined();
    r.sim.state.faults.force('timeout');
    const timeout = await clearbitAdapter.call('person_find', personLookup(takePerson(true)), ctx);
    expect(timeout).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });
    r.sim.state.faults.force('reset');
    const reset = await clearbitAdapter.call('company_find', companyLookup(takeDomain(true)), ctx);
    expect(reset).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });
    expect(r.sim.state.billing.events.length).toBe(before);
  });
});

describe('clearbit 202 queued answers', () => {
  it('202 is transient with a retryAt, billed (not ambiguous); the follow-up 200 is a free repeat', async () => {
    const p = takePerson(true);
    const d = takeDomain(true);
    const r = await startSim({ queued: { emails: [p.email], domains: [d] } });
    const raw = await fetch(`${r.server.url}/v2/companies/find?domain=${d}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(raw.status).toBe(202);
    expect(await raw.text()).toBe('');

    const t0 = Date.now();
    const queued = await clearbitAdapter.call('person_find', personLookup(p), r.ctx);
    expect(queued).toMatchObject({ outcome: 'transient', httpStatus: 202, billed: true });
    expect(queued.ambiguous).toBeUndefined();
    expect(queued.retryAt).toBeGreaterThanOrEqual(t0 + CLEARBIT_QUEUED_RETRY_MS);
    expect(queued.retryAt).toBeLessThanOrEqual(Date.now() + CLEARBIT_QUEUED_RETRY_MS);
    expect(counted(r)).toEqual([`domain:${d}`, `email:${p.email}`]);

    const again = await clearbitAdapter.call('person_find', personLookup(p), r.ctx);
    expect(again).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    expect(again.profile?.job_title?.value).toBe(p.title);
    const company = await clearbitAdapter.call('company_find', companyLookup(d), r.ctx);
    expect(company.outcome).toBe('hit');
    // Clearbit counted each lookup once: the 202s; the 200s that followed were free repeats.
    expect(r.sim.state.billing.snapshot()).toMatchObject({ billedCalls: 2, freeRepeats: 2 });
    expect(r.sim.state.statuses).toMatchObject({ 202: 2, 200: 2 });
  });

  it('a queued unknown record turns into a (billed) 404 miss, counted once', async () => {
    const p = takePerson(false);
    const r = await startSim({ queued: { emails: [p.email], calls: 2 } });
    const outcomes: [string, number][] = [];
    for (let i = 0; i < 3; i++) {
      const res = await clearbitAdapter.call('person_find', personLookup(p), r.ctx);
      outcomes.push([res.outcome, res.httpStatus]);
    }
    expect(outcomes).toEqual([
      ['transient', 202],
      ['transient', 202],
      ['miss', 404],
    ]);
    expect(r.sim.state.billing.snapshot()).toMatchObject({ billedCalls: 1, freeRepeats: 2 });
  });
});

describe('clearbit rate limits and quota', () => {
  const alignTo = async (ms: number) => sleep(ms - (Date.now() % ms) + 15);

  for (const resetFormat of ['delta', 'epoch'] as const) {
    it(`429 with X-RateLimit-Reset as ${resetFormat}: retryAt at the window's end, then recovery`, async () => {
      const r = await startSim({ coverage: 1, limits: { person: 2, windowMs: 2_000 }, resetFormat });
      await alignTo(2_000);
      const windowEnd = (Math.floor(Date.now() / 2_000) + 1) * 2_000;
      const [a, b, c] = [takePerson(true), takePerson(true), takePerson(true)];
      expect((await clearbitAdapter.call('person_find', personLookup(a), r.ctx)).outcome).toBe('hit');
      expect((await clearbitAdapter.call('person_find', personLookup(b), r.ctx)).outcome).toBe('hit');
      // Company is a separate API with its own window.
      expect((await clearbitAdapter.call('company_find', companyLookup(takeDomain(true)), r.ctx)).outcome).toBe('hit');

      const raw = await fetch(`${r.server.url}/v2/people/find?email=${c.email}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(raw.status).toBe(429);
      expect(await raw.json()).toEqual({ error: { type: 'rate_limit', message: expect.any(String) } });
      expect(raw.headers.get('x-ratelimit-remaining')).toBe('0');
      const reset = Number(raw.headers.get('x-ratelimit-reset'));
      if (resetFormat === 'epoch') expect(reset).toBe(windowEnd / 1000);
      else expect([1, 2]).toContain(reset);

      const limited = await clearbitAdapter.call('person_find', personLookup(c), r.ctx);
      expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
      expect(limited.retryAt).toBeGreaterThanOrEqual(windowEnd);
      expect(limited.retryAt).toBeLessThanOrEqual(windowEnd + 1_000);
      expect(limited.quota?.[0]).toMatchObject({ remaining: 0, limit: 2 });
      expect(counted(r)).not.toContain(`email:${c.email}`);

      await sleep(Math.max(0, limited.retryAt! - Date.now()) + 20);
      const recovered = await clearbitAdapter.call('person_find', personLookup(c), r.ctx);
      expect(recovered).toMatchObject({ outcome: 'hit', billed: true });
    });
  }

  it('402 over the monthly quota: quota_exhausted until the next month, new lookups refused, repeats still served', async () => {
    const r = await startSim();
    const ctx = { ...r.ctx, apiKey: SMALL_PLAN_KEY };
    const first = takePerson(true);
    expect((await clearbitAdapter.call('person_find', personLookup(first), ctx)).outcome).toBe('hit');
    const t0 = Date.now();
    const over = await clearbitAdapter.call('person_find', personLookup(takePerson(true)), ctx);
    expect(over).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 402, billed: false });
    expect([nextUtcMonthStart(t0), nextUtcMonthStart(Date.now())]).toContain(over.retryAt);
    expect((await clearbitAdapter.call('person_find', personLookup(first), ctx)).outcome).toBe('hit');
    expect(r.sim.state.billing.snapshot().perKey[SMALL_PLAN_KEY]).toEqual({ billedCalls: 1, credits: 1 });
    const test = await clearbitAdapter.testConnection(ctx);
    expect(test.ok).toBe(true); // a 422 is never over quota: the key itself works
  });
});

describe('clearbit answers interpreted (pure)', () => {
  const now = Date.UTC(2026, 4, 5, 13, 27, 41, 500);
  const cases: [string, number, unknown, Partial<VendorResult>][] = [
    ['200 person', 200, { id: 'p1', name: { givenName: 'Ada' } }, { outcome: 'hit', billed: true }],
    ['200 not an object', 200, null, { outcome: 'miss', billed: true }],
    ['200 empty object', 200, {}, { outcome: 'miss', billed: true }],
    ['202', 202, null, { outcome: 'transient', billed: true, retryAt: now + CLEARBIT_QUEUED_RETRY_MS }],
    ['404 unknown_record', 404, { error: { type: 'unknown_record', message: 'Unknown email address' } }, { outcome: 'miss', billed: true }],
    ['404 unknown_route', 404, { error: { type: 'unknown_route', message: 'no route' } }, { outcome: 'invalid_input', billed: false }],
    ['422', 422, { error: { type: 'invalid_email', message: 'Invalid email' } }, { outcome: 'invalid_input', billed: false }],
    ['401', 401, { error: { type: 'invalid_api_key', message: 'Invalid API key provided' } }, { outcome: 'auth_failed', billed: false }],
    ['403', 403, null, { outcome: 'auth_failed', billed: false }],
    ['402', 402, { error: { type: 'over_quota' } }, { outcome: 'quota_exhausted', billed: false, retryAt: Date.UTC(2026, 5, 1) }],
    ['429', 429, null, { outcome: 'rate_limited', billed: false, retryAt: now + 60_000 }],
    ['500', 500, '<html>', { outcome: 'transient', billed: false }],
    ['418', 418, null, { outcome: 'invalid_input', billed: false }],
  ];
  it.each(cases)('maps %s', (_name, status, json, expected) => {
    expect(interpretClearbitResponse('person_find', status, json, new Headers(), now)).toMatchObject({ httpStatus: status, ...expected });
  });

  it('reads X-RateLimit-Reset as epoch seconds or seconds to wait, Retry-After too', () => {
    const epoch = Math.floor(now / 1000) + 19;
    expect(clearbitRetryAt(new Headers({ 'x-ratelimit-reset': String(epoch) }), now)).toBe(epoch * 1000);
    expect(clearbitRetryAt(new Headers({ 'x-ratelimit-reset': '19' }), now)).toBe(now + 19_000);
    expect(clearbitRetryAt(new Headers({ 'x-ratelimit-reset': String(Math.floor(now / 1000) - 5) }), now)).toBe(now + 1_000);
    expect(clearbitRetryAt(new Headers({ 'retry-after': '7' }), now)).toBe(now + 7_000);
    expect(clearbitRetryAt(new Headers(), now)).toBe(now + 60_000);
    expect(clearbitQuota(new Headers({ 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': '30' }), now)).toEqual([
      { windowMs: MINUTE, remaining: 12, limit: 600, resetAt: now + 30_000 },
    ]);
    expect(clearbitQuota(new Headers({ 'x-ratelimit-limit': '600' }), now)).toBeUndefined();
    expect(clearbitEmployeesRange(180)).toBe('51-250');
  });
});

// ---------------------------------------------------------------------------------------------

describe('clearbit adapter against a scripted server', () => {
  let s: Scripted;
  let url = '';
  beforeAll(async () => {
    s = await scripted({ fallback: { status: 404, body: '{"error":{"type":"unknown_record","message":"x"}}' } });
    url = s.url;
  });
  afterAll(() => s.close());

  it('uses ctx.hosts.company for companies, the Bearer header for the key and never the URL', async () => {
    const ctx: CallContext = { apiKey: KEY, baseUrl: `${url}/person/v2/`, hosts: { company: `${url}/company/v2` }, timeoutMs: 2_000 };
    await clearbitAdapter.call('person_find', personOp.lookup({ email: 'ada@acme.example' })!, ctx);
    await clearbitAdapter.call('company_find', companyOp.lookup({ domain: 'acme.example' })!, ctx);
    expect(s.seen.map((x) => x.url)).toEqual(['/person/v2/people/find?email=ada%40acme.example', '/company/v2/companies/find?domain=acme.example']);
    for (const x of s.seen) {
      expect(x.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(x.url).not.toContain(KEY);
    }
  });

  it('reports drift for an unknown key and a missing id', async () => {
    s.next.push({ status: 200, body: JSON.stringify({ name: { givenName: 'Ada', familyName: 'Lovelace' }, superpower: 'math' }) });
    const res = await clearbitAdapter.call('person_find', personOp.lookup({ email: 'ada@acme.example' })!, { apiKey: KEY, baseUrl: url, timeoutMs: 2_000 });
    expect(res.outcome).toBe('hit');
    expect(res.drift).toEqual({ unknown: ['superpower'], missing: ['id'] });
  });

  it('scrubs the key from a message that echoes it', async () => {
    s.next.push({ status: 401, body: JSON.stringify({ error: { type: 'invalid_api_key', message: `Invalid API key ${KEY}` } }) });
    const res = await clearbitAdapter.call('person_find', personOp.lookup({ email: 'ada@acme.example' })!, { apiKey: KEY, baseUrl: url, timeoutMs: 2_000 });
    expect(res.outcome).toBe('auth_failed');
    expect(res.message).not.toContain(KEY);
  });
});
