// POST /vendors/:vendor/callbacks?token=… — where asynchronous vendors deliver their answers.
// Only translates HTTP: the raw body (the vendor signs the bytes) and headers go to the engine,
// whose verdict becomes the status and JSON body.
import express from 'express';
import type { Logger } from 'pino';
import type { Cascade } from '../cascade.ts';

export function vendorCallbackRoutes(cascade: Pick<Cascade, 'acceptCallback'>, log: Logger): express.Router {
  const router = express.Router();
  router.post(
    '/vendors/:vendor/callbacks',
    express.text({ type: () => true, limit: '5mb' }),
    async (req, res, next) => {
      try {
        const vendor = req.params.vendor ?? '';
        if (!/^[a-z0-9_]{1,40}$/.test(vendor)) {
          res.status(404).json({ error: 'unknown_vendor', field: 'vendor', message: 'no such vendor' });
          return;
        }
        const token = typeof req.query.token === 'string' ? req.query.token : undefined;
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) {
          if (v === undefined) continue;
          for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
        }
        const rawBody = typeof req.body === 'string' ? req.body : '';
        const verdict = await cascade.acceptCallback(vendor, token, { rawBody, headers });
        if (verdict.status !== 200) log.warn({ vendor, status: verdict.status, error: verdict.body.error }, 'vendor callback refused');
        res.status(verdict.status).json(verdict.body);
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}
