// The pre-flight estimate for enrolling N contacts: the portal's waterfall for the asked groups (the
// steps that would really run: vendors with a key), each step's chance to be reached (every earlier
// step of its group missed, at this portal's observed hit rates; 0.5 without history), the share the
// cache answers, each vendor's billing rule, and the rate windows that bound how fast it can go.
import { z } from 'zod';
import type { Knex } from 'knex';
import type { EstimateView } from '../../extensions/src/api/contract.ts';
import { FIELD_GROUPS } from '../vendors/types.ts';
import type { OperationSpec, RateWindow, VendorAdapter } from '../vendors/types.ts';
import { loadSettings } from '../enrichment/settings.ts';
import type { PortalSettings } from '../enrichment/settings.ts';
import { plan } from '../enrichment/plan.ts';
import { TOTAL } from '../enrichment/spend.ts';
import type { CredentialStore } from '../portals/credentials.ts';
import { spendState } from './spend-view.ts';
import { operationCostMc } from './settings-view.ts';
import { parseOr400 } from './ui-request.ts';
import { centsOf } from './money.ts';

export const DEFAULT_HIT_RATE = 0.5;
/** History older than this says little about today's lists and vendors. */
const HISTORY_DAYS = 90;

export const estimateSchema = z
  .object({
    contacts: z.number({ error: 'must be a number of contacts' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1,000,000'),
    groups: z.array(z.enum(FIELD_GROUPS, { error: `must be one of ${FIELD_GROUPS.join(', ')}` })).min(1, 'must name at least one field group').max(FIELD_GROUPS.length),
  })
  .strict();

export interface History {
  /** (vendor.operation) → hits / answered lookups. */
  hitRates: Map<string, number>;
  cacheHitRate: number;
  runs: number;
}

export async function observedHistory(db: Knex, portalId: number, now = new Date()): Promise<History> {
  const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
  const [ops, cache, runs] = await Promise.all([
    db('run_steps')
      .where('portal_id', portalId)
      .andWhere('created_at', '>=', since)
      .whereIn('outcome', ['hit', 'miss'])
      .select('vendor', 'operation', db.raw(`COUNT(*) FILTER (WHERE outcome = 'hit') AS hits`), db.raw('COUNT(*) AS answered'))
      .groupBy('vendor', 'operation') as Promise<{ vendor: string; operation: string; hits: string; answered: string }[]>,
    db('run_steps')
      .where('portal_id', portalId)
      .andWhere('created_at', '>=', since)
      .first(db.raw(`COUNT(*) FILTER (WHERE source = 'cache') AS cached`), db.raw(`COUNT(*) FILTER (WHERE source = 'vendor' AND http_calls > 0) AS called`)) as Promise<
      { cached: string; called: string } | undefined
    >,
    db('enrichment_runs').where({ portal_id: portalId, state: 'done' }).andWhere('finished_at', '>=', since).count<{ n: string }[]>('* AS n'),
  ]);
  const cached = Number(cache?.cached ?? 0);
  const called = Number(cache?.called ?? 0);
  return {
    hitRates: new Map(ops.map((o) => [`${o.vendor}.${o.operation}`, Number(o.hits) / Number(o.answered)])),
    cacheHitRate: cached + called > 0 ? cached / (cached + called) : 0,
    runs: Number(runs[0]?.n ?? 0),
  };
}

interface StepEstimate {
  vendor: string;
  operation: string;
  spec: OperationSpec;
  costMc: number;
  /** Chance a contact's run reaches this step (the greatest over the groups it serves). */
  reached: number;
  hitRate: number;
}

/** Seconds to make `calls` requests within every window (limit per windowMs). */
export function secondsFor(calls: number, windows: readonly RateWindow[]): number {
  return windows.reduce((worst, w) => Math.max(worst, (calls / w.limit) * (w.windowMs / 1000)), 0);
}

export function estimateFrom(
  input: { contacts: number; groups: EstimateView['groups'] },
  ctx: { adapters: ReadonlyMap<string, VendorAdapter>; settings: PortalSettings; keyed: ReadonlySet<string>; history: History; capRemainingCents: number | null },
): EstimateView {
  const { steps } = plan({ groups: input.groups, settings: ctx.settings, adapters: ctx.adapters, keyedVendors: ctx.keyed });
  const unique = new Map<string, StepEstimate>();
  const missSoFar = new Map<string, number>();
  for (const step of steps) {
    if (step.skip) continue; // no key: never called, never billed
    const id = `${step.vendor}.${step.operation}`;
    const hitRate = ctx.history.hitRates.get(id) ?? DEFAULT_HIT_RATE;
    const reached = missSoFar.get(step.group) ?? 1;
    missSoFar.set(step.group, reached * (1 - hitRate));
    const known = unique.get(id);
    // One lookup per run: a step serving two groups is called (and billed) once.
    if (known) known.reached = Math.max(known.reached, reached);
    else {
      const adapter = ctx.adapters.get(step.vendor) as VendorAdapter;
      unique.set(id, { vendor: step.vendor, operation: step.operation, spec: step.spec, costMc: operationCostMc(ctx.settings, adapter, step.operation), reached, hitRate });
    }
  }
  const vendors = new Map<string, { maxMc: number; expectedMc: number; expectedCalls: number }>();
  const buckets = new Map<string, { calls: number; windows: readonly RateWindow[] }>();
  const fromVendor = 1 - ctx.history.cacheHitRate;
  for (const s of unique.values()) {
    const calls = input.contacts * s.reached * fromVendor;
    const billedShare = s.spec.billing.chargesOnMiss ? 1 : s.hitRate;
    const v = vendors.get(s.vendor) ?? { maxMc: 0, expectedMc: 0, expectedCalls: 0 };
    v.maxMc += input.contacts * s.costMc;
    v.expectedMc += calls * billedShare * s.costMc;
    v.expectedCalls += calls;
    vendors.set(s.vendor, v);
    // Operations sharing a rate group share one bucket of requests.
    const bucketId = s.spec.rateGroup ? `${s.vendor}:${s.spec.rateGroup}` : `${s.vendor}.${s.operation}`;
    const b = buckets.get(bucketId) ?? { calls: 0, windows: ctx.settings.rate_limits[`${s.vendor}.${s.operation}`] ?? s.spec.rateWindows };
    b.calls += calls;
    buckets.set(bucketId, b);
  }
  const perVendor = [...vendors.entries()].map(([vendor, v]) => ({ vendor, maxCents: centsOf(v.maxMc), expectedCents: centsOf(v.expectedMc), expectedCalls: Math.round(v.expectedCalls) }));
  const sum = (f: (v: { maxMc: number; expectedMc: number }) => number) => [...vendors.values()].reduce((a, v) => a + f(v), 0);
  return {
    contacts: input.contacts,
    groups: input.groups,
    maxCents: centsOf(sum((v) => v.maxMc)),
    expectedCents: centsOf(sum((v) => v.expectedMc)),
    perVendor,
    capRemainingCents: ctx.capRemainingCents,
    // Vendors are called in parallel: the slowest bucket sets the pace.
    seconds: Math.ceil([...buckets.values()].reduce((worst, b) => Math.max(worst, secondsFor(b.calls, b.windows)), 0)),
    basis: { cacheHitRate: ctx.history.cacheHitRate, historyRuns: ctx.history.runs },
  };
}

export async function estimate(
  deps: { db: Knex; adapters: ReadonlyMap<string, VendorAdapter>; credentials: Pick<CredentialStore, 'vendorsWithKeys'> },
  portalId: number,
  body: unknown,
): Promise<EstimateView> {
  const input = parseOr400(estimateSchema, body, 'invalid_body');
  const [settings, keyed, history, spend] = await Promise.all([
    loadSettings(deps.db, portalId),
    deps.credentials.vendorsWithKeys(portalId),
    observedHistory(deps.db, portalId),
    spendState(deps.db, portalId),
  ]);
  const dayCap = spend.caps.find((c) => c.scope === TOTAL && c.period === 'day');
  const capRemainingCents = dayCap ? Math.max(0, Math.floor((dayCap.capCents * 1000 - (spend.committedMc.get(`${TOTAL}/day`) ?? 0)) / 1000)) : null;
  return estimateFrom({ contacts: input.contacts, groups: [...new Set(input.groups)] }, { adapters: deps.adapters, settings, keyed, history, capRemainingCents });
}
