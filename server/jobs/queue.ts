// pg-boss carries runs to workers, on Postgres and on embedded PGlite alike. The run table stays
// the source of truth: a job only says "execute run X", and executing a run that another process
// holds, or that is finished, does nothing. So duplicate jobs are harmless and lost ones are
// re-sent by the sweep below.
import { PgBoss, fromKnex } from 'pg-boss';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';

export const RUN_QUEUE = 'enrich-run';
/** Polls an async vendor whose callback has not come (see enrichment/async-steps.ts). */
export const ASYNC_POLL_QUEUE = 'vendor-async-poll';

export interface QueueOptions {
  /** pg-boss schema (tests give each database its own). */
  schema?: string;
  log: Logger;
}

export async function startBoss(db: Database, opts: QueueOptions): Promise<PgBoss> {
  const boss =
    db.kind === 'pglite'
      ? new PgBoss({ db: db.bossDb!, backend: 'pglite', schema: opts.schema ?? 'pgboss', supervise: true, schedule: false })
      : new PgBoss({ connectionString: db.connectionString!, schema: opts.schema ?? 'pgboss', max: 4, schedule: false });
  boss.on('error', (err) => opts.log.error({ err }, 'queue error'));
  await boss.start();
  await boss.createQueue(RUN_QUEUE, {
    retryLimit: 5,
    retryDelay: 2,
    retryBackoff: true,
    // A run may wait on vendor rate windows; its lease, not this expiry, decides who owns it.
    expireInSeconds: 3600,
  });
  await boss.createQueue(ASYNC_POLL_QUEUE, { retryLimit: 3, retryDelay: 5, expireInSeconds: 300 });
  return boss;
}

/** Sends the run's job inside the caller's transaction (see acceptTrigger). */
export function enqueueWithin(boss: PgBoss) {
  return async (trx: Knex.Transaction, runId: string) => {
    await boss.send(RUN_QUEUE, { runId }, { db: fromKnex(trx) });
  };
}

export async function enqueueRun(boss: PgBoss, runId: string): Promise<void> {
  await boss.send(RUN_QUEUE, { runId });
}

/** Queues runs inside the caller's transaction (an async answer re-queues the runs it unblocks). */
export function enqueueRunsWithin(boss: PgBoss) {
  return async (trx: Knex.Transaction, runIds: string[]) => {
    for (const runId of runIds) await boss.send(RUN_QUEUE, { runId }, { db: fromKnex(trx) });
  };
}

/** Queues many runs in one statement inside the caller's transaction (the trigger intake's batches). */
export function enqueueManyWithin(boss: PgBoss) {
  return async (trx: Knex.Transaction, runIds: string[]) => {
    if (runIds.length) await boss.insert(RUN_QUEUE, runIds.map((runId) => ({ data: { runId } })), { db: fromKnex(trx) });
  };
}

export function schedulePollWith(boss: PgBoss) {
  return async (requestId: string, at: Date) => {
    await boss.send(ASYNC_POLL_QUEUE, { requestId }, { startAfter: at });
  };
}

export interface WorkerHandle {
  stop(): Promise<void>;
}

/**
 * Executes runs from the queue, `concurrency` at a time, and re-sends every run whose process died
 * (lease expired) — at start-up and then periodically — so a restarted fleet resumes all of them.
 */
export async function startWorker(
  boss: PgBoss,
  db: Knex,
  execute: (runId: string) => Promise<unknown>,
  opts: { concurrency: number; sweepMs: number; log: Logger; poll?: (requestId: string) => Promise<Date | null> },
): Promise<WorkerHandle> {
  const { poll } = opts;
  if (poll) {
    const schedule = schedulePollWith(boss);
    await boss.work<{ requestId: string }>(ASYNC_POLL_QUEUE, { localConcurrency: 2, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      const next = await poll(job.data.requestId);
      if (next) await schedule(job.data.requestId, next);
    });
  }
  await boss.work<{ runId: string }>(
    RUN_QUEUE,
    { localConcurrency: opts.concurrency, pollingIntervalSeconds: 0.5 },
    async ([job]) => {
      if (job) await execute(job.data.runId);
    },
  );
  const sweep = async (queuedGraceMs?: number) => {
    try {
      const n = await resumeUnfinished(db, boss, queuedGraceMs);
      if (n) opts.log.info({ runs: n }, 'resumed unfinished runs');
      if (poll) {
        const polls = await resumePolls(db, boss);
        if (polls) opts.log.info({ requests: polls }, 'resumed polling of async vendor requests');
      }
    } catch (err) {
      opts.log.warn({ err }, 'resume sweep failed');
    }
  };
  // At start-up a process may be the fleet's first after a crash: runs queued for over a minute
  // may have lost their job with it. Duplicate jobs are harmless (a run is claimed once).
  await sweep(60_000);
  const timer = setInterval(() => void sweep(), opts.sweepMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await boss.offWork(RUN_QUEUE);
      if (poll) await boss.offWork(ASYNC_POLL_QUEUE);
    },
  };
}

/**
 * Runs whose owner died (lease expired), or whose job may have died with a process before the run
 * was claimed (queued for longer than `queuedGraceMs`), get a new job.
 */
export async function resumeUnfinished(db: Knex, boss: PgBoss, queuedGraceMs = 10 * 60_000): Promise<number> {
  const rows = await db('enrichment_runs')
    .where((q) =>
      q
        .where({ state: 'running' })
        .andWhere('lease_expires_at', '<', db.fn.now())
        .orWhere((q2) =>
          q2.where({ state: 'queued' }).andWhere('created_at', '<', db.raw(`now() - (? * interval '1 millisecond')`, [queuedGraceMs])),
        ),
    )
    .limit(1000)
    .select('id');
  for (const r of rows) await enqueueRun(boss, r.id);
  return rows.length;
}

/** Async requests whose poll job was lost with a process (overdue by minutes) get a new one. */
export async function resumePolls(db: Knex, boss: PgBoss): Promise<number> {
  const rows = await db('async_requests')
    .whereIn('state', ['submitting', 'pending'])
    .andWhere((q) => q.whereNull('next_poll_at').orWhere('next_poll_at', '<', db.raw(`now() - interval '2 minutes'`)))
    .andWhere('created_at', '<', db.raw(`now() - interval '2 minutes'`))
    .limit(500)
    .select('id');
  const schedule = schedulePollWith(boss);
  for (const r of rows) {
    await db('async_requests').where({ id: r.id }).update({ next_poll_at: db.fn.now() });
    await schedule(r.id, new Date());
  }
  return rows.length;
}
