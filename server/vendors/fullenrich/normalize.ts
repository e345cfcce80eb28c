// FullEnrich record → canonical PartialProfile, and what FullEnrich bills for it (VENDORS.md
// "FullEnrich"; docs.fullenrich.com "Credits"). Tolerant: never throws on anything the schemas admit,
// every value is a non-empty string and every confidence is in [0, 1].
//
// Billing facts (FullEnrich's credit page): a work e-mail found with status DELIVERABLE,
// HIGH_PROBABILITY or CATCH_ALL costs 1 credit; a mobile phone found costs 10 credits (a landline or
// an out-of-service number is free, but FullEnrich does not say which is which in the answer, so a
// returned phone is counted as billed); nothing found costs nothing. INVALID / INVALID_DOMAIN
// addresses are returned but not billed, and are not the person's usable address.
import { countOf, linkedinOf, normalizeDomain, normalizeEmail, normalizeName, normalizePhone, text } from '../normalize.ts';
import { ProfileBuilder } from '../profile.ts';
import type { EmailStatus, PartialProfile } from '../types.ts';
import type {
  FullenrichCompany,
  FullenrichContactInfo,
  FullenrichEmail,
  FullenrichEmployment,
  FullenrichPhone,
  FullenrichProfile,
  FullenrichRecord,
} from './schemas.ts';

/** Credits per item found (FullEnrich's public rates; custom plans may differ). */
export const FULLENRICH_CREDITS = { workEmail: 1, phone: 10 } as const;

/** Profile fields (name, title, location, company): FullEnrich sends no confidence for them. */
export const PROFILE_CONFIDENCE = 0.8;
/** The phone FullEnrich calls "most probable", and any other phone it lists. */
export const MOST_PROBABLE_PHONE_CONFIDENCE = 0.85;
export const OTHER_PHONE_CONFIDENCE = 0.75;

interface StatusInfo {
  status: EmailStatus;
  confidence: number;
  /** FullEnrich charges a credit for an address with this status. */
  billable: boolean;
  /** The address may be used as the person's work e-mail. */
  usable: boolean;
}

/**
 * FullEnrich's e-mail statuses. HIGH_PROBABILITY is an address FullEnrich could not verify by SMTP
 * (typically a catch-all domain) but rates very likely: risky, yet confident enough to stop the
 * waterfall at the default threshold (0.6); a plain CATCH_ALL stays below it so a later vendor may
 * still improve on it.
 */
const STATUSES: Record<string, StatusInfo> = {
  DELIVERABLE: { status: 'valid', confidence: 0.95, billable: true, usable: true },
  HIGH_PROBABILITY: { status: 'risky', confidence: 0.8, billable: true, usable: true },
  CATCH_ALL: { status: 'risky', confidence: 0.55, billable: true, usable: true },
  INVALID: { status: 'invalid', confidence: 0.9, billable: false, usable: false },
  INVALID_DOMAIN: { status: 'invalid', confidence: 0.9, billable: false, usable: false },
};
/**
 * A status FullEnrich did not document (or none at all) next to an address: usable with low
 * confidence, and counted as billed (assume the worst about cost).
 */
const UNKNOWN_STATUS: StatusInfo = { status: 'unknown', confidence: 0.5, billable: true, usable: true };

export function fullenrichEmailStatus(raw: unknown): StatusInfo {
  const key = typeof raw === 'string' ? raw.trim().toUpperCase().replace(/[\s-]+/g, '_') : '';
  return STATUSES[key] ?? UNKNOWN_STATUS;
}

/**
 * A head count of at least 1 as text; undefined otherwise (0 = unknown). Stricter than the shared
 * wholeNumber(), which would round 0.5 up to "1": a fraction of a person is not a head count here.
 */
function headcount(raw: unknown): string | undefined {
  const n = countOf(raw);
  return n !== undefined && n >= 1 ? String(Math.round(n)) : undefined;
}

