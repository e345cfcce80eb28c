// zod schemas of People Data Labs' v5 answers (VENDORS.md "People Data Labs"; field names from PDL's
// own person and company schemas). Every object is loose (unknown keys are kept) and every leaf the
// adapter reads is tolerant: a field of the wrong type becomes null instead of failing the answer, so
// a vendor-side change degrades one value, never the call. Only the shape that decides the outcome
// is strict: a person answer's `data` must be an object (or absent/null) and a bulk answer must be an
// array — otherwise the adapter cannot tell a hit from a miss.
//
// PDL sends every field of its schema on a match (null when it has no value), so the schemas also
// name the fields the adapter does not read (`known`): drift then reports what PDL really added or
// dropped, not the hundred fields Cascade ignores. On plans without access to a field PDL sends
// `true`/`false` in its place (e.g. `"work_email": true`): the tolerant leaves turn that into null.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { entriesOf, known, numeric, opaque, str, strList } from '../schema-leaves.ts';

/** `{"status": 404, "error": {"type": "not_found", "message": "…"}}`, PDL's form of every non-200 answer. */
export const pdlErrorBody = z.looseObject({
  status: numeric,
  error: z
    .union([z.looseObject({ type: str, message: str }), z.string()])
    .nullish()
    .catch(null),
});
export type PdlErrorBody = z.infer<typeof pdlErrorBody>;

/** Person fields Cascade does not read; named so that they do not show up as drift. */
const PERSON_OTHER_KEYS = [
  'activity_score', 'activity_score_factors', 'birth_date', 'birth_year', 'certifications', 'countries',
  'dataset_version', 'education', 'experience', 'facebook_friends', 'facebook_id', 'facebook_url',
  'facebook_username', 'first_seen', 'github_url', 'github_username', 'headline', 'industry', 'inferred_salary',
  'inferred_years_experience', 'interests', 'job_company_12mo_employee_growth_rate', 'job_company_facebook_url',
  'job_company_founded', 'job_company_id', 'job_company_industry_v2', 'job_company_linkedin_id',
  'job_company_location_address_line_2', 'job_company_location_continent', 'job_company_location_country',
  'job_company_location_geo', 'job_company_location_locality', 'job_company_location_metro',
  'job_company_location_name', 'job_company_location_postal_code', 'job_company_location_region',
  'job_company_location_street_address', 'job_company_ticker', 'job_company_total_funding_raised',
  'job_company_twitter_url', 'job_company_type', 'job_history', 'job_last_changed', 'job_last_updated',
  'job_last_verified', 'job_onet_broad_occupation', 'job_onet_code', 'job_onet_major_group',
  'job_onet_minor_group', 'job_onet_specific_occupation', 'job_onet_specific_occupation_detail', 'job_start_date',
  'job_summary', 'job_title_class', 'job_title_sub_role', 'languages', 'last_initial', 'linkedin_connections',
  'linkedin_id', 'linkedin_username', 'location_address_line_2', 'location_continent', 'location_geo',
  'location_last_updated', 'location_metro', 'location_names', 'location_postal_code', 'location_street_address',
  'middle_initial', 'middle_name', 'name_aliases', 'num_records', 'num_sources', 'phones', 'possible_birth_dates',
  'possible_emails', 'possible_location_names', 'possible_phones', 'possible_profiles', 'possible_street_addresses',
  'profile_score', 'profile_score_factors', 'profiles', 'recommended_personal_email', 'regions', 'sex', 'skills',
  'street_addresses', 'summary', 'twitter_url', 'twitter_username', 'version_status',
] as const;

/** One entry of `emails[]`: `{address, type}` with type current_professional | professional | personal. */
const pdlEmail = z.looseObject({ address: str, type: str });

/** A PDL person record (`data` of person/enrich and of each person/bulk entry). Values are lower-case. */
export const pdlPerson = z.looseObject({
  ...known(...PERSON_OTHER_KEYS),
  id: expected(str),
  full_name: expected(str),
  first_name: expected(str),
  last_name: expected(str),
  job_title: expected(str),
  /** cxo | owner | partner | vp | director | manager | senior | entry | training | unpaid. */
  job_title_levels: strList,
  job_title_role: str,
  /** Without a scheme: "linkedin.com/in/ada-lovelace". */
  linkedin_url: expected(str),
  work_email: expected(str),
  personal_emails: opaque,
  emails: entriesOf(pdlEmail),
  mobile_phone: expected(str),
  phone_numbers: strList,
  job_company_name: expected(str),
  job_company_website: expected(str),
  job_company_industry: str,
  /** A range: "51-200", "10001+". */
  job_company_size: str,
  job_company_employee_count: numeric,
  /** A range: "$1M-$10M". */
  job_company_inferred_revenue: str,
  job_company_linkedin_url: str,
  location_name: str,
  location_locality: str,
  location_region: str,
  location_country: expected(str),
});
export type PdlPerson = z.infer<typeof pdlPerson>;

/** GET /person/enrich → `{"status": 200, "likelihood": 9, "data": {...}}`; a miss is a 404. */
export const personEnrichResponse = z.looseObject({
  status: expected(numeric),
  likelihood: expected(numeric),
  data: expected(pdlPerson.nullish()),
  matched: opaque,
  dataset_version: opaque,
});
export type PersonEnrichResponse = z.infer<typeof personEnrichResponse>;

