// Display helpers shared by the card and the settings page. Pure functions, no Intl: the extension
// sandbox's locale data is not something to depend on, and tests need exact strings.
import type { CapPeriod, FieldGroup, OnCap, RunStatus, WritePolicy } from './api/contract.ts';

/**
 * Dollars from cents. Whole cents show two decimals ("$1,234.50"); a fraction of a cent (vendor
 * prices like 0.5 ¢) shows as many decimals as it needs, down to the engine's millicent, so a
 * price is never rounded to "$0.01" or "$0.00": 0.5 → "$0.005", 0.25 → "$0.0025".
 */
export function formatCents(cents: number): string {
  if (!Number.isFinite(cents)) return '—';
  const mc = Math.round(Math.abs(cents) * 1000); // millicents: 100,000 per dollar
  const dollars = Math.floor(mc / 100_000);
  let frac = String(mc % 100_000).padStart(5, '0');
  while (frac.length > 2 && frac.endsWith('0')) frac = frac.slice(0, -1);
  const sign = cents < 0 && mc > 0 ? '-' : '';
  return `${sign}$${groupThousands(dollars)}.${frac}`;
}

function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Whole cents from a dollar amount typed by a user (CurrencyInput gives dollars). */
export function dollarsToCents(dollars: number): number {
  return Math.round(dollars * 100);
}

export function centsToDollars(cents: number): number {
  return cents / 100;
}

/** 0.873 → "87%"; with digits=1 → "87.3%". */
export function formatPercent(rate: number, digits = 0): string {
  if (!Number.isFinite(rate)) return '—';
  return `${(rate * 100).toFixed(digits)}%`;
}

/** ISO timestamp → "2025-03-04 13:05 UTC" (the portal's users are in many time zones; UTC is unambiguous). */
export function formatDateTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Seconds → "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** snake_case → "Sentence case". */
export function humanize(id: string): string {
  const words = id.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : id;
}

/** An audit event type: "settings.caps_changed" → "Settings: caps changed". */
export function eventTypeLabel(type: string): string {
  const [head, ...rest] = type.split('.');
  const tail = rest.join(' ').replace(/[_-]+/g, ' ').trim();
  return tail ? `${humanize(head ?? '')}: ${tail}` : humanize(type);
}

export const GROUP_LABELS: Record<FieldGroup, string> = {
  email: 'Email',
  email_verification: 'Email verification',
  person: 'Person',
  company: 'Company',
  phone: 'Phone',
};

export const STATUS_LABELS: Record<RunStatus, string> = {
  enriched: 'Enriched',
  partial: 'Partly enriched',
  not_found: 'Not found',
  cap_reached: 'Cap reached',
  suppressed: 'Suppressed',
  failed: 'Failed',
};

export const STATUS_VARIANTS: Record<RunStatus, 'success' | 'warning' | 'info' | 'danger' | 'default'> = {
  enriched: 'success',
  partial: 'info',
  not_found: 'default',
  cap_reached: 'warning',
  suppressed: 'warning',
  failed: 'danger',
};

export const POLICY_LABELS: Record<WritePolicy, string> = {
  fill_if_empty: 'Fill only if empty',
  overwrite: 'Overwrite',
  never: 'Never write',
};

export const ON_CAP_LABELS: Record<OnCap, string> = {
  skip_vendor: 'Skip the capped vendor, continue with the others',
  pause: 'Pause enrichment until the period resets',
};

export function periodLabel(period: CapPeriod): string {
  return period === 'day' ? 'today' : 'this month';
}

/** "total" → "Total"; a vendor id → the vendor's display name when known. */
export function scopeLabel(scope: string, vendorNames: Record<string, string> = {}): string {
  return scope === 'total' ? 'Total' : (vendorNames[scope] ?? scope);
}

/** UTC calendar days: the `days`-day window ending today, inclusive. */
export function lastDays(days: number, now: Date): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  return { from: start.toISOString().slice(0, 10), to };
}
