// Middleware for routes HubSpot calls (workflow actions, webhooks): reads the raw body (the bytes are
// what HubSpot signed), rebuilds the URL from the configured public base URL (never from proxy
// headers), verifies the signature, refuses a v3 signature seen before within its 5-minute life,
// then parses the JSON. Every refusal is a JSON error naming what is wrong, logged without secrets.
import { createHash } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log.ts';
import { MAX_SIGNATURE_AGE_MS, publicUrl, verifySignature } from '../hubspot/signature.ts';

export interface SignedRouteOptions {
  clientSecret: () => string | undefined;
  publicBaseUrl: () => string | null;
  /** Version accepted when v3 is absent: v2 for workflow actions, v1 for webhooks (null: v3 only). */
  fallback: 'v1' | 'v2' | null;
  log: Logger;
  onRejected?: (reason: string) => void;
  limit?: string;
}

/** v3 signatures already accepted, until they could no longer pass the timestamp check. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  /** True the first time a signature is offered within its lifetime. */
  firstUse(signature: string, now = Date.now()): boolean {
    if (this.seen.size > 50_000) for (const [k, until] of this.seen) if (until < now) this.seen.delete(k);
    const key = createHash('sha256').update(signature).digest('base64');
    const until = this.seen.get(key);
    if (until !== undefined && until >= now) return false;
    this.seen.set(key, now + 2 * MAX_SIGNATURE_AGE_MS);
    return true;
  }
}

export interface SignedRequestLocals {
  body: unknown;
  signatureVersion: string;
}

export type SignatureCheck =
  | { ok: true; rawBody: string; version: string }
  | { ok: false; status: number; error: string; message: string; field: string };

/**
 * The checks every HubSpot-originated request passes (workflow actions, webhooks, hubspot.fetch):
 * configured, signature over the public URL and the raw bytes, a v3 signature used only once.
 * Logs each refusal without secrets.
 */
export function checkHubSpotSignature(
  req: Request,
  opts: Pick<SignedRouteOptions, 'clientSecret' | 'publicBaseUrl' | 'fallback' | 'log'>,
  replays: ReplayGuard,
): SignatureCheck {
  const secret = opts.clientSecret();
  const base = opts.publicBaseUrl();
  if (!secret || !base) {
    const message = 'HubSpot requests cannot be verified: set HUBSPOT_CLIENT_SECRET and PUBLIC_BASE_URL';
    return { ok: false, status: 503, error: 'not_configured', message, field: secret ? 'PUBLIC_BASE_URL' : 'HUBSPOT_CLIENT_SECRET' };
  }
  const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const verdict = verifySignature(
    { method: req.method, url: publicUrl(base, req.originalUrl), rawBody, header: (n) => req.get(n) },
    { clientSecret: secret, fallback: opts.fallback },
  );
  if (!verdict.ok) {
    opts.log.warn({ path: req.path, reason: verdict.reason }, 'HubSpot request refused: signature');
    const field = verdict.reason === 'stale_timestamp' || verdict.reason === 'bad_timestamp' ? 'X-HubSpot-Request-Timestamp' : 'X-HubSpot-Signature-v3';
    return { ok: false, status: 401, error: 'invalid_signature', message: verdict.message, field };
  }
  if (verdict.version === 'v3' && !replays.firstUse(req.get('x-hubspot-signature-v3') ?? '')) {
    opts.log.warn({ path: req.path }, 'HubSpot request refused: replayed signature');
    return { ok: false, status: 401, error: 'replayed_signature', message: 'this signed request was already received', field: 'X-HubSpot-Signature-v3' };
  }
  return { ok: true, rawBody, version: verdict.version };
}

export function signedHubSpotRequest(opts: SignedRouteOptions): RequestHandler[] {
  const replays = new ReplayGuard();
  const reject = (res: Response, status: number, error: string, message: string, field?: string) => {
    opts.onRejected?.(error);
    res.status(status).json({ error, ...(field ? { field } : {}), message });
  };
  const verify = (req: Request, res: Response, next: NextFunction) => {
    const check = checkHubSpotSignature(req, opts, replays);
    if (!check.ok) {
      reject(res, check.status, check.error, check.message, check.field);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(check.rawBody);
    } catch {
      reject(res, 400, 'invalid_json', 'the body is not JSON', 'body');
      return;
    }
    res.locals.signed = { body, signatureVersion: check.version } satisfies SignedRequestLocals;
    next();
  };
  return [express.raw({ type: () => true, limit: opts.limit ?? '1mb' }), verify];
}
