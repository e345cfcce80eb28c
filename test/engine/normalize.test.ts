import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalEmailStatus, normalizeDomain, normalizeEmail, normalizeLinkedinUrl, normalizeName, normalizePhone } from '../../server/vendors/normalize.ts';
import { lookupHash } from '../../server/enrichment/cache.ts';

const anything = fc.anything();

describe('normalizers', () => {
  it('never throw, whatever they are given', () => {
    fc.assert(
      fc.property(anything, (x) => {
        for (const f of [normalizeEmail, normalizeDomain, normalizeName, normalizeLinkedinUrl, normalizePhone, canonicalEmailStatus]) f(x);
      }),
      { numRuns: 1000 },
    );
  });

  it('are idempotent: a normalized value normalizes to itself (stable cache keys)', () => {
    fc.assert(
      fc.property(fc.string(), fc.webUrl(), fc.emailAddress(), (s, url, email) => {
        for (const f of [normalizeEmail, normalizeDomain, normalizeName, normalizeLinkedinUrl, normalizePhone]) {
          for (const input of [s, url, email]) {
            const once = f(input);
            if (once !== undefined) expect(f(once)).toBe(once);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('map every spelling of the same e-mail and domain to one lookup key', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom('', ' ', '\t'), fc.boolean(), (email, pad, upper) => {
        const variant = pad + (upper ? email.toUpperCase() : email) + pad;
        const a = normalizeEmail(email);
        const b = normalizeEmail(variant);
        expect(b).toBe(a);
        if (a) expect(lookupHash('hunter', 'email_verifier', `email:${a}`)).toBe(lookupHash('hunter', 'email_verifier', `email:${b}`));
      }),
    );
    for (const d of ['https://www.Acme.com/about?x=1', 'ACME.COM', 'acme.com.', 'http://acme.com:8080', 'ada@acme.com', 'www.acme.com']) {
      expect(normalizeDomain(d)).toBe('acme.com');
    }
  });

  it('reject what is not a value of the kind', () => {
    for (const bad of ['', 'not an email', 'a@b', '@acme.com', 'ada@', 'ada@@acme.com']) expect(normalizeEmail(bad)).toBeUndefined();
    for (const bad of ['', 'localhost', 'http://', '-acme.com', 'acme..com']) expect(normalizeDomain(bad)).toBeUndefined();
    expect(normalizePhone('12')).toBeUndefined();
    expect(normalizeName('   ')).toBeUndefined();
    expect(normalizeName('1234')).toBeUndefined();
  });

  it('canonical e-mail status covers the vendor vocabularies', () => {
    expect(canonicalEmailStatus('verified')).toBe('valid');
    expect(canonicalEmailStatus('accept_all')).toBe('risky');
    expect(canonicalEmailStatus('catch-all')).toBe('risky');
    expect(canonicalEmailStatus('bounced')).toBe('invalid');
    expect(canonicalEmailStatus('spamtrap')).toBe('do_not_use');
    expect(canonicalEmailStatus(42)).toBe('unknown');
  });
});
