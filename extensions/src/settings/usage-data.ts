// Shapes UsageView for the charts: one row per (day, vendor) with dollars for the stacked BarChart,
// one row per day with the hit rate in percent for the LineChart. Days sort as YYYY-MM-DD strings.
import type { UsageView } from '../api/contract.ts';

export interface SpendRow {
  [key: string]: string | number;
  day: string;
  vendor: string;
  dollars: number;
}

export interface HitRateRow {
  [key: string]: string | number;
  day: string;
  hitRate: number;
}

export function spendChartData(usage: UsageView, vendorName: (id: string) => string): SpendRow[] {
  return usage.spendByDay
    .map((r) => ({ day: r.day, vendor: vendorName(r.vendor), dollars: Math.round(r.cents) / 100 }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.vendor.localeCompare(b.vendor));
}

export function hitRateChartData(usage: UsageView): HitRateRow[] {
  return usage.cacheByDay
    .map((r) => ({ day: r.day, hitRate: Math.round(r.hitRate * 1000) / 10 }))
    .sort((a, b) => a.day.localeCompare(b.day));
}
