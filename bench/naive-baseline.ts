// The naive baseline: what an integration without Cascade's engine does. Every trigger is processed
// inline (no queue, no dedupe of triggers, no cache, no pacing, no memoized steps) with the same
// adapters and the same default waterfall as the engine: for each requested group, call the
// waterfall's operations in order until the group is filled. When any call fails (transient error,
// timeout, or the vendor's rate-limit signal) the WHOLE contact is retried from the start, at once,
// up to 3 tries. The only courtesy it gets: within one try it does not repeat a call it just made
// (the e-mail and person groups both start with Apollo's people match).
import pLimit from 'p-limit';
import { performance } from 'node:perf_hooks';
import { plan } from '../server/enrichment/plan.ts';
import { defaultSettings } from '../server/enrichment/settings.ts';
import { factsWith, groupSatisfied, mergeProfile } from '../server/enrichment/profile.ts';
import type { CanonicalProfile } from '../server/enrichment/profile.ts';
import { factsFromProperties } from '../server/enrichment/runs.ts';
import { defaultAdapters } from '../server/vendors/registry.ts';
import type { VendorOutcome } from '../server/vendors/types.ts';
import type { BenchTrigger } from './workload.ts';

export interface NaiveOptions {
  apolloBaseUrl: string;
  hunterBaseUrl: string;
  apolloKey: string;
  hunterKey: string;
  concurrency: number;
  timeoutMs: number;
  maxTries: number;
}

export type NaiveStatus = 'enriched' | 'partial' | 'not_found' | 'suppressed' | 'failed';

export interface NaiveResult {
  wallMs: number;
  cpuMs: number;
  triggers: number;
  /** Whole-contact tries, first tries included. */
  tries: number;
  /** Contacts that needed more than one try. */
  retriedTriggers: number;
  httpCalls: number;
  outcomes: Partial<Record<VendorOutcome, number>>;
  statuses: Record<NaiveStatus, number>;
  /** Requested groups over all triggers, and how many of them ended filled. */
  groupsRequested: number;
  groupsFilled: number;
}

export async function runNaive(triggers: readonly BenchTrigger[], opts: NaiveOptions): Promise<NaiveResult> {
  const adapters = defaultAdapters();
  const settings = defaultSettings();
  const threshold = settings.confidence_threshold;
  const keyed = new Set(['apollo', 'hunter']);
  const ctxFor: Record<string, { apiKey: string; baseUrl: string; timeoutMs: number }> = {
    apollo: { apiKey: opts.apolloKey, baseUrl: opts.apolloBaseUrl, timeoutMs: opts.timeoutMs },
    hunter: { apiKey: opts.hunterKey, baseUrl: opts.hunterBaseUrl, timeoutMs: opts.timeoutMs },
  };
  const result: NaiveResult = {
    wallMs: 0,
    cpuMs: 0,
    triggers: triggers.length,
    tries: 0,
    retriedTriggers: 0,
    httpCalls: 0,
    outcomes: {},
    statuses: { enriched: 0, partial: 0, not_found: 0, suppressed: 0, failed: 0 },
    groupsRequested: 0,
    groupsFilled: 0,
  };

  async function enrich(t: BenchTrigger): Promise<NaiveStatus> {
    const facts = factsFromProperties(t.properties);
    const { steps } = plan({ groups: t.groups, settings, adapters, keyedVendors: keyed });
    for (let attempt = 1; attempt <= opts.maxTries; attempt++) {
      result.tries++;
      if (attempt === 2) result.retriedTriggers++;
      let profile: CanonicalProfile = {};
      const calledThisTry = new Set<string>();
      let failed = false;
      let suppressed = false;
      for (const step of steps) {
        if (groupSatisfied(profile, step.group, threshold)) continue;
        const lookup = step.spec.lookup(factsWith(facts, profile));
        if (!lookup) continue;
        const id = `${step.vendor}|${step.operation}|${lookup.key}`;
        if (calledThisTry.has(id)) continue;
        calledThisTry.add(id);
        const r = await adapters.get(step.vendor)!.call(step.operation, lookup, ctxFor[step.vendor]!);
        result.httpCalls++;
        result.outcomes[r.outcome] = (result.outcomes[r.outcome] ?? 0) + 1;
        if (r.outcome === 'hit' || r.outcome === 'miss') {
          if (r.profile) profile = mergeProfile(profile, r.profile, step.vendor, threshold);
          if (r.doNotProcess) {
            suppressed = true;
            break;
          }
        } else if (r.outcome === 'transient' || r.outcome === 'rate_limited') {
          failed = true;
          break;
        }
        // quota_exhausted, auth_failed, invalid_input: skip the step, go on down the waterfall.
      }
      if (failed) continue;
      if (suppressed) return 'suppressed';
      const filled = t.groups.filter((g) => groupSatisfied(profile, g, threshold)).length;
      result.groupsFilled += filled;
      return filled === t.groups.length ? 'enriched' : filled > 0 ? 'partial' : 'not_found';
    }
    return 'failed';
  }

  const limit = pLimit(opts.concurrency);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    triggers.map((t) =>
      limit(async () => {
        result.groupsRequested += t.groups.length;
        result.statuses[await enrich(t)]++;
      }),
    ),
  );
  result.wallMs = Math.round(performance.now() - started);
  const cpu = process.cpuUsage(cpu0);
  result.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  return result;
}
