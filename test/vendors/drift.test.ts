// Schema drift detection: unknown keys (added or renamed by the vendor) and expected keys that are
// absent, reported as dotted paths; never throws, whatever JSON arrives.
import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { driftIfAny, driftOf, expected } from '../../server/vendors/drift.ts';

const str = z.string().nullish().catch(null);
const schema = z.looseObject({
  status: expected(z.number().nullish().catch(null)),
  likelihood: z.number().nullish().catch(null),
  data: z
    .looseObject({
      full_name: str,
      emails: z.array(z.looseObject({ address: str, type: str })).nullish().catch(null),
      job: z.union([z.looseObject({ title: str }), z.string()]).nullish().catch(null),
    })
    .nullish()
    .catch(null),
});

describe('schema drift', () => {
  it('names unknown keys at any depth, inside arrays and unions, and expected keys that are missing', () => {
    const d = driftOf(schema, {
      likelihood: 8,
      data: { full_name: 'Ada', emails: [{ address: 'a@x.io', type: 'work', verified: true }], job: { title: 'CTO', level: 'c' }, new_field: 1 },
      extra: {},
    });
    expect(d).toEqual({ unknown: ['data.emails[].verified', 'data.job.level', 'data.new_field', 'extra'], missing: ['status'] });
  });

  it('reports nothing for an answer that matches, and for optional keys that are absent', () => {
    expect(driftIfAny(schema, { status: 200, data: { full_name: 'Ada' } })).toBeUndefined();
    expect(driftIfAny(schema, { status: 404 })).toBeUndefined();
  });

  it('never throws and reports bounded, sorted, de-duplicated paths for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const d = driftOf(schema, v);
        for (const list of [d.unknown, d.missing]) {
          expect([...list].sort()).toEqual(list);
          expect(new Set(list).size).toBe(list.length);
        }
        expect(d.unknown.length + d.missing.length).toBeLessThanOrEqual(41);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(driftOf(schema, { data: reversed })).toEqual(driftOf(schema, { data: obj }));
      }),
    );
  });
});
