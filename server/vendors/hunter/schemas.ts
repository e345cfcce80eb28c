// zod schemas of Hunter's v2 responses (VENDORS.md "Hunter"). Every object is loose (unknown keys are
// kept) and every field is tolerant: a field of the wrong type becomes null instead of failing the
// whole answer, so a vendor-side schema drift degrades one value, never the call.
//
// Drift (server/vendors/drift.ts): keys Hunter is known to send but Cascade does not read are listed
// as `known(...)` so they are not reported as unknown; `expected()` marks `data`, which every 200
// answer carries (`meta` varies by endpoint and is not relied on). The person and company key lists
// follow Hunter's Clearbit-style enrichment objects.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { bool, handle, known, num, numeric, str, strList } from '../schema-leaves.ts';

/** `{"errors": [{"id", "code", "details"}]}`, Hunter's error body on every non-2xx answer. */
export const hunterErrorBody = z.looseObject({
  errors: z
    .array(z.looseObject({ id: str, code: num, details: str }).catch({ id: null, code: null, details: null }))
    .nullish()
    .catch(null),
});
export type HunterErrorBody = z.infer<typeof hunterErrorBody>;

/** GET /email-finder: `data.email` is null on a miss. */
export const finderData = z.looseObject({
  first_name: str,
  last_name: str,
  email: str,
  score: numeric,
  domain: str,
  accept_all: bool,
  position: str,
  twitter: str,
  linkedin_url: str,
  phone_number: str,
  company: str,
  sources: z.array(z.unknown()).nullish().catch(null),
  verification: z.looseObject({ date: str, status: str }).nullish().catch(null),
});
export const finderResponse = z.looseObject({ data: expected(finderData), meta: z.unknown().optional() });
export type FinderData = z.infer<typeof finderData>;

/** GET /email-verifier (200 only; 202 / 222 / 451 are told apart by status code). */
export const verifierData = z.looseObject({
  status: str,
  /** Deprecated by Hunter in favour of `status`: deliverable | undeliverable | risky. */
  result: str,
  score: numeric,
  email: str,
  regexp: bool,
  gibberish: bool,
  disposable: bool,
  webmail: bool,
  mx_records: bool,
  smtp_server: bool,
  smtp_check: bool,
  accept_all: bool,
  block: bool,
  sources: z.array(z.unknown()).nullish().catch(null),
  ...known('_deprecation_notice'),
});
export const verifierResponse = z.looseObject({ data: expected(verifierData), meta: z.unknown().optional() });
export type VerifierData = z.infer<typeof verifierData>;

const geo = z
  .looseObject({
    city: str,
    state: str,
    stateCode: str,
    country: str,
    countryCode: str,
    lat: num,
    lng: num,
    ...known('streetNumber', 'streetName', 'subPremise', 'streetAddress', 'postalCode'),
  })
  .nullish()
  .catch(null);

/** GET /people/find: a Clearbit-like person; 404 on a miss. */
export const personData = z.looseObject({
  id: str,
  name: z.looseObject({ fullName: str, givenName: str, familyName: str }).nullish().catch(null),
  email: str,
  location: str,
  geo,
  employment: z
    .looseObject({ domain: str, name: str, title: str, role: str, subRole: str, seniority: str })
    .nullish()
    .catch(null),
  linkedin: handle,
  phone: str,
  ...known(
    'twitter', 'facebook', 'github', 'googleplus', 'gravatar', 'timeZone', 'utcOffset', 'bio', 'site',
    'avatar', 'fuzzy', 'emailProvider', 'indexedAt', 'activeAt', 'inactiveAt',
  ),
});
export const personResponse = z.looseObject({ data: expected(personData), meta: z.unknown().optional() });
export type PersonData = z.infer<typeof personData>;

/** GET /companies/find: a Clearbit-like company; 404 on a miss. */
export const companyData = z.looseObject({
  id: str,
  name: str,
  legalName: str,
  domain: str,
  category: z
    .looseObject({
      sector: str,
      industryGroup: str,
      industry: str,
      subIndustry: str,
      ...known('gicsCode', 'sicCode', 'sic4Codes', 'naicsCode', 'naics6Codes', 'naics6Codes2022'),
    })
    .nullish()
    .catch(null),
  geo,
  linkedin: handle,
  phone: str,
  metrics: z
    .looseObject({
      /** A range string like "51-200" (sometimes a plain number). */
      employees: numeric,
      employeesRange: str,
      annualRevenue: numeric,
      estimatedAnnualRevenue: str,
      ...known('alexaUsRank', 'alexaGlobalRank', 'trafficRank', 'marketCap', 'raised', 'fiscalYearEnd'),
    })
    .nullish()
    .catch(null),
  tech: strList,
  ...known(
    'domainAliases', 'site', 'tags', 'description', 'foundedYear', 'location', 'timeZone', 'utcOffset',
    'logo', 'facebook', 'twitter', 'crunchbase', 'emailProvider', 'type', 'ticker', 'identifiers',
    'indexedAt', 'techCategories', 'parent', 'ultimateParent',
  ),
});
export const companyResponse = z.looseObject({ data: expected(companyData), meta: z.unknown().optional() });
export type CompanyData = z.infer<typeof companyData>;

/** One usage meter of GET /account: `available` is the period's allowance (packs included). */
const meter = z
  .looseObject({ used: numeric, available: numeric, remaining: numeric })
  .nullish()
  .catch(null);

/**
 * GET /account (free, not counted against the plan): plan, reset date and usage meters — `credits`
 * on current plans, `searches` / `verifications` on legacy ones.
 */
export const accountData = z.looseObject({
  plan_name: str,
  plan_level: numeric,
  reset_date: str,
  requests: z
    .looseObject({ credits: meter, searches: meter, verifications: meter })
    .nullish()
    .catch(null),
  ...known('first_name', 'last_name', 'email', 'team_id', 'calls'),
});
export const accountResponse = z.looseObject({ data: expected(accountData), meta: z.unknown().optional() });
export type AccountData = z.infer<typeof accountData>;
