// Everything the sandbox portal remembers: options, portals (contacts, properties, groups, users),
// OAuth codes and tokens, workflow callbacks, timeline events and the API call log. Route modules
// read and change this state; nothing here talks HTTP.
import { randomBytes } from 'node:crypto';
import { FaultInjector, prng } from '../vendors/common.ts';
import type { FaultRates } from '../vendors/common.ts';
import { DEFAULT_GROUPS, defaultProperties } from './default-properties.ts';
import type { PropertyDef, PropertyGroupDef } from './default-properties.ts';

export interface HubSpotSandboxOptions {
  clientId: string;
  clientSecret: string;
  /** Redirect URIs the app registered; unset: any http(s) redirect is accepted. */
  redirectUris?: string[];
  /** Per portal, rolling (default 110 calls / 10 000 ms, HubSpot's limit for marketplace apps). */
  rateLimit?: { max: number; intervalMs: number };
  /** CRM search calls per second per portal (default 5). */
  searchPerSecond?: number;
  accessTokenTtlSec?: number;
  /** How long an authorization code can be exchanged (default 10 min). */
  codeTtlSec?: number;
  latencyMs?: [number, number];
  faults?: Partial<FaultRates>;
  seed?: number;
  /** eventTypeNames the app may send to the timeline; unset: any non-empty name. */
  appEventTypes?: string[];
  emulator?: { retryDelayMs?: number; maxRetries?: number; timeoutMs?: number; maxRetryAfterMs?: number };
  /** Webhook deliveries: per-attempt timeout (default 5 s, HubSpot's) and retries (default 3). */
  webhooks?: { timeoutMs?: number; maxRetries?: number; retryDelayMs?: number };
  /** Answer 403 MISSING_SCOPES when the token lacks the scope a route needs (default true). */
  enforceScopes?: boolean;
  /** The app's id (appears in tokens, webhooks, introspection). */
  appId?: number;
  port?: number;
}

