// The embedded PGlite is one connection shared by everything in the process. Requests someone is
// waiting on (HubSpot waits for the workflow action's answer) should not queue behind hundreds of
// engine statements: work run inside `withPriority` takes the connection next, before the others.
// On Postgres there is a pool and this changes nothing.
import { AsyncLocalStorage } from 'node:async_hooks';

const lane = new AsyncLocalStorage<true>();

/** Runs `fn` with its database statements ahead of background work (embedded PGlite only). */
export function withPriority<T>(fn: () => Promise<T>): Promise<T> {
  return lane.run(true, fn);
}

interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/**
 * Puts two queues (priority, background) in front of a one-connection pool: whoever the queues
 * pick acquires it next; the pool itself never has a waiter.
 */
export function prioritizeSingleConnection(client: PoolClient): void {
  const acquire = client.acquireConnection.bind(client);
  const release = client.releaseConnection.bind(client);
  const priority: (() => void)[] = [];
  const background: (() => void)[] = [];
  let busy = false;
  // PGlite answers through promise continuations alone, so back-to-back statements would never
  // let the event loop reach its I/O phase: an HTTP request could wait for a whole queue of
  // statements before it is even read. Handing the connection over on the next turn (setImmediate)
  // lets waiting requests in, and the priority queue lets their statements go next.
  const handOff = () => {
    setImmediate(() => {
      const next = priority.shift() ?? background.shift();
      if (next) next();
      else busy = false;
    });
  };
  client.acquireConnection = async () => {
    if (busy) await new Promise<void>((resolve) => (lane.getStore() ? priority : background).push(resolve));
    busy = true;
    try {
      return await acquire();
    } catch (err) {
      handOff();
      throw err;
    }
  };
  client.releaseConnection = async (connection: unknown) => {
    try {
      return await release(connection);
    } finally {
      handOff();
    }
  };
}
