// zod schemas of Hunter's v2 responses (VENDORS.md "Hunter"). Every object is loose (unknown keys are
// kept) and every field is tolerant: a field of the wrong type becomes null instead of failing the
// whole answer, so a vendor-side schema drift degrades one value, never the call.
import { z } from 'zod';

const str = z.string().nullish().catch(null);
const num = z.number().nullish().catch(null);
const bool = z.boolean().nullish().catch(null);
/** A number Hunter sometimes sends as a string ("85"). */
const numeric = z
  .union([z.number(), z.string()])
  .nullish()
  .catch(null);
const strList = z
  .array(z.unknown())
  .nullish()
  .catch(null)
  .transform((a) => (a ?? []).filter((x): x is string => typeof x === 'string'));
const handle = z.looseObject({ handle: str }).nullish().catch(null);

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
export const finderResponse = z.looseObject({ data: finderData, meta: z.unknown().optional() });
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
});
export const verifierResponse = z.looseObject({ data: verifierData, meta: z.unknown().optional() });
export type VerifierData = z.infer<typeof verifierData>;

const geo = z
  .looseObject({ city: str, state: str, stateCode: str, country: str, countryCode: str, lat: num, lng: num })
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
  twitter: handle,
  phone: str,
});
export const personResponse = z.looseObject({ data: personData, meta: z.unknown().optional() });
export type PersonData = z.infer<typeof personData>;

/** GET /companies/find: a Clearbit-like company; 404 on a miss. */
export const companyData = z.looseObject({
  id: str,
  name: str,
  legalName: str,
  domain: str,
  category: z.looseObject({ sector: str, industryGroup: str, industry: str, subIndustry: str }).nullish().catch(null),
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
    })
    .nullish()
    .catch(null),
  tech: strList,
});
export const companyResponse = z.looseObject({ data: companyData, meta: z.unknown().optional() });
export type CompanyData = z.infer<typeof companyData>;
