// zod schemas of Cognism's Search API answers (https://app.cognism.com/api/search; VENDORS.md
// "Cognism"; field names checked against Cognism's published Postman collection: enrich previews
// carry `has*` availability flags and a `redeemId`, redeemed contacts carry the values). Every
// object is loose and every leaf tolerant: a value of the wrong type becomes null instead of failing
// the answer. Only what decides the outcome is strict: `results` must be an array.
//
// The `has*` flags are listed so that a normal answer reports no drift; a flag Cognism adds later is
// reported as an unknown key, which is what the drift report is for.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { bool, entriesOf, numeric, str, strList, unknownList } from '../schema-leaves.ts';

/** A string, or a list of strings (Cognism sends `industry` and `seniority` as either). */
const strOrList = z
  .union([z.string(), z.array(z.unknown())])
  .nullish()
  .catch(null);

const flags = (...names: string[]) => Object.fromEntries(names.map((n) => [n, bool]));

// ---------------------------------------------------------------------------------------------
// POST /contact/enrich → preview

const ACCOUNT_PREVIEW_FLAGS = flags(
  'hasDomain', 'hasIndustries', 'hasIndustry', 'hasDescription', 'hasShortDescription', 'hasFounded', 'hasWebsite',
  'hasLinkedinUrl', 'hasRevenue', 'hasDepartment', 'hasSic', 'hasIsic', 'hasNaics', 'hasHeadcount', 'hasSize',
  'hasTechnologies', 'hasType', 'hasLocation', 'hasCountry', 'hasState', 'hasCity', 'hasZip', 'hasStreet',
  'hasOfficePhoneNumbers', 'hasHqPhoneNumbers', 'hasHiringEvent', 'hasLastConfirmed',
);

const CONTACT_PREVIEW_FLAGS = flags(
  'hasManagementLevel', 'hasSeniority', 'hasJobFunction', 'hasPositionStartDate', 'hasEmail', 'hasMobilePhoneNumbers',
  'hasDirectPhoneNumbers', 'hasJobJoinEvent', 'hasJobLeaveEvent', 'hasLocationMoveEvent', 'hasCountry', 'hasState',
  'hasCity', 'hasZip', 'hasStreet', 'hasRegion', 'hasLinkedinUrl', 'hasEducation', 'hasPreviousAccounts', 'hasSkills',
  'hasLastConfirmed',
);

export const cognismAccountPreview = z.looseObject({ id: str, name: str, ...ACCOUNT_PREVIEW_FLAGS });

/** One preview of `results[]`: free, no values, a `redeemId` to buy the full record with. */
export const cognismContactPreview = z.looseObject({
  id: str,
  redeemId: str,
  fullName: str,
  firstName: str,
  lastName: str,
  jobTitle: str,
  ...CONTACT_PREVIEW_FLAGS,
  account: cognismAccountPreview.nullish().catch(null),
});
export type CognismContactPreview = z.infer<typeof cognismContactPreview>;

/** `{"matchScore": 42, "results": [preview …]}`; a miss is an empty (or absent) `results`. */
export const enrichResponse = z.looseObject({
  matchScore: numeric,
  // A single entry of the wrong type becomes null rather than sinking the answer.
  results: expected(z.array(z.union([cognismContactPreview, z.unknown().transform(() => null)])).nullish()),
  totalResults: numeric,
});
export type EnrichResponse = z.infer<typeof enrichResponse>;

// ---------------------------------------------------------------------------------------------
// POST /contact/redeem → full contacts

/** A phone number: `score` 0–100 and a Do-Not-Call flag that must be respected. */
export const cognismPhone = z.looseObject({
  number: str,
  numberType: str,
  label: str,
  score: numeric,
  dnc: bool,
  addressType: str,
});
export type CognismPhone = z.infer<typeof cognismPhone>;

const phoneList = entriesOf(cognismPhone);

const location = z.looseObject({
  addressType: str,
  country: str,
  state: str,
  city: str,
  street: str,
  zip: str,
});

/** The account embedded in a redeemed contact (values as the organisation's entitlement allows). */
export const cognismAccount = z.looseObject({
  id: str,
  name: str,
  domain: str,
  website: str,
  linkedinUrl: str,
  industry: strOrList,
  industries: strOrList,
  headcount: numeric,
  sizeFrom: numeric,
  sizeTo: numeric,
  revenue: numeric,
  technologies: strList,
  type: str,
  founded: numeric,
  lastConfirmed: numeric,
  naics: unknownList,
  sic: unknownList,
  isic: unknownList,
  shortDescription: str,
  description: str,
  location: z.array(z.union([location, z.unknown()])).nullish().catch(null),
  officePhoneNumbers: unknownList,
  hqPhoneNumbers: unknownList,
  hiringEvent: unknownList,
  fundingEvent: unknownList,
  ipoEvent: unknownList,
  acquisitionEvent: unknownList,
  appearanceEvent: unknownList,
});
export type CognismAccount = z.infer<typeof cognismAccount>;

/** The e-mail of a redeemed contact: `{address, quality, sha256}` (a bare string is tolerated). */
const cognismEmail = z
  .union([z.looseObject({ address: str, quality: str, sha256: str }), z.string().transform((address) => ({ address, quality: null, sha256: null }))])
  .nullish()
  .catch(null);

export const cognismContact = z.looseObject({
  id: str,
  redeemId: str,
  fullName: str,
  firstName: str,
  lastName: str,
  jobTitle: str,
  seniority: strOrList,
  managementLevel: str,
  jobFunction: strOrList,
  email: cognismEmail,
  linkedinUrl: str,
  mobilePhoneNumbers: phoneList,
  directPhoneNumbers: phoneList,
  country: str,
  state: str,
  city: str,
  region: str,
  zip: str,
  street: str,
  positionStartDate: str,
  lastConfirmed: numeric,
  privacyNotificationSent: bool,
  previousAccounts: unknownList,
  skills: unknownList,
  education: unknownList,
  jobLeaveEvent: unknownList,
  jobJoinEvent: unknownList,
  locationMoveEvent: unknownList,
  account: cognismAccount.nullish().catch(null),
});
export type CognismContact = z.infer<typeof cognismContact>;

/** `{"totalResults": n, "results": [contact …]}`. */
export const redeemResponse = z.looseObject({
  totalResults: numeric,
  results: expected(z.array(z.union([cognismContact, z.unknown().transform(() => null)]))),
});
export type RedeemResponse = z.infer<typeof redeemResponse>;

// ---------------------------------------------------------------------------------------------
// GET /entitlement/contactEntitlementSubscription (free): which contact fields the key may redeem.

export const contactEntitlementResponse = z.looseObject({
  'contact Entitlement': expected(z.record(z.string(), z.unknown()).nullish().catch(null)),
});
export type ContactEntitlementResponse = z.infer<typeof contactEntitlementResponse>;

// ---------------------------------------------------------------------------------------------
// Errors. Cognism answers errors as a top-level array `[{"key", "code", "msg"}]` (observed for 401
// and 404); VENDORS.md gives the 429 as `{"errors": [{"code": 88, …}]}`. Both are read.

const errorItem = z.looseObject({ key: str, code: numeric, msg: str, message: str, error: str });
export const cognismErrorBody = z.union([
  z.array(errorItem.catch({ key: null, code: null, msg: null, message: null, error: null })),
  z.looseObject({
    errors: z.array(errorItem.catch({ key: null, code: null, msg: null, message: null, error: null })).nullish().catch(null),
    message: str,
    error: str,
  }),
]);
export type CognismErrorBody = z.infer<typeof cognismErrorBody>;
