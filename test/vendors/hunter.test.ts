// Hunter adapter against the Hunter simulator over real HTTP (port 0): every outcome the engine must
// tell apart, and the simulator's billing counter as the proof of what was (not) paid.
import { describe, expect, it } from 'vitest';
import { createHunterSim } from '../../sandbox/vendors/hunter.ts';
import type { HunterSim, HunterSimOptions } from '../../sandbox/vendors/hunter.ts';
import { companyFor } from '../../sandbox/world.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { closeAfterEach, lookupOf, scripted, worldPeople } from '../helpers/vendor-fixtures.ts';
import { hunterAdapter, hunterCreditsLeft, interpretHunterResponse, nextUtcMonthStart } from '../../server/vendors/hunter/adapter.ts';
import type { CallContext, ContactFacts, Lookup, VendorResult } from '../../server/vendors/types.ts';

const KEY = 'hunter-test-key-0001';
const OTHER_KEY = 'hunter-test-key-0002';

/** Quiet defaults: no random opt-outs / slow verifications / SMTP failures unless a test asks. */
const QUIET: HunterSimOptions = {
  validKeys: [KEY, OTHER_KEY],
  latencyMs: [0, 0],
  coverage: 1,
  companyCoverage: 1,
  optedOutShare: 0,
  slowVerify: { share: 0 },
  smtpFailure: { share: 0 },
};

const closeAfterTest = closeAfterEach();

async function start(opts: Partial<HunterSimOptions> = {}): Promise<{ sim: HunterSim; ctx: CallContext; url: string }> {
  const sim = createHunterSim({ ...QUIET, ...opts });
  const server = await sim.start(0);
  closeAfterTest(server);
  return { sim, url: server.url, ctx: { apiKey: KEY, baseUrl: `${server.url}/v2`, timeoutMs: 2_000 } };
}

/** People of the world whose mailbox is deliverable, so Hunter's finder returns them when it knows them. */
const PEOPLE: WorldPerson[] = worldPeople(60, 6).filter((p) => p.mailbox === 'valid');
const person = (i: number): WorldPerson => {
  const p = PEOPLE[i];
  if (!p) throw new Error(`need at least ${i + 1} people in the fixture`);
  return p;
};
const factsOf = (p: WorldPerson): ContactFacts => ({
  email: p.email,
  first_name: p.firstName,
  last_name: p.lastName,
  domain: p.company.domain,
});

const lookup = (op: string, facts: ContactFacts): Lookup => lookupOf(hunterAdapter, op, facts);

