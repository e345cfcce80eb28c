// Reading what HubSpot refused: the properties named in a 400 "Property values were not valid" and
// the callback ids named in a refused completion batch. Whatever the names, they are read back
// exactly; anything else yields nothing (the flusher then falls back to its slower, safe path).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { refusedCallbackIds, refusedPropertyNames } from '../../server/hubspot/flusher.ts';

const propertyName = fc.stringMatching(/^[a-z][a-z0-9_]{0,40}$/);

describe('HubSpot refusals', () => {
  it('reads every property a validation error names (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(propertyName, { minLength: 1, maxLength: 6 }), fc.string(), (names, value) => {
        const problems = names.map((name) => ({ isValid: false, message: `${JSON.stringify(value)} was not one of the allowed options`, error: 'INVALID_OPTION', name }));
        const body = { status: 'error', category: 'VALIDATION_ERROR', message: `Property values were not valid: ${JSON.stringify(problems)}` };
        expect(refusedPropertyNames(body).sort()).toEqual([...names].sort());
      }),
    );
  });

  it('names nothing for other errors or unreadable bodies (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const names = refusedPropertyNames(body);
        expect(Array.isArray(names)).toBe(true);
        if (typeof (body as { message?: unknown })?.message !== 'string') expect(names).toEqual([]);
      }),
    );
    expect(refusedPropertyNames({ status: 'error', message: 'Duplicate IDs found in batch input' })).toEqual([]);
  });

  it('reads the callback ids of a refused completion batch, from the context or each error', () => {
    expect(refusedCallbackIds({ context: { callbackIds: ['ap-1', 'ap-2'] } })).toEqual(new Set(['ap-1', 'ap-2']));
    expect(refusedCallbackIds({ errors: [{ context: { callbackId: 'ap-3' } }, { context: { callbackIds: ['ap-4'] } }] })).toEqual(new Set(['ap-3', 'ap-4']));
    expect(refusedCallbackIds({ status: 'error', message: 'expired' })).toBeNull();
    fc.assert(fc.property(fc.anything(), (body) => {
      const ids = refusedCallbackIds(body);
      expect(ids === null || ids.size > 0).toBe(true);
    }));
  });
});
