// Scaffolding the vendor adapter tests (test/vendors/*) share: pools of world contacts that each test
// uses once, simulators started per file or per test, a scripted stand-in server for answers the
// simulators do not give, and the fast-check pieces of the normalizer property tests. What a test
// asserts stays in the test; only the set-up lives here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, expect } from 'vitest';
import type { RunningServer } from '../../sandbox/vendors/common.ts';
import { generateContacts, personByName } from '../../sandbox/world.ts';
import type { GeneratedContact, WorldPerson } from '../../sandbox/world.ts';
import { CANONICAL_FIELDS } from '../../server/vendors/types.ts';
import type { CallContext, ContactFacts, Lookup, PartialProfile, VendorAdapter, VendorOutcome } from '../../server/vendors/types.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Pools of the world: each item used by at most one test, so no lookup is ever sent twice by
// accident and the billing counter can prove that nothing was billed twice.

export class Pool<T> {
  private readonly used = new Set<string>();
  private readonly items: readonly T[];
  private readonly idOf: (item: T) => string;
  private readonly what: string;

  /** `idOf` names what may not be used twice (a lookup key, an e-mail, a domain). */
  constructor(items: readonly T[], idOf: (item: T) => string, what = 'candidate') {
    this.items = items;
    this.idOf = idOf;
    this.what = what;
  }

  /** The first unused item that satisfies `pred`; it is used from now on. */
  take(pred: (item: T) => boolean = () => true): T {
    const x = this.items.find((i) => !this.used.has(this.idOf(i)) && pred(i));
    if (!x) throw new Error(`${this.what} pool exhausted`);
    this.used.add(this.idOf(x));
    return x;
  }
}

/** Generated contacts with their world person and the facts a CRM would hold: the e-mail when known, else name + company domain. */
export function worldContacts(count: number, domainCount: number, seed: string): { contact: GeneratedContact; person: WorldPerson; facts: ContactFacts }[] {
  return generateContacts(count, domainCount, seed).map((c) => ({
    contact: c,
    person: personByName(c.firstName, c.lastName, c.domain)!,
    facts: c.email ? { email: c.email } : { first_name: c.firstName, last_name: c.lastName, domain: c.domain },
  }));
}

/** The world people behind generated contacts. */
export function worldPeople(count: number, domainCount: number, seed?: string): WorldPerson[] {
  return generateContacts(count, domainCount, seed)
    .map((c) => personByName(c.firstName, c.lastName, c.domain))
    .filter((p): p is WorldPerson => p !== null);
}

/** The `i`-th of `people` whose mailbox is `mailbox`. */
export function withMailbox(people: readonly WorldPerson[], mailbox: WorldPerson['mailbox'], i = 0): WorldPerson {
  const p = people.filter((x) => x.mailbox === mailbox)[i];
  if (!p) throw new Error(`need a world person with mailbox ${mailbox} (#${i})`);
  return p;
}

/** The lookup an operation builds from `facts`; a fixture it cannot build one from is a broken fixture. */
export function lookupOf(adapter: VendorAdapter, operationId: string, facts: ContactFacts): Lookup {
  const l = adapter.operations[operationId]?.lookup(facts);
  if (!l) throw new Error(`no ${operationId} lookup for ${JSON.stringify(facts)}`);
  return l;
}

