// HubSpot OAuth tokens per portal: stored envelope-encrypted, refreshed ahead of expiry (HubSpot's
// access tokens live ~30 minutes; a 401 is not a reliable signal), and the place where an uninstall
// is noticed — HubSpot sends no event for it; the next refresh answers 400 invalid_grant.
//
// Tokens never reach a log line or an error message: errors carry HubSpot's status and error code only.
import type { Knex } from 'knex';
import { decryptSecret, encryptSecret, serializeEnvelope } from '../security/envelope.ts';
import type { KeyRing } from '../security/envelope.ts';
import { ensurePortal } from '../portals/portals.ts';
import { recordAudit } from '../enrichment/audit.ts';
import type { Logger } from '../log.ts';

/** What HubSpot's token endpoint answers (the fields Cascade uses). */
export interface TokenGrant {
  access_token: string;
  refresh_token: string;
  /** Seconds. */
  expires_in: number;
  scopes?: string[];
  user_id?: number | null;
}

export interface TokenResponse extends TokenGrant {
  /** The portal (HubSpot account) the tokens belong to. */
  hub_id?: number;
}

/** The portal has no HubSpot tokens: it never installed Cascade, or uninstalled it. */
export class NotInstalledError extends Error {
  readonly portalId: number;
  readonly code: string = 'not_installed';
  constructor(portalId: number, message = `portal ${portalId} has not installed Cascade (no HubSpot tokens)`) {
    super(message);
    this.name = 'NotInstalledError';
    this.portalId = portalId;
  }
}

/** HubSpot refused the refresh token (the app was uninstalled or access revoked); tokens and keys are gone. */
export class UninstalledError extends NotInstalledError {
  override readonly code: string = 'uninstalled';
  readonly reason: string;
  constructor(portalId: number, reason: string) {
    super(portalId, `portal ${portalId} uninstalled Cascade (HubSpot answered ${reason}); its tokens and vendor keys were deleted`);
    this.name = 'UninstalledError';
    this.reason = reason;
  }
}

/**
 * HubSpot's token endpoint failed. `retryable`: no answer, 429 or 5xx (the stored tokens are kept);
 * otherwise HubSpot rejected the request (`errorCode` is its error code, e.g. invalid_client).
 */
export class TokenEndpointError extends Error {
  /** 0 = no answer (network error, timeout). */
  readonly status: number;
  readonly errorCode: string;
  readonly retryable: boolean;
  readonly portalId: number | undefined;
  constructor(status: number, errorCode: string, message: string, portalId?: number) {
    super(message);
    this.name = 'TokenEndpointError';
    this.status = status;
    this.errorCode = errorCode;
    this.retryable = status === 0 || status === 429 || status >= 500;
    this.portalId = portalId;
  }
}

type FetchFn = typeof fetch;

const errorCodeOf = (body: unknown): string => {
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  for (const k of ['error', 'category', 'subCategory', 'status']) {
    const v = b[k];
    if (typeof v === 'string' && v && v !== 'error') return v;
  }
  return '';
};

/** HubSpot's answer meaning "this refresh token is dead": uninstalled or revoked. */
export function isInvalidGrant(status: number, body: unknown): boolean {
  if (status !== 400) return false;
  if (!body || typeof body !== 'object') return false;
  const b = body as Record<string, unknown>;
  return ['error', 'status', 'subCategory', 'category'].some((k) => {
    const v = b[k];
    return typeof v === 'string' && /^(invalid_grant|BAD_REFRESH_TOKEN)$/i.test(v.replace(/^.*\./, ''));
  });
}

/**
 * POSTs a form to HubSpot's token endpoint. Returns the parsed JSON on 200; throws
 * TokenEndpointError otherwise (the body is kept on `cause` only as HubSpot's error code).
 */
export async function postTokenForm(
  tokenUrl: string,
  form: Record<string, string>,
  opts: { timeoutMs?: number; fetch?: FetchFn } = {},
): Promise<{ status: number; body: unknown }> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const what = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'timed out' : 'could not be reached';
    throw new TokenEndpointError(0, 'no_answer', `HubSpot's token endpoint ${what}`);
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

export interface ParsedTokenResponse extends Omit<TokenResponse, 'refresh_token'> {
  /** Absent when HubSpot kept the refresh token unchanged (refresh grant). */
  refresh_token: string | undefined;
}

