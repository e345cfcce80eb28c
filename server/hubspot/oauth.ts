// Installing Cascade into a HubSpot portal: the OAuth 2.0 authorization-code flow.
//
//   GET /oauth/install   → 302 to HubSpot's authorize page (scopes, optional scopes, signed state)
//   GET /oauth/callback  → checks the state, exchanges the code at /oauth/v3/token, stores the tokens
//                          (encrypted) and runs `onInstalled` (property set-up, audit)
//
// Built on passport-hubspot-oauth2, subclassed: HubSpot's v3 token endpoint at the configured base
// URL (the package defaults to v1), no v1 profile call (the portal id is `hub_id` in the token
// answer), and `optional_scope` on the authorize URL. The state is a short-lived JWT signed with a key
// derived from ENCRYPTION_KEYS, checked by passport through a custom state store: no session needed.
//
// The marketplace listing's install button must point at `${PUBLIC_BASE_URL}/oauth/install` (not at
// HubSpot's authorize URL directly), otherwise the callback arrives without a state and is refused.
import { randomBytes } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import jwt from 'jsonwebtoken';
import passport from 'passport';
import type { AuthenticateOptions } from 'passport';
import type OAuth2Strategy from 'passport-oauth2';
import hubspotOauth from 'passport-hubspot-oauth2';
import type { Knex } from 'knex';
import type { Config } from '../config.ts';
import type { KeyRing } from '../security/envelope.ts';
import type { Logger } from '../log.ts';
import { parseTokenResponse, postTokenForm, TokenEndpointError } from './tokens.ts';
import type { TokenResponse, TokenStore } from './tokens.ts';
import { statusOf } from './client.ts';

export const REQUIRED_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'automation',
  // Who may change keys, caps and policy is checked server-side with the users API (superAdmin).
  'settings.users.read',
] as const;
export const OPTIONAL_SCOPES = ['crm.objects.companies.read', 'crm.objects.companies.write'] as const;

/** The scopes Cascade asks for: `timeline` is required only when app events are configured. */
export function scopesFor(config: Pick<Config, 'HUBSPOT_APP_EVENT_TYPE'>): { required: string[]; optional: string[] } {
  return {
    required: [...REQUIRED_SCOPES, ...(config.HUBSPOT_APP_EVENT_TYPE ? ['timeline'] : [])],
    optional: [...OPTIONAL_SCOPES],
  };
}

export const tokenUrlFor = (config: Pick<Config, 'HUBSPOT_API_BASE_URL'>) => `${config.HUBSPOT_API_BASE_URL}/oauth/v3/token`;
export const redirectUriFor = (publicBaseUrl: string) => `${publicBaseUrl}/oauth/callback`;

// --- state ----------------------------------------------------------------------------------------

const STATE_AUDIENCE = 'cascade/oauth-install';
export const STATE_TTL_SEC = 600;

export interface InstallState {
  nonce: string;
  returnTo?: string;
}

/** The key states are signed with (exported so tests can mint expired or foreign states). */
export const stateKey = (ring: KeyRing): Buffer => ring.derive('oauth-state');

export function signState(ring: KeyRing, s: { returnTo?: string }, ttlSec = STATE_TTL_SEC): string {
  const payload: Record<string, string> = { nonce: randomBytes(16).toString('base64url') };
  if (s.returnTo) payload.returnTo = s.returnTo;
  return jwt.sign(payload, stateKey(ring), { algorithm: 'HS256', expiresIn: ttlSec, audience: STATE_AUDIENCE });
}

export type StateCheck = { ok: true; state: InstallState } | { ok: false; message: string };

export function verifyState(ring: KeyRing, token: unknown): StateCheck {
  if (typeof token !== 'string' || token === '') {
    return { ok: false, message: 'the callback has no state: start the install from /oauth/install' };
  }
  try {
    const p = jwt.verify(token, stateKey(ring), { algorithms: ['HS256'], audience: STATE_AUDIENCE });
    if (typeof p !== 'object' || p === null || typeof p.nonce !== 'string') {
      return { ok: false, message: 'the state is not one Cascade issued' };
    }
    const state: InstallState = { nonce: p.nonce };
    if (typeof p.returnTo === 'string') state.returnTo = p.returnTo;
    return { ok: true, state };
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) {
      return { ok: false, message: `the install link expired (it is valid for ${STATE_TTL_SEC / 60} minutes): start the install again` };
    }
    return { ok: false, message: 'the state failed verification (not issued by Cascade, or altered)' };
  }
}

/**
 * Where the browser may be sent after the install: a path on this backend, or a HubSpot app page.
 * Anything else would make the install link an open redirect.
 */
