// Cognism redeemed contact → canonical PartialProfile (VENDORS.md "Normalization"). Tolerant: never
// throws on anything the schemas admit; every value is a non-empty string and every confidence is in
// [0, 1]. Cognism sends no per-field confidence except the e-mail's `quality` grade and each phone
// number's `score` (0–100), so the other fields get a fixed confidence per family.
import { firstAndLastName, linkedinOf, normalizeDomain, normalizeEmail, normalizePhone, techStack, text, wholeNumber } from '../normalize.ts';
import { percentConfidence, ProfileBuilder } from '../profile.ts';
import type { EmailStatus, PartialProfile } from '../types.ts';
import type { CognismAccount, CognismContact, CognismContactPreview, CognismPhone } from './schemas.ts';

/** Person fields other than the e-mail and phone (names, title, seniority, LinkedIn, location). */
export const PERSON_CONFIDENCE = 0.85;
/** Account fields (name, domain, industry, size, revenue, technologies). */
export const ACCOUNT_CONFIDENCE = 0.85;
/** A phone number without a usable score. */
export const UNSCORED_PHONE_CONFIDENCE = 0.7;

/**
 * Cognism's e-mail `quality` grades → canonical status and confidence. HIGH_PLUS / HIGH are
 * verified addresses; MEDIUM and LOW are deliverable-but-unconfirmed (risky).
 */
const EMAIL_QUALITY: Record<string, { status: EmailStatus; confidence: number }> = {
  high_plus: { status: 'valid', confidence: 0.95 },
  high: { status: 'valid', confidence: 0.85 },
  medium: { status: 'risky', confidence: 0.65 },
  low: { status: 'risky', confidence: 0.45 },
};
/** An address with no grade, or one Cognism did not document. */
const UNGRADED_EMAIL_CONFIDENCE = 0.6;

/** The first usable string of a string-or-list value (`industry: ["Computer Software"]`). */
function firstText(raw: unknown, max = 120): string | undefined {
  if (Array.isArray(raw)) {
    for (const x of raw) {
      const t = text(x, max);
      if (t) return t;
    }
    return undefined;
  }
  return text(raw, max);
}

function emailFields(b: ProfileBuilder, c: CognismContact): void {
  const email = normalizeEmail(c.email?.address);
  if (!email) return;
  const quality = typeof c.email?.quality === 'string' ? c.email.quality.trim().toLowerCase().replace(/[\s-]+/g, '_') : '';
  const graded = EMAIL_QUALITY[quality];
  b.set('work_email', email, graded?.confidence ?? UNGRADED_EMAIL_CONFIDENCE);
  if (graded) b.set('email_status', graded.status, graded.confidence);
}

/** Cognism's 0–100 phone score as a confidence; numbers without one get a fixed confidence. */
function phoneConfidence(p: CognismPhone): number {
  return percentConfidence(p.score) ?? UNSCORED_PHONE_CONFIDENCE;
}

/**
 * The best callable number: mobile before direct dial, never one flagged Do-Not-Call, the highest
 * score within a kind (ties keep Cognism's order, so the choice is stable).
 */
function bestPhone(c: CognismContact): { number: string; confidence: number } | undefined {
  for (const list of [c.mobilePhoneNumbers, c.directPhoneNumbers]) {
    let best: { number: string; confidence: number } | undefined;
    for (const p of list) {
      if (p.dnc === true) continue;
      const number = normalizePhone(p.number);
      if (!number) continue;
      const confidence = phoneConfidence(p);
      if (!best || confidence > best.confidence) best = { number, confidence };
    }
    if (best) return best;
  }
  return undefined;
}

function employeeCount(a: CognismAccount): string | undefined {
  const exact = wholeNumber(a.headcount);
  if (exact) return exact;
  const from = wholeNumber(a.sizeFrom);
  const to = wholeNumber(a.sizeTo);
  if (from && to && Number(from) <= Number(to)) return `${from}-${to}`;
  return undefined;
}

function accountFields(b: ProfileBuilder, a: CognismAccount): void {
  const c = ACCOUNT_CONFIDENCE;
  b.set('company_name', text(a.name), c);
  b.set('company_domain', normalizeDomain(a.domain) ?? normalizeDomain(a.website), c);
  b.set('industry', firstText(a.industry) ?? firstText(a.industries), c);
  b.set('employee_count', employeeCount(a), c);
  b.set('annual_revenue', wholeNumber(a.revenue), c);
  b.set('tech_stack', techStack(a.technologies), c);
  b.set('company_linkedin_url', linkedinOf(a.linkedinUrl, 'company'), c);
}

/** A redeemed Cognism contact (and its account) as a canonical profile. */
export function normalizeCognismContact(c: CognismContact): PartialProfile {
  const b = new ProfileBuilder();
  const pc = PERSON_CONFIDENCE;
  emailFields(b, c);
  const [first, last] = firstAndLastName(c.firstName, c.lastName, c.fullName);
  b.set('first_name', first, pc);
  b.set('last_name', last, pc);
  b.set('job_title', text(c.jobTitle), pc);
  b.set('seniority', firstText(c.seniority, 60) ?? text(c.managementLevel, 60), pc);
  b.set('linkedin_url', linkedinOf(c.linkedinUrl, 'in'), pc);
  const phone = bestPhone(c);
  if (phone) b.set('phone', phone.number, phone.confidence);
  b.set('city', text(c.city, 100), pc);
  b.set('state', text(c.state, 100), pc);
  b.set('country', text(c.country, 100), pc);
  if (c.account) accountFields(b, c.account);
  return b.profile;
}

/** The key a preview is redeemed with: its `redeemId` (Cognism's documented key), else its `id`. */
export function redeemKeyOf(p: CognismContactPreview | null | undefined): string | undefined {
  const k = text(p?.redeemId, 2000) ?? text(p?.id, 2000);
  return k && !/\s/.test(k) ? k : undefined;
}

/**
 * The contact id a redeemId encodes: Cognism's redeemId is base64 of "contactId;positionId;accountId".
 * Used to pair redeemed records with what was asked when Cognism hands back a refreshed redeemId.
 */
export function contactIdOfRedeemId(redeemId: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(redeemId)) return undefined;
  try {
    const decoded = Buffer.from(redeemId.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const first = decoded.split(';')[0]?.trim().toLowerCase();
    return first && /^[0-9a-f-]{8,64}$/.test(first) ? first : undefined;
  } catch {
    return undefined;
  }
}
