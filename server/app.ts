// The Express application. Routes only translate HTTP into engine calls: health and metrics, the
// OAuth install, HubSpot's workflow action and webhooks, the callbacks of asynchronous vendors, and
// the /ui API of the card and settings page.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Cascade } from './cascade.ts';
import { vendorCallbackRoutes } from './http/vendor-callbacks.ts';
import { workflowActionRoutes } from './http/workflow-actions.ts';
import { webhookRoutes } from './http/hubspot-webhooks.ts';
import { oauthRoutes } from './hubspot/oauth.ts';
import { uiRoutes } from './http/ui-routes.ts';
import { uiDeps } from './ui/deps.ts';

export function createApp(cascade: Cascade): express.Express {
  const app = express();
  const log = cascade.deps.log;
  app.disable('x-powered-by');
  app.use(helmet());
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await cascade.db.knex.raw('select 1');
      res.json({ ok: true, database: cascade.db.kind });
    } catch {
      res.status(503).json({ ok: false, error: 'database unavailable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(cascade.metrics.registry.contentType).send(await cascade.metrics.registry.metrics());
  });
  const clientSecret = () => cascade.config.HUBSPOT_CLIENT_SECRET;
  app.use(
    oauthRoutes({
      config: cascade.config,
      db: cascade.db.knex,
      tokens: cascade.hubspot.tokens,
      ring: cascade.ring,
      log,
      onInstalled: cascade.hubspot.onInstalled,
    }),
  );
  app.use(
    workflowActionRoutes({
      clientSecret,
      publicBaseUrl: cascade.publicBaseUrl,
      blockExpiration: cascade.config.WORKFLOW_BLOCK_EXPIRATION,
      installed: cascade.hubspot.installed,
      trigger: cascade.trigger,
      metrics: cascade.metrics,
      log,
    }),
  );
  const companyOps = new Set<string>();
  for (const [vendor, adapter] of cascade.deps.adapters) {
    for (const [op, spec] of Object.entries(adapter.operations)) if (spec.groups.every((g) => g === 'company')) companyOps.add(`${vendor}.${op}`);
  }
  app.use(
    webhookRoutes({
      db: cascade.db.knex,
      clientSecret,
      publicBaseUrl: cascade.publicBaseUrl,
      isCompanyLookup: (vendor, op) => companyOps.has(`${vendor}.${op}`),
      log,
    }),
  );
  app.use(vendorCallbackRoutes(cascade, log));
  // The card and the settings page (hubspot.fetch).
  app.use(uiRoutes(uiDeps(cascade), { clientSecret, publicBaseUrl: cascade.publicBaseUrl, appId: () => cascade.config.HUBSPOT_APP_ID, log }));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  // Body-parser errors carry a status (413 too large, 400 unreadable); anything else is ours.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err }, 'request failed');
    res.status(status).json({ error: status === 413 ? 'payload_too_large' : status === 500 ? 'internal_error' : 'invalid_request', message: status === 500 ? 'internal error' : err.message });
  });
  return app;
}
