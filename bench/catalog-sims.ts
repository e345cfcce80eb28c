// Starts the nine vendor simulators of the catalog benchmark in a child process
// (bench/catalog-sim-child.ts) and reads their own counters and request logs over IPC.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ['--disable-warning=ExperimentalWarning'],
    env: { ...process.env, BENCH_CATALOG_SIM_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ env: Record<string, string> }>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`simulator process exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (m: { type: string; env: Record<string, string> }) => {
      child.off('exit', onExit);
      if (m.type === 'ready') resolve(m);
      else reject(new Error(`unexpected first message from the simulator process: ${m.type}`));
    });
  });
  let nextId = 1;
  const pending = new Map<number, (s: CatalogSimSnapshot) => void>();
  child.on('message', (m: { type: string; id: number; data: CatalogSimSnapshot }) => {
    if (m.type === 'snapshot') {
      pending.get(m.id)?.(m.data);
      pending.delete(m.id);
    }
  });
  return {
    pid: child.pid!,
    env: ready.env,
    snapshot: () =>
      new Promise<CatalogSimSnapshot>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, resolve);
        child.send({ type: 'snapshot', id }, (err) => err && reject(err));
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
