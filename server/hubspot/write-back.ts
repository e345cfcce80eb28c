// What a finished run owes HubSpot, queued in the transaction that finishes it: the contact's
// properties (the write policy is applied at send time against the contact's values then), one
// callback completion per workflow execution that waited on the run (coalesced enrolments each get
// theirs), and the run's timeline event when the app event type is configured.
import type { Knex } from 'knex';
import type { FinishedRun } from '../enrichment/runner.ts';
import type { CanonicalProfile } from '../enrichment/profile.ts';
import { completionOutputs } from './workflow-action.ts';
import { enqueueOutbox } from './outbox.ts';
import type { OutboxItemInput } from './outbox.ts';

export interface ContactUpdatePayload {
  profile: CanonicalProfile;
  /** cascade_* properties, written whatever the policy says. */
  app: Record<string, string>;
  /** false for suppressed contacts: only the app-owned properties are written. */
  applyProfile: boolean;
  /** Properties HubSpot refused for this contact (set by the flusher on a retry, never stored). */
  drop?: string[];
}

export interface CallbackPayload {
  callbackId: string;
  outputFields: Record<string, string>;
}

/** The properties of every timeline event (the app event type in hubspot-project/ declares exactly these). */
export const TIMELINE_EVENT_PROPERTIES = ['status', 'fields_filled', 'sources', 'cost_cents', 'error_code', 'steps'] as const;
export type TimelineEventProperty = (typeof TIMELINE_EVENT_PROPERTIES)[number];

export interface TimelinePayload {
  eventTypeName: string;
  id: string;
  objectId: string;
  properties: Record<string, string>;
  timestamp: string;
}

interface StepRow {
  vendor: string;
  operation: string;
  state: string;
  outcome: string | null;
  skip_reason: string | null;
  source: string | null;
  cost_mc: number;
  billed: boolean;
  latency_ms: number | null;
}

/** "apollo person: hit 2.50¢ 130ms; hunter email: skipped (cap_reached)" — what the timeline shows. */
export function describeSteps(steps: StepRow[]): string {
  const text = steps
    .map((s) => {
      const what = `${s.vendor} ${s.operation}`;
      if (s.state === 'skipped') return `${what}: skipped (${s.skip_reason ?? 'unknown'})`;
      const cost = s.billed ? ` ${(Number(s.cost_mc) / 1000).toFixed(2)}¢` : '';
      const from = s.source === 'cache' ? ' (cache)' : '';
      const latency = s.latency_ms !== null && s.source === 'vendor' ? ` ${s.latency_ms}ms` : '';
      return `${what}: ${s.outcome ?? s.state}${from}${cost}${latency}`;
    })
    .join('; ');
  // HubSpot string properties hold 65,536 characters; a timeline line should stay readable.
  return text.length > 2000 ? `${text.slice(0, 1997)}...` : text;
}

export interface WriteBackOptions {
  /** The approved timeline event type, if any. */
  appEventType?: string;
}

export function writeBackHook(opts: WriteBackOptions) {
  return async (trx: Knex.Transaction, run: FinishedRun): Promise<void> => {
    const items: OutboxItemInput[] = [];
    // Erased while the run was under way: nothing about this person goes anywhere.
    const purged = await trx('enrichment_runs').where({ id: run.runId }).whereNotNull('purged_at').first('id');
    const base = { portalId: run.portalId, runId: run.runId, contactId: run.contactId, urgent: run.interactive };
    if (!purged) items.push({
      ...base,
      kind: 'contact_update',
      dedupeKey: `run:${run.runId}`,
      payload: { profile: run.profile, app: run.appProperties, applyProfile: run.summary.status !== 'suppressed' } satisfies ContactUpdatePayload,
    });
    const callbacks = (await trx('run_triggers').where({ run_id: run.runId, source: 'workflow' }).select('idempotency_key')) as { idempotency_key: string }[];
    const outputFields = completionOutputs(run.summary);
    for (const c of callbacks) {
      items.push({ ...base, kind: 'callback_complete', dedupeKey: c.idempotency_key, payload: { callbackId: c.idempotency_key, outputFields } satisfies CallbackPayload });
    }
    if (opts.appEventType && !purged) {
      const steps = (await trx('run_steps')
        .where({ run_id: run.runId })
        .orderBy('seq')
        .select('vendor', 'operation', 'state', 'outcome', 'skip_reason', 'source', 'cost_mc', 'billed', 'latency_ms')) as StepRow[];
      items.push({
        ...base,
        kind: 'timeline_event',
        dedupeKey: `run:${run.runId}`,
        payload: {
          eventTypeName: opts.appEventType,
          id: `cascade-run-${run.runId}`,
          objectId: run.contactId,
          timestamp: run.finishedAt.toISOString(),
          properties: {
            status: run.summary.status,
            fields_filled: run.summary.fieldsFilled.join(';'),
            sources: run.summary.sources.join(';'),
            cost_cents: (run.summary.costMc / 1000).toFixed(2),
            error_code: run.summary.errorCode ?? '',
            steps: describeSteps(steps),
          } satisfies Record<TimelineEventProperty, string>,
        } satisfies TimelinePayload,
      });
    }
    await enqueueOutbox(trx, items);
  };
}
