// A worker process for the multi-process tests: opens the database named by its environment,
// works the run queue, and (with EXIT_WHEN_IDLE) exits once no run is left unfinished.
import { loadConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createCascade } from '../../server/cascade.ts';
import { createLogger } from '../../server/log.ts';

const env = process.env;
const config = loadConfig(env);
const db = config.DATABASE_URL
  ? await openDatabase({ url: config.DATABASE_URL, schema: env.CASCADE_TEST_SCHEMA, poolMax: 8 })
  : await openDatabase({ dataDir: config.DATA_DIR });
const cascade = await createCascade(config, {
  log: createLogger({ level: 'silent' }),
  db,
  queueSchema: env.CASCADE_TEST_SCHEMA ? `${env.CASCADE_TEST_SCHEMA}_boss` : undefined,
});
await cascade.startWorker(Number(env.WORKER_CONCURRENCY ?? 8));
process.stdout.write('ready\n');

if (env.EXIT_WHEN_IDLE) {
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const rows = await db.knex('enrichment_runs').whereNot({ state: 'done' }).count<{ n: number }[]>('* as n');
    if (Number(rows[0]?.n ?? 0) === 0) break;
  }
  await cascade.close();
  await db.close();
  process.stdout.write('idle\n');
  process.exit(0);
}
