// NeverBounce simulator (VENDORS.md "NeverBounce"): a real HTTP server with NeverBounce's v4 paths
// (under /v4, /v4.1 and /v4.2), each accepting GET with a query string or POST with a JSON or form
// body, as the real API does:
// - `/single/check` (key, email, address_info, credits_info, timeout) → `{"status": "success",
//   "result", "flags", "suggested_correction", "execution_time"}` (+ `address_info` / `credits_info`);
// - `/account/info` (free) → `{"status": "success", "credits_info", "job_counts", "execution_time"}`.
// Every application error is HTTP 200 with `status` ≠ success: auth_failure (echoing the key it got,
// as NeverBounce does — the adapter must scrub it), general_failure (missing parameter; no credits),
// throttle_triggered (over the per-key windows, which NeverBounce does not publish), temp_unavail and
// bad_referrer (injectable). Billing: 1 credit per verification; `unknown` billed unless
// `unknownBilled: false` (NeverBounce's rule there is unconfirmed). Verdicts come from world.ts: a world
// person's `mailbox` decides their result (accept_all → catchall); other addresses get a seeded draw.
import express from 'express';
import type { Request, Response } from 'express';
import { personByEmail, unit } from '../world.ts';
import {
  adminRoutes,
  arrivedAt,
  creditAllowances,
  creditsByKeyTail,
  createSimState,
  DISPOSABLE,
  EMAIL_RE,
  faultAndLatency,
  listen,
  ROLE_MAILBOXES as ROLE,
  simApp,
  WEBMAIL,
} from './common.ts';
import type { CreditsOption, RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

export type NbResult = 'valid' | 'invalid' | 'disposable' | 'catchall' | 'unknown';
export type NbFailure = 'auth_failure' | 'bad_referrer' | 'general_failure' | 'temp_unavail' | 'throttle_triggered';

export interface NeverbounceSimOptions extends SimOptions {
  /** Per-key throttle windows on /single/check (defaults 20 per second, 1,000 per minute). */
  limits?: { perSecond?: number; secondMs?: number; perMinute?: number; minuteMs?: number };
  /** Credits per key (a number for every key, or per key with a default). Default 1,000,000. */
  creditsPerKey?: CreditsOption;
  /** Whether an `unknown` result costs a credit (default true). */
  unknownBilled?: boolean;
  /** Deterministic share of processed checks answered `temp_unavail` instead (default 0). */
  tempUnavailShare?: number;
  /** Addresses forced to a result (tests). */
  resultOverrides?: Record<string, NbResult>;
  /** Extra keys added to every success answer (schema-drift tests). */
  extraFields?: Record<string, unknown>;
}

export interface NeverbounceConfig {
  windows: RateWindowSpec[];
  defaultCredits: number;
  creditsPerKey: Map<string, number>;
  unknownBilled: boolean;
  tempUnavailShare: number;
  resultOverrides: Map<string, NbResult>;
  extraFields: Record<string, unknown>;
}

export interface NeverbounceSimState extends SimState {
  config: NeverbounceConfig;
  /** Credits spent per key. */
  creditsUsed: Map<string, number>;
  /** Failures forced onto the next /single/check requests of a valid key, in order. */
  forcedFailures: NbFailure[];
}

export interface NeverbounceSim {
  app: express.Express;
  state: NeverbounceSimState;
  /** Listens on 127.0.0.1 (port 0 = any free port); the client base URL is `${url}/v4`. */
  start(port?: number): Promise<RunningServer>;
}

const DEFAULT_CREDITS = 1_000_000;
const RESULTS: readonly NbResult[] = ['valid', 'invalid', 'disposable', 'catchall', 'unknown'];
const FAILURES: readonly NbFailure[] = ['auth_failure', 'bad_referrer', 'general_failure', 'temp_unavail', 'throttle_triggered'];

const MESSAGES: Record<Exclude<NbFailure, 'auth_failure' | 'general_failure'>, string> = {
  bad_referrer: 'The referrer for this request is not trusted.',
  temp_unavail: 'An internal error has occurred. Please try again later.',
  throttle_triggered: 'Too many requests in a short amount of time. Please try again shortly or contact support.',
};

export function neverbounceConfig(opts: NeverbounceSimOptions): NeverbounceConfig {
  const l = opts.limits ?? {};
  return {
    windows: [
      { name: 'second', limit: l.perSecond ?? 20, windowMs: l.secondMs ?? 1_000 },
      { name: 'minute', limit: l.perMinute ?? 1_000, windowMs: l.minuteMs ?? 60_000 },
    ],
    ...creditAllowances(opts.creditsPerKey, DEFAULT_CREDITS),
    unknownBilled: opts.unknownBilled ?? true,
    tempUnavailShare: opts.tempUnavailShare ?? 0,
    resultOverrides: new Map(Object.entries(opts.resultOverrides ?? {}).map(([e, r]) => [e.trim().toLowerCase(), r])),
    extraFields: { ...(opts.extraFields ?? {}) },
  };
}

// ---------------------------------------------------------------------------------------------
// Verdicts from the world

/** NeverBounce's result and flags for an address: deterministic, from world.ts where it is a world person's. */
export function neverbounceVerdict(email: string, overrides?: ReadonlyMap<string, NbResult>): { result: NbResult; flags: string[] } {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  const local = e.slice(0, at);
  const domain = e.slice(at + 1);
  const dns = ['has_dns', 'has_dns_mx'];
  const forced = overrides?.get(e);
  if (forced) return { result: forced, flags: dns };
  if (at < 1 || !EMAIL_RE.test(e)) return { result: 'invalid', flags: ['bad_syntax'] };
  if (DISPOSABLE.has(domain)) return { result: 'disposable', flags: [...dns, 'disposable_email'] };
  const role = ROLE.has(local) ? ['role_account'] : [];
  if (WEBMAIL.has(domain)) return { result: 'valid', flags: [...dns, 'free_email_host', 'smtp_connectable', ...role] };
  const p = personByEmail(e);
  const mailbox = p?.mailbox;
  if (mailbox) {
    switch (mailbox) {
      case 'valid':
      case 'webmail':
        return { result: 'valid', flags: [...dns, 'smtp_connectable', ...role] };
      case 'accept_all':
        return { result: 'catchall', flags: [...dns, 'smtp_connectable', 'accepts_all', ...role] };
      case 'invalid':
        return { result: 'invalid', flags: [...dns, 'smtp_connectable'] };
      case 'unknown':
        return { result: 'unknown', flags: dns };
      case 'disposable':
        return { result: 'disposable', flags: [...dns, 'disposable_email'] };
    }
  }
  const r = unit('nb-result', e);
  const result: NbResult = r < 0.52 ? 'valid' : r < 0.77 ? 'invalid' : r < 0.9 ? 'catchall' : r < 0.97 ? 'unknown' : 'disposable';
  return { result, flags: result === 'invalid' ? ['has_dns'] : [...dns, ...role] };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** A parameter from the query string or the (JSON or form) body. */
function param(req: Request, name: string): string | undefined {
  const fromBody = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>)[name] : undefined;
  const q = req.query[name];
  const v = fromBody ?? (Array.isArray(q) ? q[0] : q);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

const truthy = (v: string | undefined) => v === '1' || v === 'true';

function keyOf(req: Request): string | null {
  return param(req, 'key') ?? null;
}

// ---------------------------------------------------------------------------------------------
// The simulator

export function createNeverbounceSim(opts: NeverbounceSimOptions): NeverbounceSim {
  const state: NeverbounceSimState = Object.assign(createSimState('neverbounce', opts), {
    config: neverbounceConfig(opts),
    creditsUsed: new Map<string, number>(),
    forcedFailures: [] as NbFailure[],
  });
  const validKeys = new Set(opts.validKeys);
  const cfg = () => state.config;
  const allowance = (key: string) => cfg().creditsPerKey.get(key) ?? cfg().defaultCredits;
  const balance = (key: string) => allowance(key) - (state.creditsUsed.get(key) ?? 0);

  const elapsed = (res: Response) => Math.max(1, Date.now() - arrivedAt(res));

  function fail(res: Response, status: NbFailure, message: string): void {
    res.json({ status, message, execution_time: elapsed(res) });
  }

  /** Auth (with NeverBounce's echo of the key it got); the key when it is valid. */
  function authed(req: Request, res: Response): string | null {
    const key = keyOf(req);
    if (!key) {
      fail(res, 'general_failure', "Missing required parameter 'key'");
      return null;
    }
    if (!validKeys.has(key)) {
      fail(res, 'auth_failure', `Invalid API key '${key}'`);
      return null;
    }
    return key;
  }

  function creditsInfo(key: string) {
    const used = state.creditsUsed.get(key) ?? 0;
    return { paid_credits_used: used, free_credits_used: 0, paid_credits_remaining: Math.max(0, balance(key)), free_credits_remaining: 0 };
  }

  const app = simApp({ etag: true, jsonLimit: '1mb' });
  app.use(express.urlencoded({ extended: false }));
  app.use(faultAndLatency(state, keyOf));

  app.get('/__sandbox/neverbounce', (_req, res) => {
    const credits = creditsByKeyTail(state.creditsUsed, cfg().creditsPerKey.keys(), allowance);
    res.json({ credits, limitSignals: state.limitSignals, forcedFailures: state.forcedFailures });
  });
  app.post('/__sandbox/neverbounce/config', (req, res) => {
    const body = (req.body ?? {}) as {
      unknownBilled?: boolean;
      defaultCredits?: number;
      tempUnavailShare?: number;
      extraFields?: Record<string, unknown>;
      resultOverrides?: Record<string, NbResult>;
      force?: NbFailure[];
    };
    const c = cfg();
    if (typeof body.unknownBilled === 'boolean') c.unknownBilled = body.unknownBilled;
    if (typeof body.defaultCredits === 'number') c.defaultCredits = body.defaultCredits;
    if (typeof body.tempUnavailShare === 'number') c.tempUnavailShare = body.tempUnavailShare;
    if (body.extraFields && typeof body.extraFields === 'object') c.extraFields = { ...body.extraFields };
    for (const [e, r] of Object.entries(body.resultOverrides ?? {})) {
      if (RESULTS.includes(r)) c.resultOverrides.set(e.trim().toLowerCase(), r);
    }
    if (Array.isArray(body.force)) state.forcedFailures.push(...body.force.filter((f) => FAILURES.includes(f)));
    res.json({ unknownBilled: c.unknownBilled, defaultCredits: c.defaultCredits, tempUnavailShare: c.tempUnavailShare });
  });
  app.use(
    adminRoutes(state, () => {
      state.creditsUsed.clear();
      state.forcedFailures.length = 0;
    }),
  );

  const v4 = express.Router();

  v4.all('/single/check', (req, res) => {
    const key = authed(req, res);
    if (!key) return;
    const forced = state.forcedFailures.shift();
    if (forced) {
      if (forced === 'throttle_triggered') state.limitSignals++;
      const message = forced === 'auth_failure' ? `Invalid API key '${key}'` : forced === 'general_failure' ? 'An unexpected error occurred.' : MESSAGES[forced];
      return fail(res, forced, message);
    }
    const verdict = state.windows.check(`${key}|single/check`, cfg().windows, arrivedAt(res));
    if (!verdict.ok) {
      state.limitSignals++;
      return fail(res, 'throttle_triggered', MESSAGES.throttle_triggered);
    }
    const raw = param(req, 'email');
    if (!raw) return fail(res, 'general_failure', "Missing required parameter 'email'");
    const email = raw.toLowerCase();
    if (cfg().tempUnavailShare > 0 && state.rand() < cfg().tempUnavailShare) {
      return fail(res, 'temp_unavail', MESSAGES.temp_unavail);
    }
    const { result, flags } = neverbounceVerdict(email, cfg().resultOverrides);
    const billable = result !== 'unknown' || cfg().unknownBilled;
    if (billable && balance(key) < 1) {
      state.limitSignals++;
      return fail(res, 'general_failure', 'Insufficient credits: add credits or a default payment method to continue using the API.');
    }
    if (billable && state.billing.charge(key, 'single_check', `email:${email}`, 1)) {
      state.creditsUsed.set(key, (state.creditsUsed.get(key) ?? 0) + 1);
    }
    const at = email.lastIndexOf('@');
    const host = email.slice(at + 1);
    const labels = host.split('.');
    res.json({
      status: 'success',
      result,
      flags,
      suggested_correction: '',
      ...(truthy(param(req, 'address_info'))
        ? {
            address_info: {
              original_email: raw,
              normalized_email: email,
              addr: email.slice(0, at),
              alias: '',
              host,
              fqdn: host,
              domain: labels.slice(0, -1).join('.'),
              subdomain: '',
              tld: labels[labels.length - 1] ?? '',
            },
          }
        : {}),
      ...(truthy(param(req, 'credits_info')) ? { credits_info: creditsInfo(key) } : {}),
      ...cfg().extraFields,
      execution_time: elapsed(res),
    });
  });

  v4.all('/account/info', (req, res) => {
    const key = authed(req, res);
    if (!key) return;
    res.json({
      status: 'success',
      credits_info: creditsInfo(key),
      job_counts: { completed: 0, under_review: 0, queued: 0, processing: 0 },
      execution_time: elapsed(res),
    });
  });

  v4.use((_req, res) => {
    res.status(404).json({ status: 'general_failure', message: 'The requested endpoint does not exist.', execution_time: 1 });
  });

  app.use(['/v4', '/v4.1', '/v4.2'], v4);
  app.use((_req, res) => {
    res.status(404).json({ status: 'general_failure', message: 'Not found.' });
  });

  return { app, state, start: (port?: number) => listen(app, port ?? 0) };
}
