// The contact card's API over real HTTP, signed as hubspot.fetch signs it, against the sandbox
// HubSpot portal and vendors: a never-enriched contact, "Enrich now" → 202 → progress → the fields
// with their vendors and cost, a retried click that must not pay twice, a portal that has not
// installed, another portal's run; and every way a request can be refused before it reaches them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { generateContacts } from '../../sandbox/world.ts';
import { PORTAL, crmProps, eventually, installed, uiFetch } from '../helpers/hubspot.ts';
import type { Installed, UiCall } from '../helpers/hubspot.ts';
import { backend } from '../helpers/env.ts';
import type { ApiError, CardView, EnrichAccepted, RunView, SettingsView } from '../../extensions/src/api/contract.ts';

const people = generateContacts(40, 8, 'ui-card').filter((c) => c.email && c.firstName && c.lastName);
const NOT_INSTALLED_PORTAL = 515151;

let t: Installed;
let contacts: string[];
let user: string;

beforeAll(async () => {
  t = await installed({ contacts: people.slice(0, 6).map(crmProps) });
  contacts = t.hs.contacts(PORTAL).map((c) => c.id);
  user = String(t.hs.addUser(PORTAL).id); // anyone who sees the card may enrich
});
afterAll(async () => {
  await t?.close();
});

const ui = <T>(call: UiCall) => uiFetch<T>(t.url, call);
const card = (contactId: string, portalId = PORTAL) => ui<CardView>({ path: '/ui/card', query: { portalId, userId: user, contactId } });
const enrich = (contactId: string, body: unknown, timestamp?: number) =>
  ui<EnrichAccepted | ApiError>({ method: 'POST', path: '/ui/card/enrich', query: { portalId: PORTAL, userId: user, contactId }, body, ...(timestamp ? { timestamp } : {}) });
const run = (runId: string, portalId = PORTAL) => ui<RunView | ApiError>({ path: `/ui/runs/${runId}`, query: { portalId, userId: user } });

async function untilDone(runId: string): Promise<RunView> {
  let last: RunView | null = null;
  const seenProgress: { done: number; total: number }[] = [];
  await eventually(async () => {
    const r = await run(runId);
    expect(r.status).toBe(200);
    last = r.body as RunView;
    seenProgress.push(last.progress);
    return last.state === 'done';
  }, `run ${runId} done`);
  for (const p of seenProgress) expect(p.done).toBeLessThanOrEqual(Math.max(p.total, p.done));
  return last!;
}

