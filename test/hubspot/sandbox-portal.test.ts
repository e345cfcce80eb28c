// The sandbox HubSpot portal answers like HubSpot, over real HTTP: OAuth (code → token → refresh →
// uninstall → invalid_grant), bearer auth, contacts (batch limits, unknown properties, 207 for
// missing ids, search filters, paging and its per-second limit), property groups and properties,
// callbacks completed exactly once, timeline events, the ten-second window with HubSpot's 429 body
// and headers, injected faults; and HubSpot's outgoing side: workflow executions signed v2/v3
// (checked with the server's verifySignature), BLOCK and expiry, retries; signed webhook deliveries.
import express from 'express';
import type { Request } from 'express';
import { Client } from '@hubspot/api-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import type { HubSpotSandbox } from '../../sandbox/hubspot/index.ts';
import { listen } from '../../sandbox/vendors/common.ts';
import type { RunningServer } from '../../sandbox/vendors/common.ts';
import { verifySignature } from '../../server/hubspot/signature.ts';
import type { SignedRequest } from '../../server/hubspot/signature.ts';

const CLIENT_ID = 'cascade-client-id';
const SECRET = 'cascade-client-secret-0001';
const PORTAL = 880_001;
const OTHER = 880_002;
const REDIRECT = 'https://cascade.example.com/oauth/callback';
const SCOPES = 'oauth crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.read crm.schemas.contacts.write automation';

const sdk = (hs: HubSpotSandbox, accessToken: string) => new Client({ accessToken, basePath: hs.url, numberOfApiCallRetries: 0 });

async function api(hs: HubSpotSandbox, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hs.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & { results?: { id: string; properties: Record<string, string | null> }[] } };
}

