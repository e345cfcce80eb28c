// One factory for both back-ends: Postgres (pg pool) when a URL is given, otherwise embedded PGlite
// (persisted in a folder, or in memory for tests). The same knex migrations and queries run on both.
import fs from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import ClientPgLite from 'knex-pglite';
import { prioritizeSingleConnection } from './priority.ts';
import { fromPglite } from 'pg-boss';
import type { Db as IDatabase } from 'pg-boss';
import { migrationSource } from '../../migrations/index.ts';

export type DbKind = 'postgres' | 'pglite';

export interface Database {
  kind: DbKind;
  knex: Knex;
  /** For pg-boss: on PGlite, an adapter that shares knex's single connection; on Postgres, undefined. */
  bossDb?: IDatabase;
  connectionString?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string;
  /** Folder for PGlite's files; absent = in memory. */
  dataDir?: string;
  /** Pool size on Postgres. */
  poolMax?: number;
  /** Postgres schema to work in (tests isolate themselves this way); created when missing. */
  schema?: string;
}

// knex-pglite hands back the raw result for DELETE instead of the row count knex promises (it
// maps the method "del" to a command knex's pg dialect does not recognise); count it here.
class PgLiteClient extends (ClientPgLite as unknown as new (config: Knex.Config) => { processResponse(obj: unknown, runner: unknown): unknown }) {
  override processResponse(obj: unknown, runner: unknown): unknown {
    const o = obj as { method?: string; response?: { affectedRows?: number } };
    if (o.method === 'del') return o.response?.affectedRows ?? 0;
    return super.processResponse(obj, runner);
  }
}

// bigint columns hold money in millicents and counters: well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  if (opts.url) {
    if (opts.schema) {
      const admin = knexFactory({ client: 'pg', connection: opts.url, pool: { min: 0, max: 1 } });
      await admin.raw('CREATE SCHEMA IF NOT EXISTS ??', [opts.schema]);
      await admin.destroy();
    }
    const knex = knexFactory({
      client: 'pg',
      connection: opts.url,
      pool: { min: 0, max: opts.poolMax ?? 10 },
      ...(opts.schema ? { searchPath: [opts.schema] } : {}),
    });
    await knex.raw('select 1');
    return { kind: 'postgres', knex, connectionString: opts.url, close: () => knex.destroy() };
  }

  let dataDir: string | undefined;
  if (opts.dataDir) {
    dataDir = path.resolve(opts.dataDir, 'pglite');
    fs.mkdirSync(dataDir, { recursive: true });
  }
  const pglite = new PGlite(dataDir, { parsers: { 20: (v: string) => Number(v) } });
  await pglite.waitReady;
  const knex = knexFactory({
    client: PgLiteClient as unknown as typeof knexFactory.Client,
    connection: () => ({ pglite }) as unknown as Knex.StaticConnectionConfig,
    useNullAsDefault: false,
  } as Knex.Config);
  await knex.raw('select 1');

  // PGlite is one connection: a statement sent while a knex transaction is open would run inside
  // it. pg-boss therefore borrows knex's only pooled connection for each of its statements, so the
  // two never interleave.
  const inner = fromPglite(pglite);
  const client = knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  prioritizeSingleConnection(client);
  const bossDb: IDatabase = {
    async executeSql(text: string, values?: unknown[]) {
      const conn = await client.acquireConnection();
      try {
        return await inner.executeSql(text, values);
      } finally {
        await client.releaseConnection(conn);
      }
    },
  };
  return {
    kind: 'pglite',
    knex,
    bossDb,
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

export async function migrate(db: Database): Promise<void> {
  await db.knex.migrate.latest({ migrationSource });
}
