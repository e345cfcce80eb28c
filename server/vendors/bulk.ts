// Bulk calls: oversized input is split into chunks of at most the vendor's batch size, sent one after
// another, and answered per lookup in order. After a chunk that got rate_limited, quota_exhausted or
// auth_failed the next chunks would fail the same way, so they are not sent: each of their lookups
// gets that answer, marked "not sent". Nothing is sent once the caller's signal is aborted.
import { failureResult } from './http.ts';
import type { CallContext, Lookup, VendorResult } from './types.ts';

/** Outcomes after which further requests with the same key would fail the same way. */
export const STOPPING: ReadonlySet<VendorResult['outcome']> = new Set(['rate_limited', 'quota_exhausted', 'auth_failed']);

export const isStopping = (r: VendorResult | undefined): boolean => !!r && STOPPING.has(r.outcome);

/** The answer of a request not sent because an earlier one got `stop` (`what`: "chunk", "request"). */
export function notSentAfter(stop: VendorResult, what = 'chunk'): VendorResult {
  return { ...stop, message: `not sent: an earlier ${what} got ${stop.outcome}; ${stop.message ?? ''}`.trim() };
}

/** The answer of a request not sent because the caller gave up first. */
export const abortedBeforeSending = (): VendorResult => failureResult({ kind: 'network', message: 'aborted before sending' });

/** One answer copied to every lookup of a chunk (a refused or unreadable bulk request). */
export const sameForAll = (n: number, r: VendorResult): VendorResult[] => Array.from({ length: n }, () => ({ ...r }));

/** What one chunk's request answered, and the answer that stops further chunks when the vendor decides it per request. */
export interface ChunkAnswer {
  results: VendorResult[];
  stop?: VendorResult;
}

export interface ChunkRules {
  /**
   * The result that stops sending, for senders that return plain results: by default the first
   * result when its outcome is stopping (a refused request answers every lookup alike).
   */
  stopAfter?: (results: VendorResult[]) => VendorResult | undefined;
  /** The answer of each lookup of a chunk not sent after `stop` (default notSentAfter). */
  notSent?: (stop: VendorResult) => VendorResult;
}

const firstIfStopping = (results: VendorResult[]): VendorResult | undefined => (isStopping(results[0]) ? results[0] : undefined);

/**
 * Sends `items` in chunks of at most `maxSize`, one chunk after another, and returns one result per
 * item in order. `send` answers a chunk, in the chunk's order.
 */
export async function sendInChunks<T>(
  items: readonly T[],
  maxSize: number,
  ctx: Pick<CallContext, 'signal'>,
  send: (chunk: T[]) => Promise<VendorResult[] | ChunkAnswer>,
  rules: ChunkRules = {},
): Promise<VendorResult[]> {
  const stopAfter = rules.stopAfter ?? firstIfStopping;
  const notSent = rules.notSent ?? notSentAfter;
  const out: VendorResult[] = [];
  let stop: VendorResult | undefined;
  for (let i = 0; i < items.length; i += maxSize) {
    const chunk = items.slice(i, i + maxSize);
    if (stop) {
      out.push(...sameForAll(chunk.length, notSent(stop)));
      continue;
    }
    if (ctx.signal?.aborted) {
      out.push(...chunk.map(abortedBeforeSending));
      continue;
    }
    const answer = await send(chunk);
    if (Array.isArray(answer)) {
      out.push(...answer);
      stop = stopAfter(answer);
    } else {
      out.push(...answer.results);
      stop = answer.stop;
    }
  }
  return out;
}

/**
 * Answers lookups that cannot be sent locally (`unsendable()`, in their place) and the rest with
 * `send`, which gets them in order and answers in that order.
 */
export async function answerSendable(
  lookups: readonly Lookup[],
  isSendable: (l: Lookup) => boolean,
  unsendable: () => VendorResult,
  send: (sendable: Lookup[]) => Promise<VendorResult[]>,
): Promise<VendorResult[]> {
  const sendable = lookups.map((l, i) => ({ l, i })).filter((x) => isSendable(x.l));
  const results: VendorResult[] = lookups.map(() => unsendable());
  const answered = await send(sendable.map((x) => x.l));
  sendable.forEach((x, j) => {
    const r = answered[j];
    if (r) results[x.i] = r;
  });
  return results;
}
