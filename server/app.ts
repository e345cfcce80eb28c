// The Express application. Routes only translate HTTP into engine calls; for now the engine is
// driven by its queue and the app exposes health endpoints (the HubSpot routes arrive with the
// integration issue).
import express from 'express';
import helmet from 'helmet';
import type { Cascade } from './cascade.ts';

export function createApp(cascade: Cascade): express.Express {
  const app = express();
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
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return app;
}
