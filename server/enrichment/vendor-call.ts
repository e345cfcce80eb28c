// One attempt at a vendor for one step: a single call, a seat in a bulk batch shared with other
// runs' steps, or a submission to an asynchronous vendor. Every path takes a rate token first, then
// moves the step(s) to 'calling' under each run's lease (so a process that lost a run can never
// send for it), then makes the HTTP request. What to do with the answer is the runner's business.
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Lookup, OperationSpec, RateWindow, VendorAdapter, VendorResult } from '../vendors/types.ts';
import type { RateGate } from './limiter.ts';
import type { CircuitBreakers } from './breaker.ts';
import type { VendorKey } from './keys.ts';
import { Coalescer } from './coalescer.ts';
import type { BatchMember } from './coalescer.ts';
import type { DriftRecorder } from './drift-recorder.ts';
import type { Metrics } from '../metrics.ts';

import type { VendorEndpoints } from '../vendors/registry.ts';
export type { VendorEndpoints };

/** The step as the caller needs it; `state` is updated here when the step moves to 'calling'. */
export interface StepHandle {
  id: string;
  state: string;
}

export interface AttemptRequest {
  runId: string;
  /** The run's lease owner: the step may only be sent while this execution holds the run. */
  owner: string;
  portalId: number;
  vendor: string;
  operation: string;
  spec: OperationSpec;
  lookup: Lookup;
  key: VendorKey;
  row: StepHandle;
  /** Windows of the single endpoint and of the bulk endpoint (portal overrides applied). */
  windows: readonly RateWindow[];
  batchWindows: readonly RateWindow[];
  deadline: number;
  /** When the step asked (epoch ms), to tell waiting from the vendor's own latency. */
  submittedAt: number;
  /** Someone is watching this run (the card): no waiting for a bulk batch to fill. */
  interactive?: boolean;
}

export type AttemptOutcome =
  | {
      kind: 'result';
      result: VendorResult;
      bucket: string;
      waitedMs: number;
      batchId?: string;
      batchSize?: number;
      /** One request answered several steps: the caller counted it for the circuit breaker, once. */
      shared?: boolean;
    }
  | { kind: 'submitted'; requestId: string; bucket: string }
  | { kind: 'no_token' }
  | { kind: 'circuit_open' }
  | { kind: 'lease_lost' };

/**
 * How long a batch waits for the bulk endpoint's budget before its steps go out one by one instead:
 * a bulk endpoint far scarcer than the single one (ZeroBounce's validatebatch, 5 a minute, against
 * 50,000 validations per 10 s) must not hold steps that the single endpoint can answer now.
 */
export const BULK_PATIENCE_MS = 1_000;

export interface AsyncHooks {
  /** The URL an async vendor posts its answer to, carrying a signed token for this request. */
  callbackUrl(vendor: string, requestId: string, binding: string, ttlMs: number): string;
  schedulePoll(requestId: string, at: Date): Promise<void>;
}

export interface VendorCallerDeps {
  db: Knex;
  adapters: ReadonlyMap<string, VendorAdapter>;
  gate: RateGate;
  breakers: CircuitBreakers;
  baseUrls: Readonly<Record<string, VendorEndpoints>>;
  timeoutMs: number;
  /** How long a bulk-capable step waits for others to share its request; 0 turns coalescing off. */
  batchWindowMs: number;
  drift: DriftRecorder;
  metrics?: Metrics;
  asyncHooks?: AsyncHooks;
  log: Logger;
}

/** The rate bucket of a call: per key and endpoint, or per key and the vendor's shared rate group. */
export function rateBucket(vendor: string, fingerprint: string, spec: OperationSpec, bulk: boolean): string {
  if (spec.rateGroup) return `${vendor}:${fingerprint}:group:${spec.rateGroup}`;
  return `${vendor}:${fingerprint}:${spec.id}${bulk ? ':bulk' : ''}`;
}

/** Binds an async request to exactly its (run, step) pairs; the callback token carries it. */
export function bindingOf(members: readonly { runId: string; stepId: string }[]): string {
  const h = createHash('sha256');
  for (const m of [...members].sort((a, b) => a.stepId.localeCompare(b.stepId))) h.update(`${m.runId}:${m.stepId}\n`);
  return h.digest('base64url');
}

export class VendorCaller {
  private readonly deps: VendorCallerDeps;
  private readonly coalescer: Coalescer<AttemptRequest, AttemptOutcome>;
  readonly stats = { singleCalls: 0, batchCalls: 0, batchedSteps: 0, submissions: 0 };

