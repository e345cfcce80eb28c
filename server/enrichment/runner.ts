// The runner executes one enrichment run: plan, then for each step in waterfall order
// memo → cache → key / cool-down / circuit → reserve spend → rate token → call → record → settle →
// cache, until each requested group is filled. Every step is a row in run_steps written before the
// call goes out, so a resumed run reuses what already returned and never repeats a call that may
// have been billed.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { FieldGroup, Lookup, PartialProfile, VendorAdapter, VendorResult } from '../vendors/types.ts';
import { plan } from './plan.ts';
import type { PlannedStep } from './plan.ts';
import { loadSettings } from './settings.ts';
import type { PortalSettings } from './settings.ts';
import { factsWith, groupSatisfied, mergeProfile } from './profile.ts';
import type { CanonicalProfile } from './profile.ts';
import { claimLookup, countCacheHit, lookupHash, readCache, releaseClaim, storeAnswer } from './cache.ts';
import type { CacheKey } from './cache.ts';
import { chargeFor, recordCapAlert, reserveSpend, settleSpend } from './spend.ts';
import { recordAudit } from './audit.ts';
import { appProperties, summarize } from './outcome.ts';
import type { RunSummary, SkipReason, StepSummary } from './outcome.ts';
import { computePropertyChanges } from './write-policy.ts';
import type { RateGate } from './limiter.ts';
import type { VendorCaller } from './vendor-call.ts';
import type { CircuitBreakers } from './breaker.ts';
import type { KeyProvider, VendorKey } from './keys.ts';
import type { RunContact } from './runs.ts';
import { TtlCache } from './ttl-cache.ts';

export interface EngineTuning {
  timeoutMs: number;
  maxAttempts: number;
  stepBudgetMs: number;
  leaseMs: number;
  backoffBaseMs: number;
}

export interface EngineDeps {
  db: Knex;
  adapters: ReadonlyMap<string, VendorAdapter>;
  keys: KeyProvider;
  gate: RateGate;
  breakers: CircuitBreakers;
  caller: VendorCaller;
  log: Logger;
  instanceId: string;
  tuning: EngineTuning;
  /** Runs in the transaction that finishes a run (the HubSpot write-back queues its work here). */
  onFinished?: (trx: Knex.Transaction, run: FinishedRun) => Promise<void>;
}

/** A run as it finishes: what the write-back needs, without knowing the engine's tables. */
export interface FinishedRun {
  runId: string;
  portalId: number;
  contactId: string;
  interactive: boolean;
  summary: RunSummary;
  profile: CanonicalProfile;
  appProperties: Record<string, string>;
  finishedAt: Date;
}

interface RunRow {
  id: string;
  portal_id: number;
  contact_id: string;
  groups: FieldGroup[];
  force_refresh: boolean;
  contact: RunContact;
  interactive: boolean;
}

