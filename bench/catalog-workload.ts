// The catalog benchmark's workload (`npm run bench:vendors`): every vendor of the catalog in one
// realistic waterfall, 5,000 triggers over ~4,000 contacts for two portals, each portal with a key
// for all nine vendors, its own rate plan and daily spend caps on Lusha and Cognism that run out
// mid-run. Everything is derived from a seed, so every run replays the same stream.
//
// As in bench/workload.ts, a fifth of the triggers duplicate an earlier one, half of them exact
// retries of a workflow callback (same idempotency key), half new card triggers for a contact that
// was already triggered (a different key, asking for person, company and phone).
import { generateContacts } from '../sandbox/world.ts';
import type { GeneratedContact } from '../sandbox/world.ts';
import { prng } from '../sandbox/vendors/common.ts';
import type { FieldGroup, RateWindow } from '../server/vendors/types.ts';
import type { StepRef } from '../server/enrichment/settings.ts';
import type { CapSetting } from '../server/enrichment/spend.ts';
import type { ApolloSimOptions } from '../sandbox/vendors/apollo.ts';
import type { HunterSimOptions } from '../sandbox/vendors/hunter.ts';
import type { PdlSimOptions } from '../sandbox/vendors/pdl.ts';
import type { LushaSimOptions } from '../sandbox/vendors/lusha.ts';
import type { ZerobounceSimOptions } from '../sandbox/vendors/zerobounce.ts';
import type { NeverbounceSimOptions } from '../sandbox/vendors/neverbounce.ts';
import type { CognismSimOptions } from '../sandbox/vendors/cognism.ts';
import type { ClearbitSimOptions } from '../sandbox/vendors/clearbit.ts';
import type { FullenrichSimOptions } from '../sandbox/vendors/fullenrich.ts';
import { contactProperties, hashSeed } from './harness.ts';

export const CATALOG_SEED = 'cascade-catalog-1';

export const VENDOR_IDS = ['apollo', 'hunter', 'pdl', 'lusha', 'zerobounce', 'neverbounce', 'cognism', 'clearbit', 'fullenrich'] as const;
export type VendorId = (typeof VENDOR_IDS)[number];

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Portals and keys. Test-looking keys (never like real ones); Clearbit only takes legacy `sk_` keys.

export interface BenchPortal {
  id: number;
  name: string;
  /** Share of the contacts that belong to this portal. */
  share: number;
  keys: Record<VendorId, string>;
}

function keysFor(portal: number): Record<VendorId, string> {
  const n = String(portal).padStart(4, '0');
  const out = {} as Record<VendorId, string>;
  for (const v of VENDOR_IDS) out[v] = v === 'clearbit' ? `sk_bench_portal_${n}` : `${v}-bench-portal-key-${n}`;
  return out;
}

/** One portal takes all the contacts; two split them 70 / 30. */
export function benchPortals(count: number): BenchPortal[] {
  if (count === 1) return [{ id: 1, name: 'Catalog benchmark portal', share: 1, keys: keysFor(1) }];
  if (count !== 2) throw new Error('BENCH_PORTALS must be 1 or 2');
  return [
    { id: 1, name: 'Catalog benchmark portal A', share: 0.7, keys: keysFor(1) },
    { id: 2, name: 'Catalog benchmark portal B', share: 0.3, keys: keysFor(2) },
  ];
}

// ---------------------------------------------------------------------------------------------
// The waterfall: pay-on-found vendors first, cheapest first; the asynchronous vendor (FullEnrich)
// last among those; Clearbit, which bills misses, last of all.

const ref = (vendor: VendorId, operation: string): StepRef => ({ vendor, operation });

export const CATALOG_WATERFALL: Record<FieldGroup, StepRef[]> = {
  email: [
    ref('apollo', 'people_match'),
    ref('hunter', 'email_finder'),
    ref('pdl', 'person_enrich'),
    ref('lusha', 'person'),
    ref('fullenrich', 'contact_enrich'),
  ],
  person: [ref('apollo', 'people_match'), ref('pdl', 'person_enrich'), ref('clearbit', 'person_find')],
  company: [ref('apollo', 'organization_enrich'), ref('pdl', 'company_enrich'), ref('clearbit', 'company_find')],
  phone: [ref('lusha', 'person'), ref('cognism', 'contact_enrich'), ref('fullenrich', 'contact_enrich')],
  email_verification: [ref('zerobounce', 'validate'), ref('neverbounce', 'single_check')],
};

