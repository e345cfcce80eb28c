// zod schemas of FullEnrich's v2 answers (VENDORS.md "FullEnrich"; the vendor's OpenAPI file in
// shared/specs/vendors). Every object is loose (unknown keys are kept, and reported as drift) and
// every leaf is tolerant: a field of the wrong type becomes null instead of failing the whole
// answer, so a vendor-side schema drift degrades one value, never the batch. Only the envelope is
// strict: an enrichment answer must be an object, or the adapter cannot tell pending from done.
//
// Parts of the profile the adapter never reads (education, languages, skills, offices…) are typed
// `unknown`: they are known keys (no drift reported for them) whose insides are not walked.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { bool, numeric, opaque, str } from '../schema-leaves.ts';

/** `{"code": "error.rate.limit", "message": "Too many requests. Try again in 1m"}`: every error answer. */
export const fullenrichErrorBody = z.looseObject({
  code: expected(str),
  message: expected(str),
});
export type FullenrichErrorBody = z.infer<typeof fullenrichErrorBody>;

/** An e-mail of `contact_info`; status ∈ DELIVERABLE | HIGH_PROBABILITY | CATCH_ALL | INVALID | INVALID_DOMAIN. */
export const fullenrichEmail = z.looseObject({ email: str, status: str });
export type FullenrichEmail = z.infer<typeof fullenrichEmail>;

/** A mobile phone of `contact_info`: E.164-ish `number` and its ISO region. */
export const fullenrichPhone = z.looseObject({ number: str, region: str });
export type FullenrichPhone = z.infer<typeof fullenrichPhone>;

const emailList = z
  .array(fullenrichEmail.nullable().catch(null))
  .nullish()
  .catch(null);
const phoneList = z
  .array(fullenrichPhone.nullable().catch(null))
  .nullish()
  .catch(null);

/** What was found for one contact; empty (`{}`) when nothing was. */
export const fullenrichContactInfo = z.looseObject({
  most_probable_work_email: fullenrichEmail.nullish().catch(null),
  most_probable_personal_email: fullenrichEmail.nullish().catch(null),
  most_probable_phone: fullenrichPhone.nullish().catch(null),
  work_emails: emailList,
  personal_emails: emailList,
  phones: phoneList,
});
export type FullenrichContactInfo = z.infer<typeof fullenrichContactInfo>;

/** The contact as FullEnrich echoes it back (its own spelling: company_domain, professional_network_url). */
export const fullenrichInput = z.looseObject({
  first_name: str,
  last_name: str,
  full_name: str,
  company_domain: str,
  company_name: str,
  professional_network_url: str,
  // The request's spellings, tolerated in case an echo uses them.
  domain: str,
  linkedin_url: str,
});
export type FullenrichInput = z.infer<typeof fullenrichInput>;

const networkProfile = z
  .looseObject({ id: numeric, url: str, handle: str, connection_count: numeric })
  .nullish()
  .catch(null);
const socialProfiles = z.looseObject({ professional_network: networkProfile }).nullish().catch(null);

export const fullenrichCompany = z.looseObject({
  id: str,
  name: str,
  domain: str,
  website: str,
  description: str,
  year_founded: numeric,
  /** Exact employees; FullEnrich sends 0 when it only knows `headcount_range`. */
  headcount: numeric,
  headcount_range: str,
  company_type: str,
  specialties: opaque,
  locations: opaque,
  industry: z.looseObject({ main_industry: str }).nullish().catch(null),
  social_profiles: socialProfiles,
  logo_url: str,
});
export type FullenrichCompany = z.infer<typeof fullenrichCompany>;

export const fullenrichEmployment = z.looseObject({
  title: str,
  seniority: str,
  job_functions: opaque,
  description: str,
  company: fullenrichCompany.nullish().catch(null),
  is_current: bool,
  start_at: str,
  end_at: str,
});
export type FullenrichEmployment = z.infer<typeof fullenrichEmployment>;

/** The full profile, returned only when the contact was sent with a LinkedIn URL. */
export const fullenrichProfile = z.looseObject({
  id: str,
  full_name: str,
  first_name: str,
  last_name: str,
  headline: str,
  description: str,
  location: z.looseObject({ country: str, country_code: str, city: str, region: str }).nullish().catch(null),
  social_profiles: socialProfiles,
  educations: opaque,
  languages: opaque,
  skills: opaque,
  employment: z
    .looseObject({
      current: fullenrichEmployment.nullish().catch(null),
      all: z.array(fullenrichEmployment.nullable().catch(null)).nullish().catch(null),
    })
    .nullish()
    .catch(null),
});
export type FullenrichProfile = z.infer<typeof fullenrichProfile>;

/** One contact of an enrichment's `data`. */
export const fullenrichRecord = z.looseObject({
  input: expected(fullenrichInput.nullish().catch(null)),
  /** Our own `custom` object, returned unchanged: the per-lookup reference lives here. */
  custom: expected(z.record(z.string(), z.unknown()).nullish().catch(null)),
  contact_info: expected(fullenrichContactInfo.nullish().catch(null)),
  profile: fullenrichProfile.nullish().catch(null),
});
export type FullenrichRecord = z.infer<typeof fullenrichRecord>;

/**
 * GET /contact/enrich/bulk/{id}, and the webhook body (the same shape). `status` ∈ CREATED |
 * IN_PROGRESS | CANCELED | CREDITS_INSUFFICIENT | FINISHED | RATE_LIMIT | UNKNOWN. `data` may be
 * absent while the enrichment runs; one unreadable record becomes null instead of sinking the rest.
 */
export const fullenrichEnrichment = z.looseObject({
  id: expected(str),
  name: str,
  status: expected(str),
  data: z
    .array(fullenrichRecord.nullable().catch(null))
    .nullish()
    .catch(null),
  cost: z.looseObject({ credits: numeric }).nullish().catch(null),
});
export type FullenrichEnrichment = z.infer<typeof fullenrichEnrichment>;

/** POST /contact/enrich/bulk → `{"enrichment_id": "…"}`. */
export const fullenrichSubmitResponse = z.looseObject({
  enrichment_id: expected(str),
});
export type FullenrichSubmitResponse = z.infer<typeof fullenrichSubmitResponse>;

/** GET /account/credits → `{"balance": 5000}`. */
export const fullenrichCredits = z.looseObject({
  balance: expected(numeric),
});
export type FullenrichCredits = z.infer<typeof fullenrichCredits>;
