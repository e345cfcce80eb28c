// Shared test set-up: a database per test file (in-memory PGlite, or a fresh schema on the Postgres
// named by DATABASE_URL), the sandbox vendors over real HTTP, and a Cascade wired to both.
import { randomBytes, randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { loadConfig } from '../../server/config.ts';
import type { Config } from '../../server/config.ts';
import { openDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/database.ts';
import { createLogger } from '../../server/log.ts';
import { createCascade } from '../../server/cascade.ts';
import type { Cascade } from '../../server/cascade.ts';
import { ensurePortal } from '../../server/portals/portals.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import type { VendorAdapter } from '../../server/vendors/types.ts';
import { createApolloSim } from '../../sandbox/vendors/apollo.ts';
import type { ApolloSimOptions, ApolloSimState } from '../../sandbox/vendors/apollo.ts';
import { createHunterSim } from '../../sandbox/vendors/hunter.ts';
import type { HunterSimOptions } from '../../sandbox/vendors/hunter.ts';
import type { RunningServer, SimState } from '../../sandbox/vendors/common.ts';

export const PG_URL = process.env.DATABASE_URL || undefined;
export const backend = PG_URL ? 'postgres' : 'pglite';

/** A test-only key-encryption key, generated per process: nothing secret is committed. */
export const TEST_ENCRYPTION_KEYS = `test:${randomBytes(32).toString('base64')}`;

export const silentLog = createLogger({ level: 'silent' });

export interface TestDb {
  db: Database;
  schema?: string;
  /** What a child process needs to open the same database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function testDatabase(): Promise<TestDb> {
  if (PG_URL) {
    const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const db = await openDatabase({ url: PG_URL, schema, poolMax: 10 });
    return {
      db,
      schema,
      env: { DATABASE_URL: PG_URL, CASCADE_TEST_SCHEMA: schema },
      drop: async () => {
        await db.close();
        const admin = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 } });
        await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
        await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [`${schema}_boss`]);
        await admin.destroy();
      },
    };
  }
  const db = await openDatabase({});
  return { db, env: {}, drop: () => db.close() };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    VENDOR_TIMEOUT_MS: '10000',
    STEP_WAIT_BUDGET_MS: '20000',
    RUN_LEASE_MS: '3000',
    ...(PG_URL ? { DATABASE_URL: PG_URL } : {}),
    ...overrides,
  });
}

export const APOLLO_KEY_A = 'apollo-portal-a-key-0001';
export const HUNTER_KEY_A = 'hunter-portal-a-key-0001';
export const APOLLO_KEY_B = 'apollo-portal-b-key-0002';
export const HUNTER_KEY_B = 'hunter-portal-b-key-0002';

export interface Sims {
  apollo: { state: ApolloSimState; server: RunningServer };
  hunter: { state: SimState; server: RunningServer };
  urls: { APOLLO_BASE_URL: string; HUNTER_BASE_URL: string };
  close(): Promise<void>;
}

export async function startSims(opts: { apollo?: Partial<ApolloSimOptions>; hunter?: Partial<HunterSimOptions> } = {}): Promise<Sims> {
  const apollo = createApolloSim({ validKeys: [APOLLO_KEY_A, APOLLO_KEY_B], latencyMs: [2, 8], ...opts.apollo });
  const hunter = createHunterSim({ validKeys: [HUNTER_KEY_A, HUNTER_KEY_B], latencyMs: [2, 8], ...opts.hunter });
  const [a, h] = await Promise.all([apollo.start(), hunter.start()]);
  return {
    apollo: { state: apollo.state, server: a },
    hunter: { state: hunter.state, server: h },
    urls: { APOLLO_BASE_URL: `${a.url}/api/v1`, HUNTER_BASE_URL: `${h.url}/v2` },
    close: async () => {
      await Promise.all([a.close(), h.close()]);
    },
  };
}

/**
 * The waterfall the engine tests were written for (Apollo, then Hunter). The built-in default
 * orders every vendor by price (enrichment/default-waterfall.ts); these tests pin their own order so
 * that what they count does not move when a vendor or a price is added.
 */
export const APOLLO_FIRST_WATERFALL = {
  email: [
    { vendor: 'apollo', operation: 'people_match' },
    { vendor: 'hunter', operation: 'email_finder' },
  ],
  person: [
    { vendor: 'apollo', operation: 'people_match' },
    { vendor: 'hunter', operation: 'people_find' },
  ],
  company: [
    { vendor: 'apollo', operation: 'organization_enrich' },
    { vendor: 'hunter', operation: 'companies_find' },
  ],
  phone: [{ vendor: 'hunter', operation: 'email_finder' }],
  email_verification: [{ vendor: 'hunter', operation: 'email_verifier' }],
};

export interface TestCascade {
  cascade: Cascade;
  tdb: TestDb;
  sims: Sims;
  close(): Promise<void>;
}

/** A Cascade on a fresh database against fresh simulators, with portal 1 holding both keys. */
export async function testCascade(
  opts: {
    apollo?: Partial<ApolloSimOptions>;
    hunter?: Partial<HunterSimOptions>;
    config?: Record<string, string>;
    sims?: Sims;
    tdb?: TestDb;
    /** Adapters with adjusted timings (e.g. an async vendor's polling), otherwise the built-in set. */
    adapters?: Map<string, VendorAdapter>;
  } = {},
): Promise<TestCascade> {
  const sims = opts.sims ?? (await startSims(opts));
  const tdb = opts.tdb ?? (await testDatabase());
  const config = testConfig({ ...sims.urls, ...opts.config });
  const cascade = await createCascade(config, {
    log: silentLog,
    db: tdb.db,
    queueSchema: tdb.schema ? `${tdb.schema}_boss` : undefined,
    ...(opts.adapters ? { adapters: opts.adapters } : {}),
  });
  await ensurePortal(tdb.db.knex, 1, 'Portal A');
  await cascade.credentials.put(1, { vendor: 'apollo', apiKey: APOLLO_KEY_A });
  await cascade.credentials.put(1, { vendor: 'hunter', apiKey: HUNTER_KEY_A });
  await saveSettings(tdb.db.knex, 1, { waterfall: APOLLO_FIRST_WATERFALL });
  return {
    cascade,
    tdb,
    sims,
    close: async () => {
      await cascade.close();
      if (!opts.tdb) await tdb.drop();
      if (!opts.sims) await sims.close();
    },
  };
}

/** Polls until every listed run is done (or the time is up, which fails the test). */
export async function waitForRuns(db: Database, runIds: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ids = [...new Set(runIds)];
  for (;;) {
    const open = await db.knex('enrichment_runs').whereIn('id', ids).whereNot({ state: 'done' }).count<{ n: number }[]>('* as n');
    if (Number(open[0]?.n ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`${open[0]?.n} run(s) still unfinished after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function contactProps(c: { email?: string; firstName: string; lastName: string; domain: string; companyName?: string }) {
  return {
    ...(c.email ? { email: c.email } : {}),
    firstname: c.firstName,
    lastname: c.lastName,
    website: c.domain,
  };
}
