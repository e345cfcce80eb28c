// Cognism simulator (https://app.cognism.com/api/search; VENDORS.md "Cognism"): a real HTTP server
// with Cognism's two-phase contact enrichment under /api/search:
// - POST /contact/enrich — free preview `{matchScore, results: [{id, redeemId, fullName, jobTitle,
//   account: {id, name, has…}, hasEmail, hasMobilePhoneNumbers, …}]}`; below `minMatchScore`
//   (default 30) nothing comes back (`{"results": []}`). Unknown body fields are refused (400), as
//   Cognism's schema allows no extra properties;
// - POST /contact/redeem `{"redeemIds": [1..20]}` — the full records; more than 20 ids → 400;
// - GET /entitlement/contactEntitlementSubscription — which contact fields the key may redeem (free);
// - auth `Authorization: Bearer <key>` (or `api_key` in the query); 401 `[{"key":
//   "MissingCredentials", "code": 401, "msg": "Missing required credentials"}]` for a bad or
//   expired key alike;
// - limits per key, clock-aligned: 1,000 requests/min for the account over every endpoint, plus a
//   per-endpoint cap (Cognism's is unpublished; 600/min here). Over either → 429
//   `{"errors": [{"code": 88, "message": "Rate limit exceeded"}]}` with `x-rate-limit-reset` = the
//   seconds until the window resets (a delta). Remaining/limit headers only when `rateHeaders`;
// - billing: 1 credit per contact the key redeems for the FIRST time; redeeming it again is free.
//   A redeem that needs more new credits than are left → 402 and nothing is redeemed.
//
// Data comes from world.ts: Cognism "knows" a stable, seeded share (`coverage`) of the world's people.
// A LinkedIn-only lookup finds people this simulator has already previewed (a LinkedIn slug cannot be
// inverted to a company domain); otherwise it is a miss.
import type express from 'express';
import type { Request, Response } from 'express';
import { personByEmail, personByName, unit, vendorKnows } from '../world.ts';
import type { WorldPerson } from '../world.ts';
import {
  adminRoutes,
  arrivedAt,
  bearerToken,
  creditAllowances,
  createSimState,
  domainForCompanyName as domainForAccountName,
  faultAndLatency,
  listen,
  nonEmpty as str,
  parserErrors,
  sha256Hex as hex,
  simApp,
  simDomain,
  simLinkedin,
  uuidFrom as uuid,
} from './common.ts';
import type { CreditsOption } from './common.ts';
import type { RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

export type CognismEndpoint = 'contact/enrich' | 'contact/redeem' | 'entitlement';

export interface CognismSimOptions extends SimOptions {
  /** Share of the world's people Cognism knows (default 0.7). */
  coverage?: number;
  /** The account-wide window over every endpoint (default 1,000 per 60 s). */
  accountLimit?: { limit?: number; windowMs?: number };
  /** Per-endpoint caps, per window of `endpointWindowMs` (default 600 each: Cognism's is unpublished). */
  endpointLimits?: Partial<Record<CognismEndpoint, number>>;
  endpointWindowMs?: number;
  /** Credits a key may spend on first-time redeems: one number for every key, or per key. Default 1,000,000. */
  creditsPerKey?: CreditsOption;
  /** Keys Cognism considers expired (six months old): 401 like a bad key. */
  expiredKeys?: string[];
  /** Send `x-rate-limit-limit` / `x-rate-limit-remaining` / `x-rate-limit-reset` on every answer (default false: undocumented). */
  rateHeaders?: boolean;
  /** Whether the keys' entitlement includes mobile numbers (default true). */
  mobileEntitled?: boolean;
}

export interface CognismConfig {
  coverage: number;
  account: RateWindowSpec;
  endpoints: Record<CognismEndpoint, RateWindowSpec>;
  defaultCredits: number;
  creditsPerKey: Map<string, number>;
  expiredKeys: Set<string>;
  rateHeaders: boolean;
  mobileEntitled: boolean;
}

export interface CognismSimState extends SimState {
  config: CognismConfig;
  /** Credits spent per key. */
  creditsUsed: Map<string, number>;
  /** Requests per path, for tests counting previews and redeems. */
  calls: Record<CognismEndpoint, number>;
  /** (key hash, contact id) pairs already redeemed: a repeat costs no credit. */
  redeemed: Set<string>;
}

export interface CognismSim {
  app: express.Express;
  state: CognismSimState;
  /** Listens on 127.0.0.1 (port 0 = any free port); the client base URL is `${url}/api/search`. */
  start(port?: number): Promise<RunningServer>;
}

export const COGNISM_SIM_MAX_REDEEM = 20;
const DEFAULT_CREDITS = 1_000_000;
const DEFAULT_MIN_MATCH_SCORE = 30;

/** The enrich body fields Cognism's schema defines (anything else is refused). */
const ENRICH_FIELDS = new Set([
  'firstName', 'lastName', 'linkedinUrl', 'phoneNumber', 'jobTitle', 'email', 'sha256', 'accountWebsite', 'accountName',
  'anchorFields', 'minMatchScore',
]);

export function cognismConfig(opts: CognismSimOptions): CognismConfig {
  const epMs = opts.endpointWindowMs ?? 60_000;
  const ep = (name: CognismEndpoint): RateWindowSpec => ({ name, limit: opts.endpointLimits?.[name] ?? 600, windowMs: epMs });
  return {
    coverage: opts.coverage ?? 0.7,
    account: { name: 'account', limit: opts.accountLimit?.limit ?? 1_000, windowMs: opts.accountLimit?.windowMs ?? 60_000 },
    endpoints: { 'contact/enrich': ep('contact/enrich'), 'contact/redeem': ep('contact/redeem'), entitlement: ep('entitlement') },
    ...creditAllowances(opts.creditsPerKey, DEFAULT_CREDITS),
    expiredKeys: new Set(opts.expiredKeys ?? []),
    rateHeaders: opts.rateHeaders ?? false,
    mobileEntitled: opts.mobileEntitled ?? true,
  };
}

// ---------------------------------------------------------------------------------------------
// Ids and bodies


export const cognismContactId = (p: WorldPerson) => uuid('cognism-contact', p.email);
const accountId = (domain: string) => uuid('cognism-account', domain);

/** Cognism's redeemId: base64 of "contactId;positionId;accountId". */
export function cognismRedeemId(p: WorldPerson): string {
  const raw = `${cognismContactId(p)};${uuid('cognism-position', p.email, p.title)};${accountId(p.company.domain)}`;
  return Buffer.from(raw, 'utf8').toString('base64');
}

function contactIdOf(redeemId: string): string | undefined {
  try {
    const first = Buffer.from(redeemId, 'base64').toString('utf8').split(';')[0];
    return first && /^[0-9a-f-]{36}$/.test(first) ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Which lookups of a person have a mobile / a Do-Not-Call flag: stable per person. */
const hasMobile = (p: WorldPerson) => unit('cognism-mobile', p.email) < 0.6;
const mobileDnc = (p: WorldPerson) => unit('cognism-dnc', p.email) < 0.1;
const hasEmail = (p: WorldPerson) => p.mailbox !== 'invalid' && p.mailbox !== 'disposable';

function emailQuality(p: WorldPerson): string {
  switch (p.mailbox) {
    case 'valid':
      return unit('cognism-quality', p.email) < 0.7 ? 'HIGH_PLUS' : 'HIGH';
    case 'accept_all':
      return 'MEDIUM';
    default:
      return 'LOW';
  }
}

const MANAGEMENT_LEVEL: Record<string, string> = {
  c_suite: 'C-Level', vp: 'VP-Level', head: 'Director-Level', director: 'Director-Level', manager: 'Manager-Level',
  senior: 'Senior', entry: 'Entry-Level', founder: 'C-Level',
};

function accountPreview(p: WorldPerson): Record<string, unknown> {
  return {
    id: accountId(p.company.domain),
    name: p.company.name,
    hasDomain: true,
    hasIndustries: true,
    hasDescription: false,
    hasShortDescription: false,
    hasFounded: false,
    hasWebsite: true,
    hasLinkedinUrl: true,
    hasRevenue: true,
    hasSic: false,
    hasIsic: false,
    hasNaics: false,
    hasHeadcount: true,
    hasSize: true,
    hasTechnologies: p.company.tech.length > 0,
    hasType: false,
    hasLocation: true,
    hasOfficePhoneNumbers: true,
    hasHqPhoneNumbers: false,
    hasHiringEvent: false,
  };
}

function previewBody(p: WorldPerson, mobileEntitled: boolean): Record<string, unknown> {
  return {
    id: cognismContactId(p),
    fullName: `${p.firstName} ${p.lastName}`,
    firstName: p.firstName,
    lastName: p.lastName,
    jobTitle: p.title,
    hasManagementLevel: true,
    hasSeniority: true,
    hasJobFunction: false,
    hasPositionStartDate: false,
    hasEmail: hasEmail(p),
    hasMobilePhoneNumbers: mobileEntitled && hasMobile(p),
    hasDirectPhoneNumbers: false,
    hasJobJoinEvent: false,
    hasJobLeaveEvent: false,
    hasLocationMoveEvent: false,
    hasCountry: true,
    hasState: true,
    hasCity: true,
    hasZip: false,
    hasStreet: false,
    hasLinkedinUrl: true,
    hasEducation: false,
    hasPreviousAccounts: false,
    hasSkills: false,
    hasLastConfirmed: true,
    redeemId: cognismRedeemId(p),
    account: accountPreview(p),
  };
}

function contactBody(p: WorldPerson, mobileEntitled: boolean): Record<string, unknown> {
  const c = p.company;
  const band = [[10, 1, 10], [50, 11, 50], [200, 51, 200], [500, 201, 500], [1000, 501, 1000], [5000, 1001, 5000]].find(
    ([max]) => c.employees <= (max as number),
  ) ?? [0, 5001, 10000];
  const body: Record<string, unknown> = {
    account: {
      name: c.name,
      id: accountId(c.domain),
      officePhoneNumbers: [{ number: c.phone.replace(/\s/g, ''), numberType: 'FIXED_LINE', label: 'COMPANY_SWITCHBOARD', score: 20, dnc: false, addressType: 'office' }],
      headcount: c.employees,
      sizeFrom: band[1],
      sizeTo: band[2],
      location: [{ addressType: 'hq', country: c.country, state: c.state, city: c.city }],
      technologies: c.tech.map((t) => t.replace(/(^|\s)([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase())),
      type: 'Privately Held',
      domain: c.domain,
      industry: [c.industry.replace(/(^|\s)([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase())],
      revenue: c.annualRevenue,
      linkedinUrl: c.linkedinUrl,
      website: c.domain,
      founded: 1990 + Math.floor(unit('cognism-founded', c.domain) * 34),
      lastConfirmed: 1_700_000_000_000 + Math.floor(unit('cognism-confirmed', c.domain) * 1e10),
    },
    jobTitle: p.title,
    lastName: p.lastName,
    firstName: p.firstName,
    fullName: `${p.firstName} ${p.lastName}`,
    id: cognismContactId(p),
    privacyNotificationSent: true,
    linkedinUrl: p.linkedinUrl,
    country: p.country,
    state: p.state,
    city: p.city,
    seniority: [p.seniority],
    managementLevel: MANAGEMENT_LEVEL[p.seniority] ?? 'Senior',
    jobFunction: [],
    lastConfirmed: 1_700_000_000_000 + Math.floor(unit('cognism-confirmed', p.email) * 1e10),
    redeemId: cognismRedeemId(p),
  };
  if (hasEmail(p)) {
    body.email = { address: p.email, quality: emailQuality(p), sha256: hex(p.email) };
  }
  if (mobileEntitled && hasMobile(p)) {
    body.mobilePhoneNumbers = [
      {
        number: p.phone.replace(/\s/g, ''),
        numberType: 'MOBILE',
        label: 'DIRECT_DIAL',
        score: 60 + Math.floor(unit('cognism-phone-score', p.email) * 40),
        dnc: mobileDnc(p),
      },
    ];
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Request helpers

function keyOf(req: Request): string | null {
  const bearer = bearerToken(req);
  if (bearer) return bearer;
  const q = req.query.api_key;
  return typeof q === 'string' && q.trim() ? q.trim() : null;
}

function cognismError(res: Response, status: number, key: string, msg: string): void {
  res.status(status).json([{ key, code: status, msg }]);
}


// ---------------------------------------------------------------------------------------------

export function createCognismSim(opts: CognismSimOptions): CognismSim {
  const state: CognismSimState = Object.assign(createSimState('cognism', opts, true), {
    config: cognismConfig(opts),
    creditsUsed: new Map<string, number>(),
    calls: { 'contact/enrich': 0, 'contact/redeem': 0, entitlement: 0 } as Record<CognismEndpoint, number>,
    redeemed: new Set<string>(),
  });
  const validKeys = new Set(opts.validKeys);
  const cfg = () => state.config;
  /** People previewed so far, by LinkedIn URL (for LinkedIn-only lookups) and by contact id (for redeem). */
  const seenByLinkedin = new Map<string, WorldPerson>();
  const issued = new Map<string, WorldPerson>();
  const allowance = (key: string) => cfg().creditsPerKey.get(key) ?? cfg().defaultCredits;

  /** Auth, then the account and endpoint windows (counted together at arrival). */
  function gate(req: Request, res: Response, ep: CognismEndpoint): string | null {
    state.calls[ep]++;
    const key = keyOf(req);
    if (!key || !validKeys.has(key) || cfg().expiredKeys.has(key)) {
      cognismError(res, 401, 'MissingCredentials', 'Missing required credentials');
      return null;
    }
    const now = arrivedAt(res);
    const account = cfg().account;
    const endpoint = cfg().endpoints[ep];
    const verdict = state.windows.check(hex('key', key).slice(0, 24), [account, endpoint], now);
    const resetSec = (w: RateWindowSpec) => Math.max(1, Math.ceil(((Math.floor(now / w.windowMs) + 1) * w.windowMs - now) / 1000));
    if (!verdict.ok) {
      state.limitSignals++;
      res.set('x-rate-limit-reset', String(Math.max(1, Math.ceil((verdict.resetAt - now) / 1000))));
      if (cfg().rateHeaders) {
        res.set('x-rate-limit-limit', String(account.limit));
        res.set('x-rate-limit-remaining', '0');
      }
      res.status(429).json({ errors: [{ code: 88, message: 'Rate limit exceeded' }] });
      return null;
    }
    if (cfg().rateHeaders) {
      res.set('x-rate-limit-limit', String(account.limit));
      res.set('x-rate-limit-remaining', String(verdict.remaining.account ?? account.limit));
      res.set('x-rate-limit-reset', String(resetSec(account)));
    }
    return key;
  }

  function resolve(body: Record<string, unknown>): { person: WorldPerson; kind: string } | null {
    const email = str(body.email);
    if (email) {
      const p = personByEmail(email);
      return p ? { person: p, kind: 'email' } : null;
    }
    const linkedin = str(body.linkedinUrl);
    if (linkedin) {
      const li = simLinkedin(linkedin);
      const p = li ? seenByLinkedin.get(li) : undefined;
      return p ? { person: p, kind: 'linkedin' } : null;
    }
    const first = str(body.firstName);
    const last = str(body.lastName);
    if (!first || !last) return null;
    const website = str(body.accountWebsite);
    if (website) {
      const p = personByName(first, last, simDomain(website));
      return p ? { person: p, kind: 'name+website' } : null;
    }
    const name = str(body.accountName);
    const domain = name ? domainForAccountName(name) : undefined;
    const p = domain ? personByName(first, last, domain) : null;
    return p ? { person: p, kind: 'name+account' } : null;
  }

  /** A deterministic match score per lookup kind: unique identifiers score high, names lower. */
  function matchScore(p: WorldPerson, kind: string): number {
    const [lo, hi] = kind === 'email' ? [40, 95] : kind === 'linkedin' ? [45, 95] : kind === 'name+website' ? [32, 80] : [20, 70];
    return Math.round(lo + unit('cognism-score', kind, p.email) * (hi - lo));
  }

  const app = simApp({ jsonLimit: '1mb' });

  // Cognism-specific admin: credits by key tail (keys are never echoed), config, reset.
  app.get('/__sandbox/cognism', (_req, res) => {
    res.json({
      credits: [...state.creditsUsed.entries()].map(([k, used]) => ({ keyTail: k.slice(-4), used, allowance: allowance(k) })),
      calls: state.calls,
      limitSignals: state.limitSignals,
    });
  });
  app.post('/__sandbox/cognism/config', (req, res) => {
    const body = (req.body ?? {}) as { coverage?: number; defaultCredits?: number; rateHeaders?: boolean; mobileEntitled?: boolean };
    const c = cfg();
    if (typeof body.coverage === 'number') c.coverage = body.coverage;
    if (typeof body.defaultCredits === 'number') c.defaultCredits = body.defaultCredits;
    if (typeof body.rateHeaders === 'boolean') c.rateHeaders = body.rateHeaders;
    if (typeof body.mobileEntitled === 'boolean') c.mobileEntitled = body.mobileEntitled;
    res.json({ coverage: c.coverage, defaultCredits: c.defaultCredits, rateHeaders: c.rateHeaders, mobileEntitled: c.mobileEntitled });
  });
  app.use(
    adminRoutes(state, () => {
      state.creditsUsed.clear();
      state.redeemed.clear();
      for (const k of Object.keys(state.calls) as CognismEndpoint[]) state.calls[k] = 0;
    }),
  );
  app.use(faultAndLatency(state, keyOf));

  app.post('/api/search/contact/enrich', (req, res) => {
    const key = gate(req, res, 'contact/enrich');
    if (!key) return;
    const body = req.body as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return cognismError(res, 400, 'InvalidRequest', 'The request body must be a JSON object');
    }
    const b = body as Record<string, unknown>;
    const extra = Object.keys(b).find((k) => !ENRICH_FIELDS.has(k));
    if (extra) return cognismError(res, 400, 'InvalidRequest', `Unrecognized field "${extra}"`);
    const hasIdentifier = str(b.email) || str(b.linkedinUrl) || str(b.sha256) || (str(b.firstName) && str(b.lastName));
    if (!hasIdentifier) return cognismError(res, 400, 'InvalidRequest', 'Provide email, linkedinUrl, or firstName and lastName');
    const minScore = typeof b.minMatchScore === 'number' ? b.minMatchScore : DEFAULT_MIN_MATCH_SCORE;
    const found = resolve(b);
    if (!found || !vendorKnows('cognism', found.person.email, cfg().coverage)) {
      res.json({ results: [] });
      return;
    }
    const score = matchScore(found.person, found.kind);
    if (score < minScore) {
      res.json({ results: [] });
      return;
    }
    const li = simLinkedin(found.person.linkedinUrl);
    if (li) seenByLinkedin.set(li, found.person);
    issued.set(cognismContactId(found.person), found.person);
    res.json({ matchScore: score, results: [previewBody(found.person, cfg().mobileEntitled)] });
  });

  app.post('/api/search/contact/redeem', (req, res) => {
    const key = gate(req, res, 'contact/redeem');
    if (!key) return;
    const ids: unknown = (req.body as { redeemIds?: unknown } | undefined)?.redeemIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > COGNISM_SIM_MAX_REDEEM || ids.some((x) => typeof x !== 'string')) {
      return cognismError(res, 400, 'InvalidRequest', `redeemIds must be an array of 1 to ${COGNISM_SIM_MAX_REDEEM} redeem ids`);
    }
    const people = (ids as string[]).map((id) => {
      const contactId = contactIdOf(id);
      return contactId ? issued.get(contactId) : undefined;
    });
    // Credits: only contacts this key never redeemed cost one; refuse the whole request if short.
    const redeemedId = (p: WorldPerson) => `${hex('key', key).slice(0, 24)}|${cognismContactId(p)}`;
    const fresh = new Set(people.filter((p): p is WorldPerson => !!p && !state.redeemed.has(redeemedId(p))).map(redeemedId));
    const used = state.creditsUsed.get(key) ?? 0;
    if (used + fresh.size > allowance(key)) {
      state.limitSignals++;
      return cognismError(res, 402, 'InsufficientCredits', `Not enough credits to redeem ${fresh.size} contact(s)`);
    }
    const results: Record<string, unknown>[] = [];
    for (const p of people) {
      if (!p) continue;
      if (!state.redeemed.has(redeemedId(p))) {
        state.redeemed.add(redeemedId(p));
        state.creditsUsed.set(key, (state.creditsUsed.get(key) ?? 0) + 1);
      }
      // The counter applies the same rule (repeat-free) and counts the free repeats.
      state.billing.charge(key, 'contact_redeem', cognismContactId(p), 1);
      results.push(contactBody(p, cfg().mobileEntitled));
    }
    res.json({ totalResults: results.length, results });
  });

  app.get('/api/search/entitlement/contactEntitlementSubscription', (req, res) => {
    const key = gate(req, res, 'entitlement');
    if (!key) return;
    const mobile = cfg().mobileEntitled;
    res.json({
      'contact Entitlement': {
        city: true, lastConfirmed: true, zip: false, directPhoneNumbers: false, mobilePhoneNumbers: mobile,
        privacyNotificationSent: true, locationMoveEvent: false, lastName: true, education: false, jobLeaveEvent: false,
        region: true, managementLevel: true, jobTitle: true, email: true, positionStartDate: false, state: true,
        officePhoneNumbers: true, fullName: true, searchOptions: true, country: true, firstName: true, id: true,
        jobFunction: true, previousAccount: false, hqPhoneNumbers: false, jobJoinEvent: false, linkedinUrl: true,
        skills: false, seniority: true, street: false, account: true,
      },
    });
  });

  app.use((_req, res) => cognismError(res, 404, 'RouteNotFound', 'Not found'));
  // Malformed JSON and other parser errors: Cognism answers 400 in its error form.
  app.use(parserErrors((res, status, message) => cognismError(res, status, status === 400 ? 'InvalidRequest' : 'InternalError', message)));

  return { app, state, start: (port = 0) => listen(app, port) };
}
