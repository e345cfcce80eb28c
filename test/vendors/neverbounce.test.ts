// NeverBounce adapter against the NeverBounce simulator over real HTTP (port 0). NeverBounce answers
// every application error as HTTP 200 with `status` ≠ success, so these tests check that no such answer
// is ever taken for a verification, and the simulator's billing counter proves what was (not) paid.
import { describe, expect, it } from 'vitest';
import { createNeverbounceSim } from '../../sandbox/vendors/neverbounce.ts';
import type { NeverbounceSim, NeverbounceSimOptions } from '../../sandbox/vendors/neverbounce.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { closeAfterEach, lookupOf, scripted, sleep, withMailbox as nthWithMailbox, worldPeople } from '../helpers/vendor-fixtures.ts';
import {
  QUOTA_COOLDOWN_MS,
  THROTTLE_BACKOFF_MS,
  TEMP_UNAVAIL_BACKOFF_MS,
  createNeverbounceAdapter,
  interpretNeverbounceCheck,
  neverbounceAdapter,
} from '../../server/vendors/neverbounce/adapter.ts';
import type { CallContext, Lookup, VendorAdapter, VendorResult } from '../../server/vendors/types.ts';

const KEY = 'nb-test-key-0001';
const OTHER_KEY = 'nb-test-key-0002';
const BAD_KEY = 'nb-test-key-bad9';

const QUIET: NeverbounceSimOptions = { validKeys: [KEY, OTHER_KEY], latencyMs: [0, 0] };

const closeAfterTest = closeAfterEach();

async function start(opts: Partial<NeverbounceSimOptions> = {}): Promise<{ sim: NeverbounceSim; ctx: CallContext; url: string }> {
  const sim = createNeverbounceSim({ ...QUIET, ...opts });
  const server = await sim.start(0);
  closeAfterTest(server);
  return { sim, url: server.url, ctx: { apiKey: KEY, baseUrl: `${server.url}/v4`, timeoutMs: 2_000 } };
}

const PEOPLE: WorldPerson[] = worldPeople(400, 40);
const withMailbox = (m: WorldPerson['mailbox'], i = 0): WorldPerson => nthWithMailbox(PEOPLE, m, i);
const valid = (i: number) => withMailbox('valid', i);

const lookup = (email: string): Lookup => lookupOf(neverbounceAdapter, 'single_check', { email });
const call = (email: string, ctx: CallContext, adapter: VendorAdapter = neverbounceAdapter): Promise<VendorResult> =>
  adapter.call('single_check', lookup(email), ctx);

describe('neverbounce adapter: declarations and lookups', () => {
  it('declares single_check with its group, price, conservative billing and windows; no bulk', () => {
    expect(neverbounceAdapter.id).toBe('neverbounce');
    expect(Object.keys(neverbounceAdapter.operations)).toEqual(['single_check']);
    const op = neverbounceAdapter.operations['single_check'];
    expect(op?.groups).toEqual(['email_verification']);
    expect(op?.costMillicents).toBe(800);
    expect(op?.billing).toEqual({ chargesOnMiss: true, repeatLookupsFree: false });
    expect(op?.rateWindows).toEqual([{ limit: 10, windowMs: 1_000 }, { limit: 300, windowMs: 60_000 }]);
    expect(op?.batch).toBeUndefined();
    expect(neverbounceAdapter.callBatch).toBeUndefined();
    expect(createNeverbounceAdapter({ unknownBilled: false }).operations['single_check']?.billing.chargesOnMiss).toBe(false);
  });

  it('builds one canonical key per address, or none without a usable address', () => {
    const op = neverbounceAdapter.operations['single_check'];
    expect(op?.lookup({ email: ' Grace.Hopper@Navy.MIL ' })).toEqual({ key: 'email:grace.hopper@navy.mil', params: { email: 'grace.hopper@navy.mil' } });
    expect(op?.lookup({ email: '@nope' })).toBeNull();
    expect(op?.lookup({})).toBeNull();
  });
});

