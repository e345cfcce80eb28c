// Installing Cascade over real HTTP: the browser's hops (install → HubSpot's authorize → callback)
// against the sandbox portal, the tokens at rest, the contact properties the install creates,
// refresh ahead of expiry, and an uninstall noticed at the next refresh.
import express from 'express';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { listen } from '../../sandbox/vendors/common.ts';
import type { RunningServer } from '../../sandbox/vendors/common.ts';
import type { Config } from '../../server/config.ts';
import { migrate } from '../../server/db/database.ts';
import { createLogger } from '../../server/log.ts';
import { decryptSecret } from '../../server/security/envelope.ts';
import type { KeyRing } from '../../server/security/envelope.ts';
import { loadKeyRing } from '../../server/security/keyring.ts';
import { CredentialStore } from '../../server/portals/credentials.ts';
import { appProperties, RUN_STATUSES } from '../../server/enrichment/outcome.ts';
import { hubspotClient, statusOf } from '../../server/hubspot/client.ts';
import { CASCADE_GROUP, CASCADE_PROPERTIES, ensureCascadeProperties } from '../../server/hubspot/properties.ts';
import type { EnsureResult } from '../../server/hubspot/properties.ts';
import { installFromCode, oauthRoutes, REQUIRED_SCOPES, scopesFor, stateKey } from '../../server/hubspot/oauth.ts';
import { NotInstalledError, TokenEndpointError, tokenAad, TokenStore, UninstalledError } from '../../server/hubspot/tokens.ts';
import { testConfig, testDatabase } from '../helpers/env.ts';
import type { TestDb } from '../helpers/env.ts';

const CLIENT_ID = 'cascade-client-id';
const CLIENT_SECRET = 'cascade-client-secret-0001';
const A = 7001;
const B = 7002;

let hs: HubSpotSandbox;
let tdb: TestDb;
let db: Knex;
let server: RunningServer;
let base: string;
let config: Config;
let ring: KeyRing;
let tokens: TokenStore;
const logLines: string[] = [];
const log = createLogger({ level: 'trace', destination: { write: (s: string) => void logLines.push(s) } });
const ensured: EnsureResult[] = [];
const uninstalledHook: number[] = [];
const seenTokens = new Set<string>();

const tokenCalls = (portalId?: number) =>
  hs.calls.filter((c) => c.method === 'POST' && c.path === '/oauth/v3/token' && (portalId === undefined || c.portalId === portalId)).length;

async function nearExpiry(portalId: number, inMs: number): Promise<void> {
  await db('hubspot_tokens').where({ portal_id: portalId }).update({ expires_at: new Date(Date.now() + inMs) });
}

/** The browser: our install URL → HubSpot's authorize (auto-consent) → our callback. */
async function browserInstall(path = '/oauth/install', accept = 'application/json') {
  const r1 = await fetch(`${base}${path}`, { redirect: 'manual' });
  expect(r1.status).toBe(302);
  const authorize = new URL(r1.headers.get('location')!);
  const r2 = await fetch(authorize, { redirect: 'manual' });
  expect(r2.status).toBe(302);
  const callback = r2.headers.get('location')!;
  const r3 = await fetch(callback, { redirect: 'manual', headers: { accept } });
  return { authorize, callback: new URL(callback), res: r3 };
}