export function safeReturnTo(value: string): boolean {
  if (value.length > 2000) return false;
  if (/^\/(?![/\\])/.test(value)) return true;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' && u.username === '' && u.password === '' && /^app(-[a-z0-9]+)?\.hubspot\.com$/.test(u.hostname) && u.port === '';
  } catch {
    return false;
  }
}

// --- token exchange -------------------------------------------------------------------------------

export interface ExchangeOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The installation a code was exchanged for. `hub_id` is the portal. */
export type InstallGrant = TokenResponse & { hub_id: number };

/**
 * Exchanges an authorization code at HubSpot's v3 token endpoint. Throws TokenEndpointError
 * (`errorCode` 'invalid_grant' when HubSpot refused the code). The portal id comes from `hub_id`, or
 * from the token's introspection when the answer lacks it.
 */
export async function exchangeCode(code: string, opts: ExchangeOptions): Promise<InstallGrant> {
  const fetchOpts = { ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {}) };
  const { status, body } = await postTokenForm(
    opts.tokenUrl,
    { grant_type: 'authorization_code', client_id: opts.clientId, client_secret: opts.clientSecret, redirect_uri: opts.redirectUri, code },
    fetchOpts,
  );
  if (status !== 200) {
    const b = (body ?? {}) as Record<string, unknown>;
    const code = [b.error, b.category, b.status].find((v): v is string => typeof v === 'string' && v !== '' && v !== 'error') ?? `http_${status}`;
    throw new TokenEndpointError(status, code, `HubSpot's token endpoint answered ${status} (${code}) to the code exchange`);
  }
  const t = parseTokenResponse(body, true);
  let hubId = t.hub_id;
  if (hubId === undefined) {
    const info = await postTokenForm(
      `${opts.tokenUrl}/introspect`,
      { client_id: opts.clientId, client_secret: opts.clientSecret, token: t.access_token, token_type_hint: 'access_token' },
      fetchOpts,
    );
    const hub = (info.body as Record<string, unknown> | undefined)?.hub_id;
    if (info.status === 200 && (typeof hub === 'number' || typeof hub === 'string') && Number(hub) > 0) hubId = Number(hub);
    else throw new TokenEndpointError(502, 'no_hub_id', "HubSpot's token answer did not name the portal (hub_id)");
  }
  const grant: InstallGrant = { ...t, refresh_token: t.refresh_token!, hub_id: hubId };
  return grant;
}

// --- the routes -----------------------------------------------------------------------------------