describe('neverbounce simulator + adapter over HTTP', () => {
  it('POSTs the key in a JSON body, never in the URL', async () => {
    const server = await scripted({
      basePath: '/v4/',
      fallback: { status: 200, body: JSON.stringify({ status: 'success', result: 'valid', flags: [], suggested_correction: '', execution_time: 3 }) },
    });
    try {
      const ctx: CallContext = { apiKey: KEY, baseUrl: server.url, timeoutMs: 2_000 };
      expect((await call(valid(0).email, ctx)).outcome).toBe('hit');
      await neverbounceAdapter.testConnection(ctx);
    } finally {
      await server.close();
    }
    expect(server.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /v4/single/check', 'POST /v4/account/info']);
    expect(JSON.parse(server.seen[0]?.body ?? '{}')).toEqual({ key: KEY, email: valid(0).email });
    for (const s of server.seen) expect(s.url).not.toContain(KEY);
  });

  it('auth failure is a 200 auth_failure: auth_failed, not billed, and the echoed key is scrubbed', async () => {
    const { sim, ctx, url } = await start();
    const raw = await fetch(`${url}/v4/single/check?key=${BAD_KEY}&email=${encodeURIComponent(valid(0).email)}`);
    expect(raw.status).toBe(200);
    const body = (await raw.json()) as { status: string; message: string };
    expect(body.status).toBe('auth_failure');
    expect(body.message).toContain(BAD_KEY);

    const r = await call(valid(0).email, { ...ctx, apiKey: BAD_KEY });
    expect(r).toMatchObject({ outcome: 'auth_failed', httpStatus: 200, billed: false });
    expect(r.message).toContain("'[key]'");
    expect(r.message).not.toContain(BAD_KEY);
    expect((await call(valid(0).email, { ...ctx, apiKey: '' })).outcome).toBe('auth_failed'); // "Missing required parameter 'key'"
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
  });

  it('hit: each result maps to the canonical status and is billed; no rate headers, no drift', async () => {
    const { sim, ctx } = await start();
    const cases: [string, string, number][] = [
      [valid(0).email, 'valid', 0.95],
      [withMailbox('accept_all').email, 'risky', 0.6],
      [withMailbox('invalid').email, 'invalid', 0.95],
      [withMailbox('disposable').email, 'do_not_use', 0.9],
      ['someone@mailinator.com', 'do_not_use', 0.9],
    ];
    for (const [email, status, confidence] of cases) {
      const r = await call(email, ctx);
      expect(r).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
      expect(r.profile).toEqual({ email_status: { value: status, confidence } });
      expect(r.quota).toBeUndefined();
      expect(r.drift).toBeUndefined();
    }
    expect(sim.state.billing.snapshot().perOperation).toEqual({ single_check: { billedCalls: 5, credits: 5 } });
  });

  it('miss: `unknown` is a miss, billed by default (unconfirmed rule, assumed worst), free when configured so', async () => {
    const p = withMailbox('unknown');
    const billedSim = await start();
    const r = await call(p.email, billedSim.ctx);
    expect(r).toMatchObject({ outcome: 'miss', httpStatus: 200, billed: true, profile: { email_status: { value: 'unknown' } } });
    expect(billedSim.sim.state.billing.snapshot().billedCalls).toBe(1);

    const freeSim = await start({ unknownBilled: false });
    const free = await call(p.email, freeSim.ctx, createNeverbounceAdapter({ unknownBilled: false }));
    expect(free).toMatchObject({ outcome: 'miss', billed: false });
    expect(freeSim.sim.state.billing.snapshot().billedCalls).toBe(0);
  });

  it('throttle_triggered (HTTP 200) is rate_limited with a short back-off, recovered after the window', async () => {
    const { sim, ctx } = await start({ limits: { perSecond: 2, secondMs: 400 } });
    let limited: VendorResult | undefined;
    let before = 0;
    for (let i = 0; i < 8 && !limited; i++) {
      before = Date.now();
      const r = await call(valid(i).email, ctx);
      if (r.outcome === 'rate_limited') limited = r;
      else expect(r.outcome).toBe('hit');
    }
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 200, billed: false });
    expect(limited?.retryAt).toBeGreaterThanOrEqual(before + THROTTLE_BACKOFF_MS);
    expect(limited?.retryAt).toBeLessThanOrEqual(Date.now() + THROTTLE_BACKOFF_MS);
    expect(limited?.message).toContain('throttle_triggered');
    expect(sim.state.limitSignals).toBe(1);
    const billed = sim.state.billing.snapshot().billedCalls;
    await sleep(450);
    expect((await call(valid(9).email, ctx)).outcome).toBe('hit');
    expect(sim.state.billing.snapshot().billedCalls).toBe(billed + 1);

    const patient = createNeverbounceAdapter({ throttleBackoffMs: 30_000 });
    sim.state.forcedFailures.push('throttle_triggered');
    const t0 = Date.now();
    expect((await call(valid(10).email, ctx, patient)).retryAt).toBeGreaterThanOrEqual(t0 + 30_000);
  });

  it('no credits: quota_exhausted with an hour\'s cool-down and exactly one request per call', async () => {
    const { sim, ctx } = await start({ creditsPerKey: { default: 1, perKey: { [OTHER_KEY]: 50 } } });
    expect((await call(valid(0).email, ctx)).outcome).toBe('hit');
    sim.state.requests.length = 0;
    const before = Date.now();
    const r = await call(valid(1).email, ctx);
    expect(r).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 200, billed: false });
    expect(r.retryAt).toBeGreaterThanOrEqual(before + QUOTA_COOLDOWN_MS);
    expect(r.retryAt).toBeLessThanOrEqual(Date.now() + QUOTA_COOLDOWN_MS);
    expect(sim.state.requests).toHaveLength(1);
    expect((await call(valid(1).email, { ...ctx, apiKey: OTHER_KEY })).outcome).toBe('hit');
    expect(sim.state.billing.snapshot().perKey[KEY]).toEqual({ billedCalls: 1, credits: 1 });
    expect(await neverbounceAdapter.testConnection(ctx)).toMatchObject({ ok: true, creditsRemaining: 0 });
  });

  it('temp_unavail is transient with a back-off; bad_referrer needs an admin; other general failures are bad input', async () => {
    const { sim, ctx } = await start();
    sim.state.forcedFailures.push('temp_unavail', 'bad_referrer', 'general_failure');
    const before = Date.now();
    const tu = await call(valid(0).email, ctx);
    expect(tu).toMatchObject({ outcome: 'transient', httpStatus: 200, billed: false });
    expect(tu.ambiguous).toBeUndefined();
    expect(tu.retryAt).toBeGreaterThanOrEqual(before + TEMP_UNAVAIL_BACKOFF_MS);
    expect(await call(valid(0).email, ctx)).toMatchObject({ outcome: 'auth_failed', billed: false });
    expect(await call(valid(0).email, ctx)).toMatchObject({ outcome: 'invalid_input', billed: false });
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    expect((await call(valid(0).email, ctx)).outcome).toBe('hit');
  });

  it('injected 5xx, timeout and reset are transient, never billed; no-answer ones are ambiguous', async () => {
    const { sim, ctx } = await start();
    const quick = { ...ctx, timeoutMs: 300 };
    sim.state.faults.force('5xx', 'timeout', 'reset');
    const e5 = await call(valid(0).email, quick);
    expect(e5).toMatchObject({ outcome: 'transient', billed: false });
    expect([500, 502, 503]).toContain(e5.httpStatus);
    expect(await call(valid(0).email, quick)).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });
    expect(await call(valid(0).email, quick)).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });
    expect(sim.state.faults.injected).toEqual({ '5xx': 1, timeout: 1, reset: 1 });
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    expect((await call(valid(0).email, quick)).outcome).toBe('hit');
    expect(sim.state.billing.snapshot().billedCalls).toBe(1);
  });

  it('the billing counter equals what the adapter says was billed', async () => {
    const { sim, ctx } = await start({ limits: { perSecond: 1_000 } });
    // Ten at a time, with a generous timeout: a timed-out call may have been billed (it is ambiguous),
    // which would make this count legitimately differ on a loaded machine.
    const slow = { ...ctx, timeoutMs: 15_000 };
    const results: VendorResult[] = [];
    for (let i = 0; i < 80; i += 10) results.push(...(await Promise.all(PEOPLE.slice(i, i + 10).map((p) => call(p.email, slow)))));
    expect(results.some((r) => r.outcome === 'miss')).toBe(true);
    expect(results.every((r) => r.outcome === 'hit' || r.outcome === 'miss')).toBe(true);
    expect(sim.state.billing.snapshot().billedCalls).toBe(results.filter((r) => r.billed).length);
    expect(sim.state.billing.snapshot().duplicates).toEqual([]);
  });

  it('testConnection: credits for a good key; invalid_key, forbidden and rate_limited as NeverBounce says', async () => {
    const { sim, ctx } = await start({ creditsPerKey: 4321 });
    expect(await neverbounceAdapter.testConnection(ctx)).toEqual({
      ok: true,
      status: 'ok',
      httpStatus: 200,
      checked: 'POST /account/info',
      creditsRemaining: 4321,
      message: 'Connected to NeverBounce: 4321 credits left.',
    });
    const bad = await neverbounceAdapter.testConnection({ ...ctx, apiKey: BAD_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key' });
    expect(bad.message).not.toContain(BAD_KEY);
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);

    let stubStatus = 'bad_referrer';
    const stub = await scripted({
      basePath: '/v4',
      fallback: () => ({ status: 200, body: JSON.stringify({ status: stubStatus, message: 'nope', execution_time: 1 }) }),
    });
    try {
      const base = stub.url;
      expect(await neverbounceAdapter.testConnection({ ...ctx, baseUrl: base })).toMatchObject({ ok: false, status: 'forbidden' });
      stubStatus = 'throttle_triggered';
      expect(await neverbounceAdapter.testConnection({ ...ctx, baseUrl: base })).toMatchObject({ ok: false, status: 'rate_limited' });
    } finally {
      await stub.close();
    }
  });

  it('reports schema drift for keys NeverBounce added', async () => {
    const { ctx } = await start({ extraFields: { risk_score: 3 } });
    const r = await call(valid(0).email, ctx);
    expect(r.outcome).toBe('hit');
    expect(r.drift).toEqual({ unknown: ['risk_score'], missing: [] });
  });

  it('the simulator accepts GET query, JSON and form bodies, with credits_info on request', async () => {
    const { url } = await start({ creditsPerKey: 10 });
    const email = valid(0).email;
    const viaGet = (await (await fetch(`${url}/v4.2/single/check?key=${KEY}&email=${encodeURIComponent(email)}&credits_info=1`)).json()) as {
      result: string;
      credits_info: { paid_credits_remaining: number };
    };
    expect(viaGet.result).toBe('valid');
    expect(viaGet.credits_info.paid_credits_remaining).toBe(9);
    const viaForm = (await (
      await fetch(`${url}/v4/single/check`, { method: 'POST', body: new URLSearchParams({ key: KEY, email }) })
    ).json()) as { status: string };
    expect(viaForm.status).toBe('success');
  });
});