describe(`UI card API (${backend})`, () => {
  it('shows a never-enriched contact, then enriches it: 202, progress, fields with vendors and cost', async () => {
    const before = await card(contacts[0]!);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ installed: true, installUrl: `${t.url}/oauth/install`, keysConfigured: 2, lastRun: null, capsReached: [] });
    expect(before.body.spendToday).toEqual({ spentCents: 0, capCents: null });

    const accepted = await enrich(contacts[0]!, { force: false, requestId: randomUUID() });
    expect(accepted.status).toBe(202);
    const { runId, coalesced } = accepted.body as EnrichAccepted;
    expect(coalesced).toBe(false);

    const done = await untilDone(runId);
    expect(done).toMatchObject({ id: runId, contactId: contacts[0], state: 'done', source: 'card', forceRefresh: false });
    expect(done.status).not.toBeNull();
    expect(done.progress.done).toBe(done.progress.total);
    expect(done.progress.total).toBe(done.steps.length);
    expect(done.fields.length).toBeGreaterThan(0);
    for (const f of done.fields) {
      expect(['apollo', 'hunter']).toContain(f.vendor);
      expect(f.value).not.toBe('');
      expect(f.confidence).toBeGreaterThan(0);
      expect(['write', 'keep']).toContain(f.action);
    }
    // The run's cost is what its billed steps cost, in whole cents.
    const billedMc = (await t.tdb.db.knex('run_steps').where({ run_id: runId, billed: true }).sum<{ s: string }[]>('cost_mc as s'))[0]?.s;
    expect(done.costCents).toBe(Math.round(Number(billedMc ?? 0) / 1000));
    expect(done.costCents).toBeGreaterThan(0);
    expect(done.steps.reduce((s, x) => s + x.costCents, 0)).toBeGreaterThanOrEqual(done.costCents - done.steps.length);

    const after = await card(contacts[0]!);
    expect(after.body.lastRun?.id).toBe(runId);
    expect(after.body.lastRun?.fields.map((f) => f.field)).toEqual(done.fields.map((f) => f.field));
    expect(after.body.spendToday.spentCents).toBe(done.costCents);
    // The card names vendors as people know them, not by id.
    for (const f of done.fields) expect(after.body.vendorNames?.[f.vendor]).toBe(t.cascade.deps.adapters.get(f.vendor)!.displayName);
    // The settings page shows today's spend per vendor, capped or not.
    const settings = await ui<SettingsView>({ path: '/ui/settings', query: { portalId: PORTAL, userId: user } });
    const today = settings.body.spend?.filter((l) => l.period === 'day' && l.scope !== 'total') ?? [];
    expect(today.reduce((a, l) => a + l.spentCents, 0)).toBeGreaterThanOrEqual(done.costCents - today.length);
    expect(settings.body.spend?.find((l) => l.scope === 'total' && l.period === 'day')?.spentCents).toBe(done.costCents);
  });

  it('a retried click (same requestId) joins the same run: one run, one vendor bill', async () => {
    const contactId = contacts[1]!;
    const billsBefore = t.sims.apollo.state.billing.events.length + t.sims.hunter.state.billing.events.length;
    const requestId = randomUUID();
    // Two deliveries of one click at once, each signed afresh (an identical signature would be a replay).
    const now = Date.now();
    const [a, b] = await Promise.all([enrich(contactId, { force: false, requestId }, now), enrich(contactId, { force: false, requestId }, now + 1)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const runId = (a.body as EnrichAccepted).runId;
    expect((b.body as EnrichAccepted).runId).toBe(runId);
    await untilDone(runId);
    const again = await enrich(contactId, { force: false, requestId });
    expect((again.body as EnrichAccepted).runId).toBe(runId);

    const runs = await t.tdb.db.knex('enrichment_runs').where({ portal_id: PORTAL, contact_id: contactId });
    expect(runs).toHaveLength(1);
    const billedSteps = await t.tdb.db.knex('run_steps').where({ run_id: runId, billed: true, source: 'vendor' });
    const bills = t.sims.apollo.state.billing.events.length + t.sims.hunter.state.billing.events.length - billsBefore;
    expect(bills).toBe(billedSteps.length);
    expect(bills).toBeGreaterThan(0);
  });

  it('a click while the contact is being enriched joins that run; force refresh asks the vendors again', async () => {
    const contactId = contacts[2]!;
    const first = await enrich(contactId, { force: false, requestId: randomUUID(), groups: ['email'] });
    const second = await enrich(contactId, { force: true, requestId: randomUUID(), groups: ['email', 'person'] });
    expect(second.status).toBe(202);
    const firstId = (first.body as EnrichAccepted).runId;
    const secondBody = second.body as EnrichAccepted;
    if (secondBody.coalesced) expect(secondBody.runId).toBe(firstId);
    else expect(secondBody.runId).not.toBe(firstId); // the first one finished in between
    const done = await untilDone(secondBody.runId);
    expect(done.forceRefresh).toBe(true);

    // Enriched once already: without force the answers come from the cache, with force from the vendors.
    const cached = await untilDone((((await enrich(contactId, { force: false, requestId: randomUUID(), groups: ['email'] })).body) as EnrichAccepted).runId);
    expect(cached.steps.some((s) => s.source === 'cache')).toBe(true);
    expect(cached.costCents).toBe(0);
    const forced = await untilDone((((await enrich(contactId, { force: true, requestId: randomUUID(), groups: ['email'] })).body) as EnrichAccepted).runId);
    expect(forced.steps.length).toBeGreaterThan(0);
    expect(forced.steps.every((s) => s.source === 'vendor')).toBe(true);
  });

  it('refuses bad enrich bodies naming the field, and a contact HubSpot does not have', async () => {
    const noId = await enrich(contacts[3]!, { force: false });
    expect(noId.status).toBe(400);
    expect((noId.body as ApiError)).toMatchObject({ error: 'invalid_body', field: 'requestId' });
    const badGroup = await enrich(contacts[3]!, { force: false, requestId: randomUUID(), groups: ['telepathy'] });
    expect((badGroup.body as ApiError).field).toBe('groups[0]');
    const missing = await enrich('999999', { force: false, requestId: randomUUID() });
    expect(missing.status).toBe(404);
    expect((missing.body as ApiError).error).toBe('not_found');
    const noContact = await ui<ApiError>({ method: 'POST', path: '/ui/card/enrich', query: { portalId: PORTAL, userId: user }, body: { force: false, requestId: randomUUID() } });
    expect([noContact.status, noContact.body.field]).toEqual([400, 'query.contactId']);
  });

  it('a portal that has not installed sees installed:false with the install URL, and cannot enrich', async () => {
    const c = await card('1001', NOT_INSTALLED_PORTAL);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ installed: false, installUrl: `${t.url}/oauth/install`, keysConfigured: 0, lastRun: null });
    const e = await ui<ApiError>({ method: 'POST', path: '/ui/card/enrich', query: { portalId: NOT_INSTALLED_PORTAL, userId: user, contactId: '1001' }, body: { force: false, requestId: randomUUID() } });
    expect(e.status).toBe(409);
    expect(e.body.error).toBe('not_installed');
    expect(e.body.message.length).toBeGreaterThan(10);
  });

  it('another portal asking for this portal\'s run (or a contact\'s card) finds nothing', async () => {
    const runId = (await t.tdb.db.knex('enrichment_runs').where({ portal_id: PORTAL }).first('id')).id as string;
    expect((await run(runId)).status).toBe(200);
    const other = await run(runId, NOT_INSTALLED_PORTAL);
    expect(other.status).toBe(404);
    expect((other.body as ApiError).error).toBe('not_found');
    expect((await run(randomUUID())).status).toBe(404);
    expect((await run('not-a-uuid')).status).toBe(404);
  });
});