beforeAll(async () => {
  hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  hs.addPortal(A);
  hs.addPortal(B);
  tdb = await testDatabase();
  await migrate(tdb.db);
  db = tdb.db.knex;
  const app = express();
  server = await listen(app);
  base = server.url;
  config = testConfig({
    HUBSPOT_CLIENT_ID: CLIENT_ID,
    HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
    HUBSPOT_API_BASE_URL: hs.url,
    HUBSPOT_AUTHORIZE_URL: hs.authorizeUrl,
    PUBLIC_BASE_URL: base,
  });
  ring = loadKeyRing(config, log);
  tokens = new TokenStore({
    db,
    ring,
    tokenUrl: `${hs.url}/oauth/v3/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    log,
    onUninstall: async (portalId) => void uninstalledHook.push(portalId),
  });
  app.use(
    oauthRoutes({
      config,
      db,
      tokens,
      ring,
      log,
      onInstalled: async (portalId, accessToken) => {
        seenTokens.add(accessToken);
        ensured.push(await ensureCascadeProperties(hubspotClient(accessToken, config.HUBSPOT_API_BASE_URL), log));
      },
    }),
  );
});

afterAll(async () => {
  await server?.close();
  await hs?.close();
  await tdb?.drop();
});

describe('install', () => {
  it('sends the browser to HubSpot with the scopes and a signed state, and back to a stored installation', async () => {
    hs.consentAs(A);
    const { authorize, callback, res } = await browserInstall();
    expect(authorize.origin + authorize.pathname).toBe(hs.authorizeUrl);
    expect(authorize.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/oauth/callback`);
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual([...REQUIRED_SCOPES]);
    expect(authorize.searchParams.get('scope')).not.toContain('timeline'); // no app event type configured
    expect(authorize.searchParams.get('optional_scope')!.split(' ').sort()).toEqual(['crm.objects.companies.read', 'crm.objects.companies.write']);
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(callback.searchParams.get('state')).toBe(authorize.searchParams.get('state'));

    expect(res.status).toBe(200);
    const body = (await res.json()) as { scopes: string[] };
    expect(body).toMatchObject({ installed: true, portalId: A, message: `Cascade is installed for portal ${A}` });
    expect(body.scopes).toEqual(expect.arrayContaining([...REQUIRED_SCOPES]));

    // Stored encrypted: the row holds envelopes, which decrypt (bound to the portal) to a working token.
    const row = await db('hubspot_tokens').where({ portal_id: A }).first();
    const [issued] = [...seenTokens];
    expect(issued).toMatch(/^sandbox-at-/);
    expect(JSON.stringify(row)).not.toContain(issued);
    expect(row.access_token_enc).toMatch(/^v1\./);
    expect(row.refresh_token_enc).toMatch(/^v1\./);
    expect(decryptSecret(ring, row.access_token_enc, tokenAad(A, 'access_token'))).toBe(issued);
    expect(() => decryptSecret(ring, row.access_token_enc, tokenAad(B, 'access_token'))).toThrow();
    expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    expect(await tokens.installed(A)).toBe(true);
    expect(await tokens.accessToken(A)).toBe(issued);
    const portal = await db('portals').where({ id: A }).first();
    expect(portal.uninstalled_at).toBeNull();
  });

  it('creates the cascade group and properties in the portal, with types HubSpot accepts for what Cascade writes', async () => {
    expect(ensured[0]).toEqual({ groupCreated: true, created: CASCADE_PROPERTIES.map((p) => p.name), existing: [] });
    const client = hubspotClient(await tokens.accessToken(A), hs.url);
    const group = await client.crm.properties.groupsApi.getByName('contacts', CASCADE_GROUP.name);
    expect(group.label).toBe('Cascade enrichment');
    const all = (await client.crm.properties.coreApi.getAll('contacts')).results;
    const ours = all.filter((p) => p.groupName === 'cascade');
    expect(ours.map((p) => p.name).sort()).toEqual(CASCADE_PROPERTIES.map((p) => p.name).sort());
    expect(ours.every((p) => p.name.startsWith('cascade_'))).toBe(true);
    const status = ours.find((p) => p.name === 'cascade_status')!;
    expect([status.type, status.fieldType]).toEqual(['enumeration', 'select']);
    expect(status.options.map((o) => o.value)).toEqual([...RUN_STATUSES]);
    const at = ours.find((p) => p.name === 'cascade_enriched_at')!;
    expect([at.type, at.fieldType]).toEqual(['datetime', 'date']);
    // work_email is HubSpot's own: not ours.
    expect(all.find((p) => p.name === 'work_email')?.groupName).not.toBe('cascade');

    // What a finished run writes lands on a contact.
    const [id] = hs.addPortal(A, [{ email: 'ada@acme.example' }]);
    const written = {
      ...appProperties(
        { status: 'partial', errorCode: null, groups: ['email'], satisfied: [], fieldsFilled: ['seniority'], sources: ['apollo', 'hunter'], costMc: 12_345, skips: {} },
        { seniority: { value: 'senior', confidence: 0.8, source: 'apollo' } },
        new Date('2026-01-02T03:04:05.000Z'),
      ),
      cascade_email_status: 'valid',
      cascade_employee_count: '51-200',
      cascade_tech_stack: 'React, Postgres',
    };
    await client.crm.contacts.batchApi.update({ inputs: [{ id: id!, properties: written }] });
    expect(hs.contact(A, id!)!.properties).toMatchObject({ cascade_status: 'partial', cascade_sources: 'apollo;hunter', cascade_email_status: 'valid' });
  });

  it('running the install again changes nothing but the tokens', async () => {
    const before = await db('hubspot_tokens').where({ portal_id: A }).first();
    hs.consentAs(A);
    const { res } = await browserInstall();
    expect(res.status).toBe(200);
    expect(ensured[1]).toEqual({ groupCreated: false, created: [], existing: CASCADE_PROPERTIES.map((p) => p.name) });
    const client = hubspotClient(await tokens.accessToken(A), hs.url);
    const groups = (await client.crm.properties.groupsApi.getAll('contacts')).results.filter((g) => g.name === 'cascade');
    expect(groups).toHaveLength(1);
    const ours = (await client.crm.properties.coreApi.getAll('contacts')).results.filter((p) => p.groupName === 'cascade');
    expect(ours).toHaveLength(CASCADE_PROPERTIES.length);
    const rows = await db('hubspot_tokens').where({ portal_id: A });
    expect(rows).toHaveLength(1);
    expect(rows[0].access_token_enc).not.toBe(before.access_token_enc);
    expect(new Date(rows[0].created_at).getTime()).toBe(new Date(before.created_at).getTime());
  });

  it('asks for timeline only when app events are configured', () => {
    expect(scopesFor({ HUBSPOT_APP_EVENT_TYPE: 'cascade_enriched' }).required).toEqual([...REQUIRED_SCOPES, 'timeline']);
    expect(scopesFor({ HUBSPOT_APP_EVENT_TYPE: undefined }).required).not.toContain('timeline');
  });

  it('answers a browser with a page', async () => {
    hs.consentAs(A);
    const { res } = await browserInstall('/oauth/install', 'text/html,application/xhtml+xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain(`Cascade is installed for portal ${A}`);
  });

  it('sends the browser back to returnTo when it is a local path, and refuses any other place', async () => {
    hs.consentAs(A);
    const { res } = await browserInstall('/oauth/install?returnTo=%2Fsettings%3Ftab%3Dkeys');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${base}/settings?tab=keys`);
    for (const bad of ['https://evil.example/x', '//evil.example', 'javascript:alert(1)']) {
      const r = await fetch(`${base}/oauth/install?returnTo=${encodeURIComponent(bad)}`, { redirect: 'manual' });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ field: 'returnTo' });
    }
  });

  it('installFromCode completes an install without a browser', async () => {
    hs.consentAs(B);
    const r = await fetch(`${hs.authorizeUrl}?client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent(`${base}/oauth/callback`)}&scope=oauth`, { redirect: 'manual' });
    const code = new URL(r.headers.get('location')!).searchParams.get('code')!;
    const done: number[] = [];
    const result = await installFromCode({ config, db, tokens, ring, log, onInstalled: async (p) => void done.push(p) }, code);
    expect(result).toMatchObject({ portalId: B, scopes: ['oauth'] });
    expect(done).toEqual([B]);
    expect(await tokens.installed(B)).toBe(true);
  });
});

describe('the callback refuses', () => {
  /** A real code from HubSpot, sent back with `state`: refused before the code is spent. */
  async function callbackWithState(state: string | null) {
    hs.consentAs(A);
    const r = await fetch(
      `${hs.authorizeUrl}?client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent(`${base}/oauth/callback`)}&scope=oauth${state === null ? '' : `&state=${encodeURIComponent(state)}`}`,
      { redirect: 'manual' },
    );
    const calls = tokenCalls();
    const res = await fetch(r.headers.get('location')!, { redirect: 'manual' });
    expect(tokenCalls()).toBe(calls); // the code was not exchanged
    return { status: res.status, body: (await res.json()) as { error: string; field: string; message: string } };
  }

  it('a forged, altered, missing or expired state with 400 naming state', async () => {
    const forged = jwt.sign({ nonce: 'x' }, 'not-cascade-s-key-0123456789abcdef', { algorithm: 'HS256', expiresIn: 600, audience: 'cascade/oauth-install' });
    const genuine = new URL((await fetch(`${base}/oauth/install`, { redirect: 'manual' })).headers.get('location')!).searchParams.get('state')!;
    const [h, , s] = genuine.split('.');
    const altered = `${h}.${Buffer.from(JSON.stringify({ nonce: 'y', returnTo: '/x', exp: 9_999_999_999, aud: 'cascade/oauth-install' })).toString('base64url')}.${s}`;
    const expired = jwt.sign({ nonce: 'z', exp: Math.floor(Date.now() / 1000) - 5 }, stateKey(ring), { algorithm: 'HS256', audience: 'cascade/oauth-install' });
    for (const state of [forged, altered, null, 'not-a-jwt']) {
      const r = await callbackWithState(state);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: 'invalid_state', field: 'state' });
    }
    const r = await callbackWithState(expired);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'invalid_state', field: 'state' });
    expect(r.body.message).toMatch(/expired/);
  });

  it('a declined consent with 400 naming HubSpot\'s error', async () => {
    hs.consentAs(A);
    hs.denyNextConsent();
    const { res } = await browserInstall();
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'authorization_failed', field: 'error', hubspotError: 'access_denied' });
  });

  it('a code HubSpot will not exchange (already used) with 400, and never echoes secrets', async () => {
    hs.consentAs(A);
    const r1 = await fetch(`${base}/oauth/install`, { redirect: 'manual' });
    const r2 = await fetch(r1.headers.get('location')!, { redirect: 'manual' });
    const callback = r2.headers.get('location')!;
    expect((await fetch(callback)).status).toBe(200);
    const again = await fetch(callback);
    expect(again.status).toBe(400);
    const text = await again.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_code', field: 'code' });
    expect(text).not.toContain(CLIENT_SECRET);
  });

  it('502 when HubSpot cannot be reached, 503 naming what is not configured', async () => {
    const app = express();
    const other = await listen(app);
    try {
      const deps = { db, tokens, ring, log, onInstalled: async () => {} };
      const dead = testConfig({ HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_CLIENT_SECRET: CLIENT_SECRET, HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9', HUBSPOT_AUTHORIZE_URL: hs.authorizeUrl, PUBLIC_BASE_URL: `${other.url}/dead` });
      const noBase = testConfig({ HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_CLIENT_SECRET: CLIENT_SECRET });
      const noClient = testConfig({ PUBLIC_BASE_URL: other.url });
      app.use('/dead', oauthRoutes({ ...deps, config: dead }));
      app.use('/nobase', oauthRoutes({ ...deps, config: noBase }));
      app.use('/noclient', oauthRoutes({ ...deps, config: noClient }));

      const state = new URL((await fetch(`${other.url}/dead/oauth/install`, { redirect: 'manual' })).headers.get('location')!).searchParams.get('state')!;
      const r = await fetch(`${other.url}/dead/oauth/callback?code=c1&state=${encodeURIComponent(state)}`);
      expect(r.status).toBe(502);
      const text = await r.text();
      expect(JSON.parse(text)).toMatchObject({ error: 'token_exchange_failed' });
      expect(text).not.toContain(CLIENT_SECRET);

      for (const path of ['/nobase/oauth/install', '/nobase/oauth/callback?code=x&state=y']) {
        const res = await fetch(`${other.url}${path}`, { redirect: 'manual' });
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ error: 'not_configured', field: 'PUBLIC_BASE_URL' });
      }
      const res = await fetch(`${other.url}/noclient/oauth/install`, { redirect: 'manual' });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { message: string };
      expect(body).toMatchObject({ error: 'not_configured', field: 'HUBSPOT_CLIENT_ID' });
      expect(body.message).toContain('HUBSPOT_CLIENT_SECRET');
    } finally {
      await other.close();
    }
  });
});

describe('access tokens', () => {
  it('are refreshed ahead of expiry, and only then', async () => {
    const first = await tokens.accessToken(A);
    const calls = tokenCalls(A);
    expect(await tokens.accessToken(A)).toBe(first);
    expect(tokenCalls(A)).toBe(calls);

    await nearExpiry(A, 60_000); // inside the 5-minute window
    const fresh = await tokens.accessToken(A);
    expect(tokenCalls(A)).toBe(calls + 1);
    expect(fresh).not.toBe(first);
    const row = await db('hubspot_tokens').where({ portal_id: A }).first();
    expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    expect(JSON.stringify(row)).not.toContain(fresh);
    // The new token works against HubSpot.
    const group = await hubspotClient(fresh, hs.url).crm.properties.groupsApi.getByName('contacts', 'cascade');
    expect(group.name).toBe('cascade');
    expect(await tokens.accessToken(A)).toBe(fresh);
    expect(tokenCalls(A)).toBe(calls + 1);
  });

  it('ten callers near expiry share one refresh', async () => {
    await nearExpiry(A, 10_000);
    const calls = tokenCalls(A);
    const got = await Promise.all(Array.from({ length: 10 }, () => tokens.accessToken(A)));
    expect(tokenCalls(A)).toBe(calls + 1);
    expect(new Set(got).size).toBe(1);
  });

  it('the sweep refreshes only the portals due', async () => {
    await nearExpiry(A, 2 * 60_000);
    const [a, b] = [tokenCalls(A), tokenCalls(B)];
    const sweep = await tokens.refreshDue(5 * 60_000);
    expect(sweep).toEqual({ refreshed: [A], failed: [], uninstalled: [] });
    expect([tokenCalls(A), tokenCalls(B)]).toEqual([a + 1, b]);
    expect(await tokens.refreshDue(5 * 60_000)).toEqual({ refreshed: [], failed: [], uninstalled: [] });
  });

  it('a token endpoint that does not answer keeps the tokens and says to retry', async () => {
    const offline = new TokenStore({ db, ring, tokenUrl: 'http://127.0.0.1:9/oauth/v3/token', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, log, timeoutMs: 2_000 });
    const before = await db('hubspot_tokens').where({ portal_id: A }).first();
    const err = await offline.refresh(A).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenEndpointError);
    expect(err).toMatchObject({ status: 0, retryable: true, portalId: A });
    expect(await db('hubspot_tokens').where({ portal_id: A }).first()).toEqual(before);
    await nearExpiry(B, 1_000);
    expect(await offline.refreshDue(60_000)).toEqual({ refreshed: [], failed: [B], uninstalled: [] });
    expect(await tokens.installed(B)).toBe(true);
  });

  it('a portal that never installed is NotInstalled', async () => {
    await expect(tokens.accessToken(424242)).rejects.toBeInstanceOf(NotInstalledError);
    expect(await tokens.installed(424242)).toBe(false);
  });
});

describe('uninstall', () => {
  it('is noticed at the next refresh: tokens and vendor keys deleted, portal marked, audit recorded', async () => {
    const credentials = new CredentialStore(db, ring);
    const vendorKey = 'apollo-portal-b-key-0002';
    await credentials.put(B, { vendor: 'apollo', apiKey: vendorKey });
    hs.uninstall(B);
    const old = await db('hubspot_tokens').where({ portal_id: B }).first();
    expect(old).toBeTruthy();

    await expect(tokens.refresh(B)).rejects.toBeInstanceOf(UninstalledError);

    expect(await db('hubspot_tokens').where({ portal_id: B })).toEqual([]);
    expect(await db('vendor_credentials').where({ portal_id: B })).toEqual([]);
    expect((await db('portals').where({ id: B }).first()).uninstalled_at).not.toBeNull();
    const audit = await db('audit_events').where({ portal_id: B, type: 'app.uninstalled' });
    expect(audit).toHaveLength(1);
    const detail = typeof audit[0].detail === 'string' ? JSON.parse(audit[0].detail) : audit[0].detail;
    expect(detail).toMatchObject({ reason: 'invalid_grant', vendorKeysDeleted: 1, tokensDeleted: true });
    expect(JSON.stringify(audit)).not.toContain(vendorKey);
    expect(uninstalledHook).toEqual([B]);

    await expect(tokens.accessToken(B)).rejects.toBeInstanceOf(NotInstalledError);
    expect(await tokens.installed(B)).toBe(false);
    // Portal A is untouched.
    expect(await tokens.installed(A)).toBe(true);
    // Nothing to do the second time.
    expect(await tokens.uninstall(B, 'invalid_grant')).toBe(false);
  });

  it('the sweep reports an uninstalled portal, and installing again revives it', async () => {
    hs.consentAs(B);
    expect((await browserInstall()).res.status).toBe(200);
    expect((await db('portals').where({ id: B }).first()).uninstalled_at).toBeNull();
    hs.uninstall(B);
    await nearExpiry(B, 1_000);
    expect(await tokens.refreshDue(60_000)).toEqual({ refreshed: [], failed: [], uninstalled: [B] });
    expect(await db('audit_events').where({ portal_id: B, type: 'app.uninstalled' })).toHaveLength(2);
  });

  it('an API call with a revoked token is a 401 the caller can read', async () => {
    const t = hs.issueTokens(9001);
    hs.uninstall(9001);
    const err = await hubspotClient(t.access_token, hs.url).crm.properties.groupsApi.getAll('contacts').catch((e: unknown) => e);
    expect(statusOf(err)).toMatchObject({ status: 401, retryable: false });
  });
});

describe('logs', () => {
  it('never contain a token or the client secret', async () => {
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    expect(all).not.toMatch(/sandbox-(at|rt)-/);
    expect(all).not.toContain(CLIENT_SECRET);
    for (const t of seenTokens) expect(all).not.toContain(t);
  });
});
