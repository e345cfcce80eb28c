// Spend caps: money is reserved before a billable call and settled after it, with one conditional
// UPDATE per counter (`spent + reserved + cost <= cap`), so concurrent runs on any number of
// processes can never push a counter past its cap. Counters are taken in a fixed order, so two
// reservations never deadlock.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export type Period = 'day' | 'month';
export const TOTAL = 'total';

export interface PeriodKeys {
  day: string;
  month: string;
}

/** Caps reset at UTC midnight and on the first of the month (UTC). */
export function periodKeys(now: Date): PeriodKeys {
  const iso = now.toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

interface CounterRef {
  scope: string;
  period: Period;
  periodKey: string;
}

function countersFor(vendor: string, keys: PeriodKeys): CounterRef[] {
  // Sorted: every transaction locks counter rows in this same order.
  return [
    { scope: TOTAL, period: 'day' as const, periodKey: keys.day },
    { scope: TOTAL, period: 'month' as const, periodKey: keys.month },
    { scope: vendor, period: 'day' as const, periodKey: keys.day },
    { scope: vendor, period: 'month' as const, periodKey: keys.month },
  ].sort((a, b) => (a.scope + a.period).localeCompare(b.scope + b.period));
}

export interface CapHit {
  scope: string;
  period: Period;
  periodKey: string;
  capCents: number;
}

export type ReserveResult = { ok: true; reservationId: string } | { ok: false; cap: CapHit };

class CapWouldBeCrossed extends Error {
  readonly cap: CapHit;
  constructor(cap: CapHit) {
    super('cap would be crossed');
    this.cap = cap;
  }
}

export interface ReserveRequest {
  portalId: number;
  vendor: string;
  amountMc: number;
  runId?: string;
  stepId?: string;
  now?: Date;
}

/**
 * Reserves `amountMc` against the portal's total and vendor caps for today and this month. When
 * `within` is given it runs in the same transaction, so whatever it writes exists only if the
 * money was reserved (and vice versa).
 */
export async function reserveSpend(
  db: Knex,
  req: ReserveRequest,
  within?: (trx: Knex.Transaction, reservationId: string) => Promise<void>,
): Promise<ReserveResult> {
  const keys = periodKeys(req.now ?? new Date());
  try {
    return await db.transaction(async (trx) => {
      const caps = (await trx('spend_caps')
        .where({ portal_id: req.portalId })
        .whereIn('scope', [TOTAL, req.vendor])
        .select('scope', 'period', 'cap_cents')) as { scope: string; period: Period; cap_cents: number }[];
      // Only capped counters need the money held back; uncapped ones are told the spend at settle.
      const capped = countersFor(req.vendor, keys)
        .map((c) => ({ ...c, cap: caps.find((x) => x.scope === c.scope && x.period === c.period) }))
        .filter((c) => c.cap !== undefined);
      if (capped.length) {
        await trx('spend_counters')
          .insert(capped.map((c) => ({ portal_id: req.portalId, scope: c.scope, period: c.period, period_key: c.periodKey })))
          .onConflict(['portal_id', 'scope', 'period', 'period_key'])
          .ignore();
      }
      for (const c of capped) {
        const capMc = Number(c.cap!.cap_cents) * 1000;
        const updated = await trx('spend_counters')
          .where({ portal_id: req.portalId, scope: c.scope, period: c.period, period_key: c.periodKey })
          .andWhereRaw('spent_mc + reserved_mc + ? <= ?', [req.amountMc, capMc])
          .increment('reserved_mc', req.amountMc);
        if (updated !== 1) throw new CapWouldBeCrossed({ scope: c.scope, period: c.period, periodKey: c.periodKey, capCents: Number(c.cap!.cap_cents) });
      }
      const reservationId = randomUUID();
      await trx('spend_reservations').insert({
        id: reservationId,
        portal_id: req.portalId,
        run_id: req.runId ?? null,
        step_id: req.stepId ?? null,
        vendor: req.vendor,
        day_key: keys.day,
        month_key: keys.month,
        amount_mc: req.amountMc,
        reserved_on: capped.map((c) => `${c.scope}/${c.period}`).join(','),
      });
      if (within) await within(trx, reservationId);
      return { ok: true as const, reservationId };
    });
  } catch (err) {
    if (err instanceof CapWouldBeCrossed) return { ok: false, cap: err.cap };
    throw err;
  }
}

/**
 * Turns a reservation into spend (`chargedMc`, 0 when the vendor did not bill) and frees the rest.
 * Idempotent: settling twice changes nothing the second time.
 */
export async function settleSpend(trx: Knex | Knex.Transaction, reservationId: string, chargedMc: number): Promise<void> {
  const rows = await trx('spend_reservations')
    .where({ id: reservationId, state: 'reserved' })
    .update({ state: chargedMc > 0 ? 'settled' : 'released', charged_mc: chargedMc, settled_at: trx.fn.now() })
    .returning(['portal_id', 'vendor', 'day_key', 'month_key', 'amount_mc', 'reserved_on']);
  const r = rows[0] as
    | { portal_id: number; vendor: string; day_key: string; month_key: string; amount_mc: number; reserved_on: string }
    | undefined;
  if (!r) return;
  const charged = Math.min(chargedMc, Number(r.amount_mc));
  const held = new Set(r.reserved_on ? r.reserved_on.split(',') : []);
  for (const c of countersFor(r.vendor, { day: r.day_key, month: r.month_key })) {
    const where = { portal_id: r.portal_id, scope: c.scope, period: c.period, period_key: c.periodKey };
    if (held.has(`${c.scope}/${c.period}`)) {
      await trx('spend_counters')
        .where(where)
        .update({ reserved_mc: trx.raw('reserved_mc - ?', [Number(r.amount_mc)]), spent_mc: trx.raw('spent_mc + ?', [charged]) });
    } else if (charged > 0) {
      await trx('spend_counters')
        .insert({ ...where, spent_mc: charged })
        .onConflict(['portal_id', 'scope', 'period', 'period_key'])
        .merge({ spent_mc: trx.raw('spend_counters.spent_mc + ?', [charged]) });
    }
  }
}

/** Records a cap hit once per portal/scope/period; true only for the caller that recorded it. */
export async function recordCapAlert(db: Knex | Knex.Transaction, portalId: number, cap: CapHit): Promise<boolean> {
  const inserted = await db('cap_alerts')
    .insert({ portal_id: portalId, scope: cap.scope, period: cap.period, period_key: cap.periodKey, cap_cents: cap.capCents })
    .onConflict(['portal_id', 'scope', 'period', 'period_key'])
    .ignore()
    .returning('portal_id');
  return inserted.length === 1;
}

export interface CapSetting {
  scope: string;
  period: Period;
  capCents: number;
}

export async function setCaps(db: Knex, portalId: number, caps: CapSetting[]): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('spend_caps').where({ portal_id: portalId }).delete();
    if (caps.length) {
      await trx('spend_caps').insert(
        caps.map((c) => ({ portal_id: portalId, scope: c.scope, period: c.period, cap_cents: c.capCents })),
      );
    }
  });
}