describe(`UI request checks (${backend})`, () => {
  const query = () => ({ portalId: PORTAL, userId: user, contactId: contacts[0]! });

  it('refuses unsigned, badly signed, stale and replayed requests with 401', async () => {
    const unsigned = await ui<ApiError>({ path: '/ui/card', query: query(), signature: 'none' });
    expect([unsigned.status, unsigned.body.error]).toEqual([401, 'invalid_signature']);
    const wrongSecret = await ui<ApiError>({ path: '/ui/card', query: query(), secret: 'not-the-client-secret' });
    expect([wrongSecret.status, wrongSecret.body.error]).toEqual([401, 'invalid_signature']);
    const stale = await ui<ApiError>({ path: '/ui/card', query: query(), timestamp: Date.now() - 6 * 60_000 });
    expect([stale.status, stale.body.field]).toEqual([401, 'X-HubSpot-Request-Timestamp']);
    const first = await ui<CardView>({ path: '/ui/card', query: query() });
    expect(first.status).toBe(200);
    const replayed = await ui<ApiError>({ path: '/ui/card', query: query(), replay: first.sent });
    expect([replayed.status, replayed.body.error]).toEqual([401, 'replayed_signature']);
    // A signature over another query does not cover this one.
    const tampered = await fetch(`${t.url}/ui/card?portalId=${PORTAL}&userId=${user}&contactId=${contacts[1]}`, { headers: first.sent });
    expect(tampered.status).toBe(401);
  });

  it('accepts v2 when HubSpot sends no v3', async () => {
    const v2 = await ui<CardView>({ path: '/ui/card', query: query(), signature: 'v2' });
    expect(v2.status).toBe(200);
    expect(v2.body.installed).toBe(true);
  });

  it('refuses a query naming two different portals (or users) with 403 portal_mismatch', async () => {
    const two = await ui<ApiError>({ path: '/ui/card', query: `portalId=${PORTAL}&userId=${user}&contactId=${contacts[0]}&portalId=${NOT_INSTALLED_PORTAL}` });
    expect([two.status, two.body.error, two.body.field]).toEqual([403, 'portal_mismatch', 'query.portalId']);
    const users = await ui<ApiError>({ path: '/ui/card', query: `portalId=${PORTAL}&userId=${user}&contactId=${contacts[0]}&userId=1` });
    expect([users.status, users.body.error]).toEqual([403, 'portal_mismatch']);
    // HubSpot echoing the same portal id is fine.
    const echoed = await ui<CardView>({ path: '/ui/card', query: `portalId=${PORTAL}&userId=${user}&contactId=${contacts[0]}&portalId=${PORTAL}` });
    expect(echoed.status).toBe(200);
    const none = await ui<ApiError>({ path: '/ui/card', query: { userId: user, contactId: contacts[0]! } });
    expect([none.status, none.body.field]).toEqual([400, 'query.portalId']);
  });

  it('refuses an oversized body with 413 and malformed JSON with 400, as ApiError JSON', async () => {
    const big = await ui<ApiError>({ method: 'POST', path: '/ui/card/enrich', query: query(), body: JSON.stringify({ force: false, requestId: randomUUID(), pad: 'x'.repeat(70 * 1024) }) });
    expect([big.status, big.body.error]).toEqual([413, 'payload_too_large']);
    const broken = await ui<ApiError>({ method: 'POST', path: '/ui/card/enrich', query: query(), body: '{"force": tru' });
    expect([broken.status, broken.body.error, broken.body.field]).toEqual([400, 'invalid_json', 'body']);
    const unknown = await ui<ApiError>({ path: '/ui/nothing-here', query: query() });
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
  });
});
