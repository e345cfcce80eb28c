// Lusha simulator (VENDORS.md "Lusha"; Lusha's v2 OpenAPI reference): a real HTTP server with Lusha's
// paths at the host root, its `api_key` header auth, hit and EMPTY_DATA miss forms, 451 for
// GDPR-restricted people, per-account minute/hour/day windows plus 25 requests/s with the
// `x-rate-limit-*` / `x-*-requests-left` / `x-*-usage` headers on every answer and, on a 429,
// `RateLimit-Limit/Remaining/Reset` (seconds) and `X-RateLimit-Remaining-Daily/Reset-Daily` with
// Lusha's messages ("… Reset in X seconds"), the 100-record bulk caps with a validation error,
// 402 for a key without credits, 403 for an inactive account, a free GET /account/usage (5/min),
// injected faults and latency.
//
// Paths:
//   GET  /v2/person?email= | linkedinUrl= | firstName&lastName&companyDomain|companyName
//   POST /v2/person            {"contacts": [{"contactId", "email"|"linkedinUrl"|"fullName"+"companies"}], "metadata"}
//   GET  /v2/company?domain= | company=
//   POST /bulk/company/v2      {"companies": [{"id", "domain"|"name"|"fqdn"}]}  (also POST /v2/company)
//   GET  /account/usage
//
// Billing, as Lusha's unified credits work: a returned contact costs 1 credit for its e-mail(s) and
// 5 for its phone(s), once — a contact revealed before by the same key is returned again with
// `isCreditCharged: false` (counted in `freeRepeats`), whatever lookup form found it. A returned
// company costs 1 credit every time. Misses, 451s and errors are free.
//
// Data comes from world.ts: Lusha "knows" a stable, seeded share (`coverage`) of the world's people
// and companies. Single answers spell e-mail entries `{address, type}` and embed the company;
// bulk answers spell them `{email, emailType}` and list companies in a top-level map, as the
// reference shows. Unconfirmed forms (configurable or documented here): a company miss is 404
// (the reference lists 404 for GET /v2/company); a bulk company miss is left out of the map; a
// GDPR-restricted person in a bulk answer is an entry with `error: {code: 451, name: "GDPR_RESTRICTED"}`.
import type express from 'express';
import type { Request, Response } from 'express';
import { companyFor, personByEmail, personByName, unit, vendorKnows } from '../world.ts';
import type { WorldCompany, WorldPerson } from '../world.ts';
import {
  adminRoutes,
  arrivedAt,
  createSimState,
  domainForCompanyName,
  faultAndLatency,
  lc,
  listen,
  nonEmpty as str,
  parserErrors,
  sha256Hex as hexId,
  simApp,
  simDomain,
  simLinkedin,
  WindowsLeft,
} from './common.ts';
import type { RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

/** Requests per window, per account; a non-finite or ≤ 0 limit means "no such window". */
export interface LushaWindowLimits {
  second: number;
  minute: number;
  hour: number;
  day: number;
}

/**
 * Default windows: Lusha's Premium plan (300/min, 1,800/h, 18,000/day) plus 25/s. Above the
 * adapter's default pacing (Pro: 50/min, 150/h, 1,500/day per endpoint), so a default engine never
 * sees a 429; configure `rateLimits` to make the simulator stricter than the engine.
 */
export const LUSHA_SIM_DEFAULT_LIMITS: Readonly<LushaWindowLimits> = { second: 25, minute: 300, hour: 1_800, day: 18_000 };
export const LUSHA_SIM_DEFAULT_WINDOW_MS: Readonly<LushaWindowLimits> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};
/** GET /account/usage has its own limit: 5 requests a minute. */
export const LUSHA_USAGE_PER_MINUTE = 5;
export const LUSHA_SIM_MAX_BULK = 100;
export const LUSHA_SIM_CREDITS = { email: 1, phone: 5, company: 1 } as const;

