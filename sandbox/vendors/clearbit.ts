// Clearbit legacy Enrichment simulator (VENDORS.md "Clearbit"): one HTTP server answering the paths
// of both Clearbit hosts — GET /v2/people/find?email= (person.clearbit.com) and
// GET /v2/companies/find?domain= (company.clearbit.com). Point the person base URL and the company
// base URL both at `${url}/v2`.
// - auth: `Authorization: Bearer <key>` or HTTP Basic (key as user name); no key → 401
//   `auth_required`, an unknown key → 401 `invalid_api_key` (`{"error": {"type", "message"}}`);
// - 200 = the record; 202 (empty body) = queued: configured records answer 202 on their first
//   `calls` lookups, then 200; 404 `unknown_record` = nothing found; 422 for a missing or bad param;
// - billing, Clearbit's rules: every request answered 200/202/404 counts, but only once per unique
//   lookup in the billing period (repeats are free); past the plan's monthly allowance, a NEW lookup
//   gets 402 `over_quota` (repeats are still served);
// - 600 requests/min per key and API (person and company apart), clock-aligned; `X-RateLimit-Limit`,
//   `X-RateLimit-Remaining`, `X-RateLimit-Reset` on every answer (401s included). The reset is epoch
//   seconds by default (what live probes show) or seconds to wait (`resetFormat: 'delta'`, VENDORS.md's
//   reading). Over the limit → 429 `rate_limit`.
import express from 'express';
import type { Request, Response } from 'express';
import { companyFor, personByEmail, unit, vendorKnows } from '../world.ts';
import type { WorldCompany, WorldPerson } from '../world.ts';
import {
  adminRoutes,
  arrivedAt,
  bearerToken,
  createSimState,
  EMAIL_RE,
  faultAndLatency,
  listen,
  queryParam as param,
  sha256Hex,
  simApp,
  uuidFrom as uuid,
} from './common.ts';
import type { RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

export type ClearbitApi = 'person' | 'company';

export interface ClearbitSimOptions extends SimOptions {
  /** Share of the world's people Clearbit knows (default 0.7). */
  coverage?: number;
  /** Share of company domains it knows (default 0.8). */
  companyCoverage?: number;
  /** Requests per window per key and API (default 600 per 60 s). */
  limits?: { person?: number; company?: number; windowMs?: number };
  /** Format of X-RateLimit-Reset: epoch seconds (default) or seconds until the reset. */
  resetFormat?: 'epoch' | 'delta';
  /** Unique lookups a key may make in the billing period: a number for every key, or per key. Default 1,000,000. */
  quotaPerKey?: number | { default?: number; perKey?: Record<string, number> };
  /**
   * Records that are not warm in the index: their first `calls` lookups (default 1) answer 202.
   * `share` draws a deterministic share of all e-mails and domains (default 0).
   */
  queued?: { emails?: string[]; domains?: string[]; share?: number; calls?: number };
}

export interface ClearbitConfig {
  coverage: number;
  companyCoverage: number;
  windows: Record<ClearbitApi, RateWindowSpec>;
  resetFormat: 'epoch' | 'delta';
  defaultQuota: number;
  quotaPerKey: Map<string, number>;
  queued: { records: Set<string>; share: number; calls: number };
}

export interface ClearbitSimState extends SimState {
  config: ClearbitConfig;
  /** Lookups seen per record (drives 202 → 200). */
  lookups: Map<string, number>;
  /** Answers per status, for tests. */
  statuses: Record<number, number>;
  /** Unique lookups counted per key in the period. */
  usage: Map<string, number>;
}

export interface ClearbitSim {
  app: express.Express;
  state: ClearbitSimState;
  /** Listens on 127.0.0.1; person and company base URLs are both `${url}/v2`. */
  start(port?: number): Promise<RunningServer & { personBaseUrl: string; companyBaseUrl: string }>;
}

const DEFAULT_QUOTA = 1_000_000;

export function clearbitConfig(opts: ClearbitSimOptions): ClearbitConfig {
  const q = opts.quotaPerKey;
  const windowMs = opts.limits?.windowMs ?? 60_000;
  return {
    coverage: opts.coverage ?? 0.7,
    companyCoverage: opts.companyCoverage ?? 0.8,
    windows: {
      person: { name: 'person', limit: opts.limits?.person ?? 600, windowMs },
      company: { name: 'company', limit: opts.limits?.company ?? 600, windowMs },
    },
    resetFormat: opts.resetFormat ?? 'epoch',
    defaultQuota: typeof q === 'number' ? q : (q?.default ?? DEFAULT_QUOTA),
    quotaPerKey: new Map(typeof q === 'object' ? Object.entries(q.perKey ?? {}) : []),
    queued: {
      records: new Set([...(opts.queued?.emails ?? []).map((e) => `email:${e.trim().toLowerCase()}`), ...(opts.queued?.domains ?? []).map((d) => `domain:${d.trim().toLowerCase()}`)]),
      share: opts.queued?.share ?? 0,
      calls: opts.queued?.calls ?? 1,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bodies in Clearbit's v2 shapes

const isoDay = (...parts: string[]) =>
  new Date(Date.UTC(2025, 0, 1) + Math.floor(unit('clearbit-day', ...parts) * 300) * 86_400_000).toISOString();

const slugOf = (url: string) => url.replace(/\/+$/, '').split('/').pop() ?? '';

const COUNTRY_CODES: Record<string, string> = {
  'United States': 'US', 'United Kingdom': 'GB', Germany: 'DE', Canada: 'CA', France: 'FR',
};

/** Clearbit's employee ranges. */
export function clearbitEmployeesRange(n: number): string {
  const bands: [number, string][] = [[10, '1-10'], [50, '11-50'], [250, '51-250'], [1000, '251-1K'], [5000, '1K-5K'],
    [10000, '5K-10K'], [50000, '10K-50K'], [100000, '50K-100K']];
  for (const [max, label] of bands) if (n <= max) return label;
  return '100K+';
}

function revenueRange(n: number): string {
  const bands: [number, string][] = [[1e6, '$0-$1M'], [1e7, '$1M-$10M'], [5e7, '$10M-$50M'], [1e8, '$50M-$100M'],
    [2.5e8, '$100M-$250M'], [5e8, '$250M-$500M'], [1e9, '$500M-$1B']];
  for (const [max, label] of bands) if (n <= max) return label;
  return '$1B+';
}

/** Clearbit's tech tags are slugs ("google_workspace"). */
export const clearbitTechTag = (t: string) => t.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_');

function geoOf(x: { city: string; state: string; country: string }) {
  return {
    city: x.city,
    state: x.state,
    stateCode: null,
    country: x.country,
    countryCode: COUNTRY_CODES[x.country] ?? null,
    lat: null,
    lng: null,
  };
}

function personBody(p: WorldPerson) {
  const e = p.email;
  return {
    id: uuid('clearbit-person', e),
    name: { fullName: `${p.firstName} ${p.lastName}`, givenName: p.firstName, familyName: p.lastName },
    email: e,
    location: `${p.city}, ${p.state}, ${p.country}`,
    timeZone: null,
    utcOffset: null,
    geo: geoOf(p),
    bio: null,
    site: null,
    avatar: null,
    employment: { domain: p.company.domain, name: p.company.name, title: p.title, role: null, subRole: null, seniority: p.seniority },
    facebook: { handle: null },
    github: { handle: null, id: null, avatar: null, company: null, blog: null, followers: null, following: null },
    twitter: { handle: null, id: null, bio: null, followers: null, following: null, statuses: null, favorites: null, location: null, site: null, avatar: null },
    // Clearbit sends "in/<slug>".
    linkedin: { handle: unit('clearbit-linkedin', e) < 0.9 ? `in/${slugOf(p.linkedinUrl)}` : null },
    googleplus: { handle: null },
    gravatar: { handle: null, urls: [], avatar: null, avatars: [] },
    fuzzy: false,
    emailProvider: false,
    indexedAt: isoDay('indexed', e),
    activeAt: isoDay('active', e),
    inactiveAt: null,
  };
}

function companyBody(c: WorldCompany) {
  const d = c.domain;
  return {
    id: uuid('clearbit-company', d),
    name: c.name,
    legalName: unit('clearbit-legal', d) < 0.5 ? c.name : null,
    domain: d,
    domainAliases: [],
    site: { phoneNumbers: [c.phone], emailAddresses: [`info@${d}`] },
    category: {
      sector: null, industryGroup: null, industry: c.industry, subIndustry: null, gicsCode: null, sicCode: null,
      sic4Codes: [], naicsCode: null, naics6Codes: [], naics6Codes2022: [],
    },
    tags: [],
    description: `${c.name} is a ${c.industry} company.`,
    foundedYear: 1990 + Math.floor(unit('clearbit-founded', d) * 34),
    location: `${c.city}, ${c.state}, ${c.country}`,
    timeZone: null,
    utcOffset: null,
    geo: {
      streetNumber: null, streetName: null, subPremise: null, streetAddress: null, postalCode: null, ...geoOf(c),
    },
    logo: `https://logo.clearbit.com/${d}`,
    facebook: { handle: null, likes: null },
    linkedin: { handle: `company/${slugOf(c.linkedinUrl)}` },
    twitter: { handle: null, id: null, bio: null, followers: null, following: null, location: null, site: null, avatar: null },
    crunchbase: { handle: null },
    emailProvider: false,
    type: 'private',
    ticker: null,
    identifiers: { usEIN: null },
    phone: c.phone,
    metrics: {
      alexaUsRank: null,
      alexaGlobalRank: null,
      trafficRank: null,
      employees: c.employees,
      employeesRange: clearbitEmployeesRange(c.employees),
      marketCap: null,
      raised: null,
      annualRevenue: unit('clearbit-revenue', d) < 0.5 ? c.annualRevenue : null,
      estimatedAnnualRevenue: revenueRange(c.annualRevenue),
      fiscalYearEnd: null,
    },
    indexedAt: isoDay('indexed', d),
    tech: c.tech.map(clearbitTechTag),
    techCategories: [],
    parent: { domain: null },
    ultimateParent: { domain: null },
  };
}

// ---------------------------------------------------------------------------------------------

function keyOf(req: Request): string | null {
  const bearer = bearerToken(req);
  if (bearer) return bearer;
  const auth = req.get('authorization');
  if (!auth) return null;
  const basic = /^Basic\s+(\S+)\s*$/i.exec(auth);
  if (basic?.[1]) {
    const user = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
    return user || null;
  }
  return null;
}

function clearbitError(res: Response, status: number, type: string, message: string): void {
  res.status(status).json({ error: { type, message } });
}

const DOMAIN_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

export function createClearbitSim(opts: ClearbitSimOptions): ClearbitSim {
  const state: ClearbitSimState = Object.assign(createSimState('clearbit', opts, true), {
    config: clearbitConfig(opts),
    lookups: new Map<string, number>(),
    statuses: {} as Record<number, number>,
    usage: new Map<string, number>(),
  });
  const validKeys = new Set(opts.validKeys);
  const cfg = () => state.config;
  const keyHash = (key: string) => sha256Hex('key', key).slice(0, 24);
  const quota = (key: string) => cfg().quotaPerKey.get(key) ?? cfg().defaultQuota;
  /** (key, operation, lookup) triples counted this period: repeats are free. */
  const counted = new Set<string>();

  function rateHeaders(res: Response, w: RateWindowSpec, remaining: number, now: number): void {
    const resetAt = (Math.floor(now / w.windowMs) + 1) * w.windowMs;
    res.set('X-RateLimit-Limit', String(w.limit));
    res.set('X-RateLimit-Remaining', String(Math.max(0, remaining)));
    res.set(
      'X-RateLimit-Reset',
      String(cfg().resetFormat === 'epoch' ? Math.ceil(resetAt / 1000) : Math.max(1, Math.ceil((resetAt - now) / 1000))),
    );
  }

  /** Auth (401), then the API's window (429); the rate headers go on every answer. */
  function gate(req: Request, res: Response, api: ClearbitApi): string | null {
    const w = cfg().windows[api];
    const now = arrivedAt(res);
    const key = keyOf(req);
    if (!key || !validKeys.has(key)) {
      rateHeaders(res, w, w.limit, now);
      if (!key) clearbitError(res, 401, 'auth_required', 'Authentication is required for this action. Sign up at https://clearbit.com');
      else clearbitError(res, 401, 'invalid_api_key', 'Invalid API key provided');
      return null;
    }
    const verdict = state.windows.check(`${keyHash(key)}|${api}`, [w], now);
    if (!verdict.ok) {
      state.limitSignals++;
      rateHeaders(res, w, 0, now);
      clearbitError(res, 429, 'rate_limit', `Rate limit exceeded: ${w.limit} requests per minute.`);
      return null;
    }
    rateHeaders(res, w, verdict.remaining[w.name] ?? 0, now);
    return key;
  }

  /** A new lookup past the allowance gets 402; a repeat in the period is served (and free). */
  function overQuota(res: Response, key: string, op: string, lookup: string): boolean {
    if (counted.has(`${key}|${op}|${lookup}`) || (state.usage.get(key) ?? 0) < quota(key)) return false;
    state.limitSignals++;
    clearbitError(res, 402, 'over_quota', 'Your account is over its monthly quota. Please upgrade your plan.');
    return true;
  }

  function queuedNow(record: string): boolean {
    const calls = (state.lookups.get(record) ?? 0) + 1;
    state.lookups.set(record, calls);
    const q = cfg().queued;
    const queued = q.records.has(record) || unit('clearbit-queued', record) < q.share;
    return queued && calls <= q.calls;
  }

  /** The answer for one lookup: 202 while queued, then 200 or 404; each one counted (once per period). */
  function answer(res: Response, key: string, op: string, record: string, body: () => object | null): void {
    if (overQuota(res, key, op, record)) return;
    counted.add(`${key}|${op}|${record}`);
    if (state.billing.charge(key, op, record, 1)) state.usage.set(key, (state.usage.get(key) ?? 0) + 1);
    if (queuedNow(record)) {
      res.status(202).end();
      return;
    }
    const b = body();
    if (!b) {
      clearbitError(res, 404, 'unknown_record', op === 'person_find' ? 'Unknown email address' : 'Unknown domain');
      return;
    }
    res.json(b);
  }

  const app = simApp();
  app.use((_req, res, next) => {
    res.on('finish', () => {
      state.statuses[res.statusCode] = (state.statuses[res.statusCode] ?? 0) + 1;
    });
    next();
  });

  app.get('/__sandbox/clearbit', (_req, res) => {
    res.json({
      usage: [...state.usage.entries()].map(([k, n]) => ({ keyTail: k.slice(-4), counted: n, quota: quota(k) })),
      statuses: state.statuses,
      limitSignals: state.limitSignals,
    });
  });
  app.post('/__sandbox/clearbit/config', express.json(), (req, res) => {
    const body = (req.body ?? {}) as { coverage?: number; companyCoverage?: number; defaultQuota?: number; resetFormat?: 'epoch' | 'delta' };
    const c = cfg();
    if (typeof body.coverage === 'number') c.coverage = body.coverage;
    if (typeof body.companyCoverage === 'number') c.companyCoverage = body.companyCoverage;
    if (typeof body.defaultQuota === 'number') c.defaultQuota = body.defaultQuota;
    if (body.resetFormat === 'epoch' || body.resetFormat === 'delta') c.resetFormat = body.resetFormat;
    res.json({ coverage: c.coverage, companyCoverage: c.companyCoverage, defaultQuota: c.defaultQuota, resetFormat: c.resetFormat });
  });
  app.use(
    adminRoutes(state, () => {
      state.lookups.clear();
      state.usage.clear();
      counted.clear();
      for (const k of Object.keys(state.statuses)) delete state.statuses[Number(k)];
    }),
  );
  app.use(faultAndLatency(state, keyOf));

  app.get('/v2/people/find', (req, res) => {
    const key = gate(req, res, 'person');
    if (!key) return;
    const raw = param(req, 'email');
    if (!raw) return clearbitError(res, 422, 'missing_param', 'Missing required param: email');
    const email = raw.toLowerCase();
    if (!EMAIL_RE.test(email)) return clearbitError(res, 422, 'invalid_email', 'Invalid email address');
    answer(res, key, 'person_find', `email:${email}`, () => {
      const p = personByEmail(email);
      return p && vendorKnows('clearbit', p.email, cfg().coverage) ? personBody(p) : null;
    });
  });

  app.get('/v2/companies/find', (req, res) => {
    const key = gate(req, res, 'company');
    if (!key) return;
    const raw = param(req, 'domain');
    if (!raw) return clearbitError(res, 422, 'missing_param', 'Missing required param: domain');
    const domain = raw.toLowerCase().replace(/^www\./, '');
    if (!DOMAIN_RE.test(domain)) return clearbitError(res, 422, 'invalid_domain', 'Invalid domain');
    answer(res, key, 'company_find', `domain:${domain}`, () =>
      vendorKnows('clearbit-company', domain, cfg().companyCoverage) ? companyBody(companyFor(domain)) : null,
    );
  });

  app.use((_req, res) => clearbitError(res, 404, 'unknown_route', 'Sorry, that route can not be found. Please refer to our docs https://clearbit.com/docs'));

  return {
    app,
    state,
    start: async (port = 0) => {
      const s = await listen(app, port);
      return { ...s, personBaseUrl: `${s.url}/v2`, companyBaseUrl: `${s.url}/v2` };
    },
  };
}