interface StepRow {
  id: string;
  vendor: string;
  operation: string;
  lookup_hash: string;
  state: 'reserved' | 'calling' | 'waiting' | 'done' | 'skipped' | 'indeterminate';
  async_request_id?: string | null;
  outcome: string | null;
  skip_reason: SkipReason | null;
  result: { profile?: CanonicalProfile; doNotProcess?: boolean } | null;
  cost_mc: number;
  billed: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Cool-downs are set rarely and read on every step; a second of staleness costs at most one
// extra call, which the vendor answers with the same quota signal.
const cooldowns = new TtlCache<string, { cooldown_until: Date; reason: string } | null>(1_000);

/**
 * Another process took the run over (our lease expired, e.g. during a long pause). Every write that
 * could lead to a vendor call is fenced on the lease, so the loser stops instead of paying twice.
 */
class LeaseLost extends Error {}
const memoKey = (vendor: string, op: string, hash: string) => `${vendor}|${op}|${hash}`;

/**
 * Claims the run for one execution (or takes it over when its previous holder's lease expired).
 * The lease names the execution, not the process: two jobs for one run in the same process must
 * not both pass the fences below.
 */
async function claimRun(deps: EngineDeps, runId: string, leaseOwner: string): Promise<RunRow | null> {
  const rows = await deps.db.raw(
    `UPDATE enrichment_runs
        SET state = 'running', lease_owner = ?, lease_expires_at = now() + (? * interval '1 millisecond'),
            attempts = attempts + 1, started_at = COALESCE(started_at, now())
      WHERE id = ? AND (state = 'queued' OR (state = 'running' AND lease_expires_at < now()))
      RETURNING id, portal_id, contact_id, groups, force_refresh, contact, interactive`,
    [leaseOwner, deps.tuning.leaseMs, runId],
  );
  return ((rows.rows as RunRow[])[0] ?? null) as RunRow | null;
}

class RunExecution {
  private readonly deps: EngineDeps;
  private run: RunRow;
  private settings!: PortalSettings;
  private profile: CanonicalProfile = {};
  private readonly memo = new Map<string, StepRow>();
  private seq = 0;
  private suppressed = false;
  private pausedOnCap = false;
  private leaseLost = false;
  /** An async vendor holds one of this run's steps: the run waits for its answer, off the worker. */
  private waiting = false;
  private readonly owner: string;

  constructor(deps: EngineDeps, run: RunRow, owner: string) {
    this.deps = deps;
    this.run = run;
    this.owner = owner;
  }

  private get db() {
    return this.deps.db;
  }

