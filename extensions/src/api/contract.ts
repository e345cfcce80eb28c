// The wire contract between the UI (card, settings page) and the backend's /ui/* routes. Types only:
// the server imports them with `import type` so a change here breaks whichever side falls behind.
//
// Every request is made with hubspot.fetch and carries in its query string (covered by HubSpot's
// signature) `portalId` and `userId` from the extension context; card requests add `contactId`.
// Amounts are whole cents (rounded half up from the engine's millicents) unless a name says otherwise.

export type FieldGroup = 'email' | 'email_verification' | 'person' | 'company' | 'phone';
export type RunState = 'queued' | 'running' | 'done';
export type RunStatus = 'enriched' | 'partial' | 'not_found' | 'cap_reached' | 'suppressed' | 'failed';
export type WritePolicy = 'fill_if_empty' | 'overwrite' | 'never';
export type CapPeriod = 'day' | 'month';
export type OnCap = 'skip_vendor' | 'pause';

/**
 * Every non-2xx answer. `field` names the first bad input; `problems` lists them all. Field names are
 * paths into the request body, arrays indexed in brackets: `caps[1].capCents`, `writePolicy.fields.job_title`.
 */
export interface ApiError {
  error: string; // machine code: invalid_body | invalid_query | invalid_signature | portal_mismatch | not_admin | scope_missing | not_installed | not_found | payload_too_large | ...
  message: string; // one sentence a HubSpot admin can act on
  field?: string;
  problems?: { field: string; message: string }[];
}

// ---- card -------------------------------------------------------------------------------------

/** GET /ui/card?portalId&userId&contactId */
export interface CardView {
  installed: boolean;
  /** Where an admin (re)installs the app: the backend's /oauth/install. */
  installUrl: string;
  /** Vendors with a key stored for this portal. 0 → the card says "no keys configured". */
  keysConfigured: number;
  /** The portal's total spend today and its total daily cap (null when none is set). */
  spendToday: { spentCents: number; capCents: number | null };
  /** Caps reached in their current period (today / this month). */
  capsReached: { scope: string; period: CapPeriod; capCents: number }[];
  /** The contact's most recent run (in flight or finished), or null when it was never enriched. */
  lastRun: RunView | null;
  /** Optional (added by the UI): vendor id → display name ("pdl" → "People Data Labs"); ids are shown when absent. */
  vendorNames?: Record<string, string>;
}

export interface RunFieldView {
  field: string; // canonical field, e.g. job_title
  property: string; // HubSpot property it maps to, e.g. jobtitle
  value: string;
  vendor: string; // who supplied it
  confidence: number; // 0..1
  /** written: sent to HubSpot; kept: the contact's own value was kept (write policy). */
  action: 'write' | 'keep';
  reason: string; // empty | overwrite | has_value | policy_never | unchanged
}

export interface RunStepView {
  group: FieldGroup;
  vendor: string;
  operation: string;
  state: string; // calling | done | skipped | indeterminate
  outcome: string | null; // hit | miss | rate_limited | quota_exhausted | auth_failed | transient | invalid_input
  skipReason: string | null; // cap_reached | rate_limited | circuit_open | no_key | quota_exhausted | suppressed | error | ...
  source: string | null; // vendor | cache | memo
  costCents: number;
  latencyMs: number | null;
}

/** GET /ui/runs/:runId?portalId&userId — the card polls this while a run is in flight. */
export interface RunView {
  id: string;
  contactId: string;
  state: RunState;
  status: RunStatus | null; // null until done
  errorCode: string | null; // NO_KEYS | CAP_REACHED | VENDOR_ERROR | ... when the engine set one
  source: string; // workflow | card | schedule | ...
  forceRefresh: boolean;
  createdAt: string; // ISO
  finishedAt: string | null;
  costCents: number;
  /** Steps recorded so far / planned: drives the progress bar. total is 0 until planned. */
  progress: { done: number; total: number };
  fields: RunFieldView[];
  steps: RunStepView[];
}

/** POST /ui/card/enrich?portalId&userId&contactId */
export interface EnrichRequest {
  force: boolean;
  /** Client-made id (uuid) so hubspot.fetch's one retry does not start a second run. */
  requestId: string;
  groups?: FieldGroup[]; // default: email, person, company
}
/** 202 */
export interface EnrichAccepted {
  runId: string;
  /** true: the contact already had a run in flight and this click joined it. */
  coalesced: boolean;
}

// ---- settings page ----------------------------------------------------------------------------

export interface VendorOperationView {
  id: string;
  label: string;
  groups: FieldGroup[];
  costCents: number; // the portal's price (override or default), may be fractional: 0.5
  chargesOnMiss: boolean;
  async: boolean;
}

export interface VendorView {
  id: string;
  name: string;
  operations: VendorOperationView[];
  /** null: no key stored. Never more than the last 4 characters. */
  key: { last4: string; updatedAt: string } | null;
}

export interface CapView {
  scope: string; // 'total' or a vendor id
  period: CapPeriod;
  capCents: number;
  spentCents: number; // in the current period
}