const form = (hs: HubSpotSandbox, path: string, fields: Record<string, string>) =>
  fetch(`${hs.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
  );

/** What a rejected SDK call carried. */
async function sdkError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; body: unknown };
    return { code: e.code, body: (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as Record<string, unknown> };
  }
  throw new Error('the call succeeded');
}

/** A receiver of HubSpot's outgoing requests, keeping each raw request for signature checks. */
interface Received {
  method: string;
  url: string;
  rawBody: string;
  headers: Record<string, string>;
}
async function receiver(answer: (r: Received, n: number) => { status: number; body?: unknown; headers?: Record<string, string> }) {
  const got: Received[] = [];
  const app = express();
  app.use(express.text({ type: '*/*' }));
  let url = '';
  app.post('/{*rest}', (req: Request, res) => {
    const r: Received = { method: req.method, url: url + req.originalUrl, rawBody: req.body as string, headers: req.headers as Record<string, string> };
    got.push(r);
    const a = answer(r, got.length);
    res.status(a.status).set(a.headers ?? {});
    if (a.body === undefined) res.end();
    else res.json(a.body);
  });
  const server: RunningServer = await listen(app);
  url = server.url;
  return { server, got, url: server.url };
}

/** The request as verifySignature reads it, optionally hiding some headers (to check v2 under v3). */
const signed = (r: Received, hide: string[] = []): SignedRequest => ({
  method: r.method,
  url: r.url,
  rawBody: r.rawBody,
  header: (n) => (hide.includes(n.toLowerCase()) ? undefined : r.headers[n.toLowerCase()]),
});

describe('OAuth', () => {
  let hs: HubSpotSandbox;
  beforeAll(async () => {
    hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, redirectUris: [REDIRECT] });
    hs.addPortal(PORTAL, [{ email: 'ada@acme.example' }]);
    hs.addPortal(OTHER);
  });
  afterAll(() => hs.close());

  const authorize = (params: Record<string, string>) => fetch(`${hs.authorizeUrl}?${new URLSearchParams(params)}`, { redirect: 'manual' });

  it('code → token → refresh → uninstall → invalid_grant', async () => {
    hs.consentAs(OTHER);
    const res = await authorize({ client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: SCOPES, optional_scope: 'timeline', state: 'st-1' });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('state')).toBe('st-1');
    const code = loc.searchParams.get('code')!;

    const exchange = { grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: SECRET, redirect_uri: REDIRECT, code };
    const tok = await form(hs, '/oauth/v3/token', exchange);
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ token_type: 'bearer', expires_in: 1800, hub_id: OTHER, token_use: 'access_token' });
    expect(tok.body.scopes).toEqual(expect.arrayContaining(['automation', 'timeline']));
    expect(typeof tok.body.user_id).toBe('number');
    // Codes are single-use.
    const again = await form(hs, '/oauth/v3/token', exchange);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');

    const access = tok.body.access_token as string;
    const refreshToken = tok.body.refresh_token as string;
    const refreshed = await form(hs, '/oauth/v3/token', { grant_type: 'refresh_token', client_id: CLIENT_ID, client_secret: SECRET, refresh_token: refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBe(refreshToken);
    expect(refreshed.body.access_token).not.toBe(access);
    // The token decides the portal: OTHER has no contacts, PORTAL's contact is not visible.
    const search = await sdk(hs, refreshed.body.access_token as string).crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 10 } as never);
    expect(search.total).toBe(0);

    const intro = await form(hs, '/oauth/v3/token/introspect', { client_id: CLIENT_ID, client_secret: SECRET, token: refreshed.body.access_token as string });
    expect(intro.body).toMatchObject({ active: true, hub_id: OTHER, token_use: 'access_token', client_id: CLIENT_ID });

    hs.uninstall(OTHER);
    const gone = await form(hs, '/oauth/v3/token', { grant_type: 'refresh_token', client_id: CLIENT_ID, client_secret: SECRET, refresh_token: refreshToken });
    expect(gone.status).toBe(400);
    expect(gone.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' });
    expect(typeof gone.body.correlationId).toBe('string');
    const after = await api(hs, refreshed.body.access_token as string, 'GET', '/crm/v3/properties/contacts');
    expect(after.status).toBe(401);
    expect(after.body.category).toBe('INVALID_AUTHENTICATION');
  });

  it('refuses an unknown client, a redirect the app did not register, an unknown scope, a wrong secret', async () => {
    expect((await authorize({ client_id: 'someone-else', redirect_uri: REDIRECT, scope: SCOPES })).status).toBe(400);
    expect((await authorize({ client_id: CLIENT_ID, redirect_uri: 'https://evil.example/cb', scope: SCOPES })).status).toBe(400);
    const badScope = await authorize({ client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: 'oauth crm.everything' });
    expect(badScope.status).toBe(400);
    expect(await badScope.text()).toContain('crm.everything');
    hs.consentAs(PORTAL);
    const ok = await authorize({ client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: SCOPES });
    const code = new URL(ok.headers.get('location')!).searchParams.get('code')!;
    const wrong = await form(hs, '/oauth/v3/token', { grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: 'not-the-secret', redirect_uri: REDIRECT, code });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('answers 401 EXPIRED_AUTHENTICATION for an expired token and INVALID_AUTHENTICATION for an unknown one', async () => {
    const { access_token } = hs.issueTokens(PORTAL);
    const client = sdk(hs, access_token);
    const [id] = hs.contacts(PORTAL).map((c) => c.id);
    expect((await client.crm.contacts.basicApi.getById(id!, ['email'])).properties.email).toBe('ada@acme.example');
    hs.expireAccessTokens(PORTAL);
    const expired = await sdkError(client.crm.contacts.basicApi.getById(id!, ['email']));
    expect(expired.code).toBe(401);
    expect(expired.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' });
    const unknown = await api(hs, 'not-a-token', 'GET', `/crm/v3/objects/contacts/${id}`);
    expect(unknown.status).toBe(401);
    expect(unknown.body.category).toBe('INVALID_AUTHENTICATION');
    expect(hs.calls.filter((c) => c.status === 401).map((c) => c.portalId)).toEqual([OTHER, PORTAL, null]);
  });

  it('answers 403 MISSING_SCOPES when the token lacks the route\'s scope', async () => {
    const { access_token } = hs.issueTokens(PORTAL, ['oauth', 'crm.objects.contacts.read']);
    const res = await api(hs, access_token, 'POST', '/automation/v4/actions/callbacks/complete', { inputs: [] });
    expect(res.status).toBe(403);
    expect(res.body.category).toBe('MISSING_SCOPES');
  });
});

describe('contacts and properties', () => {
  let hs: HubSpotSandbox;
  let token: string;
  let client: Client;
  let ids: string[];
  beforeAll(async () => {
    hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, searchPerSecond: 5 });
    ids = hs.addPortal(
      PORTAL,
      Array.from({ length: 120 }, (_, i) => ({ email: `p${i}@acme.example`, firstname: `P${i}`, ...(i % 3 === 0 ? { jobtitle: 'CTO' } : {}) })),
    );
    token = hs.issueTokens(PORTAL).access_token;
    client = sdk(hs, token);
  });
  afterAll(() => hs.close());

  it('property groups: 201 then 409; properties: bad fieldType named in a 400, batch create 207 for existing ones', async () => {
    const group = await client.crm.properties.groupsApi.create('contacts', { name: 'cascade', label: 'Cascade', displayOrder: 1 });
    expect(group).toMatchObject({ name: 'cascade', label: 'Cascade', archived: false });
    const dup = await sdkError(client.crm.properties.groupsApi.create('contacts', { name: 'cascade', label: 'Cascade', displayOrder: 1 }));
    expect(dup.code).toBe(409);
    expect(dup.body.status).toBe('error');

    const bad = await api(hs, token, 'POST', '/crm/v3/properties/contacts', { name: 'cascade_status', label: 'Status', type: 'string', fieldType: 'booleancheckbox', groupName: 'cascade' });
    expect(bad.status).toBe(400);
    expect(bad.body.category).toBe('VALIDATION_ERROR');
    expect(bad.body.message).toContain('fieldType');
    const noGroup = await api(hs, token, 'POST', '/crm/v3/properties/contacts', { name: 'cascade_status', label: 'Status', type: 'string', fieldType: 'text', groupName: 'nope' });
    expect(noGroup.status).toBe(400);
    expect(noGroup.body.message).toContain('groupName');

    const created = await api(hs, token, 'POST', '/crm/v3/properties/contacts', { name: 'cascade_status', label: 'Status', type: 'string', fieldType: 'text', groupName: 'cascade' });
    expect(created.status).toBe(201);
    expect((await api(hs, token, 'POST', '/crm/v3/properties/contacts', created.body)).status).toBe(409);
    const batch = await api(hs, token, 'POST', '/crm/v3/properties/contacts/batch/create', {
      inputs: [
        { name: 'cascade_status', label: 'Status', type: 'string', fieldType: 'text', groupName: 'cascade' },
        { name: 'cascade_enriched_at', label: 'Enriched at', type: 'datetime', fieldType: 'date', groupName: 'cascade' },
      ],
    });
    expect(batch.status).toBe(207);
    expect(batch.body.results!.map((r) => (r as unknown as { name: string }).name)).toEqual(['cascade_enriched_at']);
    expect(JSON.stringify(batch.body.errors)).toContain('cascade_status');
    const one = await client.crm.properties.coreApi.getByName('contacts', 'cascade_enriched_at');
    expect(one).toMatchObject({ type: 'datetime', fieldType: 'date', groupName: 'cascade' });
    expect((await api(hs, token, 'GET', '/crm/v3/properties/contacts/no_such_thing')).status).toBe(404);
  });

  it('batch update: unknown property → 400, ≤100 applied, "" clears, 101 → 400, missing ids → 207', async () => {
    const unknown = await sdkError(client.crm.contacts.batchApi.update({ inputs: [{ id: ids[0]!, properties: { cascade_nonexistent: 'x' } }] }));
    expect(unknown.code).toBe(400);
    expect(unknown.body.category).toBe('VALIDATION_ERROR');
    expect(unknown.body.message).toContain('PROPERTY_DOESNT_EXIST');
    expect(unknown.body.message).toContain('cascade_nonexistent');

    const hundred = ids.slice(0, 100).map((id) => ({ id, properties: { cascade_status: 'enriched', jobtitle: '' } }));
    const ok = await client.crm.contacts.batchApi.update({ inputs: hundred });
    expect(ok.results).toHaveLength(100);
    expect(hs.contact(PORTAL, ids[0]!)!.properties.cascade_status).toBe('enriched');
    expect(hs.contact(PORTAL, ids[0]!)!.properties.jobtitle).toBeUndefined();
    expect(hs.calls.at(-1)).toMatchObject({ method: 'POST', path: '/crm/v3/objects/contacts/batch/update', portalId: PORTAL, status: 200, items: 100 });

    const tooMany = await api(hs, token, 'POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: ids.slice(0, 101).map((id) => ({ id, properties: { cascade_status: 'x' } })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.category).toBe('VALIDATION_ERROR');
    expect(hs.contact(PORTAL, ids[0]!)!.properties.cascade_status).toBe('enriched');

    hs.deleteContact(PORTAL, ids[119]!);
    const partial = await api(hs, token, 'POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [ids[118], ids[119]].map((id) => ({ id, properties: { cascade_status: 'enriched' } })),
    });
    expect(partial.status).toBe(207);
    expect(partial.body.results!.map((r) => r.id)).toEqual([ids[118]]);
    expect(partial.body.errors).toEqual([expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: [ids[119]] } })]);

    const read = await api(hs, token, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: ids[1] }, { id: ids[119] }], properties: ['email', 'cascade_status', 'phone'] });
    expect(read.status).toBe(207);
    expect(read.body.results![0]!.properties).toMatchObject({ email: 'p1@acme.example', cascade_status: 'enriched', phone: null, hs_object_id: ids[1] });
    expect((await api(hs, token, 'GET', `/crm/v3/objects/contacts/${ids[119]}`)).status).toBe(404);
  });

  it('search: filters, sorts, paging through every match, and 429 SECONDLY past 5 calls in a second', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let total: number | undefined;
    let pages = 0;
    do {
      const page = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'cascade_status', operator: 'EQ' as never, value: 'enriched' }] }],
        properties: ['email'],
        sorts: ['hs_object_id'],
        limit: 40,
        ...(after ? { after } : {}),
      } as never);
      total = page.total;
      seen.push(...page.results.map((r) => r.id));
      after = page.paging?.next?.after;
      pages++;
    } while (after);
    expect(total).toBe(101);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids.slice(0, 100), ids[118]]);

    const orGroups = await api(hs, token, 'POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [
        { filters: [{ propertyName: 'jobtitle', operator: 'HAS_PROPERTY' }] },
        { filters: [{ propertyName: 'email', operator: 'IN', values: ['P0@acme.example', 'p1@acme.example'] }] },
      ],
      limit: 200,
    });
    // jobtitle was cleared on the first 100; of 100..118, every third has one (102, 105, ... 117).
    expect(orGroups.body.results!.map((r) => r.id)).toEqual([ids[0], ids[1], ...[102, 105, 108, 111, 114, 117].map((i) => ids[i])]);

    const bad = await api(hs, token, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: '1' }] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('nope');
    await new Promise((r) => setTimeout(r, 1100));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api(hs, token, 'POST', '/crm/v3/objects/contacts/search', { limit: 1 })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await api(hs, token, 'POST', '/crm/v3/objects/contacts/search', { limit: 1 });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });
  });

  it('timeline: 201, duplicate id 409, unknown event type 400', async () => {
    const hs2 = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, appEventTypes: ['cascade_enriched'] });
    try {
      const [id] = hs2.addPortal(PORTAL, [{ email: 'a@b.example' }]);
      const t = hs2.issueTokens(PORTAL).access_token;
      const ev = { eventTypeName: 'cascade_enriched', id: 'run-1', objectId: id, properties: { fields: 'email', cost: '0.12' } };
      expect((await api(hs2, t, 'POST', '/integrators/timeline/v4/events', ev)).status).toBe(201);
      const dup = await api(hs2, t, 'POST', '/integrators/timeline/2026-03/events/batch', { inputs: [{ ...ev, id: 'run-2' }, ev] });
      expect(dup.status).toBe(409);
      const unknown = await api(hs2, t, 'POST', '/integrators/timeline/v4/events', { ...ev, id: 'run-3', eventTypeName: 'other' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toContain('eventTypeName');
      expect(hs2.timelineEvents().map((e) => e.id)).toEqual(['run-1']);
    } finally {
      await hs2.close();
    }
  });
});

describe('the ten-second window, storms and faults', () => {
  let hs: HubSpotSandbox;
  afterEach(() => hs.close());

  it('the 111th call in 10 s answers 429 with HubSpot\'s body and headers, and is logged', async () => {
    hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: SECRET });
    hs.addPortal(PORTAL);
    hs.addPortal(OTHER);
    const t = hs.issueTokens(PORTAL).access_token;
    const remaining: number[] = [];
    for (let i = 0; i < 110; i++) {
      const r = await api(hs, t, 'GET', '/crm/v3/properties/contacts/groups');
      expect(r.status).toBe(200);
      remaining.push(Number(r.headers.get('x-hubspot-ratelimit-remaining')));
    }
    expect(remaining.slice(0, 2)).toEqual([109, 108]);
    expect(remaining.at(-1)).toBe(0);
    const r = await api(hs, t, 'GET', '/crm/v3/properties/contacts/groups');
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(typeof r.body.correlationId).toBe('string');
    expect(typeof r.body.groupName).toBe('string');
    expect(r.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(r.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(r.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(hs.calls.filter((c) => c.status === 429)).toHaveLength(1);
    // Another portal has its own window.
    expect((await api(hs, hs.issueTokens(OTHER).access_token, 'GET', '/crm/v3/properties/contacts/groups')).status).toBe(200);
    const stats = (await (await fetch(`${hs.url}/__sandbox/stats`)).json()) as { calls: { rateLimited: number; byPortal: Record<string, { total: number }> } };
    expect(stats.calls.rateLimited).toBe(1);
    expect(stats.calls.byPortal[String(PORTAL)]!.total).toBe(111);
  });

  it('the window rolls, a storm answers 429 for its duration, forced faults answer 5xx or drop the connection', async () => {
    hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, rateLimit: { max: 3, intervalMs: 300 } });
    hs.addPortal(PORTAL);
    const t = hs.issueTokens(PORTAL).access_token;
    const get = () => api(hs, t, 'GET', '/crm/v3/properties/contacts/groups');
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
    await new Promise((r) => setTimeout(r, 320));
    expect((await get()).status).toBe(200);

    await new Promise((r) => setTimeout(r, 320));
    hs.rateLimitStorm(PORTAL, 200);
    expect((await get()).status).toBe(429);
    await new Promise((r) => setTimeout(r, 220));
    expect((await get()).status).toBe(200);

    await new Promise((r) => setTimeout(r, 320));
    hs.faults.force('5xx', 'reset');
    expect((await get()).status).toBeGreaterThanOrEqual(500);
    await expect(get()).rejects.toThrow();
    expect((await get()).status).toBe(200);
  });
});

describe('workflow executions and callbacks', () => {
  let hs: HubSpotSandbox;
  let token: string;
  let ids: string[];
  let rx: Awaited<ReturnType<typeof receiver>> | undefined;
  beforeAll(async () => {
    hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, emulator: { retryDelayMs: 5, maxRetries: 3 } });
    ids = hs.addPortal(PORTAL, [
      { email: 'ada@acme.example', firstname: 'Ada', company: 'Acme' },
      { email: 'bob@acme.example', firstname: 'Bob' },
      { email: 'cy@acme.example' },
    ]);
    hs.addPortal(OTHER);
    token = hs.issueTokens(PORTAL).access_token;
  });
  afterEach(async () => {
    await rx?.server.close();
    rx = undefined;
  });
  afterAll(() => hs.close());

  it('sends HubSpot\'s body signed v2 and v3 (verified by the server\'s verifySignature); BLOCK keeps the callback pending', async () => {
    rx = await receiver(() => ({ status: 200, body: { outputFields: { hs_execution_state: 'BLOCK', hs_expiration_duration: 'P1D' } } }));
    const actionUrl = `${rx.url}/hubspot/actions/enrich?portal=1&x=a%3Ab`;
    const { executions } = await hs.enroll({ portalId: PORTAL, actionUrl, contactIds: ids.slice(0, 2), inputFields: { fields: 'email,company' }, objectProperties: ['email', 'firstname'], workflowId: 77 });
    expect(executions.map((e) => [e.status, e.attempts, e.outcome])).toEqual([[200, 1, 'blocked'], [200, 1, 'blocked']]);
    const first = rx.got.find((g) => JSON.parse(g.rawBody).object.objectId === Number(ids[0]))!;
    expect(JSON.parse(first.rawBody)).toEqual({
      callbackId: executions[0]!.callbackId,
      origin: { portalId: PORTAL, actionDefinitionId: 1, actionDefinitionVersion: 1 },
      context: { source: 'WORKFLOWS', workflowId: 77 },
      object: { objectId: Number(ids[0]), objectType: 'CONTACT', properties: { email: 'ada@acme.example', firstname: 'Ada' } },
      inputFields: { fields: 'email,company' },
    });
    expect(executions[0]!.callbackId).toMatch(/^ap-/);
    expect(first.headers['x-hubspot-signature-version']).toBe('v2');
    expect(verifySignature(signed(first), { clientSecret: SECRET, fallback: 'v2' })).toEqual({ ok: true, version: 'v3' });
    const v2Only = signed(first, ['x-hubspot-signature-v3', 'x-hubspot-request-timestamp']);
    expect(verifySignature(v2Only, { clientSecret: SECRET, fallback: 'v2' })).toEqual({ ok: true, version: 'v2' });
    expect(verifySignature(signed(first), { clientSecret: 'another-secret-0002', fallback: 'v2' }).ok).toBe(false);
    expect(hs.callbacks().filter((c) => executions.some((e) => e.callbackId === c.callbackId)).map((c) => c.state)).toEqual(['pending', 'pending']);

    await hs.enroll({ portalId: PORTAL, actionUrl, contactIds: [ids[2]!], signature: 'v2' });
    const last = rx.got.at(-1)!;
    expect(last.headers['x-hubspot-signature-v3']).toBeUndefined();
    expect(verifySignature(signed(last), { clientSecret: SECRET, fallback: 'v2' })).toEqual({ ok: true, version: 'v2' });
  });

  it('a callback completes exactly once: a second completion, an unknown id and another portal\'s token are refused and counted', async () => {
    rx = await receiver(() => ({ status: 200, body: { outputFields: { hs_execution_state: 'BLOCK' } } }));
    const { executions } = await hs.enroll({ portalId: PORTAL, actionUrl: `${rx.url}/a`, contactIds: ids });
    const [a, b, c] = executions.map((e) => e.callbackId) as [string, string, string];
    const client = sdk(hs, token);
    await client.automation.actions.callbacksApi.complete(a, { outputFields: { hs_execution_state: 'SUCCESS', status: 'enriched' } } as never);
    const second = await sdkError(client.automation.actions.callbacksApi.complete(a, { outputFields: { hs_execution_state: 'SUCCESS' } } as never));
    expect(second.code).toBe(409);
    expect(second.body.status).toBe('error');

    const foreign = await api(hs, hs.issueTokens(OTHER).access_token, 'POST', `/automation/v4/actions/callbacks/${b}/complete`, { outputFields: { hs_execution_state: 'SUCCESS' } });
    expect(foreign.status).toBe(404);

    // Batch: the valid input is completed, the answer names the ones that were not.
    const batch = await api(hs, token, 'POST', '/automation/v4/actions/callbacks/complete', {
      inputs: [
        { callbackId: b, outputFields: { hs_execution_state: 'FAIL_CONTINUE', error_code: 'x' }, typedOutputs: {} },
        { callbackId: 'ap-never-issued', outputFields: { hs_execution_state: 'SUCCESS' } },
      ],
    });
    expect(batch.status).toBe(404);
    expect(batch.body.context).toEqual({ callbackIds: ['ap-never-issued'] });
    await client.automation.actions.callbacksApi.completeBatch({ inputs: [{ callbackId: c, outputFields: { hs_execution_state: 'SUCCESS' } }] } as never);
    expect(hs.calls.at(-1)).toMatchObject({ path: '/automation/v4/actions/callbacks/complete', status: 204, items: 1 });

    const byId = new Map(hs.callbacks().map((x) => [x.callbackId, x]));
    expect(byId.get(a)).toMatchObject({ state: 'completed', completions: 2, outputFields: { hs_execution_state: 'SUCCESS', status: 'enriched' } });
    expect(byId.get(b)).toMatchObject({ state: 'completed', completions: 1, outputFields: { hs_execution_state: 'FAIL_CONTINUE', error_code: 'x' } });
    expect(byId.get(c)).toMatchObject({ state: 'completed', completions: 1 });
    const stats = hs.stats();
    expect(stats.callbacks.doubleCompletions).toBe(1);
    expect(stats.callbacks.unknownCompletions).toBe(2);
  });

  it('expires a BLOCKed callback after hs_expiration_duration; a late completion answers 410', async () => {
    rx = await receiver(() => ({ status: 200, body: { outputFields: { hs_execution_state: 'BLOCK', hs_expiration_duration: 'PT0.15S' } } }));
    const { executions } = await hs.enroll({ portalId: PORTAL, actionUrl: `${rx.url}/a`, contactIds: [ids[0]!] });
    const id = executions[0]!.callbackId;
    await new Promise((r) => setTimeout(r, 200));
    expect(hs.callbacks().find((c) => c.callbackId === id)!.state).toBe('expired');
    const late = await api(hs, token, 'POST', `/automation/v4/actions/callbacks/${id}/complete`, { outputFields: { hs_execution_state: 'SUCCESS' } });
    expect(late.status).toBe(410);
    expect(hs.callbacks().find((c) => c.callbackId === id)).toMatchObject({ state: 'expired', completions: 1 });
  });

  it('retries 5xx and 429 (same callbackId), never a 4xx; SUCCESS completes at once', async () => {
    rx = await receiver((_r, n) => {
      if (n <= 2) return { status: 503 };
      if (n === 3) return { status: 429, headers: { 'retry-after': '0' } };
      return { status: 200, body: { outputFields: { hs_execution_state: 'SUCCESS', status: 'cached' } } };
    });
    const { executions } = await hs.enroll({ portalId: PORTAL, actionUrl: `${rx.url}/a`, contactIds: [ids[0]!] });
    expect(executions[0]).toMatchObject({ status: 200, attempts: 4, outcome: 'completed' });
    expect(executions[0]!.ackMs).toBeGreaterThanOrEqual(0);
    expect(new Set(rx.got.map((g) => JSON.parse(g.rawBody).callbackId)).size).toBe(1);
    expect(hs.callbacks().find((c) => c.callbackId === executions[0]!.callbackId)).toMatchObject({ state: 'completed', blocked: false, completions: 0 });
    await rx.server.close();

    rx = await receiver(() => ({ status: 400, body: { problems: ['x'] } }));
    const failed = await hs.enroll({ portalId: PORTAL, actionUrl: `${rx.url}/a`, contactIds: [ids[0]!] });
    expect(failed.executions[0]).toMatchObject({ status: 400, attempts: 1, outcome: 'failed' });
    await rx.server.close();

    rx = await receiver(() => ({ status: 500 }));
    const gaveUp = await hs.enroll({ portalId: PORTAL, actionUrl: `${rx.url}/a`, contactIds: [ids[0]!] });
    expect(gaveUp.executions[0]).toMatchObject({ status: 500, attempts: 4, outcome: 'failed' });
  });
});

describe('webhook deliveries', () => {
  it('are a signed JSON array (v1 and v3 verify), filled in, retried on 5xx with attemptNumber incremented', async () => {
    const hs = await createHubSpotSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, webhooks: { retryDelayMs: 5 } });
    hs.addPortal(PORTAL);
    const rx = await receiver((_r, n) => ({ status: n === 1 ? 502 : 200 }));
    try {
      const result = await hs.deliverWebhooks(`${rx.url}/hubspot/webhooks`, [{ subscriptionType: 'contact.deletion', objectId: 123 }]);
      expect(result).toEqual({ status: 200, attempts: 2 });
      const events = rx.got.map((g) => JSON.parse(g.rawBody) as Record<string, unknown>[]);
      expect(events[0]![0]).toMatchObject({ subscriptionType: 'contact.deletion', objectId: 123, portalId: PORTAL, attemptNumber: 0 });
      for (const k of ['eventId', 'subscriptionId', 'appId', 'occurredAt']) expect(typeof events[0]![0]![k]).toBe('number');
      expect(events[1]![0]!.attemptNumber).toBe(1);
      const last = rx.got[1]!;
      expect(last.headers['x-hubspot-signature-version']).toBe('v1');
      expect(verifySignature(signed(last), { clientSecret: SECRET, fallback: 'v1' })).toEqual({ ok: true, version: 'v3' });
      expect(verifySignature(signed(last, ['x-hubspot-signature-v3']), { clientSecret: SECRET, fallback: 'v1' })).toEqual({ ok: true, version: 'v1' });
    } finally {
      await rx.server.close();
      await hs.close();
    }
  });
});
