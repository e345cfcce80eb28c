// The signed query of a /ui request: whatever the extension and HubSpot put in it, a key that comes
// twice with different values is refused (a portal id HubSpot appended that disagrees with the
// extension's is someone editing the URL), and a well-formed query reads back exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UiError, fieldPath, identityOf, parseSignedQuery } from '../../server/ui/ui-request.ts';

const key = fc.oneof(fc.constantFrom('portalId', 'userId', 'appId', 'contactId', 'from', 'to', '__proto__', 'constructor'), fc.string({ minLength: 1, maxLength: 12 }));
const value = fc.string({ maxLength: 20 });
const encode = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();

const refusal = (search: string, appId?: string): UiError => {
  try {
    identityOf(search, appId);
  } catch (err) {
    if (err instanceof UiError) return err;
    throw err;
  }
  throw new Error(`accepted: ${search}`);
};

describe('signed query', () => {
  it('reads a query of distinct keys back exactly, with or without echoed repeats (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 8 }), fc.array(fc.nat(), { maxLength: 4 }), (record, echoes) => {
        const pairs = Object.entries(record);
        // HubSpot echoing a key with the same value is not a conflict.
        const echoed = pairs.length ? echoes.map((i) => pairs[i % pairs.length]!) : [];
        const parsed = parseSignedQuery(encode([...pairs, ...echoed]));
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect({ ...parsed.params }).toEqual({ ...record });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any query naming a key twice with different values (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), key, value, value, fc.nat(), (record, k, a, b, at) => {
        fc.pre(a !== b);
        const others = Object.entries(record).filter(([name]) => name !== k);
        const pairs: [string, string][] = [...others];
        pairs.splice(at % (pairs.length + 1), 0, [k, a]);
        pairs.push([k, b]);
        const parsed = parseSignedQuery(encode(pairs));
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) {
          expect(parsed.key).toBe(k);
          expect(parsed.identity).toBe(['portalId', 'userId', 'appId'].includes(k));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('turns a repeated portal, user or app id into 403 portal_mismatch, and other repeats into 400', () => {
    for (const k of ['portalId', 'userId', 'appId']) {
      const err = refusal(`portalId=1&userId=2&appId=3&${k}=99`);
      expect([err.status, err.code, err.field]).toEqual([403, 'portal_mismatch', `query.${k}`]);
    }
    const err = refusal('portalId=1&userId=2&contactId=5&contactId=6');
    expect([err.status, err.code, err.field]).toEqual([400, 'invalid_query', 'query.contactId']);
    // The same value twice is HubSpot echoing it.
    expect(identityOf('portalId=7&userId=2&portalId=7', undefined).identity).toEqual({ portalId: 7, userId: '2', contactId: undefined });
  });

  it('names what is missing or malformed, and refuses a request made for another app', () => {
    expect(refusal('userId=2').field).toBe('query.portalId');
    expect(refusal('portalId=1').field).toBe('query.userId');
    expect(refusal('portalId=abc&userId=2').problems?.map((p) => p.field)).toEqual(['query.portalId']);
    expect(refusal('portalId=1&userId=2&contactId=x').field).toBe('query.contactId');
    const other = refusal('portalId=1&userId=2&appId=5', '6');
    expect([other.status, other.code, other.field]).toEqual([403, 'portal_mismatch', 'query.appId']);
    expect(identityOf('portalId=1&userId=2&appId=6&contactId=33', '6').identity).toEqual({ portalId: 1, userId: '2', contactId: '33' });
    // No app id configured: HubSpot's is not checked.
    expect(identityOf('portalId=1&userId=2&appId=5', undefined).identity.portalId).toBe(1);
  });

  it('names nested fields the way the UI addresses them', () => {
    expect(fieldPath(['caps', 1, 'capCents'])).toBe('caps[1].capCents');
    expect(fieldPath(['portalId'], 'query')).toBe('query.portalId');
    expect(fieldPath([])).toBe('body');
  });
});
