// The gate in front of every /ui route (hubspot.fetch from the card and the settings page): the raw
// body (at most 64 KB), HubSpot's signature (checkHubSpotSignature: v3 within its 5 minutes and never
// twice, else v2), then the identity in the signed query and the JSON body. Unlike the workflow and
// webhook routes, GET and DELETE have no body ("" is signed, and is not JSON), and every refusal is
// an ApiError.
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log.ts';
import { checkHubSpotSignature, ReplayGuard } from '../http/hubspot-signed.ts';
import { UiError, identityOf, sendUiError } from './ui-request.ts';
import type { UiIdentity } from './ui-request.ts';

export const UI_BODY_LIMIT = '64kb';

export interface SignedUiOptions {
  clientSecret: () => string | undefined;
  publicBaseUrl: () => string | null;
  /** The HubSpot app id, when configured: a request naming another app is refused. */
  appId: () => string | undefined;
  log: Logger;
}

export interface UiLocals {
  identity: UiIdentity;
  /** Every query parameter, one value each (repeats with different values were refused). */
  query: Record<string, string>;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
}

export const uiLocals = (res: Response): UiLocals => res.locals.ui as UiLocals;

export function signedUiRequest(opts: SignedUiOptions): RequestHandler[] {
  const replays = new ReplayGuard();
  const refuse = (req: Request, res: Response, err: UiError) => {
    opts.log.warn({ method: req.method, path: req.path, error: err.code, field: err.field }, 'UI request refused');
    sendUiError(res, err);
  };
  const verify = (req: Request, res: Response, next: NextFunction) => {
    const check = checkHubSpotSignature(req, { ...opts, fallback: 'v2' }, replays);
    if (!check.ok) {
      sendUiError(res, new UiError(check.status, check.error, check.message, { field: check.field }));
      return;
    }
    const rawBody = check.rawBody;
    try {
      const q = req.originalUrl.indexOf('?');
      const { identity, params } = identityOf(q >= 0 ? req.originalUrl.slice(q + 1) : '', opts.appId());
      let body: unknown;
      if (rawBody.trim() !== '') {
        try {
          body = JSON.parse(rawBody);
        } catch {
          throw new UiError(400, 'invalid_json', 'The body is not valid JSON.', { field: 'body' });
        }
      }
      res.locals.ui = { identity, query: params, body } satisfies UiLocals;
    } catch (err) {
      if (!(err instanceof UiError)) throw err;
      refuse(req, res, err);
      return;
    }
    next();
  };
  return [express.raw({ type: () => true, limit: UI_BODY_LIMIT }), verify];
}

/**
 * Errors thrown before or around the handlers: the body reader's (413 too large, 400 unreadable),
 * a UiError, anything else as a 500 (logged, never with the request body).
 */
export function uiErrorHandler(log: Logger) {
  return (err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof UiError) {
      sendUiError(res, err);
      return;
    }
    if (err.type === 'entity.too.large' || err.status === 413) {
      log.warn({ method: req.method, path: req.path }, 'UI request refused: body too large');
      sendUiError(res, new UiError(413, 'payload_too_large', `The body is larger than ${UI_BODY_LIMIT.toUpperCase()}.`, { field: 'body' }));
      return;
    }
    if (err.status && err.status >= 400 && err.status < 500) {
      sendUiError(res, new UiError(400, 'invalid_body', 'The body could not be read.', { field: 'body' }));
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'UI request failed');
    sendUiError(res, new UiError(500, 'internal_error', 'Something went wrong on our side; try again in a minute.'));
  };
}
