// A run as the card shows it: state and status, the fields it found (with the vendor, confidence
// and what the write policy did with each), every step with its cost, and progress. Read from the
// engine's tables only; a run of another portal is simply not found.
import type { Knex } from 'knex';
import type { FieldGroup, RunFieldView, RunState, RunStatus, RunStepView, RunView } from '../../extensions/src/api/contract.ts';
import { CANONICAL_FIELDS } from '../vendors/types.ts';
import type { VendorAdapter } from '../vendors/types.ts';
import type { CanonicalProfile } from '../enrichment/profile.ts';
import type { PropertyDecision } from '../enrichment/write-policy.ts';
import type { RunSummary } from '../enrichment/outcome.ts';
import { loadSettings } from '../enrichment/settings.ts';
import { plan } from '../enrichment/plan.ts';
import type { CredentialStore } from '../portals/credentials.ts';
import { centsOf } from './money.ts';

export interface RunViewDeps {
  db: Knex;
  adapters: ReadonlyMap<string, VendorAdapter>;
  credentials: Pick<CredentialStore, 'vendorsWithKeys'>;
}

interface RunRow {
  id: string;
  portal_id: number | string;
  contact_id: string;
  state: string;
  status: string | null;
  groups: FieldGroup[];
  force_refresh: boolean;
  profile: CanonicalProfile | null;
  changes: { decisions?: PropertyDecision[] } | null;
  summary: Pick<RunSummary, 'errorCode'> | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}

interface StepRow {
  field_group: FieldGroup;
  vendor: string;
  operation: string;
  state: string;
  outcome: string | null;
  skip_reason: string | null;
  source: string | null;
  cost_mc: number | string;
  billed: boolean;
  latency_ms: number | null;
}

const RUN_COLUMNS = ['id', 'portal_id', 'contact_id', 'state', 'status', 'groups', 'force_refresh', 'profile', 'changes', 'summary', 'created_at', 'finished_at'];
const FINISHED_STEP = new Set(['done', 'skipped', 'indeterminate']);
const iso = (d: Date | string) => new Date(d).toISOString();
const FIELD_ORDER = new Map<string, number>(CANONICAL_FIELDS.map((f, i) => [f, i]));

/** 'waiting' (an async vendor holds a step) is still running for whoever watches. */
const runState = (s: string): RunState => (s === 'done' ? 'done' : s === 'queued' ? 'queued' : 'running');
/** A step between reservation and answer is being called, whatever the engine's finer state. */
const stepState = (s: string): string => (s === 'reserved' || s === 'waiting' ? 'calling' : s);

function fieldsOf(run: RunRow): RunFieldView[] {
  const decisions = run.changes?.decisions ?? [];
  return decisions
    .map((d) => ({
      field: d.field,
      property: d.property,
      value: d.value,
      vendor: d.source,
      confidence: run.profile?.[d.field]?.confidence ?? 0,
      action: d.action,
      reason: d.reason,
    }))
    .sort((a, b) => (FIELD_ORDER.get(a.field) ?? 99) - (FIELD_ORDER.get(b.field) ?? 99));
}

async function toView(deps: RunViewDeps, run: RunRow): Promise<RunView> {
  const [steps, trigger] = await Promise.all([
    deps.db('run_steps')
      .where({ run_id: run.id })
      .orderBy('seq')
      .select('field_group', 'vendor', 'operation', 'state', 'outcome', 'skip_reason', 'source', 'cost_mc', 'billed', 'latency_ms') as Promise<StepRow[]>,
    deps.db('run_triggers').where({ run_id: run.id }).orderBy('created_at').first('source') as Promise<{ source: string } | undefined>,
  ]);
  const state = runState(run.state);
  const done = steps.filter((s) => FINISHED_STEP.has(s.state)).length;
  let total = done;
  if (state !== 'done') {
    // The plan as it stands; the engine skips a group's later steps once it is filled, so the bar
    // may jump to the end.
    const [settings, keyed] = await Promise.all([loadSettings(deps.db, Number(run.portal_id)), deps.credentials.vendorsWithKeys(Number(run.portal_id))]);
    total = Math.max(steps.length, plan({ groups: run.groups, settings, adapters: deps.adapters, keyedVendors: keyed }).steps.length);
  }
  const stepViews: RunStepView[] = steps.map((s) => ({
    group: s.field_group,
    vendor: s.vendor,
    operation: s.operation,
    state: stepState(s.state),
    outcome: s.outcome,
    skipReason: s.skip_reason,
    source: s.source,
    costCents: s.billed ? centsOf(s.cost_mc) : 0,
    latencyMs: s.latency_ms,
  }));
  return {
    id: run.id,
    contactId: run.contact_id,
    state,
    status: state === 'done' ? (run.status as RunStatus | null) : null,
    errorCode: run.summary?.errorCode ?? null,
    source: trigger?.source ?? 'unknown',
    forceRefresh: run.force_refresh,
    createdAt: iso(run.created_at),
    finishedAt: run.finished_at ? iso(run.finished_at) : null,
    // The run's own total is written when it finishes; the billed steps say it all along.
    costCents: centsOf(steps.reduce((sum, s) => sum + (s.billed ? Number(s.cost_mc) : 0), 0)),
    progress: { done, total },
    fields: fieldsOf(run),
    steps: stepViews,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The run, if it is this portal's; null otherwise (another portal's run is not found either). */
export async function runView(deps: RunViewDeps, portalId: number, runId: string): Promise<RunView | null> {
  if (!UUID.test(runId)) return null;
  const run = (await deps.db('enrichment_runs').where({ id: runId, portal_id: portalId }).first(RUN_COLUMNS)) as RunRow | undefined;
  return run ? toView(deps, run) : null;
}

/** The contact's most recent run (in flight or finished), or null when it was never enriched. */
export async function lastRunView(deps: RunViewDeps, portalId: number, contactId: string): Promise<RunView | null> {
  const run = (await deps.db('enrichment_runs')
    .where({ portal_id: portalId, contact_id: contactId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .first(RUN_COLUMNS)) as RunRow | undefined;
  return run ? toView(deps, run) : null;
}
