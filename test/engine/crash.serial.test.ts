// "Recover": a worker process killed with SIGKILL in the middle of its runs; a new process resumes
// every unfinished run, and no lookup is billed twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contactProps, PG_URL, silentLog, startSims, TEST_ENCRYPTION_KEYS, testConfig, testDatabase, APOLLO_KEY_A, HUNTER_KEY_A } from '../helpers/env.ts';
import type { Sims, TestDb } from '../helpers/env.ts';
import { spawnWorker } from '../helpers/processes.ts';
import { createCascade } from '../../server/cascade.ts';
import { openDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/database.ts';
import { ensurePortal } from '../../server/portals/portals.ts';
import { generateContacts } from '../../sandbox/world.ts';

let sims: Sims | undefined;
let tdb: TestDb | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  await sims?.close();
  await tdb?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash recovery', () => {
  it('SIGKILL mid-run, restart: every run finishes, nothing is billed twice, no money stays reserved', { timeout: 300_000 }, async () => {
    sims = await startSims({ apollo: { latencyMs: [40, 120] }, hunter: { latencyMs: [40, 120], slowVerify: { share: 0 }, smtpFailure: { share: 0 } } });
    // The database both processes open: a Postgres schema, or a PGlite folder (one process at a time).
    let env: Record<string, string>;
    let open: () => Promise<Database>;
    if (PG_URL) {
      tdb = await testDatabase();
      env = tdb.env;
      open = async () => tdb!.db;
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cascade-crash-'));
      env = { DATA_DIR: dataDir };
      open = () => openDatabase({ dataDir });
    }
    const workerEnv = { ...env, ...sims.urls, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, LOG_LEVEL: 'silent', RUN_LEASE_MS: '2000', WORKER_CONCURRENCY: '12', VENDOR_TIMEOUT_MS: '3000' };

    // 1. Accept 40 triggers, then let go of the database.
    let db = await open();
    const setup = await createCascade(testConfig({ ...sims.urls, ...env }), { log: silentLog, db, queueSchema: tdb?.schema ? `${tdb.schema}_boss` : undefined });
    await ensurePortal(db.knex, 1);
    await setup.credentials.put(1, { vendor: 'apollo', apiKey: APOLLO_KEY_A });
    await setup.credentials.put(1, { vendor: 'hunter', apiKey: HUNTER_KEY_A });
    const people = generateContacts(40, 10, 'crash');
    for (const [i, c] of people.entries()) {
      await setup.trigger({ portalId: 1, contactId: `k${i}`, source: 'workflow', idempotencyKey: `k${i}`, groups: ['email', 'person', 'company', 'email_verification'], properties: contactProps(c) });
    }
    await setup.close();
    if (!PG_URL) await db.close();

    // 2. A worker starts; kill it hard once it has been billed for some calls but not all.
    const first = spawnWorker(workerEnv);
    await first.ready;
    const billed = () => sims!.apollo.state.billing.events.length + sims!.hunter.state.billing.events.length;
    const deadline = Date.now() + 30_000;
    while (billed() < 25 && Date.now() < deadline) await sleep(20);
    expect(billed()).toBeGreaterThanOrEqual(25);
    first.child.kill('SIGKILL');
    await first.exited;
    const billedAtKill = billed();

    // 3. A new process resumes everything and exits when no run is left.
    const second = spawnWorker({ ...workerEnv, EXIT_WHEN_IDLE: '1' });
    const code = await Promise.race([second.exited, sleep(200_000).then(() => 'timeout')]);
    expect(code, second.output()).toBe(0);
    expect(billed()).toBeGreaterThan(billedAtKill); // the second process did real work

    // 4. Check the books.
    db = PG_URL ? tdb!.db : await openDatabase({ dataDir });
    try {
      const runs = await db.knex('enrichment_runs').select('state', 'status');
      expect(runs).toHaveLength(40);
      expect(runs.filter((r) => r.state !== 'done')).toEqual([]);
      expect(sims.apollo.state.billing.snapshot().duplicates).toEqual([]);
      expect(sims.hunter.state.billing.snapshot().duplicates).toEqual([]);
      const open = await db.knex('spend_reservations').where({ state: 'reserved' });
      expect(open).toEqual([]);
      const counters = await db.knex('spend_counters').where({ portal_id: 1 });
      expect(counters.every((c) => Number(c.reserved_mc) === 0)).toBe(true);
      // Our books agree with the runs' costs.
      const total = counters.find((c) => c.scope === 'total' && c.period === 'day');
      const costs = await db.knex('enrichment_runs').sum<{ s: number }[]>('cost_mc as s');
      expect(Number(total.spent_mc)).toBe(Number(costs[0]!.s));
    } finally {
      if (!PG_URL) await db.close();
    }
  });
});
