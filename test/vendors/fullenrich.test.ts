// FullEnrich adapter against the FullEnrich simulator over real HTTP (both on 127.0.0.1, port 0),
// with a real webhook receiver: submit, signed callbacks (dropped, duplicated, late, redelivered),
// polling, billing proven by the simulator's counter, and every failure the engine must tell apart.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTACT_ENRICH,
  CREDITS_COOLDOWN_MS,
  FULLENRICH_ASYNC,
  FULLENRICH_SIGNATURE_HEADER,
  fieldOfErrorCode,
  fullenrichAdapter,
  fullenrichRetryAt,
  lookupKeyHash,
} from '../../server/vendors/fullenrich/adapter.ts';
import type {
  AsyncCallback,
  AsyncPoll,
  AsyncSubmitted,
  CallContext,
  ContactFacts,
  Lookup,
  VendorResult,
} from '../../server/vendors/types.ts';
import { createFullenrichSim } from '../../sandbox/vendors/fullenrich.ts';
import type { FullenrichSim, FullenrichSimOptions } from '../../sandbox/vendors/fullenrich.ts';
import { vendorKnows } from '../../sandbox/world.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { closedPort, Pool, scripted, simStarter, sleep, worldContacts } from '../helpers/vendor-fixtures.ts';
import type { Scripted, SimRun } from '../helpers/vendor-fixtures.ts';

const KEY = 'fullenrich-test-key-0001';
const EXHAUSTED_KEY = 'fullenrich-test-key-0002';
const ONE_CREDIT_KEY = 'fullenrich-test-key-0003';
const WRONG_KEY = 'fullenrich-test-key-9999';
const MINUTE = 60_000;
const OP = CONTACT_ENRICH;

const spec = fullenrichAdapter.operations[OP]!;

async function waitFor(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------
// A pool of world contacts, each used by at most one test, so no contact is ever enriched twice by
// accident (FullEnrich would serve the repeat from history) and the billing counter proves that
// nothing was billed twice.

interface Candidate {
  person: WorldPerson;
  facts: ContactFacts;
  lookup: Lookup;
  known: boolean;
  /** A work address FullEnrich bills for (DELIVERABLE, HIGH_PROBABILITY, CATCH_ALL). */
  email: boolean;
  phone: boolean;
  credits: number;
  hit: boolean;
}

const COVERAGE = 0.7;
const PHONE_COVERAGE = 0.4;

const candidates = new Pool<Candidate>(
  // Contacts are sent by name and domain (FullEnrich has no e-mail lookup).
  worldContacts(900, 90, 'fullenrich-test').map(({ contact: c, person }) => {
    const facts: ContactFacts = { first_name: c.firstName, last_name: c.lastName, domain: c.domain };
    const known = vendorKnows('fullenrich', person.email, COVERAGE);
    const email = known && ['valid', 'accept_all', 'unknown'].includes(person.mailbox);
    const phone = known && vendorKnows('fullenrich-phone', person.email, PHONE_COVERAGE);
    return { person, facts, lookup: spec.lookup(facts)!, known, email, phone, credits: (email ? 1 : 0) + (phone ? 10 : 0), hit: email || phone };
  }),
  (c) => c.lookup.key,
);
const take = (pred: (c: Candidate) => boolean): Candidate => candidates.take(pred);
const takeHit = (pred: (c: Candidate) => boolean = () => true) => take((c) => c.hit && pred(c));
const takeMiss = () => take((c) => !c.known);

const phoneOf = (p: WorldPerson) => `+${p.phone.replace(/\D/g, '')}`;

// ---------------------------------------------------------------------------------------------
// The webhook receiver: a real HTTP server recording every delivery, answering scripted statuses.

interface Delivery {
  path: string;
  rawBody: string;
  headers: Headers;
  at: number;
}

interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Statuses to answer the next deliveries with (200 once empty). */
  statuses: number[];
  at(path: string): Delivery[];
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
      }
      deliveries.push({ path: req.url ?? '', rawBody: Buffer.concat(chunks).toString('utf8'), headers, at: Date.now() });
      res.writeHead(statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    statuses,
    at: (path) => deliveries.filter((d) => d.path === path),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

// ---------------------------------------------------------------------------------------------

type Running = SimRun<FullenrichSim>;

let rx: Receiver;
let pathSeq = 0;
const nextPath = () => `/hooks/fullenrich/${++pathSeq}`;

const { running, start: startSim } = simStarter(
  (opts: Partial<FullenrichSimOptions>) =>
    createFullenrichSim({
      validKeys: [KEY, ONE_CREDIT_KEY],
      exhaustedKeys: [EXHAUSTED_KEY],
      credits: { [ONE_CREDIT_KEY]: 1 },
      latencyMs: [0, 2],
      coverage: COVERAGE,
      phoneCoverage: PHONE_COVERAGE,
      callbackDelayMs: 300,
      ...opts,
    }),
  (server) => ({ apiKey: KEY, baseUrl: `${server.url}/api/v2` }),
);

beforeAll(async () => {
  rx = await receiver();
});

afterAll(async () => {
  for (const r of running) {
    // The point of the exercise: nothing was ever billed twice.
    expect(r.sim.state.billing.snapshot().duplicates).toEqual([]);
    await r.server.close();
  }
  await rx.close();
});

async function submit(r: Running, lookups: Lookup[], path = nextPath(), ctx: Partial<CallContext> = {}): Promise<{ id: string; path: string }> {
  const s = await fullenrichAdapter.submit!(OP, lookups, { ...r.ctx, ...ctx, callbackUrl: `${rx.url}${path}` });
  expect(s.outcome).toBe('submitted');
  return { id: (s as AsyncSubmitted).externalId, path };
}

const parse = (d: Delivery, lookups: Lookup[], apiKey = KEY): AsyncCallback =>
  fullenrichAdapter.parseCallback!(OP, { rawBody: d.rawBody, headers: d.headers }, lookups, { apiKey });

function doneResults(p: AsyncPoll): VendorResult[] {
  if (p.state !== 'done') throw new Error(`expected done, got ${JSON.stringify(p)}`);
  return p.results;
}

function expectMatchesPicks(results: VendorResult[], picks: Candidate[]): void {
  expect(results).toHaveLength(picks.length);
  expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p.hit ? 'hit' : 'miss')));
  expect(results.map((x) => x.billed)).toEqual(picks.map((p) => p.hit));
  picks.forEach((p, i) => {
    const profile = results[i]!.profile ?? {};
    expect(profile.work_email?.value).toBe(p.email ? p.person.email : undefined);
    expect(profile.phone?.value).toBe(p.phone ? phoneOf(p.person) : undefined);
  });
}

