// Scheduled jobs. Every instance runs node-cron; a job's slot (its scheduled minute) runs once for
// the whole fleet: the instance that takes the Postgres advisory lock and records the slot first
// runs it, the others see the slot taken and skip. The job gets the lock's transaction, which on
// the embedded PGlite (one connection) is also the only way to reach the database meanwhile.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import cron from 'node-cron';
import type { Logger } from 'pino';

export interface ScheduledJob {
  name: string;
  /** node-cron expression. */
  schedule: string;
  run(trx: Knex.Transaction): Promise<Record<string, unknown>>;
}

/** A stable 63-bit lock id per job name. */
function lockId(name: string): string {
  return BigInt.asIntN(64, BigInt('0x' + createHash('sha256').update(`cascade-job:${name}`).digest('hex').slice(0, 16))).toString();
}

/** Runs the job for `slot` unless another instance holds it or already ran that slot. */
export async function runExclusive(
  db: Knex,
  job: ScheduledJob,
  slot: string,
  instance: string,
): Promise<{ ran: boolean; result?: Record<string, unknown> }> {
  return db.transaction(async (trx) => {
    const lock = await trx.raw('SELECT pg_try_advisory_xact_lock(?::bigint) AS ok', [lockId(job.name)]);
    if (!(lock.rows as { ok: boolean }[])[0]?.ok) return { ran: false };
    const claimed = await trx('job_runs').insert({ name: job.name, slot, instance }).onConflict(['name', 'slot']).ignore().returning('name');
    if ((claimed as unknown[]).length === 0) return { ran: false };
    const result = await job.run(trx);
    await trx('job_runs').where({ name: job.name, slot }).update({ result: JSON.stringify(result), finished_at: trx.fn.now() });
    return { ran: true, result };
  });
}

export interface Schedules {
  stop(): void;
}

export function startSchedules(db: Knex, jobs: ScheduledJob[], instance: string, log: Logger): Schedules {
  const tasks = jobs.map((job) =>
    cron.schedule(job.schedule, async () => {
      const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      try {
        const { ran, result } = await runExclusive(db, job, slot, instance);
        if (ran) log.info({ job: job.name, slot, result }, 'scheduled job ran');
      } catch (err) {
        log.error({ err, job: job.name, slot }, 'scheduled job failed');
      }
    }, { name: job.name, noOverlap: true }),
  );
  return {
    stop: () => {
      for (const t of tasks) void t.stop();
    },
  };
}
