// Starts the simulators in a child process (bench/sim-child.ts) and reads their counters over IPC.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ['--disable-warning=ExperimentalWarning'],
    env: { ...process.env, BENCH_SIM_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ apolloUrl: string; hunterUrl: string }>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`simulator process exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (m: { type: string; apolloUrl: string; hunterUrl: string }) => {
      child.off('exit', onExit);
      if (m.type === 'ready') resolve(m);
      else reject(new Error(`unexpected first message from the simulator process: ${m.type}`));
    });
  });
  let nextId = 1;
  const pending = new Map<number, (s: SimSnapshot) => void>();
  child.on('message', (m: { type: string; id: number; data: SimSnapshot }) => {
    if (m.type === 'snapshot') {
      pending.get(m.id)?.(m.data);
      pending.delete(m.id);
    }
  });
  return {
    pid: child.pid!,
    apolloBaseUrl: ready.apolloUrl,
    hunterBaseUrl: ready.hunterUrl,
    snapshot: () =>
      new Promise<SimSnapshot>((resolve, reject) => {
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