  async execute(): Promise<RunSummary | null> {
    const { db } = this;
    this.settings = await loadSettings(db, this.run.portal_id);
    const existing = (await db('run_steps').where({ run_id: this.run.id }).orderBy('seq')) as (StepRow & { seq: number })[];
    for (const s of existing) {
      this.memo.set(memoKey(s.vendor, s.operation, s.lookup_hash), s);
      this.seq = Math.max(this.seq, s.seq);
    }
    const heartbeat = setInterval(() => void this.renewLease(), Math.max(250, this.deps.tuning.leaseMs / 3));
    try {
      for (;;) {
        const keyed = await this.deps.keys.vendorsWithKeys(this.run.portal_id);
        const { steps } = plan({ groups: this.run.groups, settings: this.settings, adapters: this.deps.adapters, keyedVendors: keyed });
        for (const step of steps) {
          if (this.suppressed || this.pausedOnCap || this.leaseLost || this.waiting) break;
          if (groupSatisfied(this.profile, step.group, this.settings.confidence_threshold)) continue;
          try {
            await this.runStep(step);
          } catch (err) {
            if (!(err instanceof LeaseLost)) throw err;
            this.deps.log.warn({ runId: this.run.id }, 'run taken over by another process; stopping here');
            this.leaseLost = true;
          }
        }
        if (this.leaseLost || this.waiting) return null;
        const summary = await this.finish();
        if (summary) return summary;
        // A trigger attached new groups while we ran: plan again for them.
        const fresh = await db('enrichment_runs').where({ id: this.run.id }).first('groups', 'force_refresh', 'lease_owner');
        if (!fresh || fresh.lease_owner !== this.owner) return null;
        this.run = { ...this.run, groups: fresh.groups, force_refresh: fresh.force_refresh };
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async renewLease(): Promise<void> {
    try {
      const n = await this.db('enrichment_runs')
        .where({ id: this.run.id, lease_owner: this.owner, state: 'running' })
        .update({ lease_expires_at: this.db.raw(`now() + (? * interval '1 millisecond')`, [this.deps.tuning.leaseMs]) });
      if (n === 0) this.leaseLost = true;
    } catch (err) {
      this.deps.log.warn({ err, runId: this.run.id }, 'lease renewal failed');
    }
  }

  private merge(result: { profile?: PartialProfile; doNotProcess?: boolean } | null, step: PlannedStep) {
    if (result?.profile) {
      this.profile = mergeProfile(this.profile, result.profile, step.vendor, this.settings.confidence_threshold, step.spec.groups);
    }
    if (result?.doNotProcess) this.suppressed = true;
  }

  private async insertStep(
    trx: Knex | Knex.Transaction,
    step: PlannedStep,
    hash: string,
    fields: Partial<StepRow> & Record<string, unknown>,
  ): Promise<StepRow> {
    const row = {
      id: randomUUID(),
      run_id: this.run.id,
      portal_id: this.run.portal_id,
      seq: ++this.seq,
      field_group: step.group,
      vendor: step.vendor,
      operation: step.operation,
      lookup_hash: hash,
      state: 'skipped',
      ...fields,
    } as Record<string, unknown>;
    if (row.result !== undefined && row.result !== null) row.result = JSON.stringify(row.result);
    const inserted = await trx.raw(
      `${trx('run_steps').insert(row).toString()} ON CONFLICT (run_id, vendor, operation, lookup_hash) WHERE lookup_hash IS NOT NULL DO NOTHING RETURNING id`,
    );
    // The row exists already: another execution of this run recorded the step first.
    if ((inserted.rows as unknown[]).length !== 1) throw new LeaseLost();
    const stored = { ...row, result: fields.result ?? null } as unknown as StepRow;
    this.memo.set(memoKey(step.vendor, step.operation, hash), stored);
    return stored;
  }

  private async skip(step: PlannedStep, hash: string, reason: SkipReason, detail: string, extra: Record<string, unknown> = {}) {
    await this.insertStep(this.db, step, hash, {
      state: 'skipped',
      skip_reason: reason,
      detail,
      finished_at: this.db.fn.now(),
      ...extra,
    });
  }

  private async transition(stepId: string, from: StepRow['state'], to: StepRow['state']): Promise<boolean> {
    const n = await this.db('run_steps')
      .where({ id: stepId, state: from })
      .whereExists((q) =>
        q.select(this.db.raw('1')).from('enrichment_runs as r').where('r.id', this.run.id).andWhere('r.lease_owner', this.owner),
      )
      .update({ state: to });
    return n === 1;
  }

  private async runStep(step: PlannedStep): Promise<void> {
    const facts = factsWith(this.run.contact.facts, this.profile);
    const lookup = step.spec.lookup(facts);
    if (!lookup) {
      if (!this.memo.has(memoKey(step.vendor, step.operation, 'skip:no_input'))) {
        await this.skip(step, 'skip:no_input', 'no_input', `${step.vendor}.${step.operation} needs more than is known about this contact`);
      }
      return;
    }
    const hash = lookupHash(step.vendor, step.operation, lookup.key);
    const prior = this.memo.get(memoKey(step.vendor, step.operation, hash));
    if (prior) {
      if (prior.state === 'done') return this.merge(prior.result, step);
      if (prior.state === 'skipped' || prior.state === 'indeterminate') return;
      if (prior.async_request_id && (prior.state === 'calling' || prior.state === 'waiting')) {
        // Submitted to an async vendor before: wait for that answer rather than asking again.
        if (await this.suspendOn(prior, prior.async_request_id)) return;
        const done = (await this.db('run_steps').where({ id: prior.id }).first('state', 'result')) as Pick<StepRow, 'state' | 'result'>;
        prior.state = done.state;
        prior.result = done.result;
        if (done.state === 'done') return this.merge(done.result, step);
        if (done.state !== 'calling' && done.state !== 'reserved') return;
      }
      return this.resumeStep(step, lookup, hash, prior);
    }
    if (step.skip === 'no_key') return this.skip(step, hash, 'no_key', `no ${step.vendor} key configured`);

    const cacheKey: CacheKey = { portalId: this.run.portal_id, vendor: step.vendor, operation: step.operation, lookupHash: hash };
    const deadline = Date.now() + this.deps.tuning.stepBudgetMs;
    const claimed = await this.fromCacheOrClaim(step, hash, cacheKey, deadline);
    if (!claimed) return;

    const key = await this.deps.keys.keyFor(this.run.portal_id, step.vendor);
    if (!key) {
      await releaseClaim(this.db, cacheKey, this.run.id);
      return this.skip(step, hash, 'no_key', `no ${step.vendor} key configured`);
    }
    const breakerKey = `${step.vendor}:${key.fingerprint}`;
    const cooldown = await cooldowns.get(`${step.vendor}|${key.fingerprint}`, async () =>
      (await this.db('vendor_key_state')
        .where({ vendor: step.vendor, key_fingerprint: key.fingerprint })
        .first('cooldown_until', 'reason')) ?? null,
    );
    if (cooldown && new Date(cooldown.cooldown_until) > new Date()) {
      await releaseClaim(this.db, cacheKey, this.run.id);
      return this.skip(step, hash, 'quota_exhausted', `${step.vendor} key cooling down until ${new Date(cooldown.cooldown_until).toISOString()}`, {
        key_fingerprint: key.fingerprint,
      });
    }
    if (this.deps.breakers.isOpen(breakerKey)) {
      await releaseClaim(this.db, cacheKey, this.run.id);
      return this.skip(step, hash, 'circuit_open', `${step.vendor} is failing; circuit open`, { key_fingerprint: key.fingerprint });
    }

    const cost = this.settings.costs_mc[`${step.vendor}.${step.operation}`] ?? step.spec.costMillicents;
    let stepRow: StepRow | null = null;
    const stepId = randomUUID();
    const reservation = await reserveSpend(
      this.db,
      { portalId: this.run.portal_id, vendor: step.vendor, amountMc: cost, runId: this.run.id, stepId },
      async (trx) => {
        const owned = await trx('enrichment_runs').where({ id: this.run.id, lease_owner: this.owner }).forUpdate().first('id');
        if (!owned) throw new LeaseLost();
        stepRow = await this.insertStep(trx, step, hash, { id: stepId, state: 'reserved', key_fingerprint: key.fingerprint, cost_mc: cost });
      },
    );
    if (!reservation.ok) {
      await releaseClaim(this.db, cacheKey, this.run.id);
      const { cap } = reservation;
      if (await recordCapAlert(this.db, this.run.portal_id, cap)) {
        await recordAudit(this.db, {
          portalId: this.run.portal_id,
          runId: this.run.id,
          contactId: this.run.contact_id,
          type: 'cap.reached',
          detail: { scope: cap.scope, period: cap.period, periodKey: cap.periodKey, capCents: cap.capCents, vendor: step.vendor },
        });
        this.deps.log.warn({ portalId: this.run.portal_id, cap }, 'spend cap reached');
      }
      if (this.settings.on_cap === 'pause') this.pausedOnCap = true;
      return this.skip(step, hash, 'cap_reached', `${cap.scope} ${cap.period} cap of ${cap.capCents}¢ reached`, {
        key_fingerprint: key.fingerprint,
      });
    }
    await this.callVendor(step, lookup, hash, stepRow!, reservation.reservationId, key, deadline);
  }

  /** Serves the step from the cache, or claims the lookup so this run is the one that calls. */
  private async fromCacheOrClaim(step: PlannedStep, hash: string, k: CacheKey, deadline: number): Promise<boolean> {
    const force = this.run.force_refresh;
    for (;;) {
      // Claim first: for a lookup never seen before (the common case) that is the only statement.
      if (await claimLookup(this.db, k, this.run.id, force)) return true;
      const c = await readCache(this.db, k);
      if (c.state === 'pending' && c.claimedBy !== this.run.id) {
        if (Date.now() + 200 > deadline) {
          await this.skip(step, hash, 'rate_limited', 'another run is still fetching this lookup');
          return false;
        }
        await sleep(100 + Math.random() * 100);
        continue;
      }
      if (!force && c.state === 'fresh') {
        await countCacheHit(this.db, k);
        await this.insertStep(this.db, step, hash, {
          state: 'done',
          outcome: c.answer.outcome,
          source: 'cache',
          result: { profile: c.answer.profile as CanonicalProfile, doNotProcess: c.answer.doNotProcess },
          finished_at: this.db.fn.now(),
        });
        this.merge(c.answer, step);
        return false;
      }
      if (!force && c.state === 'indeterminate') {
        await this.skip(step, hash, 'error', 'an earlier call for this lookup was interrupted; not repeated to avoid paying twice');
        return false;
      }
    }
  }

  /** A step found in the ledger from an earlier attempt of this run (the process died). */
  private async resumeStep(step: PlannedStep, lookup: Lookup, hash: string, prior: StepRow): Promise<void> {
    const cacheKey: CacheKey = { portalId: this.run.portal_id, vendor: step.vendor, operation: step.operation, lookupHash: hash };
    const reservation = await this.db('spend_reservations').where({ step_id: prior.id, state: 'reserved' }).first('id');
    const key = await this.deps.keys.keyFor(this.run.portal_id, step.vendor);
    // 'reserved': the request never left. 'calling': it may have reached the vendor and been billed;
    // only vendors that do not bill a repeated lookup may be asked again.
    if (key && reservation && (prior.state === 'reserved' || step.spec.billing.repeatLookupsFree)) {
      await claimLookup(this.db, cacheKey, this.run.id, true);
      return this.callVendor(step, lookup, hash, prior, reservation.id, key, Date.now() + this.deps.tuning.stepBudgetMs);
    }
    await this.db.transaction(async (trx) => {
      const owned = await trx('enrichment_runs').where({ id: this.run.id, lease_owner: this.owner }).forUpdate().first('id');
      if (!owned) throw new LeaseLost();
      if (reservation) await settleSpend(trx, reservation.id, prior.state === 'calling' ? Number(prior.cost_mc) : 0);
      if (prior.state === 'calling') {
        await claimLookup(trx, cacheKey, this.run.id, true);
        await storeAnswer(trx, cacheKey, this.run.id, 'indeterminate', this.settings.miss_ttl_days);
      } else {
        await releaseClaim(trx, cacheKey, this.run.id);
      }
      await trx('run_steps')
        .where({ id: prior.id })
        .update({
          state: prior.state === 'calling' ? 'indeterminate' : 'skipped',
          skip_reason: prior.state === 'calling' ? 'error' : 'no_key',
          billed: prior.state === 'calling',
          detail:
            prior.state === 'calling'
              ? 'the process stopped while this call was in flight; counted as billed and not repeated'
              : 'no key configured when the run resumed',
          finished_at: trx.fn.now(),
        });
    });
    prior.state = prior.state === 'calling' ? 'indeterminate' : 'skipped';
  }

  private async callVendor(
    step: PlannedStep,
    lookup: Lookup,
    hash: string,
    row: StepRow,
    reservationId: string,
    key: VendorKey,
    deadline: number,
  ): Promise<void> {
    const { deps } = this;
    const breakerKey = `${step.vendor}:${key.fingerprint}`;
    const windows = this.settings.rate_limits[`${step.vendor}.${step.operation}`] ?? step.spec.rateWindows;
    const batchWindows = this.settings.rate_limits[`${step.vendor}.${step.operation}_bulk`] ?? step.spec.batch?.rateWindows ?? windows;
    let batch: { id: string; size: number } | null = null;
    const cacheKey: CacheKey = { portalId: this.run.portal_id, vendor: step.vendor, operation: step.operation, lookupHash: hash };
    let httpCalls = 0;
    let waited = 0;
    let transientFailures = 0;
    let last: VendorResult | null = null;
    let skipReason: SkipReason | null = null;
    let detail = '';
    let indeterminate = false;
    // A vendor that bills an answer it asks us to fetch again later (Clearbit's 202 "queued").
    let billedAttempt = false;
    const started = Date.now();

    for (;;) {
      const attempt = await deps.caller.attempt({
        runId: this.run.id,
        owner: this.owner,
        portalId: this.run.portal_id,
        vendor: step.vendor,
        operation: step.operation,
        spec: step.spec,
        lookup,
        key,
        row,
        windows,
        batchWindows,
        deadline,
        submittedAt: Date.now(),
        interactive: this.run.interactive,
      });
      if (attempt.kind === 'lease_lost') throw new LeaseLost();
      if (attempt.kind === 'submitted') {
        // An async vendor will answer later: the run waits without holding a worker.
        if (await this.suspendOn(row, attempt.requestId)) return;
        // Answered while we were still here: the step is done; take its answer and go on.
        const done = (await this.db('run_steps').where({ id: row.id }).first('result')) as { result: StepRow['result'] } | undefined;
        row.state = 'done';
        row.result = done?.result ?? null;
        this.merge(row.result, step);
        return;
      }
      if (attempt.kind === 'no_token' || attempt.kind === 'circuit_open') {
        skipReason = attempt.kind === 'no_token' ? 'rate_limited' : 'circuit_open';
        detail = attempt.kind === 'no_token'
          ? `no ${step.vendor} rate budget before the step's wait budget ran out`
          : `${step.vendor} is failing; circuit open`;
        if (!billedAttempt) {
          if (row.state === 'calling' && !(await this.transition(row.id, 'calling', 'reserved'))) throw new LeaseLost();
          row.state = 'reserved';
        }
        break;
      }
      httpCalls++;
      waited += attempt.waitedMs;
      if (attempt.batchId) batch = { id: attempt.batchId, size: attempt.batchSize ?? 1 };
      const bucket = attempt.bucket;
      const result = attempt.result;
      last = result;
      // A request shared by several steps was counted for the breaker once, by the caller.
      if (result.outcome === 'hit' || result.outcome === 'miss') {
        if (!attempt.shared) deps.breakers.success(breakerKey);
        break;
      }
      if (!attempt.shared) {
        if (result.outcome === 'transient') deps.breakers.failure(breakerKey);
        else deps.breakers.success(breakerKey);
      }
      if (result.billed) billedAttempt = true;
      // Known not to be billed: a crash from here on must not count this step as billed.
      if (!billedAttempt) {
        if (!(await this.transition(row.id, 'calling', 'reserved'))) throw new LeaseLost();
        row.state = 'reserved';
      }

      if (result.outcome === 'rate_limited') {
        // The vendor's own signal: block the bucket for every process until its reset, then retry
        // within this step's budget.
        await deps.gate.block(bucket, result.retryAt ?? Date.now() + 1000);
        continue;
      }
      if (result.outcome === 'transient' && result.ambiguous && !step.spec.billing.repeatLookupsFree) {
        // The vendor may have answered (and billed) a request we never heard back from: asking
        // again could pay twice, so this lookup is given up and counted as spent.
        indeterminate = true;
        skipReason = 'error';
        detail = `${step.vendor}: ${result.message ?? 'no answer'}; it may have been billed, so it is not asked again`;
        break;
      }
      if (result.outcome === 'transient') {
        transientFailures++;
        const backoff = deps.tuning.backoffBaseMs * 2 ** (transientFailures - 1);
        const wakeAt = Math.max(result.retryAt ?? 0, Date.now() + backoff / 2 + Math.random() * backoff);
        if (transientFailures >= deps.tuning.maxAttempts || wakeAt > deadline) {
          skipReason = 'error';
          detail = `${step.vendor} failed ${transientFailures} time(s): ${result.message ?? 'transient error'}`;
          break;
        }
        await sleep(wakeAt - Date.now());
        continue;
      }
      if (result.outcome === 'quota_exhausted') {
        const until = new Date(result.retryAt ?? Date.now() + 3_600_000);
        await this.db('vendor_key_state')
          .insert({ vendor: step.vendor, key_fingerprint: key.fingerprint, cooldown_until: until, reason: 'quota_exhausted' })
          .onConflict(['vendor', 'key_fingerprint'])
          .merge({ cooldown_until: until, reason: 'quota_exhausted', updated_at: this.db.fn.now() });
        cooldowns.delete(`${step.vendor}|${key.fingerprint}`);
        await recordAudit(this.db, {
          portalId: this.run.portal_id,
          runId: this.run.id,
          type: 'vendor.quota_exhausted',
          detail: { vendor: step.vendor, until: until.toISOString() },
        });
        skipReason = 'quota_exhausted';
        detail = `${step.vendor} quota used up until ${until.toISOString()}`;
        break;
      }
      skipReason = 'error';
      detail = `${step.vendor} ${result.outcome}: ${result.message ?? ''}`.trim();
      if (result.outcome === 'auth_failed') {
        await recordAudit(this.db, {
          portalId: this.run.portal_id,
          runId: this.run.id,
          type: 'vendor.auth_failed',
          detail: { vendor: step.vendor, httpStatus: result.httpStatus },
        });
      }
      break;
    }

    const answered = !skipReason && last !== null;
    const billed = (answered && last!.billed) || indeterminate || billedAttempt;
    const charged = billed ? chargeFor(Number(row.cost_mc), answered ? last!.costShare : undefined) : 0;
    const result = answered ? { profile: last!.profile ?? {}, doNotProcess: !!last!.doNotProcess } : null;
    await this.db.transaction(async (trx) => {
      await trx('run_steps')
        .where({ id: row.id })
        .update({
          state: answered ? 'done' : indeterminate ? 'indeterminate' : 'skipped',
          outcome: last?.outcome ?? null,
          source: 'vendor',
          skip_reason: skipReason,
          billed,
          cost_mc: charged,
          http_calls: trx.raw('http_calls + ?', [httpCalls]),
          ...(batch ? { batch_id: batch.id, batch_size: batch.size } : {}),
          http_status: last?.httpStatus ?? null,
          latency_ms: Date.now() - started - waited,
          waited_ms: waited,
          detail: detail || last?.message || null,
          result: result ? JSON.stringify(result) : null,
          finished_at: trx.fn.now(),
        });
      await settleSpend(trx, reservationId, charged);
      if (answered) {
        const outcome = last!.outcome as 'hit' | 'miss';
        await storeAnswer(
          trx,
          cacheKey,
          this.run.id,
          { outcome, profile: result!.profile, doNotProcess: result!.doNotProcess },
          outcome === 'hit' ? this.settings.cache_ttl_days : this.settings.miss_ttl_days,
        );
      } else if (indeterminate) {
        await storeAnswer(trx, cacheKey, this.run.id, 'indeterminate', this.settings.miss_ttl_days);
      } else {
        await releaseClaim(trx, cacheKey, this.run.id);
      }
    });
    row.state = answered ? 'done' : indeterminate ? 'indeterminate' : 'skipped';
    row.result = result as StepRow['result'];
    if (answered) this.merge(result, step);
  }

  /**
   * Parks the run until the async vendor answers `requestId`: the step becomes 'waiting' and the
   * run gives up its lease. Returns false when there is nothing to wait for (the answer arrived
   * meanwhile, or the request no longer exists); the step row then says what happened.
   */
  private async suspendOn(row: StepRow, requestId: string): Promise<boolean> {
    const parked = await this.db.transaction(async (trx) => {
      // Locks the step first, as the completion does, so one of the two sees the other's work.
      const step = await trx('run_steps').where({ id: row.id }).forUpdate().first('state');
      if (!step || (step.state !== 'calling' && step.state !== 'waiting')) return false;
      const req = await trx('async_requests').where({ id: requestId }).first('state');
      if (!req || (req.state !== 'submitting' && req.state !== 'pending')) return false;
      await trx('run_steps').where({ id: row.id }).update({ state: 'waiting', async_request_id: requestId });
      const n = await trx('enrichment_runs')
        .where({ id: this.run.id, lease_owner: this.owner, state: 'running' })
        .update({ state: 'waiting', lease_owner: null, lease_expires_at: null });
      if (n !== 1) throw new LeaseLost();
      return true;
    });
    if (parked) {
      row.state = 'waiting';
      this.waiting = true;
    }
    return parked;
  }

  /** Closes the run, unless new groups were attached meanwhile (then returns null to go on). */
  private async finish(): Promise<RunSummary | null> {
    const steps = (await this.db('run_steps').where({ run_id: this.run.id }).select('state', 'outcome', 'skip_reason', 'cost_mc', 'billed')) as {
      state: StepSummary['state'];
      outcome: string | null;
      skip_reason: SkipReason | null;
      cost_mc: number;
      billed: boolean;
    }[];
    const costMc = steps.reduce((s, x) => s + (x.billed ? Number(x.cost_mc) : 0), 0);
    const summary = summarize({
      groups: this.run.groups,
      profile: this.profile,
      steps: steps.map((s) => ({ state: s.state, outcome: s.outcome, skipReason: s.skip_reason })),
      threshold: this.settings.confidence_threshold,
      suppressed: this.suppressed,
      pausedOnCap: this.pausedOnCap,
      costMc,
    });
    const now = new Date();
    const policy = computePropertyChanges(this.profile, this.run.contact.properties, this.settings);
    const app = appProperties(summary, this.profile, now);
    const changes = { ...(summary.status === 'suppressed' ? {} : policy.changes), ...app };
    const done = await this.db.transaction(async (trx) => {
      const n = await trx('enrichment_runs')
        .where({ id: this.run.id, lease_owner: this.owner, state: 'running', force_refresh: this.run.force_refresh })
        .andWhereRaw('groups = ?::jsonb', [JSON.stringify(this.run.groups)])
        .update({
          state: 'done',
          status: summary.status,
          // A contact erased while its run was under way stays erased.
          profile: trx.raw('CASE WHEN purged_at IS NULL THEN ?::jsonb ELSE NULL END', [JSON.stringify(this.profile)]),
          changes: trx.raw('CASE WHEN purged_at IS NULL THEN ?::jsonb ELSE NULL END', [JSON.stringify({ properties: changes, decisions: policy.decisions })]),
          summary: JSON.stringify(summary),
          cost_mc: costMc,
          lease_owner: null,
          lease_expires_at: null,
          finished_at: trx.fn.now(),
        });
      if (n !== 1) return false;
      await recordAudit(trx, {
        portalId: this.run.portal_id,
        runId: this.run.id,
        contactId: this.run.contact_id,
        type: 'run.finished',
        detail: { status: summary.status, errorCode: summary.errorCode, fields: summary.fieldsFilled, sources: summary.sources, costMc },
      });
      await this.deps.onFinished?.(trx, {
        runId: this.run.id,
        portalId: Number(this.run.portal_id),
        contactId: this.run.contact_id,
        interactive: this.run.interactive,
        summary,
        profile: this.profile,
        appProperties: app,
        finishedAt: now,
      });
      return true;
    });
    return done ? summary : null;
  }
}

/**
 * Executes a run if this process can claim it. Returns the summary, or null when another process
 * holds it, it is already finished, or this process lost its lease mid-way.
 */
export async function executeRun(deps: EngineDeps, runId: string): Promise<RunSummary | null> {
  const owner = `${deps.instanceId}/${randomUUID().slice(0, 8)}`;
  const run = await claimRun(deps, runId, owner);
  if (!run) return null;
  return new RunExecution(deps, run, owner).execute();
}