export interface LushaSimOptions extends SimOptions {
  rateLimits?: Partial<LushaWindowLimits>;
  /** Window lengths (tests shrink them); defaults are the real ones. */
  windowMs?: Partial<LushaWindowLimits>;
  /** Share of the world's people Lusha knows (default 0.7). */
  coverage?: number;
  /** Share of company domains Lusha knows (default 0.8). */
  companyCoverage?: number;
  /** Keys whose account has no credits: 402 on every data request, 0 remaining on /account/usage. */
  exhaustedKeys?: string[];
  /** Keys whose account is inactive: 403 on every request. */
  inactiveKeys?: string[];
  /** Credits each key may spend (default 1,000,000); a request after that gets 402. */
  creditsPerKey?: number;
  /** Addresses of GDPR-restricted people (451), on top of the seeded share. */
  gdprRestrictedEmails?: string[];
  /** Deterministic share of the known people that are GDPR-restricted (default 0.03). */
  gdprShare?: number;
}

export interface LushaSimState extends SimState {
  limits: LushaWindowLimits;
  windowMs: LushaWindowLimits;
  coverage: number;
  companyCoverage: number;
  validKeys: Set<string>;
  exhaustedKeys: Set<string>;
  inactiveKeys: Set<string>;
  creditsPerKey: number;
  creditsUsed: Map<string, number>;
  gdprEmails: Set<string>;
  gdprShare: number;
  /** `${keyHash}|${personEmail}`: contacts each key has had revealed (repeats are free). */
  revealed: Set<string>;
}

export interface LushaSim {
  app: express.Express;
  state: LushaSimState;
  /** Listens on 127.0.0.1 (port 0 = any free port); the client base URL is `url` itself. */
  start(port?: number): Promise<RunningServer>;
}

const WINDOW_NAMES = ['second', 'minute', 'hour', 'day'] as const;
type WindowName = (typeof WINDOW_NAMES)[number];
const HEADER_NAMES: Record<Exclude<WindowName, 'second'>, { limit: string; usage: string; left: string }> = {
  minute: { limit: 'x-rate-limit-minute', usage: 'x-minute-usage', left: 'x-minute-requests-left' },
  hour: { limit: 'x-rate-limit-hourly', usage: 'x-hourly-usage', left: 'x-hourly-requests-left' },
  day: { limit: 'x-rate-limit-daily', usage: 'x-daily-usage', left: 'x-daily-requests-left' },
};

const GDPR_MESSAGE = 'We are unable to process this contact request due to our GDPR regulations';
const EMPTY_DATA = { code: 3, name: 'EMPTY_DATA', message: 'Could not find requested data' } as const;
const UPDATE_DATE = '2025-11-17';

// ---------------------------------------------------------------------------------------------
// Helpers shared with the tests

/** A stable positive integer id (Lusha's ids are numbers). */
const intId = (...parts: string[]) => Number.parseInt(hexId(...parts).slice(0, 8), 16) + 1_000_000;

const SIZE_BUCKETS: readonly [number, number][] = [
  [1, 10], [11, 50], [51, 200], [201, 500], [501, 1_000], [1_001, 5_000], [5_001, 10_000], [10_001, 10_000_000],
];
const REVENUE_BUCKETS: readonly [number, number][] = [
  [0, 1_000_000], [1_000_000, 10_000_000], [10_000_000, 50_000_000], [50_000_000, 100_000_000],
  [100_000_000, 250_000_000], [250_000_000, 500_000_000], [500_000_000, 1_000_000_000], [1_000_000_000, 10_000_000_000],
];

/** Lusha's employee-size bucket of a headcount. */
export function lushaSizeRange(employees: number): [number, number] {
  return SIZE_BUCKETS.find(([lo, hi]) => employees >= lo && employees <= hi) ?? [10_001, 10_000_000];
}

/** Lusha's revenue bucket of an annual revenue. */
export function lushaRevenueRange(revenue: number): [number, number] {
  return REVENUE_BUCKETS.find(([lo, hi]) => revenue >= lo && revenue < hi) ?? [1_000_000_000, 10_000_000_000];
}

