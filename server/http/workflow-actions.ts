// POST /hubspot/actions/enrich — the "Enrich contact" workflow action. Verifies HubSpot's signature,
// validates the body (400 naming each bad field), turns it into a trigger keyed by callbackId (a
// retried request never runs twice; a second enrolment of a contact being enriched joins that run)
// and answers BLOCK at once: the outputs arrive later through the callback completion.
import express from 'express';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { TriggerInput, TriggerResult } from '../enrichment/runs.ts';
import { blockResponse, parseActionRequest } from '../hubspot/workflow-action.ts';
import { signedHubSpotRequest } from './hubspot-signed.ts';
import { withPriority } from '../db/priority.ts';
import type { SignedRequestLocals } from './hubspot-signed.ts';

export const WORKFLOW_ACTION_PATH = '/hubspot/actions/enrich';

export interface WorkflowActionDeps {
  clientSecret: () => string | undefined;
  publicBaseUrl: () => string | null;
  blockExpiration: string;
  installed(portalId: number): Promise<boolean>;
  trigger(input: TriggerInput): Promise<TriggerResult>;
  metrics: Metrics;
  log: Logger;
}

/** What a workflow gets for a portal that has no installation (tokens gone): it moves on, and can branch. */
export const NOT_INSTALLED_OUTPUTS = {
  status: 'failed',
  fields_filled: '',
  sources: '',
  cost_cents: '0.00',
  error_code: 'NOT_INSTALLED',
  hs_execution_state: 'FAIL_CONTINUE',
} as const;

export function workflowActionRoutes(deps: WorkflowActionDeps): express.Router {
  const router = express.Router();
  const count = (result: string) => deps.metrics.actionRequests.inc({ result });
  router.post(
    WORKFLOW_ACTION_PATH,
    ...signedHubSpotRequest({
      clientSecret: deps.clientSecret,
      publicBaseUrl: deps.publicBaseUrl,
      fallback: 'v2',
      log: deps.log,
      onRejected: (reason) => count(reason === 'invalid_json' ? 'invalid' : 'rejected_signature'),
    }),
    async (_req, res, next) => {
      try {
        const { body } = res.locals.signed as SignedRequestLocals;
        const parsed = parseActionRequest(body);
        if (!parsed.ok) {
          count('invalid');
          deps.log.warn({ problems: parsed.problems.map((p) => p.field) }, 'workflow action refused: invalid body');
          res.status(400).json({ error: 'invalid_request', message: parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems: parsed.problems });
          return;
        }
        const t = parsed.trigger;
        // HubSpot is waiting for this answer: its statements go ahead of the engine's.
        if (!(await withPriority(() => deps.installed(t.portalId)))) {
          count('not_installed');
          res.json({ outputFields: NOT_INSTALLED_OUTPUTS });
          return;
        }
        const result = await withPriority(() => deps.trigger({
          portalId: t.portalId,
          contactId: t.contactId,
          source: 'workflow',
          idempotencyKey: t.callbackId,
          groups: t.groups,
          forceRefresh: t.forceRefresh,
          properties: t.properties,
        }));
        count(result.duplicate ? 'duplicate' : result.coalesced ? 'coalesced' : 'accepted');
        res.json(blockResponse(deps.blockExpiration));
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}
