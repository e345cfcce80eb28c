// People Data Labs simulator (VENDORS.md "People Data Labs"): a real HTTP server with PDL's paths under
// /v5 — GET (or POST) /person/enrich, POST /person/bulk, GET (or POST) /company/enrich, POST
// /company/enrich/bulk — and what Cascade depends on:
// - auth by the `X-Api-Key` header (or `api_key` query parameter); 401 `authentication_error` otherwise;
// - a hit is 200 `{"status": 200, "likelihood": n, "data": {...}}` (a company: its fields at the top
//   level), values in lower case as PDL sends them without `titlecase`; a miss, and a match below the
//   request's `min_likelihood` (default 2), is 404 `{"status": 404, "error": {"type": "not_found"}}`;
// - bulk: `{"requests": [{"params", "metadata"}]}` of 1–100 entries (otherwise 400
//   `invalid_request_error`), answered with an array in request order, each entry with its own status
//   and the request's metadata echoed; a bulk is billed per 200 entry;
// - a fixed minute window per key and endpoint (1,000 by default, configurable and shrinkable): every
//   answer after auth carries `x-ratelimit-limit` / `x-ratelimit-remaining` as Python dicts
//   (`{'minute': 998, 'day': None, 'month': None}`) and `x-ratelimit-reset`, the window's end as an
//   ISO-8601 UTC timestamp; over the limit → 429 `rate_limit_error`;
// - credits per key and product (person `enrich`, company `enrich_company`): `x-totallimit-remaining`,
//   `x-call-credits-spent`, `x-call-credits-type` on every answer; a key in `exhaustedKeys`, or whose
//   credits are used up, gets 402 `payment_required`;
// - the free key check: a bare GET /v5/person/enrich (no parameters) is answered 400
//   `invalid_request_error` after auth, with the headers, and never billed;
// - billing: one credit per 200 (single or bulk entry), nothing for a 404 or an error; PDL bills the
//   same profile again when asked again, so the BillingCounter does not make repeats free;
// - keys on `freePlanKeys` get contact fields as `true` instead of values, as PDL does on plans without
//   access to them;
// - schema drift on demand (`answerDrift`, or POST /__sandbox/pdl/drift), applied to every 200 answer
//   and to every entry of a bulk answer (paths relative to the entry: `data.new_field`);
// - injected faults and latency (common.ts).
//
// Data comes from world.ts: PDL "knows" a stable, seeded share of the world's people (`coverage`) and
// companies (`companyCoverage`); each known person has a fixed likelihood (pdlLikelihood). Person
// lookups: email | first_name + last_name (or name) + company (a domain or a company name) | profile
// (a LinkedIn URL of someone this simulator has already returned: a slug cannot be inverted).
import type express from 'express';
import type { Request, Response } from 'express';
import { companyFor, personByEmail, personByName, unit, vendorKnows } from '../world.ts';
import type { WorldCompany, WorldPerson } from '../world.ts';
import type { AnswerDrift } from './common.ts';
import {
  adminRoutes,
  answerDriftRoute,
  arrivedAt,
  createSimState,
  domainForCompanyName,
  faultAndLatency,
  lc,
  listen,
  parserErrors,
  sha256Hex,
  simApp,
  simDomain as hostOf,
  simLinkedin,
  withAnswerDrift,
} from './common.ts';
import type { RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

export type PdlEndpoint = 'person/enrich' | 'person/bulk' | 'company/enrich' | 'company/enrich/bulk';
export const PDL_ENDPOINTS: readonly PdlEndpoint[] = ['person/enrich', 'person/bulk', 'company/enrich', 'company/enrich/bulk'];

/** Requests per minute window, per key and endpoint: PDL's paid-plan figure. */
export const PDL_SIM_DEFAULT_PER_MINUTE: Readonly<Record<PdlEndpoint, number>> = {
  'person/enrich': 1_000,
  'person/bulk': 1_000,
  'company/enrich': 1_000,
  'company/enrich/bulk': 1_000,
};

export const PDL_SIM_BULK_MAX = 100;
/** PDL's default `min_likelihood` when a request sends none. */
export const PDL_SIM_DEFAULT_MIN_LIKELIHOOD = 2;

type CreditType = 'enrich' | 'enrich_company';

export interface PdlSimOptions extends SimOptions {
  /** Per-endpoint overrides of the minute window (merged over PDL_SIM_DEFAULT_PER_MINUTE). */
  perMinute?: Partial<Record<PdlEndpoint, number>>;
  /** Length of the "minute" window in ms (default 60,000; tests shrink it). Windows stay clock-aligned. */
  windowMs?: number;
  /** Share of the world's people PDL knows (default 0.8). */
  coverage?: number;
  /** Share of the world's companies PDL knows (default 0.85). */
  companyCoverage?: number;
  /** Valid keys whose credits are used up: 402 `payment_required` on every enrichment. */
  exhaustedKeys?: string[];
  /** Credits per key and product for the period (default 100,000); at 0 the key gets 402. */
  creditsPerKey?: number;
  /** Keys on the free plan: contact fields (work_email, mobile_phone, …) come as `true`. */
  freePlanKeys?: string[];
  /** Keys added to / removed from every 200 answer and every bulk entry (schema drift on demand). */
  answerDrift?: AnswerDrift;
}

export interface PdlSimState extends SimState {
  perMinute: Record<PdlEndpoint, number>;
  windowMs: number;
  coverage: number;
  companyCoverage: number;
  validKeys: Set<string>;
  exhaustedKeys: Set<string>;
  freePlanKeys: Set<string>;
  creditsPerKey: number;
  /** Credits used per `key|type` in the period. */
  creditsUsed: Map<string, number>;
  answerDrift: AnswerDrift;
}

export interface PdlSim {
  app: express.Express;
  state: PdlSimState;
  /** Listens on 127.0.0.1 (port 0 = any free port); the client base URL is `${url}/v5`. */
  start(port?: number): Promise<RunningServer>;
}

// ---------------------------------------------------------------------------------------------
// Deterministic facts PDL holds about the world

/** The likelihood (1–10) PDL gives its match of a person: 3–10, fixed per person. */
export function pdlLikelihood(email: string): number {
  return 3 + Math.floor(unit('pdl-likelihood', email.toLowerCase()) * 8);
}

/** The likelihood of a company match: 7–10 (a website is a strong identifier). */
export function pdlCompanyLikelihood(domain: string): number {
  return 7 + Math.floor(unit('pdl-company-likelihood', domain.toLowerCase()) * 4);
}

/** Whether PDL holds a work e-mail for the person (85 %). */
export const pdlHasWorkEmail = (p: WorldPerson) => unit('pdl-work-email', p.email) < 0.85;
/** Whether PDL holds a mobile number for the person (60 %). */
export const pdlHasMobile = (p: WorldPerson) => unit('pdl-mobile', p.email) < 0.6;

/** World seniority → PDL's job_title_levels. */
const LEVELS: Record<string, string[]> = {
  c_suite: ['cxo'],
  founder: ['owner'],
  vp: ['vp'],
  head: ['director'],
  director: ['director'],
  manager: ['manager'],
  senior: ['senior'],
  entry: ['entry'],
};

export function pdlSizeRange(n: number): string {
  const bands: [number, string][] = [[10, '1-10'], [50, '11-50'], [200, '51-200'], [500, '201-500'],
    [1000, '501-1000'], [5000, '1001-5000'], [10000, '5001-10000']];
  for (const [max, label] of bands) if (n <= max) return label;
  return '10001+';
}

export function pdlRevenueRange(n: number): string {
  const bands: [number, string][] = [[1e6, '$0-$1M'], [1e7, '$1M-$10M'], [2.5e7, '$10M-$25M'], [5e7, '$25M-$50M'],
    [1e8, '$50M-$100M'], [2.5e8, '$100M-$250M'], [5e8, '$250M-$500M'], [1e9, '$500M-$1B'], [1e10, '$1B-$10B']];
  for (const [max, label] of bands) if (n <= max) return label;
  return '$10B+';
}

const hexId = (...parts: string[]) => sha256Hex(...parts).slice(0, 24);
const noScheme = (url: string) => url.replace(/^https?:\/\/(www\.)?/, '');
const slugOf = (url: string) => url.replace(/\/+$/, '').split('/').pop() ?? '';

/** PDL also drops a trailing dot ("acme.com."). */
const simDomain = (raw: string): string => hostOf(raw).replace(/\.$/, '');

const isDomain = (s: string) => /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(s);


// ---------------------------------------------------------------------------------------------
// Request parameters (query string, JSON body or a bulk entry's `params`; values may be arrays)

type Params = Record<string, unknown>;

function param(params: Params, name: string): string | undefined {
  const raw = params[name];
  const v = Array.isArray(raw) ? raw.find((x) => typeof x === 'string' || typeof x === 'number') : raw;
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function minLikelihood(params: Params): number {
  const n = Number(param(params, 'min_likelihood'));
  return Number.isInteger(n) && n >= 0 && n <= 10 ? n : PDL_SIM_DEFAULT_MIN_LIKELIHOOD;
}

interface PersonQuery {
  email?: string;
  first?: string;
  last?: string;
  company?: string;
  profile?: string;
}

function personQuery(params: Params): PersonQuery {
  const q: PersonQuery = {};
  const email = param(params, 'email');
  if (email) q.email = email;
  let first = param(params, 'first_name');
  let last = param(params, 'last_name');
  const name = param(params, 'name');
  if ((!first || !last) && name) {
    const parts = lc(name).split(' ');
    if (parts.length >= 2) {
      first = parts[0];
      last = parts.slice(1).join(' ');
    }
  }
  if (first) q.first = first;
  if (last) q.last = last;
  const company = param(params, 'company');
  if (company) q.company = company;
  const profile = param(params, 'profile');
  if (profile) q.profile = profile;
  return q;
}

/** The lookup a person query makes, in the adapter's canonical spelling (the billing key); null = not enough. */
export function pdlPersonLookupKey(q: PersonQuery): string | null {
  if (q.email) return `email:${lc(q.email)}`;
  if (q.first && q.last && q.company) {
    const d = simDomain(q.company);
    return isDomain(d) ? `name:${lc(q.first)}|${lc(q.last)}|${d}` : `name:${lc(q.first)}|${lc(q.last)}|company:${lc(q.company)}`;
  }
  if (q.profile) return `linkedin:${simLinkedin(q.profile, 'in') ?? lc(q.profile)}`;
  return null;
}

const NOT_ENOUGH_PERSON =
  'Request must contain at least one of: profile, email, phone, email_hash, lid, pdl_id; or name (or first_name and last_name) with company, school or location';

// ---------------------------------------------------------------------------------------------
// Bodies in PDL's shapes (lower case: titlecase is off)

const pdlError = (status: number, type: string, message: string) => ({ status, error: { type, message } });
const NOT_FOUND = pdlError(404, 'not_found', 'No records were found matching your request');

function personData(p: WorldPerson, freePlan: boolean): Record<string, unknown> {
  const c = p.company;
  const email = pdlHasWorkEmail(p) ? p.email : null;
  const mobile = pdlHasMobile(p) ? p.phone.replace(/[^\d+]/g, '') : null;
  const linkedin = noScheme(p.linkedinUrl);
  const companyLinkedin = noScheme(c.linkedinUrl);
  const location = [p.city, p.state, p.country].map((x) => x.toLowerCase());
  const contact = <T>(v: T): T | boolean => (freePlan ? v !== null && !(Array.isArray(v) && v.length === 0) : v);
  const size = pdlSizeRange(c.employees);
  return {
    id: hexId('pdl-person', p.email),
    full_name: `${p.firstName} ${p.lastName}`.toLowerCase(),
    first_name: p.firstName.toLowerCase(),
    middle_initial: null,
    middle_name: null,
    last_initial: p.lastName.charAt(0).toLowerCase(),
    last_name: p.lastName.toLowerCase(),
    sex: null,
    birth_year: null,
    birth_date: null,
    linkedin_url: linkedin,
    linkedin_username: slugOf(linkedin),
    linkedin_id: null,
    facebook_url: null,
    facebook_username: null,
    facebook_id: null,
    twitter_url: null,
    twitter_username: null,
    github_url: null,
    github_username: null,
    work_email: contact(email),
    personal_emails: contact([]),
    recommended_personal_email: contact(null),
    mobile_phone: contact(mobile),
    industry: c.industry,
    job_title: p.title.toLowerCase(),
    job_title_role: null,
    job_title_sub_role: null,
    job_title_class: null,
    job_title_levels: LEVELS[p.seniority] ?? [],
    job_company_id: hexId('pdl-company', c.domain),
    job_company_name: c.name.toLowerCase(),
    job_company_website: c.domain,
    job_company_size: size,
    job_company_employee_count: null,
    job_company_founded: 1990 + Math.floor(unit('pdl-founded', c.domain) * 34),
    job_company_industry: c.industry,
    job_company_linkedin_url: companyLinkedin,
    job_company_linkedin_id: null,
    job_company_facebook_url: null,
    job_company_twitter_url: null,
    job_company_inferred_revenue: pdlRevenueRange(c.annualRevenue),
    job_company_location_name: [c.city, c.state, c.country].join(', ').toLowerCase(),
    job_company_location_locality: c.city.toLowerCase(),
    job_company_location_region: c.state.toLowerCase(),
    job_company_location_country: c.country.toLowerCase(),
    job_start_date: null,
    job_last_changed: null,
    job_last_verified: null,
    location_name: location.join(', '),
    location_locality: location[0],
    location_region: location[1],
    location_country: location[2],
    location_metro: null,
    location_geo: null,
    location_continent: p.country === 'United States' || p.country === 'Canada' ? 'north america' : 'europe',
    location_last_updated: null,
    phone_numbers: contact(mobile ? [mobile] : []),
    emails: contact(email ? [{ address: email, type: 'current_professional' }] : []),
    interests: [],
    skills: [],
    location_names: [location.join(', ')],
    regions: [],
    countries: [location[2]],
    street_addresses: [],
    experience: [
      {
        company: { name: c.name.toLowerCase(), website: c.domain, size, industry: c.industry, linkedin_url: companyLinkedin },
        title: { name: p.title.toLowerCase(), levels: LEVELS[p.seniority] ?? [], role: null, sub_role: null },
        is_primary: true,
        start_date: null,
        end_date: null,
      },
    ],
    education: [],
    profiles: [{ network: 'linkedin', url: linkedin, username: slugOf(linkedin) }],
  };
}

function companyData(c: WorldCompany): Record<string, unknown> {
  const d = c.domain;
  return {
    id: hexId('pdl-company', d),
    name: c.name.toLowerCase(),
    display_name: c.name,
    size: pdlSizeRange(c.employees),
    employee_count: c.employees,
    founded: 1990 + Math.floor(unit('pdl-founded', d) * 34),
    industry: c.industry,
    naics: null,
    sic: null,
    location: {
      name: [c.city, c.state, c.country].join(', ').toLowerCase(),
      locality: c.city.toLowerCase(),
      region: c.state.toLowerCase(),
      metro: null,
      country: c.country.toLowerCase(),
      continent: null,
      street_address: null,
      address_line_2: null,
      postal_code: null,
      geo: null,
    },
    linkedin_id: null,
    linkedin_url: noScheme(c.linkedinUrl),
    linkedin_slug: slugOf(c.linkedinUrl),
    facebook_url: null,
    twitter_url: null,
    profiles: [noScheme(c.linkedinUrl)],
    website: d,
    ticker: null,
    type: 'private',
    summary: `${c.name.toLowerCase()} is a ${c.industry} company`,
    tags: [c.industry],
    headline: null,
    alternative_names: [],
    alternative_domains: [],
    affiliated_profiles: [],
    inferred_revenue: pdlRevenueRange(c.annualRevenue),
    technologies_used: c.tech.map((name) => ({ name, num_job_posting_mentions: null, num_resume_mentions: null, product_id: null })),
  };
}

const DATASET_VERSION = '31.1';

// ---------------------------------------------------------------------------------------------

export function createPdlSim(opts: PdlSimOptions): PdlSim {
  const base = createSimState('pdl', opts);
  const state: PdlSimState = Object.assign(base, {
    perMinute: { ...PDL_SIM_DEFAULT_PER_MINUTE, ...opts.perMinute },
    windowMs: opts.windowMs ?? 60_000,
    coverage: opts.coverage ?? 0.8,
    companyCoverage: opts.companyCoverage ?? 0.85,
    validKeys: new Set(opts.validKeys),
    exhaustedKeys: new Set(opts.exhaustedKeys ?? []),
    freePlanKeys: new Set(opts.freePlanKeys ?? []),
    creditsPerKey: opts.creditsPerKey ?? 100_000,
    creditsUsed: new Map<string, number>(),
    answerDrift: opts.answerDrift ?? {},
  });
  /** People returned so far, by LinkedIn URL (for profile-only lookups). */
  const seenByLinkedin = new Map<string, WorldPerson>();
  const lifetime = new Map<string, number>();

  const keyOf = (req: Request): string | null => {
    const h = req.get('x-api-key');
    if (h && h.trim()) return h.trim();
    const q = req.query.api_key;
    return typeof q === 'string' && q.trim() ? q.trim() : null;
  };

  const creditsLeft = (key: string, type: CreditType) => Math.max(0, state.creditsPerKey - (state.creditsUsed.get(`${key}|${type}`) ?? 0));

  const pyDict = (minute: number) => `{'minute': ${minute}, 'day': None, 'month': None}`;
  const isoSeconds = (t: number) => new Date(t).toISOString().replace(/\.000Z$/, 'Z');

  /**
   * Auth, the minute window and credits, in PDL's order. Returns the key when the request may
   * proceed; otherwise the answer has been sent.
   */
  function admit(req: Request, res: Response, ep: PdlEndpoint, type: CreditType): string | null {
    const key = keyOf(req);
    if (!key || !state.validKeys.has(key)) {
      res.status(401).json(pdlError(401, 'authentication_error', 'Request contained a missing or invalid key'));
      return null;
    }
    const window: RateWindowSpec = { name: 'minute', limit: state.perMinute[ep], windowMs: state.windowMs };
    const now = arrivedAt(res);
    const verdict = state.windows.check(`${ep}#${hexId('key', key)}`, [window], now);
    const slotEnd = (Math.floor(now / state.windowMs) + 1) * state.windowMs;
    res.set('x-ratelimit-limit', pyDict(window.limit));
    res.set('x-ratelimit-remaining', pyDict(verdict.ok ? (verdict.remaining.minute ?? 0) : 0));
    res.set('x-ratelimit-reset', isoSeconds(verdict.ok ? slotEnd : verdict.resetAt));
    res.set('x-call-credits-type', type);
    res.set('x-call-credits-spent', '0');
    res.set('x-totallimit-remaining', String(creditsLeft(key, type)));
    res.set('x-lifetime-used', String(lifetime.get(key) ?? 0));
    if (!verdict.ok) {
      state.limitSignals++;
      res.status(429).json(pdlError(429, 'rate_limit_error', 'An error occurred due to requests hitting the API too quick'));
      return null;
    }
    if (state.exhaustedKeys.has(key) || creditsLeft(key, type) <= 0) {
      res.set('x-totallimit-remaining', '0');
      res.status(402).json(pdlError(402, 'payment_required', 'You have hit your account maximum (all matches used)'));
      return null;
    }
    return key;
  }

  /** Bills `hits` matches of `type` and writes the credit headers. */
  function spend(res: Response, key: string, type: CreditType, hits: number): void {
    state.creditsUsed.set(`${key}|${type}`, (state.creditsUsed.get(`${key}|${type}`) ?? 0) + hits);
    lifetime.set(key, (lifetime.get(key) ?? 0) + hits);
    res.set('x-call-credits-spent', String(hits));
    res.set('x-totallimit-remaining', String(creditsLeft(key, type)));
    res.set('x-lifetime-used', String(lifetime.get(key) ?? 0));
  }

  function resolvePerson(q: PersonQuery): WorldPerson | null {
    let p: WorldPerson | null = null;
    if (q.email) p = personByEmail(q.email);
    else if (q.first && q.last && q.company) {
      const d = simDomain(q.company);
      const domain = isDomain(d) ? d : domainForCompanyName(q.company);
      if (domain) p = personByName(q.first, q.last, domain);
    } else if (q.profile) {
      const li = simLinkedin(q.profile, 'in');
      p = li ? (seenByLinkedin.get(li) ?? null) : null;
    }
    if (!p || !vendorKnows('pdl', p.email, state.coverage)) return null;
    return p;
  }

  /** One person enrichment: [status, body]. Bills a 200. */
  function enrichPerson(key: string, params: Params): { status: number; body: Record<string, unknown> } {
    const q = personQuery(params);
    const lookupKey = pdlPersonLookupKey(q);
    if (!lookupKey) return { status: 400, body: pdlError(400, 'invalid_request_error', NOT_ENOUGH_PERSON) };
    const p = resolvePerson(q);
    if (!p) return { status: 404, body: NOT_FOUND };
    const likelihood = pdlLikelihood(p.email);
    if (likelihood < minLikelihood(params)) return { status: 404, body: NOT_FOUND };
    const li = simLinkedin(p.linkedinUrl, 'in');
    if (li) seenByLinkedin.set(li, p);
    state.billing.charge(key, 'person_enrich', lookupKey, 1);
    return {
      status: 200,
      body: { status: 200, likelihood, data: personData(p, state.freePlanKeys.has(key)), dataset_version: DATASET_VERSION },
    };
  }

  /** One company enrichment: website | name | profile (a company seen before). Bills a 200. */
  const seenCompanyByLinkedin = new Map<string, string>();
  function enrichCompany(key: string, params: Params): { status: number; body: Record<string, unknown> } {
    const website = param(params, 'website');
    const name = param(params, 'name');
    const profile = param(params, 'profile');
    let domain: string | undefined;
    if (website) domain = simDomain(website);
    else if (name) domain = domainForCompanyName(name);
    else if (profile) {
      const li = simLinkedin(profile, 'company');
      domain = li ? seenCompanyByLinkedin.get(li) : undefined;
    }
    if (!website && !name && !profile && !param(params, 'ticker') && !param(params, 'pdl_id')) {
      return { status: 400, body: pdlError(400, 'invalid_request_error', 'Request must contain at least one of: pdl_id, name, profile, ticker, website') };
    }
    if (!domain || !isDomain(domain) || !vendorKnows('pdl', `company:${domain}`, state.companyCoverage)) return { status: 404, body: NOT_FOUND };
    const likelihood = pdlCompanyLikelihood(domain);
    if (likelihood < minLikelihood(params)) return { status: 404, body: NOT_FOUND };
    const c = companyFor(domain);
    const li = simLinkedin(c.linkedinUrl, 'company');
    if (li) seenCompanyByLinkedin.set(li, domain);
    state.billing.charge(key, 'company_enrich', `domain:${domain}`, 1);
    return { status: 200, body: { status: 200, likelihood, ...companyData(c), dataset_version: DATASET_VERSION } };
  }

  const paramsOf = (req: Request): Params => {
    const body = req.method === 'POST' && req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {};
    return { ...(req.query as Params), ...body };
  };

  function single(ep: PdlEndpoint, type: CreditType, enrich: (key: string, params: Params) => { status: number; body: Record<string, unknown> }) {
    return (req: Request, res: Response) => {
      const key = admit(req, res, ep, type);
      if (!key) return;
      const { status, body } = enrich(key, paramsOf(req));
      if (status === 200) spend(res, key, type, 1);
      res.status(status).json(status === 200 ? withAnswerDrift(body, state.answerDrift) : body);
    };
  }

  /** A bulk endpoint: person entries carry the record in `data` as the single answer does, company entries flat. */
  function bulk(ep: PdlEndpoint, type: CreditType, enrich: (key: string, params: Params) => { status: number; body: Record<string, unknown> }) {
    return (req: Request, res: Response) => {
      const key = admit(req, res, ep, type);
      if (!key) return;
      const requests: unknown = (req.body as { requests?: unknown } | undefined)?.requests;
      if (!Array.isArray(requests) || requests.length === 0 || requests.length > PDL_SIM_BULK_MAX) {
        const got = Array.isArray(requests) ? `${requests.length} were sent` : 'none was sent';
        res.status(400).json(pdlError(400, 'invalid_request_error', `requests must be an array of 1 to ${PDL_SIM_BULK_MAX} request objects; ${got}`));
        return;
      }
      let hits = 0;
      const out = requests.map((r) => {
        const entry = r && typeof r === 'object' && !Array.isArray(r) ? (r as { params?: unknown; metadata?: unknown }) : {};
        const meta = entry.metadata === undefined ? {} : { metadata: entry.metadata };
        if (!entry.params || typeof entry.params !== 'object' || Array.isArray(entry.params)) {
          return { ...pdlError(400, 'invalid_request_error', 'Each request must contain a params object'), ...meta };
        }
        const { status, body } = enrich(key, entry.params as Params);
        if (status !== 200) return { ...body, ...meta };
        hits++;
        return withAnswerDrift({ ...body, ...meta }, state.answerDrift);
      });
      spend(res, key, type, hits);
      res.status(200).json(out);
    };
  }

  const methodNotAllowed = (_req: Request, res: Response) => {
    res.status(405).json(pdlError(405, 'invalid_request_error', 'Request method is not allowed on the requested resource'));
  };

  const app = simApp({ jsonLimit: '5mb' });
  app.use(adminRoutes(state));
  app.use(answerDriftRoute(state, 'pdl'));
  app.get('/__sandbox/pdl/credits', (_req, res) => {
    // Keys by their last four characters only, as the request log shows them.
    const used: Record<string, number> = {};
    for (const [id, n] of state.creditsUsed) {
      const [key = '', type = ''] = id.split('|');
      used[`${key.slice(-4)}|${type}`] = n;
    }
    res.json({ creditsPerKey: state.creditsPerKey, used });
  });
  app.use(faultAndLatency(state, keyOf));

  const person = single('person/enrich', 'enrich', enrichPerson);
  app.get('/v5/person/enrich', person);
  app.post('/v5/person/enrich', person);
  app.post('/v5/person/bulk', bulk('person/bulk', 'enrich', enrichPerson));
  app.all('/v5/person/bulk', methodNotAllowed);
  const company = single('company/enrich', 'enrich_company', enrichCompany);
  app.get('/v5/company/enrich', company);
  app.post('/v5/company/enrich', company);
  app.post('/v5/company/enrich/bulk', bulk('company/enrich/bulk', 'enrich_company', enrichCompany));
  app.all('/v5/company/enrich/bulk', methodNotAllowed);

  app.use((req, res) => {
    res.status(404).json(pdlError(404, 'invalid_request_error', `No route for ${req.method} ${req.path}`));
  });
  // Malformed JSON and other parser errors: PDL answers 400 invalid_request_error.
  app.use(parserErrors((res, status, message) => res.status(status).json(pdlError(status, status < 500 ? 'invalid_request_error' : 'api_error', message))));

  return { app, state, start: (port = 0) => listen(app, port) };
}
