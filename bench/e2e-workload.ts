// The end-to-end benchmark's workload (`npm run bench:e2e`): one portal's lead list of N contacts
// (default 5,000) over company domains at the engine benchmark's density (40 contacts a domain), a
// tenth of them carrying a job title and phone somebody typed in (the write policy must keep them),
// all enrolled at once into the "Enrich contact" workflow action asking for the engine benchmark's
// groups. The vendors' plan is the engine benchmark's (bench/workload.ts: per-second caps, the same
// injected faults), plus Apollo's bulk endpoints, which the engine uses as shipped
// (VENDOR_BATCH_WINDOW_MS > 0): capped at half the single endpoint's rate, as Apollo documents.
import { generateContacts } from '../sandbox/world.ts';
import type { RequestTuple, SimSnapshot } from './sims.ts';
import { WINDOW_MS, WORKFLOW_GROUPS, endpointCaps, portalRateLimits, simOptions } from './workload.ts';
import type { BenchCaps, SimChildOptions } from './workload.ts';
import type { RateWindow } from '../server/vendors/types.ts';

export const E2E_SEED = 'cascade-e2e-1';
export const E2E_PORTAL = 515151;
export const CONTACTS_PER_DOMAIN = 40;
/** Every PRESET_EVERY-th contact has a user-typed job title and phone. */
export const PRESET_EVERY = 10;

/** What the workflow action asks for: the engine benchmark's workflow groups. */
export const ACTION_FIELDS = WORKFLOW_GROUPS.join(',');
/** The action's objectRequestOptions.properties. */
export const OBJECT_PROPERTIES = ['email', 'firstname', 'lastname', 'company', 'website', 'jobtitle', 'phone'];

export interface E2eContact {
  /** The CRM properties the portal holds before the run. */
  properties: Record<string, string>;
  /** True when a user typed a job title and phone in. */
  preset: boolean;
}

export function buildContacts(count: number, domains: number, seed = E2E_SEED): E2eContact[] {
  const people = generateContacts(count, domains, seed);
  if (people.length !== count) throw new Error(`generateContacts gave ${people.length} contacts, ${count} needed (raise BENCH_DOMAINS)`);
  return people.map((c, i) => {
    const preset = i % PRESET_EVERY === 0;
    return {
      preset,
      properties: {
        ...(c.email ? { email: c.email } : {}),
        firstname: c.firstName,
        lastname: c.lastName,
        company: c.companyName,
        website: c.domain,
        ...(preset ? { jobtitle: `Typed in by a user #${i}`, phone: `+1 555 01${String(i % 10_000).padStart(4, '0')}` } : {}),
      },
    };
  });
}

export interface E2eCaps extends BenchCaps {
  /** Apollo bulk requests per second (people/bulk_match, organizations/bulk_enrich), ≤ 10 records each. */
  apolloPeopleBulkMatch: number;
  apolloOrganizationBulkEnrich: number;
}

/** The simulators' plan: the engine benchmark's, with Apollo's bulk endpoints on the same 1 s window. */
export function e2eSimOptions(caps: E2eCaps): SimChildOptions {
  const base = simOptions(caps);
  return {
    ...base,
    apollo: {
      ...base.apollo,
      rateLimits: {
        ...base.apollo.rateLimits,
        'people/bulk_match': { minute: caps.apolloPeopleBulkMatch, hour: 0, day: 0 },
        'organizations/bulk_enrich': { minute: caps.apolloOrganizationBulkEnrich, hour: 0, day: 0 },
      },
    },
  };
}

/** The same plan as the portal's `rate_limits` settings (bulk windows under `<op>_bulk`). */
export function e2ePortalRateLimits(caps: E2eCaps): Record<string, RateWindow[]> {
  return {
    ...portalRateLimits(caps),
    'apollo.people_match_bulk': [{ limit: caps.apolloPeopleBulkMatch, windowMs: WINDOW_MS }],
    'apollo.organization_enrich_bulk': [{ limit: caps.apolloOrganizationBulkEnrich, windowMs: WINDOW_MS }],
  };
}

export interface E2eEndpoint {
  vendor: 'apollo' | 'hunter';
  path: string;
  operation: string;
  limit: number;
  windowMs: number;
}

export function e2eEndpoints(caps: E2eCaps): E2eEndpoint[] {
  return [
    ...endpointCaps(caps),
    { vendor: 'apollo', path: '/api/v1/people/bulk_match', operation: 'people_bulk_match', limit: caps.apolloPeopleBulkMatch, windowMs: WINDOW_MS },
    { vendor: 'apollo', path: '/api/v1/organizations/bulk_enrich', operation: 'organizations_bulk_enrich', limit: caps.apolloOrganizationBulkEnrich, windowMs: WINDOW_MS },
  ];
}

/** Statuses that are a vendor's limit signal: Apollo 429; Hunter 403 (rate) and 429 (quota). */
const LIMIT_STATUSES: Record<'apollo' | 'hunter', readonly number[]> = { apollo: [429], hunter: [403, 429] };

export interface E2eEndpointStats extends E2eEndpoint {
  requests: number;
  limitSignals: number;
  faults5xx: number;
  timeouts: number;
  callsNeeded: number;
  floorMs: number;
  firstAt: number | null;
  lastAt: number | null;
}

/**
 * Per endpoint, from the simulator's own request log, as the engine benchmark computes it
 * (bench/metrics.ts endpointStats): calls needed = every request but the vendor's limit refusals
 * (injected failures and their retries included); floor = calls needed ÷ cap × window.
 */
export function e2eEndpointStats(snapshot: SimSnapshot, caps: E2eCaps): E2eEndpointStats[] {
  return e2eEndpoints(caps).map((ep) => {
    const rs = snapshot[ep.vendor].requests.filter((r) => r[1] === ep.path);
    const isSignal = (r: RequestTuple) => LIMIT_STATUSES[ep.vendor].includes(r[2]);
    const needed = rs.filter((r) => !isSignal(r));
    const times = rs.map((r) => r[0]);
    return {
      ...ep,
      requests: rs.length,
      limitSignals: rs.length - needed.length,
      faults5xx: rs.filter((r) => r[3] === '5xx').length,
      timeouts: rs.filter((r) => r[3] === 'timeout').length,
      callsNeeded: needed.length,
      floorMs: Math.round((needed.length / ep.limit) * ep.windowMs),
      firstAt: times.length ? Math.min(...times) : null,
      lastAt: times.length ? Math.max(...times) : null,
    };
  });
}
