// Schema drift: which keys of a vendor's answer its zod schema does not know (the vendor added or
// renamed something), and which keys the schema expects that the answer lacks (the vendor dropped
// or renamed something). Schemas are loose and tolerant, so drift never fails a call; it is only
// recorded, and a daily job reports it (server/jobs/drift-report.ts).
import { z } from 'zod';
import type { SchemaDrift } from './types.ts';

const MAX_PATHS = 40;
const MAX_DEPTH = 8;
const MAX_ARRAY_ITEMS = 5;

/** Marks a key every answer of this kind carries: its absence is reported as drift. */
export function expected<T extends z.ZodType>(schema: T): T {
  return schema.meta({ cascadeExpected: true }) as T;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  getter?: () => z.ZodType;
}

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def; optin?: string } })._zod;

/** Unwraps optional/nullable/catch/default/pipe layers down to the schema that describes the value. */
function core(schema: z.ZodType, depth = 0): z.ZodType {
  if (depth > 20) return schema;
  const def = defOf(schema).def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return def.innerType ? core(def.innerType, depth + 1) : schema;
    case 'pipe':
      return def.in ? core(def.in, depth + 1) : schema;
    case 'lazy':
      return def.getter ? core(def.getter(), depth + 1) : schema;
    default:
      return schema;
  }
}

function isExpected(field: z.ZodType): boolean {
  const meta = z.globalRegistry.get(field) as { cascadeExpected?: boolean } | undefined;
  if (meta?.cascadeExpected) return true;
  return defOf(field).optin !== 'optional';
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compares one JSON answer with the schema meant to read it. Never throws. */
export function driftOf(schema: z.ZodType, value: unknown): SchemaDrift {
  const unknown = new Set<string>();
  const missing = new Set<string>();
  const walk = (s: z.ZodType, v: unknown, path: string, depth: number) => {
    if (depth > MAX_DEPTH || unknown.size + missing.size >= MAX_PATHS || v === null || v === undefined) return;
    const c = core(s);
    const def = defOf(c).def;
    if (def.type === 'object' && def.shape) {
      if (!isPlainObject(v)) return;
      for (const [k, field] of Object.entries(def.shape)) {
        if (!(k in v)) {
          if (isExpected(field)) missing.add(path ? `${path}.${k}` : k);
          continue;
        }
        walk(field, v[k], path ? `${path}.${k}` : k, depth + 1);
      }
      for (const k of Object.keys(v)) if (!(k in def.shape)) unknown.add(path ? `${path}.${k}` : k);
      return;
    }
    if (def.type === 'array' && def.element) {
      if (!Array.isArray(v)) return;
      for (const item of v.slice(0, MAX_ARRAY_ITEMS)) walk(def.element, item, `${path}[]`, depth + 1);
      return;
    }
    if (def.type === 'union' && def.options) {
      // The first object-shaped option that fits the value's kind describes it.
      const option = def.options.find((o) => {
        const t = defOf(core(o)).def.type;
        return (t === 'object' && isPlainObject(v)) || (t === 'array' && Array.isArray(v));
      });
      if (option) walk(option, v, path, depth);
    }
  };
  try {
    walk(schema, value, '', 0);
  } catch {
    // Drift detection must never break a call.
  }
  return { unknown: [...unknown].sort(), missing: [...missing].sort() };
}

/** The drift of an answer, or undefined when there is none (so results stay small). */
export function driftIfAny(schema: z.ZodType, value: unknown): SchemaDrift | undefined {
  const d = driftOf(schema, value);
  return d.unknown.length || d.missing.length ? d : undefined;
}
