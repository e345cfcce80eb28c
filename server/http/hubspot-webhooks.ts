// POST /hubspot/webhooks — HubSpot's webhook deliveries: a JSON array of events, signed v3. Contact
// deletions erase that contact's personal data; each event is applied once (HubSpot retries
// deliveries), in the same transaction that records it, so a crash neither loses nor repeats one.
import express from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import type { Logger } from '../log.ts';
import { signedHubSpotRequest } from './hubspot-signed.ts';
import type { SignedRequestLocals } from './hubspot-signed.ts';
import { purgeContact } from '../hubspot/purge.ts';

export const WEBHOOKS_PATH = '/hubspot/webhooks';
/** The subscriptions whose events erase a contact's data (the project's webhooks component subscribes to these). */
export const PURGING_SUBSCRIPTIONS = ['contact.deletion', 'contact.privacyDeletion'] as const;
const PURGING = new Set<string>(PURGING_SUBSCRIPTIONS);

const id = z.union([z.number().int().nonnegative(), z.string().trim().regex(/^\d{1,20}$/, 'must be a numeric id')], { error: 'must be a numeric id' });
const eventSchema = z.looseObject({
  eventId: id,
  portalId: z.number({ error: 'must be a number' }).int().positive('must be positive'),
  subscriptionType: z.string().trim().min(1, 'is required').max(100),
  objectId: id.optional(),
  occurredAt: z.number().optional(),
  attemptNumber: z.number().optional(),
});
const deliverySchema = z.array(eventSchema, { error: 'must be a JSON array of events' }).max(1000, 'at most 1000 events per delivery');

export interface WebhookDeps {
  db: Knex;
  clientSecret: () => string | undefined;
  publicBaseUrl: () => string | null;
  isCompanyLookup: (vendor: string, operation: string) => boolean;
  log: Logger;
}

export function webhookRoutes(deps: WebhookDeps): express.Router {
  const router = express.Router();
  router.post(
    WEBHOOKS_PATH,
    ...signedHubSpotRequest({ clientSecret: deps.clientSecret, publicBaseUrl: deps.publicBaseUrl, fallback: null, log: deps.log }),
    async (_req, res, next) => {
      try {
        const { body } = res.locals.signed as SignedRequestLocals;
        const parsed = deliverySchema.safeParse(body);
        if (!parsed.success) {
          const problems = parsed.error.issues.map((i) => ({ field: i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || 'body', message: i.message }));
          deps.log.warn({ problems: problems.map((p) => p.field) }, 'webhook delivery refused: invalid body');
          res.status(400).json({ error: 'invalid_request', message: problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems });
          return;
        }
        let applied = 0;
        let duplicates = 0;
        for (const e of parsed.data) {
          const objectId = e.objectId === undefined ? null : String(e.objectId);
          const fresh = await deps.db.transaction(async (trx) => {
            const inserted = await trx('hubspot_webhook_events')
              .insert({ portal_id: e.portalId, event_id: String(e.eventId), subscription_type: e.subscriptionType, object_id: objectId })
              .onConflict(['portal_id', 'event_id'])
              .ignore()
              .returning('event_id');
            if (inserted.length === 0) return false;
            if (PURGING.has(e.subscriptionType) && objectId) {
              const r = await purgeContact(trx, e.portalId, objectId, e.subscriptionType, deps.isCompanyLookup);
              deps.log.info({ portalId: e.portalId, type: e.subscriptionType, ...r }, 'contact data erased');
            }
            return true;
          });
          if (fresh) applied++;
          else duplicates++;
        }
        res.json({ received: parsed.data.length, applied, duplicates });
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}
