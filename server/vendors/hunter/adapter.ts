// Hunter (https://api.hunter.io/v2): e-mail finder, e-mail verifier, and Clearbit-style person and
// company enrichment. Facts from VENDORS.md "Hunter":
// - auth: X-API-KEY header (the key never goes into the URL);
// - a miss is 200 with `data.email: null` (finder) or 404 (people/companies find); misses are free;
// - 403 is the *rate-limit* signal (short back-off), 429 means the plan's monthly quota is used up;
// - the verifier answers 202 while still verifying and 222 when the remote SMTP server failed;
// - 451 `claimed_email`: the person opted out, never process them;
// - repeat searches of the same lookup within the billing period are free.
import { vendorFetch, failureResult, unexpectedStatus } from '../http.ts';
import {
  canonicalEmailStatus,
  nameKey,
  normalizeDomain,
  normalizeEmail,
  normalizeLinkedinUrl,
  normalizeName,
  normalizePhone,
} from '../normalize.ts';
import type {
  BillingRule,
  CallContext,
  ContactFacts,
  FieldValue,
  Lookup,
  OperationSpec,
  PartialProfile,
  RateWindow,
  VendorAdapter,
  VendorResult,
} from '../types.ts';
import {
  companyResponse,
  finderResponse,
  hunterErrorBody,
  personResponse,
  verifierResponse,
} from './schemas.ts';
import type { CompanyData, FinderData, PersonData, VerifierData } from './schemas.ts';

export const HUNTER_BASE_URL = 'https://api.hunter.io/v2';

const BILLING: BillingRule = { chargesOnMiss: false, repeatLookupsFree: true };
const GENERAL_WINDOWS: readonly RateWindow[] = [
  { limit: 15, windowMs: 1_000 },
  { limit: 500, windowMs: 60_000 },
];
const VERIFIER_WINDOWS: readonly RateWindow[] = [
  { limit: 10, windowMs: 1_000 },
  { limit: 300, windowMs: 60_000 },
];

/** Back-off after Hunter's 403 rate-limit signal (it sends no reset header). */
export const RATE_LIMIT_BACKOFF_MS = 1_000;
/** Back-off after a 202 "still verifying": the verification finishes on Hunter's side meanwhile. */
export const VERIFYING_BACKOFF_MS = 1_500;
/** Back-off after a 222 remote SMTP failure: the receiving server is the problem, give it time. */
export const SMTP_FAILURE_BACKOFF_MS = 60_000;

// Confidence of values that carry no score of their own.
const FINDER_FIELD_CONFIDENCE = 0.75;
const ENRICHMENT_CONFIDENCE = 0.8;
/** Confidence when Hunter returned an e-mail / a status without a usable score. */
const UNSCORED_CONFIDENCE = 0.5;

/** Free-mail domains: their "company" is not the contact's employer, so companies_find skips them. */
const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'msn.com', 'aol.com',
  'icloud.com', 'me.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'web.de', 'yandex.ru', 'mail.ru',
]);

const PATHS: Record<string, string> = {
  email_finder: '/email-finder',
  email_verifier: '/email-verifier',
  people_find: '/people/find',
  companies_find: '/companies/find',
};

// ---------------------------------------------------------------------------------------------
// Lookups

function emailLookup(facts: ContactFacts): Lookup | null {
  const email = normalizeEmail(facts.email);
  return email ? { key: `email:${email}`, params: { email } } : null;
}

function finderLookup(facts: ContactFacts): Lookup | null {
  const first = normalizeName(facts.first_name);
  const last = normalizeName(facts.last_name);
  if (!first || !last) return null;
  const domain = normalizeDomain(facts.domain);
  if (domain) {
    return {
      key: `name:${nameKey(first)}|${nameKey(last)}|${domain}`,
      params: { first_name: first, last_name: last, domain },
    };
  }
  const company = normalizeName(facts.company_name);
  if (!company) return null;
  return {
    key: `name:${nameKey(first)}|${nameKey(last)}|company:${nameKey(company)}`,
    params: { first_name: first, last_name: last, company },
  };
}

function companyLookup(facts: ContactFacts): Lookup | null {
  let domain = normalizeDomain(facts.domain);
  if (!domain) {
    const fromEmail = normalizeDomain(normalizeEmail(facts.email));
    if (fromEmail && !FREE_MAIL.has(fromEmail)) domain = fromEmail;
  }
  return domain ? { key: `domain:${domain}`, params: { domain } } : null;
}

// ---------------------------------------------------------------------------------------------
// Normalizers: tolerant, never throw, every value a non-empty string, every confidence in [0, 1].

