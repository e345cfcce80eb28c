// Cognism adapter against the Cognism simulator, over real HTTP (both on 127.0.0.1, port 0): the two
// phases (free preview, billed redeem), batching of redeems by 20, every outcome the engine must tell
// apart, and the simulator's billing counter as the proof of what was (not) paid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COGNISM_QUOTA_COOLDOWN_MS,
  cognismAdapter,
  cognismQuota,
  cognismRetryAt,
} from '../../server/vendors/cognism/adapter.ts';
import type { CallContext, ContactFacts, Lookup, VendorResult } from '../../server/vendors/types.ts';
import { cognismContactId, createCognismSim } from '../../sandbox/vendors/cognism.ts';
import type { CognismSim, CognismSimOptions } from '../../sandbox/vendors/cognism.ts';
import { unit, vendorKnows } from '../../sandbox/world.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { checkAndCloseAfterAll, Pool, scripted, simStarter, sleep, worldPeople } from '../helpers/vendor-fixtures.ts';
import type { Scripted, SimRun } from '../helpers/vendor-fixtures.ts';

const KEY = 'cognism-test-key-0001';
const OTHER_KEY = 'cognism-test-key-0002';
const EXPIRED_KEY = 'cognism-test-key-0003';
const BROKE_KEY = 'cognism-test-key-0004';
const WRONG_KEY = 'cognism-test-key-9999';
const MINUTE = 60_000;
const COVERAGE = 0.7;

const op = cognismAdapter.operations.contact_enrich!;

// ---------------------------------------------------------------------------------------------
// A pool of world people, each used by at most one test, so a lookup is never repeated by accident.

const PEOPLE = new Pool(worldPeople(900, 90, 'cognism-test'), (p) => p.email, 'people');
const known = (p: WorldPerson) => vendorKnows('cognism', p.email, COVERAGE);

const take = (pred: (p: WorldPerson) => boolean = () => true): WorldPerson => PEOPLE.take(pred);
const takeKnown = (pred: (p: WorldPerson) => boolean = () => true) => take((p) => known(p) && pred(p));
const takeUnknown = () => take((p) => !known(p));
const byEmail = (p: WorldPerson): Lookup => op.lookup({ email: p.email })!;
const byName = (p: WorldPerson, facts: Partial<ContactFacts> = { domain: p.company.domain }): Lookup =>
  op.lookup({ first_name: p.firstName, last_name: p.lastName, ...facts })!;

// ---------------------------------------------------------------------------------------------

type Running = SimRun<CognismSim>;

const { running, start: startSim } = simStarter(
  (opts: Partial<CognismSimOptions>) =>
    createCognismSim({
      validKeys: [KEY, OTHER_KEY, EXPIRED_KEY, BROKE_KEY],
      expiredKeys: [EXPIRED_KEY],
      creditsPerKey: { perKey: { [BROKE_KEY]: 0 } },
      coverage: COVERAGE,
      latencyMs: [0, 1],
      ...opts,
    }),
  (server) => ({ apiKey: KEY, baseUrl: `${server.url}/api/search` }),
);

checkAndCloseAfterAll(running, (r) => {
  // The invoice and the credits agree, and no contact was ever paid twice by one key.
  const snap = r.sim.state.billing.snapshot();
  const credits = [...r.sim.state.creditsUsed.values()].reduce((a, b) => a + b, 0);
  expect(snap.credits).toBe(credits);
  const ids = r.sim.state.billing.events.map((e) => `${e.key}|${e.lookup}`);
  expect(new Set(ids).size).toBe(ids.length);
});

const redeemBodies = (r: Running, from = 0) =>
  r.sim.state.requests
    .slice(from)
    .filter((q) => q.path === '/api/search/contact/redeem')
    .map((q) => (q.body as { redeemIds: string[] }).redeemIds);
const previewCount = (r: Running, from = 0) =>
  r.sim.state.requests.slice(from).filter((q) => q.path === '/api/search/contact/enrich').length;

// ---------------------------------------------------------------------------------------------