const call = (op: string, facts: ContactFacts, ctx: CallContext): Promise<VendorResult> =>
  hunterAdapter.call(op, lookup(op, facts), ctx);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hunter adapter: declarations and lookups', () => {
  it('declares its operations, prices, billing rule and rate windows', () => {
    const ops = hunterAdapter.operations;
    expect(hunterAdapter.id).toBe('hunter');
    expect(Object.keys(ops).sort()).toEqual(['companies_find', 'email_finder', 'email_verifier', 'people_find']);
    expect(ops.email_finder?.groups).toEqual(['email', 'phone', 'person']);
    expect(ops.email_verifier?.groups).toEqual(['email_verification']);
    expect(ops.people_find?.groups).toEqual(['person']);
    expect(ops.companies_find?.groups).toEqual(['company']);
    expect(ops.email_finder?.costMillicents).toBe(10_000);
    expect(ops.email_verifier?.costMillicents).toBe(5_000);
    expect(ops.people_find?.costMillicents).toBe(2_000);
    expect(ops.companies_find?.costMillicents).toBe(2_000);
    for (const op of Object.values(ops)) expect(op.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: true });
    expect(ops.email_finder?.rateWindows).toEqual([{ limit: 15, windowMs: 1_000 }, { limit: 500, windowMs: 60_000 }]);
    expect(ops.email_verifier?.rateWindows).toEqual([{ limit: 10, windowMs: 1_000 }, { limit: 300, windowMs: 60_000 }]);
  });

  it('builds canonical lookup keys, or none without the needed input', () => {
    const finder = hunterAdapter.operations.email_finder;
    expect(finder?.lookup({ first_name: ' Ada ', last_name: 'LOVELACE', domain: 'https://www.Acme.com/about' })).toEqual({
      key: 'name:ada|lovelace|acme.com',
      params: { first_name: 'Ada', last_name: 'LOVELACE', domain: 'acme.com' },
    });
    expect(finder?.lookup({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme  Inc' })?.key).toBe(
      'name:ada|lovelace|company:acme inc',
    );
    expect(finder?.lookup({ first_name: 'Ada', domain: 'acme.com' })).toBeNull();
    expect(finder?.lookup({ first_name: 'Ada', last_name: 'Lovelace' })).toBeNull();

    const verifier = hunterAdapter.operations.email_verifier;
    expect(verifier?.lookup({ email: ' Ada.Lovelace@ACME.com ' })).toEqual({
      key: 'email:ada.lovelace@acme.com',
      params: { email: 'ada.lovelace@acme.com' },
    });
    expect(verifier?.lookup({ email: 'not an email' })).toBeNull();
    expect(hunterAdapter.operations.people_find?.lookup({})).toBeNull();

    const companies = hunterAdapter.operations.companies_find;
    expect(companies?.lookup({ domain: 'WWW.Acme.com' })?.key).toBe('domain:acme.com');
    expect(companies?.lookup({ email: 'ada@acme.com' })?.key).toBe('domain:acme.com');
    expect(companies?.lookup({ email: 'ada@gmail.com' })).toBeNull();
  });
});

