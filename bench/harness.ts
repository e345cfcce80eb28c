// Pieces the benchmarks share (engine, vendors, e2e): environment knobs, the contact's CRM
// properties, the workload seed, the database choice, a log sink that only counts, and a percentile.
import { randomBytes, randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import knexFactory from 'knex';
import type { GeneratedContact } from '../sandbox/world.ts';

/** A whole-number knob from the environment (unset or empty: the default). */
export function envInt(name: string, def: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
  return n;
}

/** The properties a workflow would send for a generated contact. */
export function contactProperties(c: GeneratedContact): Record<string, string> {
  return {
    ...(c.email ? { email: c.email } : {}),
    firstname: c.firstName,
    lastname: c.lastName,
    website: c.domain,
  };
}

/** FNV-1a of the workload's seed string, for the PRNG. */
export function hashSeed(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Counts the engine's warn/error lines by message (nothing is printed). */
export class LogCounter implements DestinationStream {
  readonly counts: Record<string, number> = {};
  write(line: string): void {
    let msg = 'unparsed';
    try {
      const o = JSON.parse(line) as { msg?: string; level?: number };
      msg = `${o.level ?? '?'}: ${o.msg ?? ''}`;
    } catch {
      /* keep 'unparsed' */
    }
    this.counts[msg] = (this.counts[msg] ?? 0) + 1;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
}

/**
 * Postgres when `pgUrl` is set (a schema of its own, named after `prefix`, and a throw-away
 * encryption key unless one is given), else the embedded default. Returns the schema.
 */
export function chooseDatabase(cfgEnv: Record<string, string | undefined>, pgUrl: string | undefined, prefix: string): string | undefined {
  if (!pgUrl) {
    delete cfgEnv.DATABASE_URL;
    return undefined;
  }
  cfgEnv.DATABASE_URL = pgUrl;
  cfgEnv.ENCRYPTION_KEYS ??= `bench:${randomBytes(32).toString('base64')}`;
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** Drops what `chooseDatabase` created on Postgres (the schema and pg-boss's). */
export async function dropDatabase(pgUrl: string | undefined, schema: string | undefined): Promise<void> {
  if (!pgUrl || !schema) return;
  const admin = knexFactory({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [`${schema}_boss`]);
  } finally {
    await admin.destroy();
  }
}
