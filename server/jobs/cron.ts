// Scheduled jobs. Every instance runs node-cron; a job's slot (its scheduled minute) runs once for
// the whole fleet: the instance that takes the Postgres advisory lock and records the slot first
// runs it, the others see the slot taken and skip.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import cron from 'node-cron';
import type { Logger } from 'pino';

export interface ScheduledJob {
  name: string;
  /** node-cron expression. */
  schedule: string;
  /** Gets the database (not the lock's transaction): jobs call HubSpot and write as they go. */
  run(db: Knex): Promise<Record<string, unknown>>;
}

/** A stable 63-bit lock id per job name. */
function lockId(name: string): string {
  return BigInt.asIntN(64, BigInt('0x' + createHash('sha256').update(`cascade-job:${name}`).digest('hex').slice(0, 16))).toString();
}

async function claimSlot(trx: Knex.Transaction, job: ScheduledJob, slot: string, instance: string): Promise<boolean> {
  const lock = await trx.raw('SELECT pg_try_advisory_xact_lock(?::bigint) AS ok', [lockId(job.name)]);
  if (!(lock.rows as { ok: boolean }[])[0]?.ok) return false;
  const claimed = await trx('job_runs').insert({ name: job.name, slot, instance }).onConflict(['name', 'slot']).ignore().returning('name');
  return (claimed as unknown[]).length > 0;
}

/**
 * Runs the job for `slot` unless another instance holds its lock or already ran that slot. On
 * Postgres the advisory lock is held for the whole job (its transaction stays open while the job
 * uses other pool connections), so a slow run never overlaps the next slot's. The embedded PGlite
 * is one connection and one process: the slot is claimed, committed, then the job runs.
 */
export async function runExclusive(
  db: Knex,
  job: ScheduledJob,
  slot: string,
  instance: string,
  opts: { singleConnection?: boolean } = {},
): Promise<{ ran: boolean; result?: Record<string, unknown> }> {
  if (opts.singleConnection) {
    const claimed = await db.transaction((trx) => claimSlot(trx, job, slot, instance));
    if (!claimed) return { ran: false };
    const result = await job.run(db);
    await db('job_runs').where({ name: job.name, slot }).update({ result: JSON.stringify(result), finished_at: db.fn.now() });
    return { ran: true, result };
  }
  return db.transaction(async (trx) => {
    if (!(await claimSlot(trx, job, slot, instance))) return { ran: false };
    const result = await job.run(db);
    await trx('job_runs').where({ name: job.name, slot }).update({ result: JSON.stringify(result), finished_at: trx.fn.now() });
    return { ran: true, result };
  });
}

export interface Schedules {
  stop(): void;
}

export function startSchedules(db: Knex, jobs: ScheduledJob[], instance: string, log: Logger, opts: { singleConnection?: boolean } = {}): Schedules {
  const tasks = jobs.map((job) =>
    cron.schedule(job.schedule, async () => {
      const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      try {
        const { ran, result } = await runExclusive(db, job, slot, instance, opts);
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
