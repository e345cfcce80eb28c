// ZeroBounce adapter against the ZeroBounce simulator over real HTTP (port 0, two hosts): every outcome
// the engine must tell apart, and the simulator's billing counter as the proof of what was (not) paid.
import { describe, expect, it } from 'vitest';
import { createZerobounceSim } from '../../sandbox/vendors/zerobounce.ts';
import type { ZerobounceSim, ZerobounceSimOptions } from '../../sandbox/vendors/zerobounce.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { closeAfterEach, closedPort, lookupOf, scripted, sleep, withMailbox as nthWithMailbox, worldPeople } from '../helpers/vendor-fixtures.ts';
import {
  BATCH_BLOCK_MS,
  QUOTA_COOLDOWN_MS,
  VALIDATE_BLOCK_MS,
  interpretZerobounceValidate,
  zerobounceAdapter,
  zerobounceBulkBase,
} from '../../server/vendors/zerobounce/adapter.ts';
import type { CallContext, Lookup, VendorResult } from '../../server/vendors/types.ts';

const KEY = 'zb-test-key-0001';
const OTHER_KEY = 'zb-test-key-0002';
const BAD_KEY = 'zb-test-key-bad9';

const QUIET: ZerobounceSimOptions = { validKeys: [KEY, OTHER_KEY], latencyMs: [0, 0] };

const closeAfterTest = closeAfterEach();

async function start(opts: Partial<ZerobounceSimOptions> = {}): Promise<{ sim: ZerobounceSim; ctx: CallContext; apiUrl: string; bulkUrl: string }> {
  const sim = createZerobounceSim({ ...QUIET, ...opts });
  const server = await sim.start(0, 0);
  closeAfterTest(server);
  return {
    sim,
    apiUrl: server.apiUrl,
    bulkUrl: server.bulkUrl,
    ctx: { apiKey: KEY, baseUrl: `${server.apiUrl}/v2`, hosts: { bulk: `${server.bulkUrl}/v2` }, timeoutMs: 2_000 },
  };
}

const PEOPLE: WorldPerson[] = worldPeople(400, 40);
const withMailbox = (m: WorldPerson['mailbox'], i = 0): WorldPerson => nthWithMailbox(PEOPLE, m, i);
const valid = (i: number) => withMailbox('valid', i);

const lookup = (email: string): Lookup => lookupOf(zerobounceAdapter, 'validate', { email });
const call = (email: string, ctx: CallContext): Promise<VendorResult> => zerobounceAdapter.call('validate', lookup(email), ctx);
const billedCount = (rs: VendorResult[]) => rs.filter((r) => r.billed).length;

describe('zerobounce adapter: declarations and lookups', () => {
  it('declares validate with its group, price, billing rule, windows and batch', () => {
    expect(zerobounceAdapter.id).toBe('zerobounce');
    expect(Object.keys(zerobounceAdapter.operations)).toEqual(['validate']);
    const op = zerobounceAdapter.operations['validate'];
    expect(op?.groups).toEqual(['email_verification']);
    expect(op?.costMillicents).toBe(800);
    expect(op?.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: false });
    expect(op?.rateWindows).toEqual([{ limit: 50_000, windowMs: 10_000 }]);
    expect(op?.batch).toEqual({ maxSize: 200, rateWindows: [{ limit: 5, windowMs: 60_000 }] });
  });

  it('builds one canonical key per address, or none without a usable address', () => {
    const op = zerobounceAdapter.operations['validate'];
    expect(op?.lookup({ email: '  Ada.Lovelace@ACME.com ' })).toEqual({ key: 'email:ada.lovelace@acme.com', params: { email: 'ada.lovelace@acme.com' } });
    expect(op?.lookup({ email: 'mailto:ada.lovelace@acme.com' })?.key).toBe('email:ada.lovelace@acme.com');
    expect(op?.lookup({ email: 'not an email' })).toBeNull();
    expect(op?.lookup({ first_name: 'Ada', domain: 'acme.com' })).toBeNull();
  });

  it('finds the bulk host: configured, derived from the real API host, or the same host', () => {
    expect(zerobounceBulkBase({ baseUrl: 'https://api.zerobounce.net/v2' })).toBe('https://bulkapi.zerobounce.net/v2');
    expect(zerobounceBulkBase({ baseUrl: 'https://api-eu.zerobounce.net/v2/' })).toBe('https://bulkapi.zerobounce.net/v2');
    expect(zerobounceBulkBase({ baseUrl: 'https://api.zerobounce.net/v2', hosts: { bulk: 'http://127.0.0.1:9/v2/' } })).toBe('http://127.0.0.1:9/v2');
    expect(zerobounceBulkBase({ baseUrl: 'http://127.0.0.1:4105/v2' })).toBe('http://127.0.0.1:4105/v2');
  });
});