export interface LushaEmailFact {
  address: string;
  kind: 'work' | 'private';
  grade: string;
}

/** The e-mails Lusha holds for a person: the work address by mailbox quality, sometimes a private one. */
export function lushaEmails(p: WorldPerson): LushaEmailFact[] {
  const out: LushaEmailFact[] = [];
  switch (p.mailbox) {
    case 'valid':
      out.push({ address: p.email, kind: 'work', grade: unit('lusha-grade', p.email) < 0.6 ? 'A+' : 'A' });
      break;
    case 'accept_all':
      out.push({ address: p.email, kind: 'work', grade: 'B' });
      break;
    case 'unknown':
      out.push({ address: p.email, kind: 'work', grade: 'C' });
      break;
    default:
      break; // bounced or disposable: Lusha holds no work address
  }
  if (unit('lusha-private', p.email) < 0.3) {
    const local = p.email.split('@')[0] ?? 'someone';
    out.push({ address: `${local}@gmail.com`, kind: 'private', grade: 'A' });
  }
  return out;
}

export interface LushaPhoneFact {
  number: string;
  type: 'Direct' | 'Mobile';
  doNotCall: boolean;
}

/** The phones Lusha holds for a person: the direct line, sometimes a mobile, some on do-not-call lists. */
export function lushaPhones(p: WorldPerson): LushaPhoneFact[] {
  const out: LushaPhoneFact[] = [{ number: p.phone, type: 'Direct', doNotCall: unit('lusha-dnc', p.email) < 0.25 }];
  if (unit('lusha-mobile', p.email) < 0.5) {
    const n = String(Math.floor(unit('lusha-mobile-n', p.email) * 10000)).padStart(4, '0');
    out.push({ number: `+1 628 555 ${n}`, type: 'Mobile', doNotCall: unit('lusha-dnc-m', p.email) < 0.25 });
  }
  return out;
}

/** Whether a person is GDPR-restricted: listed, or in the seeded share of the people Lusha knows. */
export function lushaGdprRestricted(email: string, share: number, listed: ReadonlySet<string> = new Set()): boolean {
  const e = lc(email);
  return listed.has(e) || unit('lusha-gdpr', e) < share;
}

/** Credits a first reveal of this person costs. */
export function lushaPersonCredits(p: WorldPerson): number {
  const emails = lushaEmails(p).length ? LUSHA_SIM_CREDITS.email : 0;
  const phones = lushaPhones(p).length ? LUSHA_SIM_CREDITS.phone : 0;
  return Math.max(1, emails + phones);
}

// ---------------------------------------------------------------------------------------------
// Response bodies in Lusha's shapes

const SENIORITY: Record<string, string> = {
  c_suite: 'C-Level', founder: 'Founder', vp: 'Vice President', head: 'Head', director: 'Director',
  manager: 'Manager', senior: 'Senior', entry: 'Entry',
};

function companyInPerson(c: WorldCompany): Record<string, unknown> {
  return {
    name: c.name,
    description: `${c.name} is a ${c.industry} company.`,
    domains: { homepage: `https://www.${c.domain}`, email: c.domain },
    homepageUrl: `https://www.${c.domain}`,
    fqdn: `www.${c.domain}`,
    location: { country: c.country, continent: 'North America', rawLocation: `${c.city}, ${c.state}, ${c.country}`, city: c.city, state: c.state },
    companySize: lushaSizeRange(c.employees),
    revenueRange: lushaRevenueRange(c.annualRevenue),
    mainIndustry: c.industry,
    subIndustry: null,
    logoUrl: `https://logo.lusha.example/${c.domain}.jpg`,
    social: { linkedin: c.linkedinUrl.replace('https://www.', 'https://') },
  };
}

