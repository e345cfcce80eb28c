// The usage dashboard over a date range (UTC days, at most 92): spend per vendor per day from the
// step ledger (what was billed), cache hit rate and the money the cache saved (a step served from
// the cache saved what the vendor would have billed for that answer at the portal's price), each
// vendor's calls and hit rate, and how often each field was filled when its group was asked for.
// Aggregated in SQL (GROUP BY over the portal's rows in range), so the answer stays small and fast.
import { z } from 'zod';
import type { Knex } from 'knex';
import type { UsageView } from '../../extensions/src/api/contract.ts';
import { CANONICAL_FIELDS } from '../vendors/types.ts';
import type { VendorAdapter } from '../vendors/types.ts';
import { GROUP_FIELDS } from '../enrichment/profile.ts';
import { loadSettings } from '../enrichment/settings.ts';
import type { PortalSettings } from '../enrichment/settings.ts';
import { operationCostMc } from './settings-view.ts';
import { UiError, parseOr400 } from './ui-request.ts';
import { centsOf } from './money.ts';

export const MAX_USAGE_DAYS = 92;
const DAY_MS = 86_400_000;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'is not a calendar date');
const rangeSchema = z.object({ from: day.optional(), to: day.optional() });

export interface DayRange {
  from: string;
  to: string;
  /** [start, end) as instants: from 00:00 UTC to the day after `to`. */
  start: Date;
  end: Date;
  days: string[];
}

/** from/to (inclusive, UTC); default the last 30 days; at most 92 days. */
export function dayRange(query: Record<string, string>, now = new Date()): DayRange {
  const q = parseOr400(rangeSchema, { from: query.from, to: query.to }, 'invalid_query', 'query');
  const to = q.to ?? now.toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  const n = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  if (n < 1) throw new UiError(400, 'invalid_query', 'query.to: must not be before from', { field: 'query.to' });
  if (n > MAX_USAGE_DAYS) throw new UiError(400, 'invalid_query', `query.to: the range may span at most ${MAX_USAGE_DAYS} days`, { field: 'query.to' });
  const days = Array.from({ length: n }, (_, i) => new Date(start.getTime() + i * DAY_MS).toISOString().slice(0, 10));
  return { from, to, start, end, days };
}

const DAY_SQL = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

interface VendorDayRow {
  day: string;
  vendor: string;
  billed_mc: string | number | null;
  calls: string | number;
  hits: string | number;
  answered: string | number;
  cache_hits: string | number;
}

interface CacheRow {
  day: string;
  vendor: string;
  operation: string;
  outcome: string | null;
  n: string | number;
}

/** What a cached answer would have cost from the vendor: its price when the vendor bills that answer. */
function savedMc(adapters: ReadonlyMap<string, VendorAdapter>, settings: PortalSettings, r: CacheRow): number {
  const adapter = adapters.get(r.vendor);
  const op = adapter?.operations[r.operation];
  if (!adapter || !op) return 0;
  const billed = r.outcome === 'hit' || op.billing.chargesOnMiss;
  return billed ? operationCostMc(settings, adapter, r.operation) * Number(r.n) : 0;
}

async function coverage(db: Knex, portalId: number, range: DayRange): Promise<UsageView['coverage']> {
  const finished = `SELECT groups, summary FROM enrichment_runs WHERE portal_id = ? AND state = 'done' AND finished_at >= ? AND finished_at < ?`;
  const bounds = [portalId, range.start, range.end];
  const fieldGroups = CANONICAL_FIELDS.map((f) => [f, Object.entries(GROUP_FIELDS).find(([, fs]) => fs.includes(f))?.[0] ?? '']);
  const values = fieldGroups.map(() => '(?::text, ?::text)').join(', ');
  const [asked, filled] = await Promise.all([
    db.raw(`SELECT g AS grp, count(*) AS n FROM (${finished}) r, jsonb_array_elements_text(r.groups) g GROUP BY g`, bounds),
    // A field counts as filled only for runs that asked for its group (not one found in passing).
    db.raw(
      `SELECT m.field, count(*) AS n
         FROM (${finished}) r
         CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(r.summary->'fieldsFilled', '[]'::jsonb)) f(field)
         JOIN (VALUES ${values}) m(field, grp) ON m.field = f.field
        WHERE r.groups @> jsonb_build_array(m.grp)
        GROUP BY m.field`,
      [...bounds, ...fieldGroups.flat()],
    ),
  ]);
  const askedBy = new Map((asked.rows as { grp: string; n: string }[]).map((r) => [r.grp, Number(r.n)]));
  const filledBy = new Map((filled.rows as { field: string; n: string }[]).map((r) => [r.field, Number(r.n)]));
  return fieldGroups
    .map(([field, grp]) => {
      const a = askedBy.get(grp as string) ?? 0;
      const f = filledBy.get(field as string) ?? 0;
      return { field: field as string, filled: f, asked: a, rate: a ? f / a : 0 };
    })
    .filter((c) => c.asked > 0);
}