/** The work e-mail to use: the "most probable" one, else the first usable one listed. */
export function pickWorkEmail(ci: FullenrichContactInfo | null | undefined): { email: string; info: StatusInfo } | undefined {
  if (!ci) return undefined;
  const candidates: (FullenrichEmail | null | undefined)[] = [ci.most_probable_work_email, ...(ci.work_emails ?? [])];
  for (const c of candidates) {
    const email = normalizeEmail(c?.email);
    if (!email) continue;
    const info = fullenrichEmailStatus(c?.status);
    if (info.usable) return { email, info };
  }
  return undefined;
}

/** Whether FullEnrich charged for an e-mail in this answer (a usable one of a billed status). */
function emailBilled(ci: FullenrichContactInfo | null | undefined): boolean {
  const picked = pickWorkEmail(ci);
  return !!picked && picked.info.billable;
}

/** The phone to use: the "most probable" one, else the first readable one listed. */
export function pickPhone(ci: FullenrichContactInfo | null | undefined): { phone: string; confidence: number } | undefined {
  if (!ci) return undefined;
  const best = normalizePhone(ci.most_probable_phone?.number);
  if (best) return { phone: best, confidence: MOST_PROBABLE_PHONE_CONFIDENCE };
  for (const p of (ci.phones ?? []) as (FullenrichPhone | null)[]) {
    const phone = normalizePhone(p?.number);
    if (phone) return { phone, confidence: OTHER_PHONE_CONFIDENCE };
  }
  return undefined;
}

function currentEmployment(p: FullenrichProfile): FullenrichEmployment | undefined {
  const e = p.employment;
  if (!e) return undefined;
  if (e.current) return e.current;
  const all = (e.all ?? []).filter((x): x is FullenrichEmployment => !!x);
  return all.find((x) => x.is_current === true) ?? undefined;
}

function companyFields(b: ProfileBuilder, c: FullenrichCompany): void {
  const k = PROFILE_CONFIDENCE;
  b.set('company_name', text(c.name), k);
  b.set('company_domain', normalizeDomain(c.domain) ?? normalizeDomain(c.website), k);
  b.set('industry', text(c.industry?.main_industry, 120), k);
  // `headcount` is exact but 0 when unknown; the range ("51-200") is kept as it is otherwise.
  b.set('employee_count', headcount(c.headcount) ?? text(c.headcount_range, 40), k);
  b.set('company_linkedin_url', linkedinOf(c.social_profiles?.professional_network?.url, 'company'), k);
}

function profileFields(b: ProfileBuilder, p: FullenrichProfile): void {
  const k = PROFILE_CONFIDENCE;
  b.set('first_name', normalizeName(p.first_name), k);
  b.set('last_name', normalizeName(p.last_name), k);
  const job = currentEmployment(p);
  b.set('job_title', text(job?.title), k);
  b.set('seniority', text(job?.seniority, 60), k);
  b.set('linkedin_url', linkedinOf(p.social_profiles?.professional_network?.url, 'in'), k);
  b.set('city', text(p.location?.city, 100), k);
  b.set('state', text(p.location?.region, 100), k);
  b.set('country', text(p.location?.country, 100), k);
  if (job?.company) companyFields(b, job.company);
}

export interface NormalizedRecord {
  profile: PartialProfile;
  /** A usable work e-mail or a phone was found: what this operation is for. */
  found: boolean;
  /** Credits FullEnrich charges for this record by its public rates (0 when nothing billable). */
  credits: number;
}

/** One record of an enrichment: the canonical profile, whether it found something, what it cost. */
export function normalizeFullenrichRecord(r: FullenrichRecord): NormalizedRecord {
  const b = new ProfileBuilder();
  const ci = r.contact_info;
  // Profile fields first, so the contact information (what the operation serves) is never replaced.
  if (r.profile) profileFields(b, r.profile);
  const email = pickWorkEmail(ci);
  if (email) {
    b.set('work_email', email.email, email.info.confidence);
    if (email.info.status !== 'unknown') b.set('email_status', email.info.status, email.info.confidence);
  }
  const phone = pickPhone(ci);
  if (phone) b.set('phone', phone.phone, phone.confidence);
  const credits = (emailBilled(ci) ? FULLENRICH_CREDITS.workEmail : 0) + (phone ? FULLENRICH_CREDITS.phone : 0);
  return { profile: b.profile, found: !!email || !!phone, credits };
}
