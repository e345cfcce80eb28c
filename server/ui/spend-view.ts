// The portal's caps with what was spent against each in its current period (today, this month),
// and whether each is reached: the card's "spend today vs cap" and banner, the settings page's caps.
import type { Knex } from 'knex';
import type { CapPeriod, CapView } from '../../extensions/src/api/contract.ts';
import { TOTAL, periodKeys, spendOverview } from '../enrichment/spend.ts';
import { centsOf } from './money.ts';

export interface CapState extends CapView {
  reached: boolean;
}

export interface SpendState {
  caps: CapState[];
  /** Spent today across vendors (millicents). */
  totalTodayMc: number;
  /** Spent plus held for calls in flight, per "scope/period" in the current period (millicents). */
  committedMc: Map<string, number>;
  /** Spent in the current period by every scope with spend, capped or not. */
  spent: { scope: string; period: CapPeriod; spentCents: number }[];
}

export async function spendState(db: Knex, portalId: number, now = new Date()): Promise<SpendState> {
  const keys = periodKeys(now);
  const [lines, caps, alerts] = await Promise.all([
    spendOverview(db, portalId, now),
    db('spend_caps').where({ portal_id: portalId }).orderBy(['scope', 'period']).select('scope', 'period', 'cap_cents') as Promise<{ scope: string; period: CapPeriod; cap_cents: number | string }[]>,
    db('cap_alerts')
      .where({ portal_id: portalId })
      .andWhere((q) => q.where({ period: 'day', period_key: keys.day }).orWhere({ period: 'month', period_key: keys.month }))
      .select('scope', 'period', 'cap_cents') as Promise<{ scope: string; period: CapPeriod; cap_cents: number | string }[]>,
  ]);
  const line = (scope: string, period: string) => lines.find((l) => l.scope === scope && l.period === period);
  const committedMc = new Map(lines.map((l) => [`${l.scope}/${l.period}`, l.spentMc + l.reservedMc]));
  const states: CapState[] = caps.map((c) => {
    const capCents = Number(c.cap_cents);
    const spentMc = line(c.scope, c.period)?.spentMc ?? 0;
    // The engine records an alert when a call would have crossed the cap; a cap raised since then
    // is not reached any more.
    const alerted = alerts.some((a) => a.scope === c.scope && a.period === c.period && Number(a.cap_cents) >= capCents);
    return { scope: c.scope, period: c.period, capCents, spentCents: centsOf(spentMc), reached: alerted || spentMc >= capCents * 1000 };
  });
  // Sorted for display: the total first, then vendors; day before month.
  states.sort((a, b) => Number(b.scope === TOTAL) - Number(a.scope === TOTAL) || a.scope.localeCompare(b.scope) || a.period.localeCompare(b.period));
  const spent = lines.map((l) => ({ scope: l.scope, period: l.period, spentCents: centsOf(l.spentMc) }));
  return { caps: states, totalTodayMc: line(TOTAL, 'day')?.spentMc ?? 0, committedMc, spent };
}