describe('cognism adapter: declarations and lookups', () => {
  it('declares one two-phase operation, its billing rule, price, windows and batch cost', () => {
    expect(cognismAdapter.id).toBe('cognism');
    expect(Object.keys(cognismAdapter.operations)).toEqual(['contact_enrich']);
    expect(op.groups).toEqual(['email', 'person', 'phone', 'company']);
    expect(op.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: true });
    expect(op.costMillicents).toBe(50_000);
    expect(op.rateWindows).toEqual([{ limit: 300, windowMs: MINUTE }]);
    expect(op.batch?.maxSize).toBe(20);
    expect(op.batch?.rateWindows).toEqual([{ limit: 600, windowMs: MINUTE }]);
    // n previews, plus one redeem per 20.
    expect([1, 20, 21, 45].map((n) => op.batch!.requestsFor!(n))).toEqual([2, 21, 23, 48]);
  });

  it('builds canonical keys: e-mail, then LinkedIn, then name + website / account name', () => {
    expect(op.lookup({ email: ' Ada.Lovelace@ACME.com ', first_name: 'Ada' })).toEqual({
      key: 'email:ada.lovelace@acme.com',
      params: { email: 'ada.lovelace@acme.com' },
    });
    expect(op.lookup({ linkedin_url: 'linkedin.com/in/Ada-Lovelace/', first_name: 'Ada', last_name: 'L', domain: 'acme.com' })).toEqual({
      key: 'linkedin:https://www.linkedin.com/in/ada-lovelace',
      params: { linkedinUrl: 'https://www.linkedin.com/in/ada-lovelace' },
    });
    const byDomain = op.lookup({ first_name: 'Ada', last_name: 'LOVELACE', domain: 'https://www.Acme.com/about' });
    expect(byDomain).toEqual({
      key: 'name:ada|lovelace|acme.com',
      params: { firstName: 'Ada', lastName: 'LOVELACE', accountWebsite: 'acme.com' },
    });
    expect(op.lookup({ first_name: ' ada ', last_name: 'lovelace', domain: 'ACME.com' })?.key).toBe(byDomain?.key);
    expect(op.lookup({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme  Inc' })).toEqual({
      key: 'name:ada|lovelace|company:acme inc',
      params: { firstName: 'Ada', lastName: 'Lovelace', accountName: 'Acme Inc' },
    });
    expect(op.lookup({ first_name: 'Ada', last_name: 'Lovelace' })).toBeNull();
    expect(op.lookup({ linkedin_url: 'https://www.linkedin.com/company/acme' })).toBeNull();
    expect(op.lookup({})).toBeNull();
  });
});

