// Clearbit person / company → canonical PartialProfile (VENDORS.md "Normalization"). Tolerant: never
// throws on anything the schemas admit, every value is a non-empty string and every confidence is in
// [0, 1]. Clearbit sends no confidence; a person it marks `fuzzy` (matched loosely) gets less.
import { normalizeDomain, normalizeLinkedinUrl, normalizeName } from '../normalize.ts';
import type { CanonicalField, PartialProfile } from '../types.ts';
import type { ClearbitCompany, ClearbitPerson } from './schemas.ts';

export const PERSON_CONFIDENCE = 0.8;
/** A person Clearbit matched loosely (`fuzzy: true`). */
export const FUZZY_PERSON_CONFIDENCE = 0.6;
export const COMPANY_CONFIDENCE = 0.85;

const MAX_TECH = 100;

const clamp01 = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);

/** Free text: NFKC, single-spaced, trimmed, bounded. */
function text(raw: unknown, max = 200): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (!s) return undefined;
  return s.slice(0, max).trim() || undefined;
}

/** A non-negative whole number from a number or a numeric string ("1,200"); undefined otherwise. */
function wholeNumber(raw: unknown): string | undefined {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\s*\d[\d,_ ]*(\.\d+)?\s*$/.test(raw)) n = Number(raw.replace(/[,_ ]/g, ''));
  else return undefined;
  if (!Number.isFinite(n) || n <= 0 || n > Number.MAX_SAFE_INTEGER) return undefined;
  return String(Math.round(n));
}

class ProfileBuilder {
  readonly profile: PartialProfile = {};

  set(field: CanonicalField, value: string | undefined, confidence: number): void {
    if (value === undefined || value.trim() === '') return;
    this.profile[field] = { value, confidence: clamp01(confidence) };
  }
}

/**
 * A LinkedIn handle as Clearbit sends it: "in/ada-lovelace" for people, "company/acme" for companies
 * (a bare slug or a full URL is tolerated). Only a URL of the wanted kind is kept.
 */
export function linkedinFromHandle(raw: unknown, kind: 'in' | 'company'): string | undefined {
  const h = text(raw, 300);
  if (!h) return undefined;
  let url: string | undefined;
  if (/linkedin\.com\//i.test(h)) url = normalizeLinkedinUrl(h);
  else {
    const path = h.replace(/^\/+/, '');
    url = normalizeLinkedinUrl(/^(in|company|pub)\//i.test(path) ? `linkedin.com/${path}` : `linkedin.com/${kind}/${path}`);
  }
  if (!url) return undefined;
  const isCompany = url.startsWith('https://www.linkedin.com/company/');
  return (kind === 'company') === isCompany ? url : undefined;
}

/** First and last name, falling back to splitting `fullName`. */
function names(p: ClearbitPerson): [string | undefined, string | undefined] {
  const first = normalizeName(p.name?.givenName);
  const last = normalizeName(p.name?.familyName);
  if (first || last) return [first, last];
  const full = normalizeName(p.name?.fullName);
  const parts = full?.split(' ') ?? [];
  if (parts.length < 2) return [undefined, undefined];
  return [normalizeName(parts[0]), normalizeName(parts.slice(1).join(' '))];
}

/** A Clearbit person (people/find) as a canonical profile, its employer included. */
export function normalizeClearbitPerson(p: ClearbitPerson): PartialProfile {
  const b = new ProfileBuilder();
  const c = p.fuzzy === true ? FUZZY_PERSON_CONFIDENCE : PERSON_CONFIDENCE;
  const [first, last] = names(p);
  b.set('first_name', first, c);
  b.set('last_name', last, c);
  b.set('job_title', text(p.employment?.title), c);
  b.set('seniority', text(p.employment?.seniority, 60), c);
  b.set('linkedin_url', linkedinFromHandle(p.linkedin?.handle, 'in'), c);
  b.set('city', text(p.geo?.city, 100), c);
  b.set('state', text(p.geo?.state, 100), c);
  b.set('country', text(p.geo?.country, 100), c);
  b.set('company_name', text(p.employment?.name), c);
  b.set('company_domain', normalizeDomain(p.employment?.domain), c);
  return b.profile;
}

function employeeCount(m: ClearbitCompany['metrics']): string | undefined {
  // Clearbit's `employees` is a head count; `employeesRange` ("51-250", "10K+") is kept as it is.
  return wholeNumber(m?.employees) ?? text(m?.employeesRange, 40) ?? text(m?.employees, 40);
}

function annualRevenue(m: ClearbitCompany['metrics']): string | undefined {
  return wholeNumber(m?.annualRevenue) ?? text(m?.estimatedAnnualRevenue, 60);
}

/** A Clearbit company (companies/find) as a canonical profile. */
export function normalizeClearbitCompany(co: ClearbitCompany): PartialProfile {
  const b = new ProfileBuilder();
  const c = COMPANY_CONFIDENCE;
  b.set('company_name', text(co.name) ?? text(co.legalName), c);
  b.set('company_domain', normalizeDomain(co.domain), c);
  b.set('industry', text(co.category?.industry, 120) ?? text(co.category?.industryGroup, 120) ?? text(co.category?.sector, 120), c);
  b.set('employee_count', employeeCount(co.metrics), c);
  b.set('annual_revenue', annualRevenue(co.metrics), c);
  const tech = [...new Set(co.tech.map((t) => text(t, 60)).filter((t): t is string => !!t && !t.includes(',')))];
  b.set('tech_stack', tech.length ? tech.slice(0, MAX_TECH).join(', ') : undefined, c);
  b.set('company_linkedin_url', linkedinFromHandle(co.linkedin?.handle, 'company'), c);
  return b.profile;
}