/** Validates a 200 answer of the token endpoint. Throws TokenEndpointError(200, 'bad_answer'). */
export function parseTokenResponse(body: unknown, needRefreshToken: boolean): ParsedTokenResponse {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const expires = typeof b.expires_in === 'string' ? Number(b.expires_in) : b.expires_in;
  const ok =
    typeof b.access_token === 'string' && b.access_token.length > 0 &&
    typeof expires === 'number' && Number.isFinite(expires) && expires > 0 &&
    (!needRefreshToken || (typeof b.refresh_token === 'string' && b.refresh_token.length > 0));
  if (!ok) throw new TokenEndpointError(200, 'bad_answer', "HubSpot's token endpoint answered 200 without a usable token");
  const hub = typeof b.hub_id === 'string' ? Number(b.hub_id) : b.hub_id;
  const user = typeof b.user_id === 'string' ? Number(b.user_id) : b.user_id;
  const scopes = Array.isArray(b.scopes) ? b.scopes.filter((s): s is string => typeof s === 'string')
    : typeof b.scope === 'string' ? b.scope.split(/\s+/).filter(Boolean) : undefined;
  const out: ParsedTokenResponse = {
    access_token: b.access_token as string,
    refresh_token: typeof b.refresh_token === 'string' && b.refresh_token ? b.refresh_token : undefined,
    expires_in: expires as number,
  };
  if (typeof hub === 'number' && Number.isSafeInteger(hub) && hub > 0) out.hub_id = hub;
  if (typeof user === 'number' && Number.isSafeInteger(user) && user > 0) out.user_id = user;
  if (scopes) out.scopes = scopes;
  return out;
}

export interface TokenStoreOptions {
  db: Knex;
  ring: KeyRing;
  /** `${HUBSPOT_API_BASE_URL}/oauth/v3/token` */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  log: Logger;
  /** Refresh when the access token expires within this (default 5 minutes). */
  refreshAheadMs?: number;
  /** Called after an uninstall was recorded (e.g. drop the portal's pending outbox work). */
  onUninstall?: (portalId: number) => Promise<void>;
  /** Token endpoint timeout (default 10 s). */
  timeoutMs?: number;
  fetch?: FetchFn;
}

export interface RefreshSweep {
  refreshed: number[];
  failed: number[];
  uninstalled: number[];
}

interface TokenRow {
  portal_id: number | string;
  access_token_enc: string;
  refresh_token_enc: string;
  expires_at: Date | string;
}

const aadFor = (portalId: number, kind: 'access_token' | 'refresh_token') => `portal:${portalId}|hubspot:${kind}`;

export class TokenStore {
  private readonly db: Knex;
  private readonly ring: KeyRing;
  private readonly tokenUrl: string;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly log: Logger;
  private readonly onUninstall: ((portalId: number) => Promise<void>) | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFn | undefined;
  readonly refreshAheadMs: number;
  // One refresh per portal at a time in this process; every caller waiting on it shares its answer.
  private readonly inflight = new Map<number, Promise<string>>();

  constructor(opts: TokenStoreOptions) {
    this.db = opts.db;
    this.ring = opts.ring;
    this.tokenUrl = opts.tokenUrl;
    this.clientId = opts.clientId;
    this.clientSecret = opts.clientSecret;
    this.log = opts.log;
    this.onUninstall = opts.onUninstall;
    this.refreshAheadMs = opts.refreshAheadMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fetchFn = opts.fetch;
  }

  /** Stores (or replaces) a portal's tokens, encrypted; marks the portal installed. */
  async save(portalId: number, grant: TokenGrant, trx?: Knex.Transaction): Promise<void> {
    checkPortalId(portalId);
    const db = trx ?? this.db;
    const now = new Date();
    await ensurePortal(db, portalId);
    await db('portals')
      .where({ id: portalId })
      .update({
        installed_at: db.raw('CASE WHEN uninstalled_at IS NULL THEN installed_at ELSE ? END', [now]),
        uninstalled_at: null,
      });
    const row = {
      portal_id: portalId,
      access_token_enc: this.seal(portalId, 'access_token', grant.access_token),
      refresh_token_enc: this.seal(portalId, 'refresh_token', grant.refresh_token),
      expires_at: new Date(now.getTime() + grant.expires_in * 1000),
      scopes: JSON.stringify(grant.scopes ?? []),
      installed_by_user: grant.user_id ?? null,
      created_at: now,
      refreshed_at: now,
    };
    await db('hubspot_tokens')
      .insert(row)
      .onConflict('portal_id')
      .merge(['access_token_enc', 'refresh_token_enc', 'expires_at', 'scopes', 'installed_by_user', 'refreshed_at']);
  }