export interface Contact {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface SandboxUser {
  id: number;
  email: string;
  superAdmin: boolean;
  roleIds: string[];
}

export interface Portal {
  id: number;
  contacts: Map<string, Contact>;
  properties: Map<string, PropertyDef>;
  groups: Map<string, PropertyGroupDef>;
  users: Map<number, SandboxUser>;
  /** Arrival times of admitted calls in the rolling window. */
  windowHits: number[];
  searchHits: number[];
  stormUntil: number;
}

export interface AccessToken {
  token: string;
  portalId: number;
  userId: number;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
  refreshToken: string;
}

export interface RefreshToken {
  token: string;
  portalId: number;
  userId: number;
  scopes: string[];
  revoked: boolean;
}

export interface AuthCode {
  code: string;
  portalId: number;
  userId: number;
  scopes: string[];
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

export type CallbackState = 'pending' | 'completed' | 'expired';

export interface CallbackRecord {
  callbackId: string;
  portalId: number;
  contactId: string;
  /** True when the action answered BLOCK (only those can be completed through the API). */
  blocked: boolean;
  createdAt: number;
  expiresAt?: number;
  /** Completion calls received for this callback, successful or not. */
  completions: number;
  outputFields?: Record<string, unknown>;
  typedOutputs?: Record<string, unknown>;
  completedAt?: number;
  /** Set once a pending callback passes its expiry. */
  expired: boolean;
}

export interface CallbackView {
  callbackId: string;
  portalId: number;
  contactId: string;
  blocked: boolean;
  state: CallbackState;
  completions: number;
  outputFields?: Record<string, unknown>;
  completedAt?: number;
  expiresAt?: number;
}

export interface TimelineEvent {
  portalId: number;
  eventTypeName: string;
  id: string;
  objectId: string;
  properties: Record<string, string>;
  timestamp?: string;
  receivedAt: number;
}

export interface CallRecord {
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  portalId: number | null;
  status: number;
  /** Number of `inputs` of a batch call. */
  items?: number;
  fault?: 'timeout' | 'reset' | '5xx';
}

export interface ResolvedOptions {
  clientId: string;
  clientSecret: string;
  redirectUris?: string[];
  rateLimit: { max: number; intervalMs: number };
  searchPerSecond: number;
  accessTokenTtlSec: number;
  codeTtlSec: number;
  latencyMs: [number, number];
  appEventTypes?: Set<string>;
  emulator: { retryDelayMs: number; maxRetries: number; timeoutMs: number; maxRetryAfterMs: number };
  webhooks: { timeoutMs: number; maxRetries: number; retryDelayMs: number };
  enforceScopes: boolean;
  appId: number;
}

export function resolveOptions(o: HubSpotSandboxOptions): ResolvedOptions {
  return {
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    redirectUris: o.redirectUris,
    rateLimit: o.rateLimit ?? { max: 110, intervalMs: 10_000 },
    searchPerSecond: o.searchPerSecond ?? 5,
    accessTokenTtlSec: o.accessTokenTtlSec ?? 1800,
    codeTtlSec: o.codeTtlSec ?? 600,
    latencyMs: o.latencyMs ?? [0, 0],
    appEventTypes: o.appEventTypes ? new Set(o.appEventTypes) : undefined,
    emulator: {
      retryDelayMs: o.emulator?.retryDelayMs ?? 50,
      maxRetries: o.emulator?.maxRetries ?? 5,
      timeoutMs: o.emulator?.timeoutMs ?? 30_000,
      maxRetryAfterMs: o.emulator?.maxRetryAfterMs ?? 60_000,
    },
    webhooks: {
      timeoutMs: o.webhooks?.timeoutMs ?? 5_000,
      maxRetries: o.webhooks?.maxRetries ?? 3,
      retryDelayMs: o.webhooks?.retryDelayMs ?? 50,
    },
    enforceScopes: o.enforceScopes ?? true,
    appId: o.appId ?? 4_200_042,
  };
}

/** A random id fragment: runtime-generated, never a real-looking credential. */
export const randomId = (bytes = 12) => randomBytes(bytes).toString('hex');

export class SandboxState {
  readonly opts: ResolvedOptions;
  readonly portals = new Map<number, Portal>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly codes = new Map<string, AuthCode>();
  readonly callbacks = new Map<string, CallbackRecord>();
  /** Completion calls naming a callbackId the portal never issued. */
  readonly unknownCompletions: { at: number; portalId: number; callbackId: string }[] = [];
  readonly timeline: TimelineEvent[] = [];
  readonly calls: CallRecord[] = [];
  readonly faults: FaultInjector;
  readonly rand: () => number;
  consent: { portalId: number; userId?: number } | null = null;
  /** The next authorize is denied (redirect with error=access_denied). */
  denyNext = false;
  private nextContactId = 1001;
  private nextUserId = 7001;

  constructor(opts: HubSpotSandboxOptions) {
    this.opts = resolveOptions(opts);
    this.faults = new FaultInjector(opts.faults, opts.seed ?? 1);
    this.rand = prng((opts.seed ?? 1) + 11);
  }

  addPortal(portalId: number): Portal {
    const existing = this.portals.get(portalId);
    if (existing) return existing;
    const now = new Date().toISOString();
    const portal: Portal = {
      id: portalId,
      contacts: new Map(),
      properties: new Map(defaultProperties(now).map((p) => [p.name, p])),
      groups: new Map(DEFAULT_GROUPS.map((g) => [g.name, { ...g }])),
      users: new Map(),
      windowHits: [],
      searchHits: [],
      stormUntil: 0,
    };
    this.portals.set(portalId, portal);
    this.addUser(portalId, { superAdmin: true });
    return portal;
  }

  portal(portalId: number): Portal {
    const p = this.portals.get(portalId);
    if (!p) throw new Error(`sandbox: no portal ${portalId}; call addPortal first`);
    return p;
  }