describe('cognism simulator + adapter over HTTP', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startSim();
  });

  it('auth failure: a bad or expired key is auth_failed with the six-month hint, key scrubbed, nothing redeemed', async () => {
    for (const apiKey of [WRONG_KEY, EXPIRED_KEY]) {
      const res = await cognismAdapter.call('contact_enrich', byEmail(takeKnown()), { ...r.ctx, apiKey });
      expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 401, billed: false });
      expect(res.message).toMatch(/expire six months/);
      expect(res.message).not.toContain(apiKey);
    }
    const raw = await fetch(`${r.server.url}/api/search/contact/enrich`, { method: 'POST' });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ key: 'MissingCredentials', code: 401, msg: 'Missing required credentials' }]);
    expect(redeemBodies(r)).toEqual([]);
    expect(r.sim.state.billing.events).toEqual([]);
  });

  it('hit: preview then redeem of one contact, world values in the profile, one credit', async () => {
    const p = takeKnown((x) => x.mailbox === 'valid' && unit('cognism-mobile', x.email) < 0.6 && unit('cognism-dnc', x.email) >= 0.1);
    const from = r.sim.state.requests.length;
    const res = await cognismAdapter.call('contact_enrich', byEmail(p), r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    expect(res.drift).toBeUndefined();
    const pr = res.profile!;
    expect(pr.work_email?.value).toBe(p.email);
    expect(pr.email_status?.value).toBe('valid');
    expect([0.95, 0.85]).toContain(pr.work_email?.confidence);
    expect(pr.first_name).toEqual({ value: p.firstName, confidence: 0.85 });
    expect(pr.last_name?.value).toBe(p.lastName);
    expect(pr.job_title?.value).toBe(p.title);
    expect(pr.seniority?.value).toBe(p.seniority);
    expect(pr.linkedin_url?.value).toBe(p.linkedinUrl);
    expect(pr.phone?.value).toBe(p.phone.replace(/\s/g, ''));
    expect(pr.phone!.confidence).toBeGreaterThanOrEqual(0.6);
    expect(pr.city?.value).toBe(p.city);
    expect(pr.country?.value).toBe(p.country);
    expect(pr.company_name?.value).toBe(p.company.name);
    expect(pr.company_domain?.value).toBe(p.company.domain);
    expect(pr.industry?.value.toLowerCase()).toBe(p.company.industry);
    expect(pr.employee_count?.value).toBe(String(p.company.employees));
    expect(pr.annual_revenue?.value).toBe(String(p.company.annualRevenue));
    expect(pr.company_linkedin_url?.value).toBe(p.company.linkedinUrl);
    expect(previewCount(r, from)).toBe(1);
    expect(redeemBodies(r, from)).toHaveLength(1);
    expect(r.sim.state.billing.events.map((e) => e.lookup)).toContain(cognismContactId(p));
    expect(r.sim.state.creditsUsed.get(KEY)).toBe(r.sim.state.billing.events.filter((e) => e.key === KEY).length);
  });

  it('never hands out a number flagged Do-Not-Call', async () => {
    const p = takeKnown((x) => unit('cognism-mobile', x.email) < 0.6 && unit('cognism-dnc', x.email) < 0.1);
    const res = await cognismAdapter.call('contact_enrich', byEmail(p), r.ctx);
    expect(res.outcome).toBe('hit');
    expect(res.profile?.phone).toBeUndefined();
  });

  it('miss: an unknown person costs one free preview and no redeem', async () => {
    const before = r.sim.state.billing.events.length;
    const from = r.sim.state.requests.length;
    const res = await cognismAdapter.call('contact_enrich', byEmail(takeUnknown()), r.ctx);
    expect(res).toMatchObject({ outcome: 'miss', httpStatus: 200, billed: false });
    const nobody = await cognismAdapter.call('contact_enrich', op.lookup({ email: 'nobody.here@nowhere-cognism.example' })!, r.ctx);
    expect(nobody.outcome).toBe('miss');
    expect(previewCount(r, from)).toBe(2);
    expect(redeemBodies(r, from)).toEqual([]);
    expect(r.sim.state.billing.events.length).toBe(before);
  });

  it('a match below minMatchScore is a free miss; the adapter sends minMatchScore 30 and the documented field names', async () => {
    // Name + account name scores 20–70 in the simulator: find a known person scoring below 30.
    const p = takeKnown((x) => Math.round(20 + unit('cognism-score', 'name+account', x.email) * 50) < 30);
    const lookup = byName(p, { company_name: p.company.name });
    const from = r.sim.state.requests.length;
    const res = await cognismAdapter.call('contact_enrich', lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'miss', billed: false });
    const sent = r.sim.state.requests.slice(from);
    expect(sent.map((q) => q.path)).toEqual(['/api/search/contact/enrich']);
    expect(sent[0]?.body).toEqual({ firstName: p.firstName, lastName: p.lastName, accountName: p.company.name, minMatchScore: 30 });
    // The same person by name + website scores ≥ 32: a hit.
    const hit = await cognismAdapter.call('contact_enrich', byName(p), r.ctx);
    expect(hit.outcome).toBe('hit');
    expect(hit.profile?.job_title?.value).toBe(p.title);
  });

  it('re-redeeming a contact is free: two lookups of one person bill one credit', async () => {
    const p = takeKnown();
    const before = r.sim.state.billing.snapshot();
    const first = await cognismAdapter.call('contact_enrich', byEmail(p), r.ctx);
    const second = await cognismAdapter.call('contact_enrich', byName(p), r.ctx);
    expect([first.outcome, second.outcome]).toEqual(['hit', 'hit']);
    expect(second.profile).toEqual(first.profile);
    const after = r.sim.state.billing.snapshot();
    expect(after.billedCalls - before.billedCalls).toBe(1);
    expect(after.freeRepeats - before.freeRepeats).toBe(1);
    expect(r.sim.state.billing.events.filter((e) => e.lookup === cognismContactId(p))).toHaveLength(1);
    // Another key of the simulator pays for its own first redeem.
    await cognismAdapter.call('contact_enrich', byEmail(p), { ...r.ctx, apiKey: OTHER_KEY });
    expect(r.sim.state.billing.events.filter((e) => e.lookup === cognismContactId(p)).map((e) => e.key)).toEqual([KEY, OTHER_KEY]);
  });

  it('the simulator refuses more than 20 redeemIds with 400; the adapter never sends more', async () => {
    const ids = Array.from({ length: 21 }, (_, i) => Buffer.from(`id-${i}`).toString('base64'));
    const raw = await fetch(`${r.server.url}/api/search/contact/redeem`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ redeemIds: ids }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual([{ key: 'InvalidRequest', code: 400, msg: expect.stringMatching(/1 to 20/) }]);
  });

  it('connection test: the free entitlement endpoint proves the key and bills nothing', async () => {
    const before = r.sim.state.billing.events.length;
    const from = r.sim.state.requests.length;
    const ok = await cognismAdapter.testConnection(r.ctx);
    expect(ok).toMatchObject({ ok: true, status: 'ok', httpStatus: 200, checked: 'GET /api/search/entitlement/contactEntitlementSubscription' });
    expect(ok.message).toMatch(/e-mails and phone numbers/);
    const bad = await cognismAdapter.testConnection({ ...r.ctx, apiKey: WRONG_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 401 });
    expect(bad.message).toMatch(/six months/);
    expect(bad.message).not.toContain(WRONG_KEY);
    expect(r.sim.state.billing.events.length).toBe(before);
    expect(r.sim.state.requests.slice(from).map((q) => q.path)).toEqual([
      '/api/search/entitlement/contactEntitlementSubscription',
      '/api/search/entitlement/contactEntitlementSubscription',
    ]);
  });

  it('a key without credits: the redeem gets 402 → quota_exhausted with a day of cool-down, nothing billed', async () => {
    const t0 = Date.now();
    const res = await cognismAdapter.call('contact_enrich', byEmail(takeKnown()), { ...r.ctx, apiKey: BROKE_KEY });
    expect(res).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 402, billed: false });
    expect(res.retryAt).toBeGreaterThanOrEqual(t0 + COGNISM_QUOTA_COOLDOWN_MS);
    expect(res.retryAt).toBeLessThanOrEqual(Date.now() + COGNISM_QUOTA_COOLDOWN_MS);
    expect(r.sim.state.billing.events.filter((e) => e.key === BROKE_KEY)).toEqual([]);
  });

  it('injected 5xx, timeout and reset on the (free) preview: transient, never billed, not ambiguous', async () => {
    const before = r.sim.state.billing.events.length;
    const ctx = { ...r.ctx, timeoutMs: 300 };
    r.sim.state.faults.force('5xx');
    const five = await cognismAdapter.call('contact_enrich', byEmail(takeKnown()), ctx);
    expect(five).toMatchObject({ outcome: 'transient', billed: false });
    expect([500, 502, 503]).toContain(five.httpStatus);
    r.sim.state.faults.force('timeout');
    const timeout = await cognismAdapter.call('contact_enrich', byEmail(takeKnown()), ctx);
    expect(timeout).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false });
    expect(timeout.ambiguous).toBeUndefined();
    r.sim.state.faults.force('reset');
    const reset = await cognismAdapter.call('contact_enrich', byEmail(takeKnown()), ctx);
    expect(reset).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false });
    expect(reset.ambiguous).toBeUndefined();
    expect(r.sim.state.billing.events.length).toBe(before);
  });
});

