// Lusha contact / company → canonical PartialProfile (VENDORS.md "Normalization"). Tolerant: never
// throws on anything the schemas admit, every value is a non-empty string and every confidence is in
// [0, 1]. Rules:
// - only an e-mail whose type is `work` fills work_email (a private address is not work data); the
//   type comes as `emailType` or `type`, the address as `email` or `address`; the best grade wins;
// - the e-mail's `emailConfidence` grade (A+, A, B, C…) gives its confidence and its status;
// - a phone on a do-not-call list is never returned: only numbers with `doNotCall: false` are used
//   (a number whose flag is missing is treated as do-not-call), direct lines before mobiles;
// - company size and revenue come as ranges and stay ranges ("201-500").
import { countOf, linkedinOf, normalizeDomain, normalizeEmail, normalizeName, normalizePhone, techStack, text } from '../normalize.ts';
import { ProfileBuilder } from '../profile.ts';
import type { EmailStatus, PartialProfile } from '../types.ts';
import type { LushaCompany, LushaContactData, LushaEmailAddress, LushaPhoneNumber } from './schemas.ts';

/** Person fields other than e-mail and phone (names, title, seniority, LinkedIn, location). */
export const PERSON_CONFIDENCE = 0.8;
/** Company fields (name, domain, industry, size, revenue, tech, LinkedIn). */
export const COMPANY_CONFIDENCE = 0.8;
/** A phone Lusha returned as callable; Lusha grades no phones. */
export const PHONE_CONFIDENCE = 0.75;

/** Lusha's e-mail grades → confidence. */
export const EMAIL_GRADE_CONFIDENCE: Readonly<Record<string, number>> = {
  'A+': 0.95,
  A: 0.9,
  'A-': 0.85,
  'B+': 0.8,
  B: 0.75,
  'B-': 0.7,
  'C+': 0.6,
  C: 0.55,
  'C-': 0.5,
  D: 0.35,
  E: 0.2,
  F: 0.1,
};
/** A work e-mail without a grade (or with one Lusha did not document). */
export const UNGRADED_EMAIL_CONFIDENCE = 0.6;

/** A non-negative whole number (0 included: a range may start at 0) from a number or a numeric string ("1,200"). */
function wholeNumber(raw: unknown): number | undefined {
  const n = countOf(raw);
  return n !== undefined && n >= 0 ? Math.round(n) : undefined;
}

/** `[min, max]` / `{min, max}` → "min-max", "min+" or "n"; undefined when nothing usable. */
export function rangeText(min: unknown, max: unknown): string | undefined {
  const lo = wholeNumber(min);
  const hi = wholeNumber(max);
  if (lo === undefined && hi === undefined) return undefined;
  if (lo !== undefined && hi !== undefined) {
    if (hi === lo) return lo > 0 ? String(lo) : undefined;
    if (hi > lo) return `${lo}-${hi}`;
    return undefined;
  }
  if (lo !== undefined) return lo > 0 ? `${lo}+` : undefined;
  return hi! > 0 ? `0-${hi}` : undefined;
}

/** "201 - 500", "10,001+" or "42" as Lusha writes `employees` → "201-500" / "10001+" / "42". */
function employeesText(raw: unknown): string | undefined {
  if (typeof raw === 'number') return rangeText(raw, raw);
  if (typeof raw !== 'string') return undefined;
  const s = raw.replace(/,/g, '').trim();
  const m = /^(\d+)\s*(?:-|–|to)\s*(\d+)$/.exec(s);
  if (m) return rangeText(m[1], m[2]);
  const plus = /^(\d+)\s*\+$/.exec(s);
  if (plus) return rangeText(plus[1], undefined);
  return /^\d+$/.test(s) ? rangeText(s, s) : undefined;
}

// ---------------------------------------------------------------------------------------------
// E-mail

const gradeOf = (raw: unknown) => (typeof raw === 'string' ? raw.replace(/\s+/g, '').toUpperCase() : '');

/** The confidence of an e-mail by its Lusha grade. */
export function emailGradeConfidence(raw: unknown): number {
  return EMAIL_GRADE_CONFIDENCE[gradeOf(raw)] ?? UNGRADED_EMAIL_CONFIDENCE;
}

/** A grades: Lusha verified the address; B and C: it is a likely but less certain one. */
export function emailGradeStatus(raw: unknown): EmailStatus {
  const g = gradeOf(raw);
  if (/^A[+-]?$/.test(g)) return 'valid';
  if (/^[BC][+-]?$/.test(g)) return 'risky';
  return 'unknown';
}

/** `emailType` or `type`, lower-cased. */
export function emailKind(e: LushaEmailAddress): string {
  const t = text(e.emailType) ?? text(e.type) ?? '';
  return t.toLowerCase();
}

