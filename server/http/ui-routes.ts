// /ui/* — what the contact card and the settings page call through hubspot.fetch. Every request is
// signed by HubSpot (server/ui/signed.ts: signature, replay, the identity in the signed query, a
// 64 KB JSON body); writes need the app installed and a super admin of that portal (asked of
// HubSpot). These handlers only translate HTTP into the services in server/ui/.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type {
  AuditPage,
  CardView,
  EnrichAccepted,
  EstimateView,
  KeyRemovedView,
  KeySavedView,
  RunView,
  SettingsView,
  TestKeyResult,
  UsageView,
} from '../../extensions/src/api/contract.ts';
import type { Logger } from '../log.ts';
import { withPriority } from '../db/priority.ts';
import type { UiDeps } from '../ui/deps.ts';
import { requireInstalled } from '../ui/deps.ts';
import { signedUiRequest, uiErrorHandler, uiLocals } from '../ui/signed.ts';
import type { UiLocals } from '../ui/signed.ts';
import { UiError, contactOf, sendUiError } from '../ui/ui-request.ts';
import { cardView, enrichContact } from '../ui/card-view.ts';
import { runView } from '../ui/run-view.ts';
import { settingsView } from '../ui/settings-view.ts';
import { putCaps, putKey, putPolicy, putWaterfall, removeKey, testKey } from '../ui/settings-changes.ts';
import { usageView } from '../ui/usage.ts';
import { auditPage } from '../ui/audit-log.ts';
import { estimate } from '../ui/estimate.ts';

export interface UiRouteOptions {
  clientSecret: () => string | undefined;
  publicBaseUrl: () => string | null;
  /** The HubSpot app id, when configured (HUBSPOT_APP_ID): requests for another app are refused. */
  appId?: () => string | undefined;
  log: Logger;
}

type Answer<T> = { status?: number; body: T };

export function uiRoutes(deps: UiDeps, opts: UiRouteOptions): express.Router {
  const router = express.Router();
  const { log } = opts;

  const handle =
    <T>(fn: (ui: UiLocals, req: Request) => Promise<Answer<T>>) =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        // Someone is looking at the card or the page: their statements go ahead of the engine's.
        const out = await withPriority(() => fn(uiLocals(res), req));
        res.status(out.status ?? 200).json(out.body);
      } catch (err) {
        if (!(err instanceof UiError)) return next(err);
        // What was refused and why; never the body (a key route's body is a key).
        log.warn({ method: req.method, path: req.path, portalId: uiLocals(res).identity.portalId, error: err.code, field: err.field }, 'UI request refused');
        sendUiError(res, err);
      }
    };

  /** Writes: installed (409), then a super admin of this portal (403), then the change. */
  const admin = async (ui: UiLocals) => {
    await requireInstalled(deps, ui.identity.portalId);
    await deps.admin.require(ui.identity.portalId, ui.identity.userId);
  };
  const freshSettings = (ui: UiLocals) => settingsView(deps, ui.identity.portalId, ui.identity.userId, { isAdmin: true });
  const vendorOf = (req: Request) => String(req.params.vendor ?? '');

  router.use('/ui', (_req, res, next) => {
    // Per-user answers: never stored by a cache between us and HubSpot.
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(
    '/ui',
    ...signedUiRequest({ clientSecret: opts.clientSecret, publicBaseUrl: opts.publicBaseUrl, appId: opts.appId ?? (() => undefined), log }),
  );

  // ---- card --------------------------------------------------------------------------------
  router.get('/ui/card', handle<CardView>(async (ui) => ({ body: await cardView(deps, ui.identity.portalId, contactOf(ui.identity)) })));
  router.post(
    '/ui/card/enrich',
    handle<EnrichAccepted>(async (ui) => ({ status: 202, body: await enrichContact(deps, ui.identity.portalId, contactOf(ui.identity), ui.body) })),
  );
  router.get(
    '/ui/runs/:runId',
    handle<RunView>(async (ui, req) => {
      const run = await runView(deps, ui.identity.portalId, String(req.params.runId ?? ''));
      if (!run) throw new UiError(404, 'not_found', 'No such run in this HubSpot account.', { field: 'runId' });
      return { body: run };
    }),
  );

  // ---- settings ----------------------------------------------------------------------------
  router.get('/ui/settings', handle<SettingsView>(async (ui) => ({ body: await settingsView(deps, ui.identity.portalId, ui.identity.userId) })));
  router.put(
    '/ui/settings/keys/:vendor',
    handle<KeySavedView>(async (ui, req) => {
      await admin(ui);
      const saved = await putKey(deps, ui.identity.portalId, ui.identity.userId, vendorOf(req), ui.body);
      return { body: { ...(await freshSettings(ui)), ...saved } };
    }),
  );
  router.delete(
    '/ui/settings/keys/:vendor',
    handle<KeyRemovedView>(async (ui, req) => {
      await admin(ui);
      const removed = await removeKey(deps, ui.identity.portalId, ui.identity.userId, vendorOf(req));
      return { body: { ...(await freshSettings(ui)), ...removed } };
    }),
  );
  router.post(
    '/ui/settings/keys/:vendor/test',
    handle<TestKeyResult>(async (ui, req) => {
      await admin(ui);
      return { body: await testKey(deps, ui.identity.portalId, ui.identity.userId, vendorOf(req), ui.body) };
    }),
  );
  const settingsWrite = (path: string, change: typeof putWaterfall) =>
    router.put(
      path,
      handle<SettingsView>(async (ui) => {
        await admin(ui);
        await change(deps, ui.identity.portalId, ui.identity.userId, ui.body);
        return { body: await freshSettings(ui) };
      }),
    );
  settingsWrite('/ui/settings/waterfall', putWaterfall);
  settingsWrite('/ui/settings/policy', putPolicy);
  settingsWrite('/ui/settings/caps', putCaps);

  // ---- dashboard ---------------------------------------------------------------------------
  router.get('/ui/usage', handle<UsageView>(async (ui) => ({ body: await usageView(deps.db, deps.adapters, ui.identity.portalId, ui.query) })));
  router.get('/ui/audit', handle<AuditPage>(async (ui) => ({ body: await auditPage(deps.db, ui.identity.portalId, ui.query) })));
  router.post('/ui/estimate', handle<EstimateView>(async (ui) => ({ body: await estimate(deps, ui.identity.portalId, ui.body) })));

  router.use('/ui', (req, res) => {
    sendUiError(res, new UiError(404, 'not_found', `No route ${req.method} ${req.baseUrl}${req.path}.`));
  });
  router.use('/ui', uiErrorHandler(log));
  return router;
}