/** The echo of our `metadata` in a bulk entry: `{"ref": "<index in the chunk>"}`. */
const metadata = z.looseObject({ ref: str }).nullish().catch(null);

/** One entry of person/bulk: `{status: 200, likelihood, data, metadata}` or `{status: 404, error, metadata}`. */
export const bulkPersonItem = z.looseObject({
  status: expected(numeric),
  likelihood: numeric,
  data: pdlPerson.nullish().catch(null),
  error: pdlErrorBody.shape.error,
  metadata,
  matched: opaque,
  dataset_version: opaque,
});
export type BulkPersonItem = z.infer<typeof bulkPersonItem>;

/** POST /person/bulk → an array in request order; one entry of the wrong type must not sink the others. */
export const bulkPersonResponse = z.array(z.union([bulkPersonItem, z.unknown().transform(() => 'unreadable' as const)]));

/** Company fields Cascade does not read; named so that they do not show up as drift. */
const COMPANY_OTHER_KEYS = [
  'active_job_postings', 'active_job_postings_by_class', 'active_job_postings_by_country',
  'active_job_postings_by_metro', 'active_job_postings_by_month', 'active_job_postings_by_role',
  'active_job_postings_by_sub_role', 'affiliated_entities', 'affiliated_profiles', 'all_subsidiaries',
  'alternative_domains', 'alternative_names', 'annualized_employee_turnover_rate', 'average_employee_tenure',
  'average_tenure_by_level', 'average_tenure_by_role', 'dataset_version', 'deactivated_job_postings',
  'deactivated_job_postings_by_class', 'deactivated_job_postings_by_month', 'deactivated_job_postings_by_role',
  'deactivated_job_postings_by_sub_role', 'direct_subsidiaries', 'employee_churn_rate', 'employee_count_by_country',
  'employee_count_by_month', 'employee_count_by_month_by_level', 'employee_count_by_month_by_role',
  'employee_count_by_role', 'employee_growth_rate', 'employee_growth_rate_12_month_by_country',
  'employee_growth_rate_12_month_by_role', 'employee_turnover_rate', 'facebook_url', 'founded', 'funding_details',
  'funding_stages', 'gics_sector', 'gross_additions_by_month', 'gross_departures_by_month', 'headline',
  'immediate_parent', 'industry_v2', 'last_funding_date', 'latest_funding_stage', 'linkedin_employee_count',
  'linkedin_follower_count', 'linkedin_id', 'linkedin_slug', 'locations', 'matched', 'median_employee_tenure',
  'median_tenure_by_level', 'median_tenure_by_role', 'mic_exchange', 'naics', 'num_active_locations',
  'num_total_locations', 'number_funding_rounds', 'profiles', 'recent_exec_departures', 'recent_exec_hires', 'sic',
  'summary', 'tags', 'ticker', 'top_next_employers', 'top_previous_employers', 'top_us_employee_metros',
  'total_funding_raised', 'twitter_url', 'type', 'ultimate_parent', 'ultimate_parent_mic_exchange',
  'ultimate_parent_ticker',
] as const;

const companyFields = {
  ...known(...COMPANY_OTHER_KEYS),
  id: str,
  /** Lower-case ("acme labs"); `display_name` carries PDL's own capitalisation ("Acme Labs"). */
  name: expected(str),
  display_name: str,
  website: expected(str),
  industry: expected(str),
  /** A range: "51-200", "10001+". */
  size: expected(str),
  employee_count: numeric,
  /** A range: "$1M-$10M". */
  inferred_revenue: str,
  linkedin_url: expected(str),
  location: z
    .looseObject({
      name: str,
      locality: str,
      region: str,
      country: str,
      ...known('address_line_2', 'continent', 'geo', 'metro', 'postal_code', 'street_address'),
    })
    .nullish()
    .catch(null),
  technologies_used: z
    .array(z.unknown())
    .nullish()
    .catch(null)
    .transform((a) => (a ?? []).flatMap((x) => {
      if (typeof x === 'string') return [x];
      const n = z.looseObject({ name: str }).safeParse(x);
      return n.success && n.data.name ? [n.data.name] : [];
    })),
};

/** A PDL company record. */
export const pdlCompany = z.looseObject(companyFields);
export type PdlCompany = z.infer<typeof pdlCompany>;

/** GET /company/enrich → the company's fields at the top level, plus `status` and `likelihood`. */
export const companyEnrichResponse = z.looseObject({
  ...companyFields,
  status: expected(numeric),
  likelihood: expected(numeric),
});
export type CompanyEnrichResponse = z.infer<typeof companyEnrichResponse>;

/** One entry of company/enrich/bulk: the company flat, like the single answer, or `{status: 404, error}`. */
export const bulkCompanyItem = z.looseObject({
  ...companyFields,
  // A miss entry carries none of the company fields: none of them is expected here.
  name: str,
  website: str,
  industry: str,
  size: str,
  linkedin_url: str,
  status: expected(numeric),
  likelihood: numeric,
  error: pdlErrorBody.shape.error,
  metadata,
  /** Tolerated: a `data` envelope like person/bulk's, should PDL ever wrap company entries. */
  data: pdlCompany.nullish().catch(null),
});
export type BulkCompanyItem = z.infer<typeof bulkCompanyItem>;

/** POST /company/enrich/bulk → an array in request order. */
export const bulkCompanyResponse = z.array(z.union([bulkCompanyItem, z.unknown().transform(() => 'unreadable' as const)]));