  constructor(deps: VendorCallerDeps) {
    this.deps = deps;
    this.coalescer = new Coalescer((_key, members) => this.flushBatch(members));
  }

  get coalescing() {
    return this.coalescer.stats;
  }

  endpointsFor(vendor: string): VendorEndpoints {
    return this.deps.baseUrls[vendor] ?? { baseUrl: '' };
  }

  /** One attempt for one step: alone, or in a batch when the operation has a bulk (or async) form. */
  attempt(req: AttemptRequest): Promise<AttemptOutcome> {
    const adapter = this.deps.adapters.get(req.vendor)!;
    const isAsync = !!req.spec.async && !!adapter.submit;
    const batchable = !!req.spec.batch && !!adapter.callBatch && this.deps.batchWindowMs > 0;
    if (!isAsync && (!batchable || req.interactive)) return this.single(req);
    const maxSize = req.spec.batch?.maxSize ?? 1;
    return this.coalescer.submit(`${req.vendor}:${req.key.fingerprint}:${req.operation}`, req, {
      maxSize,
      windowMs: maxSize > 1 ? this.deps.batchWindowMs : 0,
    });
  }

  drain(): void {
    this.coalescer.drain();
  }

  private ctx(vendor: string, key: VendorKey) {
    const ep = this.endpointsFor(vendor);
    return { apiKey: key.apiKey, baseUrl: ep.baseUrl, ...(ep.hosts ? { hosts: ep.hosts } : {}), timeoutMs: this.deps.timeoutMs };
  }

  /**
   * Moves the steps to 'calling', each fenced on its own run's lease. Returns the ids that moved;
   * the others belong to runs this process no longer holds.
   */
  private async markCalling(reqs: readonly AttemptRequest[], extra: { batchId?: string; batchSize?: number; asyncRequestId?: string } = {}): Promise<Set<string>> {
    const todo = reqs.filter((r) => r.row.state !== 'calling' || extra.batchId || extra.asyncRequestId);
    const moved = new Set(reqs.filter((r) => !todo.includes(r)).map((r) => r.row.id));
    if (todo.length === 0) return moved;
    const values = todo.map(() => '(?::uuid, ?::text)').join(', ');
    const params: string[] = todo.flatMap((r) => [r.row.id, r.owner]);
    const res = await this.deps.db.raw(
      `UPDATE run_steps s
          SET state = 'calling', batch_id = ?::uuid, batch_size = ?::integer, async_request_id = ?::uuid
         FROM (VALUES ${values}) AS v(id, owner), enrichment_runs r
        WHERE s.id = v.id AND r.id = s.run_id AND r.lease_owner = v.owner AND s.state IN ('reserved', 'calling')
        RETURNING s.id`,
      [extra.batchId ?? null, extra.batchSize ?? null, extra.asyncRequestId ?? null, ...params],
    );
    for (const row of res.rows as { id: string }[]) moved.add(row.id);
    for (const r of todo) if (moved.has(r.row.id)) r.row.state = 'calling';
    return moved;
  }

  /** Feeds what the answer said about quotas and schema back into pacing and the drift counts. */
  private async learn(req: AttemptRequest, bucket: string, windows: readonly RateWindow[], result: VendorResult | undefined): Promise<void> {
    if (!result) return;
    if (result.drift) this.deps.drift.record(req.vendor, req.operation, result.drift);
    if (result.quota?.length) {
      try {
        await this.deps.gate.observe(bucket, windows, result.quota, this.deps.gate.slots(bucket).activeCount - 1);
      } catch (err) {
        this.deps.log.warn({ err, vendor: req.vendor }, 'could not apply the vendor quota headers');
      }
    }
  }

