// zod schemas of Clearbit's legacy Enrichment API v2 (person.clearbit.com/v2/people/find,
// company.clearbit.com/v2/companies/find; VENDORS.md "Clearbit"). Every object is loose and every
// leaf tolerant: a value of the wrong type becomes null instead of failing the answer, so a schema
// drift degrades one value, never the call. The fields listed are the documented v2 shapes, so a
// normal answer reports no drift.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { bool, handle, num, numeric, str, strList, unknownList } from '../schema-leaves.ts';

const geo = z
  .looseObject({
    streetNumber: str,
    streetName: str,
    subPremise: str,
    streetAddress: str,
    city: str,
    postalCode: str,
    state: str,
    stateCode: str,
    country: str,
    countryCode: str,
    lat: num,
    lng: num,
  })
  .nullish()
  .catch(null);

/** GET /v2/people/find?email= → a person; 404 on a miss, 202 (empty body) while queued. */
export const clearbitPerson = z.looseObject({
  id: expected(str),
  name: z.looseObject({ fullName: str, givenName: str, familyName: str }).nullish().catch(null),
  email: str,
  location: str,
  timeZone: str,
  utcOffset: num,
  geo,
  bio: str,
  site: str,
  avatar: str,
  employment: z
    .looseObject({ domain: str, name: str, title: str, role: str, subRole: str, seniority: str })
    .nullish()
    .catch(null),
  facebook: handle,
  github: z
    .looseObject({ handle: str, id: numeric, avatar: str, company: str, blog: str, followers: num, following: num })
    .nullish()
    .catch(null),
  twitter: z
    .looseObject({
      handle: str,
      id: numeric,
      bio: str,
      followers: num,
      following: num,
      statuses: num,
      favorites: num,
      location: str,
      site: str,
      avatar: str,
    })
    .nullish()
    .catch(null),
  linkedin: handle,
  googleplus: handle,
  gravatar: z.looseObject({ handle: str, urls: unknownList, avatar: str, avatars: unknownList }).nullish().catch(null),
  fuzzy: bool,
  emailProvider: bool,
  indexedAt: str,
  phone: str,
  activeAt: str,
  inactiveAt: str,
});
export type ClearbitPerson = z.infer<typeof clearbitPerson>;

/** GET /v2/companies/find?domain= → a company; 404 on a miss, 202 (empty body) while queued. */
export const clearbitCompany = z.looseObject({
  id: expected(str),
  name: str,
  legalName: str,
  domain: str,
  domainAliases: strList,
  site: z.looseObject({ phoneNumbers: unknownList, emailAddresses: unknownList }).nullish().catch(null),
  category: z
    .looseObject({
      sector: str,
      industryGroup: str,
      industry: str,
      subIndustry: str,
      gicsCode: str,
      sicCode: str,
      sic4Codes: unknownList,
      naicsCode: str,
      naics6Codes: unknownList,
      naics6Codes2022: unknownList,
    })
    .nullish()
    .catch(null),
  tags: strList,
  description: str,
  foundedYear: numeric,
  location: str,
  timeZone: str,
  utcOffset: num,
  geo,
  logo: str,
  facebook: z.looseObject({ handle: str, likes: num }).nullish().catch(null),
  linkedin: handle,
  twitter: z
    .looseObject({ handle: str, id: numeric, bio: str, followers: num, following: num, location: str, site: str, avatar: str })
    .nullish()
    .catch(null),
  crunchbase: handle,
  emailProvider: bool,
  type: str,
  ticker: str,
  identifiers: z.looseObject({ usEIN: str }).nullish().catch(null),
  phone: str,
  metrics: z
    .looseObject({
      alexaUsRank: num,
      alexaGlobalRank: num,
      trafficRank: str,
      /** A head count (number); sometimes absent with only `employeesRange` ("51-250"). */
      employees: numeric,
      employeesRange: str,
      marketCap: num,
      raised: num,
      annualRevenue: numeric,
      estimatedAnnualRevenue: str,
      fiscalYearEnd: num,
    })
    .nullish()
    .catch(null),
  indexedAt: str,
  tech: strList,
  techCategories: strList,
  parent: z.looseObject({ domain: str }).nullish().catch(null),
  ultimateParent: z.looseObject({ domain: str }).nullish().catch(null),
});
export type ClearbitCompany = z.infer<typeof clearbitCompany>;

/** Non-2xx bodies: `{"error": {"type": "unknown_record", "message": "…"}}`. */
export const clearbitErrorBody = z.looseObject({
  error: z
    .union([z.looseObject({ type: str, message: str }), z.string().transform((message) => ({ type: null, message }))])
    .nullish()
    .catch(null),
});
export type ClearbitErrorBody = z.infer<typeof clearbitErrorBody>;
