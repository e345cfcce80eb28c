// The canonical profile: every vendor answer merged into one set of fields, each remembering the
// vendor that supplied it and how sure that vendor was.
import type { CanonicalField, ContactFacts, FieldGroup, PartialProfile } from '../vendors/types.ts';
import { normalizeDomain, normalizeEmail, normalizeLinkedinUrl, normalizeName } from '../vendors/normalize.ts';

export interface SourcedValue {
  value: string;
  confidence: number;
  source: string;
  /**
   * False when the value came along with an operation that does not serve the field's group (an
   * e-mail status that a person match reports in passing is not a verification).
   */
  primary?: boolean;
}
export type CanonicalProfile = Partial<Record<CanonicalField, SourcedValue>>;

/** The fields that must be known (confidently) for a group to count as filled. */
export const GROUP_REQUIRES: Record<FieldGroup, readonly CanonicalField[]> = {
  email: ['work_email'],
  email_verification: ['email_status'],
  person: ['job_title'],
  company: ['company_name', 'industry'],
  phone: ['phone'],
};

/** Every field a group may fill (what its vendors return for it). */
export const GROUP_FIELDS: Record<FieldGroup, readonly CanonicalField[]> = {
  email: ['work_email'],
  email_verification: ['email_status'],
  person: ['first_name', 'last_name', 'job_title', 'seniority', 'linkedin_url', 'city', 'state', 'country'],
  company: ['company_name', 'company_domain', 'industry', 'employee_count', 'annual_revenue', 'tech_stack',
    'company_linkedin_url'],
  phone: ['phone'],
};

const GROUP_OF = Object.fromEntries(
  (Object.entries(GROUP_FIELDS) as [FieldGroup, readonly CanonicalField[]][]).flatMap(([g, fields]) => fields.map((f) => [f, g])),
) as Record<CanonicalField, FieldGroup>;

/**
 * Merges a vendor's answer, given the groups the answering operation serves (all, when omitted).
 * A value from an operation that serves the field's group replaces one that came along in passing;
 * otherwise waterfall order wins: a value already present is replaced only when it is below the
 * confidence threshold and the new one is surer.
 */
export function mergeProfile(
  profile: CanonicalProfile,
  answer: PartialProfile,
  source: string,
  threshold: number,
  serves?: readonly FieldGroup[],
): CanonicalProfile {
  const out: CanonicalProfile = { ...profile };
  for (const [field, v] of Object.entries(answer) as [CanonicalField, { value: string; confidence: number }][]) {
    if (!v || typeof v.value !== 'string' || v.value === '' || !(field in GROUP_OF)) continue;
    const confidence = Math.min(1, Math.max(0, Number.isFinite(v.confidence) ? v.confidence : 0));
    const primary = !serves || serves.includes(GROUP_OF[field]);
    const existing = out[field];
    const existingPrimary = existing?.primary !== false;
    if (
      !existing ||
      (primary && !existingPrimary) ||
      (primary === existingPrimary && existing.confidence < threshold && confidence > existing.confidence)
    ) {
      out[field] = { value: v.value, confidence, source, ...(primary ? {} : { primary: false }) };
    }
  }
  return out;
}

/** A group is filled when each field it requires is known, surely enough, from a vendor serving it. */
export function groupSatisfied(profile: CanonicalProfile, group: FieldGroup, threshold: number): boolean {
  return GROUP_REQUIRES[group].every((f) => {
    const v = profile[f];
    return !!v && v.primary !== false && v.confidence >= threshold;
  });
}

// A personal mailbox says nothing about the employer: never look a company up by these.
const FREE_MAIL = new Set(['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com',
  'msn.com', 'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'web.de',
  'mail.ru', 'yandex.ru', 'zoho.com', 'hey.com', 'fastmail.com']);

export function companyDomainOf(email: string | undefined): string | undefined {
  const d = email ? normalizeDomain(email) : undefined;
  return d && !FREE_MAIL.has(d) ? d : undefined;
}

/**
 * What the next lookup may use: the contact's own facts first, then what earlier steps found
 * (an e-mail found by the finder feeds the verifier; a domain found by a person match feeds the
 * company lookup).
 */
export function factsWith(contact: ContactFacts, profile: CanonicalProfile): ContactFacts {
  const facts: ContactFacts = { ...contact };
  facts.email ??= normalizeEmail(profile.work_email?.value);
  facts.first_name ??= normalizeName(profile.first_name?.value);
  facts.last_name ??= normalizeName(profile.last_name?.value);
  facts.domain ??= normalizeDomain(profile.company_domain?.value) ?? companyDomainOf(facts.email);
  facts.company_name ??= normalizeName(profile.company_name?.value);
  facts.linkedin_url ??= normalizeLinkedinUrl(profile.linkedin_url?.value);
  for (const k of Object.keys(facts) as (keyof ContactFacts)[]) if (facts[k] === undefined) delete facts[k];
  return facts;
}
