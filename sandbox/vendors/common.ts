// Machinery every vendor simulator shares: latency, injected faults, clock-aligned rate windows,
// a billing counter that applies the vendor's own rules, a request log and the admin endpoints
// (/__sandbox/...) that tests and the benchmark read across processes; and the small pieces the
// simulators would otherwise each write again: the express app's setup, the answer-drift switch,
// per-window "left" counts for rate headers, credit allowances, and reading lookup forms.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import type { ErrorRequestHandler, Request, Response, NextFunction } from 'express';
import { companyFor } from '../world.ts';

export interface FaultRates {
  /** Share of requests answered 500/502/503. */
  error5xx: number;
  /** Share of requests never answered (the client must time out); not processed, not billed. */
  timeout: number;
  /** Share of requests whose connection is destroyed before any answer; not processed, not billed. */
  reset: number;
}

export interface SimOptions {
  /** Keys the vendor accepts; anything else is an auth failure. */
  validKeys: string[];
  /** Uniform latency range added to every processed request, in ms. */
  latencyMs?: [number, number];
  faults?: Partial<FaultRates>;
  /** Seed for the fault and latency draws (data itself is keyed by email/domain, see world.ts). */
  seed?: number;
}

/** Small deterministic PRNG (mulberry32) so a fault schedule repeats for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FaultKind = '5xx' | 'timeout' | 'reset';

export class FaultInjector {
  rates: FaultRates;
  private readonly rand: () => number;
  private readonly forced: FaultKind[] = [];
  readonly injected: Record<FaultKind, number> = { '5xx': 0, timeout: 0, reset: 0 };

  constructor(rates: Partial<FaultRates> = {}, seed = 1) {
    this.rates = { error5xx: 0, timeout: 0, reset: 0, ...rates };
    this.rand = prng(seed);
  }

  /** Make the next requests fail in this order, whatever the rates say. */
  force(...kinds: FaultKind[]): void {
    this.forced.push(...kinds);
  }

  draw(): FaultKind | null {
    const forced = this.forced.shift();
    if (forced) return forced;
    const r = this.rand();
    const { error5xx, timeout, reset } = this.rates;
    if (r < error5xx) return '5xx';
    if (r < error5xx + timeout) return 'timeout';
    if (r < error5xx + timeout + reset) return 'reset';
    return null;
  }
}

/**
 * Answers a drawn fault the way a failing upstream does: a reset drops the connection, a timeout
 * never answers (the client must give up), a 5xx answers with `body`. Counts it on the injector.
 */
export function serveFault(faults: FaultInjector, fault: FaultKind, req: Request, res: Response, rand: () => number, body: unknown): void {
  faults.injected[fault]++;
  if (fault === 'reset') {
    req.socket.destroy();
    return;
  }
  if (fault === 'timeout') {
    req.socket.setTimeout(120_000, () => req.socket.destroy());
    return;
  }
  res.status([500, 502, 503][Math.floor(rand() * 3)] as number).json(body);
}

export interface RateWindowSpec {
  /** Name the vendor uses for the window in its messages/headers, e.g. "minute". */
  name: string;
  limit: number;
  windowMs: number;
}

export type WindowVerdict =
  | { ok: true; remaining: Record<string, number> }
  | { ok: false; window: RateWindowSpec; resetAt: number };

/**
 * Fixed windows aligned to the clock (a minute window resets at :00), counted per key. A request
 * that is refused is still counted against nothing: vendors do not charge quota for a 429.
 */
export class WindowCounter {
  private readonly counts = new Map<string, number>();

  check(key: string, windows: readonly RateWindowSpec[], now = Date.now()): WindowVerdict {
    const remaining: Record<string, number> = {};
    for (const w of windows) {
      const slot = Math.floor(now / w.windowMs);
      const used = this.counts.get(`${key}|${w.name}|${slot}`) ?? 0;
      if (used >= w.limit) return { ok: false, window: w, resetAt: (slot + 1) * w.windowMs };
    }
    for (const w of windows) {
      const id = `${key}|${w.name}|${Math.floor(now / w.windowMs)}`;
      const used = (this.counts.get(id) ?? 0) + 1;
      this.counts.set(id, used);
      remaining[w.name] = w.limit - used;
    }
    if (this.counts.size > 50_000) this.prune(now, windows);
    return { ok: true, remaining };
  }

