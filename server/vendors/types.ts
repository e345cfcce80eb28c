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
  /**
   * Share (0..1] of the operation's price this answer cost, for vendors whose price depends on what
   * was found (FullEnrich: an e-mail 1 credit, a phone 10; Lusha: 1 and 5). The engine reserves the
   * full price before the call and charges this share of it. Absent: the full price.
   */
  costShare?: number;
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
  /** What the vendor said is left of its rate windows (headers), so the engine can tighten its pacing. */
  quota?: QuotaReport[];
  /** Keys of the answer its schema does not know, or expected keys that are absent. */
  drift?: SchemaDrift;
}

/** One rate window as the vendor reported it in an answer, e.g. Apollo's `x-minute-requests-left`. */
export interface QuotaReport {
  windowMs: number;
  /** Requests left in the vendor's current window after this one. */
  remaining: number;
  /** The window's size as the vendor states it, when it does. */
  limit?: number;
  /** When the vendor's window resets (epoch ms), when it says so. */
  resetAt?: number;
}

/** Differences between an answer and the adapter's schema: dotted paths, arrays as `[]`. */
export interface SchemaDrift {
  unknown: string[];
  missing: string[];
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
  /**
   * Operations of one vendor naming the same group share one rate bucket, single and bulk calls
   * alike (Lusha counts every request of an account in the same windows; Hunter's general limit
   * covers all its endpoints but the verifier). Absent: each operation is counted on its own.
   */
  rateGroup?: string;
  /** Builds the lookup from what is known, or null when the operation lacks the input it needs. */
  lookup(facts: ContactFacts): Lookup | null;
  /**
   * Where the vendor has a bulk endpoint for this operation: its own rate windows and the largest
   * batch it accepts. `callBatch` answers per lookup, in order, billed per lookup as single calls are.
   */
  batch?: {
    maxSize: number;
    rateWindows: readonly RateWindow[];
    /** HTTP requests one batch of `n` costs against `rateWindows` when it is more than one (Cognism: n previews + 1 redeem). */
    requestsFor?: (n: number) => number;
  };
  /**
   * The vendor answers later (FullEnrich): lookups are submitted with `submit` and the answer comes
   * to the callback URL, or from `poll`. Polling starts after `pollAfterMs`, repeats every
   * `pollEveryMs`, and the step gives up (not billed) after `giveUpAfterMs`.
   */
  async?: { pollAfterMs: number; pollEveryMs: number; giveUpAfterMs: number };
}

export interface CallContext {
  apiKey: string;
  baseUrl: string;
  /** Further hosts of vendors that spread their API over several (ZeroBounce's bulk host, Clearbit's company host). */
  hosts?: Readonly<Record<string, string>>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The result of the cheapest call that proves a key works, for the settings page. */
export interface ConnectionTest {
  ok: boolean;
  status: 'ok' | 'invalid_key' | 'forbidden' | 'no_credits' | 'rate_limited' | 'unreachable' | 'error';
  httpStatus: number;
  /** One sentence a HubSpot admin can act on; never contains the key. */
  message: string;
  /** Credits (or lookups) left, when the vendor reports them. */
  creditsRemaining?: number;
  /** Which endpoint was called, e.g. "GET /account" (no query string, no key). */
  checked: string;
}

/** An async submission the vendor accepted; the answer comes later by callback or polling. */
export interface AsyncSubmitted {
  outcome: 'submitted';
  httpStatus: number;
  /** The vendor's id of the request (FullEnrich's `enrichment_id`). */
  externalId: string;
}

export type AsyncPoll =
  | { state: 'pending' }
  /** Results in the order of the submitted lookups. */
  | { state: 'done'; results: VendorResult[] }
  /** The poll itself failed (rate limit, auth, network): try again later or give up. */
  | { state: 'failed'; result: VendorResult };

export type AsyncCallback =
  | { ok: true; externalId: string; results: VendorResult[] }
  | { ok: false; reason: string };

export interface VendorAdapter {
  id: string;
  displayName: string;
  operations: Readonly<Record<string, OperationSpec>>;
  call(operationId: string, lookup: Lookup, ctx: CallContext): Promise<VendorResult>;
  /** Bulk form of an operation that declares `batch`; results are in the order of `lookups`. */
  callBatch?(operationId: string, lookups: Lookup[], ctx: CallContext): Promise<VendorResult[]>;
  /** The cheapest request that proves the key works (an account or credits endpoint where one exists). */
  testConnection(ctx: CallContext): Promise<ConnectionTest>;
  /** Async operations: submit lookups; the vendor will POST the answer to `callbackUrl`. */
  submit?(operationId: string, lookups: Lookup[], ctx: CallContext & { callbackUrl: string }): Promise<AsyncSubmitted | VendorResult>;
  /** Async operations: ask for the answer of a submission (polling fallback). */
  poll?(operationId: string, externalId: string, lookups: Lookup[], ctx: CallContext): Promise<AsyncPoll>;
  /**
   * Async operations: reads a callback the vendor sent (verifying the vendor's own signature over
   * `rawBody` with the key). Results are in the order of `lookups`.
   */
  parseCallback?(
    operationId: string,
    req: { rawBody: string; headers: Headers },
    lookups: Lookup[],
    ctx: { apiKey: string },
  ): AsyncCallback;
}
