// Starts the simulators in a child process (bench/sim-child.ts) and reads their counters over IPC.
import { fileURLToPath } from 'node:url';
import { forkChild, snapshots, stopChild } from './child-process.ts';
import type { BillingSnapshot, FaultKind } from '../sandbox/vendors/common.ts';
import type { SimChildOptions } from './workload.ts';

/**
 * One request as the simulator logged it: [arrival epoch ms, path, HTTP status (0 = none sent), fault,
 * the lookup it asked for (query and body, credentials removed)].
 */
export type RequestTuple = [number, string, number, FaultKind | null, string];

export interface VendorSnapshot {
  billing: BillingSnapshot;
  limitSignals: number;
  faultsInjected: Record<FaultKind, number>;
  requests: RequestTuple[];
}

export interface SimSnapshot {
  apollo: VendorSnapshot;
  hunter: VendorSnapshot;
  /** CPU the simulator process used since it started. */
  cpuMs: number;
  eventLoopUtilization: number;
  rssBytes: number;
}

export interface SimProcess {
  pid: number;
  apolloBaseUrl: string;
  hunterBaseUrl: string;
  snapshot(): Promise<SimSnapshot>;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./sim-child.ts', import.meta.url));

export async function startSimProcess(options: SimChildOptions): Promise<SimProcess> {
  const { child, ready } = await forkChild<{ apolloUrl: string; hunterUrl: string }>(CHILD, 'BENCH_SIM_OPTIONS', options, 'simulator');
  return {
    pid: child.pid!,
    apolloBaseUrl: ready.apolloUrl,
    hunterBaseUrl: ready.hunterUrl,
    snapshot: snapshots<SimSnapshot>(child),
    stop: () => stopChild(child),
  };
}