  private prune(now: number, windows: readonly RateWindowSpec[]): void {
    const longest = Math.max(...windows.map((w) => w.windowMs));
    for (const id of this.counts.keys()) {
      const parts = id.split('|');
      const w = windows.find((x) => x.name === parts[1]);
      const slot = Number(parts[2]);
      if (!w || (slot + 1) * w.windowMs < now - longest) this.counts.delete(id);
    }
  }

  reset(): void {
    this.counts.clear();
  }
}

export interface BillingEvent {
  key: string;
  operation: string;
  lookup: string;
  credits: number;
  at: number;
}

/**
 * The vendor's invoice, as its billing rules would compute it. `charge` is called by a simulator only
 * when its vendor would bill; `repeatFree` vendors (Hunter) do not bill a lookup already billed in the
 * period, and say so in `freeRepeats`.
 */
export class BillingCounter {
  readonly events: BillingEvent[] = [];
  freeRepeats = 0;
  private readonly billedLookups = new Map<string, number>();

  private readonly repeatFree: boolean;

  constructor(repeatFree = false) {
    this.repeatFree = repeatFree;
  }

  charge(key: string, operation: string, lookup: string, credits: number): boolean {
    const id = `${key}|${operation}|${lookup}`;
    const times = this.billedLookups.get(id) ?? 0;
    if (this.repeatFree && times > 0) {
      this.freeRepeats++;
      return false;
    }
    this.billedLookups.set(id, times + 1);
    this.events.push({ key, operation, lookup, credits, at: Date.now() });
    return true;
  }

  snapshot(): BillingSnapshot {
    const perKey: Record<string, { billedCalls: number; credits: number }> = {};
    const perOperation: Record<string, { billedCalls: number; credits: number }> = {};
    for (const e of this.events) {
      const k = (perKey[e.key] ??= { billedCalls: 0, credits: 0 });
      k.billedCalls++;
      k.credits += e.credits;
      const o = (perOperation[e.operation] ??= { billedCalls: 0, credits: 0 });
      o.billedCalls++;
      o.credits += e.credits;
    }
    const duplicates = [...this.billedLookups.entries()].filter(([, n]) => n > 1).map(([id, n]) => ({ id, times: n }));
    return {
      billedCalls: this.events.length,
      credits: this.events.reduce((s, e) => s + e.credits, 0),
      uniqueLookups: this.billedLookups.size,
      duplicates,
      freeRepeats: this.freeRepeats,
      perKey,
      perOperation,
    };
  }

  reset(): void {
    this.events.length = 0;
    this.billedLookups.clear();
    this.freeRepeats = 0;
  }
}

export interface BillingSnapshot {
  billedCalls: number;
  credits: number;
  /** Distinct (key, operation, lookup) triples billed at least once. */
  uniqueLookups: number;
  /** Lookups billed more than once: must be empty if nobody paid twice. */
  duplicates: { id: string; times: number }[];
  freeRepeats: number;
  perKey: Record<string, { billedCalls: number; credits: number }>;
  perOperation: Record<string, { billedCalls: number; credits: number }>;
}

export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  /** Query and body with credentials removed. */
  query: Record<string, unknown>;
  body: unknown;
  /** Last 4 characters of the key used, so tests can tell tenants apart without logging keys. */
  keyTail: string | null;
  status: number;
  fault: FaultKind | null;
}

export interface SimState {
  name: string;
  faults: FaultInjector;
  windows: WindowCounter;
  billing: BillingCounter;
  requests: RequestRecord[];
  latencyMs: [number, number];
  rand: () => number;
  /** Counts 429s (or the vendor's equivalent limit signal) the simulator sent. */
  limitSignals: number;
}