/** `<prefix>-0.example`, `<prefix>-1.example`, …: company domains no generated contact works at. */
export const syntheticDomains = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}.example`);

// ---------------------------------------------------------------------------------------------
// Simulators

/** A simulator started for a test file, its server, and an adapter context pointing at it. */
export interface SimRun<S, R extends RunningServer = RunningServer> {
  sim: S;
  server: R;
  ctx: CallContext;
}

/**
 * Starts simulators for one test file: `start(opts, timeoutMs)` creates one with the file's defaults
 * under `opts` and starts it on a free port; `running` lists them for the file's afterAll.
 */
export function simStarter<O, S extends { start(port?: number): Promise<RunningServer> }>(
  create: (opts: Partial<O>) => S,
  ctxOf: (server: Awaited<ReturnType<S['start']>>) => Omit<CallContext, 'timeoutMs'>,
) {
  type R = Awaited<ReturnType<S['start']>>;
  const running: SimRun<S, R>[] = [];
  const start = async (opts: Partial<O> = {}, timeoutMs = 3_000): Promise<SimRun<S, R>> => {
    const sim = create(opts);
    const server = (await sim.start(0)) as R;
    const r = { sim, server, ctx: { ...ctxOf(server), timeoutMs } };
    running.push(r);
    return r;
  };
  return { running, start };
}

/** After the file: runs the file's check on each simulator (its invoice), then closes it. */
export function checkAndCloseAfterAll<R extends { server: RunningServer }>(running: readonly R[], check: (r: R) => void): void {
  afterAll(async () => {
    for (const r of running) {
      check(r);
      await r.server.close();
    }
  });
}

/** Servers started by one test, closed after it: call the returned function with each one. */
export function closeAfterEach(): (server: RunningServer) => void {
  let running: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(running.map((s) => s.close()));
    running = [];
  });
  return (server) => {
    running.push(server);
  };
}

/** A port nothing listens on (a server was there a moment ago): the adapter's "unreachable" case. */
export async function closedPort(): Promise<number> {
  const closed = http.createServer();
  await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((ok) => closed.close(() => ok()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Answers the simulators do not give: a scripted stand-in server that also records what was sent.

export interface ScriptedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ScriptedAnswer {
  /** Answers only a request whose path ends so; without it, the next request whatever its path. */
  path?: string;
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer, or cut the connection instead of answering. */
  action?: 'hang' | 'reset';
}

export interface Scripted {
  /** The base URL: the server's origin and `basePath`. */
  url: string;
  seen: ScriptedRequest[];
  /** Answers still to give, in order (the first that fits a request is used). */
  next: ScriptedAnswer[];
  close(): Promise<void>;
}

/**
 * A server answering from `next`, or with `fallback` (a function sees the request) when nothing
 * there fits; every request is recorded in `seen`. Status 200 and an empty body unless told.
 */
export async function scripted(opts: { basePath?: string; fallback: ScriptedAnswer | ((req: ScriptedRequest) => ScriptedAnswer) }): Promise<Scripted> {
  const s: Omit<Scripted, 'url' | 'close'> = { seen: [], next: [] };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const seen: ScriptedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      s.seen.push(seen);
      const path = seen.url.split('?')[0] ?? '';
      const i = s.next.findIndex((n) => n.path === undefined || path.endsWith(n.path));
      const n = i >= 0 ? s.next.splice(i, 1)[0]! : typeof opts.fallback === 'function' ? opts.fallback(seen) : opts.fallback;
      if (n.action === 'hang') return;
      if (n.action === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(n.status ?? 200, { 'content-type': 'application/json', ...n.headers });
      res.end(n.body ?? '');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    ...s,
    url: `http://127.0.0.1:${port}${opts.basePath ?? ''}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Normalizer property tests

export const OUTCOMES: readonly VendorOutcome[] = ['hit', 'miss', 'rate_limited', 'quota_exhausted', 'auth_failed', 'transient', 'invalid_input'];
export const EMAIL_STATUSES = ['valid', 'risky', 'invalid', 'unknown', 'do_not_use'];

/** Every value a canonical field with a non-empty string value and a confidence in [0, 1]. */
export function expectWellFormed(profile: PartialProfile | undefined): void {
  for (const [field, v] of Object.entries(profile ?? {})) {
    expect(CANONICAL_FIELDS).toContain(field);
    expect(typeof v?.value).toBe('string');
    expect(v!.value.trim()).not.toBe('');
    expect(v!.confidence).toBeGreaterThanOrEqual(0);
    expect(v!.confidence).toBeLessThanOrEqual(1);
  }
}

/** The same JSON with every object's keys in reverse order, at every depth. */
export function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).reverse().map(([k, x]) => [k, reversedKeys(x)]));
  }
  return v;
}

export const anyJson = fc.jsonValue({ maxDepth: 2 });

/** A field: usually of the expected kind, sometimes null or any other JSON value. */
export const field = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: arb as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: anyJson });

/** Keys a schema does not know, with `json` values. */
export const extraKeysOf = (json: fc.Arbitrary<unknown>, maxKeys: number) => fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys });

/** The objects of `arb`, each with unknown keys from `extras` added (the object's own keys win). */
export const withExtraKeys = <T extends object>(arb: fc.Arbitrary<T>, extras: fc.Arbitrary<Record<string, unknown>>) =>
  arb.chain((o) => extras.map((x) => ({ ...x, ...o })));

/** Loose objects: some of a model's keys, plus unknown ones drawn from `extras`. */
export const looseWith =
  (extras: fc.Arbitrary<Record<string, unknown>>) =>
  (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> =>
    fc.tuple(extras, fc.record(model, { requiredKeys: [] })).map(([extra, known]) => ({ ...extra, ...known }));
