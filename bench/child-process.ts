// Simulators and the sandbox HubSpot run in child processes during benchmarks, so the engine's
// event loop cannot distort their arrival times. One way to start one (it says "ready" with its
// addresses), ask it for a snapshot, and stop it.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** Forks `file` with its options in `envKey` (JSON) and waits for its first message, "ready". */
export async function forkChild<R>(file: string, envKey: string, options: unknown, what: string): Promise<{ child: ChildProcess; ready: R }> {
  const child = fork(file, [], {
    execArgv: ['--disable-warning=ExperimentalWarning'],
    env: { ...process.env, [envKey]: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<R>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what} process exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (m: { type: string } & R) => {
      child.off('exit', onExit);
      if (m.type === 'ready') resolve(m);
      else reject(new Error(`unexpected first message from the ${what} process: ${m.type}`));
    });
  });
  return { child, ready };
}

/** Asks the child for a snapshot (`{type: 'snapshot', id}` answered with the same id). */
export function snapshots<T>(child: ChildProcess): () => Promise<T> {
  let nextId = 1;
  const pending = new Map<number, (s: T) => void>();
  child.on('message', (m: { type: string; id: number; data: T }) => {
    if (m.type === 'snapshot') {
      pending.get(m.id)?.(m.data);
      pending.delete(m.id);
    }
  });
  return () =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ type: 'snapshot', id }, (err) => err && reject(err));
    });
}

/** Asks the child to stop; kills it after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