describe('hunter simulator + adapter over HTTP', () => {
  it('auth failure: an unknown key is auth_failed, not billed; a missing key gets Hunter\'s 401 body', async () => {
    const { sim, ctx, url } = await start();
    const r = await call('email_finder', factsOf(person(0)), { ...ctx, apiKey: 'hunter-test-key-bad0' });
    expect(r).toMatchObject({ outcome: 'auth_failed', httpStatus: 401, billed: false });
    expect(r.message).not.toContain('hunter-test-key-bad0');

    const raw = await fetch(`${url}/v2/people/find?email=${encodeURIComponent(person(0).email)}`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({
      errors: [{ id: 'authentication_failed', code: 401, details: 'No user found for the API key supplied' }],
    });
    // Hunter also accepts the key as the api_key query parameter.
    const viaQuery = await fetch(`${url}/v2/companies/find?domain=acme.com&api_key=${KEY}`);
    expect(viaQuery.status).toBe(200);
    expect(sim.state.billing.snapshot().perOperation['people_find']).toBeUndefined();
  });

  it('sends the key in the X-API-KEY header, never in the URL', async () => {
    const server = await scripted({
      basePath: '/v2/',
      fallback: { status: 404, body: JSON.stringify({ errors: [{ id: 'not_found', code: 404, details: 'nothing' }] }) },
    });
    try {
      const ctx: CallContext = { apiKey: KEY, baseUrl: server.url, timeoutMs: 2_000 };
      for (const op of Object.keys(hunterAdapter.operations)) await call(op, factsOf(person(0)), ctx);
    } finally {
      await server.close();
    }
    expect(server.seen.map((s) => s.url.split('?')[0])).toEqual([
      '/v2/email-finder', '/v2/email-verifier', '/v2/people/find', '/v2/companies/find',
    ]);
    for (const s of server.seen) {
      expect(s.headers['x-api-key']).toBe(KEY);
      expect(s.url).not.toContain(KEY);
      expect(s.url).not.toContain('api_key');
    }
  });

  it('hit for each operation, normalized and billed by Hunter\'s credit rules', async () => {
    const { sim, ctx } = await start();
    const p = person(0);

    const finder = await call('email_finder', factsOf(p), ctx);
    expect(finder).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    expect(finder.profile?.work_email?.value).toBe(p.email);
    expect(finder.profile?.work_email?.confidence).toBeGreaterThanOrEqual(0.8);
    expect(finder.profile?.work_email?.confidence).toBeLessThanOrEqual(1);
    expect(finder.profile?.company_domain?.value).toBe(p.company.domain);
    expect(finder.profile?.company_name?.value).toBe(p.company.name);

    const verifier = await call('email_verifier', factsOf(p), ctx);
    expect(verifier).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    expect(verifier.profile?.email_status?.value).toBe('valid');
    expect(verifier.profile?.email_status?.confidence).toBeGreaterThanOrEqual(0.9);

    const people = await call('people_find', factsOf(p), ctx);
    expect(people).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    expect(people.profile).toMatchObject({
      first_name: { value: p.firstName, confidence: 0.8 },
      last_name: { value: p.lastName, confidence: 0.8 },
      job_title: { value: p.title },
      seniority: { value: p.seniority },
      city: { value: p.city },
      country: { value: p.country },
      company_domain: { value: p.company.domain },
    });

    const company = await call('companies_find', factsOf(p), ctx);
    expect(company).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    // The simulator answers in Hunter's shapes: no drift; Hunter sends no window headers: no quota.
    for (const r of [finder, verifier, people, company]) {
      expect(r.drift).toBeUndefined();
      expect(r.quota).toBeUndefined();
    }
    const c = companyFor(p.company.domain);
    expect(company.profile?.company_name?.value).toBe(c.name);
    expect(company.profile?.industry?.value).toBe(c.industry);
    expect(company.profile?.employee_count?.value).toMatch(/^\d+-\d+$|^\d+\+$/);
    expect(company.profile?.company_linkedin_url?.value).toBe(c.linkedinUrl);
    if (c.tech.length) expect(company.profile?.tech_stack?.value).toBe(c.tech.join(', '));

    const bill = sim.state.billing.snapshot();
    expect(bill.perOperation).toEqual({
      email_finder: { billedCalls: 1, credits: 1 },
      email_verifier: { billedCalls: 1, credits: 0.5 },
      people_find: { billedCalls: 1, credits: 0.2 },
      companies_find: { billedCalls: 1, credits: 0.2 },
    });
    expect(bill.duplicates).toEqual([]);
  });

  it('finds by company name when the domain is unknown', async () => {
    const { ctx } = await start();
    const p = person(1);
    const r = await call('email_finder', { first_name: p.firstName, last_name: p.lastName, company_name: p.company.name }, ctx);
    expect(r.outcome).toBe('hit');
    expect(r.profile?.work_email?.value).toBe(p.email);
  });

  it('misses (finder email null, people/companies 404) are misses and never billed', async () => {
    const { sim, ctx, url } = await start({ coverage: 0, companyCoverage: 0 });
    const p = person(0);
    const raw = await fetch(`${url}/v2/email-finder?domain=${p.company.domain}&first_name=${p.firstName}&last_name=${p.lastName}`, {
      headers: { 'X-API-KEY': KEY },
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { data: { email: unknown } }).data.email).toBeNull();

    expect(await call('email_finder', factsOf(p), ctx)).toMatchObject({ outcome: 'miss', httpStatus: 200, billed: false });
    expect(await call('people_find', factsOf(p), ctx)).toMatchObject({ outcome: 'miss', httpStatus: 404, billed: false });
    expect(await call('companies_find', factsOf(p), ctx)).toMatchObject({ outcome: 'miss', httpStatus: 404, billed: false });
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
  });

  it('403 is the rate-limit signal: rate_limited with a short back-off, recovered after the window', async () => {
    const { sim, ctx } = await start({ limits: { general: { perSecond: 1, secondMs: 400 }, verifier: { perSecond: 50 } } });
    const p = person(0);
    let limited: VendorResult | undefined;
    let before = 0;
    for (let i = 0; i < 6 && !limited; i++) {
      before = Date.now();
      const r = await call('companies_find', factsOf(p), ctx);
      if (r.outcome === 'rate_limited') limited = r;
      else expect(r.outcome).toBe('hit');
    }
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 403, billed: false });
    expect(limited?.retryAt).toBeGreaterThanOrEqual(before + 900);
    expect(limited?.retryAt).toBeLessThanOrEqual(Date.now() + 1_100);
    expect(sim.state.limitSignals).toBeGreaterThanOrEqual(1);
    // The verifier has its own windows: not blocked by the general endpoint's.
    expect((await call('email_verifier', factsOf(p), ctx)).outcome).toBe('hit');

    await sleep(450);
    expect((await call('companies_find', factsOf(p), ctx)).outcome).toBe('hit');
    // Only the first companies_find was billed; the repeat after recovery is free.
    expect(sim.state.billing.snapshot().perOperation['companies_find']).toEqual({ billedCalls: 1, credits: 0.2 });
  });

  it('the verifier\'s own windows answer 403 too', async () => {
    const { ctx } = await start({ limits: { verifier: { perSecond: 50, perMinute: 2, minuteMs: 500 } } });
    const outcomes: string[] = [];
    // Six quick calls span at most two 500 ms windows, so one window sees at least three: one is refused.
    for (let i = 0; i < 6; i++) outcomes.push((await call('email_verifier', factsOf(person(i)), ctx)).outcome);
    expect(outcomes).toContain('rate_limited');
    await sleep(550);
    expect((await call('email_verifier', factsOf(person(6)), ctx)).outcome).toBe('hit');
  });

  it('429 is the monthly quota: quota_exhausted until the next UTC month; free repeats still served', async () => {
    const { sim, ctx } = await start({ creditsPerKey: { default: 1.2, perKey: { [OTHER_KEY]: 100 } } });
    const [a, b] = [person(0), person(1)];
    expect((await call('email_finder', factsOf(a), ctx)).outcome).toBe('hit'); // 1 credit
    expect((await call('companies_find', factsOf(a), ctx)).outcome).toBe('hit'); // 0.2 → 1.2 used

    const before = Date.now();
    const r = await call('email_finder', factsOf(b), ctx);
    expect(r).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 429, billed: false });
    expect(r.retryAt).toBe(nextUtcMonthStart(before));
    expect((await call('people_find', factsOf(b), ctx)).outcome).toBe('quota_exhausted');
    expect(sim.state.limitSignals).toBe(2);

    // A repeat of a lookup already paid this period is free, so Hunter still answers it.
    expect((await call('email_finder', factsOf(a), ctx)).outcome).toBe('hit');
    // Quota is per key.
    expect((await call('email_finder', factsOf(b), { ...ctx, apiKey: OTHER_KEY })).outcome).toBe('hit');
    const bill = sim.state.billing.snapshot();
    expect(bill.perKey[KEY]).toEqual({ billedCalls: 2, credits: 1.2 });
    expect(bill.freeRepeats).toBe(1);
  });

  it('451 claimed_email: miss with doNotProcess, never billed', async () => {
    const p = person(2);
    const { sim, ctx, url } = await start({ optedOutEmails: [p.email.toUpperCase()] });
    const raw = await fetch(`${url}/v2/email-verifier?email=${encodeURIComponent(p.email)}`, { headers: { 'X-API-KEY': KEY } });
    expect(raw.status).toBe(451);
    expect(((await raw.json()) as { errors: { id: string }[] }).errors[0]?.id).toBe('claimed_email');

    for (const op of ['email_verifier', 'people_find', 'email_finder']) {
      const r = await call(op, factsOf(p), ctx);
      expect(r).toMatchObject({ outcome: 'miss', httpStatus: 451, billed: false, doNotProcess: true });
      expect(r.profile).toBeUndefined();
    }
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
  });

  it('202 while verifying is transient with a short retry; the retry gets the 200 and one charge', async () => {
    const p = person(3);
    const { sim, ctx } = await start({ slowVerify: { emails: [p.email], pendingCalls: 2 } });
    for (let i = 0; i < 2; i++) {
      const before = Date.now();
      const r = await call('email_verifier', factsOf(p), ctx);
      expect(r).toMatchObject({ outcome: 'transient', httpStatus: 202, billed: false });
      expect(r.retryAt).toBeGreaterThanOrEqual(before + 1_000);
      expect(r.retryAt).toBeLessThanOrEqual(Date.now() + 2_000);
    }
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    const done = await call('email_verifier', factsOf(p), ctx);
    expect(done).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    expect(sim.state.billing.snapshot().perOperation['email_verifier']).toEqual({ billedCalls: 1, credits: 0.5 });
  });

  it('222 remote SMTP failure is transient, retried later, never billed', async () => {
    const p = person(4);
    const { sim, ctx } = await start({ smtpFailure: { emails: [p.email], failCalls: 1 } });
    const before = Date.now();
    const r = await call('email_verifier', factsOf(p), ctx);
    expect(r).toMatchObject({ outcome: 'transient', httpStatus: 222, billed: false });
    expect(r.retryAt).toBeGreaterThan(before + 2_000);
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    expect((await call('email_verifier', factsOf(p), ctx)).outcome).toBe('hit');
  });

  it('a repeated lookup is billed once (Hunter: repeats in the period are free)', async () => {
    const { sim, ctx } = await start();
    const p = person(0);
    for (let i = 0; i < 3; i++) {
      expect((await call('people_find', factsOf(p), ctx)).outcome).toBe('hit');
      expect((await call('email_finder', factsOf(p), ctx)).outcome).toBe('hit');
    }
    const bill = sim.state.billing.snapshot();
    expect(bill.billedCalls).toBe(2);
    expect(bill.credits).toBeCloseTo(1.2);
    expect(bill.freeRepeats).toBe(4);
    expect(bill.duplicates).toEqual([]);
  });

  it('bad parameters are invalid_input', async () => {
    const { ctx } = await start();
    const r = await hunterAdapter.call('email_finder', { key: 'name:x', params: { first_name: 'Ada' } }, ctx);
    expect(r).toMatchObject({ outcome: 'invalid_input', httpStatus: 400, billed: false });
    expect(r.message).toContain('wrong_params');
    expect((await hunterAdapter.call('nope', { key: 'x', params: {} }, ctx)).outcome).toBe('invalid_input');
  });

  it('injected 5xx, timeout and connection reset are transient and nothing is billed', async () => {
    const { sim, ctx } = await start();
    const p = person(0);
    const quick = { ...ctx, timeoutMs: 300 };

    sim.state.faults.force('5xx');
    const e5 = await call('email_finder', factsOf(p), quick);
    expect(e5.outcome).toBe('transient');
    expect([500, 502, 503]).toContain(e5.httpStatus);
    expect(e5.billed).toBe(false);

    sim.state.faults.force('timeout');
    const started = Date.now();
    const to = await call('email_verifier', factsOf(p), quick);
    expect(to).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false });
    expect(to.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(2_000);

    sim.state.faults.force('reset');
    const rs = await call('people_find', factsOf(p), quick);
    expect(rs).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false });

    expect(sim.state.faults.injected).toEqual({ '5xx': 1, timeout: 1, reset: 1 });
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    // The vendor recovers: the next call is processed and billed once.
    expect((await call('email_finder', factsOf(p), quick)).outcome).toBe('hit');
    expect(sim.state.billing.snapshot().billedCalls).toBe(1);
  });

  it('admin endpoints report credits by key tail and reset Hunter\'s own state', async () => {
    const { sim, ctx, url } = await start();
    await call('email_finder', factsOf(person(0)), ctx);
    const report = (await (await fetch(`${url}/__sandbox/hunter`)).json()) as { credits: { keyTail: string; used: number }[] };
    expect(report.credits).toEqual([{ keyTail: KEY.slice(-4), used: 1, allowance: 1_000_000 }]);
    expect(JSON.stringify(report)).not.toContain(KEY);
    await fetch(`${url}/__sandbox/reset`, { method: 'POST' });
    expect(sim.state.creditTenthsUsed.size).toBe(0);
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
  });
});