/** What the simulator billed for these lookups (each test has contacts of its own; other tests' enrichments may finish meanwhile). */
function billedFor(r: Running, lookups: Lookup[]): { lookup: string; credits: number }[] {
  const keys = new Set(lookups.map((l) => l.key));
  return r.sim.state.billing.events.filter((e) => keys.has(e.lookup)).map((e) => ({ lookup: e.lookup, credits: e.credits }));
}

// ---------------------------------------------------------------------------------------------

describe('fullenrich declarations and lookups', () => {
  it('builds canonical keys: name + domain (or company); LinkedIn sent when known but keying only when there is no name', () => {
    const a = spec.lookup({ first_name: ' Ada ', last_name: 'LOVELACE', domain: 'https://www.Acme.com/about' });
    expect(a).toEqual({ key: 'name:ada|lovelace|acme.com', params: { first_name: 'Ada', last_name: 'LOVELACE', domain: 'acme.com' } });
    expect(spec.lookup({ first_name: 'ada', last_name: 'lovelace', domain: 'acme.com' })?.key).toBe(a?.key);
    expect(spec.lookup({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme  Inc' })).toEqual({
      key: 'name:ada|lovelace|company:acme inc',
      params: { first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme Inc' },
    });
    // The domain wins over the company name: one spelling per contact.
    expect(spec.lookup({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.com', company_name: 'Acme' })?.params).not.toHaveProperty(
      'company_name',
    );
    const withLi = spec.lookup({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.com', linkedin_url: 'linkedin.com/in/Ada-L/' });
    // Learning the URL later (another vendor found it) must not make the same person a new, billable lookup.
    expect(withLi?.key).toBe('name:ada|lovelace|acme.com');
    expect(withLi?.params.linkedin_url).toBe('https://www.linkedin.com/in/ada-l');
    expect(spec.lookup({ linkedin_url: 'https://www.linkedin.com/in/ada-l' })?.key).toBe('linkedin:https://www.linkedin.com/in/ada-l');
    expect(spec.lookup({ first_name: 'Ada', last_name: 'Lovelace' })).toBeNull();
    expect(spec.lookup({ first_name: 'Ada', domain: 'acme.com' })).toBeNull();
    expect(spec.lookup({ email: 'ada@acme.com' })).toBeNull();
    expect(spec.lookup({ linkedin_url: 'https://www.linkedin.com/company/acme' })).toBeNull();
  });

  it('declares an asynchronous e-mail + phone operation with FullEnrich billing, windows and batch size', () => {
    expect(fullenrichAdapter.id).toBe('fullenrich');
    expect(Object.keys(fullenrichAdapter.operations)).toEqual(['contact_enrich']);
    expect(spec.groups).toEqual(['email', 'phone']);
    expect(spec.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: false });
    expect(spec.rateWindows).toEqual([{ limit: 60, windowMs: MINUTE }]);
    expect(spec.batch).toEqual({ maxSize: 100, rateWindows: [{ limit: 60, windowMs: MINUTE }] });
    expect(spec.async).toEqual(FULLENRICH_ASYNC);
    expect(spec.async!.pollAfterMs).toBeGreaterThanOrEqual(90_000);
    expect(spec.async!.pollEveryMs).toBeGreaterThanOrEqual(30_000);
    expect(spec.async!.giveUpAfterMs).toBeGreaterThan(spec.async!.pollAfterMs + 5 * MINUTE);
    expect(spec.costMillicents).toBeGreaterThan(0);
  });

  it('call() refuses: the operation is asynchronous, and nothing is sent', async () => {
    const r = await startSim();
    const res = await fullenrichAdapter.call(OP, takeHit().lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'invalid_input', billed: false, httpStatus: 0 });
    expect(res.message).toMatch(/asynchronous/);
    expect((await fullenrichAdapter.call('people_match', takeHit().lookup, r.ctx)).outcome).toBe('invalid_input');
    expect(r.sim.state.requests).toHaveLength(0);
  });
});

describe('fullenrich submit, callback and poll over HTTP', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startSim();
  });

  it('submits, receives the signed callback, and maps mixed hits and misses back in order', async () => {
    const picks = [
      takeHit((c) => c.email && !c.phone),
      takeMiss(),
      takeHit((c) => c.phone),
      take((c) => c.known && !c.hit), // FullEnrich knows them but finds nothing billable (bounced address)
      takeHit((c) => c.email && c.phone),
      takeMiss(),
      takeHit(),
    ];
    const lookups = picks.map((p) => p.lookup);
    const t0 = Date.now();
    const { id, path } = await submit(r, lookups);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // What went over the wire: FullEnrich's body, our per-lookup reference in `custom`.
    const sent = r.sim.state.requests.find((q) => q.method === 'POST' && q.path === '/api/v2/contact/enrich/bulk');
    const body = sent!.body as { name: string; webhook_url: string; data: Record<string, unknown>[] };
    expect(body.name).toMatch(/7 contacts/);
    expect(body.webhook_url).toBe(`${rx.url}${path}`);
    expect(body.data[2]).toEqual({
      ...lookups[2]!.params,
      enrich_fields: ['contact.work_emails', 'contact.phones'],
      custom: { cascade_ref: '2', cascade_lookup: lookupKeyHash(lookups[2]!.key) },
    });

    await waitFor(() => rx.at(path).length === 1);
    const delivery = rx.at(path)[0]!;
    expect(delivery.at - t0).toBeGreaterThanOrEqual(250);
    expect(delivery.headers.get(FULLENRICH_SIGNATURE_HEADER)).toMatch(/^[0-9a-f]{40}$/);
    const cb = parse(delivery, lookups);
    if (!cb.ok) throw new Error(cb.reason);
    expect(cb.externalId).toBe(id);
    expectMatchesPicks(cb.results, picks);
    expect(cb.results[3]?.billed).toBe(false);

    // The billing counter says exactly what the adapter says was billed, at FullEnrich's rates.
    expect(billedFor(r, lookups)).toEqual(picks.filter((p) => p.hit).map((p) => ({ lookup: p.lookup.key, credits: p.credits })));
    expect(JSON.parse(delivery.rawBody).cost).toEqual({ credits: picks.reduce((s, p) => s + p.credits, 0) });

    // Polling after the fact gives the same answer and bills nothing more.
    const polled = doneResults(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx));
    expect(polled.map((x) => [x.outcome, x.billed, x.profile])).toEqual(cb.results.map((x) => [x.outcome, x.billed, x.profile]));
    expect(billedFor(r, lookups)).toHaveLength(picks.filter((p) => p.hit).length);
  });

  it('rejects a forged, tampered, missing or wrongly keyed signature, and an unreadable body', async () => {
    const picks = [takeHit(), takeMiss()];
    const lookups = picks.map((p) => p.lookup);
    const { path } = await submit(r, lookups);
    await waitFor(() => rx.at(path).length === 1);
    const d = rx.at(path)[0]!;
    expect(parse(d, lookups).ok).toBe(true);

    const sig = d.headers.get(FULLENRICH_SIGNATURE_HEADER)!;
    const tampered = d.rawBody.replace('"FINISHED"', '"FINISHED" ');
    const headers = (s: string | null) => {
      const h = new Headers({ 'content-type': 'application/json' });
      if (s !== null) h.set('X-Signature-SHA1', s);
      return h;
    };
    const check = (rawBody: string, h: Headers, apiKey = KEY) =>
      fullenrichAdapter.parseCallback!(OP, { rawBody, headers: h }, lookups, { apiKey });

    expect(check(tampered, headers(sig))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(check(d.rawBody, headers(null))).toMatchObject({ ok: false, reason: expect.stringMatching(/missing x-signature-sha1/) });
    expect(check(d.rawBody, headers('0'.repeat(40)))).toMatchObject({ ok: false });
    expect(check(d.rawBody, headers(sig.slice(0, 39)))).toMatchObject({ ok: false });
    expect(check(d.rawBody, headers(`${sig}00`))).toMatchObject({ ok: false });
    expect(check(d.rawBody, headers(sig), WRONG_KEY)).toMatchObject({ ok: false });
    expect(check(d.rawBody, headers(sig), '')).toMatchObject({ ok: false });
    // Signed with the key someone else's (a forger's) key: still not ours.
    const forged = createHmac('sha1', WRONG_KEY).update(d.rawBody).digest('hex');
    expect(check(d.rawBody, headers(forged))).toMatchObject({ ok: false });
    // A correctly signed body that is not an enrichment, or not JSON at all.
    const signed = (body: string) => headers(createHmac('sha1', KEY).update(body).digest('hex'));
    expect(check('not json', signed('not json'))).toMatchObject({ ok: false, reason: 'body is not JSON' });
    expect(check('"hello"', signed('"hello"'))).toMatchObject({ ok: false });
    const running = JSON.stringify({ id: 'x', status: 'IN_PROGRESS' });
    expect(check(running, signed(running))).toMatchObject({ ok: false, reason: expect.stringMatching(/not finished/) });
    // Upper-case hex and a "sha1=" prefix are the same signature.
    expect(check(d.rawBody, headers(sig.toUpperCase())).ok).toBe(true);
    expect(check(d.rawBody, headers(`sha1=${sig}`)).ok).toBe(true);
  });

  it('polls: pending while the enrichment runs, done after it finished, never billed by a GET', async () => {
    const picks = [takeHit(), takeMiss(), takeHit()];
    const lookups = picks.map((p) => p.lookup);
    const { id, path } = await submit(r, lookups);
    expect(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx)).toEqual({ state: 'pending' });
    expect(billedFor(r, lookups)).toEqual([]);
    await waitFor(() => rx.at(path).length === 1);
    const results = doneResults(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx));
    expectMatchesPicks(results, picks);
    for (let i = 0; i < 3; i++) await fullenrichAdapter.poll!(OP, id, lookups, r.ctx);
    expect(billedFor(r, lookups).map((e) => e.lookup)).toEqual(picks.filter((p) => p.hit).map((p) => p.lookup.key));
  });

  it('the GET carries no data while running unless forceResults is asked for', async () => {
    const lookups = [takeHit().lookup];
    const { id } = await submit(r, lookups);
    const get = async (qs = '') => {
      const res = await fetch(`${r.server.url}/api/v2/contact/enrich/bulk/${id}${qs}`, { headers: { authorization: `Bearer ${KEY}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const plain = await get();
    expect(plain).toMatchObject({ status: 200, body: { id, status: 'IN_PROGRESS', cost: { credits: 0 } } });
    expect(plain.body).not.toHaveProperty('data');
    const forced = await get('?forceResults=true');
    expect(forced.body).toMatchObject({ status: 'IN_PROGRESS', data: [{ contact_info: {} }] });
    expect(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx)).toEqual({ state: 'pending' });
    const other = await fetch(`${r.server.url}/api/v2/contact/enrich/bulk/00000000-0000-4000-a000-000000000000`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ code: 'error.enrichment.not_found', message: 'Enrichment ID not found' });
  });

  it('sends a lookup repeated within one submission once, and bills it once', async () => {
    const a = takeHit();
    const b = takeMiss();
    const lookups = [a.lookup, b.lookup, a.lookup];
    const reqBefore = r.sim.state.requests.length;
    const { id } = await submit(r, lookups);
    const sent = r.sim.state.requests.slice(reqBefore).find((q) => q.method === 'POST');
    expect((sent!.body as { data: unknown[] }).data).toHaveLength(2);
    await sleep(350);
    const results = doneResults(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx));
    expect(results.map((x) => [x.outcome, x.billed])).toEqual([
      ['hit', true],
      ['miss', false],
      ['hit', false],
    ]);
    expect(results[2]?.profile).toEqual(results[0]?.profile);
    expect(billedFor(r, lookups).map((e) => e.lookup)).toEqual([a.lookup.key]);
  });

  it('a contact enriched again after its first enrichment finished comes from history: cost 0, not billed', async () => {
    const c = takeHit();
    const first = await submit(r, [c.lookup]);
    await sleep(350);
    expect(doneResults(await fullenrichAdapter.poll!(OP, first.id, [c.lookup], r.ctx))[0]).toMatchObject({ outcome: 'hit', billed: true });
    const again = await submit(r, [c.lookup]);
    await waitFor(() => rx.at(again.path).length === 1);
    const cb = parse(rx.at(again.path)[0]!, [c.lookup]);
    if (!cb.ok) throw new Error(cb.reason);
    expect(cb.results[0]).toMatchObject({ outcome: 'hit', billed: false });
    expect(cb.results[0]?.profile?.work_email?.value ?? cb.results[0]?.profile?.phone?.value).toBeTruthy();
    expect(JSON.parse(rx.at(again.path)[0]!.rawBody).cost).toEqual({ credits: 0 });
    expect(billedFor(r, [c.lookup])).toHaveLength(1);
    expect(r.sim.state.billing.freeRepeats).toBeGreaterThanOrEqual(1);
  });

  it('refuses more than 100 lookups without sending anything; the simulator refuses them too', async () => {
    const lookups = Array.from({ length: 101 }, (_, i) => spec.lookup({ first_name: 'Ada', last_name: `Over${String.fromCharCode(97 + (i % 26))}`, domain: `over${i}.example` })!);
    const reqBefore = r.sim.state.requests.length;
    const res = await fullenrichAdapter.submit!(OP, lookups, { ...r.ctx, callbackUrl: `${rx.url}${nextPath()}` });
    expect(res).toMatchObject({ outcome: 'invalid_input', billed: false, httpStatus: 0 });
    expect((res as VendorResult).message).toMatch(/at most 100/);
    expect(r.sim.state.requests.length).toBe(reqBefore);
    expect((await fullenrichAdapter.submit!(OP, [], { ...r.ctx, callbackUrl: '' })).outcome).toBe('invalid_input');
    expect((await fullenrichAdapter.submit!(OP, [{ key: 'x', params: { first_name: 'Ada' } }], { ...r.ctx, callbackUrl: '' })).outcome).toBe(
      'invalid_input',
    );

    const raw = await fetch(`${r.server.url}/api/v2/contact/enrich/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'too big',
        data: lookups.map((l) => ({ ...l.params, enrich_fields: ['contact.work_emails'] })),
      }),
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { message: string }).message).toMatch(/100/);
  });

  it('the simulator validates like FullEnrich, and the adapter names the field it refused', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${r.server.url}/api/v2/contact/enrich/bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { code: string } };
    };
    const ok = { first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.example', enrich_fields: ['contact.work_emails'] };
    expect((await post({ data: [ok] })).body.code).toBe('error.enrichment.name.empty');
    expect((await post({ name: 'x', data: [] })).body.code).toBe('error.enrichment.data.empty');
    expect((await post({ name: 'x', webhook_url: 'ftp://x', data: [ok] })).body.code).toBe('error.enrichment.webhook_url');
    expect((await post({ name: 'x', data: [{ ...ok, first_name: '' }] })).body.code).toBe('error.enrichment.first_name.empty');
    expect((await post({ name: 'x', data: [{ ...ok, domain: undefined }] })).body.code).toBe('error.enrichment.domain.empty');
    expect((await post({ name: 'x', data: [{ ...ok, enrich_fields: [] }] })).body.code).toBe('error.enrichment.enrich_fields.empty');
    expect((await post({ name: 'x', data: [{ ...ok, enrich_fields: ['contact.fax'] }] })).body.code).toBe('error.enrichment.enrich_field.value');
    expect((await post({ name: 'x', data: [{ ...ok, custom: { a: 'x'.repeat(101) } }] })).body.code).toBe('error.enrichment.custom.value.exceeded');
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect((await post({ name: 'x', data: [{ ...ok, custom: many }] })).body.code).toBe('error.enrichment.custom.key.exceeded');
    // A LinkedIn URL alone is enough.
    expect((await post({ name: 'x', data: [{ linkedin_url: 'https://www.linkedin.com/in/nobody-1', enrich_fields: ['contact.phones'] }] })).status).toBe(200);

    // A webhook URL FullEnrich refuses reaches the adapter as invalid_input naming the field.
    const res = await fullenrichAdapter.submit!(OP, [takeMiss().lookup], { ...r.ctx, callbackUrl: 'ftp://nowhere' });
    expect(res).toMatchObject({ outcome: 'invalid_input', httpStatus: 400, billed: false });
    expect((res as VendorResult).message).toMatch(/field "webhook_url"/);
  });

  it('maps injected 5xx, timeouts and resets to transient, never billed; submits may have been processed', async () => {
    const enrichments = r.sim.state.enrichments.size;
    const ctx = { ...r.ctx, timeoutMs: 300, callbackUrl: `${rx.url}${nextPath()}` };
    const faulted = [takeHit().lookup, takeHit().lookup, takeHit().lookup];

    r.sim.state.faults.force('5xx');
    const five = (await fullenrichAdapter.submit!(OP, [faulted[0]!], ctx)) as VendorResult;
    expect(five.outcome).toBe('transient');
    expect([500, 502, 503]).toContain(five.httpStatus);
    expect(five.billed).toBe(false);

    r.sim.state.faults.force('timeout');
    const t0 = Date.now();
    const timeout = (await fullenrichAdapter.submit!(OP, [faulted[1]!], ctx)) as VendorResult;
    expect(timeout).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });
    expect(Date.now() - t0).toBeLessThan(2_000);

    r.sim.state.faults.force('reset');
    const reset = (await fullenrichAdapter.submit!(OP, [faulted[2]!], ctx)) as VendorResult;
    expect(reset).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });

    // A poll that gets no answer is just a free GET to make again: transient, not "maybe billed".
    const lookups = [takeHit().lookup];
    const { id } = await submit(r, lookups);
    r.sim.state.faults.force('timeout');
    const p = await fullenrichAdapter.poll!(OP, id, lookups, { ...r.ctx, timeoutMs: 300 });
    expect(p).toEqual({ state: 'failed', result: { outcome: 'transient', httpStatus: 0, billed: false, message: expect.any(String) } });
    r.sim.state.faults.force('5xx');
    const p5 = await fullenrichAdapter.poll!(OP, id, lookups, r.ctx);
    expect(p5).toMatchObject({ state: 'failed', result: { outcome: 'transient', billed: false } });

    // Only the enrichment that was accepted exists, and only it is billed once it finishes.
    expect(r.sim.state.enrichments.size).toBe(enrichments + 1);
    await sleep(350);
    expect(billedFor(r, faulted)).toEqual([]);
    expect(billedFor(r, lookups)).toHaveLength(1);
    expect(r.sim.state.faults.injected).toMatchObject({ '5xx': 2, timeout: 2, reset: 1 });
  });

  it('auth failures: bad key on submit and poll, and the simulator\'s three 401 forms', async () => {
    const lookups = [takeHit().lookup];
    const res = (await fullenrichAdapter.submit!(OP, lookups, { ...r.ctx, apiKey: WRONG_KEY, callbackUrl: `${rx.url}${nextPath()}` })) as VendorResult;
    expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 401, billed: false });
    expect(res.message).not.toContain(WRONG_KEY);
    const { id } = await submit(r, lookups);
    const p = await fullenrichAdapter.poll!(OP, id, lookups, { ...r.ctx, apiKey: WRONG_KEY });
    expect(p).toMatchObject({ state: 'failed', result: { outcome: 'auth_failed', httpStatus: 401 } });

    const codeFor = async (headers: Record<string, string>) =>
      ((await (await fetch(`${r.server.url}/api/v2/account/credits`, { headers })).json()) as { code: string }).code;
    expect(await codeFor({})).toBe('error.authorization.not_set');
    expect(await codeFor({ authorization: KEY })).toBe('error.authorization.not_bearer');
    expect(await codeFor({ authorization: `Bearer ${WRONG_KEY}` })).toBe('error.api.key');
  });

  it('testConnection: credits for a good key, invalid_key for a bad one, unreachable when nothing listens; never billed', async () => {
    const r = await startSim();
    const ok = await fullenrichAdapter.testConnection(r.ctx);
    expect(ok).toMatchObject({ ok: true, status: 'ok', httpStatus: 200, checked: 'GET /account/credits' });
    expect(ok.creditsRemaining).toBeGreaterThan(0);
    expect(ok.creditsRemaining).toBe(r.sim.state.balances.get(KEY));
    const bad = await fullenrichAdapter.testConnection({ ...r.ctx, apiKey: WRONG_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 401 });
    expect(bad.message).not.toContain(WRONG_KEY);
    const empty = await fullenrichAdapter.testConnection({ ...r.ctx, apiKey: EXHAUSTED_KEY });
    expect(empty).toMatchObject({ ok: false, status: 'no_credits', creditsRemaining: 0 });
    const port = await closedPort();
    const down = await fullenrichAdapter.testConnection({ ...r.ctx, baseUrl: `http://127.0.0.1:${port}/api/v2` });
    expect(down).toMatchObject({ ok: false, status: 'unreachable', httpStatus: 0 });
    expect(r.sim.state.billing.events).toHaveLength(0);
    expect(r.sim.state.balances.get(KEY)).toBe(ok.creditsRemaining);

    const verify = await fetch(`${r.server.url}/api/v2/account/keys/verify`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await verify.json()).toEqual({ workspace_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });
});

