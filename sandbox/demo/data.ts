// What the demo's summary reads back from the engine's tables once every run has finished.
import type { Knex } from 'knex';
import type { FieldGroup } from '../../server/vendors/types.ts';

export interface Decision {
  field: string;
  property: string;
  action: string;
  reason: string;
  value: string;
  source: string;
}

export interface RunRow {
  id: string;
  portal_id: number;
  contact_id: string;
  status: string;
  groups: FieldGroup[];
  cost_mc: number;
  profile: Record<string, { value: string; confidence: number; source: string; primary?: boolean }> | null;
  changes: { properties: Record<string, string>; decisions: Decision[] } | null;
  contact: { properties: Record<string, string | null> };
}

export interface StepRow {
  run_id: string;
  portal_id: number;
  seq: number;
  field_group: FieldGroup;
  vendor: string;
  operation: string;
  state: string;
  outcome: string | null;
  source: string | null;
  skip_reason: string | null;
  billed: boolean;
  http_calls: number;
  cost_mc: number;
  batch_id: string | null;
  batch_size: number | null;
  async_request_id: string | null;
  detail: string | null;
  result: { profile?: Record<string, { value: string; confidence: number }> } | null;
}

export interface AsyncRequestRow {
  id: string;
  vendor: string;
  portal_id: number;
  state: string;
  external_id: string | null;
  members: { stepId: string; runId: string }[];
  polls: number;
  completed_via: string | null;
}

export interface AuditRow {
  portal_id: number | null;
  type: string;
  detail: Record<string, unknown>;
}

export interface DemoData {
  runs: RunRow[];
  steps: StepRow[];
  asyncRequests: AsyncRequestRow[];
  audit: AuditRow[];
}

export async function readDemoData(db: Knex): Promise<DemoData> {
  return {
    runs: (await db('enrichment_runs').select('*')) as RunRow[],
    steps: (await db('run_steps').orderBy(['run_id', 'seq']).select('*')) as StepRow[],
    asyncRequests: (await db('async_requests').orderBy('created_at').select('*')) as AsyncRequestRow[],
    audit: (await db('audit_events').orderBy('id').select('portal_id', 'type', 'detail')) as AuditRow[],
  };
}

/** The steps that reached the vendor: a request was sent for them, alone, in a batch or in a submission. */
export const askedVendor = (s: StepRow) => s.source === 'vendor' && (Number(s.http_calls) > 0 || !!s.async_request_id);

export const ofPortal = (id: number) => (x: { portal_id: number | null }) => Number(x.portal_id) === id;
