// The vendors this build knows. The engine receives this map and nothing else about vendors.
import type { Config } from '../config.ts';
import type { VendorAdapter } from './types.ts';
import { apolloAdapter } from './apollo/adapter.ts';
import { hunterAdapter } from './hunter/adapter.ts';

export function defaultAdapters(): Map<string, VendorAdapter> {
  return new Map<string, VendorAdapter>([
    [apolloAdapter.id, apolloAdapter],
    [hunterAdapter.id, hunterAdapter],
  ]);
}

export function vendorBaseUrls(config: Pick<Config, 'APOLLO_BASE_URL' | 'HUNTER_BASE_URL'>): Record<string, string> {
  return { apollo: config.APOLLO_BASE_URL, hunter: config.HUNTER_BASE_URL };
}
