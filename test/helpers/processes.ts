// Spawns worker processes (test/helpers/worker-main.ts) on the same database as the test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, 'worker-main.ts');

export interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  output(): string;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (out.includes('ready\n')) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  return { child, ready, exited, output: () => out };
}

const SIM_MAIN = path.resolve(import.meta.dirname, 'sim-main.ts');

export interface SimProcess {
  url: string;
  /** The simulator's /__sandbox/stats (limit signals, billing, requests count). */
  stats(): Promise<{ requests: number; limitSignals: number; billing: { duplicates: unknown[]; billedCalls: number } }>;
  requests(): Promise<{ at: number; path: string; status: number }[]>;
  stop(): Promise<void>;
}

/** Starts a vendor simulator in a child process (see sim-main.ts). */
export async function spawnSim(vendor: 'apollo' | 'hunter', options: Record<string, unknown>): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', SIM_MAIN], {
    env: { ...process.env, SIM_SPEC: JSON.stringify({ vendor, options }) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /url=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`simulator exited (${code}):\n${out}`)));
  });
  const origin = new URL(url).origin;
  return {
    url,
    stats: async () => (await fetch(`${origin}/__sandbox/stats`)).json() as never,
    requests: async () => (await fetch(`${origin}/__sandbox/requests`)).json() as never,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
