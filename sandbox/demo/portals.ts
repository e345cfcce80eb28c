// The two demo portals (their keys, settings, caps and story) and the contacts they enrol.
import type { PortalSettingsInput, StepRef } from '../../server/enrichment/settings.ts';
import { TOTAL } from '../../server/enrichment/spend.ts';
import type { CapSetting } from '../../server/enrichment/spend.ts';
import type { FieldGroup } from '../../server/vendors/types.ts';
import { generateContacts } from '../world.ts';
import { LUSHA_SIM_DEFAULT_LIMITS, LUSHA_SIM_DEFAULT_WINDOW_MS } from '../vendors/lusha.ts';
import { APOLLO_PLAN, HUNTER_GENERAL_PLAN, HUNTER_VERIFIER_PLAN, VENDOR_IDS } from './vendors.ts';
import type { VendorId } from './vendors.ts';

const hunterWindows = (p: { perSecond: number; perMinute: number }) => [
  { limit: p.perSecond, windowMs: 1_000 },
  { limit: p.perMinute, windowMs: 60_000 },
];
/** Lusha's Premium plan (per account, every endpoint together), which the simulator enforces. */
const LUSHA_PREMIUM = (['second', 'minute', 'hour', 'day'] as const).map((w) => ({ limit: LUSHA_SIM_DEFAULT_LIMITS[w], windowMs: LUSHA_SIM_DEFAULT_WINDOW_MS[w] }));

/** The Apollo and Hunter plans the simulators enforce (both portals). */
const PLAN_RATE_LIMITS = {
  'apollo.people_match': APOLLO_PLAN,
  'apollo.organization_enrich': APOLLO_PLAN,
  'hunter.email_finder': hunterWindows(HUNTER_GENERAL_PLAN),
  'hunter.people_find': hunterWindows(HUNTER_GENERAL_PLAN),
  'hunter.companies_find': hunterWindows(HUNTER_GENERAL_PLAN),
  'hunter.email_verifier': hunterWindows(HUNTER_VERIFIER_PLAN),
};

const step = (vendor: VendorId, operation: string): StepRef => ({ vendor, operation });

/** Contoso's own waterfall: Apollo first, Hunter as the fallback, except the cheaper Hunter company lookup first. */
const CONTOSO_WATERFALL: Partial<Record<FieldGroup, StepRef[]>> = {
  email: [step('apollo', 'people_match'), step('hunter', 'email_finder')],
  person: [step('apollo', 'people_match'), step('hunter', 'people_find')],
  company: [step('hunter', 'companies_find'), step('apollo', 'organization_enrich')],
  phone: [step('hunter', 'email_finder')],
  email_verification: [step('hunter', 'email_verifier')],
};

export interface DemoPortal {
  id: number;
  name: string;
  /** Contacts the sandbox HubSpot portal starts with (every one is enrolled). */
  contacts: number;
  domains: number;
  seed: string;
  /** The portal's own (fake) key per vendor; vendors without one are not in its waterfall. */
  keys: Partial<Record<VendorId, string>>;
  settings: PortalSettingsInput;
  caps: CapSetting[];
  story: string[];
  /** Contacts re-enrolled in the second pass. */
  resample: number;
  /** Every n-th contact is also enrolled in the "find a phone number" workflow. */
  phoneEvery: number;
}

/** A fake key per vendor for a portal; Clearbit only takes legacy `sk_` keys. */
function fakeKeys(portalId: number, vendors: readonly VendorId[]): Partial<Record<VendorId, string>> {
  return Object.fromEntries(vendors.map((v) => [v, v === 'clearbit' ? `sk_demo_fake_portal_${portalId}` : `demo-fake-${v}-key-portal-${portalId}`]));
}