  addUser(portalId: number, user: Partial<SandboxUser> = {}): SandboxUser {
    const portal = this.portal(portalId);
    const id = user.id ?? this.nextUserId++;
    const u: SandboxUser = { id, email: user.email ?? `user${id}@portal${portalId}.example`, superAdmin: user.superAdmin ?? false, roleIds: user.roleIds ?? [] };
    portal.users.set(id, u);
    return u;
  }

  /** The user who installs when `consentAs` named none: the portal's first super admin. */
  defaultUser(portalId: number): number {
    const portal = this.portal(portalId);
    const admin = [...portal.users.values()].find((u) => u.superAdmin) ?? [...portal.users.values()][0];
    return admin ? admin.id : this.addUser(portalId, { superAdmin: true }).id;
  }

  createContact(portalId: number, props: Record<string, string>): string {
    const portal = this.portal(portalId);
    const id = String(this.nextContactId++);
    const now = new Date().toISOString();
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) if (v !== '' && v !== undefined && v !== null) properties[k] = String(v);
    properties.hs_object_id = id;
    properties.createdate = now;
    properties.lastmodifieddate = now;
    portal.contacts.set(id, { id, properties, createdAt: now, updatedAt: now });
    return id;
  }

  /** Sets the given properties ("" clears one) and bumps lastmodifieddate. */
  updateContact(contact: Contact, props: Record<string, string>): void {
    const now = new Date().toISOString();
    for (const [k, v] of Object.entries(props)) {
      if (v === '' || v === null) delete contact.properties[k];
      else contact.properties[k] = String(v);
    }
    contact.properties.lastmodifieddate = now;
    contact.updatedAt = now;
  }

  issueTokens(portalId: number, userId: number, scopes: string[]): { access: AccessToken; refresh: RefreshToken } {
    const refresh: RefreshToken = { token: `sandbox-rt-${portalId}-${randomId()}`, portalId, userId, scopes, revoked: false };
    this.refreshTokens.set(refresh.token, refresh);
    return { access: this.issueAccess(refresh), refresh };
  }

  issueAccess(refresh: RefreshToken): AccessToken {
    const access: AccessToken = {
      token: `sandbox-at-${refresh.portalId}-${randomId()}`,
      portalId: refresh.portalId,
      userId: refresh.userId,
      scopes: refresh.scopes,
      expiresAt: Date.now() + this.opts.accessTokenTtlSec * 1000,
      revoked: false,
      refreshToken: refresh.token,
    };
    this.accessTokens.set(access.token, access);
    return access;
  }

  uninstall(portalId: number): void {
    for (const r of this.refreshTokens.values()) if (r.portalId === portalId) r.revoked = true;
    for (const a of this.accessTokens.values()) if (a.portalId === portalId) a.revoked = true;
  }

  expireAccessTokens(portalId?: number): void {
    const past = Date.now() - 1000;
    for (const a of this.accessTokens.values()) if (portalId === undefined || a.portalId === portalId) a.expiresAt = Math.min(a.expiresAt, past);
  }

  /** A callback's state now: a pending callback past its expiry becomes (and stays) expired. */
  callbackState(cb: CallbackRecord, now = Date.now()): CallbackState {
    if (cb.completedAt !== undefined) return 'completed';
    if (cb.expired) return 'expired';
    if (cb.expiresAt !== undefined && now >= cb.expiresAt) {
      cb.expired = true;
      return 'expired';
    }
    return 'pending';
  }

  callbackViews(): CallbackView[] {
    return [...this.callbacks.values()].map((cb) => ({
      callbackId: cb.callbackId,
      portalId: cb.portalId,
      contactId: cb.contactId,
      blocked: cb.blocked,
      state: this.callbackState(cb),
      completions: cb.completions,
      ...(cb.outputFields ? { outputFields: cb.outputFields } : {}),
      ...(cb.completedAt !== undefined ? { completedAt: cb.completedAt } : {}),
      ...(cb.expiresAt !== undefined ? { expiresAt: cb.expiresAt } : {}),
    }));
  }
}
