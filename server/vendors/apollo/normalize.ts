// Apollo person / organization → canonical PartialProfile (VENDORS.md "Normalization"). Tolerant:
// never throws on anything the schemas admit, every value is a non-empty string and every
// confidence is in [0, 1]. Apollo sends no confidence on hits, so confidences are fixed per field
// family, except the e-mail whose confidence follows `email_status`.
import { canonicalEmailStatus, linkedinOf, normalizeDomain, normalizeEmail, normalizeName, text, wholeNumber } from '../normalize.ts';
import { ProfileBuilder } from '../profile.ts';
import type { EmailStatus, PartialProfile } from '../types.ts';
import type { ApolloOrganization, ApolloPerson } from './schemas.ts';

/** Person fields other than the e-mail (title, seniority, LinkedIn, location, names). */
export const PERSON_CONFIDENCE = 0.8;
/** Organization fields (name, domain, industry, size, revenue, tech). */
export const ORGANIZATION_CONFIDENCE = 0.85;

/** Confidence of the work e-mail by Apollo's `email_status`; absent = no usable e-mail. */
const EMAIL_CONFIDENCE: Record<string, number> = {
  verified: 0.95,
  unverified: 0.7,
  guessed: 0.5,
};
/** A status Apollo did not document (or none at all) next to an e-mail. */
const UNKNOWN_STATUS_CONFIDENCE = 0.5;
/** A "verified" address on a catch-all domain: the mailbox cannot really be verified. */
const CATCHALL_CONFIDENCE = 0.7;
/** Statuses that mean "there is no e-mail you should use". */
const NO_EMAIL_STATUSES = new Set(['unavailable', 'bounced']);

const MAX_TECH = 100;

/**
 * Apollo sends a placeholder address ("email_not_unlocked@domain.com") when the e-mail was not
 * revealed; it is not the person's address.
 */
function realEmail(raw: unknown): string | undefined {
  const email = normalizeEmail(raw);
  return email && !email.startsWith('email_not_unlocked@') ? email : undefined;
}

function emailFields(b: ProfileBuilder, p: ApolloPerson): void {
  const rawStatus = typeof p.email_status === 'string' ? p.email_status.trim().toLowerCase() : '';
  if (NO_EMAIL_STATUSES.has(rawStatus)) return;
  const email = realEmail(p.email);
  if (!email) return;
  let status: EmailStatus = canonicalEmailStatus(rawStatus);
  let confidence = EMAIL_CONFIDENCE[rawStatus] ?? UNKNOWN_STATUS_CONFIDENCE;
  if (p.email_domain_catchall === true && status === 'valid') {
    status = 'risky';
    confidence = Math.min(confidence, CATCHALL_CONFIDENCE);
  }
  b.set('work_email', email, confidence);
  // "unverified" and undocumented statuses say nothing canonical: leave email_status to a verifier.
  if (status !== 'unknown') b.set('email_status', status, confidence);
}

function organizationFields(b: ProfileBuilder, o: ApolloOrganization): void {
  const c = ORGANIZATION_CONFIDENCE;
  b.set('company_name', text(o.name), c);
  b.set('company_domain', normalizeDomain(o.primary_domain) ?? normalizeDomain(o.website_url), c);
  b.set('industry', text(o.industry, 120), c);
  b.set('employee_count', wholeNumber(o.estimated_num_employees), c);
  // `organization_revenue` stands in where `annual_revenue` is absent (0 = unknown, dropped).
  b.set('annual_revenue', wholeNumber(o.annual_revenue) ?? wholeNumber(o.organization_revenue), c);
  // Unlike the shared techStack(), names holding a comma are kept (Apollo's answers were never seen with one).
  const tech = [...new Set(o.technology_names.map((t) => text(t, 80)).filter((t): t is string => !!t))];
  b.set('tech_stack', tech.length ? tech.slice(0, MAX_TECH).join(', ') : undefined, c);
  b.set('company_linkedin_url', linkedinOf(o.linkedin_url, 'company'), c);
}

/** A matched Apollo person (and its embedded organization) as a canonical profile. */
export function normalizeApolloPerson(p: ApolloPerson): PartialProfile {
  const b = new ProfileBuilder();
  const c = PERSON_CONFIDENCE;
  emailFields(b, p);
  b.set('first_name', normalizeName(p.first_name), c);
  b.set('last_name', normalizeName(p.last_name), c);
  b.set('job_title', text(p.title) ?? text(p.headline), c);
  b.set('seniority', text(p.seniority, 60), c);
  b.set('linkedin_url', linkedinOf(p.linkedin_url, 'in'), c);
  b.set('city', text(p.city, 100), c);
  b.set('state', text(p.state, 100), c);
  b.set('country', text(p.country, 100), c);
  if (p.organization) organizationFields(b, p.organization);
  return b.profile;
}

/** An Apollo organization (organizations/enrich) as a canonical profile. */
export function normalizeApolloOrganization(o: ApolloOrganization): PartialProfile {
  const b = new ProfileBuilder();
  organizationFields(b, o);
  return b.profile;
}

/**
 * Whether a person object is a real match. Apollo's misses are `person: null` or a stub echoing the
 * input with `match_confidence: "none"` and no `id`; a real match has an id (or, tolerated, at least
 * some data of its own when the id is missing).
 */
export function isApolloMatch(p: ApolloPerson | null | undefined): p is ApolloPerson {
  if (!p) return false;
  if (typeof p.match_confidence === 'string' && p.match_confidence.trim().toLowerCase() === 'none') return false;
  if (typeof p.id === 'string' && p.id.trim() !== '') return true;
  return !!(p.title || p.linkedin_url || p.organization || (p.email && realEmail(p.email)));
}

/** Whether an organization object holds data (a miss is `{}` or `organization: null`). */
export function isApolloOrganization(o: ApolloOrganization | null | undefined): o is ApolloOrganization {
  if (!o) return false;
  return !!((typeof o.id === 'string' && o.id.trim()) || o.name || o.primary_domain || o.website_url);
}
