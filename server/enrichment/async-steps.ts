// Steps answered later by an asynchronous vendor (FullEnrich). The submission parks each run
// (state 'waiting', no worker held); the answer arrives by callback — or, if none comes, by
// polling — and is applied exactly once: the request leaves 'submitting'/'pending' in the same
// transaction that records each step, settles its spend, caches its answer and re-queues its run.
// A duplicate, replayed or late callback finds the request closed and changes nothing.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Lookup, VendorAdapter, VendorResult } from '../vendors/types.ts';
import { CallbackTokenError } from '../security/callback-token.ts';
import type { CallbackTokens } from '../security/callback-token.ts';
import type { KeyProvider } from './keys.ts';
import type { RateGate } from './limiter.ts';
import type { DriftRecorder } from './drift-recorder.ts';
import { bindingOf, rateBucket } from './vendor-call.ts';
import type { VendorEndpoints } from './vendor-call.ts';
import { loadSettings } from './settings.ts';
import type { PortalSettings } from './settings.ts';
import { chargeFor, settleSpend } from './spend.ts';
import { releaseClaim, storeAnswer } from './cache.ts';
import { recordAudit } from './audit.ts';

export interface AsyncDeps {
  db: Knex;
  adapters: ReadonlyMap<string, VendorAdapter>;
  keys: KeyProvider;
  gate: RateGate;
  endpoints(vendor: string): VendorEndpoints;
  timeoutMs: number;
  tokens: CallbackTokens;
  drift: DriftRecorder;
  /** Queues the runs' jobs inside the transaction that re-queued them. */
  enqueueRuns(trx: Knex.Transaction, runIds: string[]): Promise<void>;
  schedulePoll(requestId: string, at: Date): Promise<void>;
  log: Logger;
}

interface Member {
  stepId: string;
  runId: string;
  key: string;
  params: Record<string, string>;
}

interface RequestRow {
  id: string;
  vendor: string;
  operation: string;
  portal_id: number;
  key_fingerprint: string;
  state: 'submitting' | 'pending' | 'done' | 'expired';
  external_id: string | null;
  members: Member[];
  binding: string;
  polls: number;
  give_up_at: Date;
}

export type Completion = 'completed' | 'already_completed' | 'unknown_request';

type Answer = { kind: 'results'; results: VendorResult[] } | { kind: 'timeout' };

const lookupsOf = (r: RequestRow): Lookup[] => r.members.map((m) => ({ key: m.key, params: m.params }));

/**
 * Applies the vendor's answer to every step of the request, once. Results are in member order; a
 * timeout counts each step as possibly billed (the vendor may still finish and charge) and does
 * not ask again, as for any call whose answer never came.
 */
