// The caps form's model: one row per scope (total, then each vendor) with a daily and a monthly cap
// in whole cents (null: no cap), and the mapping between the PUT's list and the form's cells so a
// problem reported on `caps.3.capCents` lands next to the right input.
import type { CapPeriod, PutCapsRequest, SettingsView } from '../api/contract.ts';

export interface CapRow {
  scope: string;
  label: string;
  day: number | null;
  month: number | null;
}

export const PERIODS: CapPeriod[] = ['day', 'month'];

export function capRows(settings: SettingsView): CapRow[] {
  const cap = (scope: string, period: CapPeriod) =>
    settings.caps.find((c) => c.scope === scope && c.period === period)?.capCents ?? null;
  return [
    { scope: 'total', label: 'Total (all vendors)' },
    ...settings.vendors.map((v) => ({ scope: v.id, label: v.name })),
  ].map((r) => ({ ...r, day: cap(r.scope, 'day'), month: cap(r.scope, 'month') }));
}

/** Current spend for a scope and period: the full spend list when the backend sends it, else the cap's own. */
export function spentFor(settings: SettingsView, scope: string, period: CapPeriod): number | null {
  const list = settings.spend ?? settings.caps;
  return list.find((s) => s.scope === scope && s.period === period)?.spentCents ?? null;
}

export const cellKey = (scope: string, period: CapPeriod) => `${scope}:${period}`;

/** The PUT body's caps, and for each index the cell it came from. */
export function capsRequest(rows: CapRow[]): { caps: PutCapsRequest['caps']; cells: string[] } {
  const caps: PutCapsRequest['caps'] = [];
  const cells: string[] = [];
  for (const r of rows) {
    for (const period of PERIODS) {
      const capCents = r[period];
      if (capCents === null) continue;
      caps.push({ scope: r.scope, period, capCents });
      cells.push(cellKey(r.scope, period));
    }
  }
  return { caps, cells };
}

/** A CurrencyInput's value (dollars, possibly empty or NaN) as whole cents or null for "no cap". */
export function capFromInput(dollars: number | null | undefined): number | null {
  return typeof dollars === 'number' && Number.isFinite(dollars) ? Math.round(dollars * 100) : null;
}
