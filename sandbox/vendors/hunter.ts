// Hunter simulator (https://api.hunter.io/v2), faithful to what Cascade depends on (VENDORS.md "Hunter"):
// - auth by `api_key` query parameter or `X-API-KEY` header; 401 `authentication_failed` otherwise;
// - GET /v2/email-finder, /v2/email-verifier, /v2/people/find, /v2/companies/find over world.ts;
// - misses: finder 200 with `data.email: null`; people/companies 404 `not_found`;
// - rate limits per key and endpoint, clock-aligned: 15/s + 500/min (verifier 10/s + 300/min);
//   over a limit → **403** `too_many_requests` (Hunter's rate-limit signal);
// - plan credits per key: when the allowance is used up → **429** `too_many_requests` (monthly quota);
// - verifier: **202** while still verifying (some addresses, first call(s)), **222** remote SMTP failure,
//   **451** `claimed_email` for people who opted out (also on the finder and people/find);
// - billing: finder 1 credit when an e-mail is found, verifier 0.5 per completed verification, people/
//   companies find 0.2 when found; nothing when nothing is found; repeats within the period are free;
// - GET /v2/account: plan, reset date and usage meters (`requests.credits|searches|verifications`
//   with `used` / `available`); free and not counted against the rate windows, as Hunter documents;
// - no rate-limit headers on any answer (Hunter sends none);
// - schema drift on demand: `answerDrift` (or POST /__sandbox/hunter/drift) adds keys to, or removes
//   keys from, every 200 JSON answer.
import express from 'express';
import type { Request, Response } from 'express';
import {
  adminRoutes,
  answerDriftRoute,
  applyAnswerDrift,
  arrivedAt,
  creditAllowances,
  createSimState,
  DISPOSABLE,
  EMAIL_RE,
  faultAndLatency,
  listen,
  queryParam as param,
  simApp,
  WEBMAIL,
} from './common.ts';
import type { AnswerDrift, CreditsOption, RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';
import { companyFor, personByEmail, personByName, unit, vendorKnows } from '../world.ts';
import type { WorldCompany, WorldPerson } from '../world.ts';

export interface HunterWindowOverrides {
  perSecond?: number;
  perMinute?: number;
  /** Length of the "second" window (default 1000 ms); tests shrink it. */
  secondMs?: number;
  /** Length of the "minute" window (default 60000 ms); tests shrink it. */
  minuteMs?: number;
}

export interface HunterSimOptions extends SimOptions {
  /** Rate windows per key and endpoint. Defaults: general 15/s + 500/min, verifier 10/s + 300/min. */
  limits?: { general?: HunterWindowOverrides; verifier?: HunterWindowOverrides };
  /** Share of the world's people Hunter's finder and people/find know (default 0.6). */
  coverage?: number;
  /** Share of company domains companies/find knows (default 0.8). */
  companyCoverage?: number;
  /**
   * Plan credits a key may spend in the billing period (a number for every key, or per key with the
   * number as fallback under `default`). Default 1,000,000. When used up, billable requests get 429.
   */
  creditsPerKey?: CreditsOption;
  /** Addresses whose owners opted out (451 `claimed_email`). */
  optedOutEmails?: string[];
  /** Deterministic share of all addresses that opted out (default 0.01). */
  optedOutShare?: number;
  /** Verifications still in progress: 202 for the first `pendingCalls` calls (default 1). */
  slowVerify?: { emails?: string[]; share?: number; pendingCalls?: number };
  /** Remote SMTP failures: 222 for the first `failCalls` calls (default: always). */
  smtpFailure?: { emails?: string[]; share?: number; failCalls?: number };
  /** Plan name GET /v2/account reports (default "Growth"). */
  planName?: string;
  /** Keys added to / removed from every 200 JSON answer (schema drift on demand). */
  answerDrift?: AnswerDrift;
}

export interface HunterConfig {
  general: RateWindowSpec[];
  verifier: RateWindowSpec[];
  coverage: number;
  companyCoverage: number;
  defaultCredits: number;
  creditsPerKey: Map<string, number>;
  optedOut: Set<string>;
  optedOutShare: number;
  slowVerify: { emails: Set<string>; share: number; pendingCalls: number };
  smtpFailure: { emails: Set<string>; share: number; failCalls: number };
}

export interface HunterSimState extends SimState {
  config: HunterConfig;
  /** Credits used per key in the period, in tenths of a credit (0.2 and 0.5 stay exact). */
  creditTenthsUsed: Map<string, number>;
  /** (key|operation|lookup) triples billed in the period: repeats are free and never refused. */
  billedLookups: Set<string>;
  /** Verifier calls seen per address (drives 202 → 200 and 222 → 200). */
  verifyCalls: Map<string, number>;
  planName: string;
  answerDrift: AnswerDrift;
}

export interface HunterSim {
  app: express.Express;
  state: HunterSimState;
  start(port?: number): Promise<RunningServer>;
}

const DEFAULT_CREDITS = 1_000_000;

/** Credits per operation, in tenths (finder 1, verifier 0.5, enrichment 0.2). */
const COST_TENTHS = { email_finder: 10, email_verifier: 5, people_find: 2, companies_find: 2 } as const;
type HunterOperation = keyof typeof COST_TENTHS;


function windows(o: HunterWindowOverrides | undefined, perSecond: number, perMinute: number): RateWindowSpec[] {
  return [
    { name: 'second', limit: o?.perSecond ?? perSecond, windowMs: o?.secondMs ?? 1_000 },
    { name: 'minute', limit: o?.perMinute ?? perMinute, windowMs: o?.minuteMs ?? 60_000 },
  ];
}

const lowerSet = (xs: readonly string[] | undefined) => new Set((xs ?? []).map((x) => x.trim().toLowerCase()));

export function hunterConfig(opts: HunterSimOptions): HunterConfig {
  return {
    general: windows(opts.limits?.general, 15, 500),
    verifier: windows(opts.limits?.verifier, 10, 300),
    coverage: opts.coverage ?? 0.6,
    companyCoverage: opts.companyCoverage ?? 0.8,
    ...creditAllowances(opts.creditsPerKey, DEFAULT_CREDITS),
    optedOut: lowerSet(opts.optedOutEmails),
    optedOutShare: opts.optedOutShare ?? 0.01,
    slowVerify: {
      emails: lowerSet(opts.slowVerify?.emails),
      share: opts.slowVerify?.share ?? 0.05,
      pendingCalls: opts.slowVerify?.pendingCalls ?? 1,
    },
    smtpFailure: {
      emails: lowerSet(opts.smtpFailure?.emails),
      share: opts.smtpFailure?.share ?? 0.02,
      failCalls: opts.smtpFailure?.failCalls ?? Number.POSITIVE_INFINITY,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function keyOf(req: Request): string | null {
  const header = req.get('x-api-key');
  if (header && header.trim()) return header.trim();
  return param(req, 'api_key') ?? null;
}

function hunterError(res: Response, status: number, id: string, details: string): void {
  res.status(status).json({ errors: [{ id, code: status, details }] });
}

/** "https://www.Acme.com/x" → "acme.com"; undefined when it is not a host name. */
function cleanDomain(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const s = raw
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .split(/[/?#]/)[0]
    ?.replace(/^www\./, '')
    .replace(/\.$/, '');
  return s && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(s) ? s : undefined;
}

/** Hunter finds a domain from a company name; here: reverse companyFor() over a few TLDs. */
function domainForCompany(company: string): string | undefined {
  const wanted = company.trim().toLowerCase().replace(/\s+/g, ' ');
  const bare = wanted.replace(/\s+(inc|labs|gmbh|ltd|group)\.?$/, '');
  for (const sep of ['-', '_', '']) {
    const stem = bare.replace(/ /g, sep);
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(stem)) continue;
    for (const tld of ['example', 'com', 'io', 'co', 'net', 'org']) {
      const d = `${stem}.${tld}`;
      const name = companyFor(d).name.toLowerCase();
      if (name === wanted || (bare === wanted && name.startsWith(`${wanted} `))) return d;
    }
  }
  return undefined;
}

function employeesRange(n: number): string {
  const bands: [number, string][] = [[10, '1-10'], [50, '11-50'], [200, '51-200'], [500, '201-500'],
    [1000, '501-1000'], [5000, '1001-5000'], [10000, '5001-10000']];
  for (const [max, label] of bands) if (n <= max) return label;
  return '10001+';
}

function revenueRange(n: number): string {
  const bands: [number, string][] = [[1e6, '$0-$1M'], [1e7, '$1M-$10M'], [5e7, '$10M-$50M'], [1e8, '$50M-$100M'],
    [2.5e8, '$100M-$250M'], [5e8, '$250M-$500M'], [1e9, '$500M-$1B']];
  for (const [max, label] of bands) if (n <= max) return label;
  return '$1B+';
}

const isoDay = (...parts: string[]) =>
  new Date(Date.UTC(2025, 0, 1) + Math.floor(unit('hunter-day', ...parts) * 300) * 86_400_000).toISOString().slice(0, 10);

const slugOf = (url: string) => url.replace(/\/+$/, '').split('/').pop() ?? '';

const COUNTRY_CODES: Record<string, string> = {
  'United States': 'US', 'United Kingdom': 'GB', Germany: 'DE', Canada: 'CA', France: 'FR',
};

// ---------------------------------------------------------------------------------------------
// Response bodies from the world

function finderBody(p: WorldPerson, domain: string, score: number) {
  const e = p.email;
  const sourceCount = Math.floor(unit('hunter-sources', e) * 4);
  return {
    first_name: p.firstName,
    last_name: p.lastName,
    email: e,
    score,
    domain,
    accept_all: p.mailbox === 'accept_all',
    position: unit('hunter-position', e) < 0.85 ? p.title : null,
    twitter: unit('hunter-twitter', e) < 0.3 ? `${p.firstName}${p.lastName}`.toLowerCase().replace(/[^a-z]/g, '') : null,
    linkedin_url: unit('hunter-linkedin', e) < 0.7 ? p.linkedinUrl : null,
    phone_number: unit('hunter-phone', e) < 0.25 ? p.phone : null,
    company: p.company.name,
    sources: Array.from({ length: sourceCount }, (_, i) => ({
      domain,
      uri: `http://${domain}/team${i ? `/${i}` : ''}`,
      extracted_on: isoDay('extracted', e, String(i)),
      last_seen_on: isoDay('seen', e, String(i)),
      still_on_page: unit('hunter-still', e, String(i)) < 0.8,
    })),
    verification: {
      date: isoDay('verified', e),
      status: p.mailbox === 'valid' ? 'valid' : p.mailbox === 'accept_all' ? 'accept_all' : 'unknown',
    },
  };
}

function finderMiss(first: string | null, last: string | null, domain: string | null) {
  return {
    first_name: first,
    last_name: last,
    email: null,
    score: null,
    domain,
    accept_all: null,
    position: null,
    twitter: null,
    linkedin_url: null,
    phone_number: null,
    company: null,
    sources: [],
    verification: { date: null, status: null },
  };
}

type Mailbox = WorldPerson['mailbox'];

function mailboxOf(email: string): Mailbox {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (WEBMAIL.has(domain)) return 'webmail';
  if (DISPOSABLE.has(domain)) return 'disposable';
  const p = personByEmail(email);
  if (p) return p.mailbox;
  const r = unit('hunter-mailbox', email);
  return r < 0.45 ? 'valid' : r < 0.75 ? 'invalid' : r < 0.88 ? 'accept_all' : 'unknown';
}

function verifierBody(email: string) {
  const status = mailboxOf(email);
  const r = unit('hunter-verify-score', email);
  const score = Math.round(
    status === 'valid' ? 90 + r * 10
    : status === 'accept_all' ? 50 + r * 30
    : status === 'webmail' ? 60 + r * 30
    : status === 'unknown' ? 30 + r * 30
    : status === 'disposable' ? r * 30
    : r * 20,
  );
  return {
    status,
    result: status === 'valid' ? 'deliverable' : status === 'invalid' ? 'undeliverable' : 'risky',
    _deprecation_notice: 'Using result is deprecated, use status instead',
    score,
    email,
    regexp: true,
    gibberish: false,
    disposable: status === 'disposable',
    webmail: status === 'webmail',
    mx_records: status !== 'invalid' || r > 0.3,
    smtp_server: status !== 'invalid' || r > 0.3,
    smtp_check: status === 'valid' || status === 'webmail',
    accept_all: status === 'accept_all',
    block: false,
    sources: [],
  };
}

function personBody(p: WorldPerson) {
  const e = p.email;
  return {
    id: `hp_${Math.floor(unit('hunter-pid', e) * 1e12).toString(36)}`,
    name: { fullName: `${p.firstName} ${p.lastName}`, givenName: p.firstName, familyName: p.lastName },
    email: e,
    location: `${p.city}, ${p.state}, ${p.country}`,
    timeZone: null,
    utcOffset: null,
    geo: {
      city: p.city,
      state: p.state,
      stateCode: null,
      country: p.country,
      countryCode: COUNTRY_CODES[p.country] ?? null,
      lat: null,
      lng: null,
    },
    bio: null,
    site: null,
    avatar: null,
    employment: {
      domain: p.company.domain,
      name: p.company.name,
      title: p.title,
      role: null,
      subRole: null,
      seniority: p.seniority,
    },
    facebook: { handle: null },
    github: { handle: null, id: null, avatar: null, company: null, blog: null, followers: null, following: null },
    twitter: { handle: unit('hunter-twitter', e) < 0.3 ? `${p.firstName}${p.lastName}`.toLowerCase().replace(/[^a-z]/g, '') : null },
    // Hunter sends the bare profile slug.
    linkedin: { handle: unit('hunter-linkedin', e) < 0.9 ? slugOf(p.linkedinUrl) : null },
    googleplus: { handle: null },
    gravatar: { handle: null, urls: [], avatar: null, avatars: [] },
    fuzzy: false,
    emailProvider: null,
    indexedAt: isoDay('indexed', e),
    phone: unit('hunter-phone', e) < 0.25 ? p.phone : null,
    activeAt: isoDay('active', e),
    inactiveAt: null,
  };
}

function companyBody(c: WorldCompany) {
  const d = c.domain;
  const stem = slugOf(c.linkedinUrl);
  return {
    id: `hc_${Math.floor(unit('hunter-cid', d) * 1e12).toString(36)}`,
    name: c.name,
    legalName: unit('hunter-legal', d) < 0.5 ? c.name : null,
    domain: d,
    domainAliases: [],
    site: { phoneNumbers: [c.phone], emailAddresses: [`info@${d}`] },
    category: { sector: null, industryGroup: null, industry: c.industry, subIndustry: null, sicCode: null, naicsCode: null },
    tags: [],
    description: `${c.name} is a ${c.industry} company.`,
    foundedYear: 1990 + Math.floor(unit('hunter-founded', d) * 34),
    location: `${c.city}, ${c.state}, ${c.country}`,
    timeZone: null,
    utcOffset: null,
    geo: {
      streetNumber: null, streetName: null, subPremise: null, streetAddress: null, city: c.city, postalCode: null,
      state: c.state, stateCode: null, country: c.country, countryCode: COUNTRY_CODES[c.country] ?? null, lat: null, lng: null,
    },
    logo: null,
    facebook: { handle: null, likes: null },
    linkedin: { handle: `company/${stem}` },
    twitter: { handle: null, id: null, bio: null, followers: null, following: null, location: null, site: null, avatar: null },
    crunchbase: { handle: null },
    emailProvider: null,
    type: 'private',
    ticker: null,
    identifiers: { usEIN: null },
    phone: c.phone,
    metrics: {
      alexaUsRank: null,
      alexaGlobalRank: null,
      trafficRank: null,
      employees: employeesRange(c.employees),
      employeesRange: employeesRange(c.employees),
      marketCap: null,
      raised: null,
      annualRevenue: unit('hunter-revenue', d) < 0.5 ? c.annualRevenue : null,
      estimatedAnnualRevenue: revenueRange(c.annualRevenue),
      fiscalYearEnd: null,
    },
    indexedAt: isoDay('indexed', d),
    tech: c.tech,
    techCategories: [],
    parent: { domain: null },
    ultimateParent: { domain: null },
  };
}

// ---------------------------------------------------------------------------------------------
// The simulator

export function createHunterSim(opts: HunterSimOptions): HunterSim {
  const state: HunterSimState = Object.assign(createSimState('hunter', opts, true), {
    config: hunterConfig(opts),
    creditTenthsUsed: new Map<string, number>(),
    billedLookups: new Set<string>(),
    verifyCalls: new Map<string, number>(),
    planName: opts.planName ?? 'Growth',
    answerDrift: opts.answerDrift ?? {},
  });
  const validKeys = new Set(opts.validKeys);
  const cfg = () => state.config;

  const allowanceTenths = (key: string) => Math.round((cfg().creditsPerKey.get(key) ?? cfg().defaultCredits) * 10);
  const usedTenths = (key: string) => state.creditTenthsUsed.get(key) ?? 0;
  const lookupId = (key: string, op: HunterOperation, lookup: string) => `${key}|${op}|${lookup}`;

  /** A billable request the plan can no longer pay for (free repeats are always served). */
  function quotaRefused(res: Response, key: string, op: HunterOperation, lookup: string): boolean {
    if (state.billedLookups.has(lookupId(key, op, lookup))) return false;
    if (usedTenths(key) + COST_TENTHS[op] <= allowanceTenths(key)) return false;
    state.limitSignals++;
    const now = new Date();
    const reset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
    hunterError(res, 429, 'too_many_requests',
      `You have reached your monthly quota of requests. Upgrade your plan or wait for the reset on ${reset}.`);
    return true;
  }

  function bill(key: string, op: HunterOperation, lookup: string): void {
    if (state.billing.charge(key, op, lookup, COST_TENTHS[op] / 10)) {
      state.billedLookups.add(lookupId(key, op, lookup));
      state.creditTenthsUsed.set(key, usedTenths(key) + COST_TENTHS[op]);
    }
  }

  const optedOut = (email: string) =>
    cfg().optedOut.has(email) || unit('hunter-optout', email) < cfg().optedOutShare;

  function claimed(res: Response): void {
    hunterError(res, 451, 'claimed_email',
      'The person behind this email address asked us directly or indirectly to stop processing their personal data.');
  }

  /** Auth (401) then the endpoint's rate windows (403); true when the request may proceed. */
  function gate(req: Request, res: Response, endpoint: string, windows: RateWindowSpec[]): string | null {
    const key = keyOf(req);
    if (!key || !validKeys.has(key)) {
      hunterError(res, 401, 'authentication_failed', 'No user found for the API key supplied');
      return null;
    }
    const verdict = state.windows.check(`${key}|${endpoint}`, windows, arrivedAt(res));
    if (!verdict.ok) {
      state.limitSignals++;
      hunterError(res, 403, 'too_many_requests',
        `You have reached the rate limit for this endpoint (${verdict.window.limit} requests per ${verdict.window.name}).`);
      return null;
    }
    return key;
  }

  const app = simApp({ etag: true });
  app.use(faultAndLatency(state, keyOf));

  // Hunter-specific admin: credits (by key tail only, keys are never echoed) and a reset hook.
  app.get('/__sandbox/hunter', (_req, res) => {
    const credits = [...state.creditTenthsUsed.entries()].map(([k, t]) => ({
      keyTail: k.slice(-4),
      used: t / 10,
      allowance: allowanceTenths(k) / 10,
    }));
    res.json({ credits, limitSignals: state.limitSignals, verifyCalls: state.verifyCalls.size });
  });
  app.post('/__sandbox/hunter/config', express.json(), (req, res) => {
    const body = (req.body ?? {}) as Partial<Pick<HunterSimOptions, 'coverage' | 'companyCoverage' | 'optedOutShare'>> & {
      defaultCredits?: number;
    };
    const c = cfg();
    if (typeof body.coverage === 'number') c.coverage = body.coverage;
    if (typeof body.companyCoverage === 'number') c.companyCoverage = body.companyCoverage;
    if (typeof body.optedOutShare === 'number') c.optedOutShare = body.optedOutShare;
    if (typeof body.defaultCredits === 'number') c.defaultCredits = body.defaultCredits;
    res.json({ coverage: c.coverage, companyCoverage: c.companyCoverage, optedOutShare: c.optedOutShare, defaultCredits: c.defaultCredits });
  });
  app.use(answerDriftRoute(state, 'hunter'));
  app.use(
    adminRoutes(state, () => {
      state.creditTenthsUsed.clear();
      state.billedLookups.clear();
      state.verifyCalls.clear();
    }),
  );
  // Schema drift on demand: every 200 JSON answer of the vendor routes goes through answerDrift.
  app.use(applyAnswerDrift(state));

  // Account information: free, not counted against the plan or the rate windows (auth only).
  app.get('/v2/account', (req, res) => {
    const key = keyOf(req);
    if (!key || !validKeys.has(key)) {
      hunterError(res, 401, 'authentication_failed', 'No user found for the API key supplied');
      return;
    }
    const allowance = allowanceTenths(key) / 10;
    const billedOf = (op: HunterOperation) => state.billing.events.filter((e) => e.key === key && e.operation === op).length;
    const now = new Date();
    res.json({
      data: {
        first_name: 'Sandbox',
        last_name: 'User',
        email: `sandbox-${key.slice(-4)}@hunter-sim.example`,
        plan_name: state.planName,
        plan_level: 2,
        reset_date: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10),
        team_id: 1,
        calls: { used: billedOf('email_finder') + billedOf('email_verifier'), available: allowance },
        requests: {
          searches: { used: billedOf('email_finder'), available: allowance },
          verifications: { used: billedOf('email_verifier'), available: allowance },
          credits: { used: usedTenths(key) / 10, available: allowance },
        },
      },
    });
  });

  app.get('/v2/email-finder', (req, res) => {
    const key = gate(req, res, 'email-finder', cfg().general);
    if (!key) return;
    let first = param(req, 'first_name');
    let last = param(req, 'last_name');
    const full = param(req, 'full_name');
    if ((!first || !last) && full) {
      const parts = full.split(/\s+/);
      first = parts[0];
      last = parts.slice(1).join(' ') || undefined;
    }
    const rawDomain = param(req, 'domain');
    const company = param(req, 'company');
    if (!rawDomain && !company) return hunterError(res, 400, 'wrong_params', 'You are missing the domain or the company parameter');
    if (!first || !last) return hunterError(res, 400, 'wrong_params', 'You are missing the first_name and last_name or the full_name parameter');
    const domain = rawDomain ? cleanDomain(rawDomain) : domainForCompany(company ?? '');
    if (rawDomain && !domain) return hunterError(res, 400, 'invalid_domain', 'The domain parameter is not a valid domain name');

    const lookup = `name:${first.toLowerCase()}|${last.toLowerCase()}|${domain ?? `company:${(company ?? '').toLowerCase()}`}`;
    if (quotaRefused(res, key, 'email_finder', lookup)) return;
    const meta = { params: { first_name: first, last_name: last, full_name: full ?? null, domain: domain ?? null, company: company ?? null, max_duration: null } };

    const person = domain ? personByName(first, last, domain) : null;
    if (person && optedOut(person.email)) return claimed(res);
    const known = person && person.mailbox !== 'invalid' && vendorKnows('hunter', person.email, cfg().coverage);
    if (!person || !known || !domain) {
      res.json({ data: finderMiss(first, last, domain ?? null), meta });
      return;
    }
    const r = unit('hunter-finder-score', person.email);
    const score = Math.round(person.mailbox === 'valid' ? 80 + r * 19 : person.mailbox === 'accept_all' ? 40 + r * 30 : 25 + r * 30);
    bill(key, 'email_finder', lookup);
    res.json({ data: finderBody(person, domain, score), meta });
  });

  app.get('/v2/email-verifier', (req, res) => {
    const key = gate(req, res, 'email-verifier', cfg().verifier);
    if (!key) return;
    const raw = param(req, 'email');
    if (!raw) return hunterError(res, 400, 'wrong_params', 'You are missing the email parameter');
    const email = raw.toLowerCase();
    if (!EMAIL_RE.test(email)) return hunterError(res, 400, 'invalid_email', 'The email parameter is not a valid email address');
    if (quotaRefused(res, key, 'email_verifier', email)) return;
    if (optedOut(email)) return claimed(res);

    const calls = (state.verifyCalls.get(email) ?? 0) + 1;
    state.verifyCalls.set(email, calls);
    // A slow address answers 202 for its first `pendingCalls` calls; an SMTP failure then answers 222
    // for the next `failCalls` calls; after that the verification completes.
    const slow = cfg().slowVerify;
    const pendingCalls = slow.emails.has(email) || unit('hunter-slow', email) < slow.share ? slow.pendingCalls : 0;
    if (calls <= pendingCalls) {
      hunterError(res, 202, 'verification_in_progress', 'The verification is still in progress. Please retry the same request later.');
      return;
    }
    const smtp = cfg().smtpFailure;
    if ((smtp.emails.has(email) || unit('hunter-smtp', email) < smtp.share) && calls - pendingCalls <= smtp.failCalls) {
      hunterError(res, 222, 'smtp_failure', 'The verification failed because of an unexpected response from the remote SMTP server. Please retry later.');
      return;
    }
    bill(key, 'email_verifier', email);
    res.json({ data: verifierBody(email), meta: { params: { email } } });
  });

  app.get('/v2/people/find', (req, res) => {
    const key = gate(req, res, 'people-find', cfg().general);
    if (!key) return;
    const raw = param(req, 'email');
    if (!raw) return hunterError(res, 400, 'wrong_params', 'You are missing the email parameter');
    const email = raw.toLowerCase();
    if (!EMAIL_RE.test(email)) return hunterError(res, 400, 'invalid_email', 'The email parameter is not a valid email address');
    if (quotaRefused(res, key, 'people_find', email)) return;
    if (optedOut(email)) return claimed(res);
    const person = personByEmail(email);
    if (!person || !vendorKnows('hunter', person.email, cfg().coverage)) {
      return hunterError(res, 404, 'not_found', 'No person was found for this email address');
    }
    bill(key, 'people_find', email);
    res.json({ data: personBody(person), meta: { email } });
  });

  app.get('/v2/companies/find', (req, res) => {
    const key = gate(req, res, 'companies-find', cfg().general);
    if (!key) return;
    const raw = param(req, 'domain');
    if (!raw) return hunterError(res, 400, 'wrong_params', 'You are missing the domain parameter');
    const domain = cleanDomain(raw);
    if (!domain) return hunterError(res, 400, 'invalid_domain', 'The domain parameter is not a valid domain name');
    if (quotaRefused(res, key, 'companies_find', domain)) return;
    if (WEBMAIL.has(domain) || DISPOSABLE.has(domain) || !vendorKnows('hunter-company', domain, cfg().companyCoverage)) {
      return hunterError(res, 404, 'not_found', 'No company was found for this domain name');
    }
    bill(key, 'companies_find', domain);
    res.json({ data: companyBody(companyFor(domain)), meta: { domain } });
  });

  app.use((_req, res) => hunterError(res, 404, 'route_not_found', 'This route does not exist'));

  return { app, state, start: (port?: number) => listen(app, port ?? 0) };
}
