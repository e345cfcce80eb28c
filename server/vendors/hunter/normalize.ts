// Hunter answers → canonical PartialProfile (VENDORS.md "Normalization"). Tolerant: never throws on
// anything the schemas admit, every value is a non-empty string and every confidence is in [0, 1].
// Hunter's 0–100 `score` becomes the e-mail's (or the verdict's) confidence; values without a score
// of their own get a fixed confidence per answer kind.
import {
  canonicalEmailStatus,
  linkedinFromHandle,
  normalizeDomain,
  normalizeEmail,
  normalizeLinkedinUrl,
  normalizeName,
  normalizePhone,
  text,
} from '../normalize.ts';
import { percentConfidence, ProfileBuilder } from '../profile.ts';
import type { PartialProfile } from '../types.ts';
import type { CompanyData, FinderData, PersonData, VerifierData } from './schemas.ts';

// Confidence of values that carry no score of their own.
export const FINDER_FIELD_CONFIDENCE = 0.75;
export const ENRICHMENT_CONFIDENCE = 0.8;
/** Confidence when Hunter returned an e-mail / a status without a usable score. */
export const UNSCORED_CONFIDENCE = 0.5;

/** A profile whose values without a usable confidence get UNSCORED_CONFIDENCE (not 0). */
const builder = () => new ProfileBuilder(UNSCORED_CONFIDENCE);

/** Hunter's 0–100 score as a 0..1 confidence; null when there is no usable score. */
function scoreConfidence(score: unknown): number | null {
  return percentConfidence(score) ?? null;
}

// Hunter's LinkedIn handles ("ada-lovelace-1", "in/ada-lovelace-1", "company/acme" or a URL) are read
// with the shared linkedinFromHandle() and, unlike Clearbit's, not filtered by kind.

export function normalizeFinder(d: FinderData): PartialProfile {
  const b = builder();
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
  const b = builder();
  // `result` is Hunter's deprecated field (deliverable/undeliverable/risky): a fallback only.
  const status = canonicalEmailStatus(d.status ?? d.result);
  b.set('email_status', status, scoreConfidence(d.score) ?? UNSCORED_CONFIDENCE);
  return b.profile;
}

export function normalizePerson(d: PersonData): PartialProfile {
  const b = builder();
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
  const b = builder();
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