/** The best-graded work e-mail, or undefined when Lusha returned none. */
export function pickWorkEmail(list: readonly (LushaEmailAddress | null)[] | null | undefined): { email: string; grade: string | null } | undefined {
  let best: { email: string; grade: string | null; confidence: number } | undefined;
  for (const e of list ?? []) {
    if (!e || emailKind(e) !== 'work') continue;
    const email = normalizeEmail(e.email) ?? normalizeEmail(e.address);
    if (!email) continue;
    const confidence = emailGradeConfidence(e.emailConfidence);
    if (!best || confidence > best.confidence) best = { email, grade: e.emailConfidence ?? null, confidence };
  }
  return best ? { email: best.email, grade: best.grade } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Phone

const PHONE_RANK: Readonly<Record<string, number>> = { direct: 0, mobile: 1, phone: 2 };

/**
 * The number to call: never one on a do-not-call list (only `doNotCall: false` counts as callable),
 * direct lines before mobiles before other numbers, then Lusha's order.
 */
export function pickPhone(list: readonly (LushaPhoneNumber | null)[] | null | undefined): string | undefined {
  let best: { phone: string; rank: number } | undefined;
  for (const p of list ?? []) {
    if (!p || p.doNotCall !== false) continue;
    const phone = normalizePhone(p.number);
    if (!phone) continue;
    const rank = PHONE_RANK[(text(p.phoneType) ?? '').toLowerCase()] ?? 3;
    if (!best || rank < best.rank) best = { phone, rank };
  }
  return best?.phone;
}

// ---------------------------------------------------------------------------------------------
// Company

function companyDomain(c: LushaCompany): string | undefined {
  return (
    normalizeDomain(c.domain) ??
    normalizeDomain(c.fqdn) ??
    normalizeDomain(c.emailDomain) ??
    normalizeDomain(c.domains?.homepage) ??
    normalizeDomain(c.domains?.email) ??
    normalizeDomain(c.homepageUrl) ??
    normalizeDomain(c.website)
  );
}

function companySize(c: LushaCompany): string | undefined {
  const s = c.companySize;
  if (Array.isArray(s)) return rangeText(s[0], s[1]) ?? employeesText(c.employees);
  if (s && typeof s === 'object') return rangeText(s.min, s.max) ?? employeesText(c.employees);
  return employeesText(c.employees);
}

function industry(c: LushaCompany): string | undefined {
  const i = c.industry;
  const nested = i && typeof i === 'object' ? i : null;
  return (
    text(c.mainIndustry, 120) ??
    text(nested?.mainIndustry, 120) ??
    (typeof i === 'string' ? text(i, 120) : undefined) ??
    text(c.industryPrimaryGroup, 120) ??
    text(c.subIndustry, 120) ??
    text(nested?.subIndustry, 120)
  );
}

function companyLinkedin(c: LushaCompany): string | undefined {
  const s = c.social?.linkedin;
  const fromSocial = typeof s === 'string' ? s : s?.url;
  return linkedinOf(fromSocial, 'company') ?? linkedinOf(c.linkedin, 'company');
}

/** Technologies come as names or as `{name}` objects. */
function technologies(c: LushaCompany): string | undefined {
  return techStack((c.technologies ?? []).map((t) => (typeof t === 'string' ? t : t && typeof t === 'object' ? t.name : undefined)));
}

function companyFields(b: ProfileBuilder, c: LushaCompany): void {
  const k = COMPANY_CONFIDENCE;
  b.set('company_name', text(c.name), k);
  b.set('company_domain', companyDomain(c), k);
  b.set('industry', industry(c), k);
  b.set('employee_count', companySize(c), k);
  b.set('annual_revenue', c.revenueRange ? rangeText(c.revenueRange[0], c.revenueRange[1]) : undefined, k);
  b.set('tech_stack', technologies(c), k);
  b.set('company_linkedin_url', companyLinkedin(c), k);
}

// ---------------------------------------------------------------------------------------------

/**
 * A Lusha contact as a canonical profile. `company` is the contact's company: `data.company` in a
 * single answer, `companies[data.companyId]` in a bulk one (the embedded one is used when absent).
 */
export function normalizeLushaContact(d: LushaContactData, company?: LushaCompany | null): PartialProfile {
  const b = new ProfileBuilder();
  const k = PERSON_CONFIDENCE;
  const work = pickWorkEmail(d.emailAddresses);
  if (work) {
    const confidence = emailGradeConfidence(work.grade);
    b.set('work_email', work.email, confidence);
    const status = emailGradeStatus(work.grade);
    if (status !== 'unknown') b.set('email_status', status, confidence);
  }
  b.set('phone', pickPhone(d.phoneNumbers), PHONE_CONFIDENCE);
  b.set('first_name', normalizeName(d.firstName), k);
  b.set('last_name', normalizeName(d.lastName), k);
  b.set('job_title', text(d.jobTitle?.title), k);
  b.set('seniority', text(d.jobTitle?.seniority, 60), k);
  b.set('linkedin_url', linkedinOf(d.socialLinks?.linkedin, 'in'), k);
  b.set('city', text(d.location?.city, 100), k);
  b.set('state', text(d.location?.state, 100), k);
  b.set('country', text(d.location?.country, 100), k);
  const c = company ?? d.company;
  if (c) companyFields(b, c);
  return b.profile;
}

/** A Lusha company (GET /v2/company `data`, or a bulk entry) as a canonical profile. */
export function normalizeLushaCompany(c: LushaCompany): PartialProfile {
  const b = new ProfileBuilder();
  companyFields(b, c);
  return b.profile;
}

/** Whether a contact's data holds a person (a miss has no `data`, or an empty one). */
export function isLushaPerson(d: LushaContactData | null | undefined): d is LushaContactData {
  if (!d) return false;
  return !!(
    normalizeName(d.firstName) ||
    normalizeName(d.lastName) ||
    (d.emailAddresses ?? []).some((e) => e && (e.email || e.address)) ||
    (d.phoneNumbers ?? []).some((p) => p && p.number) ||
    d.jobTitle?.title ||
    d.socialLinks?.linkedin
  );
}

/** Whether a company object holds a company (a miss is absent, `{}` or carries only an error). */
export function isLushaCompany(c: LushaCompany | null | undefined): c is LushaCompany {
  if (!c) return false;
  return !!(text(c.name) || companyDomain(c));
}
