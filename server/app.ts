// The Express application. Routes only translate HTTP into engine calls: health and metrics, and
// the callbacks of asynchronous vendors (the HubSpot routes arrive with the integration issue).
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Cascade } from './cascade.ts';
import { vendorCallbackRoutes } from './http/vendor-callbacks.ts';

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
  app.use(vendorCallbackRoutes(cascade, log));
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
