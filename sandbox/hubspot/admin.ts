// /__sandbox/* — the sandbox portal's controls and counters for other processes (the benchmark, a
// demo): never rate limited, never logged in `calls`, no auth (the sandbox listens on 127.0.0.1).
//   GET  /__sandbox/stats        calls by portal and path, 429s, callbacks, timeline events, faults
//   GET  /__sandbox/calls | /__sandbox/callbacks | /__sandbox/timeline
//   GET  /__sandbox/portals/:portalId/contacts/:id
//   POST /__sandbox/portals {portalId, contacts?} → {ids}      POST /__sandbox/consent {portalId, userId?}
//   POST /__sandbox/uninstall {portalId}                       POST /__sandbox/expire-tokens {portalId?}
//   POST /__sandbox/storm {portalId, ms}                       POST /__sandbox/faults {error5xx?, timeout?, reset?, force?}
//   POST /__sandbox/tokens {portalId, scopes?} → tokens without the browser step
//   POST /__sandbox/enroll {…EnrollOptions} → {executions}     POST /__sandbox/webhooks {targetUrl, events}
//   POST /__sandbox/reset-stats  clears the call log and unknown-completion log
import express from 'express';
import type { Response } from 'express';
import type { FaultKind } from '../vendors/common.ts';
import type { HubSpotSandbox } from './index.ts';
import type { EnrollOptions } from './emulator.ts';
import type { SandboxState } from './state.ts';

/** Ids in a path replaced by {id}, so stats group calls by endpoint. */
export function endpointOf(method: string, path: string): string {
  const p = path.replace(/\/callbacks\/[^/]+\/complete$/, '/callbacks/{id}/complete').replace(/\/\d+(?=\/|$)/g, '/{id}');
  return `${method} ${p}`;
}

export function stats(state: SandboxState) {
  const byPortal: Record<string, { total: number; rateLimited: number; batchItems: number; byPath: Record<string, number> }> = {};
  const byStatus: Record<string, number> = {};
  let rateLimited = 0;
  for (const c of state.calls) {
    const p = (byPortal[c.portalId === null ? 'none' : String(c.portalId)] ??= { total: 0, rateLimited: 0, batchItems: 0, byPath: {} });
    p.total++;
    p.batchItems += c.items ?? 0;
    const ep = endpointOf(c.method, c.path);
    p.byPath[ep] = (p.byPath[ep] ?? 0) + 1;
    byStatus[String(c.status)] = (byStatus[String(c.status)] ?? 0) + 1;
    if (c.status === 429) {
      rateLimited++;
      p.rateLimited++;
    }
  }
  const cbs = state.callbackViews();
  const count = (s: string) => cbs.filter((c) => c.state === s).length;
  return {
    calls: { total: state.calls.length, rateLimited, byStatus, byPortal },
    callbacks: {
      executions: cbs.length,
      blocked: cbs.filter((c) => c.blocked).length,
      pending: count('pending'),
      completed: count('completed'),
      expired: count('expired'),
      /** Completion calls beyond the one a BLOCKed callback needs (and any on one that did not block). */
      doubleCompletions: cbs.reduce((s, c) => s + Math.max(0, c.completions - (c.blocked ? 1 : 0)), 0),
      unknownCompletions: state.unknownCompletions.length,
    },
    timelineEvents: state.timeline.length,
    faultsInjected: state.faults.injected,
  };
}

export function adminRoutes(state: SandboxState, hs: () => HubSpotSandbox): express.Router {
  const r = express.Router();
  const json = express.json({ limit: '20mb' });
  const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
  const fail = (res: Response, err: unknown) => res.status(400).json({ error: (err as Error).message });

  r.get('/__sandbox/stats', (_req, res) => res.json(stats(state)));
  r.get('/__sandbox/calls', (_req, res) => res.json(state.calls));
  r.get('/__sandbox/callbacks', (_req, res) => res.json(state.callbackViews()));
  r.get('/__sandbox/timeline', (_req, res) => res.json(state.timeline));
  r.get('/__sandbox/portals/:portalId/contacts/:id', (req, res) => {
    const c = hs().contact(num(req.params.portalId), req.params.id);
    if (!c) return res.status(404).json({ error: 'no such contact' });
    res.json(c);
  });
  r.post('/__sandbox/portals', json, (req, res) => {
    try {
      const b = req.body as { portalId: number; contacts?: Record<string, string>[] };
      res.json({ ids: hs().addPortal(num(b.portalId), b.contacts ?? []) });
    } catch (err) {
      fail(res, err);
    }
  });
  r.post('/__sandbox/consent', json, (req, res) => {
    const b = req.body as { portalId: number; userId?: number };
    hs().consentAs(num(b.portalId), b.userId === undefined ? undefined : num(b.userId));
    res.json({ ok: true });
  });
  r.post('/__sandbox/uninstall', json, (req, res) => {
    hs().uninstall(num((req.body as { portalId: number }).portalId));
    res.json({ ok: true });
  });
  r.post('/__sandbox/expire-tokens', json, (req, res) => {
    const p = (req.body as { portalId?: number } | undefined)?.portalId;
    hs().expireAccessTokens(p === undefined ? undefined : num(p));
    res.json({ ok: true });
  });
  r.post('/__sandbox/storm', json, (req, res) => {
    const b = req.body as { portalId: number; ms: number };
    hs().rateLimitStorm(num(b.portalId), num(b.ms));
    res.json({ ok: true });
  });
  r.post('/__sandbox/faults', json, (req, res) => {
    const b = (req.body ?? {}) as { error5xx?: number; timeout?: number; reset?: number; force?: FaultKind[] };
    for (const k of ['error5xx', 'timeout', 'reset'] as const) if (typeof b[k] === 'number') state.faults.rates[k] = b[k];
    if (Array.isArray(b.force)) state.faults.force(...b.force);
    res.json({ faults: state.faults.rates });
  });
  r.post('/__sandbox/tokens', json, (req, res) => {
    try {
      const b = req.body as { portalId: number; scopes?: string[] };
      res.json(hs().issueTokens(num(b.portalId), b.scopes));
    } catch (err) {
      fail(res, err);
    }
  });
  r.post('/__sandbox/enroll', json, async (req, res) => {
    try {
      res.json(await hs().enroll(req.body as EnrollOptions));
    } catch (err) {
      fail(res, err);
    }
  });
  r.post('/__sandbox/webhooks', json, async (req, res) => {
    const b = req.body as { targetUrl: string; events: object[] };
    res.json(await hs().deliverWebhooks(b.targetUrl, b.events));
  });
  r.post('/__sandbox/reset-stats', (_req, res) => {
    state.calls.length = 0;
    state.unknownCompletions.length = 0;
    res.json({ ok: true });
  });
  return r;
}
