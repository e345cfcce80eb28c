// The sandbox HubSpot portal: a real HTTP server that answers like HubSpot for everything Cascade
// uses — OAuth (oauth.ts), contacts and search (contacts.ts, search.ts), contact properties
// (properties.ts), workflow callbacks (automation.ts), app events (timeline.ts), users (users.ts) —
// behind HubSpot's per-portal limits and auth (limits.ts); plus HubSpot's outgoing side: the
// workflow engine calling an action URL (emulator.ts) and webhook deliveries (webhooks.ts). Tests
// drive it through the object returned here, other processes through /__sandbox (admin.ts).
import { extensionFetcher } from './fetch-proxy.ts';
import type { ExtensionFetch, ExtensionFetchResult } from './fetch-proxy.ts';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { listen, simApp } from '../vendors/common.ts';
import type { FaultInjector } from '../vendors/common.ts';
import { adminRoutes, stats } from './admin.ts';
import { automationRoutes } from './automation.ts';
import { contactRoutes } from './contacts.ts';
import { enroll } from './emulator.ts';
import type { EnrollOptions, Execution } from './emulator.ts';
import { errorBody } from './errors.ts';
import { apiGate } from './limits.ts';
import { oauthRoutes } from './oauth.ts';
import { propertyRoutes, propertyView } from './properties.ts';
import { searchRoutes } from './search.ts';
import { SandboxState } from './state.ts';
import type { CallRecord, CallbackView, HubSpotSandboxOptions, SandboxUser, TimelineEvent } from './state.ts';
import { timelineRoutes } from './timeline.ts';
import { userRoutes } from './users.ts';
import { deliverWebhooks } from './webhooks.ts';
import type { DeliveryResult } from './webhooks.ts';

export type { HubSpotSandboxOptions, CallRecord, CallbackView, TimelineEvent, SandboxUser } from './state.ts';
export type { EnrollOptions, Execution } from './emulator.ts';
export type { DeliveryResult } from './webhooks.ts';
export type { ExtensionFetch, ExtensionFetchResult } from './fetch-proxy.ts';

/** Scopes `issueTokens` grants when none are named: what Cascade asks for. */
export const CASCADE_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'automation',
  'timeline',
  'settings.users.read',
];

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  hub_id: number;
  user_id: number;
  scopes: string[];
}

export interface HubSpotSandbox {
  /** API base, like https://api.hubapi.com (→ HUBSPOT_API_BASE_URL). */
  url: string;
  /** `${url}/oauth/authorize` (→ HUBSPOT_AUTHORIZE_URL). */
  authorizeUrl: string;
  port: number;
  /** Adds a portal (idempotent) with contacts; returns the new contacts' ids. */
  addPortal(portalId: number, contacts?: Record<string, string>[]): string[];
  /** Adds a user to a portal (default: not a super admin). */
  addUser(portalId: number, user?: Partial<SandboxUser>): SandboxUser;
  /** hubspot.fetch as a card or settings page of this app makes it (origins = permittedUrls.fetch). */
  extensionFetch(permittedOrigins: readonly string[]): (req: ExtensionFetch) => Promise<ExtensionFetchResult>;
  createContact(portalId: number, props: Record<string, string>): string;
  deleteContact(portalId: number, id: string): void;
  contact(portalId: number, id: string): { id: string; properties: Record<string, string> } | undefined;
  /** The portal's contacts, oldest first. */
  contacts(portalId: number): { id: string; properties: Record<string, string> }[];
  /** The portal's contact property groups and properties (defaults and those the app created). */
  propertyGroups(portalId: number): { name: string; label: string; displayOrder: number }[];
  properties(portalId: number): ReturnType<typeof propertyView>[];
  /** Whose browser session approves the next authorize (default: the first portal's super admin). */
  consentAs(portalId: number, userId?: number): void;
  /** The next authorize is declined: redirect with error=access_denied. */
  denyNextConsent(): void;
  /** Tokens for a portal without the browser step (tests of other modules). */
  issueTokens(portalId: number, scopes?: string[]): IssuedTokens;
  /** Revokes the portal's refresh and access tokens: refresh → 400 invalid_grant, API → 401. */
  uninstall(portalId: number): void;
  /** Current access tokens (of one portal, or all) answer 401 EXPIRED_AUTHENTICATION. */
  expireAccessTokens(portalId?: number): void;
  /** Every API call of the portal answers 429 for `ms`. */
  rateLimitStorm(portalId: number, ms: number): void;
  readonly faults: FaultInjector;
  readonly calls: CallRecord[];
  callbacks(): CallbackView[];
  timelineEvents(): TimelineEvent[];
  /** The counters GET /__sandbox/stats answers. */
  stats(): ReturnType<typeof stats>;
  enroll(o: EnrollOptions): Promise<{ executions: Execution[] }>;
  deliverWebhooks(targetUrl: string, events: object[]): Promise<DeliveryResult>;
  close(): Promise<void>;
}

