// Workflow action callbacks (automation-actions-v4 spec): completing a BLOCKed execution.
//   POST /automation/v4/actions/callbacks/{callbackId}/complete  {outputFields, typedOutputs?} → 204
//   POST /automation/v4/actions/callbacks/complete  {inputs: [{callbackId, outputFields, typedOutputs?}]} (≤100) → 204
// `typedOutputs` is optional (the SDK drops it although the spec marks it required). A callback is
// completed at most once. Every completion call is counted on its callback (`completions`), so tests
// can assert "exactly once"; calls naming an id the portal never issued are kept in
// `unknownCompletions`. Failures (the spec only says "default" error; these are the sandbox's choices):
//   - unknown callbackId (or one of another portal) → 404 OBJECT_NOT_FOUND;
//   - already completed → 409 CONFLICT;
//   - pending past its hs_expiration_duration → 410 (category EXPIRED), the workflow has moved on;
//   - an execution that did not answer BLOCK → 400 VALIDATION_ERROR (nothing to complete);
//   - outputFields missing or hs_execution_state other than SUCCESS/FAIL_CONTINUE → 400.
// Batch: the body is checked first (any malformed input → 400, nothing completed). Then every valid
// input is completed independently; if some inputs failed, the answer is the failures' status when
// they all share one (404/409/410/400), else 400, with one `errors` entry per failed callbackId
// (context.callbackId) and context.callbackIds listing them all. Inputs not listed were completed.
import express from 'express';
import type { Response } from 'express';
import { errorBody, isObject, validationError } from './errors.ts';
import { authOf, needsScope } from './limits.ts';
import type { SandboxState } from './state.ts';
import { pathParam } from './values.ts';

const STATES = new Set(['SUCCESS', 'FAIL_CONTINUE']);

interface CompletionInput {
  callbackId: string;
  outputFields: Record<string, unknown>;
  typedOutputs?: Record<string, unknown>;
}

interface Failure {
  status: number;
  category: string;
  message: string;
}

/** The body's problem (a message naming the field) or null. */
function checkBody(b: unknown, at: string): string | null {
  if (!isObject(b)) return `${at || 'body'} must be an object`;
  if (!isObject(b.outputFields)) return `${at}outputFields is required and must be an object`;
  const st = b.outputFields.hs_execution_state;
  if (st !== undefined && (typeof st !== 'string' || !STATES.has(st))) return `${at}outputFields.hs_execution_state must be SUCCESS or FAIL_CONTINUE`;
  if (b.typedOutputs !== undefined && !isObject(b.typedOutputs)) return `${at}typedOutputs must be an object`;
  return null;
}

export function automationRoutes(state: SandboxState): express.Router {
  const r = express.Router();

  /** Completes one callback for the portal, or says why not. Counts the attempt either way. */
  const complete = (portalId: number, input: CompletionInput): Failure | null => {
    const cb = state.callbacks.get(input.callbackId);
    if (!cb || cb.portalId !== portalId) {
      state.unknownCompletions.push({ at: Date.now(), portalId, callbackId: input.callbackId });
      return { status: 404, category: 'OBJECT_NOT_FOUND', message: `No callback ${input.callbackId} is waiting in this portal.` };
    }
    cb.completions++;
    const now = Date.now();
    const st = state.callbackState(cb, now);
    if (!cb.blocked) return { status: 400, category: 'VALIDATION_ERROR', message: `Callback ${input.callbackId} did not block: there is nothing to complete.` };
    if (st === 'completed') return { status: 409, category: 'CONFLICT', message: `Callback ${input.callbackId} has already been completed.` };
    if (st === 'expired') return { status: 410, category: 'EXPIRED', message: `Callback ${input.callbackId} expired before it was completed.` };
    cb.completedAt = now;
    cb.outputFields = input.outputFields;
    if (input.typedOutputs) cb.typedOutputs = input.typedOutputs;
    return null;
  };

  r.post('/automation/v4/actions/callbacks/complete', needsScope(state, 'automation'), (req, res) => {
    const { portal } = authOf(res);
    const b = req.body as unknown;
    if (!isObject(b) || !Array.isArray(b.inputs)) return validationError(res, 'inputs is required and must be an array', { errors: [{ message: 'is required', in: 'inputs' }] });
    if (b.inputs.length > 100) return validationError(res, `At most 100 inputs per batch; got ${b.inputs.length}.`, { errors: [{ message: 'must contain at most 100 items', in: 'inputs' }] });
    const inputs: CompletionInput[] = [];
    for (const [i, input] of b.inputs.entries()) {
      const at = `inputs[${i}].`;
      const problem = checkBody(input, at) ?? (isObject(input) && typeof input.callbackId === 'string' && input.callbackId ? null : `${at}callbackId is required`);
      if (problem) return validationError(res, problem, { errors: [{ message: problem, in: at.slice(0, -1) }] });
      inputs.push(input as unknown as CompletionInput);
    }
    const failures: (Failure & { callbackId: string })[] = [];
    for (const input of inputs) {
      const f = complete(portal.id, input);
      if (f) failures.push({ ...f, callbackId: input.callbackId });
    }
    if (!failures.length) return res.status(204).end();
    sendFailures(res, failures);
  });

  r.post('/automation/v4/actions/callbacks/:callbackId/complete', needsScope(state, 'automation'), (req, res) => {
    const { portal } = authOf(res);
    const problem = checkBody(req.body, '');
    if (problem) return validationError(res, problem, { errors: [{ message: problem }] });
    const b = req.body as { outputFields: Record<string, unknown>; typedOutputs?: Record<string, unknown> };
    const f = complete(portal.id, { callbackId: pathParam(req.params, 'callbackId'), outputFields: b.outputFields, typedOutputs: b.typedOutputs });
    if (!f) return res.status(204).end();
    sendFailures(res, [{ ...f, callbackId: pathParam(req.params, 'callbackId') }]);
  });

  return r;
}

function sendFailures(res: Response, failures: (Failure & { callbackId: string })[]): void {
  const first = failures[0] as Failure & { callbackId: string };
  const same = failures.every((f) => f.status === first.status);
  const status = same ? first.status : 400;
  const message = failures.length === 1 ? first.message : `${failures.length} callbacks could not be completed.`;
  res.status(status).json(
    errorBody(same ? first.category : 'VALIDATION_ERROR', message, {
      context: { callbackIds: failures.map((f) => f.callbackId) },
      errors: failures.map((f) => ({ message: f.message, code: f.category, context: { callbackId: [f.callbackId] } })),
    }),
  );
}
