// Clearbit person / company → canonical PartialProfile (VENDORS.md "Normalization"). Tolerant: never
// throws on anything the schemas admit, every value is a non-empty string and every confidence is in
// [0, 1]. Clearbit sends no confidence; a person it marks `fuzzy` (matched loosely) gets less.
import { firstAndLastName, linkedinFromHandle as handleUrl, linkedinOfKind, normalizeDomain, techStack, text, wholeNumber } from '../normalize.ts';
import { ProfileBuilder } from '../profile.ts';
import type { PartialProfile } from '../types.ts';
import type { ClearbitCompany, ClearbitPerson } from './schemas.ts';

export const PERSON_CONFIDENCE = 0.8;
/** A person Clearbit matched loosely (`fuzzy: true`). */
export const FUZZY_PERSON_CONFIDENCE = 0.6;
export const COMPANY_CONFIDENCE = 0.85;

/**
 * A LinkedIn handle as Clearbit sends it: "in/ada-lovelace" for people, "company/acme" for companies
 * (a bare slug or a full URL is tolerated). Only a URL of the wanted kind is kept.
 */
export function linkedinFromHandle(raw: unknown, kind: 'in' | 'company'): string | undefined {
  return linkedinOfKind(handleUrl(raw, kind), kind);
}

/** A Clearbit person (people/find) as a canonical profile, its employer included. */
export function normalizeClearbitPerson(p: ClearbitPerson): PartialProfile {
  const b = new ProfileBuilder();
  const c = p.fuzzy === true ? FUZZY_PERSON_CONFIDENCE : PERSON_CONFIDENCE;
  const [first, last] = firstAndLastName(p.name?.givenName, p.name?.familyName, p.name?.fullName);
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
  b.set('tech_stack', techStack(co.tech, 60), c);
  b.set('company_linkedin_url', linkedinFromHandle(co.linkedin?.handle, 'company'), c);
  return b.profile;
}
