// Apollo simulator (VENDORS.md "Apollo"): a real HTTP server with Apollo's paths under /api/v1, its
// auth rejection, hit and both miss forms, clock-aligned minute/hour/day windows per endpoint and key
// with the `x-rate-limit-*`, `x-*-usage` and `x-*-requests-left` headers and the 429 body that names
// the window, the 10-record cap of both bulk endpoints (people/bulk_match, organizations/bulk_enrich,
// whose answers leave misses out), Apollo's billing (1 credit per record returned, misses free), the
// free key check GET /auth/health, injected faults and latency.
//
// Schema drift on demand: `answerDrift` (or POST /__sandbox/apollo/drift) adds keys to, or removes
// keys from, every 200 JSON answer, so tests can see the adapter report drift.
//
// Data comes from world.ts: Apollo "knows" a stable, seeded share (`coverage`) of the world's people
// and companies. Three lookup forms, as Apollo accepts them (JSON body or query string):
//   email | first_name + last_name + domain (or organization_name) | linkedin_url.
// organization_name is resolved back to a world domain (`<stem>.example` or `<stem>.com` whose
// company has that exact name). A LinkedIn-only lookup finds people this simulator has already
// returned (a LinkedIn slug cannot be inverted to a company domain); otherwise it is a miss.
import type express from 'express';
import type { Request, Response } from 'express';
import { companyFor, personByEmail, personByName, unit, vendorKnows } from '../world.ts';
import type { WorldCompany, WorldPerson } from '../world.ts';
import {
  adminRoutes,
  answerDriftRoute,
  applyAnswerDrift,
  arrivedAt,
  createSimState,
  domainForCompanyName as domainForOrganizationName,
  faultAndLatency,
  lc,
  listen,
  nonEmpty as str,
  parserErrors,
  sha256Hex,
  simApp,
  simDomain,
  simLinkedin,
  WindowsLeft,
} from './common.ts';
import type { AnswerDrift, RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

export type ApolloEndpoint = 'people/match' | 'people/bulk_match' | 'organizations/enrich' | 'organizations/bulk_enrich';
export const APOLLO_ENDPOINTS: readonly ApolloEndpoint[] = [
  'people/match',
  'people/bulk_match',
  'organizations/enrich',
  'organizations/bulk_enrich',
];

/** Requests per window; a non-finite or ≤ 0 limit means "no such window" (current paid plans). */
export interface ApolloWindowLimits {
  minute: number;
  hour: number;
  day: number;
}

/**
 * The simulator's default windows. Apollo's documented figures (free plan 50/min, 200/h, 600/day;
 * VENDORS.md's example 50/min, 100/h, 300/day) starve a demo, so the defaults are a generous paid
 * plan: 1,000/min on single enrichment, bulk at half the per-minute limit as Apollo documents, with
 * hourly/daily caps high enough for the benchmark but present so the headers are real. They are all
 * above the adapter's default pacing (server/vendors/apollo/adapter.ts), so a default engine never
 * sees a 429; configure `rateLimits` to make the simulator stricter than the engine.
 */
export const APOLLO_SIM_DEFAULT_LIMITS: Readonly<Record<ApolloEndpoint, ApolloWindowLimits>> = {
  'people/match': { minute: 1_000, hour: 6_000, day: 50_000 },
  'people/bulk_match': { minute: 500, hour: 3_000, day: 25_000 },
  'organizations/enrich': { minute: 1_000, hour: 6_000, day: 50_000 },
  'organizations/bulk_enrich': { minute: 500, hour: 3_000, day: 25_000 },
};

/** Window lengths; tests shrink them (e.g. minute: 500 ms) instead of waiting for the clock. */
export const APOLLO_SIM_DEFAULT_WINDOW_MS: Readonly<ApolloWindowLimits> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export interface ApolloSimOptions extends SimOptions {
  /** Per-endpoint overrides of the window limits (merged over APOLLO_SIM_DEFAULT_LIMITS). */
  rateLimits?: Partial<Record<ApolloEndpoint, Partial<ApolloWindowLimits>>>;
  /** Window lengths in ms (merged over APOLLO_SIM_DEFAULT_WINDOW_MS); windows stay clock-aligned. */
  windowMs?: Partial<ApolloWindowLimits>;
  /** Share of the world's people Apollo knows (default 0.75). */
  coverage?: number;
  /** Share of the world's companies Apollo knows (default: `coverage`). */
  orgCoverage?: number;
  /** Valid keys whose credits are used up: 422 "insufficient credits" on every enrichment. */
  exhaustedKeys?: string[];
  /**
   * How GET /auth/health answers a bad or missing key: `logged_out` (default; 200
   * `{"healthy": true, "is_logged_in": false}`, as reported live) or `unauthorized` (401, as other
   * reports say). A good key always gets `is_logged_in: true`.
   */
  healthBadKey?: 'logged_out' | 'unauthorized';
  /**
   * Whether organizations/bulk_enrich answers carry `technology_names` (default false: an observed
   * real bulk answer lacked them while the single enrich of the same company had them).
   */
  bulkOrgTechnologies?: boolean;
  /** Keys added to / removed from every 200 JSON answer (schema drift on demand). */
  answerDrift?: AnswerDrift;
}


export interface ApolloSimState extends SimState {
  limits: Record<ApolloEndpoint, ApolloWindowLimits>;
  windowMs: ApolloWindowLimits;
  coverage: number;
  orgCoverage: number;
  validKeys: Set<string>;
  exhaustedKeys: Set<string>;
  healthBadKey: 'logged_out' | 'unauthorized';
  bulkOrgTechnologies: boolean;
  answerDrift: AnswerDrift;
}

export interface ApolloSim {
  app: express.Express;
  state: ApolloSimState;
  /** Listens on 127.0.0.1 (port 0 = any free port); the client base URL is `${url}/api/v1`. */
  start(port?: number): Promise<RunningServer>;
}

const WINDOW_NAMES = ['minute', 'hour', 'day'] as const;
type WindowName = (typeof WINDOW_NAMES)[number];
const HEADER_NAMES: Record<WindowName, { limit: string; usage: string; left: string }> = {
  minute: { limit: 'x-rate-limit-minute', usage: 'x-minute-usage', left: 'x-minute-requests-left' },
  hour: { limit: 'x-rate-limit-hourly', usage: 'x-hourly-usage', left: 'x-hourly-requests-left' },
  day: { limit: 'x-rate-limit-24-hour', usage: 'x-24-hour-usage', left: 'x-24-hour-requests-left' },
};

const MAX_BULK = 10;

// ---------------------------------------------------------------------------------------------
// Lookup forms and the billing key of each (the same canonical spelling the adapter uses).

interface PersonQuery {
  email?: string;
  first_name?: string;
  last_name?: string;
  domain?: string;
  organization_name?: string;
  linkedin_url?: string;
}

function personQuery(src: unknown): PersonQuery {
  const o = src && typeof src === 'object' && !Array.isArray(src) ? (src as Record<string, unknown>) : {};
  const q: PersonQuery = {};
  for (const k of ['email', 'first_name', 'last_name', 'domain', 'organization_name', 'linkedin_url'] as const) {
    const v = str(o[k]);
    if (v) q[k] = v;
  }
  // Apollo also takes `name` ("Ada Lovelace") in place of first_name + last_name.
  const name = str(o.name);
  if (name && !q.first_name && !q.last_name) {
    const parts = lc(name).split(' ');
    if (parts.length >= 2) {
      q.first_name = parts[0];
      q.last_name = parts.slice(1).join(' ');
    }
  }
  return q;
}

/** The billing/lookup key of a query: what was asked for, in the adapter's canonical form. */
export function apolloLookupKey(q: PersonQuery): string | null {
  if (q.email) return `email:${lc(q.email)}`;
  if (q.first_name && q.last_name) {
    if (q.domain) return `name:${lc(q.first_name)}|${lc(q.last_name)}|${simDomain(q.domain)}`;
    if (q.organization_name) return `name:${lc(q.first_name)}|${lc(q.last_name)}|company:${lc(q.organization_name)}`;
  }
  if (q.linkedin_url) {
    const li = simLinkedin(q.linkedin_url);
    return li ? `linkedin:${li}` : `linkedin:${lc(q.linkedin_url)}`;
  }
  return null;
}

/** Which of Apollo's two miss forms a lookup gets: `person: null` or a no-id stub. Deterministic. */
export function apolloMissForm(lookupKey: string): 'null' | 'stub' {
  return unit('apollo-miss-form', lookupKey) < 0.5 ? 'null' : 'stub';
}

const hexId = (...parts: string[]) => sha256Hex(...parts).slice(0, 24);

// ---------------------------------------------------------------------------------------------
// Response bodies in Apollo's shapes

function organizationBody(c: WorldCompany): Record<string, unknown> {
  const revenue = c.annualRevenue;
  return {
    id: hexId('apollo-org', c.domain),
    name: c.name,
    website_url: `http://www.${c.domain}`,
    linkedin_url: c.linkedinUrl.replace('https://www.', 'http://www.'),
    primary_domain: c.domain,
    industry: c.industry,
    keywords: [c.industry],
    estimated_num_employees: c.employees,
    annual_revenue: revenue,
    annual_revenue_printed: revenue >= 1e9 ? `${(revenue / 1e9).toFixed(1)}B` : `${(revenue / 1e6).toFixed(1)}M`,
    technology_names: c.tech.map((t) => t.replace(/(^|\s)([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase())),
    founded_year: 1990 + Math.floor(unit('apollo-founded', c.domain) * 34),
    phone: c.phone,
    primary_phone: { number: c.phone, source: 'Account' },
    city: c.city,
    state: c.state,
    country: c.country,
  };
}

/** The organization as organizations/bulk_enrich returns it (less detail than the single enrich). */
function bulkOrganizationBody(c: WorldCompany, withTechnologies: boolean): Record<string, unknown> {
  const body = organizationBody(c);
  if (!withTechnologies) delete body.technology_names;
  return body;
}

function emailFacts(p: WorldPerson, askedByEmail: boolean): { email: string | null; status: string; catchall: boolean } {
  switch (p.mailbox) {
    case 'valid':
      return { email: p.email, status: unit('apollo-guess', p.email) < 0.15 ? 'guessed' : 'verified', catchall: false };
    case 'accept_all':
      return { email: p.email, status: unit('apollo-ca', p.email) < 0.5 ? 'verified' : 'unverified', catchall: true };
    case 'unknown':
      return { email: p.email, status: 'unverified', catchall: false };
    case 'invalid':
      return { email: askedByEmail ? p.email : null, status: 'bounced', catchall: false };
    default:
      return { email: null, status: 'unavailable', catchall: false };
  }
}

function personBody(p: WorldPerson, askedByEmail: boolean): Record<string, unknown> {
  const e = emailFacts(p, askedByEmail);
  const org = organizationBody(p.company);
  return {
    id: hexId('apollo-person', p.email),
    first_name: p.firstName,
    last_name: p.lastName,
    name: `${p.firstName} ${p.lastName}`,
    linkedin_url: p.linkedinUrl.replace('https://www.', 'http://www.'),
    title: p.title,
    headline: `${p.title} at ${p.company.name}`,
    seniority: p.seniority,
    departments: [],
    photo_url: null,
    twitter_url: null,
    email: e.email,
    email_status: e.status,
    email_domain_catchall: e.catchall,
    extrapolated_email_confidence: null,
    city: p.city,
    state: p.state,
    country: p.country,
    organization_id: org.id,
    organization: org,
    employment_history: [
      { organization_name: p.company.name, title: p.title, current: true, start_date: null, end_date: null },
    ],
    is_likely_to_engage: unit('apollo-engage', p.email) < 0.3,
  };
}

function stubBody(q: PersonQuery): Record<string, unknown> {
  const name = q.first_name && q.last_name ? `${q.first_name} ${q.last_name}` : null;
  return {
    first_name: q.first_name ?? null,
    last_name: q.last_name ?? null,
    name,
    email: q.email ?? null,
    linkedin_url: q.linkedin_url ?? null,
    organization_name: q.organization_name ?? null,
    match_confidence: 'none',
  };
}

// ---------------------------------------------------------------------------------------------

export function createApolloSim(opts: ApolloSimOptions): ApolloSim {
  const base = createSimState('apollo', opts);
  const limits = {} as Record<ApolloEndpoint, ApolloWindowLimits>;
  for (const ep of APOLLO_ENDPOINTS) limits[ep] = { ...APOLLO_SIM_DEFAULT_LIMITS[ep], ...opts.rateLimits?.[ep] };
  const coverage = opts.coverage ?? 0.75;
  const state: ApolloSimState = Object.assign(base, {
    limits,
    windowMs: { ...APOLLO_SIM_DEFAULT_WINDOW_MS, ...opts.windowMs },
    coverage,
    orgCoverage: opts.orgCoverage ?? coverage,
    validKeys: new Set(opts.validKeys),
    exhaustedKeys: new Set(opts.exhaustedKeys ?? []),
    healthBadKey: opts.healthBadKey ?? 'logged_out',
    bulkOrgTechnologies: opts.bulkOrgTechnologies ?? false,
    answerDrift: opts.answerDrift ?? {},
  });
  /** People returned so far, by LinkedIn URL (for LinkedIn-only lookups). */
  const seenByLinkedin = new Map<string, WorldPerson>();
  /** What is left per (counter key, window), so a 429 can still report the other windows. */
  const windowsLeft = new WindowsLeft();

  const keyOf = (req: Request): string | null => {
    const h = req.get('x-api-key');
    if (h) return h;
    const q = req.query.api_key;
    if (typeof q === 'string' && q) return q;
    const b = (req.body as Record<string, unknown> | undefined)?.api_key;
    return typeof b === 'string' && b ? b : null;
  };

  const windowsFor = (ep: ApolloEndpoint): RateWindowSpec[] =>
    WINDOW_NAMES.filter((n) => Number.isFinite(state.limits[ep][n]) && state.limits[ep][n] > 0).map((n) => ({
      name: n,
      limit: state.limits[ep][n],
      windowMs: state.windowMs[n],
    }));

  const limitMessage = (ep: ApolloEndpoint, w: RateWindowSpec) =>
    `The maximum number of api calls allowed for api/v1/${ep} is ${w.limit} times per ${w.name}. ` +
    'Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade.';

  /**
   * Auth, rate windows and credits, in Apollo's order. Returns the key when the request may proceed;
   * otherwise the answer has been sent.
   */
  function admit(req: Request, res: Response, ep: ApolloEndpoint): string | null {
    const key = keyOf(req);
    if (!key || !state.validKeys.has(key)) {
      res.status(401).json({ error: 'Invalid access credentials.', error_code: 'INVALID_API_KEY' });
      return null;
    }
    const counterKey = `${ep}#${hexId('key', key)}`;
    const { verdict, left: perWindow } = windowsLeft.check(state.windows, counterKey, windowsFor(ep), arrivedAt(res));
    for (const { window: w, left } of perWindow) {
      const h = HEADER_NAMES[w.name as WindowName];
      res.set(h.limit, String(w.limit));
      res.set(h.usage, String(w.limit - left));
      res.set(h.left, String(left));
    }
    if (!verdict.ok) {
      state.limitSignals++;
      res.status(429).json({
        message: limitMessage(ep, verdict.window),
        error_details: { code: 'USAGE.RATE_LIMIT.API_RATE_LIMIT_EXCEEDED' },
      });
      return null;
    }
    if (state.exhaustedKeys.has(key)) {
      res.status(422).json({
        error: 'You have insufficient credits to perform this action. Please upgrade your plan or buy more credits.',
        error_code: 'INSUFFICIENT_CREDITS',
      });
      return null;
    }
    return key;
  }

  function resolvePerson(q: PersonQuery): WorldPerson | null {
    let p: WorldPerson | null = null;
    if (q.email) p = personByEmail(q.email);
    if (!p && q.first_name && q.last_name) {
      const domain = q.domain ? simDomain(q.domain) : q.organization_name ? domainForOrganizationName(q.organization_name) : undefined;
      if (domain) p = personByName(q.first_name, q.last_name, domain);
    }
    if (!p && q.linkedin_url) {
      const li = simLinkedin(q.linkedin_url);
      p = li ? (seenByLinkedin.get(li) ?? null) : null;
    }
    if (!p || !vendorKnows('apollo', p.email, state.coverage)) return null;
    return p;
  }

  /** One person lookup: the person body (billed), or one of the two miss forms (free). */
  function matchOne(key: string, q: PersonQuery): Record<string, unknown> | null {
    const lookupKey = apolloLookupKey(q);
    if (!lookupKey) return null;
    const p = resolvePerson(q);
    if (!p) return apolloMissForm(lookupKey) === 'stub' ? stubBody(q) : null;
    const li = simLinkedin(p.linkedinUrl);
    if (li) seenByLinkedin.set(li, p);
    state.billing.charge(key, 'people_match', lookupKey, 1);
    return personBody(p, !!q.email && personByEmail(q.email)?.email === p.email);
  }

  const noIdentifiers = (res: Response) =>
    res.status(422).json({
      error: 'Please provide an email, a linkedin_url, or first_name and last_name with a domain or organization_name.',
      error_code: 'INVALID_INPUT',
    });

  const app = simApp({ jsonLimit: '1mb' });
  app.use(adminRoutes(state));
  app.use(answerDriftRoute(state, 'apollo'));
  app.use(faultAndLatency(state, keyOf));
  // Schema drift on demand: every 200 JSON answer of the vendor routes goes through answerDrift.
  app.use(applyAnswerDrift(state));

  // The key check: free, not counted against any window (it is not an enrichment endpoint).
  app.get('/api/v1/auth/health', (req, res) => {
    const key = keyOf(req);
    if (key && state.validKeys.has(key)) {
      res.json({ healthy: true, is_logged_in: true });
      return;
    }
    if (state.healthBadKey === 'unauthorized') {
      res.status(401).json({ error: 'Invalid access credentials.', error_code: 'INVALID_API_KEY' });
      return;
    }
    res.json({ healthy: true, is_logged_in: false });
  });

  app.post('/api/v1/people/match', (req, res) => {
    const key = admit(req, res, 'people/match');
    if (!key) return;
    // Apollo takes the parameters as a JSON body or as a query string; the body wins.
    const q = { ...personQuery(req.query), ...personQuery(req.body) };
    if (!apolloLookupKey(q)) return noIdentifiers(res);
    res.json({ person: matchOne(key, q) });
  });

  app.post('/api/v1/people/bulk_match', (req, res) => {
    const key = admit(req, res, 'people/bulk_match');
    if (!key) return;
    const details: unknown = (req.body as { details?: unknown } | undefined)?.details;
    if (!Array.isArray(details) || details.length === 0) {
      res.status(422).json({ error: 'details must be a non-empty array of people to enrich.', error_code: 'INVALID_INPUT' });
      return;
    }
    if (details.length > MAX_BULK) {
      res.status(422).json({
        error: `You can only enrich up to ${MAX_BULK} records at a time; got ${details.length}.`,
        error_code: 'INVALID_INPUT',
      });
      return;
    }
    const matches = details.map((d) => matchOne(key, personQuery(d)));
    const hits = matches.filter((m) => m !== null && m.id !== undefined).length;
    res.json({
      status: 'success',
      error_code: null,
      error_message: null,
      total_requested_enrichments: details.length,
      unique_enriched_records: hits,
      missing_records: details.length - hits,
      credits_consumed: hits,
      matches,
    });
  });

  app.get('/api/v1/organizations/enrich', (req, res) => {
    const key = admit(req, res, 'organizations/enrich');
    if (!key) return;
    const raw = str(req.query.domain);
    const domain = raw ? simDomain(raw) : '';
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) {
      res.status(422).json({ error: 'Please provide a valid domain.', error_code: 'INVALID_INPUT' });
      return;
    }
    if (!vendorKnows('apollo', `org:${domain}`, state.orgCoverage)) {
      res.json({});
      return;
    }
    state.billing.charge(key, 'organization_enrich', `domain:${domain}`, 1);
    res.json({ organization: organizationBody(companyFor(domain)) });
  });

  app.post('/api/v1/organizations/bulk_enrich', (req, res) => {
    const key = admit(req, res, 'organizations/bulk_enrich');
    if (!key) return;
    // Apollo documents `domains[]` query parameters; a JSON body `{"domains": [...]}` is read too
    // (and wins, as Rails merges body over query).
    const fromBody: unknown = (req.body as { domains?: unknown } | undefined)?.domains;
    const fromQuery: unknown = req.query['domains[]'] ?? req.query.domains;
    const raw = Array.isArray(fromBody) ? fromBody : fromQuery === undefined ? [] : [fromQuery].flat();
    const requested = raw.filter((d): d is string => typeof d === 'string' && d.trim() !== '');
    if (requested.length === 0) {
      res.status(422).json({ error: 'domains must be a non-empty array of company domains.', error_code: 'INVALID_INPUT' });
      return;
    }
    if (requested.length > MAX_BULK) {
      res.status(422).json({
        error: `You can only enrich up to ${MAX_BULK} domains at a time; got ${requested.length}.`,
        error_code: 'INVALID_INPUT',
      });
      return;
    }
    const unique = [...new Set(requested.map(simDomain))];
    const organizations: Record<string, unknown>[] = [];
    for (const domain of unique) {
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) || !vendorKnows('apollo', `org:${domain}`, state.orgCoverage)) continue;
      state.billing.charge(key, 'organization_enrich', `domain:${domain}`, 1);
      organizations.push(bulkOrganizationBody(companyFor(domain), state.bulkOrgTechnologies));
    }
    res.json({
      status: 'success',
      error_code: null,
      error_message: null,
      total_requested_domains: requested.length,
      unique_domains: unique.length,
      unique_enriched_records: organizations.length,
      missing_records: unique.length - organizations.length,
      organizations,
    });
  });

  app.use((req, res) => {
    res.status(404).json({ error: `No route for ${req.method} ${req.path}` });
  });
  // Malformed JSON and other parser errors: Apollo answers 400 with a JSON error.
  app.use(parserErrors((res, status, message) => res.status(status).json({ error: message })));

  return { app, state, start: (port = 0) => listen(app, port) };
}
