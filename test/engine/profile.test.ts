import { describe, expect, it } from 'vitest';
import { groupSatisfied, mergeProfile } from '../../server/enrichment/profile.ts';

describe('canonical profile merge', () => {
  it('keeps the earlier vendor in waterfall order when it is sure enough', () => {
    let p = mergeProfile({}, { job_title: { value: 'VP Sales', confidence: 0.8 } }, 'apollo', 0.6);
    p = mergeProfile(p, { job_title: { value: 'Head of Sales', confidence: 0.95 } }, 'hunter', 0.6);
    expect(p.job_title).toMatchObject({ value: 'VP Sales', source: 'apollo' });
  });

  it('lets a surer later vendor replace a value below the confidence threshold', () => {
    let p = mergeProfile({}, { work_email: { value: 'a@x.com', confidence: 0.5 } }, 'apollo', 0.6);
    expect(groupSatisfied(p, 'email', 0.6)).toBe(false);
    p = mergeProfile(p, { work_email: { value: 'ada@x.com', confidence: 0.9 } }, 'hunter', 0.6);
    expect(p.work_email).toMatchObject({ value: 'ada@x.com', source: 'hunter' });
    expect(groupSatisfied(p, 'email', 0.6)).toBe(true);
  });

  it('an e-mail status reported in passing by a person match is not a verification', () => {
    let p = mergeProfile({}, { email_status: { value: 'valid', confidence: 0.95 } }, 'apollo', 0.6, ['email', 'person', 'company']);
    expect(groupSatisfied(p, 'email_verification', 0.6)).toBe(false);
    p = mergeProfile(p, { email_status: { value: 'risky', confidence: 0.7 } }, 'hunter', 0.6, ['email_verification']);
    expect(p.email_status).toMatchObject({ value: 'risky', source: 'hunter' });
    expect(groupSatisfied(p, 'email_verification', 0.6)).toBe(true);
  });

  it('ignores empty values, clamps confidences and drops fields it does not know', () => {
    const p = mergeProfile({}, { city: { value: '', confidence: 1 }, country: { value: 'France', confidence: 7 }, ...({ shoe_size: { value: '44', confidence: 1 } } as object) }, 'v', 0.6);
    expect(p).toEqual({ country: { value: 'France', confidence: 1, source: 'v' } });
  });
});