describe('hunter connection test (GET /v2/account)', () => {
  it('a good key is ok with the credits left; a bad key is invalid_key; the check is free and outside the windows', async () => {
    const { sim, ctx, url } = await start({ creditsPerKey: 50, limits: { general: { perSecond: 1, perMinute: 2 } } });
    expect((await call('email_finder', factsOf(person(0)), ctx)).outcome).toBe('hit'); // 1 credit
    expect((await call('companies_find', factsOf(person(0)), ctx)).outcome).toBe('hit'); // 0.2 credit

    const raw = await fetch(`${url}/v2/account`, { headers: { 'X-API-KEY': KEY } });
    const body = (await raw.json()) as { data: { requests: { credits: { used: number; available: number } }; plan_name: string } };
    expect(body.data.requests.credits).toEqual({ used: 1.2, available: 50 });
    for (const [name] of raw.headers) expect(name).not.toMatch(/ratelimit|rate-limit|retry-after/i);

    for (let i = 0; i < 4; i++) {
      const ok = await hunterAdapter.testConnection(ctx);
      expect(ok).toMatchObject({ ok: true, status: 'ok', httpStatus: 200, creditsRemaining: 48, checked: 'GET /account' });
      expect(ok.message).toMatch(/Growth plan, 48 credits left until \d{4}-\d{2}-01/);
    }
    const bad = await hunterAdapter.testConnection({ ...ctx, apiKey: 'hunter-test-key-bad0' });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 401 });
    expect(bad.creditsRemaining).toBeUndefined();
    expect(bad.message).not.toContain('hunter-test-key-bad0');

    // Four checks within a second under a 1/s general window: none was refused, nothing was billed.
    expect(sim.state.billing.snapshot().credits).toBeCloseTo(1.2);
    expect(sim.state.limitSignals).toBe(0);
  });

  it('a plan with nothing left is no_credits (0 left); a connection cut is unreachable', async () => {
    const { sim, ctx } = await start({ creditsPerKey: 1 });
    expect((await call('email_finder', factsOf(person(0)), ctx)).outcome).toBe('hit');
    expect((await call('email_finder', factsOf(person(1)), ctx)).outcome).toBe('quota_exhausted');
    const none = await hunterAdapter.testConnection(ctx);
    expect(none).toMatchObject({ ok: false, status: 'no_credits', httpStatus: 200, creditsRemaining: 0 });

    sim.state.faults.force('reset');
    expect(await hunterAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'unreachable', httpStatus: 0 });
  });

  it('hunterCreditsLeft prefers `remaining`, falls back to available − used, and to searches on legacy plans', () => {
    const acc = (requests: unknown) => ({ data: { plan_name: 'Starter', requests } });
    expect(hunterCreditsLeft(acc({ credits: { used: 320, available: 500, remaining: 200 } }))).toBe(200);
    expect(hunterCreditsLeft(acc({ credits: { used: 320.4, available: 500 } }))).toBe(179);
    expect(hunterCreditsLeft(acc({ searches: { used: '10', available: '25' }, verifications: { used: 0, available: 50 } }))).toBe(15);
    expect(hunterCreditsLeft(acc({ credits: { used: 900, available: 500 } }))).toBe(0);
    expect(hunterCreditsLeft(acc(null))).toBeUndefined();
    expect(hunterCreditsLeft({ errors: [] })).toBeUndefined();
  });

  it('maps Hunter\'s 403 (rate limit) and 429 (quota) on the account check, and sends the key in the header only', async () => {
    const server = await scripted({ basePath: '/v2/', fallback: { status: 500, body: '{}' } });
    server.next.push(
      { status: 403, body: JSON.stringify({ errors: [{ id: 'too_many_requests', code: 403, details: 'slow down' }] }) },
      { status: 429, body: JSON.stringify({ errors: [{ id: 'too_many_requests', code: 429, details: 'quota' }] }) },
      { status: 503, body: JSON.stringify({ errors: [] }) },
    );
    try {
      const ctx: CallContext = { apiKey: KEY, baseUrl: server.url, timeoutMs: 2_000 };
      expect(await hunterAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'rate_limited', httpStatus: 403 });
      expect(await hunterAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'no_credits', httpStatus: 429 });
      expect(await hunterAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'error', httpStatus: 503 });
    } finally {
      await server.close();
    }
    expect(server.seen.map((x) => x.url)).toEqual(['/v2/account', '/v2/account', '/v2/account']);
    expect(server.seen.every((x) => x.headers['x-api-key'] === KEY)).toBe(true);
  });
});