describe('fullenrich callback delivery modes', () => {
  it('a dropped callback: nothing arrives, polling finds the answer, billed once', async () => {
    const r = await startSim({ callbackMode: 'drop' });
    const picks = [takeHit(), takeMiss(), takeHit()];
    const lookups = picks.map((p) => p.lookup);
    const { id, path } = await submit(r, lookups);
    await sleep(600);
    expect(rx.at(path)).toHaveLength(0);
    expect(r.sim.state.callbacks).toHaveLength(0);
    expectMatchesPicks(doneResults(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx)), picks);
    expect(r.sim.state.billing.events.map((e) => e.lookup)).toEqual(picks.filter((p) => p.hit).map((p) => p.lookup.key));
  });

  it('a duplicated callback: delivered twice, identical answers, billed once', async () => {
    const r = await startSim({ callbackMode: 'duplicate' });
    const picks = [takeHit(), takeMiss(), takeHit((c) => c.phone)];
    const lookups = picks.map((p) => p.lookup);
    const { id, path } = await submit(r, lookups);
    await waitFor(() => rx.at(path).length === 2);
    const [a, b] = rx.at(path).map((d) => parse(d, lookups));
    if (!a?.ok || !b?.ok) throw new Error('both deliveries must verify');
    expect(a.externalId).toBe(id);
    expect(b).toEqual(a);
    expectMatchesPicks(a.results, picks);
    expect(r.sim.state.callbacks.map((c) => [c.duplicate, c.status])).toEqual([
      [false, 200],
      [true, 200],
    ]);
    // The engine settles an externalId once; the vendor charged it once.
    const snapshot = r.sim.state.billing.snapshot();
    expect(snapshot.billedCalls).toBe(picks.filter((p) => p.hit).length);
    expect(snapshot.credits).toBe(picks.reduce((s, p) => s + p.credits, 0));
  });

  it('a late callback: polling sees FINISHED first, the callback arrives later, billed once', async () => {
    const r = await startSim({ callbackMode: 'late', lateCallbackMs: 700 });
    const picks = [takeHit(), takeMiss()];
    const lookups = picks.map((p) => p.lookup);
    const { id, path } = await submit(r, lookups);
    await sleep(400);
    const polled = doneResults(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx));
    expectMatchesPicks(polled, picks);
    expect(rx.at(path)).toHaveLength(0);
    await waitFor(() => rx.at(path).length === 1);
    const cb = parse(rx.at(path)[0]!, lookups);
    expect(cb.ok && cb.results.map((x) => x.outcome)).toEqual(polled.map((x) => x.outcome));
    expect(r.sim.state.billing.events).toHaveLength(1);
  });

  it('a delivery answered 500 is redelivered (FullEnrich retries), never billed again', async () => {
    const r = await startSim({ callbackRetryMs: 150 });
    const picks = [takeHit()];
    rx.statuses.push(500);
    const { path } = await submit(r, picks.map((p) => p.lookup));
    await waitFor(() => rx.at(path).length === 2);
    expect(r.sim.state.callbacks.map((c) => [c.attempt, c.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(rx.at(path)[1]!.at - rx.at(path)[0]!.at).toBeGreaterThanOrEqual(140);
    expect(parse(rx.at(path)[1]!, [picks[0]!.lookup]).ok).toBe(true);
    expect(r.sim.state.billing.events).toHaveLength(1);
  });

  it('the pending GET may be FullEnrich\'s 400 "in_progress": still pending', async () => {
    const r = await startSim({ pendingForm: 'error', callbackDelayMs: 400 });
    const lookups = [takeHit().lookup];
    const { id } = await submit(r, lookups);
    const raw = await fetch(`${r.server.url}/api/v2/contact/enrich/bulk/${id}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ code: 'error.enrichment.in_progress', message: 'Enrichment not ready, try again in 30 seconds' });
    expect(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx)).toEqual({ state: 'pending' });
    await sleep(450);
    expect(doneResults(await fullenrichAdapter.poll!(OP, id, lookups, r.ctx))[0]?.outcome).toBe('hit');
  });

  it('a canceled enrichment is final: not billed, transient per lookup', async () => {
    const r = await startSim({ callbackDelayMs: 5_000 });
    const lookups = [takeHit().lookup, takeMiss().lookup];
    const { id, path } = await submit(r, lookups);
    await fetch(`${r.server.url}/__sandbox/enrichments/${id}/cancel`, { method: 'POST' });
    await waitFor(() => rx.at(path).length === 1);
    const cb = parse(rx.at(path)[0]!, lookups);
    expect(cb.ok && cb.results.map((x) => [x.outcome, x.billed])).toEqual([
      ['transient', false],
      ['transient', false],
    ]);
    expect(r.sim.state.billing.events).toHaveLength(0);
  });
});

describe('fullenrich limits and credits', () => {
  it('429 "Try again in 1m" with no headers: rate_limited until now + 60 s; recovers in the next window', async () => {
    const r = await startSim({ rateLimit: 2, windowMs: 1_000 });
    await sleep(1_000 - (Date.now() % 1_000) + 10);
    await submit(r, [takeHit().lookup]);
    await submit(r, [takeMiss().lookup]);
    const raw = await fetch(`${r.server.url}/api/v2/account/credits`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(raw.status).toBe(429);
    expect(await raw.json()).toEqual({ code: 'error.rate.limit', message: 'Too many requests. Try again in 1m' });
    for (const h of ['retry-after', 'x-ratelimit-remaining', 'x-ratelimit-limit', 'x-ratelimit-reset', 'ratelimit-reset']) {
      expect(raw.headers.get(h)).toBeNull();
    }

    const c = takeHit();
    const t0 = Date.now();
    const limited = (await fullenrichAdapter.submit!(OP, [c.lookup], { ...r.ctx, callbackUrl: `${rx.url}${nextPath()}` })) as VendorResult;
    const t1 = Date.now();
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect(limited.retryAt).toBeGreaterThanOrEqual(t0 + MINUTE);
    expect(limited.retryAt).toBeLessThanOrEqual(t1 + MINUTE);
    expect(limited.quota).toBeUndefined();
    const polled = await fullenrichAdapter.poll!(OP, 'any-id', [c.lookup], r.ctx);
    expect(polled).toMatchObject({ state: 'failed', result: { outcome: 'rate_limited', retryAt: expect.any(Number) } });
    expect(r.sim.state.limitSignals).toBe(3);
    expect(r.sim.state.enrichments.size).toBe(2);

    await sleep(1_000 - (Date.now() % 1_000) + 20);
    const { id } = await submit(r, [c.lookup]);
    await sleep(350);
    expect(doneResults(await fullenrichAdapter.poll!(OP, id, [c.lookup], r.ctx))[0]).toMatchObject({ outcome: 'hit', billed: true });
  });

  it('fullenrichRetryAt reads the delay in the message, honours a Retry-After, falls back to a minute', () => {
    const now = Date.UTC(2026, 4, 5, 13, 27, 41, 500);
    expect(fullenrichRetryAt('Too many requests. Try again in 1m', new Headers(), now)).toBe(now + MINUTE);
    expect(fullenrichRetryAt('Too many requests. Try again in 30s', new Headers(), now)).toBe(now + 30_000);
    expect(fullenrichRetryAt('try again in 2 minutes', new Headers(), now)).toBe(now + 2 * MINUTE);
    expect(fullenrichRetryAt('Try again in 1h', new Headers(), now)).toBe(now + 3_600_000);
    expect(fullenrichRetryAt('Try again in 45', new Headers(), now)).toBe(now + 45_000);
    expect(fullenrichRetryAt('slow down', new Headers(), now)).toBe(now + MINUTE);
    expect(fullenrichRetryAt('Try again in 1m', new Headers({ 'retry-after': '120' }), now)).toBe(now + 120_000);
  });

  it('credits used up midway: what was found is kept (and billed), the rest is quota_exhausted with a cool-down', async () => {
    const r = await startSim();
    const first = takeHit((c) => c.email && !c.phone);
    const picks = [first, takeHit(), takeMiss()];
    const lookups = picks.map((p) => p.lookup);
    const { id, path } = await submit(r, lookups, nextPath(), { apiKey: ONE_CREDIT_KEY });
    await waitFor(() => rx.at(path).length === 1);
    const cb = parse(rx.at(path)[0]!, lookups, ONE_CREDIT_KEY);
    if (!cb.ok) throw new Error(cb.reason);
    expect(cb.results.map((x) => [x.outcome, x.billed])).toEqual([
      ['hit', true],
      ['quota_exhausted', false],
      ['quota_exhausted', false],
    ]);
    expect(cb.results[1]!.retryAt).toBeGreaterThan(Date.now() + CREDITS_COOLDOWN_MS - 5_000);
    // GET answers 402 with the enrichment: the same reading.
    const raw = await fetch(`${r.server.url}/api/v2/contact/enrich/bulk/${id}`, { headers: { authorization: `Bearer ${ONE_CREDIT_KEY}` } });
    expect(raw.status).toBe(402);
    expect(await raw.json()).toMatchObject({ status: 'CREDITS_INSUFFICIENT', cost: { credits: 1 } });
    const polled = doneResults(await fullenrichAdapter.poll!(OP, id, lookups, { ...r.ctx, apiKey: ONE_CREDIT_KEY }));
    expect(polled.map((x) => x.outcome)).toEqual(['hit', 'quota_exhausted', 'quota_exhausted']);
    expect(r.sim.state.billing.events.map((e) => [e.lookup, e.credits])).toEqual([[first.lookup.key, 1]]);
    expect(r.sim.state.balances.get(ONE_CREDIT_KEY)).toBe(0);
  });

  it('a key without credits: the enrichment ends CREDITS_INSUFFICIENT, or the submit is refused 402', async () => {
    const r = await startSim();
    const lookups = [takeHit().lookup];
    const { id } = await submit(r, lookups, nextPath(), { apiKey: EXHAUSTED_KEY });
    await sleep(350);
    const polled = doneResults(await fullenrichAdapter.poll!(OP, id, lookups, { ...r.ctx, apiKey: EXHAUSTED_KEY }));
    expect(polled[0]).toMatchObject({ outcome: 'quota_exhausted', billed: false, httpStatus: 402 });

    const strict = await startSim({ rejectSubmitWithoutCredits: true });
    const t0 = Date.now();
    const refused = (await fullenrichAdapter.submit!(OP, [takeHit().lookup], {
      ...strict.ctx,
      apiKey: EXHAUSTED_KEY,
      callbackUrl: `${rx.url}${nextPath()}`,
    })) as VendorResult;
    expect(refused).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 402, billed: false });
    expect(refused.retryAt).toBeGreaterThanOrEqual(t0 + CREDITS_COOLDOWN_MS);
    expect(strict.sim.state.enrichments.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Answers the simulator does not give: a scripted stand-in server that also records what was sent.

describe('fullenrich adapter against scripted answers', () => {
  let s: Scripted;
  let ctx: CallContext & { callbackUrl: string };
  const ada = spec.lookup({ first_name: 'Ada', last_name: 'Lovelace', domain: 'acme.example' })!;
  const grace = spec.lookup({ first_name: 'Grace', last_name: 'Hopper', domain: 'navy.example' })!;
  const alan = spec.lookup({ first_name: 'Alan', last_name: 'Turing', company_name: 'Bletchley Park' })!;
  const record = (l: Lookup, i: number | null, contactInfo: unknown, extra: Record<string, unknown> = {}) => ({
    input: {
      first_name: l.params.first_name,
      last_name: l.params.last_name,
      ...(l.params.domain ? { company_domain: l.params.domain } : { company_name: l.params.company_name }),
    },
    custom: i === null ? {} : { cascade_ref: String(i), cascade_lookup: lookupKeyHash(l.key) },
    contact_info: contactInfo,
    ...extra,
  });
  const finished = (data: unknown[], credits: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: 'e-1', name: 'n', status: 'FINISHED', data, cost: { credits }, ...extra });
  const deliverable = (email: string) => ({ most_probable_work_email: { email, status: 'DELIVERABLE' }, work_emails: [{ email, status: 'DELIVERABLE' }] });

  beforeAll(async () => {
    s = await scripted({ basePath: '/api/v2', fallback: { status: 200, body: '{"enrichment_id":"e-1"}' } });
    ctx = { apiKey: KEY, baseUrl: s.url, timeoutMs: 2_000, callbackUrl: 'https://cascade.example/callbacks/fullenrich/t0k3n' };
  });
  afterAll(() => s.close());

  it('sends the key as a Bearer header only, never in the URL or the body', async () => {
    s.seen.length = 0;
    await fullenrichAdapter.submit!(OP, [ada], ctx);
    s.next.push({ status: 200, body: JSON.stringify({ id: 'e-1', status: 'IN_PROGRESS' }) });
    await fullenrichAdapter.poll!(OP, 'e-1/../x', [ada], ctx);
    s.next.push({ status: 200, body: '{"balance": 12}' });
    await fullenrichAdapter.testConnection(ctx);
    expect(s.seen.map((x) => `${x.method} ${x.url}`)).toEqual([
      'POST /api/v2/contact/enrich/bulk',
      'GET /api/v2/contact/enrich/bulk/e-1%2F..%2Fx',
      'GET /api/v2/account/credits',
    ]);
    for (const req of s.seen) {
      expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(req.url).not.toContain(KEY);
      expect(req.body).not.toContain(KEY);
    }
    expect(JSON.parse(s.seen[0]!.body)).toMatchObject({ webhook_url: ctx.callbackUrl, name: 'Cascade enrichment (1 contact)' });
  });

  const submitCases: [string, number, string, Partial<VendorResult>, RegExp?][] = [
    ['400 first_name', 400, '{"code":"error.enrichment.first_name.empty","message":"First name cannot be empty"}', { outcome: 'invalid_input' }, /field "first_name"/],
    ['400 custom', 400, '{"code":"error.enrichment.custom.value.exceeded","message":"too long"}', { outcome: 'invalid_input' }, /field "custom"/],
    ['401', 401, '{"code":"error.api.key","message":"Unknown api key"}', { outcome: 'auth_failed' }],
    ['402', 402, '{"code":"error.credits","message":"Payment required"}', { outcome: 'quota_exhausted' }],
    ['400 credits', 400, '{"code":"error.credits.insufficient","message":"Insufficient credits"}', { outcome: 'quota_exhausted' }],
    ['403', 403, '{"code":"error.forbidden","message":"no API access"}', { outcome: 'auth_failed' }],
    ['503', 503, '<html>down</html>', { outcome: 'transient' }],
    ['200 no id', 200, '{"ok":true}', { outcome: 'transient', ambiguous: true }],
  ];
  it.each(submitCases)('submit maps %s', async (_name, status, body, expected, message) => {
    s.next.push({ status, body });
    const res = (await fullenrichAdapter.submit!(OP, [ada], ctx)) as VendorResult;
    expect(res).toMatchObject({ httpStatus: status, billed: false, ...expected });
    if (message) expect(res.message).toMatch(message);
  });

  it('reports drift: an unknown key and a missing expected key, on every result of the answer', async () => {
    s.next.push({
      status: 200,
      body: JSON.stringify({ id: 'e-1', status: 'FINISHED', surprise: 1, cost: { credits: 1 }, data: [{ ...record(ada, 0, deliverable('ada@acme.example')), input: undefined, extra_field: 'x' }] }),
    });
    const res = doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [ada, grace], ctx));
    for (const x of res) {
      expect(x.drift?.unknown).toEqual(expect.arrayContaining(['surprise', 'data[].extra_field']));
      expect(x.drift?.missing).toEqual(expect.arrayContaining(['data[].input']));
    }
    // A clean answer carries no drift.
    s.next.push({ status: 200, body: finished([record(ada, 0, deliverable('ada@acme.example'))], 1) });
    expect(doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [ada], ctx))[0]?.drift).toBeUndefined();
  });

  it('maps records back by our reference whatever their order, and by the echoed input when custom is lost', async () => {
    s.next.push({
      status: 200,
      body: finished(
        [
          record(alan, null, { most_probable_phone: { number: '+44 20 7946 0000', region: 'GB' } }),
          record(grace, 1, {}),
          record(ada, 0, deliverable('ada@acme.example')),
        ],
        11,
      ),
    });
    const res = doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [ada, grace, alan], ctx));
    expect(res.map((x) => [x.outcome, x.billed])).toEqual([
      ['hit', true],
      ['miss', false],
      ['hit', true],
    ]);
    expect(res[0]?.profile?.work_email?.value).toBe('ada@acme.example');
    expect(res[0]?.profile?.email_status).toEqual({ value: 'valid', confidence: 0.95 });
    expect(res[2]?.profile?.phone?.value).toBe('+442079460000');

    // A reference whose key hash does not match (another submission's record) is not trusted.
    s.next.push({ status: 200, body: finished([{ ...record(ada, 1, deliverable('ada@acme.example')), input: {} }], 1) });
    const wrong = doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [ada, grace], ctx));
    expect(wrong.map((x) => x.outcome)).toEqual(['miss', 'miss']);
  });

  it('bills by status: INVALID addresses are free and unused; cost 0 means nothing was charged', async () => {
    s.next.push({
      status: 200,
      body: finished(
        [
          record(ada, 0, { work_emails: [{ email: 'ada@acme.example', status: 'INVALID' }] }),
          record(grace, 1, { most_probable_work_email: { email: 'grace@navy.example', status: 'CATCH_ALL' } }),
        ],
        1,
      ),
    });
    const res = doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [ada, grace], ctx));
    expect(res[0]).toEqual({ outcome: 'miss', httpStatus: 200, billed: false });
    expect(res[1]).toMatchObject({ outcome: 'hit', billed: true, profile: { email_status: { value: 'risky' } } });
    s.next.push({ status: 200, body: finished([record(grace, 0, deliverable('grace@navy.example'))], 0) });
    expect(doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [grace], ctx))[0]).toMatchObject({ outcome: 'hit', billed: false });
  });

  it('keeps the LinkedIn profile as values found in passing', async () => {
    const li = spec.lookup({ linkedin_url: 'https://www.linkedin.com/in/ada-l' })!;
    const profile = {
      first_name: 'Ada',
      last_name: 'Lovelace',
      location: { city: 'London', region: 'England', country: 'United Kingdom' },
      social_profiles: { professional_network: { url: 'https://www.linkedin.com/in/ada-l' } },
      employment: { current: { title: 'Analyst', company: { name: 'Engines Ltd', domain: 'engines.example', headcount: 0, headcount_range: '11-50', industry: { main_industry: 'Computing' } } } },
    };
    s.next.push({ status: 200, body: finished([{ input: { professional_network_url: li.params.linkedin_url }, custom: { cascade_ref: '0', cascade_lookup: lookupKeyHash(li.key) }, contact_info: deliverable('ada@engines.example'), profile }], 1) });
    const [res] = doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [li], ctx));
    expect(res?.profile).toMatchObject({
      work_email: { value: 'ada@engines.example' },
      job_title: { value: 'Analyst', confidence: 0.8 },
      company_name: { value: 'Engines Ltd' },
      company_domain: { value: 'engines.example' },
      employee_count: { value: '11-50' },
      industry: { value: 'Computing' },
      city: { value: 'London' },
      linkedin_url: { value: 'https://www.linkedin.com/in/ada-l' },
    });
    // A profile without contact data is a miss for this operation: unbilled, values kept.
    s.next.push({ status: 200, body: finished([{ input: {}, custom: { cascade_ref: '0', cascade_lookup: lookupKeyHash(li.key) }, contact_info: {}, profile }], 0) });
    const [miss] = doneResults(await fullenrichAdapter.poll!(OP, 'e-1', [li], ctx));
    expect(miss).toMatchObject({ outcome: 'miss', billed: false, profile: { job_title: { value: 'Analyst' } } });
  });

  const pollCases: [string, number, string, AsyncPoll['state'], Partial<VendorResult>?][] = [
    ['CREATED', 200, '{"id":"e-1","status":"CREATED"}', 'pending'],
    ['RATE_LIMIT', 200, '{"id":"e-1","status":"RATE_LIMIT"}', 'pending'],
    ['UNKNOWN', 200, '{"id":"e-1","status":"UNKNOWN"}', 'pending'],
    ['400 in_progress', 400, '{"code":"error.enrichment.in_progress","message":"Enrichment not ready, try again in 30 seconds"}', 'pending'],
    ['FINISHED without data', 200, '{"id":"e-1","status":"FINISHED"}', 'failed', { outcome: 'transient' }],
    ['200 not JSON', 200, '<html>proxy</html>', 'failed', { outcome: 'transient' }],
    ['404', 404, '{"code":"error.enrichment.not_found","message":"Enrichment ID not found"}', 'failed', { outcome: 'invalid_input' }],
    ['402 unreadable', 402, 'Payment required', 'failed', { outcome: 'quota_exhausted' }],
    ['502', 502, 'bad gateway', 'failed', { outcome: 'transient' }],
  ];
  it.each(pollCases)('poll maps %s', async (_name, status, body, state, result) => {
    s.next.push({ status, body });
    const p = await fullenrichAdapter.poll!(OP, 'e-1', [ada], ctx);
    expect(p.state).toBe(state);
    if (result) expect(p).toMatchObject({ result: { httpStatus: status, billed: false, ...result } });
  });

  it('scrubs the key from a vendor message that echoes it', async () => {
    s.next.push({ status: 401, body: JSON.stringify({ code: 'error.api.key', message: `Unknown api key ${KEY}` }) });
    const res = (await fullenrichAdapter.submit!(OP, [ada], ctx)) as VendorResult;
    expect(res.outcome).toBe('auth_failed');
    expect(res.message).not.toContain(KEY);
    expect(res.message).toContain('***');
  });

  it('fieldOfErrorCode names the refused field', () => {
    expect(fieldOfErrorCode('error.enrichment.last_name.empty')).toBe('last_name');
    expect(fieldOfErrorCode('error.enrichment.enrich_field.value')).toBe('enrich_field');
    expect(fieldOfErrorCode('error.enrichment.in_progress')).toBeUndefined();
    expect(fieldOfErrorCode('error.api.key')).toBeUndefined();
  });
});
