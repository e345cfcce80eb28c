// zod schemas of Apollo's responses (VENDORS.md "Apollo"). Every object is loose (unknown keys are
// kept) and every leaf is tolerant: a field of the wrong type becomes null instead of failing the
// whole answer, so a vendor-side schema drift degrades one value, never the call. Only the shape
// that decides the outcome is strict: `person` / `organization` must be an object or absent/null,
// and bulk `matches` / `organizations` must be arrays — otherwise the adapter cannot tell a hit
// from a miss.
//
// Drift (server/vendors/drift.ts): keys Apollo is known to send but Cascade does not read are listed
// as `known(...)` so they are not reported as unknown; `expected()` marks the keys every answer of
// that kind carries, so their absence is reported. The key lists follow real answers seen in public
// integrations (people/match, organizations/enrich, organizations/bulk_enrich, people/bulk_match).
import { z } from 'zod';
import { expected } from '../drift.ts';
import { bool, known, numeric, str, strList } from '../schema-leaves.ts';

/** The organization object of `organizations/enrich`, `organizations/bulk_enrich` and `person.organization`. */
export const apolloOrganization = z.looseObject({
  id: str,
  name: str,
  website_url: str,
  primary_domain: str,
  linkedin_url: str,
  industry: str,
  estimated_num_employees: numeric,
  annual_revenue: numeric,
  annual_revenue_printed: str,
  /** Sent instead of (or next to) `annual_revenue` by some answers; 0 when unknown. */
  organization_revenue: numeric,
  technology_names: strList,
  founded_year: numeric,
  phone: str,
  city: str,
  state: str,
  country: str,
  ...known(
    'blog_url', 'angellist_url', 'twitter_url', 'facebook_url', 'crunchbase_url', 'logo_url',
    'primary_phone', 'sanitized_phone', 'languages', 'alexa_ranking', 'linkedin_uid',
    'publicly_traded_symbol', 'publicly_traded_exchange', 'market_cap', 'sic_codes', 'naics_codes',
    'keywords', 'industries', 'secondary_industries', 'industry_tag_id', 'industry_tag_hash',
    'organization_revenue_printed', 'snippets_loaded', 'retail_location_count', 'raw_address',
    'street_address', 'postal_code', 'owned_by_organization_id', 'short_description', 'seo_description',
    'suborganizations', 'num_suborganizations', 'total_funding', 'total_funding_printed',
    'latest_funding_round_date', 'latest_funding_stage', 'funding_events', 'current_technologies',
    'org_chart_root_people_ids', 'org_chart_sector', 'org_chart_removed', 'org_chart_show_department_filter',
    'departmental_head_count', 'generic_org_insights', 'intent_strength', 'show_intent',
    'has_intent_signal_account', 'intent_signal_account', 'organization_headcount_six_month_growth',
    'organization_headcount_twelve_month_growth', 'organization_headcount_twenty_four_month_growth',
  ),
});
export type ApolloOrganization = z.infer<typeof apolloOrganization>;

/** A person of `people/match` and `people/bulk_match`. A miss stub has `match_confidence: "none"`, no id. */
export const apolloPerson = z.looseObject({
  id: str,
  first_name: str,
  last_name: str,
  name: str,
  title: str,
  headline: str,
  seniority: str,
  linkedin_url: str,
  email: str,
  /** verified | unverified | guessed | unavailable | bounced (others tolerated). */
  email_status: str,
  email_domain_catchall: bool,
  match_confidence: str,
  city: str,
  state: str,
  country: str,
  organization_id: str,
  organization: apolloOrganization.nullish().catch(null),
  ...known(
    'photo_url', 'twitter_url', 'github_url', 'facebook_url', 'extrapolated_email_confidence',
    'employment_history', 'departments', 'subdepartments', 'functions', 'intent_strength', 'show_intent',
    'revealed_for_current_team', 'is_likely_to_engage', 'phone_numbers', 'personal_emails', 'contact',
    'formatted_address', 'street_address', 'postal_code', 'time_zone',
    // Echoed by the miss stub.
    'organization_name',
  ),
});
export type ApolloPerson = z.infer<typeof apolloPerson>;

/** POST /people/match → `{"person": {...} | null}` (the key is there on a miss too). */
export const peopleMatchResponse = z.looseObject({
  person: expected(apolloPerson.nullish()),
});
export type PeopleMatchResponse = z.infer<typeof peopleMatchResponse>;

/** POST /people/bulk_match → `{"matches": [person|null …], "missing_records", "credits_consumed", …}`. */
export const bulkMatchResponse = z.looseObject({
  // A single entry of the wrong type must not sink the other nine: it becomes "unreadable".
  matches: expected(z.array(z.union([apolloPerson, z.null(), z.unknown().transform(() => 'unreadable' as const)]))),
  missing_records: numeric,
  credits_consumed: numeric,
  status: str,
  ...known('error_code', 'error_message', 'total_requested_enrichments', 'unique_enriched_records'),
});
export type BulkMatchResponse = z.infer<typeof bulkMatchResponse>;

/** GET /organizations/enrich → `{"organization": {...}}`; a miss is `{}` (so nothing is expected). */
export const organizationEnrichResponse = z.looseObject({
  organization: apolloOrganization.nullish(),
});
export type OrganizationEnrichResponse = z.infer<typeof organizationEnrichResponse>;

/**
 * POST /organizations/bulk_enrich → `{"status", "total_requested_domains", "unique_domains",
 * "unique_enriched_records", "missing_records", "organizations": [...]}`. Misses are left out of
 * `organizations` (only the counts say so), so answers are paired with domains by domain, never by
 * position. A null or non-object entry is skipped.
 */
export const bulkEnrichResponse = z.looseObject({
  organizations: expected(z.array(z.union([apolloOrganization, z.unknown().transform(() => null)]))),
  status: str,
  total_requested_domains: numeric,
  unique_domains: numeric,
  unique_enriched_records: numeric,
  missing_records: numeric,
  ...known('error_code', 'error_message', 'unique_records'),
});
export type BulkEnrichResponse = z.infer<typeof bulkEnrichResponse>;

/** GET /auth/health → `{"healthy": true, "is_logged_in": true|false}` (a bad key may still get 200). */
export const authHealthResponse = z.looseObject({
  healthy: expected(bool),
  is_logged_in: expected(bool),
});
export type AuthHealthResponse = z.infer<typeof authHealthResponse>;

/** Error bodies: `{"error": "…"}`, or the 429 form `{"message": "…", "error_details": {"code": "…"}}`. */
export const apolloErrorBody = z.looseObject({
  error: z.unknown().optional(),
  error_code: str,
  message: str,
  error_details: z.looseObject({ code: str }).nullish().catch(null),
});
export type ApolloErrorBody = z.infer<typeof apolloErrorBody>;
