// The benchmark workload, shared by the engine run and the naive baseline so both see exactly the
// same triggers: 2,000 enrichment triggers for one portal, 20% of them duplicates of an earlier
// trigger, over contacts spread across 40 company domains (sandbox/world.ts generateContacts).
// Everything is derived from a seed, so every run of `npm run bench` replays the same stream.
//
// Duplicates come in two kinds, half each:
//   - `retry`:     the same workflow callback delivered again (same source + idempotency key);
//   - `recontact`: a new trigger for a contact that was already triggered (the card's "Enrich now",
//                  a different key), asking for a subset of the groups.
// Each duplicate is placed a short, random distance after the trigger it duplicates, as a workflow
// retry or a user's click would arrive.
import { generateContacts } from '../sandbox/world.ts';
import type { GeneratedContact } from '../sandbox/world.ts';
import { prng } from '../sandbox/vendors/common.ts';
import type { FieldGroup } from '../server/vendors/types.ts';
import type { ApolloSimOptions } from '../sandbox/vendors/apollo.ts';
import type { HunterSimOptions } from '../sandbox/vendors/hunter.ts';
import type { RateWindow } from '../server/vendors/types.ts';
import { contactProperties, hashSeed } from './harness.ts';

export const BENCH_SEED = 'cascade-bench-1';
export const PORTAL_ID = 1;
export const APOLLO_KEY = 'apollo-bench-portal-key-0001';
export const HUNTER_KEY = 'hunter-bench-portal-key-0001';

