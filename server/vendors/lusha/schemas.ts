// zod schemas of Lusha's v2 responses (VENDORS.md "Lusha"; the v2 OpenAPI reference). Every object
// is loose (unknown keys are kept and reported as drift) and every leaf is tolerant: a field of the
// wrong type becomes null instead of failing the whole answer. Only the shape that decides the
// outcome is strict: `contact` must be an object, `contact.data` / company `data` an object or
// absent/null, and bulk `contacts` a map — otherwise the adapter cannot tell a hit from a miss.
//
// Lusha spells several things two ways, and the schemas accept both:
// - e-mail entries: `{address, type}` (single GET) or `{email, emailType}` (bulk POST);
// - location codes: `countryIso2` / `country_iso2`, `stateCode` / `state_code`, …;
// - company size: `[min, max]` (person and bulk company answers) or `{min, max}` (single company);
// - company LinkedIn: `social.linkedin` as a string or as `{url}`, or a top-level `linkedin` (bulk);
// - industry: `mainIndustry` at the top or `industry: {mainIndustry, subIndustry}`.
// Keys the reference documents but the adapter does not read are typed `opaque` so they are
// not reported as drift.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { bool, listOf, numeric, opaque, str } from '../schema-leaves.ts';

export const lushaEmailAddress = z.looseObject({
  email: str,
  address: str,
  emailType: str,
  type: str,
  /** A+, A, B, C… */
  emailConfidence: str,
  updateDate: opaque,
});
export type LushaEmailAddress = z.infer<typeof lushaEmailAddress>;

export const lushaPhoneNumber = z.looseObject({
  number: numeric,
  /** Mobile | Direct | Phone (any case). */
  phoneType: str,
  /** The number is on a do-not-call list: never use it. */
  doNotCall: bool,
  updateDate: opaque,
  countryCode: opaque,
  countryCallingCode: opaque,
  countryName: opaque,
});
export type LushaPhoneNumber = z.infer<typeof lushaPhoneNumber>;

const lushaLocation = z
  .looseObject({
    country: str,
    countryIso2: opaque,
    country_iso2: opaque,
    continent: opaque,
    rawLocation: opaque,
    region: opaque,
    city: str,
    cityId: opaque,
    city_id: opaque,
    state: str,
    stateCode: opaque,
    state_code: opaque,
    street: opaque,
    fullLocation: opaque,
    locationCoordinates: opaque,
    location_coordinates: opaque,
    isEuContact: opaque,
    is_eu_contact: opaque,
  })
  .nullish()
  .catch(null);

const lushaJobTitle = z
  .looseObject({ title: str, seniority: str, departments: opaque })
  .nullish()
  .catch(null);

const lushaSocialLinks = z
  .looseObject({ linkedin: str, xUrl: opaque, twitter: opaque, facebook: opaque, crunchbase: opaque })
  .nullish()
  .catch(null);

const linkOrUrl = z
  .union([z.string(), z.looseObject({ url: str })])
  .nullish()
  .catch(null);

/** The company object in its three forms: in a person answer, from GET /v2/company, from bulk. */
export const lushaCompany = z.looseObject({
  id: numeric,
  lushaCompanyId: numeric,
  companyId: numeric,
  name: str,
  alternativeName: opaque,
  description: opaque,
  domain: str,
  domains: z.looseObject({ homepage: str, email: str }).nullish().catch(null),
  homepageUrl: str,
  website: str,
  fqdn: str,
  emailDomain: str,
  /** `[min, max]` or `{min, max, employeesInLinkedin}`. */
  companySize: z
    .union([z.array(z.unknown()), z.looseObject({ min: numeric, max: numeric, employeesInLinkedin: opaque })])
    .nullish()
    .catch(null),
  /** "201 - 500" (single company). */
  employees: numeric,
  employeesInLinkedin: opaque,
  revenueRange: z.array(z.unknown()).nullish().catch(null),
  mainIndustry: str,
  subIndustry: str,
  industry: z
    .union([z.string(), z.looseObject({ mainIndustry: str, subIndustry: str })])
    .nullish()
    .catch(null),
  industryPrimaryGroup: str,
  industryPrimaryGroupDetails: opaque,
  categories: opaque,
  specialities: opaque,
  social: z
    .looseObject({ linkedin: linkOrUrl, crunchbase: opaque, twitter: opaque, facebook: opaque })
    .nullish()
    .catch(null),
  linkedin: str,
  crunchbase: opaque,
  technologies: listOf(z.union([z.looseObject({ name: str }), z.string()])),
  location: opaque,
  companyLocations: opaque,
  address: opaque,
  city: opaque,
  state: opaque,
  country: opaque,
  countryIso2: opaque,
  continent: opaque,
  rawLocation: opaque,
  logoUrl: opaque,
  founded: opaque,
  funding: opaque,
  intent: opaque,
  companyType: opaque,
  lushaPopularityTier: opaque,
  linkedinFollowers: opaque,
});
export type LushaCompany = z.infer<typeof lushaCompany>;

