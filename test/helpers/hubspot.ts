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
  const cascade = await createCascade(config, { log: silentLog, db: tdb.db, queueSchema: tdb.schema ? `${tdb.schema}_boss` : undefined });
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