export const PORTALS: DemoPortal[] = [
  {
    id: 101,
    name: 'Northwind (all nine vendors)',
    contacts: 1_000,
    domains: 220,
    seed: 'demo-portal-101',
    keys: fakeKeys(101, VENDOR_IDS),
    settings: {
      // No waterfall of its own: the built-in one, price-ordered over the vendors it has keys for.
      // Fill empty fields only, except the e-mail status, which is always refreshed.
      write_policy: { default: 'fill_if_empty', fields: { email_status: 'overwrite' } },
      // Its plans as entered in the settings: Apollo and Hunter as Contoso's, Lusha Premium; the other
      // vendors at the adapters' documented defaults.
      rate_limits: {
        ...PLAN_RATE_LIMITS,
        'lusha.person': LUSHA_PREMIUM,
        'lusha.person_bulk': LUSHA_PREMIUM,
        'lusha.company': LUSHA_PREMIUM,
        'lusha.company_bulk': LUSHA_PREMIUM,
      },
    },
    caps: [
      { scope: TOTAL, period: 'day', capCents: 60_000 },
      { scope: TOTAL, period: 'month', capCents: 1_000_000 },
      { scope: 'apollo', period: 'day', capCents: 10_000 },
      { scope: 'hunter', period: 'day', capCents: 10_000 },
      { scope: 'cognism', period: 'day', capCents: 400 },
    ],
    story: [
      'keys for all nine vendors; the built-in waterfall (cheapest pay-on-found first, the asynchronous FullEnrich',
      '  after the synchronous vendors, Clearbit, which bills misses too, last); fill_if_empty (e-mail status',
      '  always refreshed); on cap: skip that vendor',
      'rate plans: Apollo 1,000/min, Hunter 40/s (verifier 25/s), Lusha Premium (300/min, 1,800/h); the others at their documented defaults',
      'caps: $600.00/day and $10,000.00/month in total, Apollo and Hunter $100.00/day, Cognism $4.00/day (runs out, on purpose)',
    ],
    resample: 40,
    phoneEvery: 3,
  },
  {
    id: 202,
    name: 'Contoso (Apollo + Hunter, tight Apollo budget)',
    contacts: 150,
    domains: 36,
    seed: 'demo-portal-202',
    keys: fakeKeys(202, ['apollo', 'hunter']),
    settings: {
      // Its own waterfall; the cheaper Hunter company lookup first; a negotiated Apollo price; pause a run at a cap.
      waterfall: CONTOSO_WATERFALL,
      costs_mc: { 'apollo.people_match': 2_500, 'apollo.organization_enrich': 2_500 },
      on_cap: 'pause',
      rate_limits: PLAN_RATE_LIMITS,
    },
    caps: [
      { scope: TOTAL, period: 'day', capCents: 2_500 },
      { scope: 'apollo', period: 'day', capCents: 125 },
    ],
    story: [
      'keys for Apollo and Hunter only; its own waterfall: Apollo first, Hunter as the fallback, except the company',
      '  group (Hunter → Apollo); Apollo at 2.5¢ a match; fill_if_empty; on cap: pause the run',
      'rate plans: Apollo 1,000/min (6,000/h), Hunter 40/s (verifier 25/s)',
      'caps: $25.00/day in total, Apollo $1.25/day (runs out early, on purpose)',
    ],
    resample: 20,
    phoneEvery: 4,
  },
];

/** A contact as the sandbox HubSpot portal holds it before the demo, and how the workflows treat it. */
export interface CrmContact {
  properties: Record<string, string>;
  /** Properties a person typed in (the write policy must keep them, whatever a vendor finds). */
  typed: string[];
  /** Also enrolled in the "find a phone number" workflow, at the same time. */
  phone: boolean;
  /** HubSpot sends its execution again with the same callbackId (it did not see our answer). */
  resent: boolean;
}

// Values people typed into the CRM, messy on purpose; the default write policy must keep them.
const TYPED_TITLES = ['VP Mktg', 'Owner', 'Decision maker', 'Sales', 'Head of RevOps (per LinkedIn)'];
const TYPED_CITIES = ['Springfield', 'NYC', 'Greater Boston Area', 'Remote'];

/**
 * The portal's contacts: an imported lead list (e-mail for most, name, website, the company for
 * half), and for one contact in ten something a person typed in: a job title, a desk phone, a city.
 */
export function crmContacts(p: DemoPortal): CrmContact[] {
  return generateContacts(p.contacts, p.domains, p.seed).map((c, i) => {
    const properties: Record<string, string> = {
      ...(c.email ? { email: c.email } : {}),
      firstname: c.firstName,
      lastname: c.lastName,
      website: c.domain,
    };
    if (i % 2 === 0) properties.company = c.companyName;
    const typed: string[] = [];
    if (i % 10 === 3) {
      const kind = Math.floor(i / 10) % 3;
      if (kind !== 2) properties.jobtitle = TYPED_TITLES[Math.floor(i / 10) % TYPED_TITLES.length] as string;
      if (kind !== 0) properties.phone = `+1 555 01${String(i % 100).padStart(2, '0')}`;
      if (kind === 2) properties.city = TYPED_CITIES[Math.floor(i / 30) % TYPED_CITIES.length] as string;
      typed.push(...['jobtitle', 'phone', 'city'].filter((k) => properties[k] !== undefined));
    }
    return { properties, typed, phone: i % p.phoneEvery === 0, resent: i % 10 === 1 };
  });
}