/** The person of a contact answer (`contact.data`, or a bulk `contacts[id].data`). */
export const lushaContactData = z.looseObject({
  companyId: numeric,
  personId: numeric,
  firstName: expected(str),
  lastName: expected(str),
  fullName: str,
  /** Deprecated plain list; `emailAddresses` is what carries the type and grade. */
  emails: opaque,
  emailAddresses: listOf(lushaEmailAddress),
  /** Deprecated plain list; `phoneNumbers` is what carries `doNotCall`. */
  phones: opaque,
  phoneNumbers: listOf(lushaPhoneNumber),
  location: lushaLocation,
  jobTitle: lushaJobTitle,
  socialLinks: lushaSocialLinks,
  jobStartDate: opaque,
  previousJob: opaque,
  contactTags: opaque,
  updateDate: opaque,
  linkedinFollowersCount: opaque,
  linkedinConnectionsCount: opaque,
  linkedinCertifications: opaque,
  linkedinCourses: opaque,
  linkedinAwards: opaque,
  linkedinSkills: opaque,
  signals: opaque,
  /** Embedded in single answers; bulk answers put companies in the top-level `companies` map. */
  company: lushaCompany.nullish().catch(null),
});
export type LushaContactData = z.infer<typeof lushaContactData>;

/** `{code: 3, name: "EMPTY_DATA", message: "Could not find requested data"}` on a miss. */
export const lushaContactError = z.looseObject({ code: numeric, name: str, message: str });
export type LushaContactError = z.infer<typeof lushaContactError>;

/** One contact answer: `{error, isCreditCharged, data}` (single `contact`, or a bulk map entry). */
export const lushaContactEntry = z.looseObject({
  error: expected(lushaContactError.nullish().catch(null)),
  isCreditCharged: expected(bool),
  data: lushaContactData.nullish(),
});
export type LushaContactEntry = z.infer<typeof lushaContactEntry>;

/** GET /v2/person → `{"contact": {...}}`. */
export const singleContactResponse = z.looseObject({
  contact: lushaContactEntry,
});
export type SingleContactResponse = z.infer<typeof singleContactResponse>;

/**
 * POST /v2/person → `{"contacts": {contactId: entry}, "companies": {companyId: company}}`. Entries are
 * read one by one (lushaContactEntry / lushaCompany) so one odd entry cannot sink the others.
 */
export const bulkContactResponse = z.looseObject({
  contacts: z.record(z.string(), z.unknown()),
  companies: expected(z.record(z.string(), z.unknown()).nullish().catch(null)),
});
export type BulkContactResponse = z.infer<typeof bulkContactResponse>;

/** GET /v2/company → `{"data": {...}, "errors"?: {"message"}, "meta": {}}`. */
export const singleCompanyResponse = z.looseObject({
  data: lushaCompany.nullish(),
  errors: z.looseObject({ message: str }).nullish().catch(null),
  meta: opaque,
});
export type SingleCompanyResponse = z.infer<typeof singleCompanyResponse>;

/** POST /bulk/company/v2 → `{id: company, …}` keyed by the ids the request gave. */
export const bulkCompanyResponse = z.record(z.string(), z.unknown());

/** GET /account/usage → `{"usage": {"<kind>Credits": {"used", "total", "remaining"}}}`. */
export const usageStats = z.looseObject({ used: numeric, total: numeric, remaining: numeric });
export const accountUsageResponse = z.looseObject({
  usage: z.record(z.string(), z.unknown()),
});
export type AccountUsageResponse = z.infer<typeof accountUsageResponse>;

/**
 * Error bodies. The reference shows both `{"statusCode": 401, "message": "…"}` (with an optional
 * `errors` list; validation errors may carry `message` as a list) and `{"error": {"code", "message"}}`.
 */
export const lushaErrorBody = z.looseObject({
  statusCode: numeric,
  message: z
    .union([z.string(), z.array(z.unknown())])
    .nullish()
    .catch(null),
  errors: z.array(z.unknown()).nullish().catch(null),
  error: z
    .union([z.string(), z.looseObject({ code: numeric, message: str })])
    .nullish()
    .catch(null),
});
export type LushaErrorBody = z.infer<typeof lushaErrorBody>;