export async function usageView(db: Knex, adapters: ReadonlyMap<string, VendorAdapter>, portalId: number, query: Record<string, string>): Promise<UsageView> {
  const range = dayRange(query);
  const inRange = (q: Knex.QueryBuilder) => q.where('portal_id', portalId).andWhere('created_at', '>=', range.start).andWhere('created_at', '<', range.end);
  const [settings, vendorDays, cacheRows, runs, cov] = await Promise.all([
    loadSettings(db, portalId),
    inRange(db('run_steps'))
      .select(
        db.raw(`${DAY_SQL} AS day`),
        'vendor',
        db.raw('SUM(CASE WHEN billed THEN cost_mc ELSE 0 END) AS billed_mc'),
        db.raw(`COUNT(*) FILTER (WHERE source = 'vendor' AND http_calls > 0) AS calls`),
        db.raw(`COUNT(*) FILTER (WHERE source = 'vendor' AND outcome = 'hit') AS hits`),
        db.raw(`COUNT(*) FILTER (WHERE source = 'vendor' AND outcome IN ('hit', 'miss')) AS answered`),
        db.raw(`COUNT(*) FILTER (WHERE source = 'cache') AS cache_hits`),
      )
      .groupByRaw('1, 2') as Promise<VendorDayRow[]>,
    inRange(db('run_steps'))
      .where('source', 'cache')
      .select(db.raw(`${DAY_SQL} AS day`), 'vendor', 'operation', 'outcome', db.raw('COUNT(*) AS n'))
      .groupByRaw('1, 2, 3, 4') as Promise<CacheRow[]>,
    inRange(db('enrichment_runs')).count<{ n: string }[]>('* AS n'),
    coverage(db, portalId, range),
  ]);

  const spendByDay = vendorDays
    .filter((r) => Number(r.billed_mc ?? 0) > 0 || Number(r.calls) > 0)
    .map((r) => ({ day: r.day, vendor: r.vendor, cents: centsOf(r.billed_mc) }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.vendor.localeCompare(b.vendor));

  const perVendor = new Map<string, { calls: number; hits: number; answered: number; billedMc: number; cacheHits: number }>();
  const perDay = new Map<string, { calls: number; cacheHits: number; savedMc: number }>();
  for (const r of vendorDays) {
    const v = perVendor.get(r.vendor) ?? { calls: 0, hits: 0, answered: 0, billedMc: 0, cacheHits: 0 };
    v.calls += Number(r.calls);
    v.hits += Number(r.hits);
    v.answered += Number(r.answered);
    v.billedMc += Number(r.billed_mc ?? 0);
    v.cacheHits += Number(r.cache_hits);
    perVendor.set(r.vendor, v);
    const d = perDay.get(r.day) ?? { calls: 0, cacheHits: 0, savedMc: 0 };
    d.calls += Number(r.calls);
    d.cacheHits += Number(r.cache_hits);
    perDay.set(r.day, d);
  }
  let totalSavedMc = 0;
  for (const r of cacheRows) {
    const mc = savedMc(adapters, settings, r);
    totalSavedMc += mc;
    const d = perDay.get(r.day) ?? { calls: 0, cacheHits: 0, savedMc: 0 };
    d.savedMc += mc;
    perDay.set(r.day, d);
  }
  const rate = (hits: number, of: number) => (of > 0 ? hits / of : 0);
  const totalCalls = [...perVendor.values()].reduce((s, v) => s + v.calls, 0);
  const totalCache = [...perVendor.values()].reduce((s, v) => s + v.cacheHits, 0);
  const totalBilledMc = [...perVendor.values()].reduce((s, v) => s + v.billedMc, 0);
  return {
    from: range.from,
    to: range.to,
    totals: { runs: Number(runs[0]?.n ?? 0), spentCents: centsOf(totalBilledMc), savedCents: centsOf(totalSavedMc), cacheHitRate: rate(totalCache, totalCache + totalCalls) },
    spendByDay,
    cacheByDay: range.days.map((d) => {
      const x = perDay.get(d) ?? { calls: 0, cacheHits: 0, savedMc: 0 };
      return { day: d, hitRate: rate(x.cacheHits, x.cacheHits + x.calls), savedCents: centsOf(x.savedMc) };
    }),
    vendors: [...perVendor.entries()]
      .filter(([, v]) => v.calls > 0 || v.cacheHits > 0 || v.billedMc > 0)
      .map(([vendor, v]) => ({ vendor, calls: v.calls, hits: v.hits, hitRate: rate(v.hits, v.answered), spentCents: centsOf(v.billedMc), cacheHits: v.cacheHits }))
      .sort((a, b) => a.vendor.localeCompare(b.vendor)),
    coverage: cov,
  };
}
