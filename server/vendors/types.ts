// The one interface between the engine and a data vendor. An adapter knows its vendor's HTTP API,
// prices, billing rules and rate windows; it knows nothing of HubSpot, portals, caches or caps.

/** What a workflow or the card asks to fill. */
export const FIELD_GROUPS = ['email', 'email_verification', 'person', 'company', 'phone'] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

/** The canonical profile every vendor answer is normalized into. */
export const CANONICAL_FIELDS = [
  'first_name',
  'last_name',
  'job_title',
  'seniority',
  'linkedin_url',
  'work_email',
  'email_status',
  'phone',
  'city',
  'state',
  'country',
  'company_name',
  'company_domain',
  'industry',
  'employee_count',
  'annual_revenue',
  'tech_stack',
  'company_linkedin_url',
] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Canonical e-mail status (VENDORS.md "Normalization"). */
export type EmailStatus = 'valid' | 'risky' | 'invalid' | 'unknown' | 'do_not_use';

/** One normalized value with the vendor's confidence mapped to 0..1. */
export interface FieldValue {
  value: string;
  confidence: number;
}
export type PartialProfile = Partial<Record<CanonicalField, FieldValue>>;

/** Facts known about a contact before (or during) a run, already normalized. */
export interface ContactFacts {
  email?: string;
  first_name?: string;
  last_name?: string;
  domain?: string;
  company_name?: string;
  linkedin_url?: string;
}

/** A vendor lookup: `key` is the canonical string that is hashed for the cache and the ledger. */
export interface Lookup {
  key: string;
  params: Record<string, string>;
}

export type VendorOutcome =
  | 'hit'
  | 'miss'
  | 'rate_limited'
  | 'quota_exhausted'
  | 'auth_failed'
  | 'transient'
  | 'invalid_input';

export interface VendorResult {
  outcome: VendorOutcome;
  /** HTTP status the vendor answered with (0 when no answer arrived: timeout, reset). */
  httpStatus: number;
  /** Whether the vendor charged for this answer, by its own billing rules. */
  billed: boolean;
  profile?: PartialProfile;
  /** The vendor says this person must not be processed (opted out / GDPR-restricted). */
  doNotProcess?: boolean;
  /** For rate_limited / quota_exhausted / transient: when the vendor says to try again (epoch ms). */
  retryAt?: number;
  /** Short, secret-free description for the ledger and logs. */
  message?: string;
  /**
   * No answer arrived after the request may have reached the vendor (a timeout, a connection cut
   * mid-request): the vendor may have processed, and billed, it.
   */
  ambiguous?: boolean;
}

/** A documented rate window of one (vendor, key), e.g. 600 requests per hour. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

export interface BillingRule {
  /** The vendor bills a lookup that finds nothing (Clearbit legacy). */
  chargesOnMiss: boolean;
  /** Repeating the same lookup within the vendor's billing period is free (Hunter). */
  repeatLookupsFree: boolean;
}

export interface OperationSpec {
  /** Stable id, used in settings, the cache key and the ledger, e.g. "people_match". */
  id: string;
  label: string;
  /** Field groups this operation can fill. */
  groups: readonly FieldGroup[];
  /** Default price of one billed call in millicents (1/1000 of a cent); portals may override. */
  costMillicents: number;
  billing: BillingRule;
  /** Rate windows of the endpoint, per key; the engine paces below every one of them. */
  rateWindows: readonly RateWindow[];
  /** Builds the lookup from what is known, or null when the operation lacks the input it needs. */
  lookup(facts: ContactFacts): Lookup | null;
  /**
   * Where the vendor has a bulk endpoint for this operation: its own rate windows and the largest
   * batch it accepts. `callBatch` answers per lookup, in order, billed per lookup as single calls are.
   */
  batch?: { maxSize: number; rateWindows: readonly RateWindow[] };
}

export interface CallContext {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface VendorAdapter {
  id: string;
  displayName: string;
  operations: Readonly<Record<string, OperationSpec>>;
  call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult>;
  /** Bulk form of an operation that declares `batch`; results are in the order of `lookups`. */
  callBatch?(operationId: string, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]>;
}
