import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EnvelopeError,
  KeyRing,
  decryptSecret,
  encryptSecret,
  keyFingerprint,
  lastFour,
  needsRewrap,
  parseEnvelope,
  rewrap,
  serializeEnvelope,
} from '../../server/security/envelope.ts';
import type { EnvelopeRecord } from '../../server/security/envelope.ts';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const ring1 = new KeyRing([k1]);
const AAD = 'portal:123|vendor:apollo';
const SECRET = 'fake-vendor-key-9f8e7d6c5b4a3210ZYXW';

/** Flips one bit in the decoded bytes of one base64 field. */
function tamper(record: EnvelopeRecord, field: keyof Omit<EnvelopeRecord, 'v' | 'kid'>, byte = 0): EnvelopeRecord {
  const buf = Buffer.from(record[field], 'base64');
  buf[byte] = (buf[byte] ?? 0) ^ 0x01;
  return { ...record, [field]: buf.toString('base64') };
}

function failure(fn: () => unknown): EnvelopeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EnvelopeError);
    return err as EnvelopeError;
  }
  throw new Error('expected a failure');
}

describe('envelope encryption', () => {
  it('round-trips, in object and string form', () => {
    const record = encryptSecret(ring1, SECRET, AAD);
    expect(record.v).toBe(1);
    expect(record.kid).toBe('k1');
    expect(decryptSecret(ring1, record, AAD)).toBe(SECRET);
    const compact = serializeEnvelope(record);
    expect(compact.startsWith('v1.k1.')).toBe(true);
    expect(parseEnvelope(compact)).toEqual(record);
    expect(decryptSecret(ring1, compact, AAD)).toBe(SECRET);
    expect(decryptSecret(ring1, JSON.parse(JSON.stringify(record)) as EnvelopeRecord, AAD)).toBe(SECRET);
  });

  it('round-trips the empty string', () => {
    const record = encryptSecret(ring1, '', AAD);
    expect(decryptSecret(ring1, serializeEnvelope(record), AAD)).toBe('');
  });

  it('fails under a different aad (a record copied to another portal or vendor row)', () => {
    const record = encryptSecret(ring1, SECRET, AAD);
    for (const other of ['portal:124|vendor:apollo', 'portal:123|vendor:hunter', 'portal:123|vendor:apollo ']) {
      const err = failure(() => decryptSecret(ring1, record, other));
      expect(err.code).toBe('decrypt_failed');
      expect(err.message).not.toContain(SECRET);
    }
  });

  it('rejects an empty aad', () => {
    expect(() => encryptSecret(ring1, SECRET, '')).toThrow(/aad/);
  });

  it('detects tampering with every encrypted field', () => {
    const record = encryptSecret(ring1, SECRET, AAD);
    for (const field of ['ciphertext', 'tag', 'iv', 'wrappedKey', 'wrapTag', 'wrapIv'] as const) {
      for (const byte of [0, 5]) {
        expect(failure(() => decryptSecret(ring1, tamper(record, field, byte), AAD)).code).toBe('decrypt_failed');
      }
    }
  });

  it('rejects truncated tags and malformed records without echoing them', () => {
    const record = encryptSecret(ring1, SECRET, AAD);
    const shortTag = Buffer.from(record.tag, 'base64').subarray(0, 12).toString('base64');
    expect(failure(() => decryptSecret(ring1, { ...record, tag: shortTag }, AAD)).code).toBe('malformed');
    expect(failure(() => decryptSecret(ring1, { ...record, ciphertext: 'not base64!' }, AAD)).code).toBe('malformed');
    expect(failure(() => decryptSecret(ring1, 'v2.k1.a.b.c.d.e.f', AAD)).code).toBe('malformed');
    expect(failure(() => decryptSecret(ring1, serializeEnvelope(record) + '.x', AAD)).code).toBe('malformed');
    expect(failure(() => parseEnvelope(null)).code).toBe('malformed');
    const bad = failure(() => decryptSecret(ring1, { ...record, kid: 'bad kid with spaces' }, AAD));
    expect(bad.code).toBe('malformed');
    expect(bad.message).not.toContain('bad kid');
  });

  it('names the missing key id, and nothing secret, when the key is not configured', () => {
    const record = encryptSecret(new KeyRing([{ id: 'retired-2024', key: randomBytes(32) }]), SECRET, AAD);
    const err = failure(() => decryptSecret(ring1, record, AAD));
    expect(err.code).toBe('unknown_key');
    expect(err.kid).toBe('retired-2024');
    expect(err.message).toContain('"retired-2024"');
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(record.wrappedKey);
    expect(err.message).not.toContain(k1.key.toString('base64'));
  });

  it('rotates: k2 becomes active, old records still decrypt, rewrap moves them without touching the ciphertext', () => {
    const record = encryptSecret(ring1, SECRET, AAD);
    const rotating = new KeyRing([k2, k1]);
    expect(decryptSecret(rotating, record, AAD)).toBe(SECRET);
    expect(needsRewrap(rotating, record)).toBe(true);
    expect(needsRewrap(ring1, record)).toBe(false);

    const moved = rewrap(rotating, record, AAD);
    expect(moved.kid).toBe('k2');
    expect(moved.ciphertext).toBe(record.ciphertext);
    expect(moved.iv).toBe(record.iv);
    expect(moved.tag).toBe(record.tag);
    expect(moved.wrappedKey).not.toBe(record.wrappedKey);
    expect(needsRewrap(rotating, moved)).toBe(false);

    const only2 = new KeyRing([k2]);
    expect(decryptSecret(only2, moved, AAD)).toBe(SECRET);
    expect(failure(() => decryptSecret(only2, record, AAD)).code).toBe('unknown_key');
    // the rewrapped record is still bound to its row
    expect(failure(() => decryptSecret(only2, moved, 'portal:999|vendor:apollo')).code).toBe('decrypt_failed');
  });

  it('rewrap keeps the string form and refuses a corrupt or foreign record', () => {
    const compact = serializeEnvelope(encryptSecret(ring1, SECRET, AAD));
    const rotating = new KeyRing([k2, k1]);
    const moved = rewrap(rotating, compact, AAD);
    expect(typeof moved).toBe('string');
    expect(moved.startsWith('v1.k2.')).toBe(true);
    expect(moved.split('.').slice(5)).toEqual(compact.split('.').slice(5));
    expect(decryptSecret(new KeyRing([k2]), moved, AAD)).toBe(SECRET);

    const record = parseEnvelope(compact);
    expect(failure(() => rewrap(rotating, tamper(record, 'ciphertext'), AAD)).code).toBe('decrypt_failed');
    expect(failure(() => rewrap(rotating, record, 'portal:1|vendor:apollo')).code).toBe('decrypt_failed');
  });

  it('never puts the plaintext in the stored record, raw or encoded', () => {
    const secret = 'hunter_' + randomBytes(16).toString('hex');
    const record = encryptSecret(ring1, secret, AAD);
    const stored = JSON.stringify(record) + serializeEnvelope(record);
    const plain = Buffer.from(secret, 'utf8');
    for (const form of [
      secret,
      plain.toString('base64'),
      plain.toString('base64url'),
      plain.toString('hex'),
      Buffer.from(secret.slice(1), 'utf8').toString('base64'),
      Buffer.from(secret.slice(2), 'utf8').toString('base64'),
    ]) {
      expect(stored).not.toContain(form.replace(/=+$/, ''));
    }
  });

  it('does not expose key material when a ring is logged or serialized', () => {
    const shown = JSON.stringify(ring1) + String(Object.values(ring1));
    expect(shown).not.toContain(k1.key.toString('base64'));
    expect(JSON.parse(JSON.stringify(ring1))).toEqual({ activeKid: 'k1', kids: ['k1'] });
  });

  it('validates the key ring', () => {
    expect(() => new KeyRing([])).toThrow(/at least one key/);
    expect(() => new KeyRing([{ id: 'a', key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new KeyRing([k1, { id: 'k1', key: randomBytes(32) }])).toThrow(/twice/);
    expect(() => new KeyRing([{ id: 'a.b', key: randomBytes(32) }])).toThrow(/key ids/);
  });

  it('refuses plaintext that is not well-formed Unicode rather than corrupting it', () => {
    expect(() => encryptSecret(ring1, 'abc\uD800def', AAD)).toThrow(/well-formed/);
  });

  it('property: arbitrary Unicode secrets round-trip, and two encryptions of one secret differ', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        (secret, aad) => {
          const a = encryptSecret(ring1, secret, aad);
          const b = encryptSecret(ring1, secret, aad);
          expect(decryptSecret(ring1, a, aad)).toBe(secret);
          expect(decryptSecret(ring1, serializeEnvelope(b), aad)).toBe(secret);
          expect(a.wrappedKey).not.toBe(b.wrappedKey);
          expect(a.iv).not.toBe(b.iv);
          if (secret.length > 0) expect(a.ciphertext).not.toBe(b.ciphertext);
          expect(serializeEnvelope(a)).not.toBe(serializeEnvelope(b));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('lastFour', () => {
  it('shows the last 4 characters of a long secret', () => {
    expect(lastFour('fake_key_abcdefa1b2')).toBe('a1b2');
    expect(lastFour('12345678')).toBe('5678');
  });

  it('shows nothing of a secret shorter than 8 characters', () => {
    for (const s of ['', 'a', 'abcd', 'abcdefg']) expect(lastFour(s)).toBe('');
  });

  it('property: never more than 4 characters, always a suffix, nothing for short secrets', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (secret) => {
        const shown = lastFour(secret);
        const chars = Array.from(secret);
        expect(Array.from(shown).length).toBeLessThanOrEqual(4);
        expect(secret.endsWith(shown)).toBe(true);
        if (chars.length < 8) expect(shown).toBe('');
        else expect(shown).toBe(chars.slice(-4).join(''));
      }),
      { numRuns: 500 },
    );
  });
});

describe('keyFingerprint', () => {
  it('is 16 hex characters, stable, and not the key', () => {
    const fp = keyFingerprint(SECRET);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(keyFingerprint(SECRET)).toBe(fp);
    expect(fp).not.toContain(SECRET.slice(-4));
  });

  it('property: stable for one key, different for different keys', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
        (a, b) => {
          expect(keyFingerprint(a)).toBe(keyFingerprint(a));
          if (a !== b) expect(keyFingerprint(a)).not.toBe(keyFingerprint(b));
        },
      ),
      { numRuns: 500 },
    );
  });
});