function personData(p: WorldPerson, form: 'single' | 'bulk'): Record<string, unknown> {
  const emails = lushaEmails(p);
  const phones = lushaPhones(p);
  const emailAddresses = emails.map((e) =>
    form === 'single'
      ? { address: e.address, type: e.kind, emailConfidence: e.grade, updateDate: UPDATE_DATE }
      : { email: e.address, emailType: e.kind, updateDate: UPDATE_DATE, emailConfidence: e.grade },
  );
  const phoneNumbers = phones.map((x) => ({ number: x.number, phoneType: x.type, doNotCall: x.doNotCall, updateDate: UPDATE_DATE }));
  const location =
    form === 'single'
      ? { country: p.country, countryIso2: null, continent: null, rawLocation: `${p.city}, ${p.state}, ${p.country}`, city: p.city, state: p.state, isEuContact: p.country === 'Germany' || p.country === 'France' }
      : { country: p.country, country_iso2: null, continent: null, city: p.city, state: p.state, is_eu_contact: p.country === 'Germany' || p.country === 'France' };
  const data: Record<string, unknown> = {
    companyId: intId('lusha-company', p.company.domain),
    firstName: p.firstName,
    lastName: p.lastName,
    fullName: `${p.firstName} ${p.lastName}`,
    emailAddresses,
    phoneNumbers,
    personId: intId('lusha-person', p.email),
    location,
    jobTitle: { title: p.title, seniority: SENIORITY[p.seniority] ?? p.seniority, departments: [] },
    socialLinks: { linkedin: p.linkedinUrl },
    updateDate: UPDATE_DATE,
  };
  if (form === 'single') data.company = companyInPerson(p.company);
  else {
    data.emails = emails.map((e) => e.address);
    data.phones = phones.map((x) => x.number);
    data.contactTags = [];
  }
  return data;
}

function companySingle(c: WorldCompany): Record<string, unknown> {
  const [min, max] = lushaSizeRange(c.employees);
  return {
    id: intId('lusha-company', c.domain),
    name: c.name,
    description: `${c.name} is a ${c.industry} company.`,
    domain: c.domain,
    fqdn: `www.${c.domain}`,
    website: `https://www.${c.domain}`,
    employees: `${min} - ${max}`,
    companySize: { min, max, employeesInLinkedin: Math.round(c.employees * 0.6) },
    revenueRange: lushaRevenueRange(c.annualRevenue),
    mainIndustry: c.industry,
    subIndustry: null,
    social: { linkedin: { url: c.linkedinUrl.replace('https://www.', 'https://') } },
    technologies: c.tech.map((name) => ({ name })),
    location: { city: c.city, state: c.state, country: c.country },
    logoUrl: `https://logo.lusha.example/${c.domain}.jpg`,
  };
}

function companyBulk(c: WorldCompany): Record<string, unknown> {
  return {
    id: intId('lusha-company', c.domain),
    lushaCompanyId: String(intId('lusha-company', c.domain)),
    name: c.name,
    companySize: lushaSizeRange(c.employees),
    employeesInLinkedin: Math.round(c.employees * 0.6),
    revenueRange: lushaRevenueRange(c.annualRevenue),
    fqdn: `www.${c.domain}`,
    emailDomain: c.domain,
    mainIndustry: c.industry,
    linkedin: c.linkedinUrl,
    city: c.city,
    state: c.state,
    country: c.country,
    technologies: c.tech.map((name) => ({ name })),
  };
}

// ---------------------------------------------------------------------------------------------

interface PersonQuery {
  email?: string;
  linkedinUrl?: string;
  firstName?: string;
  lastName?: string;
  companyDomain?: string;
  companyName?: string;
}

