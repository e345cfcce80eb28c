// The write policy as a pure function: given the merged profile and the contact's current values,
// which properties to change. The default never overwrites a value somebody already has.
import type { CanonicalField } from '../vendors/types.ts';
import type { CanonicalProfile } from './profile.ts';
import type { PortalSettings, WritePolicy } from './settings.ts';

/** Canonical field → CRM contact property. Custom properties are app-owned (cascade_*). */
export const PROPERTY_FOR: Record<CanonicalField, string> = {
  first_name: 'firstname',
  last_name: 'lastname',
  job_title: 'jobtitle',
  seniority: 'cascade_seniority',
  linkedin_url: 'cascade_linkedin_url',
  work_email: 'work_email',
  email_status: 'cascade_email_status',
  phone: 'phone',
  city: 'city',
  state: 'state',
  country: 'country',
  company_name: 'company',
  company_domain: 'cascade_company_domain',
  industry: 'industry',
  employee_count: 'cascade_employee_count',
  annual_revenue: 'cascade_annual_revenue',
  tech_stack: 'cascade_tech_stack',
  company_linkedin_url: 'cascade_company_linkedin_url',
};

export interface PropertyDecision {
  field: CanonicalField;
  property: string;
  action: 'write' | 'keep';
  reason: 'empty' | 'overwrite' | 'has_value' | 'policy_never' | 'unchanged';
  value: string;
  source: string;
}

export interface PropertyChanges {
  /** Only non-empty values: an empty string would clear the property in the CRM. */
  changes: Record<string, string>;
  decisions: PropertyDecision[];
}

const isEmpty = (v: string | null | undefined) => v === undefined || v === null || v.trim() === '';

export function policyFor(settings: Pick<PortalSettings, 'write_policy'>, field: CanonicalField): WritePolicy {
  return settings.write_policy.fields[field] ?? settings.write_policy.default;
}

export function computePropertyChanges(
  profile: CanonicalProfile,
  current: Readonly<Record<string, string | null | undefined>>,
  settings: Pick<PortalSettings, 'write_policy'>,
): PropertyChanges {
  const changes: Record<string, string> = {};
  const decisions: PropertyDecision[] = [];
  for (const [field, sourced] of Object.entries(profile) as [CanonicalField, CanonicalProfile[CanonicalField]][]) {
    if (!sourced || isEmpty(sourced.value)) continue;
    const property = PROPERTY_FOR[field];
    const base = { field, property, value: sourced.value, source: sourced.source };
    const policy = policyFor(settings, field);
    const existing = current[property];
    if (policy === 'never') {
      decisions.push({ ...base, action: 'keep', reason: 'policy_never' });
    } else if (isEmpty(existing)) {
      changes[property] = sourced.value;
      decisions.push({ ...base, action: 'write', reason: 'empty' });
    } else if (existing === sourced.value) {
      decisions.push({ ...base, action: 'keep', reason: 'unchanged' });
    } else if (policy === 'overwrite') {
      changes[property] = sourced.value;
      decisions.push({ ...base, action: 'write', reason: 'overwrite' });
    } else {
      decisions.push({ ...base, action: 'keep', reason: 'has_value' });
    }
  }
  return { changes, decisions };
}