export interface WorkloadOptions {
  triggers: number;
  duplicateShare: number;
  domains: number;
  seed: string;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = { triggers: 2000, duplicateShare: 0.2, domains: 40, seed: BENCH_SEED };

/** Groups a workflow trigger asks for (phone is left out: only Hunter's finder may carry one). */
export const WORKFLOW_GROUPS: readonly FieldGroup[] = ['email', 'person', 'company', 'email_verification'];
/** Groups the card's "Enrich now" asks for in a `recontact` duplicate. */
export const CARD_GROUPS: readonly FieldGroup[] = ['person', 'company'];

export type TriggerKind = 'original' | 'retry' | 'recontact';

export interface BenchTrigger {
  seq: number;
  kind: TriggerKind;
  /** Index into `contacts`. */
  contact: number;
  contactId: string;
  source: 'workflow' | 'card';
  idempotencyKey: string;
  groups: FieldGroup[];
  /** HubSpot properties as the trigger carries them. */
  properties: Record<string, string>;
}

export interface Workload {
  options: WorkloadOptions;
  contacts: GeneratedContact[];
  triggers: BenchTrigger[];
  counts: Record<TriggerKind, number> & { contactsWithEmail: number; domains: number };
}


export function buildWorkload(options: WorkloadOptions = DEFAULT_WORKLOAD): Workload {
  const duplicates = Math.round(options.triggers * options.duplicateShare);
  const originals = options.triggers - duplicates;
  const contacts = generateContacts(originals, options.domains, options.seed);
  if (contacts.length !== originals) {
    throw new Error(`generateContacts gave ${contacts.length} contacts, ${originals} needed (too few domains?)`);
  }
  const rand = prng(hashSeed(options.seed));
  const placed: { pos: number; t: Omit<BenchTrigger, 'seq'> }[] = contacts.map((c, i) => ({
    pos: i,
    t: {
      kind: 'original',
      contact: i,
      contactId: `bench-${i}`,
      source: 'workflow',
      idempotencyKey: `cb-${i}`,
      groups: [...WORKFLOW_GROUPS],
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
            contact: of,
            contactId: `bench-${of}`,
            source: 'workflow',
            idempotencyKey: `cb-${of}`,
            groups: [...WORKFLOW_GROUPS],
            properties: contactProperties(c),
          }
        : {
            kind: 'recontact',
            contact: of,
            contactId: `bench-${of}`,
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
  for (const t of triggers) counts[t.kind]++;
  return {
    options,
    contacts,
    triggers,
    counts: {
      ...counts,
      contactsWithEmail: contacts.filter((c) => c.email).length,
      domains: new Set(contacts.map((c) => c.domain)).size,
    },
  };
}


// ---------------------------------------------------------------------------------------------
// The customer's plan: rate caps per endpoint and key, given to the simulators (what the vendor
// enforces) AND to the portal's `rate_limits` settings (what the engine is told). Per-second windows,
// so one run crosses ~60 window boundaries and clock alignment does not dominate the result.

export interface BenchCaps {
  /** Apollo requests per second, per endpoint and key. */
  apolloPeopleMatch: number;
  apolloOrganizationEnrich: number;
  /** Hunter requests per second, per endpoint and key: email-finder, people/find, companies/find. */
  hunterGeneral: number;
  /** Hunter email-verifier requests per second. */
  hunterVerifier: number;
}

export const DEFAULT_CAPS: BenchCaps = {
  apolloPeopleMatch: 30,
  apolloOrganizationEnrich: 30,
  hunterGeneral: 15,
  hunterVerifier: 30,
};

export const WINDOW_MS = 1000;

/** Injected faults on both simulators. */
export const FAULTS = { error5xx: 0.02, timeout: 0.01, reset: 0 } as const;

/** Endpoint → the cap that applies to it, as the simulators' request logs name them. */
export function endpointCaps(caps: BenchCaps): { vendor: 'apollo' | 'hunter'; path: string; operation: string; limit: number; windowMs: number }[] {
  return [
    { vendor: 'apollo', path: '/api/v1/people/match', operation: 'people_match', limit: caps.apolloPeopleMatch, windowMs: WINDOW_MS },
    { vendor: 'apollo', path: '/api/v1/organizations/enrich', operation: 'organization_enrich', limit: caps.apolloOrganizationEnrich, windowMs: WINDOW_MS },
    { vendor: 'hunter', path: '/v2/email-finder', operation: 'email_finder', limit: caps.hunterGeneral, windowMs: WINDOW_MS },
    { vendor: 'hunter', path: '/v2/people/find', operation: 'people_find', limit: caps.hunterGeneral, windowMs: WINDOW_MS },
    { vendor: 'hunter', path: '/v2/companies/find', operation: 'companies_find', limit: caps.hunterGeneral, windowMs: WINDOW_MS },
    { vendor: 'hunter', path: '/v2/email-verifier', operation: 'email_verifier', limit: caps.hunterVerifier, windowMs: WINDOW_MS },
  ];
}

export interface SimChildOptions {
  apollo: ApolloSimOptions;
  hunter: HunterSimOptions;
}

/**
 * Simulator options for the plan. Apollo's "minute" window is shortened to one second (its hour and
 * day windows are switched off); Hunter's second window is the cap and its minute window is set to
 * 60 × the per-second cap, so it never binds before the second window does.
 */
export function simOptions(caps: BenchCaps, seed = 42): SimChildOptions {
  return {
    apollo: {
      validKeys: [APOLLO_KEY],
      faults: { ...FAULTS },
      seed,
      windowMs: { minute: WINDOW_MS },
      rateLimits: {
        'people/match': { minute: caps.apolloPeopleMatch, hour: 0, day: 0 },
        'organizations/enrich': { minute: caps.apolloOrganizationEnrich, hour: 0, day: 0 },
      },
    },
    hunter: {
      validKeys: [HUNTER_KEY],
      faults: { ...FAULTS },
      seed: seed + 1,
      limits: {
        general: { perSecond: caps.hunterGeneral, perMinute: caps.hunterGeneral * 60 },
        verifier: { perSecond: caps.hunterVerifier, perMinute: caps.hunterVerifier * 60 },
      },
      // Hunter's 222 answers carry a 60 s back-off, which would stall whole runs: off.
      smtpFailure: { share: 0 },
    },
  };
}

/** The same plan as the portal's `rate_limits` settings. */
export function portalRateLimits(caps: BenchCaps): Record<string, RateWindow[]> {
  const general = [
    { limit: caps.hunterGeneral, windowMs: WINDOW_MS },
    { limit: caps.hunterGeneral * 60, windowMs: 60_000 },
  ];
  return {
    'apollo.people_match': [{ limit: caps.apolloPeopleMatch, windowMs: WINDOW_MS }],
    'apollo.organization_enrich': [{ limit: caps.apolloOrganizationEnrich, windowMs: WINDOW_MS }],
    'hunter.email_finder': general,
    'hunter.people_find': general,
    'hunter.companies_find': general,
    'hunter.email_verifier': [
      { limit: caps.hunterVerifier, windowMs: WINDOW_MS },
      { limit: caps.hunterVerifier * 60, windowMs: 60_000 },
    ],
  };
}