// ---------------------------------------------------------------------------------------------
// The customer's plan: the rate windows each vendor enforces on a key (given to the simulators) and
// the same windows in the portals' `rate_limits` (what the engine is told; `<op>_bulk` for the bulk
// endpoint). Real window lengths, so the quota headers the adapters read mean what they say; limits
// are documented plan figures (VENDORS.md and the adapters' notes).

export interface CatalogPlan {
  /** "vendor.operation" (and "vendor.operation_bulk") → windows, as in portal settings. */
  rateLimits: Record<string, RateWindow[]>;
  /** Requests per minute ZeroBounce's validatebatch takes per key (its documented 5). */
  zerobounceBatchPerMinute: number;
}

export interface PlanKnobs {
  zerobounceBatchPerMinute: number;
}

const LUSHA_PREMIUM: RateWindow[] = [
  { limit: 25, windowMs: SECOND },
  { limit: 300, windowMs: MINUTE },
  { limit: 1_800, windowMs: HOUR },
  { limit: 18_000, windowMs: DAY },
];
const HUNTER_GENERAL: RateWindow[] = [
  { limit: 15, windowMs: SECOND },
  { limit: 500, windowMs: MINUTE },
];

export function catalogPlan(knobs: PlanKnobs): CatalogPlan {
  const perMinute = (limit: number): RateWindow[] => [{ limit, windowMs: MINUTE }];
  return {
    zerobounceBatchPerMinute: knobs.zerobounceBatchPerMinute,
    rateLimits: {
      // Apollo's current paid plans: 1,000/min on single enrichment, bulk at half; no hour/day caps.
      'apollo.people_match': perMinute(1_000),
      'apollo.people_match_bulk': perMinute(500),
      'apollo.organization_enrich': perMinute(1_000),
      'apollo.organization_enrich_bulk': perMinute(500),
      // Hunter: 15/s + 500/min per endpoint, verifier 10/s + 300/min.
      'hunter.email_finder': HUNTER_GENERAL,
      'hunter.people_find': HUNTER_GENERAL,
      'hunter.companies_find': HUNTER_GENERAL,
      'hunter.email_verifier': [
        { limit: 10, windowMs: SECOND },
        { limit: 300, windowMs: MINUTE },
      ],
      // PDL paid plans: 1,000/min per endpoint.
      'pdl.person_enrich': perMinute(1_000),
      'pdl.person_enrich_bulk': perMinute(1_000),
      'pdl.company_enrich': perMinute(1_000),
      'pdl.company_enrich_bulk': perMinute(1_000),
      // Lusha Premium, per account (the customer enters the plan's windows on each operation).
      'lusha.person': LUSHA_PREMIUM,
      'lusha.person_bulk': LUSHA_PREMIUM,
      'lusha.company': LUSHA_PREMIUM,
      'lusha.company_bulk': LUSHA_PREMIUM,
      // ZeroBounce: validate 50,000 per 10 s; validatebatch 5 per minute.
      'zerobounce.validate': [{ limit: 50_000, windowMs: 10 * SECOND }],
      'zerobounce.validate_bulk': perMinute(knobs.zerobounceBatchPerMinute),
      // NeverBounce publishes none: the adapter's pacing, enforced as such by the simulator.
      'neverbounce.single_check': [
        { limit: 10, windowMs: SECOND },
        { limit: 300, windowMs: MINUTE },
      ],
      // Cognism: the adapter's pacing (300 calls = 600 requests/min single, 600 requests/min bulk)
      // under the account's 1,000/min; the simulator enforces the account window and 600/min per endpoint.
      'cognism.contact_enrich': perMinute(300),
      'cognism.contact_enrich_bulk': perMinute(600),
      // Clearbit: 600/min per API and key.
      'clearbit.person_find': perMinute(600),
      'clearbit.company_find': perMinute(600),
      // FullEnrich: 60/min per key over every endpoint (submissions and polls alike).
      'fullenrich.contact_enrich': perMinute(60),
      'fullenrich.contact_enrich_bulk': perMinute(60),
    },
  };
}

