// Figures derived from the simulators' own logs: what each endpoint was asked, what it refused, and
// the least time the plan's rate caps allow for the calls that had to be made.
import type { RequestTuple, SimSnapshot } from './sims.ts';
import { endpointCaps } from './workload.ts';
import type { BenchCaps } from './workload.ts';

/** Statuses that are a vendor's limit signal: Apollo 429; Hunter 403 (rate) and 429 (quota). */
const LIMIT_STATUSES: Record<'apollo' | 'hunter', readonly number[]> = { apollo: [429], hunter: [403, 429] };

export interface EndpointStats {
  vendor: 'apollo' | 'hunter';
  path: string;
  operation: string;
  limit: number;
  windowMs: number;
  requests: number;
  limitSignals: number;
  faults5xx: number;
  timeouts: number;
  /** Requests that had to be made: all of them but the ones the vendor refused for its limits. */
  callsNeeded: number;
  /** Distinct lookups asked for (what a run without any failure would have needed). */
  uniqueLookups: number;
  floorMs: number;
  uniqueFloorMs: number;
  firstAt: number | null;
  lastAt: number | null;
  /** Windows between the endpoint's first and last request, and how many of them were used to the cap. */
  windowsSpanned: number;
  windowsFull: number;
}

export function endpointStats(snapshot: SimSnapshot, caps: BenchCaps): EndpointStats[] {
  return endpointCaps(caps).map((ep) => {
    const rs = snapshot[ep.vendor].requests.filter((r) => r[1] === ep.path);
    const isSignal = (r: RequestTuple) => LIMIT_STATUSES[ep.vendor].includes(r[2]);
    const needed = rs.filter((r) => !isSignal(r));
    const perSlot = new Map<number, number>();
    for (const r of needed) {
      const slot = Math.floor(r[0] / ep.windowMs);
      perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
    }
    const slots = [...perSlot.keys()];
    const span = slots.length ? Math.max(...slots) - Math.min(...slots) + 1 : 0;
    const unique = new Set(rs.map((r) => r[4])).size;
    const times = rs.map((r) => r[0]);
    return {
      vendor: ep.vendor,
      path: ep.path,
      operation: ep.operation,
      limit: ep.limit,
      windowMs: ep.windowMs,
      requests: rs.length,
      limitSignals: rs.length - needed.length,
      faults5xx: rs.filter((r) => r[3] === '5xx').length,
      timeouts: rs.filter((r) => r[3] === 'timeout').length,
      callsNeeded: needed.length,
      uniqueLookups: unique,
      floorMs: Math.round((needed.length / ep.limit) * ep.windowMs),
      uniqueFloorMs: Math.round((unique / ep.limit) * ep.windowMs),
      firstAt: times.length ? Math.min(...times) : null,
      lastAt: times.length ? Math.max(...times) : null,
      windowsSpanned: span,
      windowsFull: [...perSlot.values()].filter((n) => n >= ep.limit).length,
    };
  });
}

/**
 * The engine's own pacing floor: its RateGate keeps one budget per (vendor, key, operation), as the
 * vendors count per endpoint, so each group here is one operation. Kept as a separate figure so a
 * change in how the engine groups its buckets shows up against the vendors' floor.
 */
export function sharedBucketFloors(stats: EndpointStats[]): { group: string; operations: string[]; calls: number; floorMs: number }[] {
  const groups = new Map<string, EndpointStats[]>();
  for (const s of stats) {
    const k = `${s.vendor}.${s.operation}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  return [...groups.entries()].map(([group, members]) => {
    const calls = members.reduce((n, s) => n + s.callsNeeded, 0);
    return {
      group,
      operations: members.map((m) => m.operation),
      calls,
      floorMs: Math.round((calls / members[0]!.limit) * members[0]!.windowMs),
    };
  });
}

/** Requests per second per endpoint since `t0` (for the timeline in the JSON). */
export function timeline(snapshot: SimSnapshot, caps: BenchCaps, t0: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const ep of endpointCaps(caps)) {
    const counts: number[] = [];
    for (const r of snapshot[ep.vendor].requests) {
      if (r[1] !== ep.path) continue;
      const s = Math.max(0, Math.floor((r[0] - t0) / 1000));
      while (counts.length <= s) counts.push(0);
      counts[s]!++;
    }
    out[`${ep.vendor}.${ep.operation}`] = counts;
  }
  return out;
}