describe('interpretNeverbounceCheck (status mapping)', () => {
  const now = Date.UTC(2025, 11, 15, 12, 0, 0);

  it('never takes a non-success 200 for a verification', () => {
    for (const status of ['auth_failure', 'bad_referrer', 'general_failure', 'temp_unavail', 'throttle_triggered', 'something_new']) {
      const r = interpretNeverbounceCheck(200, { status, message: 'x', result: 'valid' }, undefined, now);
      expect(r.outcome).not.toBe('hit');
      expect(r.billed).toBe(false);
      expect(r.profile).toBeUndefined();
    }
  });

  it('5xx transient; 429 honours Retry-After; an unreadable 200 is a billed miss; numeric results are read', () => {
    expect(interpretNeverbounceCheck(503, null, undefined, now)).toMatchObject({ outcome: 'transient', billed: false });
    expect(interpretNeverbounceCheck(429, null, new Headers({ 'retry-after': '7' }), now)).toMatchObject({ outcome: 'rate_limited', retryAt: now + 7_000 });
    expect(interpretNeverbounceCheck(200, '<html>', undefined, now)).toMatchObject({ outcome: 'miss', billed: true });
    expect(interpretNeverbounceCheck(200, { status: 'success' }, undefined, now)).toMatchObject({ outcome: 'miss', billed: true });
    expect(interpretNeverbounceCheck(200, { status: 'success', result: 3, flags: [], suggested_correction: '', execution_time: 1 }, undefined, now).profile)
      .toEqual({ email_status: { value: 'risky', confidence: 0.6 } });
    expect(interpretNeverbounceCheck(200, { status: 'general_failure', message: 'Insufficient credits' }, undefined, now)).toMatchObject({
      outcome: 'quota_exhausted',
      retryAt: now + QUOTA_COOLDOWN_MS,
    });
  });
});
