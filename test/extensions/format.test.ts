import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newRequestId, uuidV4 } from '../../extensions/src/api/request-id.ts';
import {
  dollarsToCents,
  eventTypeLabel,
  formatCents,
  formatDateTime,
  formatDuration,
  formatPercent,
  humanize,
  lastDays,
} from '../../extensions/src/format.ts';
import { capFromInput } from '../../extensions/src/settings/caps-form.ts';

/** "$1,234.56789" → millicents, by string arithmetic (no float on the way back). */
function parseMillicents(s: string): number {
  const m = /^(-?)\$(\d{1,3}(?:,\d{3})*)\.(\d{2,5})$/.exec(s);
  if (!m) throw new Error(`not a money string: ${s}`);
  const dollars = Number(m[2]!.replace(/,/g, ''));
  const frac = Number(m[3]!.padEnd(5, '0'));
  return (m[1] ? -1 : 1) * (dollars * 100_000 + frac);
}

describe('formatCents', () => {
  it.each([
    [0, '$0.00'],
    [5, '$0.05'],
    [123, '$1.23'],
    [5000, '$50.00'],
    [123456789, '$1,234,567.89'],
    [0.5, '$0.005'],
    [0.25, '$0.0025'],
    [1.001, '$0.01001'],
    [42000.5, '$420.005'],
    [-150, '-$1.50'],
    [Number.NaN, '—'],
  ])('%s cents → %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it('is exact to the millicent and shows whole cents with exactly two decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (mc) => {
        const text = formatCents(mc / 1000);
        expect(parseMillicents(text)).toBe(mc === 0 ? 0 : mc); // -0 parses as 0
        if (mc % 1000 === 0) expect(text).toMatch(/\.\d{2}$/);
        else expect(text).not.toMatch(/0$/); // no padding beyond what the amount needs
      }),
    );
  });

  it('never rounds a nonzero fraction of a cent down to $0.00', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999 }), (mc) => {
        expect(formatCents(mc / 1000)).not.toBe('$0.00');
      }),
    );
  });
});

describe('dollar inputs', () => {
  it('turn any two-decimal dollar amount into exact whole cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e10 }), (cents) => {
        expect(dollarsToCents(cents / 100)).toBe(cents);
        expect(capFromInput(cents / 100)).toBe(cents);
      }),
    );
  });

  it('treat an empty or invalid currency input as "no cap"', () => {
    expect(capFromInput(undefined)).toBeNull();
    expect(capFromInput(null)).toBeNull();
    expect(capFromInput(Number.NaN)).toBeNull();
    expect(capFromInput(0)).toBe(0);
  });
});

describe('other formats', () => {
  it('formats rates, times, durations and labels', () => {
    expect(formatPercent(0.873)).toBe('87%');
    expect(formatPercent(0.873, 1)).toBe('87.3%');
    expect(formatDateTime('2025-03-04T13:05:59.999Z')).toBe('2025-03-04 13:05 UTC');
    expect(formatDateTime('2025-03-04T15:05:00+02:00')).toBe('2025-03-04 13:05 UTC');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('garbage')).toBe('garbage');
    expect([45, 720, 5400, 12_000, 86_400 * 2 + 3600 * 4].map(formatDuration)).toEqual(['45 s', '12 min', '1 h 30 min', '3 h 20 min', '2 d 4 h']);
    expect(humanize('job_title')).toBe('Job title');
    expect(eventTypeLabel('settings.caps_changed')).toBe('Settings: caps changed');
    expect(eventTypeLabel('run.finished')).toBe('Run: finished');
  });

  it('counts date presets in whole UTC days, inclusive of today', () => {
    expect(lastDays(7, new Date('2025-03-04T23:59:00Z'))).toEqual({ from: '2025-02-26', to: '2025-03-04' });
    expect(lastDays(2, new Date('2024-03-01T00:00:00Z'))).toEqual({ from: '2024-02-29', to: '2024-03-01' });
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.integer({ min: 1, max: 92 }), (now, days) => {
        const { from, to } = lastDays(days, now);
        expect(to).toBe(now.toISOString().slice(0, 10));
        expect((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000).toBe(days - 1);
      }),
    );
  });
});

describe('request ids', () => {
  const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('are RFC 4122 v4-shaped for any random source', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 32, maxLength: 32 }), (values) => {
        let i = 0;
        expect(uuidV4(() => values[i++]!)).toMatch(V4);
      }),
    );
  });

  it('differ between clicks', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newRequestId()));
    expect(ids.size).toBe(1000);
    expect(uuidV4()).toMatch(V4);
  });
});