/**
 * The vendors' own rate buckets (how each counts requests per key), for the cap floor: which request
 * paths share the bucket, and its windows. Paths are the simulators' request-log paths.
 */
export interface VendorBucket {
  vendor: VendorId;
  bucket: string;
  match: (path: string) => boolean;
  windows: RateWindow[];
}

const is = (...paths: string[]) => (p: string) => paths.includes(p);

export function vendorBuckets(plan: CatalogPlan): VendorBucket[] {
  const rl = plan.rateLimits;
  return [
    { vendor: 'apollo', bucket: 'people/match', match: is('/api/v1/people/match'), windows: rl['apollo.people_match']! },
    { vendor: 'apollo', bucket: 'people/bulk_match', match: is('/api/v1/people/bulk_match'), windows: rl['apollo.people_match_bulk']! },
    { vendor: 'apollo', bucket: 'organizations/enrich', match: is('/api/v1/organizations/enrich'), windows: rl['apollo.organization_enrich']! },
    { vendor: 'apollo', bucket: 'organizations/bulk_enrich', match: is('/api/v1/organizations/bulk_enrich'), windows: rl['apollo.organization_enrich_bulk']! },
    { vendor: 'hunter', bucket: 'email-finder', match: is('/v2/email-finder'), windows: rl['hunter.email_finder']! },
    { vendor: 'hunter', bucket: 'people/find', match: is('/v2/people/find'), windows: rl['hunter.people_find']! },
    { vendor: 'hunter', bucket: 'companies/find', match: is('/v2/companies/find'), windows: rl['hunter.companies_find']! },
    { vendor: 'hunter', bucket: 'email-verifier', match: is('/v2/email-verifier'), windows: rl['hunter.email_verifier']! },
    { vendor: 'pdl', bucket: 'person/enrich', match: is('/v5/person/enrich'), windows: rl['pdl.person_enrich']! },
    { vendor: 'pdl', bucket: 'person/bulk', match: is('/v5/person/bulk'), windows: rl['pdl.person_enrich_bulk']! },
    { vendor: 'pdl', bucket: 'company/enrich', match: is('/v5/company/enrich'), windows: rl['pdl.company_enrich']! },
    { vendor: 'pdl', bucket: 'company/enrich/bulk', match: is('/v5/company/enrich/bulk'), windows: rl['pdl.company_enrich_bulk']! },
    { vendor: 'lusha', bucket: 'account (all data endpoints)', match: (p) => p !== '/account/usage', windows: LUSHA_PREMIUM },
    { vendor: 'zerobounce', bucket: 'validate', match: is('/v2/validate'), windows: rl['zerobounce.validate']! },
    { vendor: 'zerobounce', bucket: 'validatebatch', match: is('/v2/validatebatch'), windows: rl['zerobounce.validate_bulk']! },
    { vendor: 'neverbounce', bucket: 'single/check', match: (p) => p.endsWith('/single/check'), windows: rl['neverbounce.single_check']! },
    { vendor: 'cognism', bucket: 'account (all endpoints)', match: (p) => p.startsWith('/api/search/contact/'), windows: [{ limit: 1_000, windowMs: MINUTE }] },
    { vendor: 'cognism', bucket: 'contact/enrich', match: is('/api/search/contact/enrich'), windows: [{ limit: 600, windowMs: MINUTE }] },
    { vendor: 'cognism', bucket: 'contact/redeem', match: is('/api/search/contact/redeem'), windows: [{ limit: 600, windowMs: MINUTE }] },
    { vendor: 'clearbit', bucket: 'person API', match: is('/v2/people/find'), windows: rl['clearbit.person_find']! },
    { vendor: 'clearbit', bucket: 'company API', match: is('/v2/companies/find'), windows: rl['clearbit.company_find']! },
    { vendor: 'fullenrich', bucket: 'account (all endpoints)', match: (p) => p.startsWith('/api/v2/contact/'), windows: rl['fullenrich.contact_enrich']! },
  ];
}