const clamp01 = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : UNSCORED_CONFIDENCE);

/** Hunter's 0–100 score as a 0..1 confidence; null when there is no usable score. */
function scoreConfidence(score: unknown): number | null {
  const n = typeof score === 'number' ? score : typeof score === 'string' && score.trim() !== '' ? Number(score) : NaN;
  return Number.isFinite(n) ? clamp01(n / 100) : null;
}

/** Free text (title, company name, industry…): NFKC, single-spaced, trimmed, bounded. */
function text(raw: unknown, max = 200): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
  return s ? s.slice(0, max).trim() || undefined : undefined;
}

class ProfileBuilder {
  readonly profile: PartialProfile = {};

  set(field: keyof PartialProfile, value: string | undefined, confidence: number): void {
    if (value === undefined || value.trim() === '') return;
    const fv: FieldValue = { value, confidence: clamp01(confidence) };
    this.profile[field] = fv;
  }
}

/** A LinkedIn handle as Hunter sends it ("ada-lovelace-1", "in/ada-lovelace-1", "company/acme" or a URL). */
function linkedinFromHandle(raw: unknown, kind: 'in' | 'company'): string | undefined {
  const h = text(raw, 300);
  if (!h) return undefined;
  if (/linkedin\.com\//i.test(h)) return normalizeLinkedinUrl(h);
  const path = h.replace(/^\/+/, '');
  return normalizeLinkedinUrl(/^(in|company|pub)\//i.test(path) ? `linkedin.com/${path}` : `linkedin.com/${kind}/${path}`);
}

export function normalizeFinder(d: FinderData): PartialProfile {
  const b = new ProfileBuilder();
  const emailConfidence = scoreConfidence(d.score) ?? UNSCORED_CONFIDENCE;
  const email = normalizeEmail(d.email);
  b.set('work_email', email, emailConfidence);
  if (email && d.verification?.status) {
    const status = canonicalEmailStatus(d.verification.status);
    if (status !== 'unknown') b.set('email_status', status, FINDER_FIELD_CONFIDENCE);
  }
  b.set('first_name', normalizeName(d.first_name), FINDER_FIELD_CONFIDENCE);
  b.set('last_name', normalizeName(d.last_name), FINDER_FIELD_CONFIDENCE);
  b.set('job_title', text(d.position), FINDER_FIELD_CONFIDENCE);
  b.set('linkedin_url', normalizeLinkedinUrl(d.linkedin_url), FINDER_FIELD_CONFIDENCE);
  b.set('phone', normalizePhone(d.phone_number), FINDER_FIELD_CONFIDENCE);
  b.set('company_name', text(d.company), FINDER_FIELD_CONFIDENCE);
  b.set('company_domain', normalizeDomain(d.domain), FINDER_FIELD_CONFIDENCE);
  return b.profile;
}

export function normalizeVerifier(d: VerifierData): PartialProfile {
  const b = new ProfileBuilder();
  // `result` is Hunter's deprecated field (deliverable/undeliverable/risky): a fallback only.
  const status = canonicalEmailStatus(d.status ?? d.result);
  b.set('email_status', status, scoreConfidence(d.score) ?? UNSCORED_CONFIDENCE);
  return b.profile;
}

export function normalizePerson(d: PersonData): PartialProfile {
  const b = new ProfileBuilder();
  const c = ENRICHMENT_CONFIDENCE;
  b.set('first_name', normalizeName(d.name?.givenName), c);
  b.set('last_name', normalizeName(d.name?.familyName), c);
  b.set('job_title', text(d.employment?.title), c);
  b.set('seniority', text(d.employment?.seniority, 60), c);
  b.set('linkedin_url', linkedinFromHandle(d.linkedin?.handle, 'in'), c);
  b.set('phone', normalizePhone(d.phone), c);
  b.set('city', text(d.geo?.city, 100), c);
  b.set('state', text(d.geo?.state, 100), c);
  b.set('country', text(d.geo?.country, 100), c);
  b.set('company_name', text(d.employment?.name), c);
  b.set('company_domain', normalizeDomain(d.employment?.domain), c);
  return b.profile;
}

function employeeCount(m: CompanyData['metrics']): string | undefined {
  const raw = m?.employees ?? m?.employeesRange;
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? String(Math.round(raw)) : undefined;
  // Keep Hunter's range string ("51-200", "10K+") as it is.
  return text(raw, 40);
}

function annualRevenue(m: CompanyData['metrics']): string | undefined {
  const raw = m?.annualRevenue;
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? String(Math.round(raw)) : undefined;
  return text(raw, 60) ?? text(m?.estimatedAnnualRevenue, 60);
}

export function normalizeCompany(d: CompanyData): PartialProfile {
  const b = new ProfileBuilder();
  const c = ENRICHMENT_CONFIDENCE;
  b.set('company_name', text(d.name) ?? text(d.legalName), c);
  b.set('company_domain', normalizeDomain(d.domain), c);
  b.set('industry', text(d.category?.industry) ?? text(d.category?.industryGroup) ?? text(d.category?.sector), c);
  b.set('employee_count', employeeCount(d.metrics), c);
  b.set('annual_revenue', annualRevenue(d.metrics), c);
  const tech = [...new Set(d.tech.map((t) => text(t, 60)).filter((t): t is string => t !== undefined && !t.includes(',')))];
  b.set('tech_stack', tech.length ? tech.join(', ').slice(0, 1000) : undefined, c);
  b.set('company_linkedin_url', linkedinFromHandle(d.linkedin?.handle, 'company'), c);
  return b.profile;
}

// ---------------------------------------------------------------------------------------------
// Response interpretation (pure: status + parsed body → VendorResult)

function errorDetails(json: unknown): { id?: string; details?: string } {
  const parsed = hunterErrorBody.safeParse(json);
  const first = parsed.success ? parsed.data.errors?.[0] : undefined;
  return { id: first?.id ?? undefined, details: first?.details ?? undefined };
}

function describe(status: number, json: unknown, fallback: string): string {
  const e = errorDetails(json);
  const parts = [e.id, e.details].filter((x): x is string => !!x);
  return `HTTP ${status}: ${(parts.length ? parts.join(': ') : fallback).slice(0, 160)}`;
}

/** Retry-After as delay seconds or an HTTP date, as epoch ms; undefined when absent or unusable. */
function retryAfter(headers: Headers | undefined, now: number): number | undefined {
  const raw = headers?.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return now + Math.ceil(Number(raw) * 1000);
  const t = Date.parse(raw);
  return Number.isFinite(t) && t > now ? t : undefined;
}

/** Start of the next UTC month: when a monthly plan quota resets unless Hunter says otherwise. */
export function nextUtcMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function quotaResetAt(json: unknown, headers: Headers | undefined, now: number): number {
  const fromHeader = retryAfter(headers, now);
  if (fromHeader !== undefined) return fromHeader;
  const details = errorDetails(json).details ?? '';
  const m = /\b(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)\b/.exec(details);
  if (m?.[1]) {
    const iso = /T|\s/.test(m[1]) ? m[1].replace(' ', 'T') : `${m[1]}T00:00:00Z`;
    const t = Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
    if (Number.isFinite(t) && t > now) return t;
  }
  return nextUtcMonthStart(now);
}

function badShape(status: number): VendorResult {
  // Hunter answered 2xx but not in a shape we know: treat as "no usable answer", retryable.
  return { outcome: 'transient', httpStatus: status, billed: false, message: `HTTP ${status}: unexpected response shape` };
}

function interpret200(operationId: string, json: unknown): VendorResult {
  switch (operationId) {
    case 'email_finder': {
      const r = finderResponse.safeParse(json);
      if (!r.success) return badShape(200);
      const found = typeof r.data.data.email === 'string' && r.data.data.email.trim() !== '';
      if (!found) return { outcome: 'miss', httpStatus: 200, billed: false, message: 'no e-mail found' };
      const profile = normalizeFinder(r.data.data);
      // Hunter bills any returned e-mail, even one we cannot use.
      return profile.work_email
        ? { outcome: 'hit', httpStatus: 200, billed: true, profile }
        : { outcome: 'miss', httpStatus: 200, billed: true, message: 'unusable e-mail returned' };
    }
    case 'email_verifier': {
      const r = verifierResponse.safeParse(json);
      if (!r.success) return badShape(200);
      // Every completed verification is billed, whatever its verdict.
      return { outcome: 'hit', httpStatus: 200, billed: true, profile: normalizeVerifier(r.data.data) };
    }
    case 'people_find': {
      if (json !== null && typeof json === 'object' && (json as { data?: unknown }).data === null) {
        return { outcome: 'miss', httpStatus: 200, billed: false, message: 'person not found' };
      }
      const r = personResponse.safeParse(json);
      if (!r.success) return badShape(200);
      return { outcome: 'hit', httpStatus: 200, billed: true, profile: normalizePerson(r.data.data) };
    }
    case 'companies_find': {
      if (json !== null && typeof json === 'object' && (json as { data?: unknown }).data === null) {
        return { outcome: 'miss', httpStatus: 200, billed: false, message: 'company not found' };
      }
      const r = companyResponse.safeParse(json);
      if (!r.success) return badShape(200);
      return { outcome: 'hit', httpStatus: 200, billed: true, profile: normalizeCompany(r.data.data) };
    }
    default:
      return { outcome: 'invalid_input', httpStatus: 200, billed: false, message: `unknown operation ${operationId}` };
  }
}

/**
 * Maps one Hunter answer to a VendorResult. Pure and total: any status and any body give a result.
 * `now` is injectable so tests can check the back-off times.
 */
export function interpretHunterResponse(
  operationId: string,
  status: number,
  json: unknown,
  headers?: Headers,
  now = Date.now(),
): VendorResult {
  switch (status) {
    case 200:
      return interpret200(operationId, json);
    case 202:
      return {
        outcome: 'transient',
        httpStatus: 202,
        billed: false,
        retryAt: retryAfter(headers, now) ?? now + VERIFYING_BACKOFF_MS,
        message: 'HTTP 202: verification still in progress',
      };
    case 222:
      return {
        outcome: 'transient',
        httpStatus: 222,
        billed: false,
        retryAt: retryAfter(headers, now) ?? now + SMTP_FAILURE_BACKOFF_MS,
        message: describe(222, json, 'remote SMTP server failure'),
      };
    case 400:
    case 422:
      return { outcome: 'invalid_input', httpStatus: status, billed: false, message: describe(status, json, 'invalid parameters') };
    case 401:
      return { outcome: 'auth_failed', httpStatus: 401, billed: false, message: describe(401, json, 'authentication failed') };
    case 403:
      return {
        outcome: 'rate_limited',
        httpStatus: 403,
        billed: false,
        retryAt: retryAfter(headers, now) ?? now + RATE_LIMIT_BACKOFF_MS,
        message: describe(403, json, 'rate limit reached'),
      };
    case 404:
      return { outcome: 'miss', httpStatus: 404, billed: false, message: describe(404, json, 'not found') };
    case 429:
      return {
        outcome: 'quota_exhausted',
        httpStatus: 429,
        billed: false,
        retryAt: quotaResetAt(json, headers, now),
        message: describe(429, json, 'monthly quota used up'),
      };
    case 451:
      return {
        outcome: 'miss',
        httpStatus: 451,
        billed: false,
        doNotProcess: true,
        message: describe(451, json, 'claimed_email: the person opted out'),
      };
    default:
      return unexpectedStatus(status, typeof json === 'object' && json !== null ? JSON.stringify(json) : '');
  }
}

// ---------------------------------------------------------------------------------------------
// The adapter

function op(
  id: string,
  label: string,
  groups: OperationSpec['groups'],
  costMillicents: number,
  rateWindows: readonly RateWindow[],
  lookup: OperationSpec['lookup'],
): OperationSpec {
  return { id, label, groups, costMillicents, billing: BILLING, rateWindows, lookup };
}

/** Removes the key from any text that may reach a log (defence in depth: Hunter does not echo it). */
function scrubKey(message: string | undefined, apiKey: string): string | undefined {
  return message && apiKey ? message.split(apiKey).join('[key]') : message;
}

export const hunterAdapter: VendorAdapter = {
  id: 'hunter',
  displayName: 'Hunter',
  // Default prices: a Hunter credit ≈ 10 cents = 10,000 millicents.
  operations: {
    email_finder: op('email_finder', 'Email Finder', ['email', 'phone', 'person'], 10_000, GENERAL_WINDOWS, finderLookup),
    email_verifier: op('email_verifier', 'Email Verifier', ['email_verification'], 5_000, VERIFIER_WINDOWS, emailLookup),
    people_find: op('people_find', 'People Find (enrichment)', ['person'], 2_000, GENERAL_WINDOWS, emailLookup),
    companies_find: op('companies_find', 'Companies Find (enrichment)', ['company'], 2_000, GENERAL_WINDOWS, companyLookup),
  },

  async call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult> {
    const path = PATHS[operationId];
    if (!path) return { outcome: 'invalid_input', httpStatus: 0, billed: false, message: `unknown operation ${operationId}` };
    const url = `${ctx.baseUrl.replace(/\/+$/, '')}${path}?${new URLSearchParams(lookup.params).toString()}`;
    const res = await vendorFetch(url, { headers: { 'X-API-KEY': ctx.apiKey } }, ctx.timeoutMs, ctx.signal);
    if (res.kind !== 'response') return failureResult(res);
    const result = interpretHunterResponse(operationId, res.status, res.json, res.headers);
    const message = scrubKey(result.message, ctx.apiKey);
    return message === undefined ? result : { ...result, message };
  },
};