export async function completeAsyncRequest(deps: AsyncDeps, requestId: string, answer: Answer, via: 'callback' | 'poll' | 'timeout'): Promise<Completion> {
  const outcome = await deps.db.transaction(async (trx): Promise<Completion> => {
    const closed = await trx('async_requests')
      .where({ id: requestId })
      .whereIn('state', ['submitting', 'pending'])
      .update({ state: answer.kind === 'timeout' ? 'expired' : 'done', completed_at: trx.fn.now(), completed_via: via })
      .returning(['id', 'vendor', 'operation', 'portal_id', 'members']);
    const req = closed[0] as Pick<RequestRow, 'vendor' | 'operation' | 'portal_id' | 'members'> | undefined;
    if (!req) {
      const exists = await trx('async_requests').where({ id: requestId }).first('id');
      return exists ? 'already_completed' : 'unknown_request';
    }
    const steps = (await trx('run_steps')
      .whereIn('id', req.members.map((m) => m.stepId))
      .orderBy('id')
      .forUpdate()
      .select('id', 'run_id', 'portal_id', 'vendor', 'operation', 'lookup_hash', 'state', 'cost_mc')) as {
      id: string;
      run_id: string;
      portal_id: number;
      vendor: string;
      operation: string;
      lookup_hash: string;
      state: string;
      cost_mc: number;
    }[];
    const byId = new Map(steps.map((s) => [s.id, s]));
    const settings = new Map<number, PortalSettings>();
    const runs = new Set<string>();
    for (const [i, m] of req.members.entries()) {
      const step = byId.get(m.stepId);
      if (!step || (step.state !== 'calling' && step.state !== 'waiting')) continue;
      let s = settings.get(step.portal_id);
      if (!s) {
        s = await loadSettings(trx, step.portal_id);
        settings.set(step.portal_id, s);
      }
      const r: VendorResult | undefined = answer.kind === 'results' ? answer.results[i] : undefined;
      if (r?.drift) deps.drift.record(req.vendor, req.operation, r.drift);
      const answered = !!r && (r.outcome === 'hit' || r.outcome === 'miss');
      const indeterminate = answer.kind === 'timeout';
      const billed = (answered && r!.billed) || indeterminate;
      const charged = billed ? chargeFor(Number(step.cost_mc), answered ? r!.costShare : undefined) : 0;
      const result = answered ? { profile: r!.profile ?? {}, doNotProcess: !!r!.doNotProcess } : null;
      await trx('run_steps')
        .where({ id: step.id })
        .update({
          state: answered ? 'done' : indeterminate ? 'indeterminate' : 'skipped',
          outcome: r?.outcome ?? null,
          source: 'vendor',
          skip_reason: answered ? null : 'error',
          billed,
          cost_mc: charged,
          http_status: r?.httpStatus ?? null,
          detail: answered
            ? `answered by ${via}`
            : indeterminate
              ? `${req.vendor} did not answer in time; it may still bill, so this lookup is counted as spent and not asked again`
              : `${req.vendor}: ${r?.message ?? 'no answer for this lookup'}`,
          result: result ? JSON.stringify(result) : null,
          finished_at: trx.fn.now(),
        });
      const reservation = await trx('spend_reservations').where({ step_id: step.id, state: 'reserved' }).first('id');
      if (reservation) await settleSpend(trx, reservation.id, charged);
      const cacheKey = { portalId: step.portal_id, vendor: step.vendor, operation: step.operation, lookupHash: step.lookup_hash };
      if (answered) {
        const out = r!.outcome as 'hit' | 'miss';
        await storeAnswer(trx, cacheKey, step.run_id, { outcome: out, profile: result!.profile, doNotProcess: result!.doNotProcess }, out === 'hit' ? s.cache_ttl_days : s.miss_ttl_days);
      } else if (indeterminate) {
        await storeAnswer(trx, cacheKey, step.run_id, 'indeterminate', s.miss_ttl_days);
      } else {
        await releaseClaim(trx, cacheKey, step.run_id);
      }
      runs.add(step.run_id);
    }
    // Runs that parked on this request go back to the queue. A run still executing (it has not
    // parked yet) finds its step done when it tries to, and carries on by itself.
    const requeued = (await trx('enrichment_runs')
      .whereIn('id', [...runs])
      .andWhere({ state: 'waiting' })
      .update({ state: 'queued' })
      .returning('id')) as { id: string }[];
    if (requeued.length) await deps.enqueueRuns(trx, requeued.map((r) => r.id));
    if (answer.kind === 'timeout') {
      await recordAudit(trx, {
        portalId: req.portal_id,
        type: 'vendor.async_timeout',
        detail: { vendor: req.vendor, operation: req.operation, requestId, steps: req.members.length },
      });
    }
    return 'completed';
  });
  return outcome;
}

export type CallbackVerdict =
  | { status: 200; body: { status: 'completed'; steps: number } }
  | { status: 400 | 401 | 404 | 409; body: { error: string; message: string; field?: string } };