  /** True when the portal has tokens (installed and not uninstalled). */
  async installed(portalId: number): Promise<boolean> {
    return (await this.load(portalId)) !== undefined;
  }

  /** The scopes granted at install (as HubSpot reported them). */
  async scopes(portalId: number): Promise<string[]> {
    const row = await this.db('hubspot_tokens').where({ portal_id: portalId }).first('scopes');
    if (!row) throw new NotInstalledError(portalId);
    const s = typeof row.scopes === 'string' ? JSON.parse(row.scopes) : row.scopes;
    return Array.isArray(s) ? s : [];
  }

  /**
   * A usable access token; refreshed first when it expires within `refreshAheadMs`. Throws
   * NotInstalledError (no tokens), UninstalledError (HubSpot refused the refresh token) or
   * TokenEndpointError (HubSpot unreachable or failing: `retryable`).
   */
  async accessToken(portalId: number): Promise<string> {
    const running = this.inflight.get(portalId);
    if (running) return running;
    const row = await this.load(portalId);
    if (!row) throw new NotInstalledError(portalId);
    if (isDue(row, this.refreshAheadMs)) return this.shared(portalId, this.refreshAheadMs);
    return this.open(portalId, 'access_token', row.access_token_enc);
  }

  /** Refreshes now (joining a refresh already running for the portal); returns the new access token. */
  async refresh(portalId: number): Promise<string> {
    return this.shared(portalId, null);
  }