export interface SpendLine {
  scope: string;
  period: Period;
  periodKey: string;
  spentMc: number;
  reservedMc: number;
  capCents: number | null;
}

/** Today's and this month's counters with their caps, for the demo summary and the dashboard. */
export async function spendOverview(db: Knex, portalId: number, now = new Date()): Promise<SpendLine[]> {
  const keys = periodKeys(now);
  const rows = await db('spend_counters as c')
    .leftJoin('spend_caps as k', function () {
      this.on('k.portal_id', 'c.portal_id').andOn('k.scope', 'c.scope').andOn('k.period', 'c.period');
    })
    .where('c.portal_id', portalId)
    .andWhere((q) => q.where({ 'c.period': 'day', 'c.period_key': keys.day }).orWhere({ 'c.period': 'month', 'c.period_key': keys.month }))
    .select('c.scope', 'c.period', 'c.period_key', 'c.spent_mc', 'c.reserved_mc', 'k.cap_cents')
    .orderBy(['c.scope', 'c.period']);
  return rows.map((r) => ({
    scope: r.scope,
    period: r.period,
    periodKey: r.period_key,
    spentMc: Number(r.spent_mc),
    reservedMc: Number(r.reserved_mc),
    capCents: r.cap_cents === null || r.cap_cents === undefined ? null : Number(r.cap_cents),
  }));
}


/** What a billed answer costs: its share of the price reserved for it, never more than that. */
export function chargeFor(reservedMc: number, share: number | undefined): number {
  if (share === undefined || !Number.isFinite(share) || share >= 1) return reservedMc;
  return Math.max(0, Math.round(reservedMc * Math.max(0, share)));
}