  private async single(req: AttemptRequest): Promise<AttemptOutcome> {
    const { gate, breakers } = this.deps;
    const adapter = this.deps.adapters.get(req.vendor)!;
    // Vendors count each endpoint (or each group of endpoints) on its own, per key; a failing
    // vendor fails for every endpoint.
    const bucket = rateBucket(req.vendor, req.key.fingerprint, req.spec, false);
    const breakerKey = `${req.vendor}:${req.key.fingerprint}`;
    const queuedAt = Date.now();
    return gate.slots(bucket)(async (): Promise<AttemptOutcome> => {
      // The token is taken inside the in-flight slot and re-taken if the request could no longer
      // leave inside the windows it was counted in: a request queued behind others, or behind a
      // database write, must not spill into the vendor's next window.
      for (;;) {
        const token = await gate.acquire(bucket, req.windows, req.deadline);
        if (!token.ok) return { kind: 'no_token' };
        if (req.row.state !== 'calling' && !(await this.markCalling([req])).has(req.row.id)) return { kind: 'lease_lost' };
        if (Date.now() <= token.validUntil) break;
      }
      if (!breakers.allow(breakerKey)) return { kind: 'circuit_open' };
      this.stats.singleCalls++;
      const waitedMs = Date.now() - queuedAt;
      const result = await adapter.call(req.operation, req.lookup, this.ctx(req.vendor, req.key));
      this.deps.metrics?.vendorRequests.inc({ vendor: req.vendor, operation: req.operation, mode: 'single', outcome: result.outcome });
      await this.learn(req, bucket, req.windows, result);
      return { kind: 'result', result, bucket, waitedMs };
    });
  }

  private async flushBatch(members: BatchMember<AttemptRequest, AttemptOutcome>[]): Promise<void> {
    const first = members[0]!.input;
    const adapter = this.deps.adapters.get(first.vendor)!;
    const isAsync = !!first.spec.async && !!adapter.submit;
    if (members.length === 1 && !isAsync) {
      members[0]!.resolve(await this.single(first));
      return;
    }
    const { gate, breakers } = this.deps;
    const bucket = rateBucket(first.vendor, first.key.fingerprint, first.spec, true);
    const breakerKey = `${first.vendor}:${first.key.fingerprint}`;
    const windows = first.batchWindows;
    // Only where single calls are counted apart from bulk ones can they go out instead.
    let probing = !isAsync && bucket !== rateBucket(first.vendor, first.key.fingerprint, first.spec, false);
    let oneByOne = false;
    await gate.slots(bucket)(async () => {
      let live = members;
      const deadline = Math.max(...members.map((m) => m.input.deadline));
      const batchId = randomUUID();
      const requestId = isAsync ? randomUUID() : undefined;
      const points = first.spec.batch?.requestsFor?.(members.length) ?? 1;
      let created = false;
      for (;;) {
        const token = await gate.acquire(bucket, windows, probing ? Math.min(deadline, Date.now() + BULK_PATIENCE_MS) : deadline, points);
        if (!token.ok && probing) {
          // No bulk budget soon, and nothing marked or sent yet: the steps go out one by one.
          oneByOne = true;
          return;
        }
        probing = false;
        if (!token.ok) {
          for (const m of live) m.resolve({ kind: 'no_token' });
          if (created) await this.deps.db('async_requests').where({ id: requestId }).delete();
          return;
        }
        if (isAsync && !created) {
          await this.createAsyncRequest(requestId!, first, live.map((m) => m.input));
          created = true;
        }
        const moved = await this.markCalling(
          live.map((m) => m.input),
          { batchId, batchSize: live.length, ...(requestId ? { asyncRequestId: requestId } : {}) },
        );
        for (const m of live) if (!moved.has(m.input.row.id)) m.resolve({ kind: 'lease_lost' });
        live = live.filter((m) => moved.has(m.input.row.id));
        if (live.length === 0) {
          if (created) await this.deps.db('async_requests').where({ id: requestId }).delete();
          return;
        }
        if (Date.now() <= token.validUntil) break;
      }
      if (!breakers.allow(breakerKey)) {
        for (const m of live) m.resolve({ kind: 'circuit_open' });
        if (created) await this.deps.db('async_requests').where({ id: requestId }).delete();
        return;
      }
      const ctx = this.ctx(first.vendor, first.key);
      const lookups = live.map((m) => m.input.lookup);
      if (isAsync) {
        await this.submitAsync(requestId!, adapter, first, live, lookups, ctx, bucket);
        return;
      }
      this.stats.batchCalls++;
      this.stats.batchedSteps += live.length;
      const sentAt = Date.now();
      const results = await adapter.callBatch!(first.operation, lookups, ctx);
      this.deps.metrics?.vendorRequests.inc({ vendor: first.vendor, operation: first.operation, mode: 'batch', outcome: results[0]?.outcome ?? 'none' });
      // One request, one breaker verdict: a failed batch of ten is one failure, not ten.
      if (results.length && results.every((r) => r.outcome === 'transient')) breakers.failure(breakerKey);
      else breakers.success(breakerKey);
      const withQuota = results.find((r) => r.quota?.length);
      if (withQuota) await this.learn(first, bucket, windows, { ...withQuota, drift: undefined });
      // One answer, one drift report: adapters copy a batch's drift onto each of its results.
      const unknown = new Set(results.flatMap((r) => r.drift?.unknown ?? []));
      const missing = new Set(results.flatMap((r) => r.drift?.missing ?? []));
      if (unknown.size || missing.size) this.deps.drift.record(first.vendor, first.operation, { unknown: [...unknown], missing: [...missing] });
      live.forEach((m, i) => {
        const result = results[i] ?? { outcome: 'transient', httpStatus: 0, billed: false, message: 'no answer for this lookup in the batch' };
        m.resolve({ kind: 'result', result, bucket, waitedMs: sentAt - m.input.submittedAt, batchId, batchSize: live.length, shared: true });
      });
    });
    if (oneByOne) {
      await Promise.all(
        members.map(async (m) => {
          try {
            m.resolve(await this.single(m.input));
          } catch (err) {
            m.reject(err);
          }
        }),
      );
    }
  }