/** A callback from an async vendor: token, binding and the vendor's own signature, then the answer. */
export async function acceptCallback(
  deps: AsyncDeps,
  vendor: string,
  token: string | undefined,
  req: { rawBody: string; headers: Headers },
): Promise<CallbackVerdict> {
  const adapter = deps.adapters.get(vendor);
  if (!adapter?.parseCallback) return { status: 404, body: { error: 'unknown_vendor', message: `no asynchronous vendor "${vendor}"` } };
  let claims;
  try {
    claims = deps.tokens.verify(token, vendor);
  } catch (err) {
    if (!(err instanceof CallbackTokenError)) throw err;
    if (err.reason === 'missing') return { status: 400, body: { error: 'invalid_request', field: 'token', message: err.message } };
    return { status: 401, body: { error: `token_${err.reason}`, field: 'token', message: err.message } };
  }
  const row = (await deps.db('async_requests').where({ id: claims.requestId }).first()) as RequestRow | undefined;
  if (!row || row.vendor !== vendor) return { status: 404, body: { error: 'unknown_request', message: 'no such request' } };
  // The token was made for exactly these (run, step) pairs.
  if (bindingOf(row.members) !== claims.binding || row.binding !== claims.binding) {
    return { status: 401, body: { error: 'token_binding', field: 'token', message: 'the callback token does not match this request' } };
  }
  if (row.state !== 'submitting' && row.state !== 'pending') {
    return { status: 409, body: { error: 'already_completed', message: 'this request was answered already; nothing changed' } };
  }
  const key = await deps.keys.keyFor(row.portal_id, vendor);
  if (!key || key.fingerprint !== row.key_fingerprint) {
    return { status: 401, body: { error: 'unknown_key', message: 'the key this request was sent with is no longer configured' } };
  }
  const parsed = adapter.parseCallback(row.operation, req, lookupsOf(row), { apiKey: key.apiKey });
  if (!parsed.ok) {
    deps.log.warn({ vendor, requestId: row.id, reason: parsed.reason }, 'async vendor callback refused');
    return { status: 401, body: { error: 'invalid_signature', message: parsed.reason } };
  }
  if (row.external_id && parsed.externalId && parsed.externalId !== row.external_id) {
    return { status: 400, body: { error: 'invalid_request', field: 'id', message: 'the answer is for another request' } };
  }
  const done = await completeAsyncRequest(deps, row.id, { kind: 'results', results: parsed.results }, 'callback');
  if (done === 'already_completed') {
    return { status: 409, body: { error: 'already_completed', message: 'this request was answered already; nothing changed' } };
  }
  return { status: 200, body: { status: 'completed', steps: row.members.length } };
}

/**
 * The polling fallback: asks the vendor for a request whose callback has not come. Returns when
 * to poll again, or null when the request is closed (answered, or given up on).
 */
export async function pollAsyncRequest(deps: AsyncDeps, requestId: string): Promise<Date | null> {
  const row = (await deps.db('async_requests').where({ id: requestId }).first()) as RequestRow | undefined;
  if (!row || (row.state !== 'pending' && row.state !== 'submitting')) return null;
  const adapter = deps.adapters.get(row.vendor);
  const spec = adapter?.operations[row.operation];
  const now = Date.now();
  if (!adapter?.poll || !spec?.async || now >= new Date(row.give_up_at).getTime()) {
    await completeAsyncRequest(deps, row.id, { kind: 'timeout' }, 'timeout');
    return null;
  }
  const again = (ms: number) => new Date(Math.min(new Date(row.give_up_at).getTime(), Date.now() + ms));
  // Still being submitted (or the submitter died before recording the vendor's id): later.
  if (!row.external_id) return again(spec.async.pollEveryMs);
  const key = await deps.keys.keyFor(row.portal_id, row.vendor);
  if (!key || key.fingerprint !== row.key_fingerprint) {
    await completeAsyncRequest(deps, row.id, { kind: 'timeout' }, 'timeout');
    return null;
  }
  // Polls count against the same per-key request limit as submissions.
  const bucket = rateBucket(row.vendor, key.fingerprint, spec, true);
  const windows = spec.batch?.rateWindows ?? spec.rateWindows;
  const token = await deps.gate.acquire(bucket, windows, Date.now() + 5_000);
  if (!token.ok) return again(Math.max(1_000, token.until - Date.now()));
  const ep = deps.endpoints(row.vendor);
  const res = await adapter.poll(row.operation, row.external_id, lookupsOf(row), {
    apiKey: key.apiKey,
    baseUrl: ep.baseUrl,
    ...(ep.hosts ? { hosts: ep.hosts } : {}),
    timeoutMs: deps.timeoutMs,
  });
  await deps.db('async_requests').where({ id: row.id }).increment('polls', 1);
  if (res.state === 'done') {
    await completeAsyncRequest(deps, row.id, { kind: 'results', results: res.results }, 'poll');
    return null;
  }
  if (res.state === 'failed' && res.result.outcome === 'rate_limited') {
    const until = res.result.retryAt ?? Date.now() + 60_000;
    await deps.gate.block(bucket, until);
    return again(Math.max(1_000, until - Date.now()));
  }
  if (res.state === 'failed') deps.log.warn({ vendor: row.vendor, requestId: row.id, outcome: res.result.outcome }, 'async poll failed; will try again');
  const next = again(spec.async.pollEveryMs);
  await deps.db('async_requests').where({ id: row.id }).update({ next_poll_at: next });
  return next;
}