describe('cognism batches', () => {
  it('45 lookups: 45 previews and 3 redeems (20 + 20 + 2), hits and misses mapped back in order', async () => {
    const r = await startSim({ coverage: 1 });
    const missAt = new Set([4, 17, 33]);
    const people = Array.from({ length: 45 }, (_, i) => (missAt.has(i) ? null : take()));
    const lookups = people.map((p, i) => (p ? byEmail(p) : op.lookup({ email: `nobody${i}@nowhere-cognism.example` })!));
    const results = await cognismAdapter.callBatch!('contact_enrich', lookups, r.ctx);
    expect(results).toHaveLength(45);
    expect(results.map((x) => x.outcome)).toEqual(people.map((p) => (p ? 'hit' : 'miss')));
    expect(results.map((x) => x.billed)).toEqual(people.map((p) => !!p));
    people.forEach((p, i) => {
      if (p) expect(results[i]?.profile?.first_name?.value + ' ' + results[i]?.profile?.job_title?.value).toBe(`${p.firstName} ${p.title}`);
    });
    expect(previewCount(r)).toBe(45);
    expect(redeemBodies(r).map((b) => b.length)).toEqual([20, 20, 2]);
    expect(r.sim.state.calls).toMatchObject({ 'contact/enrich': 45, 'contact/redeem': 3 });
    expect(r.sim.state.billing.events.map((e) => e.lookup).sort()).toEqual(
      people.filter((p): p is WorldPerson => !!p).map(cognismContactId).sort(),
    );
  });

  it('one contact reached by two lookups of a batch is redeemed once and billed once', async () => {
    const r = await startSim({ coverage: 1 });
    const p = take();
    const q = take();
    const results = await cognismAdapter.callBatch!('contact_enrich', [byEmail(p), byEmail(q), byName(p)], r.ctx);
    expect(results.map((x) => [x.outcome, x.billed])).toEqual([
      ['hit', true],
      ['hit', true],
      ['hit', false],
    ]);
    expect(results[2]?.profile).toEqual(results[0]?.profile);
    expect(redeemBodies(r)).toEqual([[expect.any(String), expect.any(String)]]);
    expect(r.sim.state.billing.snapshot()).toMatchObject({ billedCalls: 2, freeRepeats: 0 });
  });

  it('answers lookups without parameters locally and keeps the order', async () => {
    const r = await startSim({ coverage: 1 });
    const p = take();
    const results = await cognismAdapter.callBatch!('contact_enrich', [{ key: 'x', params: {} }, byEmail(p)], r.ctx);
    expect(results.map((x) => x.outcome)).toEqual(['invalid_input', 'hit']);
    expect(previewCount(r)).toBe(1);
  });

  it('a key without credits: the first redeem chunk gets 402 and no further chunk is sent', async () => {
    const r = await startSim({ coverage: 1 });
    const people = Array.from({ length: 25 }, () => take());
    const results = await cognismAdapter.callBatch!('contact_enrich', people.map(byEmail), { ...r.ctx, apiKey: BROKE_KEY });
    expect(results.every((x) => x.outcome === 'quota_exhausted' && !x.billed && x.retryAt)).toBe(true);
    expect(results[24]?.message).toMatch(/^not sent/);
    expect(previewCount(r)).toBe(25);
    expect(redeemBodies(r).map((b) => b.length)).toEqual([20]);
    expect(r.sim.state.billing.events).toEqual([]);
  });
});

