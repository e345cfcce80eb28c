// A whole installation for integration tests: the sandbox HubSpot portal, Apollo and Hunter
// simulators, Cascade listening on a real port with its outbox running, and the app installed in
// the portal through the OAuth flow (the same redirects a browser would follow).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { installViaOAuth } from '../../sandbox/hubspot/browser.ts';
import type { GeneratedContact } from '../../sandbox/world.ts';
import { createCascade } from '../../server/cascade.ts';
import type { Cascade } from '../../server/cascade.ts';
import { createApp } from '../../server/app.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import type { PortalSettingsInput } from '../../server/enrichment/settings.ts';
import { APOLLO_FIRST_WATERFALL, APOLLO_KEY_A, HUNTER_KEY_A, silentLog, startSims, testConfig, testDatabase } from './env.ts';
import type { Sims, TestDb } from './env.ts';
import { contactProperties } from '../../bench/harness.ts';
import { signV2, signV3 } from '../../server/hubspot/signature.ts';
import type { Logger } from '../../server/log.ts';

export const CLIENT_ID = 'cascade-test-client';
export const CLIENT_SECRET = 'cascade-test-client-secret-0001';
export const PORTAL = 424242;

export type HubSpotSandbox = Awaited<ReturnType<typeof createHubSpotSandbox>>;

export interface Installed {
  hs: HubSpotSandbox;
  sims: Sims;
  tdb: TestDb;
  cascade: Cascade;
  server: Server;
  /** Cascade's public base URL (where HubSpot calls it). */
  url: string;
  actionUrl: string;
  webhookUrl: string;
  /** Stops Cascade as a shutdown would (the sandbox and database stay up for assertions). */
  stopCascade(): Promise<void>;
  close(): Promise<void>;
}

/** HubSpot contact properties for a generated person (what an imported lead list holds). */
export function crmProps(c: GeneratedContact): Record<string, string> {
  return { ...contactProperties(c), company: c.companyName };
}

export async function installed(opts: {
  contacts?: Record<string, string>[];
  config?: Record<string, string>;
  settings?: PortalSettingsInput;
  hubspot?: Record<string, unknown>;
  install?: boolean;
  startOutbox?: boolean;
  sims?: Parameters<typeof startSims>[0];
  workers?: number;
  /** Cascade's logger (tests that read what was logged); default silent. */
  log?: Logger;
} = {}): Promise<Installed> {
  const hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...opts.hubspot });
  hs.addPortal(PORTAL, opts.contacts ?? []);
  const sims = await startSims(opts.sims);
  const tdb = await testDatabase();
  const config = testConfig({
    ...sims.urls,
    HUBSPOT_CLIENT_ID: CLIENT_ID,
    HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
    HUBSPOT_API_BASE_URL: hs.url,
    HUBSPOT_AUTHORIZE_URL: hs.authorizeUrl,
    OUTBOX_FLUSH_DELAY_MS: '150',
    VENDOR_BATCH_WINDOW_MS: '0',
    ...opts.config,
  });
  const cascade = await createCascade(config, { log: opts.log ?? silentLog, db: tdb.db, queueSchema: tdb.schema ? `${tdb.schema}_boss` : undefined });
  const server = await new Promise<Server>((resolve) => {
    const s = createApp(cascade).listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cascade.setPublicBaseUrl(url);
  if (opts.install !== false) {
    const res = await installViaOAuth(url);
    if (res.status !== 200) throw new Error(`install failed: ${res.status} ${res.body}`);
    await cascade.credentials.put(PORTAL, { vendor: 'apollo', apiKey: APOLLO_KEY_A });
    await cascade.credentials.put(PORTAL, { vendor: 'hunter', apiKey: HUNTER_KEY_A });
    await saveSettings(tdb.db.knex, PORTAL, { waterfall: APOLLO_FIRST_WATERFALL, ...opts.settings });
  }
  await cascade.startWorker(opts.workers ?? 8);
  if (opts.startOutbox !== false) cascade.startOutbox();
  let cascadeClosed = false;
  const stopCascade = async () => {
    if (cascadeClosed) return;
    cascadeClosed = true;
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await cascade.close();
  };
  return {
    hs,
    sims,
    tdb,
    cascade,
    server,
    url,
    actionUrl: `${url}/hubspot/actions/enrich`,
    webhookUrl: `${url}/hubspot/webhooks`,
    stopCascade,
    close: async () => {
      await stopCascade();
      await tdb.drop();
      await sims.close();
      await hs.close();
    },
  };
}

/** Polls `check` until it returns true (or fails the test after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The app id HubSpot appends to every hubspot.fetch query (the sandbox's default app). */
export const APP_ID = '4200042';

export interface UiCall {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under Cascade's base URL, e.g. /ui/card. */
  path: string;
  /** The query the extension builds; HubSpot appends appId (unless `appId: null`). A string is sent as is. */
  query?: Record<string, string | number> | string;
  appId?: string | null;
  /** A value is sent as JSON; a string is sent as is (malformed bodies). */
  body?: unknown;
  /** v3 (what hubspot.fetch sends), v2 only, or unsigned. */
  signature?: 'v3' | 'v2' | 'none';
  timestamp?: number;
  secret?: string;
  /** Send these exact v3 headers (a replay). */
  replay?: Record<string, string>;
}

export interface UiAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
  /** The signed headers sent, to replay them. */
  sent: Record<string, string>;
}

/** A request signed as hubspot.fetch signs it: v3 over the full public URL with its query. */
export async function uiFetch<T = unknown>(baseUrl: string, call: UiCall): Promise<UiAnswer<T>> {
  const method = call.method ?? (call.body === undefined ? 'GET' : 'POST');
  let query: string;
  if (typeof call.query === 'string') query = call.query;
  else {
    const params = new URLSearchParams(Object.entries(call.query ?? {}).map(([k, v]) => [k, String(v)]));
    if (call.appId !== null) params.append('appId', call.appId ?? APP_ID);
    query = params.toString();
  }
  const url = `${baseUrl}${call.path}${query ? `?${query}` : ''}`;
  const raw = call.body === undefined ? '' : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const secret = call.secret ?? CLIENT_SECRET;
  const ts = String(call.timestamp ?? Date.now());
  const headers: Record<string, string> = call.replay
    ? { ...call.replay }
    : call.signature === 'none'
      ? {}
      : call.signature === 'v2'
        ? { 'x-hubspot-signature': signV2(secret, method, url, raw), 'x-hubspot-signature-version': 'v2' }
        : { 'x-hubspot-signature-v3': signV3(secret, method, url, raw, ts), 'x-hubspot-request-timestamp': ts };
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(raw ? { 'content-type': 'application/json' } : {}) },
    ...(raw ? { body: raw } : {}),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body: body as T, text, sent: headers };
}
