// The vendors this build knows. The engine receives this map and nothing else about vendors.
import type { Config } from '../config.ts';
import type { VendorAdapter } from './types.ts';
import { apolloAdapter } from './apollo/adapter.ts';
import { hunterAdapter } from './hunter/adapter.ts';
import { pdlAdapter } from './pdl/adapter.ts';
import { lushaAdapter } from './lusha/adapter.ts';
import { zerobounceAdapter } from './zerobounce/adapter.ts';
import { neverbounceAdapter } from './neverbounce/adapter.ts';
import { cognismAdapter } from './cognism/adapter.ts';
import { clearbitAdapter } from './clearbit/adapter.ts';
import { fullenrichAdapter } from './fullenrich/adapter.ts';

export const ALL_ADAPTERS: readonly VendorAdapter[] = [
  apolloAdapter,
  hunterAdapter,
  pdlAdapter,
  lushaAdapter,
  zerobounceAdapter,
  neverbounceAdapter,
  cognismAdapter,
  clearbitAdapter,
  fullenrichAdapter,
];

export function defaultAdapters(): Map<string, VendorAdapter> {
  return new Map(ALL_ADAPTERS.map((a) => [a.id, a]));
}

export interface VendorEndpoints {
  baseUrl: string;
  /** Further hosts of vendors that spread their API over several. */
  hosts?: Readonly<Record<string, string>>;
}

type UrlConfig = Pick<
  Config,
  | 'APOLLO_BASE_URL'
  | 'HUNTER_BASE_URL'
  | 'PDL_BASE_URL'
  | 'LUSHA_BASE_URL'
  | 'ZEROBOUNCE_BASE_URL'
  | 'ZEROBOUNCE_BULK_BASE_URL'
  | 'NEVERBOUNCE_BASE_URL'
  | 'COGNISM_BASE_URL'
  | 'CLEARBIT_PERSON_BASE_URL'
  | 'CLEARBIT_COMPANY_BASE_URL'
  | 'FULLENRICH_BASE_URL'
>;

export function vendorBaseUrls(config: UrlConfig): Record<string, VendorEndpoints> {
  return {
    apollo: { baseUrl: config.APOLLO_BASE_URL },
    hunter: { baseUrl: config.HUNTER_BASE_URL },
    pdl: { baseUrl: config.PDL_BASE_URL },
    lusha: { baseUrl: config.LUSHA_BASE_URL },
    zerobounce: { baseUrl: config.ZEROBOUNCE_BASE_URL, hosts: { bulk: config.ZEROBOUNCE_BULK_BASE_URL } },
    neverbounce: { baseUrl: config.NEVERBOUNCE_BASE_URL },
    cognism: { baseUrl: config.COGNISM_BASE_URL },
    clearbit: { baseUrl: config.CLEARBIT_PERSON_BASE_URL, hosts: { company: config.CLEARBIT_COMPANY_BASE_URL } },
    fullenrich: { baseUrl: config.FULLENRICH_BASE_URL },
  };
}
