// Tolerant zod leaves shared by every vendor's schemas.ts. A leaf of the wrong type becomes null (or
// an empty list) instead of failing the whole answer, so a vendor-side schema drift degrades one
// value, never the call. Only the leaves live here: each vendor's objects, its strict envelope and
// its error bodies stay in its own schemas.ts.
//
// Sharing the instances is safe: zod schemas are immutable, and `expected()` (drift.ts) marks a clone.
import { z } from 'zod';

export const str = z.string().nullish().catch(null);
export const num = z.number().nullish().catch(null);
export const bool = z.boolean().nullish().catch(null);

/** A number a vendor (or a proxy in front of it) may send as a string ("1200", "85"). */
export const numeric = z
  .union([z.number(), z.string()])
  .nullish()
  .catch(null);

/** A boolean a vendor may send as "true" / "false" (ZeroBounce). */
export const boolish = z
  .union([z.boolean(), z.string()])
  .nullish()
  .catch(null);

/** A list of strings; other entries are dropped, a non-array becomes []. */
export const strList = z
  .array(z.unknown())
  .nullish()
  .catch(null)
  .transform((a) => (a ?? []).filter((x): x is string => typeof x === 'string'));

/** A list whose entries are not read; a non-array becomes null. */
export const unknownList = z.array(z.unknown()).nullish().catch(null);

/** `{"handle": "…"}`, the social-profile form of Clearbit-style answers (Clearbit, Hunter). */
export const handle = z.looseObject({ handle: str }).nullish().catch(null);

/** A documented key that is not read: any value, never drift, never walked. */
export const opaque = z.unknown().optional();

/** Keys a vendor sends that Cascade does not read: known (not drift), never required, never walked. */
export function known<const K extends string>(...keys: K[]): Record<K, typeof opaque> {
  return Object.fromEntries(keys.map((k) => [k, opaque])) as Record<K, typeof opaque>;
}

/** A list of the entries that parse as `item`: the others are dropped, a non-array becomes []. */
export function entriesOf<T extends z.ZodType>(item: T) {
  return z
    .array(z.unknown())
    .nullish()
    .catch(null)
    .transform((a) =>
      (a ?? []).flatMap((x) => {
        const p = item.safeParse(x);
        return p.success ? [p.data as z.output<T>] : [];
      }),
    );
}

/** An array whose entries of the wrong kind become null instead of failing their neighbours. */
export function listOf<T extends z.ZodType>(item: T) {
  return z
    .array(z.union([item, z.unknown().transform(() => null)]))
    .nullish()
    .catch(null);
}