/** The bulk contact form (`fullName`, `companies[]`) as a person query. */
function bulkQuery(c: Record<string, unknown>): PersonQuery {
  const q: PersonQuery = {};
  const email = str(c.email);
  if (email) q.email = email;
  const li = str(c.linkedinUrl);
  if (li) q.linkedinUrl = li;
  const full = str(c.fullName);
  if (full) {
    const parts = full.trim().split(/\s+/);
    if (parts.length >= 2) {
      q.firstName = parts[0];
      q.lastName = parts.slice(1).join(' ');
    } else q.firstName = full;
  }
  const first = str(c.firstName);
  const last = str(c.lastName);
  if (first && last) {
    q.firstName = first;
    q.lastName = last;
  }
  const companies = Array.isArray(c.companies) ? (c.companies as unknown[]) : [];
  const current = (companies.find((x) => x && typeof x === 'object' && (x as { isCurrent?: unknown }).isCurrent === true) ?? companies[0]) as
    | Record<string, unknown>
    | undefined;
  if (current && typeof current === 'object') {
    const d = str(current.domain) ?? str(current.fqdn);
    if (d) q.companyDomain = d;
    const n = str(current.name);
    if (n) q.companyName = n;
  }
  return q;
}

const hasIdentifier = (q: PersonQuery) => !!(q.email || q.linkedinUrl || (q.firstName && q.lastName && (q.companyDomain || q.companyName)));
const badName = (q: PersonQuery) =>
  !q.email && !q.linkedinUrl && !!(q.firstName || q.lastName) && !(q.firstName && q.lastName && /\p{L}/u.test(q.firstName) && /\p{L}/u.test(q.lastName));


type PersonVerdict = { kind: 'miss' } | { kind: 'gdpr' } | { kind: 'hit'; person: WorldPerson; charged: boolean };