describe('hunter schema drift', () => {
  it('an unknown key is reported on a hit, which still goes through', async () => {
    const { ctx } = await start({ answerDrift: { add: { 'data.shiny_new_field': 1, 'data.employment.team': 'x' } } });
    const r = await call('people_find', factsOf(person(0)), ctx);
    expect(r).toMatchObject({ outcome: 'hit', billed: true });
    expect(r.profile?.job_title?.value).toBe(person(0).title);
    expect(r.drift).toEqual({ unknown: ['data.employment.team', 'data.shiny_new_field'], missing: [] });
  });

  it('a dropped `data` is reported missing and the answer is not taken as a hit (admin route)', async () => {
    const { sim, ctx, url } = await start();
    await fetch(`${url}/__sandbox/hunter/drift`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ drop: ['data'], add: { 'meta.extra': true } }),
    });
    const r = await call('email_verifier', factsOf(person(0)), ctx);
    expect(r).toMatchObject({ outcome: 'transient', httpStatus: 200, billed: false, drift: { unknown: [], missing: ['data'] } });
    // Error answers are left alone: a 404 miss carries no drift.
    const miss = await hunterAdapter.call('companies_find', { key: 'domain:gmail.com', params: { domain: 'gmail.com' } }, ctx);
    expect(miss).toMatchObject({ outcome: 'miss', httpStatus: 404 });
    expect(miss.drift).toBeUndefined();

    sim.state.answerDrift = {};
    expect((await call('email_verifier', factsOf(person(1)), ctx)).drift).toBeUndefined();
  });
});