/** Which operation a simulator request path belongs to (single, bulk and poll paths alike). */
export function operationOfPath(vendor: VendorId, path: string): string {
  switch (vendor) {
    case 'apollo':
      return path.includes('/organizations/') ? 'organization_enrich' : 'people_match';
    case 'hunter':
      return { '/v2/email-finder': 'email_finder', '/v2/email-verifier': 'email_verifier', '/v2/people/find': 'people_find', '/v2/companies/find': 'companies_find' }[path] ?? 'other';
    case 'pdl':
      return path.startsWith('/v5/company') ? 'company_enrich' : 'person_enrich';
    case 'lusha':
      return path.includes('company') ? 'company' : 'person';
    case 'zerobounce':
      return 'validate';
    case 'neverbounce':
      return 'single_check';
    case 'cognism':
      return 'contact_enrich';
    case 'clearbit':
      return path.includes('companies') ? 'company_find' : 'person_find';
    case 'fullenrich':
      return 'contact_enrich';
  }
}

/** What kind of request a simulator log entry is: a single lookup, a bulk request, or an async poll. */
export function requestKind(vendor: VendorId, method: string, path: string): 'single' | 'bulk' | 'poll' {
  switch (vendor) {
    case 'apollo':
    case 'pdl':
      return path.includes('bulk') ? 'bulk' : 'single';
    case 'lusha':
      return method === 'POST' ? 'bulk' : 'single';
    case 'zerobounce':
      return path.endsWith('validatebatch') ? 'bulk' : 'single';
    case 'fullenrich':
      return method === 'GET' ? 'poll' : 'bulk';
    default:
      // Cognism's batches are previews (one request per lookup) and shared redeems: counted as single.
      return 'single';
  }
}

/**
 * HTTP requests one lookup costs when sent on its own: Cognism's single form is a preview and a
 * redeem; every other vendor answers a lookup in one request.
 */
export const SINGLE_CALL_REQUESTS: Partial<Record<VendorId, number>> = { cognism: 2 };

// ---------------------------------------------------------------------------------------------
// Spend caps: daily caps on Lusha and Cognism (per portal, in proportion to its contacts) that run
// out mid-run, so their steps skip as cap_reached and the waterfall moves on.

export interface CapKnobs {
  lushaDayCents: number;
  cognismDayCents: number;
}

export function portalCaps(portal: BenchPortal, knobs: CapKnobs): CapSetting[] {
  return [
    { scope: 'lusha', period: 'day', capCents: Math.max(1, Math.round(knobs.lushaDayCents * portal.share)) },
    { scope: 'cognism', period: 'day', capCents: Math.max(1, Math.round(knobs.cognismDayCents * portal.share)) },
  ];
}

// ---------------------------------------------------------------------------------------------
// Triggers

export interface CatalogWorkloadOptions {
  triggers: number;
  duplicateShare: number;
  domains: number;
  portals: number;
  seed: string;
}

export const DEFAULT_CATALOG_WORKLOAD: CatalogWorkloadOptions = {
  triggers: 5_000,
  duplicateShare: 0.2,
  domains: 100,
  portals: 2,
  seed: CATALOG_SEED,
};

export type TriggerKind = 'original' | 'retry' | 'recontact';

export interface CatalogTrigger {
  seq: number;
  kind: TriggerKind;
  portalId: number;
  /** Index into `contacts`. */
  contact: number;
  contactId: string;
  source: 'workflow' | 'card';
  idempotencyKey: string;
  groups: FieldGroup[];
  properties: Record<string, string>;
}

/** The mix of groups a workflow asks for, with its share of the original triggers. */
export const WORKFLOW_MIX: readonly { share: number; groups: FieldGroup[] }[] = [
  { share: 0.4, groups: ['email', 'person', 'company', 'email_verification'] },
  { share: 0.2, groups: ['email', 'phone', 'email_verification'] },
  { share: 0.15, groups: ['email', 'person', 'company', 'phone', 'email_verification'] },
  { share: 0.15, groups: ['person', 'company'] },
  { share: 0.1, groups: ['email', 'email_verification'] },
];
/** What the card's "Enrich now" asks for in a `recontact` duplicate. */
export const CARD_GROUPS: readonly FieldGroup[] = ['person', 'company', 'phone'];

