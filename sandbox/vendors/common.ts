// Machinery every vendor simulator shares: latency, injected faults, clock-aligned rate windows,
// a billing counter that applies the vendor's own rules, a request log and the admin endpoints
// (/__sandbox/...) that tests and the benchmark read across processes.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import type { Request, Response, NextFunction } from 'express';

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
      state.faults.injected[fault]++;
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault === 'timeout') {
        // Hold the socket open without answering until the client gives up.
        req.socket.setTimeout(120_000, () => req.socket.destroy());
        return;
      }
      const status = [500, 502, 503][Math.floor(state.rand() * 3)] as number;
      res.status(status).json({ error: 'simulated upstream failure' });
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

/** /__sandbox/* endpoints: billing counter, request log, fault rates, reset. */
export function adminRoutes(state: SimState): express.Router {
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
