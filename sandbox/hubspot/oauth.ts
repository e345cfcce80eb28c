// HubSpot OAuth (HUBSPOT.md §6, oauth-v3 spec): the browser's authorize step consents automatically as
// the portal/user set by `consentAs` and redirects with a single-use, short-lived code; the token
// endpoint (form-encoded) exchanges codes and refresh tokens; introspection and revocation. A
// refresh keeps the refresh token and issues a new access token; after an uninstall the refresh
// grant answers 400 `invalid_grant` with the legacy `status: "BAD_REFRESH_TOKEN"`.
// The v1 token and token-info paths (what @hubspot/api-client's oauth module calls) answer the same.
import express from 'express';
import type { Request, Response } from 'express';
import { correlationId } from './errors.ts';
import { recordCall } from './limits.ts';
import { randomId } from './state.ts';
import type { AccessToken, RefreshToken, SandboxState } from './state.ts';

/** Scopes the sandbox app can ask for; anything else is refused at the authorize step. */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.owners.read',
  'crm.lists.read',
  'crm.lists.write',
  'automation',
  'timeline',
  'settings.users.read',
  'settings.users.write',
  'tickets',
  'content',
  'forms',
]);

const splitScopes = (raw: unknown): string[] => (typeof raw === 'string' ? raw.split(/[\s+]+/).filter(Boolean) : []);

