// zod schemas of Apollo's responses (VENDORS.md "Apollo"). Every object is loose (unknown keys are
// kept) and every leaf is tolerant: a field of the wrong type becomes null instead of failing the
// whole answer, so a vendor-side schema drift degrades one value, never the call. Only the shape
// that decides the outcome is strict: `person` / `organization` must be an object or absent/null,
// and bulk `matches` must be an array — otherwise the adapter cannot tell a hit from a miss.
import { z } from 'zod';

const str = z.string().nullish().catch(null);
const bool = z.boolean().nullish().catch(null);
/** A number Apollo (or a proxy in front of it) may send as a string ("1200", "1.2M" is not one). */
const numeric = z
  .union([z.number(), z.string()])
  .nullish()
  .catch(null);
const strList = z
  .array(z.unknown())
  .nullish()
  .catch(null)
  .transform((a) => (a ?? []).filter((x): x is string => typeof x === 'string'));

/** The organization object of `organizations/enrich` and of `person.organization`. */
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
  technology_names: strList,
  founded_year: numeric,
  phone: str,
  city: str,
  state: str,
  country: str,
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
});
export type ApolloPerson = z.infer<typeof apolloPerson>;

/** POST /people/match → `{"person": {...} | null}`. */
export const peopleMatchResponse = z.looseObject({
  person: apolloPerson.nullish(),
});
export type PeopleMatchResponse = z.infer<typeof peopleMatchResponse>;

/** POST /people/bulk_match → `{"matches": [person|null …], "missing_records", "credits_consumed", …}`. */
export const bulkMatchResponse = z.looseObject({
  // A single entry of the wrong type must not sink the other nine: it becomes "unreadable".
  matches: z.array(z.union([apolloPerson, z.null(), z.unknown().transform(() => 'unreadable' as const)])),
  missing_records: numeric,
  credits_consumed: numeric,
  status: str,
});
export type BulkMatchResponse = z.infer<typeof bulkMatchResponse>;

/** GET /organizations/enrich → `{"organization": {...}}`; a miss is `{}`. */
export const organizationEnrichResponse = z.looseObject({
  organization: apolloOrganization.nullish(),
});
export type OrganizationEnrichResponse = z.infer<typeof organizationEnrichResponse>;

/** Error bodies: `{"error": "…"}`, or the 429 form `{"message": "…", "error_details": {"code": "…"}}`. */
export const apolloErrorBody = z.looseObject({
  error: z.unknown().optional(),
  error_code: str,
  message: str,
  error_details: z.looseObject({ code: str }).nullish().catch(null),
});
export type ApolloErrorBody = z.infer<typeof apolloErrorBody>;
