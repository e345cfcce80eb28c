import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computePropertyChanges, PROPERTY_FOR } from '../../server/enrichment/write-policy.ts';
import type { CanonicalProfile } from '../../server/enrichment/profile.ts';
import { CANONICAL_FIELDS } from '../../server/vendors/types.ts';
import type { CanonicalField } from '../../server/vendors/types.ts';

const policy = (d: 'fill_if_empty' | 'overwrite' | 'never', fields: Partial<Record<CanonicalField, 'fill_if_empty' | 'overwrite' | 'never'>> = {}) => ({
  write_policy: { default: d, fields },
});
const profile: CanonicalProfile = {
  job_title: { value: 'VP Marketing', confidence: 0.9, source: 'apollo' },
  phone: { value: '+14155550100', confidence: 0.8, source: 'hunter' },
  city: { value: 'Boston', confidence: 0.8, source: 'apollo' },
};

describe('write policy', () => {
  it('fill_if_empty (the default) never overwrites what a person typed, fills what is empty', () => {
    const r = computePropertyChanges(profile, { jobtitle: 'Chief Evangelist', phone: '', city: null }, policy('fill_if_empty'));
    expect(r.changes).toEqual({ phone: '+14155550100', city: 'Boston' });
    expect(r.decisions.find((d) => d.property === 'jobtitle')).toMatchObject({ action: 'keep', reason: 'has_value' });
  });

  it('overwrite replaces differing values; a per-field "never" wins over the default', () => {
    const r = computePropertyChanges(profile, { jobtitle: 'Chief Evangelist', phone: '+1 000' }, policy('overwrite', { phone: 'never' }));
    expect(r.changes).toEqual({ jobtitle: 'VP Marketing', city: 'Boston' });
    expect(r.decisions.find((d) => d.field === 'phone')).toMatchObject({ action: 'keep', reason: 'policy_never' });
  });

  it('a per-field fill_if_empty protects one field under an overwrite default', () => {
    const r = computePropertyChanges(profile, { jobtitle: 'Chief Evangelist' }, policy('overwrite', { job_title: 'fill_if_empty' }));
    expect(r.changes.jobtitle).toBeUndefined();
  });

  it('property: never emits an empty string, never changes a non-empty value under fill_if_empty, every change is from the profile', () => {
    const value = fc.oneof(fc.constant(''), fc.constant('  '), fc.string({ maxLength: 12 }));
    const prof = fc.dictionary(fc.constantFrom(...CANONICAL_FIELDS), fc.record({ value, confidence: fc.double({ min: 0, max: 1, noNaN: true }), source: fc.constantFrom('apollo', 'hunter') }));
    const current = fc.dictionary(fc.constantFrom(...Object.values(PROPERTY_FOR)), fc.option(value, { nil: null }));
    fc.assert(
      fc.property(prof, current, fc.constantFrom('fill_if_empty', 'overwrite', 'never') as fc.Arbitrary<'fill_if_empty' | 'overwrite' | 'never'>, (p, cur, d) => {
        const { changes } = computePropertyChanges(p as CanonicalProfile, cur, policy(d));
        for (const [prop, v] of Object.entries(changes)) {
          expect(v.trim()).not.toBe('');
          const field = (Object.keys(PROPERTY_FOR) as CanonicalField[]).find((f) => PROPERTY_FOR[f] === prop)!;
          expect(p[field]?.value).toBe(v);
          const existing = cur[prop];
          if (d === 'fill_if_empty' && existing && existing.trim() !== '') throw new Error(`overwrote ${prop}`);
        }
        if (d === 'never') expect(changes).toEqual({});
      }),
      { numRuns: 500 },
    );
  });
});
