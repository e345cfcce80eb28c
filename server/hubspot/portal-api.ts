// Every call Cascade makes to a portal's HubSpot API goes through here: the portal's OAuth token,
// Cascade's own per-portal pacing (the authority across instances; the SDK's limiter is off), and
// HubSpot's signals — a 429 blocks the portal's bucket fleet-wide until HubSpot's interval is over,
// a 401 refreshes the token once.
import { Client } from '@hubspot/api-client';
import type { Logger } from '../log.ts';
import type { RateGate } from '../enrichment/limiter.ts';
import type { RateWindow } from '../vendors/types.ts';
import type { Metrics } from '../metrics.ts';

export interface AccessTokens {
  accessToken(portalId: number): Promise<string>;
  refresh(portalId: number): Promise<unknown>;
}

/** HubSpot answered with an HTTP error (the SDK's ApiException, read without its message). */
export class HubSpotHttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  /** Epoch ms after which HubSpot will take calls again (429 only). */
  readonly retryAt: number | null;
  constructor(status: number, body: unknown, retryAt: number | null, op: string) {
    const category = typeof body === 'object' && body && 'category' in body ? String((body as { category: unknown }).category) : '';
    super(`HubSpot ${op} answered ${status}${category ? ` ${category}` : ''}`);
    this.name = 'HubSpotHttpError';
    this.status = status;
    this.body = body;
    this.retryAt = retryAt;
  }
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** The call could not get a slot in the portal's budget before its deadline. */
export class HubSpotBusyError extends Error {
  readonly retryAt: number;
  constructor(retryAt: number) {
    super('HubSpot budget for this portal is used up for now');
    this.name = 'HubSpotBusyError';
    this.retryAt = retryAt;
  }
}

const header = (headers: unknown, name: string): string | undefined => {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) if (k.toLowerCase() === name) return String(v);
  return undefined;
};

/** When HubSpot will take calls again after a 429: Retry-After, else the policy's interval. */
export function retryAtOf(headers: unknown, now = Date.now()): number {
  const retryAfter = Number(header(headers, 'retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return now + retryAfter * 1000;
  const interval = Number(header(headers, 'x-hubspot-ratelimit-interval-milliseconds'));
  // A rolling window frees its oldest calls gradually; a second is usually enough, the interval is the bound.
  if (Number.isFinite(interval) && interval > 0) return now + Math.min(interval, 10_000) / 5;
  return now + 2_000;
}

/** Reads an SDK error (ApiException: code, body, headers) or a network error into one shape. */
export function toHubSpotError(err: unknown, op: string): HubSpotHttpError {
  if (err instanceof HubSpotHttpError) return err;
  const e = err as { code?: unknown; body?: unknown; headers?: unknown };
  if (typeof e?.code === 'number' && e.code >= 400) {
    return new HubSpotHttpError(e.code, e.body, e.code === 429 ? retryAtOf(e.headers) : null, op);
  }
  // No HTTP answer (reset, timeout, DNS): treated like a 503.
  return new HubSpotHttpError(503, { message: (err as Error)?.message ?? String(err) }, null, op);
}

/**
 * Per-portal windows: `perTenSeconds` in HubSpot's rolling 10 s. Our gate counts clock-aligned
 * windows, so a rolling 10 s could straddle two of them; the per-second share bounds any rolling
 * 10 s to at most 11 seconds' worth (11 × floor(n/10) ≤ 110).
 */
export function hubspotWindows(perTenSeconds: number): RateWindow[] {
  return [
    { limit: perTenSeconds, windowMs: 10_000 },
    { limit: Math.max(1, Math.floor(perTenSeconds / 10)), windowMs: 1_000 },
  ];
}

export interface PortalApiOptions {
  tokens: AccessTokens;
  gate: RateGate;
  basePath: string;
  callsPer10s: number;
  metrics: Metrics;
  log: Logger;
  /** How long a call may wait for budget before giving up (the caller retries later). */
  maxWaitMs?: number;
}

export class PortalApi {
  private readonly opts: PortalApiOptions;
  private readonly windows: RateWindow[];
  private readonly clients = new Map<number, { token: string; client: Client }>();

  constructor(opts: PortalApiOptions) {
    this.opts = opts;
    this.windows = hubspotWindows(opts.callsPer10s);
  }

  bucket(portalId: number): string {
    return `hubspot:${portalId}`;
  }

  private clientFor(portalId: number, token: string): Client {
    const cached = this.clients.get(portalId);
    if (cached && cached.token === token) return cached.client;
    // No SDK limiter and no SDK retries: pacing and retries are ours, fleet-wide.
    const client = new Client({ accessToken: token, basePath: this.opts.basePath, numberOfApiCallRetries: 0 });
    this.clients.set(portalId, { token, client });
    return client;
  }

  /**
   * One HubSpot API call for a portal, paced. `op` names it in metrics and errors. Throws
   * HubSpotHttpError (status, body, retryAt) or HubSpotBusyError; the caller decides what to retry.
   */
  async call<T>(portalId: number, op: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const { gate, metrics } = this.opts;
    let refreshed = false;
    for (;;) {
      const token = await this.opts.tokens.accessToken(portalId);
      const deadline = Date.now() + (this.opts.maxWaitMs ?? 30_000);
      const slot = await gate.acquire(this.bucket(portalId), this.windows, deadline);
      if (!slot.ok) throw new HubSpotBusyError(slot.until);
      try {
        const result = await fn(this.clientFor(portalId, token));
        metrics.hubspotCalls.inc({ operation: op, status: '2xx' });
        return result;
      } catch (raw) {
        const err = toHubSpotError(raw, op);
        metrics.hubspotCalls.inc({ operation: op, status: String(err.status) });
        if (err.status === 429) {
          metrics.hubspot429s.inc();
          await gate.block(this.bucket(portalId), err.retryAt ?? Date.now() + 2_000);
          this.opts.log.warn({ portalId, op, retryAt: err.retryAt }, 'HubSpot rate limit: portal paused');
        }
        if (err.status === 401 && !refreshed) {
          // Expired or revoked early: refresh once (an uninstall surfaces from refresh itself).
          refreshed = true;
          this.clients.delete(portalId);
          await this.opts.tokens.refresh(portalId);
          continue;
        }
        throw err;
      }
    }
  }
}
