// The gate every API request (everything but /oauth/authorize and /__sandbox) passes, in HubSpot's
// order: logged in `calls`; bearer token → portal (401 INVALID_AUTHENTICATION / EXPIRED_AUTHENTICATION);
// the portal's rolling ten-second window (429 TEN_SECONDLY_ROLLING, also during a rate-limit storm),
// with X-HubSpot-RateLimit-* headers on every answer; then injected faults and latency. Refused
// requests are logged but do not use up the window. CRM search has its own 5/s window (`searchGate`).
import type { NextFunction, Request, Response } from 'express';
import { bearerToken, serveFault } from '../vendors/common.ts';
import { errorBody, rateLimitBody, sendError } from './errors.ts';
import type { AccessToken, CallRecord, Portal, SandboxState } from './state.ts';

export interface AuthLocals {
  token: AccessToken;
  portal: Portal;
}

export const authOf = (res: Response): AuthLocals => res.locals.auth as AuthLocals;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drops the hits older than the window, returns how many remain. */
function prune(hits: number[], now: number, intervalMs: number): number {
  let i = 0;
  while (i < hits.length && (hits[i] as number) <= now - intervalMs) i++;
  if (i) hits.splice(0, i);
  return hits.length;
}

/** Appends a call record; its status is filled in when the answer is sent. */
export function recordCall(state: SandboxState, req: Request, res: Response, portalId: number | null): CallRecord {
  const body = req.body as { inputs?: unknown } | undefined;
  const record: CallRecord = { at: Date.now(), method: req.method, path: req.path, portalId, status: 0 };
  if (body && Array.isArray(body.inputs)) record.items = body.inputs.length;
  state.calls.push(record);
  if (state.calls.length > 500_000) state.calls.splice(0, 250_000);
  res.on('finish', () => {
    record.status = res.statusCode;
  });
  res.locals.call = record;
  return record;
}

const INVALID_AUTH_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export function apiGate(state: SandboxState) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    const record = recordCall(state, req, res, null);
    const raw = bearerToken(req);
    const token = raw ? state.accessTokens.get(raw) : undefined;
    if (token) record.portalId = token.portalId;
    if (!token || token.revoked) {
      sendError(res, 401, 'INVALID_AUTHENTICATION', INVALID_AUTH_MESSAGE);
      return;
    }
    if (now >= token.expiresAt) {
      const minutes = Math.max(0, Math.floor((now - token.expiresAt) / 60_000));
      sendError(res, 401, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${minutes} minute(s) ago.`, {
        context: { expiredAt: [new Date(token.expiresAt).toISOString()] },
      });
      return;
    }
    const portal = state.portals.get(token.portalId);
    if (!portal) {
      sendError(res, 401, 'INVALID_AUTHENTICATION', INVALID_AUTH_MESSAGE);
      return;
    }
    const { max, intervalMs } = state.opts.rateLimit;
    const used = prune(portal.windowHits, now, intervalMs);
    res.set('X-HubSpot-RateLimit-Max', String(max));
    res.set('X-HubSpot-RateLimit-Interval-Milliseconds', String(intervalMs));
    if (now < portal.stormUntil || used >= max) {
      res.set('X-HubSpot-RateLimit-Remaining', '0');
      res.status(429).json(rateLimitBody('TEN_SECONDLY_ROLLING', `publicapi:oauth:${state.opts.appId}:${portal.id}`));
      return;
    }
    portal.windowHits.push(now);
    res.set('X-HubSpot-RateLimit-Remaining', String(max - used - 1));
    res.locals.auth = { token, portal } satisfies AuthLocals;

    const fault = state.faults.draw();
    if (fault) {
      record.fault = fault;
      serveFault(state.faults, fault, req, res, state.rand, errorBody('INTERNAL_ERROR', 'internal error'));
      return;
    }
    const [lo, hi] = state.opts.latencyMs;
    if (hi > 0) await sleep(lo + state.rand() * Math.max(0, hi - lo));
    next();
  };
}

/** CRM search: `searchPerSecond` calls per portal in any second, else 429 SECONDLY. */
export function searchGate(state: SandboxState) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const { portal } = authOf(res);
    const now = Date.now();
    const used = prune(portal.searchHits, now, 1000);
    const max = state.opts.searchPerSecond;
    res.set('X-HubSpot-RateLimit-Secondly', String(max));
    if (used >= max) {
      res.set('X-HubSpot-RateLimit-Secondly-Remaining', '0');
      res.status(429).json(rateLimitBody('SECONDLY', `publicapi:crm-search:${portal.id}`));
      return;
    }
    portal.searchHits.push(now);
    res.set('X-HubSpot-RateLimit-Secondly-Remaining', String(max - used - 1));
    next();
  };
}

/**
 * The route needs one of these scopes (HubSpot's 403 MISSING_SCOPES otherwise), unless the sandbox
 * was created with `enforceScopes: false`.
 */
export function needsScope(state: SandboxState, ...anyOf: string[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const { token } = authOf(res);
    if (!state.opts.enforceScopes || anyOf.some((s) => token.scopes.includes(s))) return next();
    sendError(
      res,
      403,
      'MISSING_SCOPES',
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      {
        errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: anyOf } }],
        links: { scopes: 'https://developers.hubspot.com/scopes' },
      },
    );
  };
}