export function createSimState(name: string, opts: SimOptions, repeatFree = false): SimState {
  return {
    name,
    faults: new FaultInjector(opts.faults, opts.seed ?? 1),
    windows: new WindowCounter(),
    billing: new BillingCounter(repeatFree),
    requests: [],
    latencyMs: opts.latencyMs ?? [5, 25],
    rand: prng((opts.seed ?? 1) + 7),
    limitSignals: 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SECRET_PARAMS = new Set(['api_key', 'apikey', 'key', 'token']);
function scrub(obj: unknown): Record<string, unknown> {
  if (!obj || typeof obj !== 'object') return {};
  return Object.fromEntries(Object.entries(obj as Record<string, unknown>).filter(([k]) => !SECRET_PARAMS.has(k.toLowerCase())));
}

/**
 * Middleware run before a simulator's routes: records the request, then applies an injected fault
 * (the request is then not processed and not billed) or the latency.
 */
export function faultAndLatency(state: SimState, keyOf: (req: Request) => string | null) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/__sandbox')) return next();
    // Vendors count a request against their rate windows when it arrives, not after processing.
    res.locals.arrivedAt = Date.now();
    const key = keyOf(req);
    const record: RequestRecord = {
      at: Date.now(),
      method: req.method,
      path: req.path,
      query: scrub(req.query),
      body: req.body && typeof req.body === 'object' ? scrub(req.body) : null,
      keyTail: key ? key.slice(-4) : null,
      status: 0,
      fault: null,
    };
    state.requests.push(record);
    if (state.requests.length > 200_000) state.requests.splice(0, 100_000);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const fault = state.faults.draw();
    if (fault) {
      record.fault = fault;
      serveFault(state.faults, fault, req, res, state.rand, { error: 'simulated upstream failure' });
      return;
    }
    const [lo, hi] = state.latencyMs;
    await sleep(lo + state.rand() * Math.max(0, hi - lo));
    next();
  };
}

/** When the request reached the simulator (set by faultAndLatency), for rate-window accounting. */
export function arrivedAt(res: Response): number {
  return typeof res.locals.arrivedAt === 'number' ? res.locals.arrivedAt : Date.now();
}

/**
 * /__sandbox/* endpoints: billing counter, request log, fault rates, reset. `onReset` clears the
 * simulator's own state on POST /__sandbox/reset, before the shared counters are cleared.
 */
export function adminRoutes(state: SimState, onReset?: () => void): express.Router {
  const r = express.Router();
  r.get('/__sandbox/billing', (_req, res) => {
    res.json(state.billing.snapshot());
  });
  r.get('/__sandbox/stats', (_req, res) => {
    res.json({
      requests: state.requests.length,
      limitSignals: state.limitSignals,
      faultsInjected: state.faults.injected,
      billing: state.billing.snapshot(),
    });
  });
  r.get('/__sandbox/requests', (_req, res) => {
    res.json(state.requests);
  });
  r.post('/__sandbox/faults', express.json(), (req, res) => {
    const body = (req.body ?? {}) as Partial<FaultRates> & { force?: FaultKind[]; latencyMs?: [number, number] };
    for (const k of ['error5xx', 'timeout', 'reset'] as const) {
      if (typeof body[k] === 'number') state.faults.rates[k] = body[k];
    }
    if (Array.isArray(body.force)) state.faults.force(...body.force);
    if (Array.isArray(body.latencyMs)) state.latencyMs = body.latencyMs;
    res.json({ faults: state.faults.rates, latencyMs: state.latencyMs });
  });
  r.post('/__sandbox/reset', (_req, res) => {
    onReset?.();
    state.billing.reset();
    state.windows.reset();
    state.requests.length = 0;
    state.limitSignals = 0;
    res.json({ ok: true });
  });
  return r;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = any free port) and closes every open socket on close(). */