describe('zerobounce simulator + adapter over HTTP', () => {
  it('auth failure: the shared "invalid key or no credits" answer is resolved to auth_failed via getcredits', async () => {
    for (const authErrorStatus of [200, 400, 401]) {
      const { sim, ctx, apiUrl } = await start({ authErrorStatus });
      const raw = await fetch(`${apiUrl}/v2/validate?api_key=${BAD_KEY}&email=${encodeURIComponent(valid(0).email)}&ip_address=`);
      expect(raw.status).toBe(authErrorStatus);
      expect(await raw.json()).toEqual({ error: 'Invalid API key or your account ran out of credits' });

      const r = await call(valid(0).email, { ...ctx, apiKey: BAD_KEY });
      expect(r).toMatchObject({ outcome: 'auth_failed', httpStatus: authErrorStatus, billed: false });
      expect(r.retryAt).toBeUndefined();
      expect(r.message).not.toContain(BAD_KEY);
      expect(sim.state.requests.map((q) => q.path)).toEqual(['/v2/validate', '/v2/validate', '/v2/getcredits']);
      expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    }
    // The bulk host says it with an `errors` entry for "all"; resolved the same way.
    const { sim, ctx } = await start();
    const rs = await zerobounceAdapter.callBatch!('validate', [valid(0), valid(1)].map((p) => lookup(p.email)), { ...ctx, apiKey: BAD_KEY });
    expect(rs.map((r) => r.outcome)).toEqual(['auth_failed', 'auth_failed']);
    expect(sim.state.requests.map((q) => q.path)).toEqual(['/v2/validatebatch', '/v2/getcredits']);
  });

  it('scrubs the key from every message, raw and URL-encoded', async () => {
    const key = 'zb-test key/0001';
    const server = await scripted({
      basePath: '/v2',
      fallback: (req) => ({ status: 400, body: JSON.stringify({ error: `Invalid email for request ${req.url}` }) }),
    });
    try {
      const r = await call(valid(0).email, { apiKey: key, baseUrl: server.url, timeoutMs: 2_000 });
      expect(r.outcome).toBe('invalid_input');
      expect(r.message).toContain('api_key=[key]');
      expect(r.message).not.toContain(encodeURIComponent(key));
      expect(r.message).not.toContain(key);
    } finally {
      await server.close();
    }
  });

  it('hit: each status maps to the canonical one and is billed one credit; no rate headers, no drift', async () => {
    const dnm = `ada.lovelace@mailinator.com`;
    const trap = 'trap.address@acme-trap.example';
    const { sim, ctx } = await start({ statusOverrides: { [trap]: 'spamtrap' } });
    const cases: [string, string][] = [
      [valid(0).email, 'valid'],
      [withMailbox('accept_all').email, 'risky'],
      [withMailbox('invalid').email, 'invalid'],
      [withMailbox('disposable').email, 'do_not_use'],
      [dnm, 'do_not_use'],
      [trap, 'do_not_use'],
    ];
    for (const [email, status] of cases) {
      const r = await call(email, ctx);
      expect(r).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
      expect(r.profile).toEqual({ email_status: { value: status, confidence: expect.any(Number) } });
      expect(r.quota).toBeUndefined();
      expect(r.drift).toBeUndefined();
    }
    expect((await call(valid(0).email, ctx)).profile?.email_status?.confidence).toBe(0.95);
    expect((await call(withMailbox('accept_all').email, ctx)).profile?.email_status?.confidence).toBe(0.6);
    const bill = sim.state.billing.snapshot();
    expect(bill.perOperation).toEqual({ validate: { billedCalls: 8, credits: 8 } });
    // ZeroBounce bills every validation, repeats included.
    expect(bill.duplicates.map((d) => d.times)).toEqual([2, 2]);
  });

  it('miss: `unknown` is a miss with the unknown status, and free', async () => {
    const { sim, ctx, apiUrl } = await start();
    const p = withMailbox('unknown');
    const raw = (await (await fetch(`${apiUrl}/v2/validate?api_key=${KEY}&email=${p.email}&ip_address=`)).json()) as { status: string };
    expect(raw.status).toBe('unknown');
    const r = await call(p.email, ctx);
    expect(r).toMatchObject({ outcome: 'miss', httpStatus: 200, billed: false, profile: { email_status: { value: 'unknown' } } });
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    expect(sim.state.creditsUsed.size).toBe(0);
  });

  it('over the validate limit the key is blocked (429): rate_limited until now + 1 minute, then recovered', async () => {
    const { sim, ctx } = await start({ limits: { validate: 2, validateWindowMs: 300, validateBlockMs: 700 } });
    let limited: VendorResult | undefined;
    let before = 0;
    for (let i = 0; i < 8 && !limited; i++) {
      before = Date.now();
      const r = await call(valid(i).email, ctx);
      if (r.outcome === 'rate_limited') limited = r;
      else expect(r.outcome).toBe('hit');
    }
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect(limited?.retryAt).toBeGreaterThanOrEqual(before + VALIDATE_BLOCK_MS);
    expect(limited?.retryAt).toBeLessThanOrEqual(Date.now() + VALIDATE_BLOCK_MS);
    // Blocked: even a fresh window is refused until the block lifts.
    await sleep(320);
    expect((await call(valid(9).email, ctx)).outcome).toBe('rate_limited');
    const billedBefore = sim.state.billing.snapshot().billedCalls;
    await sleep(450);
    expect((await call(valid(9).email, ctx)).outcome).toBe('hit');
    expect(sim.state.billing.snapshot().billedCalls).toBe(billedBefore + 1);
    expect(sim.state.limitSignals).toBeGreaterThanOrEqual(2);
  });

  it('a block told as a 200 {"error": …} is recognised too', async () => {
    const { ctx } = await start({ blockSignal: 'error200', limits: { validate: 1, validateWindowMs: 60_000, validateBlockMs: 60_000 } });
    expect((await call(valid(0).email, ctx)).outcome).toBe('hit');
    const before = Date.now();
    const r = await call(valid(1).email, ctx);
    expect(r).toMatchObject({ outcome: 'rate_limited', httpStatus: 200, billed: false });
    expect(r.retryAt).toBeGreaterThanOrEqual(before + VALIDATE_BLOCK_MS);
  });

  it('credits used up: quota_exhausted with an hour\'s cool-down; unknowns never consumed a credit', async () => {
    const { sim, ctx } = await start({ creditsPerKey: { default: 2, perKey: { [OTHER_KEY]: 100 } } });
    expect((await call(withMailbox('unknown').email, ctx)).outcome).toBe('miss'); // free
    expect((await call(valid(0).email, ctx)).outcome).toBe('hit');
    expect((await call(valid(1).email, ctx)).outcome).toBe('hit');
    sim.state.requests.length = 0;
    const before = Date.now();
    const r = await call(valid(2).email, ctx);
    expect(r).toMatchObject({ outcome: 'quota_exhausted', billed: false });
    expect(r.retryAt).toBeGreaterThanOrEqual(before + QUOTA_COOLDOWN_MS);
    expect(r.retryAt).toBeLessThanOrEqual(Date.now() + QUOTA_COOLDOWN_MS);
    // One validate and one free getcredits to tell "no credits" from "bad key"; nothing else.
    expect(sim.state.requests.map((q) => q.path)).toEqual(['/v2/validate', '/v2/getcredits']);
    // Credits are per key.
    expect((await call(valid(2).email, { ...ctx, apiKey: OTHER_KEY })).outcome).toBe('hit');
    expect(sim.state.billing.snapshot().perKey[KEY]).toEqual({ billedCalls: 2, credits: 2 });

    const test = await zerobounceAdapter.testConnection(ctx);
    expect(test).toMatchObject({ ok: false, status: 'no_credits', creditsRemaining: 0 });

    // A batch of 250 against an empty balance: the first chunk is refused and the second never sent.
    sim.state.requests.length = 0;
    const rs = await zerobounceAdapter.callBatch!('validate', PEOPLE.slice(0, 250).map((p) => lookup(p.email)), ctx);
    expect(rs).toHaveLength(250);
    expect(new Set(rs.map((x) => x.outcome))).toEqual(new Set(['quota_exhausted']));
    expect(sim.state.requests.map((q) => q.path)).toEqual(['/v2/validatebatch', '/v2/getcredits']);
  });

  it('bulk: mixed hits and misses mapped back in order on the bulk host; duplicates sent and billed once', async () => {
    const { sim, ctx } = await start();
    const emails = [
      valid(0).email,
      withMailbox('unknown').email,
      withMailbox('accept_all').email,
      valid(0).email.toUpperCase(),
      withMailbox('invalid').email,
      withMailbox('unknown', 1).email,
      valid(1).email,
    ];
    const rs = await zerobounceAdapter.callBatch!('validate', emails.map(lookup), ctx);
    expect(rs.map((r) => `${r.outcome}:${r.profile?.email_status?.value}:${r.billed}`)).toEqual([
      'hit:valid:true',
      'miss:unknown:false',
      'hit:risky:true',
      'hit:valid:false',
      'hit:invalid:true',
      'miss:unknown:false',
      'hit:valid:true',
    ]);
    expect(sim.state.hostHits).toEqual({ api: 0, bulk: 1 });
    const sent = sim.state.requests[0]?.body as { email_batch: { email_address: string; ip_address: string }[] };
    expect(sent.email_batch.map((e) => e.email_address)).toEqual([...new Set(emails.map((e) => e.toLowerCase()))]);
    expect(JSON.stringify(sim.state.requests)).not.toContain(KEY);
    const bill = sim.state.billing.snapshot();
    expect(bill.billedCalls).toBe(billedCount(rs));
    expect(bill.duplicates).toEqual([]);
  });

  it('without a bulk host configured, a non-ZeroBounce base URL gets the batch too', async () => {
    const { sim, ctx } = await start();
    const rs = await zerobounceAdapter.callBatch!('validate', [lookup(valid(0).email)], { ...ctx, hosts: undefined });
    expect(rs[0]?.outcome).toBe('hit');
    expect(sim.state.hostHits).toEqual({ api: 1, bulk: 0 });
  });

  it('an oversized batch is split into chunks of ≤200 (the simulator rejects 201 with a 400)', async () => {
    const { sim, ctx, bulkUrl } = await start({ limits: { batch: 10 } });
    const raw = await fetch(`${bulkUrl}/v2/validatebatch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: KEY, email_batch: Array.from({ length: 201 }, (_, i) => ({ email_address: `x${i}@acme.com`, ip_address: '' })) }),
    });
    expect(raw.status).toBe(400);
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    sim.state.requests.length = 0;

    const emails = Array.from({ length: 450 }, (_, i) => `person${i}@acme-${i % 7}.example`);
    const rs = await zerobounceAdapter.callBatch!('validate', emails.map(lookup), ctx);
    expect(rs).toHaveLength(450);
    expect(rs.every((r) => r.outcome === 'hit' || r.outcome === 'miss')).toBe(true);
    const sizes = sim.state.requests.map((q) => (q.body as { email_batch: unknown[] }).email_batch.length);
    expect(sizes).toEqual([200, 200, 50]);
    expect(sim.state.billing.snapshot().billedCalls).toBe(billedCount(rs));
  });

  it('a blocked batch endpoint stops the remaining chunks and backs off 10 minutes', async () => {
    const { sim, ctx } = await start({ limits: { batch: 1, batchWindowMs: 60_000 } });
    const emails = Array.from({ length: 500 }, (_, i) => `someone${i}@acme.example`);
    const before = Date.now();
    const rs = await zerobounceAdapter.callBatch!('validate', emails.map(lookup), ctx);
    expect(rs.slice(0, 200).every((r) => r.outcome === 'hit' || r.outcome === 'miss')).toBe(true);
    const rest = rs.slice(200);
    expect(rest.every((r) => r.outcome === 'rate_limited' && !r.billed)).toBe(true);
    expect(rest[0]?.retryAt).toBeGreaterThanOrEqual(before + BATCH_BLOCK_MS);
    expect(sim.state.requests).toHaveLength(2); // the third chunk was never sent
    expect(sim.state.limitSignals).toBe(1);
  });

  it('a balance that runs out part-way through a batch bills what was validated and stops', async () => {
    const { sim, ctx } = await start({ creditsPerKey: 3 });
    const emails = [valid(0), valid(1), valid(2), valid(3), valid(4)].map((p) => p.email);
    const rs = await zerobounceAdapter.callBatch!('validate', emails.map(lookup), ctx);
    expect(rs.map((r) => r.outcome)).toEqual(['hit', 'hit', 'hit', 'quota_exhausted', 'quota_exhausted']);
    expect(sim.state.billing.snapshot().billedCalls).toBe(3);
    expect(billedCount(rs)).toBe(3);
  });

  it('injected 5xx, timeout and reset are transient, never billed; no-answer ones are ambiguous', async () => {
    const { sim, ctx } = await start();
    const quick = { ...ctx, timeoutMs: 300 };

    sim.state.faults.force('5xx');
    const e5 = await call(valid(0).email, quick);
    expect(e5).toMatchObject({ outcome: 'transient', billed: false });
    expect([500, 502, 503]).toContain(e5.httpStatus);
    expect(e5.ambiguous).toBeUndefined();

    sim.state.faults.force('timeout');
    const to = await call(valid(0).email, quick);
    expect(to).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });

    sim.state.faults.force('reset');
    const rs = await call(valid(0).email, quick);
    expect(rs).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });

    sim.state.faults.force('timeout');
    const batch = await zerobounceAdapter.callBatch!('validate', [valid(1), valid(2)].map((p) => lookup(p.email)), quick);
    expect(batch.every((r) => r.outcome === 'transient' && r.ambiguous && !r.billed)).toBe(true);

    expect(sim.state.faults.injected).toEqual({ '5xx': 1, timeout: 2, reset: 1 });
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
    expect((await call(valid(0).email, quick)).outcome).toBe('hit');
    expect(sim.state.billing.snapshot().billedCalls).toBe(1);
  });

  it('the billing counter equals what the adapter says was billed, over singles and batches', async () => {
    const { sim, ctx } = await start();
    // A generous timeout: a timed-out call may have been billed (ambiguous), which would make the
    // count legitimately differ on a loaded machine.
    const slow = { ...ctx, timeoutMs: 15_000 };
    const emails = PEOPLE.slice(0, 60).map((p) => p.email);
    const singles = await Promise.all(emails.slice(0, 20).map((e) => call(e, slow)));
    const batch = await zerobounceAdapter.callBatch!('validate', emails.slice(20).map(lookup), slow);
    const all = [...singles, ...batch];
    expect(all.some((r) => r.outcome === 'miss')).toBe(true);
    expect(all.every((r) => r.outcome === 'hit' || r.outcome === 'miss')).toBe(true);
    expect(sim.state.billing.snapshot().billedCalls).toBe(billedCount(all));
    expect(sim.state.billing.snapshot().duplicates).toEqual([]);
  });

  it('testConnection: credits for a good key, invalid_key for "-1", unreachable when nothing listens', async () => {
    const { sim, ctx } = await start({ creditsPerKey: 1234 });
    expect(await zerobounceAdapter.testConnection(ctx)).toEqual({
      ok: true,
      status: 'ok',
      httpStatus: 200,
      checked: 'GET /getcredits',
      creditsRemaining: 1234,
      message: 'Connected to ZeroBounce: 1234 credits left.',
    });
    const bad = await zerobounceAdapter.testConnection({ ...ctx, apiKey: BAD_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', checked: 'GET /getcredits' });
    expect(bad.message).not.toContain(BAD_KEY);
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);

    const port = await closedPort();
    const down = await zerobounceAdapter.testConnection({ ...ctx, baseUrl: `http://127.0.0.1:${port}/v2` });
    expect(down).toMatchObject({ ok: false, status: 'unreachable', httpStatus: 0 });
  });

  it('reports schema drift for keys ZeroBounce added, in single and batch answers', async () => {
    const { ctx } = await start({ extraFields: { ai_score: 7 } });
    const single = await call(valid(0).email, ctx);
    expect(single.outcome).toBe('hit');
    expect(single.drift).toEqual({ unknown: ['ai_score'], missing: [] });
    const [b] = await zerobounceAdapter.callBatch!('validate', [lookup(valid(1).email)], ctx);
    expect(b?.drift).toEqual({ unknown: ['email_batch[].ai_score'], missing: [] });
  });

  it('admin endpoints report credits by key tail, never the key, and reset ZeroBounce\'s state', async () => {
    const { sim, ctx, bulkUrl } = await start();
    await call(valid(0).email, ctx);
    const report = (await (await fetch(`${bulkUrl}/__sandbox/zerobounce`)).json()) as { credits: unknown[] };
    expect(report.credits).toEqual([{ keyTail: KEY.slice(-4), used: 1, allowance: 1_000_000 }]);
    expect(JSON.stringify(report)).not.toContain(KEY);
    await fetch(`${bulkUrl}/__sandbox/reset`, { method: 'POST' });
    expect(sim.state.creditsUsed.size).toBe(0);
    expect(sim.state.billing.snapshot().billedCalls).toBe(0);
  });
});

describe('interpretZerobounceValidate (status mapping)', () => {
  const now = Date.UTC(2025, 11, 15, 12, 0, 0);

  it('blocks: 429, an error text about a limit, and 403 API Shield back off by the block time', () => {
    expect(interpretZerobounceValidate(429, null, undefined, now)).toMatchObject({ outcome: 'rate_limited', retryAt: now + 60_000 });
    expect(interpretZerobounceValidate(200, { error: 'API key temporarily blocked' }, undefined, now)).toMatchObject({ outcome: 'rate_limited', httpStatus: 200 });
    expect(interpretZerobounceValidate(403, '<html>', undefined, now)).toMatchObject({ outcome: 'rate_limited', retryAt: now + 60_000 });
    expect(interpretZerobounceValidate(429, {}, new Headers({ 'retry-after': '5' }), now).retryAt).toBe(now + 5_000);
  });

  it('errors by their text; 5xx transient; an unreadable 200 is a billed miss', () => {
    expect(interpretZerobounceValidate(200, { error: 'Invalid API Key' }, undefined, now).outcome).toBe('auth_failed');
    expect(interpretZerobounceValidate(200, { error: 'Your account ran out of credits' }, undefined, now)).toMatchObject({
      outcome: 'quota_exhausted',
      retryAt: now + QUOTA_COOLDOWN_MS,
    });
    expect(interpretZerobounceValidate(400, { error: 'Missing parameter: email.' }, undefined, now).outcome).toBe('invalid_input');
    expect(interpretZerobounceValidate(520, null, undefined, now)).toMatchObject({ outcome: 'transient', billed: false });
    expect(interpretZerobounceValidate(200, '<html>ok</html>', undefined, now)).toMatchObject({ outcome: 'miss', billed: true });
    expect(interpretZerobounceValidate(200, { address: 'a@b.co', status: 'brand_new' }, undefined, now)).toMatchObject({
      outcome: 'miss',
      billed: true,
    });
  });
});