describe('interpretHunterResponse (status mapping)', () => {
  const now = Date.UTC(2025, 11, 15, 12, 0, 0);

  it('429 honours a reset the vendor states, else the next UTC month', () => {
    expect(interpretHunterResponse('email_finder', 429, {}, undefined, now).retryAt).toBe(Date.UTC(2026, 0, 1));
    const body = { errors: [{ id: 'too_many_requests', code: 429, details: 'Quota used. It resets on 2025-12-20.' }] };
    expect(interpretHunterResponse('email_finder', 429, body, undefined, now).retryAt).toBe(Date.UTC(2025, 11, 20));
    const headers = new Headers({ 'retry-after': '120' });
    expect(interpretHunterResponse('email_finder', 429, body, headers, now).retryAt).toBe(now + 120_000);
  });

  it('403 backs off about a second; 5xx is transient; 404 is a free miss', () => {
    expect(interpretHunterResponse('people_find', 403, null, undefined, now)).toMatchObject({
      outcome: 'rate_limited',
      retryAt: now + 1_000,
    });
    expect(interpretHunterResponse('people_find', 503, null, undefined, now)).toMatchObject({ outcome: 'transient', billed: false });
    expect(interpretHunterResponse('people_find', 404, 'garbage', undefined, now)).toMatchObject({ outcome: 'miss', billed: false });
    expect(interpretHunterResponse('people_find', 200, { data: null }, undefined, now)).toMatchObject({ outcome: 'miss', billed: false });
    expect(interpretHunterResponse('companies_find', 200, [], undefined, now)).toMatchObject({ outcome: 'transient', billed: false });
  });
});
