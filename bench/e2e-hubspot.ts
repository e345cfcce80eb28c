// Starts the sandbox HubSpot portal in a child process (bench/e2e-hubspot-child.ts) and talks to it:
// its admin routes over HTTP (/__sandbox/portals, /stats, /calls, /callbacks) and, over IPC, the
// enrolment (which lasts as long as the burst takes to be acknowledged) and the contacts dump.
import { fileURLToPath } from 'node:url';
import { forkChild, stopChild } from './child-process.ts';
import type { CallRecord, CallbackView, EnrollOptions, HubSpotSandboxOptions } from '../sandbox/hubspot/index.ts';
import type { stats } from '../sandbox/hubspot/admin.ts';

/** One execution as the emulator saw it (the answer body reduced to its execution state). */
export interface SlimExecution {
  callbackId: string;
  contactId: string;
  /** HTTP status of the final attempt (0: no answer). */
  status: number;
  attempts: number;
  /** Duration of the attempt that got the final answer, timed in the HubSpot process. */
  ackMs: number;
  outcome: 'blocked' | 'completed' | 'failed';
  /** outputFields.hs_execution_state of the answer, if any. */
  state: string | null;
  error?: string;
}

/**
 * One request the emulator sent to the action URL: [callbackId, sent at (epoch ms), ms until the
 * answer was read (or the attempt failed), HTTP status (0: none), why it failed (null: answered)].
 */
export type AttemptRecord = [string, number, number, number, string | null];

export interface EnrollResult {
  /** Epoch ms when the emulator started sending, and when the last execution was acknowledged. */
  startedAt: number;
  finishedAt: number;
  executions: SlimExecution[];
  /** Every attempt, failed ones included, in the order they ended. */
  attempts: AttemptRecord[];
}

export type SandboxStats = ReturnType<typeof stats>;

export interface HubSpotProcess {
  pid: number;
  url: string;
  authorizeUrl: string;
  addPortal(portalId: number, contacts: Record<string, string>[]): Promise<string[]>;
  enroll(options: EnrollOptions): Promise<EnrollResult>;
  contacts(portalId: number): Promise<{ id: string; properties: Record<string, string> }[]>;
  stats(): Promise<SandboxStats>;
  calls(): Promise<CallRecord[]>;
  callbacks(): Promise<CallbackView[]>;
  usage(): Promise<{ cpuMs: number; eventLoopUtilization: number; rssBytes: number }>;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./e2e-hubspot-child.ts', import.meta.url));

export async function startHubSpotProcess(options: HubSpotSandboxOptions): Promise<HubSpotProcess> {
  const { child, ready } = await forkChild<{ url: string; authorizeUrl: string; pid: number }>(CHILD, 'BENCH_HUBSPOT_OPTIONS', options, 'HubSpot sandbox');
  let nextId = 1;
  const pending = new Map<number, { resolve: (d: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { type: string; id: number; data: unknown }) => {
    if (m.type !== 'reply') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    const err = (m.data as { error?: unknown } | null)?.error;
    if (typeof err === 'string') p?.reject(new Error(`HubSpot sandbox: ${err}`));
    else p?.resolve(m.data);
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`HubSpot sandbox process exited (code ${code})`));
    pending.clear();
  });
  const ask = <T>(msg: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (d: unknown) => void, reject });
      child.send({ ...msg, id }, (err) => err && reject(err));
    });
  const admin = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${ready.url}/__sandbox${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`HubSpot sandbox ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    pid: ready.pid,
    url: ready.url,
    authorizeUrl: ready.authorizeUrl,
    addPortal: async (portalId, contacts) => (await admin<{ ids: string[] }>('/portals', { portalId, contacts })).ids,
    enroll: (options) => ask<EnrollResult>({ type: 'enroll', options }),
    contacts: (portalId) => ask({ type: 'contacts', portalId }),
    stats: () => admin('/stats'),
    calls: () => admin('/calls'),
    callbacks: () => admin('/callbacks'),
    usage: () => ask({ type: 'usage' }),
    stop: () => stopChild(child),
  };
}