export interface OAuthDeps {
  config: Config;
  db: Knex;
  tokens: TokenStore;
  ring: KeyRing;
  log: Logger;
  /** After the tokens are stored: the lead wires property set-up and the audit event here. */
  onInstalled: (portalId: number, accessToken: string) => Promise<void>;
  /** Token endpoint timeout (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface InstallResult {
  portalId: number;
  scopes: string[];
  userId: number | null;
}

/** `onInstalled` failed after the tokens were stored (running the install again is safe). */
export class SetupError extends Error {
  readonly portalId: number;
  constructor(portalId: number, cause: unknown) {
    super(`Cascade is connected to portal ${portalId} but could not finish setting it up`, { cause });
    this.name = 'SetupError';
    this.portalId = portalId;
  }
}

/** Stores an exchanged grant, then runs `onInstalled` (its failure: SetupError; the tokens stay). */
export async function completeInstall(deps: Pick<OAuthDeps, 'tokens' | 'onInstalled' | 'log'>, grant: InstallGrant): Promise<InstallResult> {
  const portalId = grant.hub_id;
  await deps.tokens.save(portalId, grant);
  deps.log.info({ portalId, scopes: grant.scopes ?? [] }, 'HubSpot portal installed Cascade');
  try {
    await deps.onInstalled(portalId, grant.access_token);
  } catch (err) {
    throw new SetupError(portalId, err);
  }
  return { portalId, scopes: grant.scopes ?? [], userId: grant.user_id ?? null };
}

/** The whole callback without a browser: exchange `code`, store the tokens, run `onInstalled`. */
export async function installFromCode(deps: OAuthDeps, code: string): Promise<InstallResult> {
  const problem = configProblem(deps.config);
  if (problem) throw new Error(problem.message);
  const grant = await exchangeCode(code, exchangeOptions(deps));
  return completeInstall(deps, grant);
}

interface ConfigProblem {
  field: string;
  message: string;
}

function configProblem(config: Config): ConfigProblem | null {
  const missing = (['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET'] as const).filter((k) => !config[k]);
  if (missing.length) {
    return { field: missing[0]!, message: `HubSpot install is not configured: set ${missing.join(' and ')}` };
  }
  if (!config.PUBLIC_BASE_URL) {
    return { field: 'PUBLIC_BASE_URL', message: 'HubSpot install is not configured: set PUBLIC_BASE_URL (the redirect URI is built from it, never from the request)' };
  }
  return null;
}

function exchangeOptions(deps: OAuthDeps): ExchangeOptions {
  const c = deps.config;
  return {
    tokenUrl: tokenUrlFor(c),
    clientId: c.HUBSPOT_CLIENT_ID!,
    clientSecret: c.HUBSPOT_CLIENT_SECRET!,
    redirectUri: redirectUriFor(c.PUBLIC_BASE_URL!),
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
}

type OAuth2Callback = (err: unknown, accessToken?: string, refreshToken?: string, results?: unknown) => void;
type VerifyDone = (err: unknown, user?: false | InstallGrant, info?: object) => void;

/** Why passport refused the callback (passed through `fail`). */
interface FailInfo {
  reason: 'invalid_state' | 'no_portal';
  message: string;
}

class CascadeHubSpotStrategy extends hubspotOauth.Strategy {
  private readonly optionalScope: string;

  constructor(deps: OAuthDeps, scopes: { required: string[]; optional: string[] }) {
    const c = deps.config;
    const ring = deps.ring;
    const store = {
      // 4-argument form: passport-oauth2 passes the `state` option (here {returnTo}) as the 2nd.
      store(_req: Request, ctx: unknown, _meta: unknown, cb: (err: Error | null, state?: string) => void) {
        const returnTo = ctx && typeof ctx === 'object' && typeof (ctx as { returnTo?: unknown }).returnTo === 'string' ? (ctx as { returnTo: string }).returnTo : undefined;
        cb(null, signState(ring, returnTo ? { returnTo } : {}));
      },
      verify(_req: Request, state: string, _meta: unknown, cb: (err: Error | null, ok: boolean, info?: unknown) => void) {
        const r = verifyState(ring, state);
        if (r.ok) cb(null, true, r.state);
        else cb(null, false, { reason: 'invalid_state', message: r.message } satisfies FailInfo);
      },
    };
    // Five arguments: passport-oauth2 then passes the token endpoint's full answer (hub_id, expires_in, …).
    const verify = (_accessToken: string, _refreshToken: string, params: unknown, _profile: unknown, done: VerifyDone) => {
      const grant = params as InstallGrant;
      if (!grant || typeof grant.hub_id !== 'number') {
        done(null, false, { reason: 'no_portal', message: "HubSpot's token answer did not name the portal" } satisfies FailInfo);
        return;
      }
      done(null, grant);
    };
    super(
      {
        authorizationURL: c.HUBSPOT_AUTHORIZE_URL,
        tokenURL: tokenUrlFor(c),
        clientID: c.HUBSPOT_CLIENT_ID!,
        clientSecret: c.HUBSPOT_CLIENT_SECRET!,
        callbackURL: redirectUriFor(c.PUBLIC_BASE_URL!),
        scope: scopes.required,
        scopeSeparator: ' ',
        store: store as unknown as OAuth2Strategy.StateStore,
      },
      verify,
    );
    this.optionalScope = scopes.optional.join(' ');
    // The code exchange goes to v3 with a timeout and answers typed errors; node-oauth's request has
    // neither. passport-oauth2 calls this with (code, params{grant_type, redirect_uri}, callback).
    const opts = exchangeOptions(deps);
    (this._oauth2 as unknown as { getOAuthAccessToken: (code: string, params: unknown, cb: OAuth2Callback) => void }).getOAuthAccessToken = (code, _params, cb) => {
      exchangeCode(code, opts).then(
        (grant) => cb(null, grant.access_token, grant.refresh_token, grant),
        (err: unknown) => cb(err),
      );
    };
  }

  override authorizationParams(options: { state?: unknown }): object {
    const params = super.authorizationParams(options) as Record<string, string>;
    if (this.optionalScope) params.optional_scope = this.optionalScope;
    return params;
  }

  // The package's version calls HubSpot's v1 token-info URL (hard-coded, sunset); the portal id is
  // already in the token answer.
  override userProfile(_accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    done(null, { provider: 'hubspot' });
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STRATEGY = 'cascade-hubspot';

/** The install routes. Mount at the root: the redirect URI is `${PUBLIC_BASE_URL}/oauth/callback`. */
export function oauthRoutes(deps: OAuthDeps): Router {
  const router = express.Router();
  const authenticator = new passport.Passport();
  let ready = false;
  const setUp = (): ConfigProblem | null => {
    const problem = configProblem(deps.config);
    if (problem || ready) return problem;
    authenticator.use(STRATEGY, new CascadeHubSpotStrategy(deps, scopesFor(deps.config)));
    ready = true;
    return null;
  };

  router.get('/oauth/install', (req: Request, res: Response, next: NextFunction) => {
    const problem = setUp();
    if (problem) {
      res.status(503).json({ error: 'not_configured', field: problem.field, message: problem.message });
      return;
    }
    const returnTo = req.query.returnTo;
    if (returnTo !== undefined && (typeof returnTo !== 'string' || !safeReturnTo(returnTo))) {
      res.status(400).json({ error: 'invalid_request', field: 'returnTo', message: 'returnTo must be a path on this site or an https://app.hubspot.com page' });
      return;
    }
    // An object `state` makes passport-oauth2 hand it to the state store (a string would be sent as is).
    const options = { session: false, state: returnTo ? { returnTo } : {} } as unknown as AuthenticateOptions;
    authenticator.authenticate(STRATEGY, options)(req, res, next);
  });

  router.get('/oauth/callback', (req: Request, res: Response, next: NextFunction) => {
    const problem = setUp();
    if (problem) {
      res.status(503).json({ error: 'not_configured', field: problem.field, message: problem.message });
      return;
    }
    const q = req.query;
    if (q.error !== undefined) {
      const what = typeof q.error === 'string' ? q.error.slice(0, 100) : 'error';
      const desc = typeof q.error_description === 'string' ? `: ${q.error_description.slice(0, 300)}` : '';
      deps.log.info({ hubspotError: what }, 'HubSpot install not authorized');
      res.status(400).json({
        error: 'authorization_failed',
        field: 'error',
        hubspotError: what,
        message: `HubSpot did not authorize the install (${what})${desc}`,
      });
      return;
    }
    if (typeof q.code !== 'string' || q.code === '') {
      res.status(400).json({ error: 'invalid_request', field: 'code', message: 'the callback has no authorization code: start the install from /oauth/install' });
      return;
    }
    const handle = (err: unknown, grant: InstallGrant | false | undefined, info: unknown) => {
      if (err) {
        const cause = (err as { oauthError?: unknown }).oauthError ?? err;
        if (cause instanceof TokenEndpointError) {
          deps.log.warn({ status: cause.status, errorCode: cause.errorCode }, 'HubSpot code exchange failed');
          if (cause.errorCode === 'invalid_grant' && cause.status === 400) {
            res.status(400).json({ error: 'invalid_code', field: 'code', message: 'HubSpot refused the authorization code (used already or expired): start the install again' });
          } else {
            res.status(502).json({
              error: 'token_exchange_failed',
              message: cause.status === 0 ? "HubSpot's token endpoint could not be reached" : `HubSpot's token endpoint answered ${cause.status} (${cause.errorCode})`,
            });
          }
          return;
        }
        next(err);
        return;
      }
      if (!grant) {
        const f = (info ?? {}) as Partial<FailInfo>;
        if (f.reason === 'invalid_state') res.status(400).json({ error: 'invalid_state', field: 'state', message: f.message });
        else res.status(502).json({ error: 'token_exchange_failed', message: f.message ?? 'the install could not be completed' });
        return;
      }
      const state = (info as { state?: InstallState } | undefined)?.state;
      void finish(grant, state);
    };
    const finish = async (grant: InstallGrant, state: InstallState | undefined) => {
      let result: InstallResult;
      try {
        result = await completeInstall(deps, grant);
      } catch (err) {
        if (!(err instanceof SetupError)) {
          next(err);
          return;
        }
        const e = statusOf(err.cause);
        deps.log.error({ portalId: err.portalId, status: e.status, err: err.cause }, 'Cascade installed but set-up in HubSpot failed');
        res.status(502).json({
          error: 'setup_failed',
          portalId: err.portalId,
          message: `${err.message}${e.status ? ` (HubSpot answered ${e.status})` : ''}: run the install again`,
        });
        return;
      }
      const { portalId, scopes } = result;
      if (state?.returnTo) {
        res.redirect(302, state.returnTo.startsWith('/') ? `${deps.config.PUBLIC_BASE_URL}${state.returnTo}` : state.returnTo);
        return;
      }
      if (req.accepts(['json', 'html']) === 'html') {
        res
          .status(200)
          .type('html')
          .send(
            `<!doctype html><html><head><meta charset="utf-8"><title>Cascade installed</title></head><body>` +
              `<h1>Cascade is installed for portal ${escapeHtml(String(portalId))}</h1>` +
              `<p>Add the Cascade card to the contact record view, and add your vendor keys in Connected apps → Cascade → Settings.</p>` +
              `</body></html>`,
          );
      } else {
        res.status(200).json({ installed: true, portalId, scopes, message: `Cascade is installed for portal ${portalId}` });
      }
    };
    authenticator.authenticate(STRATEGY, { session: false }, handle)(req, res, next);
  });

  return router;
}