export function createLushaSim(opts: LushaSimOptions): LushaSim {
  const base = createSimState('lusha', opts);
  const state: LushaSimState = Object.assign(base, {
    limits: { ...LUSHA_SIM_DEFAULT_LIMITS, ...opts.rateLimits },
    windowMs: { ...LUSHA_SIM_DEFAULT_WINDOW_MS, ...opts.windowMs },
    coverage: opts.coverage ?? 0.7,
    companyCoverage: opts.companyCoverage ?? 0.8,
    validKeys: new Set(opts.validKeys),
    exhaustedKeys: new Set(opts.exhaustedKeys ?? []),
    inactiveKeys: new Set(opts.inactiveKeys ?? []),
    creditsPerKey: opts.creditsPerKey ?? 1_000_000,
    creditsUsed: new Map<string, number>(),
    gdprEmails: new Set((opts.gdprRestrictedEmails ?? []).map(lc)),
    gdprShare: opts.gdprShare ?? 0.03,
    revealed: new Set<string>(),
  });
  /** People returned so far, by LinkedIn URL (a LinkedIn slug cannot be inverted to a domain). */
  const seenByLinkedin = new Map<string, WorldPerson>();
  /** What is left per (account, window), so a 429 can still report the other windows. */
  const windowsLeft = new WindowsLeft();

  const keyOf = (req: Request): string | null => req.get('api_key') ?? null;

  const planWindows = (): RateWindowSpec[] =>
    WINDOW_NAMES.filter((n) => Number.isFinite(state.limits[n]) && state.limits[n] > 0).map((n) => ({
      name: n,
      limit: state.limits[n],
      windowMs: state.windowMs[n],
    }));

  const error = (res: Response, status: number, message: string | string[], extra: Record<string, unknown> = {}) =>
    res.status(status).json({ statusCode: status, message, ...extra });

  const limitMessage = (w: RateWindowSpec, resetSeconds: number): string => {
    switch (w.name) {
      case 'day':
        return `Daily API quota limit exceeded. Limit ${w.limit} calls per day`;
      case 'hour':
        return `Hourly API rate limit exceeded. Limit: ${w.limit} calls per hour. Reset in ${resetSeconds} seconds`;
      case 'minute':
        return `Minute API rate limit exceeded. Limit: ${w.limit} calls per minute. Reset in ${resetSeconds} seconds`;
      default:
        return 'Too many requests. Please wait before making another request.';
    }
  };

  const creditsLeft = (key: string) => state.creditsPerKey - (state.creditsUsed.get(key) ?? 0);

  /**
   * Auth, account state, rate windows and credits, in that order. Returns the key when the request
   * may proceed; otherwise the answer has been sent.
   */
  function admit(req: Request, res: Response): string | null {
    const key = keyOf(req);
    if (!key || !state.validKeys.has(key)) {
      error(res, 401, 'Invalid API key');
      return null;
    }
    if (state.inactiveKeys.has(key)) {
      error(res, 403, 'Your account is not active. Please reach out to support at support@lusha.com');
      return null;
    }
    const account = hexId('key', key).slice(0, 24);
    const windows = planWindows();
    const now = arrivedAt(res);
    const { verdict, left: perWindow } = windowsLeft.check(state.windows, account, windows, now);
    for (const { window: w, left } of perWindow) {
      if (w.name === 'second') continue;
      const h = HEADER_NAMES[w.name as Exclude<WindowName, 'second'>];
      res.set(h.limit, String(w.limit));
      res.set(h.usage, String(w.limit - left));
      res.set(h.left, String(left));
    }
    if (!verdict.ok) {
      state.limitSignals++;
      const resetSeconds = Math.max(1, Math.ceil((verdict.resetAt - now) / 1000));
      const day = windows.find((w) => w.name === 'day');
      res.set('RateLimit-Limit', String(state.limits.second > 0 ? state.limits.second : verdict.window.limit));
      res.set('RateLimit-Remaining', '0');
      res.set('RateLimit-Reset', String(resetSeconds));
      if (day) {
        res.set('X-RateLimit-Remaining-Daily', res.get('x-daily-requests-left') ?? '0');
        res.set('X-RateLimit-Reset-Daily', String(Math.floor(((Math.floor(now / day.windowMs) + 1) * day.windowMs) / 1000)));
      }
      error(res, 429, limitMessage(verdict.window, resetSeconds));
      return null;
    }
    if (state.exhaustedKeys.has(key) || creditsLeft(key) <= 0) {
      error(res, 402, 'Your account requires payment');
      return null;
    }
    return key;
  }

  function resolvePerson(q: PersonQuery): WorldPerson | null {
    let p: WorldPerson | null = null;
    if (q.email) p = personByEmail(q.email);
    if (!p && q.linkedinUrl) {
      const li = simLinkedin(q.linkedinUrl);
      p = li ? (seenByLinkedin.get(li) ?? null) : null;
    }
    if (!p && q.firstName && q.lastName) {
      const domain = q.companyDomain ? simDomain(q.companyDomain) : q.companyName ? domainForCompanyName(q.companyName) : undefined;
      if (domain) p = personByName(q.firstName, q.lastName, domain);
    }
    return p;
  }

  /** One person lookup: miss, GDPR restriction, or a hit charged on its first reveal only. */
  function lookupPerson(key: string, q: PersonQuery): PersonVerdict {
    const p = resolvePerson(q);
    if (!p) return { kind: 'miss' };
    const known = vendorKnows('lusha', p.email, state.coverage);
    if (state.gdprEmails.has(lc(p.email)) || (known && lushaGdprRestricted(p.email, state.gdprShare))) return { kind: 'gdpr' };
    if (!known) return { kind: 'miss' };
    const li = simLinkedin(p.linkedinUrl);
    if (li) seenByLinkedin.set(li, p);
    const id = `${hexId('key', key).slice(0, 24)}|${p.email}`;
    if (state.revealed.has(id)) {
      state.billing.freeRepeats++;
      return { kind: 'hit', person: p, charged: false };
    }
    state.revealed.add(id);
    const credits = lushaPersonCredits(p);
    state.creditsUsed.set(key, (state.creditsUsed.get(key) ?? 0) + credits);
    state.billing.charge(key, 'person', `person:${p.email}`, credits);
    return { kind: 'hit', person: p, charged: true };
  }

  function lookupCompany(key: string, domainRaw: string | undefined, name: string | undefined): WorldCompany | null {
    const domain = domainRaw ? simDomain(domainRaw) : name ? domainForCompanyName(name) : undefined;
    if (!domain || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) return null;
    if (!vendorKnows('lusha', `org:${domain}`, state.companyCoverage)) return null;
    state.creditsUsed.set(key, (state.creditsUsed.get(key) ?? 0) + LUSHA_SIM_CREDITS.company);
    state.billing.charge(key, 'company', `domain:${domain}`, LUSHA_SIM_CREDITS.company);
    return companyFor(domain);
  }

  const app = simApp({ jsonLimit: '2mb' });
  app.use(
    adminRoutes(state, () => {
      state.revealed.clear();
      state.creditsUsed.clear();
      seenByLinkedin.clear();
      windowsLeft.clear();
    }),
  );
  app.use(faultAndLatency(state, keyOf));

  app.get('/v2/person', (req, res) => {
    const q: PersonQuery = {};
    for (const k of ['email', 'linkedinUrl', 'firstName', 'lastName', 'companyDomain', 'companyName'] as const) {
      const v = str(req.query[k]);
      if (v) q[k] = v;
    }
    const key = admit(req, res);
    if (!key) return;
    if ((req.query.revealEmails !== undefined || req.query.revealPhones !== undefined)) {
      // The sim's accounts are not on the Unified Credits plan.
      error(res, 403, 'Your pricing version does not support requesting individual datapoints [revealEmails, revealPhones]');
      return;
    }
    if (badName(q)) {
      error(res, 412, 'The request failed due to invalid syntax that was provided. Please make sure to send a full name field that contains a valid first & last name');
      return;
    }
    if (!hasIdentifier(q)) {
      error(res, 400, 'Invalid request parameters');
      return;
    }
    const v = lookupPerson(key, q);
    if (v.kind === 'gdpr') {
      error(res, 451, GDPR_MESSAGE);
      return;
    }
    if (v.kind === 'miss') {
      res.json({ contact: { error: EMPTY_DATA, isCreditCharged: false } });
      return;
    }
    res.json({ contact: { error: null, isCreditCharged: v.charged, data: personData(v.person, 'single') } });
  });

  app.post('/v2/person', (req, res) => {
    const key = admit(req, res);
    if (!key) return;
    const contacts: unknown = (req.body as { contacts?: unknown } | undefined)?.contacts;
    if (!Array.isArray(contacts) || contacts.length === 0) {
      error(res, 400, ['contacts should not be empty', 'contacts must be an array'], { error: 'Bad Request' });
      return;
    }
    if (contacts.length > LUSHA_SIM_MAX_BULK) {
      error(res, 400, [`contacts must contain no more than ${LUSHA_SIM_MAX_BULK} elements`], { error: 'Bad Request' });
      return;
    }
    const ids = new Set<string>();
    const problems: string[] = [];
    contacts.forEach((c, i) => {
      const o = c && typeof c === 'object' ? (c as Record<string, unknown>) : {};
      const id = o.contactId;
      if (typeof id !== 'string' || !id) problems.push(`contacts.${i}.contactId must be a string`);
      else if (ids.has(id)) problems.push(`contacts.${i}.contactId must be unique`);
      else ids.add(id);
      if (!hasIdentifier(bulkQuery(o))) problems.push(`contacts.${i} must have one of email, linkedinUrl, or companies with fullName`);
    });
    if (problems.length) {
      error(res, 400, problems, { error: 'Bad Request' });
      return;
    }
    const out: Record<string, unknown> = {};
    const companies: Record<string, unknown> = {};
    for (const c of contacts as Record<string, unknown>[]) {
      const v = lookupPerson(key, bulkQuery(c));
      const id = c.contactId as string;
      if (v.kind === 'gdpr') {
        out[id] = { error: { code: 451, name: 'GDPR_RESTRICTED', message: GDPR_MESSAGE }, isCreditCharged: false };
      } else if (v.kind === 'miss') {
        out[id] = { error: EMPTY_DATA, isCreditCharged: false };
      } else {
        out[id] = { error: null, isCreditCharged: v.charged, data: personData(v.person, 'bulk') };
        companies[String(intId('lusha-company', v.person.company.domain))] = companyInPerson(v.person.company);
      }
    }
    res.json({ contacts: out, companies });
  });

  app.get('/v2/company', (req, res) => {
    const key = admit(req, res);
    if (!key) return;
    const domain = str(req.query.domain);
    const name = str(req.query.company);
    if (!domain && !name && !str(req.query.companyId)) {
      error(res, 400, 'Invalid request parameters');
      return;
    }
    const c = lookupCompany(key, domain, name);
    if (!c) {
      error(res, 404, 'Company not found');
      return;
    }
    res.json({ data: companySingle(c), meta: {} });
  });

  const bulkCompany = (req: Request, res: Response) => {
    const key = admit(req, res);
    if (!key) return;
    const list: unknown = (req.body as { companies?: unknown } | undefined)?.companies;
    if (!Array.isArray(list) || list.length === 0) {
      error(res, 400, ['companies should not be empty', 'companies must be an array'], { error: 'Bad Request' });
      return;
    }
    if (list.length > LUSHA_SIM_MAX_BULK) {
      error(res, 400, [`companies must contain no more than ${LUSHA_SIM_MAX_BULK} elements`], { error: 'Bad Request' });
      return;
    }
    const problems: string[] = [];
    list.forEach((c, i) => {
      const o = c && typeof c === 'object' ? (c as Record<string, unknown>) : {};
      if (typeof o.id !== 'string' || !o.id) problems.push(`companies.${i}.id must be a string`);
      if (!str(o.domain) && !str(o.name) && !str(o.fqdn) && !str(o.companyId)) {
        problems.push(`companies.${i} must have one of domain, name, fqdn or companyId`);
      }
    });
    if (problems.length) {
      error(res, 400, problems, { error: 'Bad Request' });
      return;
    }
    const out: Record<string, unknown> = {};
    for (const o of list as Record<string, unknown>[]) {
      const c = lookupCompany(key, str(o.domain) ?? str(o.fqdn), str(o.name));
      if (c) out[o.id as string] = companyBulk(c);
    }
    res.json(out);
  };
  app.post('/bulk/company/v2', bulkCompany);
  app.post('/v2/company', bulkCompany);

  app.get('/account/usage', (req, res) => {
    const key = keyOf(req);
    if (!key || !state.validKeys.has(key)) {
      error(res, 401, 'Invalid API key');
      return;
    }
    if (state.inactiveKeys.has(key)) {
      error(res, 403, 'Your account is not active. Please reach out to support at support@lusha.com');
      return;
    }
    const usageWindow: RateWindowSpec = { name: 'usage-minute', limit: LUSHA_USAGE_PER_MINUTE, windowMs: state.windowMs.minute };
    const now = arrivedAt(res);
    const verdict = state.windows.check(`usage#${hexId('key', key).slice(0, 24)}`, [usageWindow], now);
    if (!verdict.ok) {
      state.limitSignals++;
      res.set('RateLimit-Limit', String(LUSHA_USAGE_PER_MINUTE));
      res.set('RateLimit-Remaining', '0');
      res.set('RateLimit-Reset', String(Math.max(1, Math.ceil((verdict.resetAt - now) / 1000))));
      error(res, 429, 'Too many requests. Please wait before making another request.');
      return;
    }
    const total = state.creditsPerKey;
    const used = state.exhaustedKeys.has(key) ? total : Math.min(total, state.creditsUsed.get(key) ?? 0);
    res.json({ usage: { bulkCredits: { used, total, remaining: total - used } } });
  });

  app.use((req, res) => {
    error(res, 404, `Cannot ${req.method} ${req.path}`);
  });
  // Malformed JSON and other parser errors: 400 with Lusha's error body.
  app.use(parserErrors((res, status) => error(res, status, status === 400 ? 'Badly formatted request' : 'Internal server error. Please try again later.')));

  return { app, state, start: (port = 0) => listen(app, port) };
}
