// Starts the nine vendor simulators of the catalog benchmark in a child process
// (bench/catalog-sim-child.ts) and reads their own counters and request logs over IPC.
import { fileURLToPath } from 'node:url';
import { forkChild, snapshots, stopChild } from './child-process.ts';
import type { BillingSnapshot, FaultKind } from '../sandbox/vendors/common.ts';
import type { CatalogSimOptions, VendorId } from './catalog-workload.ts';

/**
 * One request as the simulator logged it: [arrival epoch ms, method, path, HTTP status (0 = none
 * sent), injected fault, last four characters of the key (tells the portals apart)].
 */
export type CatalogRequest = [number, string, string, number, FaultKind | null, string | null];

export interface CatalogVendorSnapshot {
  billing: BillingSnapshot;
  /** Limit signals the simulator sent (429s, Hunter 403, NeverBounce throttle, ZeroBounce block, …). */
  limitSignals: number;
  faultsInjected: Record<FaultKind, number>;
  requests: CatalogRequest[];
}

export interface CatalogSimSnapshot {
  vendors: Record<VendorId, CatalogVendorSnapshot>;
  fullenrich: {
    enrichments: number;
    contacts: number;
    byCallbackMode: Record<string, number>;
    byStatus: Record<string, number>;
    callbackDeliveries: number;
    callbackDeliveriesByStatus: Record<string, number>;
  };
  zerobounceHostHits: { api: number; bulk: number };
  /** CPU the simulator process used since it started. */
  cpuMs: number;
  eventLoopUtilization: number;
  rssBytes: number;
}

export interface CatalogSimProcess {
  pid: number;
  /** Engine settings (*_BASE_URL) pointing each adapter at its simulator. */
  env: Record<string, string>;
  snapshot(): Promise<CatalogSimSnapshot>;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./catalog-sim-child.ts', import.meta.url));

export async function startCatalogSims(options: CatalogSimOptions): Promise<CatalogSimProcess> {
  const { child, ready } = await forkChild<{ env: Record<string, string> }>(CHILD, 'BENCH_CATALOG_SIM_OPTIONS', options, 'simulator');
  return {
    pid: child.pid!,
    env: ready.env,
    snapshot: snapshots<CatalogSimSnapshot>(child),
    stop: () => stopChild(child),
  };
}