  /** The cron's sweep: refreshes every token expiring within `withinMs`. Never throws for one portal. */
  async refreshDue(withinMs: number): Promise<RefreshSweep> {
    const rows: { portal_id: number | string }[] = await this.db('hubspot_tokens')
      .where('expires_at', '<', new Date(Date.now() + withinMs))
      .orderBy('expires_at')
      .select('portal_id');
    const out: RefreshSweep = { refreshed: [], failed: [], uninstalled: [] };
    const queue = rows.map((r) => Number(r.portal_id));
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await this.shared(id, withinMs);
          out.refreshed.push(id);
        } catch (err) {
          if (err instanceof UninstalledError) out.uninstalled.push(id);
          else if (err instanceof NotInstalledError) continue; // uninstalled meanwhile by someone else
          else out.failed.push(id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
    for (const list of [out.refreshed, out.failed, out.uninstalled]) list.sort((a, b) => a - b);
    if (rows.length) this.log.info({ due: rows.length, refreshed: out.refreshed.length, failed: out.failed.length, uninstalled: out.uninstalled.length }, 'HubSpot token refresh sweep');
    return out;
  }

  /**
   * Forgets a portal: deletes its tokens and vendor keys, marks it uninstalled and records
   * `app.uninstalled` — in one transaction — then calls `onUninstall`. Returns false when there was
   * nothing to do (already uninstalled).
   */
  async uninstall(portalId: number, reason: string): Promise<boolean> {
    return this.uninstallIf(portalId, reason);
  }

  private async uninstallIf(portalId: number, reason: string, expectRefreshEnc?: string): Promise<boolean> {
    const done = await this.db.transaction(async (trx) => {
      const row = await trx('hubspot_tokens').where({ portal_id: portalId }).forUpdate().first('refresh_token_enc');
      // Re-installed while the refresh was in flight: the new tokens are not the ones HubSpot refused.
      if (expectRefreshEnc !== undefined && row && row.refresh_token_enc !== expectRefreshEnc) return false;
      const tokens = await trx('hubspot_tokens').where({ portal_id: portalId }).delete();
      const keys = await trx('vendor_credentials').where({ portal_id: portalId }).delete();
      const marked = await trx('portals').where({ id: portalId }).whereNull('uninstalled_at').update({ uninstalled_at: trx.fn.now() });
      if (tokens === 0 && keys === 0 && marked === 0) return false;
      await recordAudit(trx, {
        portalId,
        type: 'app.uninstalled',
        detail: { reason, tokensDeleted: tokens > 0, vendorKeysDeleted: keys },
      });
      return true;
    });
    if (!done) return false;
    this.log.warn({ portalId, reason }, 'HubSpot portal uninstalled Cascade: tokens and vendor keys deleted');
    if (this.onUninstall) {
      try {
        await this.onUninstall(portalId);
      } catch (err) {
        this.log.error({ portalId, err }, 'onUninstall hook failed');
      }
    }
    return true;
  }

  private shared(portalId: number, ifDueWithinMs: number | null): Promise<string> {
    const running = this.inflight.get(portalId);
    if (running) return running;
    const p = this.doRefresh(portalId, ifDueWithinMs).finally(() => {
      if (this.inflight.get(portalId) === p) this.inflight.delete(portalId);
    });
    this.inflight.set(portalId, p);
    return p;
  }

  private async doRefresh(portalId: number, ifDueWithinMs: number | null): Promise<string> {
    const row = await this.load(portalId);
    if (!row) throw new NotInstalledError(portalId);
    // Another caller (or process) may have refreshed since this one looked.
    if (ifDueWithinMs !== null && !isDue(row, ifDueWithinMs)) return this.open(portalId, 'access_token', row.access_token_enc);
    const refreshToken = this.open(portalId, 'refresh_token', row.refresh_token_enc);
    const { status, body } = await postTokenForm(
      this.tokenUrl,
      { grant_type: 'refresh_token', client_id: this.clientId, client_secret: this.clientSecret, refresh_token: refreshToken },
      { timeoutMs: this.timeoutMs, ...(this.fetchFn ? { fetch: this.fetchFn } : {}) },
    ).catch((err: unknown) => {
      if (err instanceof TokenEndpointError) {
        this.log.warn({ portalId, status: 0 }, 'HubSpot token refresh got no answer; tokens kept');
        throw new TokenEndpointError(0, err.errorCode, err.message, portalId);
      }
      throw err;
    });
    if (status !== 200) {
      if (isInvalidGrant(status, body)) {
        const code = errorCodeOf(body) || 'invalid_grant';
        const uninstalled = await this.uninstallIf(portalId, 'invalid_grant', row.refresh_token_enc);
        if (!uninstalled) {
          // Re-installed meanwhile: use the new tokens.
          const fresh = await this.load(portalId);
          if (fresh) return this.open(portalId, 'access_token', fresh.access_token_enc);
        }
        throw new UninstalledError(portalId, code);
      }
      const err = new TokenEndpointError(status, errorCodeOf(body) || `http_${status}`, `HubSpot's token endpoint answered ${status} to a refresh`, portalId);
      this.log.warn({ portalId, status, errorCode: err.errorCode, retryable: err.retryable }, 'HubSpot token refresh failed; tokens kept');
      throw err;
    }
    const grant = (() => {
      try {
        return parseTokenResponse(body, false);
      } catch (e) {
        throw new TokenEndpointError(502, 'bad_answer', (e as Error).message, portalId);
      }
    })();
    const now = new Date();
    const update: Record<string, unknown> = {
      access_token_enc: this.seal(portalId, 'access_token', grant.access_token),
      expires_at: new Date(now.getTime() + grant.expires_in * 1000),
      refreshed_at: now,
    };
    if (grant.refresh_token && grant.refresh_token !== refreshToken) {
      update.refresh_token_enc = this.seal(portalId, 'refresh_token', grant.refresh_token);
    }
    if (grant.scopes) update.scopes = JSON.stringify(grant.scopes);
    // Guarded by the refresh token this refresh used: a re-install meanwhile wins.
    const n = await this.db('hubspot_tokens').where({ portal_id: portalId, refresh_token_enc: row.refresh_token_enc }).update(update);
    if (n === 0) {
      const fresh = await this.load(portalId);
      if (!fresh) throw new NotInstalledError(portalId);
      return this.open(portalId, 'access_token', fresh.access_token_enc);
    }
    this.log.info({ portalId, expiresInSec: grant.expires_in }, 'HubSpot access token refreshed');
    return grant.access_token;
  }

  private async load(portalId: number): Promise<TokenRow | undefined> {
    return this.db('hubspot_tokens')
      .where({ portal_id: portalId })
      .first('portal_id', 'access_token_enc', 'refresh_token_enc', 'expires_at');
  }

  private seal(portalId: number, kind: 'access_token' | 'refresh_token', token: string): string {
    if (typeof token !== 'string' || token.length === 0) throw new TypeError(`${kind} must be a non-empty string`);
    return serializeEnvelope(encryptSecret(this.ring, token, aadFor(portalId, kind)));
  }

  private open(portalId: number, kind: 'access_token' | 'refresh_token', enc: string): string {
    return decryptSecret(this.ring, enc, aadFor(portalId, kind));
  }
}

function isDue(row: TokenRow, withinMs: number): boolean {
  return new Date(row.expires_at).getTime() - Date.now() <= withinMs;
}

function checkPortalId(portalId: number): void {
  if (!Number.isSafeInteger(portalId) || portalId <= 0) throw new TypeError('portalId must be a positive integer');
}

/** The AAD a stored token is bound to (exported for tests and key rotation). */
export const tokenAad = aadFor;