describe('cognism rate limits', () => {
  /** Waits until just after the start of a window of `ms`, so a test's requests share one window. */
  const alignTo = async (ms: number) => sleep(ms - (Date.now() % ms) + 15);

  it('429 code 88 with x-rate-limit-reset in seconds to wait: retryAt = now + delta, then recovery', async () => {
    const r = await startSim({ coverage: 1, accountLimit: { limit: 3, windowMs: 2_000 } });
    await alignTo(2_000);
    const windowEnd = (Math.floor(Date.now() / 2_000) + 1) * 2_000;
    const first = await cognismAdapter.call('contact_enrich', byEmail(take()), r.ctx); // requests 1 and 2
    expect(first.outcome).toBe('hit');
    const raw = await fetch(`${r.server.url}/api/search/entitlement/contactEntitlementSubscription`, {
      headers: { authorization: `Bearer ${KEY}` },
    }); // request 3
    expect(raw.status).toBe(200);
    const over = await fetch(`${r.server.url}/api/search/contact/enrich`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada.lovelace@acme.example' }),
    });
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({ errors: [{ code: 88, message: 'Rate limit exceeded' }] });
    const delta = Number(over.headers.get('x-rate-limit-reset'));
    expect(delta).toBeGreaterThanOrEqual(1);
    expect(delta).toBeLessThanOrEqual(2);

    const p = take();
    const t0 = Date.now();
    const limited = await cognismAdapter.call('contact_enrich', byEmail(p), r.ctx);
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    // Seconds to wait from the moment of the answer: at or after the window's end, within a second of it.
    expect(limited.retryAt).toBeGreaterThanOrEqual(Math.max(windowEnd, t0 + 1_000));
    expect(limited.retryAt).toBeLessThanOrEqual(windowEnd + 1_000 + (Date.now() - t0));
    expect(r.sim.state.limitSignals).toBe(2);

    await sleep(Math.max(0, limited.retryAt! - Date.now()) + 20);
    const recovered = await cognismAdapter.call('contact_enrich', byEmail(p), r.ctx);
    expect(recovered).toMatchObject({ outcome: 'hit', billed: true });
  });

  it('a batch stops sending after a 429: no redeem, no retry storm, every lookup told when to come back', async () => {
    const r = await startSim({ coverage: 1, endpointLimits: { 'contact/enrich': 2 }, endpointWindowMs: 2_000 });
    await alignTo(2_000);
    const people = Array.from({ length: 12 }, () => take());
    const results = await cognismAdapter.callBatch!('contact_enrich', people.map(byEmail), r.ctx);
    expect(results.every((x) => x.outcome === 'rate_limited' && !x.billed && typeof x.retryAt === 'number')).toBe(true);
    // At most the previews already in flight when the first 429 came back (the concurrency) went out.
    expect(previewCount(r)).toBeLessThanOrEqual(2 + 4);
    expect(redeemBodies(r)).toEqual([]);
    expect(results.filter((x) => /^not sent/.test(x.message ?? '')).length).toBeGreaterThanOrEqual(12 - 6);
  });

  it('reads remaining / limit headers into quota, in calls for a single call and in requests for a batch', async () => {
    // An hour-long account window so the counts cannot straddle a window boundary during the test.
    const r = await startSim({ coverage: 1, rateHeaders: true, accountLimit: { limit: 1_000, windowMs: 3_600_000 } });
    const single = await cognismAdapter.call('contact_enrich', byEmail(take()), r.ctx);
    expect(single.quota).toHaveLength(1);
    expect(single.quota![0]).toMatchObject({ windowMs: MINUTE, limit: 500, remaining: Math.floor(998 / 2) });
    expect(single.quota![0]!.resetAt).toBeGreaterThan(Date.now());
    const batch = await cognismAdapter.callBatch!('contact_enrich', [byEmail(take()), byEmail(take())], r.ctx);
    // 2 + 2 previews + 1 redeem used of 1,000: the batch reports what its last answer said.
    expect(batch.map((x) => x.quota?.[0]?.remaining)).toEqual([995, 995]);
    expect(batch[0]?.quota?.[0]?.limit).toBe(1_000);
  });

  it('cognismRetryAt and cognismQuota read the delta format, tolerate an epoch and fall back to a minute', () => {
    const now = Date.UTC(2026, 4, 5, 13, 27, 41, 500);
    expect(cognismRetryAt(new Headers({ 'x-rate-limit-reset': '30' }), now)).toBe(now + 30_000);
    expect(cognismRetryAt(new Headers({ 'x-rate-limit-reset': '0.4' }), now)).toBe(now + 400);
    const epoch = Math.floor(now / 1000) + 90;
    expect(cognismRetryAt(new Headers({ 'x-rate-limit-reset': String(epoch) }), now)).toBe(epoch * 1000);
    expect(cognismRetryAt(new Headers({ 'retry-after': '12' }), now)).toBe(now + 12_000);
    expect(cognismRetryAt(new Headers({ 'x-rate-limit-reset': '5', 'retry-after': '12' }), now)).toBe(now + 12_000);
    expect(cognismRetryAt(new Headers(), now)).toBe(now + 60_000);
    expect(cognismRetryAt(new Headers({ 'x-rate-limit-reset': 'soon' }), now)).toBe(now + 60_000);
    expect(cognismQuota(new Headers(), 1, now)).toBeUndefined();
    expect(cognismQuota(new Headers({ 'x-rate-limit-remaining': '9', 'x-rate-limit-limit': '1000', 'x-rate-limit-reset': '7' }), 2, now)).toEqual([
      { windowMs: MINUTE, remaining: 4, limit: 500, resetAt: now + 7_000 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Answers the simulator does not give: a scripted stand-in that records what was sent.

const PREVIEW = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    matchScore: 42,
    results: [
      {
        id: '7351d07c-9118-403b-a7c1-d6510cc0c378',
        fullName: 'Ada Lovelace',
        firstName: 'Ada',
        lastName: 'Lovelace',
        jobTitle: 'CTO',
        hasEmail: true,
        hasMobilePhoneNumbers: false,
        redeemId: Buffer.from('34d633b7-41ea-3ac7-a280-431d71fd77eb;8d09adba-7306-38e1-b84b-e86e69e70e7b;efc6d975-8599-38ab-8cfe-e1c42ac16dc6').toString('base64'),
        account: { id: 'efc6d975-8599-38ab-8cfe-e1c42ac16dc6', name: 'Acme' },
        ...extra,
      },
    ],
  });
const CONTACT = (extra: Record<string, unknown> = {}) => ({
  id: '34d633b7-41ea-3ac7-a280-431d71fd77eb',
  firstName: 'Ada',
  lastName: 'Lovelace',
  jobTitle: 'CTO',
  email: { address: 'ada.lovelace@acme.example', quality: 'HIGH_PLUS', sha256: 'x' },
  account: { name: 'Acme', domain: 'acme.example' },
  ...extra,
});

describe('cognism adapter against scripted answers', () => {
  let s: Scripted;
  let ctx: CallContext;
  const lookup = op.lookup({ email: 'ada.lovelace@acme.example' })!;
  beforeAll(async () => {
    // Answers by path; one may also hang or cut the connection.
    s = await scripted({ basePath: '/api/search', fallback: { status: 200, body: '{"results": []}' } });
    ctx = { apiKey: KEY, baseUrl: s.url, timeoutMs: 400 };
  });
  afterAll(() => s.close());

  it('sends the key as a Bearer header only; bodies are the documented ones', async () => {
    s.next.push({ path: '/contact/enrich', body: PREVIEW() }, { path: '/contact/redeem', body: JSON.stringify({ totalResults: 1, results: [CONTACT()] }) });
    const res = await cognismAdapter.call('contact_enrich', lookup, ctx);
    expect(res.outcome).toBe('hit');
    expect(s.seen.map((x) => `${x.method} ${x.url}`)).toEqual(['POST /api/search/contact/enrich', 'POST /api/search/contact/redeem']);
    for (const req of s.seen) {
      expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(req.url).not.toContain(KEY);
      expect(req.body).not.toContain(KEY);
    }
    expect(JSON.parse(s.seen[0]!.body)).toEqual({ email: 'ada.lovelace@acme.example', minMatchScore: 30 });
    expect(JSON.parse(s.seen[1]!.body)).toEqual({ redeemIds: [JSON.parse(PREVIEW()).results[0].redeemId] });
  });

  it('reports drift of both answers: unknown keys prefixed by the endpoint they came from', async () => {
    s.next.push(
      { path: '/contact/enrich', body: PREVIEW({ hasPhoneQuality: true }) },
      { path: '/contact/redeem', body: JSON.stringify({ totalResults: 1, results: [CONTACT({ account: { name: 'Acme', employeeGrowth: 3 } })] }) },
    );
    const res = await cognismAdapter.call('contact_enrich', lookup, ctx);
    expect(res.outcome).toBe('hit');
    expect(res.drift).toEqual({ unknown: ['enrich:results[].hasPhoneQuality', 'redeem:results[].account.employeeGrowth'], missing: [] });
  });

  it('pairs a record that came back with a refreshed redeemId by its contact id', async () => {
    const fresh = Buffer.from('34d633b7-41ea-3ac7-a280-431d71fd77eb;00000000-0000-0000-0000-000000000000;efc6d975-8599-38ab-8cfe-e1c42ac16dc6').toString('base64');
    const other = { ...CONTACT({ id: 'aaaaaaaa-0000-0000-0000-000000000000', jobTitle: 'Someone else' }), redeemId: 'b3RoZXI=' };
    s.next.push(
      { path: '/contact/enrich', body: PREVIEW() },
      { path: '/contact/redeem', body: JSON.stringify({ totalResults: 2, results: [other, CONTACT({ redeemId: fresh })] }) },
    );
    const res = await cognismAdapter.call('contact_enrich', lookup, ctx);
    expect(res).toMatchObject({ outcome: 'hit', billed: true });
    expect(res.profile?.job_title?.value).toBe('CTO');
  });

  const cases: [string, { path: string; status?: number; body?: string; action?: 'hang' | 'reset' }[], Partial<VendorResult>][] = [
    ['preview 402', [{ path: '/contact/enrich', status: 402, body: '[{"key":"PaymentRequired","code":402,"msg":"No credits"}]' }], { outcome: 'quota_exhausted', billed: false }],
    ['preview 403 about previews', [{ path: '/contact/enrich', status: 403, body: '[{"code":403,"msg":"Preview limit reached"}]' }], { outcome: 'quota_exhausted', billed: false }],
    ['preview 403 entitlement', [{ path: '/contact/enrich', status: 403, body: '[{"code":403,"msg":"Not entitled"}]' }], { outcome: 'auth_failed', billed: false }],
    ['preview 400', [{ path: '/contact/enrich', status: 400, body: '[{"key":"InvalidRequest","code":400,"msg":"bad"}]' }], { outcome: 'invalid_input', billed: false }],
    ['preview 503', [{ path: '/contact/enrich', status: 503, body: '<html>down</html>' }], { outcome: 'transient', billed: false }],
    ['preview not JSON', [{ path: '/contact/enrich', body: '<html>proxy</html>' }], { outcome: 'transient', billed: false }],
    ['preview score below 30', [{ path: '/contact/enrich', body: PREVIEW().replace('"matchScore":42', '"matchScore":12') }], { outcome: 'miss', billed: false }],
    ['preview without redeem key', [{ path: '/contact/enrich', body: '{"matchScore":50,"results":[{"fullName":"Ada"}]}' }], { outcome: 'miss', billed: false }],
    ['redeem not JSON', [{ path: '/contact/enrich', body: PREVIEW() }, { path: '/contact/redeem', body: 'oops' }], { outcome: 'miss', billed: true }],
    ['redeem without the record', [{ path: '/contact/enrich', body: PREVIEW() }, { path: '/contact/redeem', body: '{"totalResults":0,"results":[]}' }], { outcome: 'miss', billed: false }],
    ['redeem 429 without headers', [{ path: '/contact/enrich', body: PREVIEW() }, { path: '/contact/redeem', status: 429, body: '{"errors":[{"code":88}]}' }], { outcome: 'rate_limited', billed: false }],
    ['redeem timeout', [{ path: '/contact/enrich', body: PREVIEW() }, { path: '/contact/redeem', action: 'hang' }], { outcome: 'transient', billed: false, ambiguous: true }],
    ['redeem reset', [{ path: '/contact/enrich', body: PREVIEW() }, { path: '/contact/redeem', action: 'reset' }], { outcome: 'transient', billed: false, ambiguous: true }],
  ];
  it.each(cases)('maps %s', async (_name, answers, expected) => {
    s.next.push(...answers);
    const res = await cognismAdapter.call('contact_enrich', lookup, ctx);
    expect(res).toMatchObject(expected);
    expect(res.message ?? '').not.toContain(KEY);
    expect(s.next).toEqual([]);
  });

  it('scrubs the key from a vendor message that echoes it', async () => {
    s.next.push({ path: '/contact/enrich', status: 401, body: JSON.stringify([{ key: 'MissingCredentials', code: 401, msg: `bad token ${KEY}` }]) });
    const res = await cognismAdapter.call('contact_enrich', lookup, ctx);
    expect(res.outcome).toBe('auth_failed');
    expect(res.message).not.toContain(KEY);
    expect(res.message).toContain('***');
  });

  it('connection test falls back to a free preview where the entitlement route is missing', async () => {
    s.next.push(
      { path: '/entitlement/contactEntitlementSubscription', status: 404, body: '[{"key":"RouteNotFound","code":404,"msg":"Not found"}]' },
      { path: '/contact/enrich', body: '{"results":[]}' },
    );
    const res = await cognismAdapter.testConnection(ctx);
    expect(res).toMatchObject({ ok: true, status: 'ok', checked: 'POST /api/search/contact/enrich' });
    expect(JSON.parse(s.seen.at(-1)!.body)).toMatchObject({ email: 'connection-test@cascade.invalid' });
  });

  it('connection test: an entitlement without e-mails or phones is flagged; 429 says when to retry', async () => {
    s.next.push({ path: '/entitlement/contactEntitlementSubscription', body: '{"contact Entitlement":{"email":false,"mobilePhoneNumbers":false}}' });
    expect((await cognismAdapter.testConnection(ctx)).message).toMatch(/neither e-mails nor phone numbers/);
    s.next.push({ path: '/entitlement/contactEntitlementSubscription', status: 429, body: '{"errors":[{"code":88}]}', headers: { 'x-rate-limit-reset': '20' } });
    const limited = await cognismAdapter.testConnection(ctx);
    expect(limited).toMatchObject({ ok: false, status: 'rate_limited', httpStatus: 429 });
    expect(limited.message).toMatch(/try again in 2\d s/);
  });
});