export function listen(app: express.Express, port = 0): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    const sockets = new Set<Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${p}`,
        port: p,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Schema drift on demand: simulators pass their 200 answers through withAnswerDrift.

/**
 * Dotted paths into an answer; `[]` after a segment applies the rest to every array element:
 * `person.shiny_new_field`, `matches[].organization.founded_year`, `organizations[].primary_domain`.
 */
export interface AnswerDrift {
  add?: Record<string, unknown>;
  drop?: string[];
}

/** Applies `fn(parent, key)` at a dotted path (see AnswerDrift) of a JSON value. */
function atPath(node: unknown, segments: string[], fn: (parent: Record<string, unknown>, key: string) => void): void {
  const [head, ...rest] = segments;
  if (head === undefined || !node || typeof node !== 'object' || Array.isArray(node)) return;
  const obj = node as Record<string, unknown>;
  const each = head.endsWith('[]');
  const key = each ? head.slice(0, -2) : head;
  if (!each && rest.length === 0) return fn(obj, key);
  const child = obj[key];
  if (!each) return atPath(child, rest, fn);
  if (Array.isArray(child)) for (const item of child) atPath(item, rest, fn);
}

/** A copy of `body` with the drift applied. */
export function withAnswerDrift(body: unknown, drift: AnswerDrift): unknown {
  if (!drift.add && !drift.drop?.length) return body;
  const copy: unknown = structuredClone(body);
  for (const [path, value] of Object.entries(drift.add ?? {})) {
    atPath(copy, path.split('.'), (o, k) => {
      o[k] = value;
    });
  }
  for (const path of drift.drop ?? []) {
    atPath(copy, path.split('.'), (o, k) => {
      delete o[k];
    });
  }
  return copy;
}

/** State of a simulator whose 200 answers can drift on demand. */
export interface DriftableState {
  answerDrift: AnswerDrift;
}

/** POST /__sandbox/<vendor>/drift `{add?, drop?}`: sets the drift applied to every later 200 answer. */
export function answerDriftRoute(state: DriftableState, vendor: string): express.Router {
  const r = express.Router();
  r.post(`/__sandbox/${vendor}/drift`, express.json(), (req, res) => {
    const body = (req.body ?? {}) as AnswerDrift;
    state.answerDrift = {
      ...(body.add && typeof body.add === 'object' ? { add: body.add } : {}),
      ...(Array.isArray(body.drop) ? { drop: body.drop.filter((x): x is string => typeof x === 'string') } : {}),
    };
    res.json(state.answerDrift);
  });
  return r;
}

/** Middleware: every 200 JSON answer of the vendor routes goes out through `state.answerDrift`. */
export function applyAnswerDrift(state: DriftableState) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/__sandbox')) return next();
    const send = res.json.bind(res);
    res.json = ((body: unknown) => send(res.statusCode === 200 ? withAnswerDrift(body, state.answerDrift) : body)) as typeof res.json;
    next();
  };
}

// ---------------------------------------------------------------------------------------------
// The express app

/**
 * A simulator's express app: no `X-Powered-By`; unless `etag` is true, no ETag either (most
 * simulators answer without one); JSON bodies parsed up to `jsonLimit` when given.
 */
export function simApp(opts: { jsonLimit?: string; etag?: boolean } = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (!opts.etag) app.set('etag', false);
  if (opts.jsonLimit) app.use(express.json({ limit: opts.jsonLimit }));
  return app;
}

/** Malformed JSON and other parser errors, answered in the vendor's own error form: the parser's 4xx, else 500. */
export function parserErrors(answer: (res: Response, status: number, message: string) => void): ErrorRequestHandler {
  return (err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status < 500 ? err.status : 500;
    answer(res, status, err.message || 'error');
  };
}

// ---------------------------------------------------------------------------------------------
// Rate headers: what is left of each window

/**
 * WindowCounter verdicts with what is left of every window, as vendors report it per window in
 * their headers: after an admitted request, each window's remaining count; after a refusal, 0 for
 * the window that refused and, for the others, the count last reported in their current slot.
 */
export class WindowsLeft {
  private readonly last = new Map<string, { slot: number; left: number }>();

  check(counter: WindowCounter, key: string, windows: readonly RateWindowSpec[], now: number) {
    const verdict = counter.check(key, windows, now);
    const left = windows.map((w) => {
      const slot = Math.floor(now / w.windowMs);
      let n: number;
      if (verdict.ok) {
        n = verdict.remaining[w.name] ?? w.limit;
        this.last.set(`${key}|${w.name}`, { slot, left: n });
      } else if (verdict.window.name === w.name) {
        n = 0;
      } else {
        const last = this.last.get(`${key}|${w.name}`);
        n = last && last.slot === slot ? last.left : w.limit;
      }
      return { window: w, left: n };
    });
    return { verdict, left };
  }

  clear(): void {
    this.last.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Credits

/** Credits per key: one number for every key, or a default with per-key overrides. */
export type CreditsOption = number | { default?: number; perKey?: Record<string, number> };

export function creditAllowances(opt: CreditsOption | undefined, fallback: number): { defaultCredits: number; creditsPerKey: Map<string, number> } {
  return {
    defaultCredits: typeof opt === 'number' ? opt : (opt?.default ?? fallback),
    creditsPerKey: new Map(typeof opt === 'object' ? Object.entries(opt.perKey ?? {}) : []),
  };
}

/** Credits used and allowed per key, by key tail only (keys are never echoed): for /__sandbox/<vendor>. */
export function creditsByKeyTail(used: ReadonlyMap<string, number>, keys: Iterable<string>, allowance: (key: string) => number) {
  return [...new Set([...used.keys(), ...keys])].map((k) => ({ keyTail: k.slice(-4), used: used.get(k) ?? 0, allowance: allowance(k) }));
}

// ---------------------------------------------------------------------------------------------
// Reading requests and lookup forms (the simulators' own, simpler spelling of the adapters' keys)

/** Lower case, NFKC, single-spaced, trimmed. */
export const lc = (s: string) => s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

/** A non-empty string, as given; undefined for anything else. */
export const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** The first value of a query parameter, trimmed; undefined when absent or blank. */
export function queryParam(req: Request, name: string): string | undefined {
  const q = req.query[name];
  const v = Array.isArray(q) ? q[0] : q;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** The token of `Authorization: Bearer <token>`. */
export function bearerToken(req: Request): string | null {
  const auth = req.get('authorization');
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m?.[1] ?? null;
}

/** "https://WWW.Acme.com:443/x" → "acme.com". */
export function simDomain(raw: string): string {
  const host = lc(raw).replace(/^[a-z][a-z0-9+.-]*:\/\//, '').split(/[/?#]/)[0] ?? '';
  return host.replace(/:\d+$/, '').replace(/^www\./, '');
}

/** Any LinkedIn URL form of a person (or of a company) → "https://www.linkedin.com/in/slug". */
export function simLinkedin(raw: string, kind: 'in' | 'company' = 'in'): string | undefined {
  const m = new RegExp(`linkedin\\.com/${kind}/([^/?#\\s]+)`).exec(lc(raw));
  return m ? `https://www.linkedin.com/${kind}/${m[1]}` : undefined;
}

/** A company name → the world domain (`<stem>.example` or `<stem>.com`) whose company carries exactly that name. */
export function domainForCompanyName(name: string): string | undefined {
  const wanted = lc(name);
  const stem = wanted.replace(/\s+(inc|labs|gmbh|ltd|group)\.?$/, '').replace(/\s+/g, '-');
  if (!/^[a-z0-9-]+$/.test(stem)) return undefined;
  for (const d of [`${stem}.example`, `${stem}.com`]) {
    if (lc(companyFor(d).name) === wanted) return d;
  }
  return undefined;
}

/** A stable id: the hex SHA-256 of the parts. */
export const sha256Hex = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex');

/** A stable UUID-shaped id from the parts. */
export const uuidFrom = (...parts: string[]) => {
  const h = sha256Hex(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** An e-mail address as the simulators accept it (lower case). */
export const EMAIL_RE = /^[^\s@]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

// Mail-domain facts of the verifier simulators (Hunter, NeverBounce, ZeroBounce).
export const WEBMAIL: ReadonlySet<string> = new Set(['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com',
  'aol.com', 'icloud.com', 'proton.me', 'protonmail.com', 'gmx.com']);
export const DISPOSABLE: ReadonlySet<string> = new Set(['mailinator.com', 'guerrillamail.com', '10minutemail.com', 'tempmail.com',
  'yopmail.com', 'trashmail.com']);
export const ROLE_MAILBOXES: ReadonlySet<string> = new Set(['info', 'sales', 'admin', 'support', 'contact', 'hello', 'office', 'team', 'marketing', 'billing']);