function authorizeError(res: Response, message: string): void {
  res.status(400);
  res.format({
    json: () => res.json({ status: 'error', message, correlationId: correlationId(), category: 'VALIDATION_ERROR' }),
    default: () => res.type('html').send(`<!doctype html><title>Authorization error</title><h1>Couldn't connect the app</h1><p>${escapeHtml(message)}</p>`),
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function validRedirect(state: SandboxState, uri: string): boolean {
  if (state.opts.redirectUris) return state.opts.redirectUris.includes(uri);
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

/** A token-endpoint failure: OAuth's `error` plus HubSpot's legacy status code. */
function tokenError(res: Response, status: number, legacy: string, error: string, message: string): void {
  res.status(status).json({ status: legacy, message, correlationId: correlationId(), category: 'VALIDATION_ERROR', error, error_description: message });
}

function tokenAnswer(state: SandboxState, access: AccessToken, refresh: RefreshToken) {
  return {
    token_type: 'bearer',
    refresh_token: refresh.token,
    access_token: access.token,
    expires_in: Math.max(0, Math.round((access.expiresAt - Date.now()) / 1000)),
    hub_id: access.portalId,
    user_id: access.userId,
    scopes: access.scopes,
    token_use: 'access_token',
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function oauthRoutes(state: SandboxState): express.Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  r.get('/oauth/authorize', (req, res) => {
    const q = req.query;
    const clientId = str(q.client_id);
    const redirectUri = str(q.redirect_uri);
    if (clientId !== state.opts.clientId) return authorizeError(res, 'Unknown client_id: no app is registered under this id.');
    if (!redirectUri || !validRedirect(state, redirectUri)) return authorizeError(res, 'redirect_uri is missing or does not match one of the app\'s redirect URLs.');
    const required = splitScopes(q.scope);
    const optional = splitScopes(q.optional_scope);
    if (required.length === 0) return authorizeError(res, 'The scope parameter is required.');
    const unknown = [...required, ...optional].filter((s) => !KNOWN_SCOPES.has(s));
    if (unknown.length) return authorizeError(res, `Invalid scope(s): ${unknown.join(', ')}`);
    const stateParam = str(q.state);
    if (state.denyNext) {
      state.denyNext = false;
      return res.redirect(302, withParams(redirectUri, { error: 'access_denied', error_description: 'The user declined the app.', state: stateParam }));
    }
    const consent = state.consent ?? (state.portals.size ? { portalId: [...state.portals.keys()][0] as number } : null);
    if (!consent) return authorizeError(res, 'No portal to install into: the sandbox has no portals.');
    const code = `sandbox-code-${randomId()}`;
    state.codes.set(code, {
      code,
      portalId: consent.portalId,
      userId: consent.userId ?? state.defaultUser(consent.portalId),
      scopes: [...new Set([...required, ...optional])],
      redirectUri,
      expiresAt: Date.now() + state.opts.codeTtlSec * 1000,
      used: false,
    });
    res.redirect(302, withParams(redirectUri, { code, state: stateParam }));
  });

  const token = (req: Request, res: Response) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const call = recordCall(state, req, res, null);
    const grant = str(b.grant_type);
    if (grant !== 'authorization_code' && grant !== 'refresh_token') {
      return tokenError(res, 400, 'BAD_GRANT_TYPE', 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token (form-encoded body)');
    }
    if (str(b.client_id) !== state.opts.clientId) return tokenError(res, 400, 'BAD_CLIENT_ID', 'invalid_client', 'missing or unknown client_id');
    if (str(b.client_secret) !== state.opts.clientSecret) return tokenError(res, 400, 'BAD_CLIENT_SECRET', 'invalid_client', 'missing or invalid client_secret');
    if (grant === 'authorization_code') {
      const code = state.codes.get(str(b.code) ?? '');
      if (!code || code.used || Date.now() >= code.expiresAt) {
        return tokenError(res, 400, 'BAD_AUTH_CODE', 'invalid_grant', 'missing, expired or already used authorization code');
      }
      if (str(b.redirect_uri) !== code.redirectUri) {
        return tokenError(res, 400, 'BAD_REDIRECT_URI', 'invalid_grant', 'redirect_uri does not match the one the code was issued for');
      }
      code.used = true;
      call.portalId = code.portalId;
      const { access, refresh } = state.issueTokens(code.portalId, code.userId, code.scopes);
      return res.json(tokenAnswer(state, access, refresh));
    }
    const refresh = state.refreshTokens.get(str(b.refresh_token) ?? '');
    if (!refresh || refresh.revoked) return tokenError(res, 400, 'BAD_REFRESH_TOKEN', 'invalid_grant', 'missing or invalid refresh token');
    call.portalId = refresh.portalId;
    res.json(tokenAnswer(state, state.issueAccess(refresh), refresh));
  };
  r.post('/oauth/v3/token', form, token);
  r.post('/oauth/v1/token', form, token);

  r.post('/oauth/v3/token/introspect', form, (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const call = recordCall(state, req, res, null);
    if (str(b.client_id) !== state.opts.clientId || str(b.client_secret) !== state.opts.clientSecret) {
      return tokenError(res, 400, 'BAD_CLIENT_SECRET', 'invalid_client', 'missing or invalid client credentials');
    }
    const t = str(b.token) ?? '';
    const access = state.accessTokens.get(t);
    const refresh = state.refreshTokens.get(t);
    const common = (portalId: number, userId: number, scopes: string[]) => {
      call.portalId = portalId;
      const user = state.portals.get(portalId)?.users.get(userId);
      return {
        active: true,
        token: t,
        token_type: 'bearer',
        client_id: state.opts.clientId,
        app_id: state.opts.appId,
        hub_id: portalId,
        hub_domain: `portal${portalId}.example`,
        user_id: userId,
        ...(user ? { user: user.email } : {}),
        scopes,
        is_private_distribution: false,
      };
    };
    if (access && !access.revoked && Date.now() < access.expiresAt) {
      return res.json({
        ...common(access.portalId, access.userId, access.scopes),
        token_use: 'access_token',
        expires_in: Math.round((access.expiresAt - Date.now()) / 1000),
      });
    }
    if (refresh && !refresh.revoked) return res.json({ ...common(refresh.portalId, refresh.userId, refresh.scopes), token_use: 'refresh_token' });
    res.json({ active: false });
  });

  const revoke = (t: string, res: Response) => {
    const refresh = state.refreshTokens.get(t);
    if (!refresh || refresh.revoked) return tokenError(res, 400, 'BAD_REFRESH_TOKEN', 'invalid_grant', 'missing or invalid refresh token');
    refresh.revoked = true;
    for (const a of state.accessTokens.values()) if (a.refreshToken === t) a.revoked = true;
    res.status(204).end();
  };
  r.post('/oauth/v3/token/revoke', form, (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    recordCall(state, req, res, null);
    if (str(b.client_id) !== state.opts.clientId || str(b.client_secret) !== state.opts.clientSecret) {
      return tokenError(res, 400, 'BAD_CLIENT_SECRET', 'invalid_client', 'missing or invalid client credentials');
    }
    revoke(str(b.token) ?? '', res);
  });
  r.delete('/oauth/v1/refresh-tokens/:token', (req, res) => {
    recordCall(state, req, res, null);
    revoke(req.params.token, res);
  });

  // v1 token information (what passport-hubspot-oauth2's userProfile and the SDK's AccessTokensApi read).
  r.get('/oauth/v1/access-tokens/:token', (req, res) => {
    recordCall(state, req, res, null);
    const a = state.accessTokens.get(req.params.token);
    if (!a || a.revoked || Date.now() >= a.expiresAt) return tokenError(res, 404, 'NOT_FOUND', 'invalid_token', 'access token not found or expired');
    const user = state.portals.get(a.portalId)?.users.get(a.userId);
    res.json({
      token: a.token,
      user: user?.email,
      hub_domain: `portal${a.portalId}.example`,
      scopes: a.scopes,
      hub_id: a.portalId,
      app_id: state.opts.appId,
      expires_in: Math.round((a.expiresAt - Date.now()) / 1000),
      user_id: a.userId,
      token_type: 'access',
    });
  });
  r.get('/oauth/v1/refresh-tokens/:token', (req, res) => {
    recordCall(state, req, res, null);
    const t = state.refreshTokens.get(req.params.token);
    if (!t || t.revoked) return tokenError(res, 404, 'NOT_FOUND', 'invalid_grant', 'refresh token not found');
    const user = state.portals.get(t.portalId)?.users.get(t.userId);
    res.json({ token: t.token, user: user?.email, hub_domain: `portal${t.portalId}.example`, scopes: t.scopes, hub_id: t.portalId, client_id: state.opts.clientId, user_id: t.userId, token_type: 'refresh' });
  });
  return r;
}
