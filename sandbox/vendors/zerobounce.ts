// ZeroBounce simulator (VENDORS.md "ZeroBounce"), two real HTTP servers sharing one state, as the real
// API spreads over two hosts:
// - API host (api.zerobounce.net): `GET /v2/validate?api_key&email&ip_address`, `GET /v2/getcredits`;
// - bulk host (bulkapi.zerobounce.net): `POST /v2/validatebatch` `{api_key, email_batch: [{email_address,
//   ip_address}]}` → `{email_batch: [...], errors: [...]}`, ≤200 addresses (more → 400). The API host
//   answers validatebatch too (clients are seen posting it there), so one base URL also works;
//   `state.hostHits` tells which host was used.
// Auth is the `api_key` parameter. A bad key and an empty balance get the same text, "Invalid API key or
// your account ran out of credits" (validate: `{"error": …}` at `authErrorStatus`, default 200;
// validatebatch: an `errors` entry with `email_address: "all"`); getcredits answers `{"Credits": "-1"}`
// for a bad key and is free. Billing: 1 credit per validation, `unknown` free; every validation checks
// the balance first (ZeroBounce requires a positive balance even for results it will not bill).
// Limits are per key and endpoint, clock-aligned, with no headers: going over one blocks the key on
// that endpoint for a fixed time (validate 50,000 per 10 s → 1 minute; validatebatch 5 per minute → 10
// minutes). ZeroBounce documents the block's answer only as HTTP 429; `blockSignal` switches it to a
// 200 `{"error": …}` so the adapter's tolerance of both forms can be tested.
//
// Verdicts come from world.ts: a world person's `mailbox` decides their status (valid → valid,
// accept_all → catch-all, invalid → invalid, unknown → unknown, disposable → do_not_mail/disposable);
// role addresses are do_not_mail/role_based, disposable domains do_not_mail/disposable, webmail
// valid with `free_email`; other addresses get a stable seeded draw over all seven statuses.
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
  queryParam as param,
  ROLE_MAILBOXES as ROLE,
  simApp,
  WEBMAIL,
} from './common.ts';
import type { CreditsOption, RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

export type ZbStatus = 'valid' | 'invalid' | 'catch-all' | 'unknown' | 'spamtrap' | 'abuse' | 'do_not_mail';
type Endpoint = 'validate' | 'validatebatch';

export interface ZerobounceLimitOptions {
  /** validate requests per window (default 50,000 per 10 s). */
  validate?: number;
  validateWindowMs?: number;
  /** How long an over-limit key is blocked on validate (default 60 s). */
  validateBlockMs?: number;
  /** validatebatch requests per window (default 5 per minute). */
  batch?: number;
  batchWindowMs?: number;
  /** How long an over-limit key is blocked on validatebatch (default 10 minutes). */
  batchBlockMs?: number;
}

export interface ZerobounceSimOptions extends SimOptions {
  limits?: ZerobounceLimitOptions;
  /** 'http429' (default): the block is a 429 `{"error": …}`; 'error200': the same body at HTTP 200. */
  blockSignal?: 'http429' | 'error200';
  /** HTTP status of validate's "invalid key or out of credits" answer (default 200; 400 and 401 are seen too). */
  authErrorStatus?: number;
  /** Credits per key (a number for every key, or per key with a default). Default 1,000,000. */
  creditsPerKey?: CreditsOption;
  /** Addresses forced to a status (tests). */
  statusOverrides?: Record<string, ZbStatus>;
  /** Extra keys added to every validation (schema-drift tests). */
  extraFields?: Record<string, unknown>;
  /** The largest batch accepted (default 200). */
  batchMax?: number;
}

export interface ZerobounceConfig {
  validate: RateWindowSpec[];
  batch: RateWindowSpec[];
  validateBlockMs: number;
  batchBlockMs: number;
  blockSignal: 'http429' | 'error200';
  authErrorStatus: number;
  defaultCredits: number;
  creditsPerKey: Map<string, number>;
  statusOverrides: Map<string, ZbStatus>;
  extraFields: Record<string, unknown>;
  batchMax: number;
}

export interface ZerobounceSimState extends SimState {
  config: ZerobounceConfig;
  /** Requests that reached each host (admin routes excluded). */
  hostHits: { api: number; bulk: number };
  /** Credits spent per key. */
  creditsUsed: Map<string, number>;
  /** `key|endpoint` → epoch ms until which the key is blocked. */
  blockedUntil: Map<string, number>;
}

export interface ZerobounceRunning extends RunningServer {
  /** API host (validate, getcredits); the client base URL is `${apiUrl}/v2`. */
  apiUrl: string;
  /** Bulk host (validatebatch); the client's `hosts.bulk` is `${bulkUrl}/v2`. */
  bulkUrl: string;
}

export interface ZerobounceSim {
  /** The API host's app (alias of `apiApp`). */
  app: express.Express;
  apiApp: express.Express;
  bulkApp: express.Express;
  state: ZerobounceSimState;
  /** Starts both hosts on 127.0.0.1 (port 0 = any free port); `url` is the API host. */
  start(port?: number, bulkPort?: number): Promise<ZerobounceRunning>;
}

const DEFAULT_CREDITS = 1_000_000;
export const ZB_AUTH_ERROR = 'Invalid API key or your account ran out of credits';
export const ZB_BATCH_AUTH_ERROR = 'Invalid API Key or your account ran out of credits';
const ZB_BLOCK_ERROR = 'Too many requests. Your API key has been temporarily blocked for exceeding the rate limit.';

const ZB_STATUSES: readonly ZbStatus[] = ['valid', 'invalid', 'catch-all', 'unknown', 'spamtrap', 'abuse', 'do_not_mail'];

export function zerobounceConfig(opts: ZerobounceSimOptions): ZerobounceConfig {
  const l = opts.limits ?? {};
  return {
    validate: [{ name: '10 seconds', limit: l.validate ?? 50_000, windowMs: l.validateWindowMs ?? 10_000 }],
    batch: [{ name: 'minute', limit: l.batch ?? 5, windowMs: l.batchWindowMs ?? 60_000 }],
    validateBlockMs: l.validateBlockMs ?? 60_000,
    batchBlockMs: l.batchBlockMs ?? 600_000,
    blockSignal: opts.blockSignal ?? 'http429',
    authErrorStatus: opts.authErrorStatus ?? 200,
    ...creditAllowances(opts.creditsPerKey, DEFAULT_CREDITS),
    statusOverrides: new Map(Object.entries(opts.statusOverrides ?? {}).map(([e, s]) => [e.trim().toLowerCase(), s])),
    extraFields: { ...(opts.extraFields ?? {}) },
    batchMax: opts.batchMax ?? 200,
  };
}

// ---------------------------------------------------------------------------------------------
// Verdicts from the world

interface Verdict {
  status: ZbStatus;
  sub_status: string;
  free_email: boolean;
}

/** ZeroBounce's verdict for an address: deterministic, from world.ts where the address is a world person's. */
export function zerobounceVerdict(email: string, overrides?: ReadonlyMap<string, ZbStatus>): Verdict {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  const local = e.slice(0, at);
  const domain = e.slice(at + 1);
  const free = WEBMAIL.has(domain);
  const forced = overrides?.get(e);
  if (forced) return { status: forced, sub_status: forced === 'unknown' ? 'mail_server_did_not_respond' : '', free_email: free };
  if (at < 1 || !EMAIL_RE.test(e)) return { status: 'invalid', sub_status: 'failed_syntax_check', free_email: false };
  if (DISPOSABLE.has(domain)) return { status: 'do_not_mail', sub_status: 'disposable', free_email: false };
  if (ROLE.has(local)) return { status: 'do_not_mail', sub_status: 'role_based', free_email: free };
  if (free) return { status: 'valid', sub_status: '', free_email: true };
  const p = personByEmail(e);
  if (p) {
    switch (p.mailbox) {
      case 'valid':
      case 'webmail':
        return { status: 'valid', sub_status: '', free_email: p.mailbox === 'webmail' };
      case 'accept_all':
        return { status: 'catch-all', sub_status: '', free_email: false };
      case 'invalid':
        return { status: 'invalid', sub_status: 'mailbox_not_found', free_email: false };
      case 'unknown':
        return { status: 'unknown', sub_status: unit('zb-unknown', e) < 0.5 ? 'mail_server_did_not_respond' : 'timeout_exceeded', free_email: false };
      case 'disposable':
        return { status: 'do_not_mail', sub_status: 'disposable', free_email: false };
    }
  }
  const r = unit('zb-status', e);
  if (r < 0.5) return { status: 'valid', sub_status: '', free_email: false };
  if (r < 0.74) return { status: 'invalid', sub_status: 'mailbox_not_found', free_email: false };
  if (r < 0.86) return { status: 'catch-all', sub_status: '', free_email: false };
  if (r < 0.94) return { status: 'unknown', sub_status: 'greylisted', free_email: false };
  if (r < 0.97) return { status: 'do_not_mail', sub_status: 'global_suppression', free_email: false };
  if (r < 0.99) return { status: 'spamtrap', sub_status: '', free_email: false };
  return { status: 'abuse', sub_status: '', free_email: false };
}

const processedAt = () => new Date().toISOString().replace('T', ' ').replace('Z', '');

function validationBody(email: string, v: Verdict, extra: Record<string, unknown>) {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  const domain = at > 0 ? e.slice(at + 1) : null;
  const p = personByEmail(e);
  const deliverable = v.status !== 'invalid' || v.sub_status !== 'no_dns_entries';
  return {
    address: e,
    status: v.status,
    sub_status: v.sub_status,
    free_email: v.free_email,
    did_you_mean: null,
    account: at > 0 ? e.slice(0, at) : null,
    domain,
    domain_age_days: domain ? String(365 + Math.floor(unit('zb-age', domain) * 9000)) : null,
    smtp_provider: v.free_email ? 'google' : null,
    mx_found: deliverable ? 'true' : 'false',
    mx_record: domain && deliverable ? `mx1.${domain}` : null,
    firstname: p ? p.firstName : null,
    lastname: p ? p.lastName : null,
    gender: null,
    country: null,
    region: null,
    city: null,
    zipcode: null,
    processed_at: processedAt(),
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** The key from the query (API host) or the JSON body (bulk host). */
function keyOf(req: Request): string | null {
  const fromQuery = param(req, 'api_key');
  if (fromQuery) return fromQuery;
  const body = req.body as { api_key?: unknown } | undefined;
  return body && typeof body.api_key === 'string' && body.api_key.trim() ? body.api_key.trim() : null;
}

// ---------------------------------------------------------------------------------------------
// The simulator

export function createZerobounceSim(opts: ZerobounceSimOptions): ZerobounceSim {
  const state: ZerobounceSimState = Object.assign(createSimState('zerobounce', opts), {
    config: zerobounceConfig(opts),
    creditsUsed: new Map<string, number>(),
    blockedUntil: new Map<string, number>(),
    hostHits: { api: 0, bulk: 0 },
  });
  const validKeys = new Set(opts.validKeys);
  const cfg = () => state.config;

  const allowance = (key: string) => cfg().creditsPerKey.get(key) ?? cfg().defaultCredits;
  const balance = (key: string) => allowance(key) - (state.creditsUsed.get(key) ?? 0);

  function bill(key: string, email: string): void {
    if (state.billing.charge(key, 'validate', `email:${email}`, 1)) {
      state.creditsUsed.set(key, (state.creditsUsed.get(key) ?? 0) + 1);
    }
  }

  function blockAnswer(res: Response): void {
    state.limitSignals++;
    res.status(cfg().blockSignal === 'http429' ? 429 : 200).json({ error: ZB_BLOCK_ERROR });
  }

  /** The endpoint's block, then its window (going over starts the block); true when the request may go on. */
  function admitted(res: Response, key: string, endpoint: Endpoint): boolean {
    const id = `${key}|${endpoint}`;
    const now = arrivedAt(res);
    const until = state.blockedUntil.get(id) ?? 0;
    if (until > now) {
      blockAnswer(res);
      return false;
    }
    const windows = endpoint === 'validate' ? cfg().validate : cfg().batch;
    const verdict = state.windows.check(id, windows, now);
    if (!verdict.ok) {
      state.blockedUntil.set(id, now + (endpoint === 'validate' ? cfg().validateBlockMs : cfg().batchBlockMs));
      blockAnswer(res);
      return false;
    }
    return true;
  }

  function admin(app: express.Express): void {
    app.get('/__sandbox/zerobounce', (_req, res) => {
      const credits = creditsByKeyTail(state.creditsUsed, cfg().creditsPerKey.keys(), allowance);
      const now = Date.now();
      const blocks = [...state.blockedUntil.entries()]
        .filter(([, until]) => until > now)
        .map(([id, until]) => ({ keyTail: (id.split('|')[0] ?? '').slice(-4), endpoint: id.split('|')[1], until }));
      res.json({ credits, blocks, hostHits: state.hostHits, limitSignals: state.limitSignals });
    });
    app.post('/__sandbox/zerobounce/config', express.json(), (req, res) => {
      const body = (req.body ?? {}) as {
        blockSignal?: 'http429' | 'error200';
        authErrorStatus?: number;
        defaultCredits?: number;
        extraFields?: Record<string, unknown>;
        statusOverrides?: Record<string, ZbStatus>;
      };
      const c = cfg();
      if (body.blockSignal === 'http429' || body.blockSignal === 'error200') c.blockSignal = body.blockSignal;
      if (typeof body.authErrorStatus === 'number') c.authErrorStatus = body.authErrorStatus;
      if (typeof body.defaultCredits === 'number') c.defaultCredits = body.defaultCredits;
      if (body.extraFields && typeof body.extraFields === 'object') c.extraFields = { ...body.extraFields };
      for (const [e, s] of Object.entries(body.statusOverrides ?? {})) {
        if (ZB_STATUSES.includes(s)) c.statusOverrides.set(e.trim().toLowerCase(), s);
      }
      res.json({ blockSignal: c.blockSignal, authErrorStatus: c.authErrorStatus, defaultCredits: c.defaultCredits });
    });
    app.use(
      adminRoutes(state, () => {
        state.creditsUsed.clear();
        state.blockedUntil.clear();
        state.hostHits.api = 0;
        state.hostHits.bulk = 0;
      }),
    );
  }

  function base(host: 'api' | 'bulk'): express.Express {
    const app = simApp({ etag: true });
    app.use((req, _res, next) => {
      if (!req.path.startsWith('/__sandbox')) state.hostHits[host]++;
      next();
    });
    app.use(express.json({ limit: '2mb' }));
    app.use(faultAndLatency(state, keyOf));
    admin(app);
    return app;
  }

  // --- API host ---
  const apiApp = base('api');

  apiApp.get('/v2/validate', (req, res) => {
    const key = param(req, 'api_key');
    if (!key || !validKeys.has(key)) {
      res.status(cfg().authErrorStatus).json({ error: ZB_AUTH_ERROR });
      return;
    }
    if (!admitted(res, key, 'validate')) return;
    const raw = param(req, 'email');
    if (!raw) {
      res.status(400).json({ error: 'Missing parameter: email.' });
      return;
    }
    // ZeroBounce needs a positive balance for any validation, even one it will not bill.
    if (balance(key) < 1) {
      res.status(cfg().authErrorStatus).json({ error: ZB_AUTH_ERROR });
      return;
    }
    const email = raw.toLowerCase();
    const v = zerobounceVerdict(email, cfg().statusOverrides);
    if (v.status !== 'unknown') bill(key, email);
    res.json(validationBody(email, v, cfg().extraFields));
  });

  apiApp.get('/v2/getcredits', (req, res) => {
    const key = param(req, 'api_key');
    if (!key || !validKeys.has(key)) {
      res.json({ Credits: '-1' });
      return;
    }
    res.json({ Credits: String(Math.max(0, balance(key))) });
  });

  // --- validatebatch: the bulk host's endpoint (the API host answers it too) ---
  function validateBatch(req: Request, res: Response): void {
    const body = (req.body ?? {}) as { api_key?: unknown; email_batch?: unknown };
    const key = typeof body.api_key === 'string' ? body.api_key.trim() : '';
    if (!key || !validKeys.has(key)) {
      res.json({ email_batch: [], errors: [{ error: ZB_BATCH_AUTH_ERROR, email_address: 'all' }] });
      return;
    }
    if (!admitted(res, key, 'validatebatch')) return;
    if (!Array.isArray(body.email_batch)) {
      res.status(400).json({ Message: 'Missing parameter: email_batch.' });
      return;
    }
    if (body.email_batch.length > cfg().batchMax) {
      res.status(400).json({ Message: `Batch too large: the maximum is ${cfg().batchMax} emails per request.` });
      return;
    }
    if (balance(key) < 1) {
      res.json({ email_batch: [], errors: [{ error: ZB_BATCH_AUTH_ERROR, email_address: 'all' }] });
      return;
    }
    const emailBatch: unknown[] = [];
    const errors: { error: string; email_address: string }[] = [];
    for (const item of body.email_batch as unknown[]) {
      const addr = item && typeof item === 'object' ? (item as { email_address?: unknown }).email_address : undefined;
      if (typeof addr !== 'string' || !addr.trim()) {
        errors.push({ error: 'Missing email_batch key: email_address.', email_address: 'unknown' });
        continue;
      }
      const email = addr.trim().toLowerCase();
      // The balance ran out part-way through the batch (the real per-address form is unconfirmed).
      if (balance(key) < 1) {
        errors.push({ error: ZB_BATCH_AUTH_ERROR, email_address: email });
        continue;
      }
      const v = zerobounceVerdict(email, cfg().statusOverrides);
      if (v.status !== 'unknown') bill(key, email);
      emailBatch.push(validationBody(email, v, cfg().extraFields));
    }
    res.json({ email_batch: emailBatch, errors });
  }

  apiApp.post('/v2/validatebatch', validateBatch);
  apiApp.use((_req, res) => {
    res.status(404).json({ error: 'Not found.' });
  });

  // --- bulk host ---
  const bulkApp = base('bulk');
  bulkApp.post('/v2/validatebatch', validateBatch);
  bulkApp.use((_req, res) => {
    res.status(404).json({ error: 'Not found.' });
  });

  return {
    app: apiApp,
    apiApp,
    bulkApp,
    state,
    async start(port?: number, bulkPort?: number): Promise<ZerobounceRunning> {
      const api = await listen(apiApp, port ?? 0);
      const bulk = await listen(bulkApp, bulkPort ?? 0);
      return {
        url: api.url,
        port: api.port,
        apiUrl: api.url,
        bulkUrl: bulk.url,
        close: async () => {
          await Promise.all([api.close(), bulk.close()]);
        },
      };
    },
  };
}