/** GET /ui/settings?portalId&userId */
export interface SettingsView {
  installed: boolean;
  installUrl: string;
  /** Server-verified (HubSpot users API): only admins may change anything; others get a read-only page. */
  isAdmin: boolean;
  vendors: VendorView[];
  groups: FieldGroup[];
  /** Canonical field → HubSpot property, in display order. */
  fields: { field: string; property: string; label: string }[];
  /** The effective waterfall per group (the portal's own or the default). */
  waterfall: Record<FieldGroup, { vendor: string; operation: string }[]>;
  waterfallIsDefault: Record<FieldGroup, boolean>;
  writePolicy: { default: WritePolicy; fields: Record<string, WritePolicy> };
  cacheTtlDays: number;
  missTtlDays: number;
  onCap: OnCap;
  caps: CapView[];
  alertWebhookUrl: string | null;
  /**
   * Optional (added by the UI): the current period's spend for 'total' and every vendor, capped or not,
   * so the caps form can show spend next to an empty cap. Absent → the UI shows spend for capped rows only.
   */
  spend?: { scope: string; period: CapPeriod; spentCents: number }[];
}

/** PUT /ui/settings/keys/:vendor (admin) → 200 VendorView['key'] & {vendor} */
export interface PutKeyRequest {
  key: string;
}
export interface KeySaved {
  vendor: string;
  last4: string;
  updatedAt: string;
}
// DELETE /ui/settings/keys/:vendor (admin) → 200 { vendor, removed: boolean }
/** DELETE /ui/settings/keys/:vendor: whether a key was there to remove. */
export interface KeyRemoved {
  vendor: string;
  removed: boolean;
}
/**
 * What the key routes actually answer: their own fields AND the fresh SettingsView at the top level
 * (like every admin write), so either reading works.
 */
export type KeySavedView = KeySaved & SettingsView;
export type KeyRemovedView = KeyRemoved & SettingsView;

/** POST /ui/settings/keys/:vendor/test (admin): tests `key` when given, else the stored key. */
export interface TestKeyRequest {
  key?: string;
}
export interface TestKeyResult {
  vendor: string;
  ok: boolean;
  /** The vendor's answer in one sentence (never the key). */
  message: string;
  latencyMs: number;
  /** Machine-readable verdict: ok | invalid_key | forbidden | no_credits | rate_limited | unreachable | error. */
  status?: string;
}

/** PUT /ui/settings/waterfall (admin): one group's order; [] restores the default. */
export interface PutWaterfallRequest {
  group: FieldGroup;
  steps: { vendor: string; operation: string }[];
}

/** PUT /ui/settings/policy (admin): any subset. */
export interface PutPolicyRequest {
  writePolicy?: { default: WritePolicy; fields: Record<string, WritePolicy> };
  cacheTtlDays?: number;
  missTtlDays?: number;
  onCap?: OnCap;
}

/** PUT /ui/settings/caps (admin): the full list replaces the portal's caps; alert URL optional (https). */
export interface PutCapsRequest {
  caps: { scope: string; period: CapPeriod; capCents: number }[];
  alertWebhookUrl: string | null;
}
// Every admin PUT/DELETE answers 200 with the fresh SettingsView.

// ---- usage dashboard --------------------------------------------------------------------------

/** GET /ui/usage?portalId&userId&from=YYYY-MM-DD&to=YYYY-MM-DD (inclusive, UTC, ≤ 92 days) */
export interface UsageView {
  from: string;
  to: string;
  totals: { runs: number; spentCents: number; savedCents: number; cacheHitRate: number };
  /** One row per (day, vendor) with spend > 0 or calls > 0: the BarChart's data. */
  spendByDay: { day: string; vendor: string; cents: number }[];
  /** One row per day: cache hit rate (0..1) and money the cache saved that day (LineChart). */
  cacheByDay: { day: string; hitRate: number; savedCents: number }[];
  /** Per vendor over the range: calls made, hits among answered calls, spend. */
  vendors: { vendor: string; calls: number; hits: number; hitRate: number; spentCents: number; cacheHits: number }[];
  /** Per canonical field: runs that filled it / runs that asked for its group. */
  coverage: { field: string; filled: number; asked: number; rate: number }[];
}

// ---- audit log --------------------------------------------------------------------------------

/** GET /ui/audit?portalId&userId&limit(≤100, default 25)&cursor&type&contactId&from&to */
export interface AuditPage {
  events: { id: string; at: string; type: string; contactId: string | null; runId: string | null; summary: string; detail: Record<string, unknown> }[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
  /** Event types present for this portal, for the filter dropdown. */
  types: string[];
}

// ---- pre-flight estimate ----------------------------------------------------------------------

/** POST /ui/estimate?portalId&userId */
export interface EstimateRequest {
  contacts: number; // 1..1,000,000
  groups: FieldGroup[];
}
export interface EstimateView {
  contacts: number;
  groups: FieldGroup[];
  /** Worst case: every step of the waterfall called and billed for every contact (before caps: see capRemainingCents). */
  maxCents: number;
  /** From this portal's observed cache hit rate and each step's observed hit rate (defaults when no history). */
  expectedCents: number;
  perVendor: { vendor: string; maxCents: number; expectedCents: number; expectedCalls: number }[];
  /** Remaining today under the total daily cap, when one is set: the run stops spending there. */
  capRemainingCents: number | null;
  /** Time to run at the vendors' rate limits, in seconds. */
  seconds: number;
  basis: { cacheHitRate: number; historyRuns: number };
}