export interface CatalogWorkload {
  options: CatalogWorkloadOptions;
  portals: BenchPortal[];
  contacts: GeneratedContact[];
  /** Portal of each contact. */
  contactPortal: number[];
  triggers: CatalogTrigger[];
  counts: Record<TriggerKind, number> & {
    contactsWithEmail: number;
    domains: number;
    perPortal: Record<number, { contacts: number; triggers: number }>;
    groupsAsked: Record<FieldGroup, number>;
  };
}



export function buildCatalogWorkload(options: CatalogWorkloadOptions = DEFAULT_CATALOG_WORKLOAD): CatalogWorkload {
  const duplicates = Math.round(options.triggers * options.duplicateShare);
  const originals = options.triggers - duplicates;
  const contacts = generateContacts(originals, options.domains, options.seed);
  if (contacts.length !== originals) {
    throw new Error(`generateContacts gave ${contacts.length} contacts, ${originals} needed (too few domains?)`);
  }
  const portals = benchPortals(options.portals);
  const rand = prng(hashSeed(options.seed));
  const portalOf = (): number => {
    const r = rand();
    let acc = 0;
    for (const p of portals) {
      acc += p.share;
      if (r < acc) return p.id;
    }
    return portals[portals.length - 1]!.id;
  };
  const mixOf = (): FieldGroup[] => {
    const r = rand();
    let acc = 0;
    for (const m of WORKFLOW_MIX) {
      acc += m.share;
      if (r < acc) return [...m.groups];
    }
    return [...WORKFLOW_MIX[0]!.groups];
  };
  const contactPortal = contacts.map(() => portalOf());
  const contactGroups = contacts.map(() => mixOf());
  const placed: { pos: number; t: Omit<CatalogTrigger, 'seq'> }[] = contacts.map((c, i) => ({
    pos: i,
    t: {
      kind: 'original',
      portalId: contactPortal[i]!,
      contact: i,
      contactId: `catalog-${i}`,
      source: 'workflow',
      idempotencyKey: `cb-${i}`,
      groups: contactGroups[i]!,
      properties: contactProperties(c),
    },
  }));
  for (let d = 0; d < duplicates; d++) {
    const of = Math.floor(rand() * originals);
    // 1..400 triggers later, with a fraction so the order is total and independent of Array.sort.
    const pos = of + 1 + Math.floor(rand() * 400) + rand() * 0.999;
    const c = contacts[of]!;
    const retry = d % 2 === 0;
    placed.push({
      pos,
      t: retry
        ? {
            kind: 'retry',
            portalId: contactPortal[of]!,
            contact: of,
            contactId: `catalog-${of}`,
            source: 'workflow',
            idempotencyKey: `cb-${of}`,
            groups: [...contactGroups[of]!],
            properties: contactProperties(c),
          }
        : {
            kind: 'recontact',
            portalId: contactPortal[of]!,
            contact: of,
            contactId: `catalog-${of}`,
            source: 'card',
            idempotencyKey: `click-${d}`,
            groups: [...CARD_GROUPS],
            properties: contactProperties(c),
          },
    });
  }
  placed.sort((a, b) => a.pos - b.pos);
  const triggers = placed.map((p, seq) => ({ seq, ...p.t }));
  const counts = { original: 0, retry: 0, recontact: 0 };
  const perPortal: Record<number, { contacts: number; triggers: number }> = {};
  for (const p of portals) perPortal[p.id] = { contacts: contactPortal.filter((x) => x === p.id).length, triggers: 0 };
  const groupsAsked = { email: 0, email_verification: 0, person: 0, company: 0, phone: 0 } as Record<FieldGroup, number>;
  for (const t of triggers) {
    counts[t.kind]++;
    perPortal[t.portalId]!.triggers++;
    for (const g of t.groups) groupsAsked[g]++;
  }
  return {
    options,
    portals,
    contacts,
    contactPortal,
    triggers,
    counts: {
      ...counts,
      contactsWithEmail: contacts.filter((c) => c.email).length,
      domains: new Set(contacts.map((c) => c.domain)).size,
      perPortal,
      groupsAsked,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Simulator options

/** Injected faults on every simulator, as in the engine benchmark. */
export const FAULTS = { error5xx: 0.02, timeout: 0.01, reset: 0 } as const;

export interface FullenrichBenchOptions {
  /** Each enrichment finishes after a delay drawn from this range (ms), then calls back. */
  callbackDelayMs: [number, number];
  /** Share of enrichments whose callback never comes (the engine must poll). */
  dropShare: number;
}

export interface CatalogSimOptions {
  apollo: ApolloSimOptions;
  hunter: HunterSimOptions;
  pdl: PdlSimOptions;
  lusha: LushaSimOptions;
  zerobounce: ZerobounceSimOptions;
  neverbounce: NeverbounceSimOptions;
  cognism: CognismSimOptions;
  clearbit: ClearbitSimOptions;
  fullenrich: FullenrichSimOptions;
  fullenrichBench: FullenrichBenchOptions;
}

export function catalogSimOptions(portals: BenchPortal[], plan: CatalogPlan, fullenrich: FullenrichBenchOptions, seed = 4242): CatalogSimOptions {
  const keys = (v: VendorId) => portals.map((p) => p.keys[v]);
  const faults = { ...FAULTS };
  const minuteLimit = (op: string) => plan.rateLimits[op]!.find((w) => w.windowMs === MINUTE)!.limit;
  return {
    apollo: {
      validKeys: keys('apollo'),
      faults,
      seed,
      rateLimits: {
        'people/match': { minute: minuteLimit('apollo.people_match'), hour: 0, day: 0 },
        'people/bulk_match': { minute: minuteLimit('apollo.people_match_bulk'), hour: 0, day: 0 },
        'organizations/enrich': { minute: minuteLimit('apollo.organization_enrich'), hour: 0, day: 0 },
        'organizations/bulk_enrich': { minute: minuteLimit('apollo.organization_enrich_bulk'), hour: 0, day: 0 },
      },
    },
    hunter: {
      validKeys: keys('hunter'),
      faults,
      seed: seed + 1,
      limits: { general: { perSecond: 15, perMinute: 500 }, verifier: { perSecond: 10, perMinute: 300 } },
      // Hunter's 222 answers carry a 60 s back-off that would stall whole runs: off, as in the engine bench.
      smtpFailure: { share: 0 },
    },
    pdl: {
      validKeys: keys('pdl'),
      faults,
      seed: seed + 2,
      perMinute: {
        'person/enrich': minuteLimit('pdl.person_enrich'),
        'person/bulk': minuteLimit('pdl.person_enrich_bulk'),
        'company/enrich': minuteLimit('pdl.company_enrich'),
        'company/enrich/bulk': minuteLimit('pdl.company_enrich_bulk'),
      },
    },
    lusha: {
      validKeys: keys('lusha'),
      faults,
      seed: seed + 3,
      rateLimits: { second: 25, minute: 300, hour: 1_800, day: 18_000 },
    },
    zerobounce: {
      validKeys: keys('zerobounce'),
      faults,
      seed: seed + 4,
      limits: { validate: 50_000, validateWindowMs: 10 * SECOND, batch: plan.zerobounceBatchPerMinute, batchWindowMs: MINUTE },
    },
    neverbounce: {
      validKeys: keys('neverbounce'),
      faults,
      seed: seed + 5,
      limits: { perSecond: 10, secondMs: SECOND, perMinute: 300, minuteMs: MINUTE },
    },
    cognism: {
      validKeys: keys('cognism'),
      faults,
      seed: seed + 6,
      accountLimit: { limit: 1_000, windowMs: MINUTE },
      endpointLimits: { 'contact/enrich': 600, 'contact/redeem': 600 },
      endpointWindowMs: MINUTE,
    },
    clearbit: {
      validKeys: keys('clearbit'),
      faults,
      seed: seed + 7,
      limits: { person: minuteLimit('clearbit.person_find'), company: minuteLimit('clearbit.company_find'), windowMs: MINUTE },
      queued: { share: 0.02, calls: 1 },
    },
    fullenrich: {
      validKeys: keys('fullenrich'),
      faults,
      seed: seed + 8,
      rateLimit: minuteLimit('fullenrich.contact_enrich'),
      windowMs: MINUTE,
      callbackDelayMs: fullenrich.callbackDelayMs[0],
      // A refused delivery is retried soon (the real vendor waits a minute, 5 times).
      callbackRetryMs: 2_000,
      callbackRetries: 2,
    },
    fullenrichBench: fullenrich,
  };
}
