// The "Enrich contact" workflow action's request and responses (HUBSPOT.md §2), as pure functions:
// the route verifies the signature, then this module turns HubSpot's body into a trigger (or a 400
// naming every bad field), and a finished run into the output fields a workflow can branch on.
import { z } from 'zod';
import { FIELD_GROUPS } from '../vendors/types.ts';
import type { FieldGroup } from '../vendors/types.ts';
import type { RunSummary } from '../enrichment/outcome.ts';

/** Groups filled when a workflow does not choose: what most enrolments want, at pay-on-found prices. */
export const DEFAULT_ACTION_GROUPS: readonly FieldGroup[] = ['email', 'person', 'company'];

const requestSchema = z.object({
  callbackId: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  origin: z.looseObject({
    portalId: z.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive'),
    actionDefinitionId: z.union([z.number(), z.string()]).optional(),
    actionDefinitionVersion: z.union([z.number(), z.string()]).optional(),
  }),
  context: z.looseObject({}).optional(),
  object: z.looseObject({
    objectId: z.union([z.number().int().positive(), z.string().trim().regex(/^\d{1,20}$/, 'must be a numeric id')], { error: 'must be a numeric id' }),
    objectType: z.string().refine((t) => t.toUpperCase() === 'CONTACT', 'must be CONTACT: the action enriches contacts'),
    properties: z.record(z.string(), z.string().nullable()).optional(),
  }),
  inputFields: z.record(z.string(), z.string().nullable()).optional(),
});

export interface ActionTrigger {
  callbackId: string;
  portalId: number;
  contactId: string;
  groups: FieldGroup[];
  forceRefresh: boolean;
  /** The contact's properties HubSpot sent (those the action's objectRequestOptions asked for). */
  properties: Record<string, string | null>;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export type ParsedAction = { ok: true; trigger: ActionTrigger } | { ok: false; problems: FieldProblem[] };

/** "email, Company" → groups; every unknown name is a problem naming the input field. */
function parseGroups(raw: string | null | undefined, problems: FieldProblem[]): FieldGroup[] {
  if (raw === undefined || raw === null || raw.trim() === '') return [...DEFAULT_ACTION_GROUPS];
  const names = raw.split(/[,;\s]+/).map((n) => n.trim().toLowerCase().replace(/[\s-]+/g, '_')).filter(Boolean);
  const unknown = names.filter((n) => !(FIELD_GROUPS as readonly string[]).includes(n));
  if (unknown.length) {
    problems.push({ field: 'inputFields.fields', message: `unknown field group(s) ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')}; use ${FIELD_GROUPS.join(', ')}` });
  }
  return [...new Set(names.filter((n): n is FieldGroup => (FIELD_GROUPS as readonly string[]).includes(n)))];
}

function parseBool(raw: string | null | undefined, field: string, problems: FieldProblem[]): boolean {
  if (raw === undefined || raw === null || raw.trim() === '') return false;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  problems.push({ field, message: 'must be true or false' });
  return false;
}

/** HubSpot's action body → a trigger, or every problem with the field it is in. Never throws. */
export function parseActionRequest(body: unknown): ParsedAction {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message })),
    };
  }
  const b = parsed.data;
  const problems: FieldProblem[] = [];
  const groups = parseGroups(b.inputFields?.fields, problems);
  const forceRefresh = parseBool(b.inputFields?.force_refresh, 'inputFields.force_refresh', problems);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    trigger: {
      callbackId: b.callbackId,
      portalId: b.origin.portalId,
      contactId: String(b.object.objectId),
      groups,
      forceRefresh,
      properties: b.object.properties ?? {},
    },
  };
}

/** The immediate answer: the workflow waits (BLOCK) for our callback, at most `expiration` (ISO-8601). */
export function blockResponse(expiration = 'P1D') {
  return { outputFields: { hs_execution_state: 'BLOCK' as const, hs_expiration_duration: expiration } };
}

/**
 * The outputs a workflow branches on, for the callback that completes the action. A run that
 * failed still completes with FAIL_CONTINUE so the workflow moves on and can branch on the error.
 */
export function completionOutputs(summary: RunSummary) {
  return {
    status: summary.status,
    fields_filled: summary.fieldsFilled.join(';'),
    sources: summary.sources.join(';'),
    cost_cents: (summary.costMc / 1000).toFixed(2),
    error_code: summary.errorCode ?? '',
    hs_execution_state: summary.status === 'failed' ? ('FAIL_CONTINUE' as const) : ('SUCCESS' as const),
  };
}