export async function createHubSpotSandbox(opts: HubSpotSandboxOptions): Promise<HubSpotSandbox> {
  const state = new SandboxState(opts);
  const app = simApp();
  const ref: { hs?: HubSpotSandbox } = {};

  app.use(oauthRoutes(state));
  app.use(adminRoutes(state, () => ref.hs as HubSpotSandbox));
  const gate = apiGate(state);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/oauth/') || req.path.startsWith('/__sandbox')) return next();
    void gate(req, res, next);
  });
  app.use(express.json({ limit: '10mb' }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const call = res.locals.call as CallRecord | undefined;
    const inputs = (req.body as { inputs?: unknown } | undefined)?.inputs;
    if (call && Array.isArray(inputs)) call.items = inputs.length;
    next();
  });
  app.use(contactRoutes(state));
  app.use(searchRoutes(state));
  app.use(propertyRoutes(state));
  app.use(automationRoutes(state));
  app.use(timelineRoutes(state));
  app.use(userRoutes(state));
  app.use((req: Request, res: Response) => {
    res.status(404).json(errorBody('OBJECT_NOT_FOUND', `No API route ${req.method} ${req.path}`));
  });
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status < 500 ? err.status : 500;
    const message = err.type === 'entity.parse.failed' ? `Invalid input JSON: ${err.message}` : err.message || 'internal error';
    res.status(status).json(errorBody(status === 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR', message));
  });

  const server = await listen(app, opts.port ?? 0);

  const hs: HubSpotSandbox = {
    url: server.url,
    authorizeUrl: `${server.url}/oauth/authorize`,
    port: server.port,
    addPortal(portalId, contacts = []) {
      state.addPortal(portalId);
      return contacts.map((c) => state.createContact(portalId, c));
    },
    addUser: (portalId, user) => state.addUser(portalId, user),
    extensionFetch: (permittedOrigins) => extensionFetcher({ clientSecret: state.opts.clientSecret, appId: state.opts.appId, permittedOrigins: () => permittedOrigins }),
    createContact: (portalId, props) => state.createContact(portalId, props),
    deleteContact(portalId, id) {
      state.portal(portalId).contacts.delete(id);
    },
    contact(portalId, id) {
      const c = state.portals.get(portalId)?.contacts.get(id);
      return c ? { id: c.id, properties: { ...c.properties } } : undefined;
    },
    contacts: (portalId) =>
      [...(state.portals.get(portalId)?.contacts.values() ?? [])]
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((c) => ({ id: c.id, properties: { ...c.properties } })),
    propertyGroups: (portalId) => [...(state.portals.get(portalId)?.groups.values() ?? [])].map((g) => ({ ...g })),
    properties: (portalId) => [...(state.portals.get(portalId)?.properties.values() ?? [])].map(propertyView),
    consentAs(portalId, userId) {
      state.addPortal(portalId);
      state.consent = { portalId, ...(userId !== undefined ? { userId } : {}) };
    },
    denyNextConsent() {
      state.denyNext = true;
    },
    issueTokens(portalId, scopes = CASCADE_SCOPES) {
      state.addPortal(portalId);
      const { access, refresh } = state.issueTokens(portalId, state.defaultUser(portalId), [...scopes]);
      return {
        access_token: access.token,
        refresh_token: refresh.token,
        expires_in: state.opts.accessTokenTtlSec,
        hub_id: portalId,
        user_id: access.userId,
        scopes: access.scopes,
      };
    },
    uninstall: (portalId) => state.uninstall(portalId),
    expireAccessTokens: (portalId) => state.expireAccessTokens(portalId),
    rateLimitStorm(portalId, ms) {
      state.portal(portalId).stormUntil = Date.now() + ms;
    },
    faults: state.faults,
    get calls() {
      return state.calls;
    },
    callbacks: () => state.callbackViews(),
    timelineEvents: () => [...state.timeline],
    stats: () => stats(state),
    enroll: (o) => enroll(state, o),
    deliverWebhooks: (targetUrl, events) => deliverWebhooks(state, targetUrl, events),
    close: () => server.close(),
  };
  ref.hs = hs;
  return hs;
}