  private async createAsyncRequest(requestId: string, first: AttemptRequest, reqs: readonly AttemptRequest[]): Promise<void> {
    const spec = first.spec.async!;
    const members = reqs.map((r) => ({ stepId: r.row.id, runId: r.runId, key: r.lookup.key, params: r.lookup.params }));
    await this.deps.db('async_requests').insert({
      id: requestId,
      vendor: first.vendor,
      operation: first.operation,
      portal_id: first.portalId,
      key_fingerprint: first.key.fingerprint,
      state: 'submitting',
      members: JSON.stringify(members),
      binding: bindingOf(members),
      give_up_at: new Date(Date.now() + spec.giveUpAfterMs),
    });
  }

  private async submitAsync(
    requestId: string,
    adapter: VendorAdapter,
    first: AttemptRequest,
    live: BatchMember<AttemptRequest, AttemptOutcome>[],
    lookups: Lookup[],
    ctx: ReturnType<VendorCaller['ctx']>,
    bucket: string,
  ): Promise<void> {
    const hooks = this.deps.asyncHooks;
    const spec = first.spec.async!;
    const db = this.deps.db;
    // Lease losses may have dropped members since the row was written: bind exactly the ones sent.
    const members = live.map((m) => ({ stepId: m.input.row.id, runId: m.input.runId, key: m.input.lookup.key, params: m.input.lookup.params }));
    const binding = bindingOf(members);
    await db('async_requests').where({ id: requestId }).update({ members: JSON.stringify(members), binding });
    if (!hooks) {
      const result: VendorResult = { outcome: 'invalid_input', httpStatus: 0, billed: false, message: 'asynchronous vendors need PUBLIC_BASE_URL for their callbacks' };
      await db('async_requests').where({ id: requestId }).delete();
      for (const m of live) m.resolve({ kind: 'result', result, bucket, waitedMs: 0 });
      return;
    }
    this.stats.submissions++;
    const callbackUrl = hooks.callbackUrl(first.vendor, requestId, binding, spec.giveUpAfterMs + 10 * 60_000);
    const answer = await adapter.submit!(first.operation, lookups, { ...ctx, callbackUrl });
    this.deps.metrics?.vendorRequests.inc({ vendor: first.vendor, operation: first.operation, mode: 'async', outcome: answer.outcome });
    const breakerKey = `${first.vendor}:${first.key.fingerprint}`;
    if (answer.outcome === 'transient') this.deps.breakers.failure(breakerKey);
    else this.deps.breakers.success(breakerKey);
    if (answer.outcome !== 'submitted') {
      await this.learn(first, bucket, first.batchWindows, answer);
      await db('async_requests').where({ id: requestId, state: 'submitting' }).delete();
      for (const m of live) m.resolve({ kind: 'result', result: answer, bucket, waitedMs: 0, shared: true });
      return;
    }
    const firstPoll = new Date(Date.now() + spec.pollAfterMs);
    // A callback may have completed the request already (state 'done'): then this changes nothing.
    await db('async_requests')
      .where({ id: requestId, state: 'submitting' })
      .update({ state: 'pending', external_id: answer.externalId, next_poll_at: firstPoll });
    await db('async_requests').where({ id: requestId }).whereNull('external_id').update({ external_id: answer.externalId });
    await hooks.schedulePoll(requestId, firstPoll);
    for (const m of live) m.resolve({ kind: 'submitted', requestId, bucket });
  }
}
