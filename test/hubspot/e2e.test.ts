// The HubSpot integration end to end, over real HTTP: the sandbox portal installs the app through
// OAuth, its workflow emulator enrolls contacts into the "Enrich contact" action, and what users
// notice is checked in the portal itself — properties written (and a user's own values kept),
// each workflow callback completed exactly once, nothing lost when HubSpot says 429.
import { afterEach, describe, expect, it } from 'vitest';
import { generateContacts } from '../../sandbox/world.ts';
import { signV2, signV3 } from '../../server/hubspot/signature.ts';
import { CLIENT_SECRET, PORTAL, crmProps, eventually, installed } from '../helpers/hubspot.ts';
import type { Installed } from '../helpers/hubspot.ts';
import { backend } from '../helpers/env.ts';

const people = generateContacts(120, 12, 'hubspot-e2e').filter((c) => c.email);

let t: Installed | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const completedOnce = (hs: Installed['hs'], ids: string[]) => {
  const byId = new Map(hs.callbacks().map((c) => [c.callbackId, c]));
  return ids.every((id) => byId.get(id)?.state === 'completed' && byId.get(id)?.completions === 1);
};

/** A request signed as HubSpot signs workflow actions (v2 + v3), with the given body. */
function signedAction(url: string, body: unknown, opts: { timestamp?: number; secret?: string } = {}) {
  const raw = JSON.stringify(body);
  const ts = String(opts.timestamp ?? Date.now());
  const secret = opts.secret ?? CLIENT_SECRET;
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature': signV2(secret, 'POST', url, raw),
      'x-hubspot-signature-version': 'v2',
      'x-hubspot-signature-v3': signV3(secret, 'POST', url, raw, ts),
      'x-hubspot-request-timestamp': ts,
    },
    body: raw,
  };
}

const actionBody = (callbackId: string, contactId: string, props: Record<string, string> = {}) => ({
  callbackId,
  origin: { portalId: PORTAL, actionDefinitionId: 7, actionDefinitionVersion: 1 },
  context: { source: 'WORKFLOWS', workflowId: 99 },
  object: { objectId: Number(contactId), objectType: 'CONTACT', properties: props },
  inputFields: { fields: 'email,person', force_refresh: 'false' },
});

describe(`HubSpot end to end (${backend})`, () => {
  it('install → enroll → every callback completed once, properties written, a user value kept', async () => {
    const contacts = people.slice(0, 30).map(crmProps);
    // A title somebody typed in: fill_if_empty must never replace it.
    contacts[0] = { ...contacts[0]!, jobtitle: 'Chief Wizard' };
    t = await installed({ contacts });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    // The install created Cascade's group and properties in the portal.
    expect(t.hs.propertyGroups(PORTAL).map((g) => g.name)).toContain('cascade');
    expect(t.hs.properties(PORTAL).map((p) => p.name)).toEqual(expect.arrayContaining(['cascade_status', 'cascade_sources', 'cascade_enriched_at', 'cascade_cost', 'cascade_confidence']));

    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email,person' }, objectProperties: ['email', 'firstname', 'lastname', 'company', 'website', 'jobtitle'] });
    expect(executions.every((e) => e.status === 200 && (e.body as { outputFields: { hs_execution_state: string } }).outputFields.hs_execution_state === 'BLOCK')).toBe(true);
    const callbackIds = executions.map((e) => e.callbackId);
    await eventually(() => completedOnce(t!.hs, callbackIds), 'all callbacks completed');

    const first = t.hs.contact(PORTAL, ids[0]!)!;
    expect(first.properties.jobtitle).toBe('Chief Wizard');
    for (const id of ids) {
      const c = t.hs.contact(PORTAL, id)!;
      expect(['enriched', 'partial', 'not_found']).toContain(c.properties.cascade_status);
      expect(c.properties.cascade_enriched_at).toBeTruthy();
    }
    const enriched = ids.map((id) => t!.hs.contact(PORTAL, id)!).filter((c) => c.properties.cascade_status === 'enriched');
    expect(enriched.length).toBeGreaterThan(0);
    // The engine filled titles vendors know, wherever the contact had none.
    expect(enriched.filter((c) => c.id !== ids[0] && c.properties.jobtitle).length).toBeGreaterThan(0);
    // The outputs a workflow branches on.
    const outputs = t.hs.callbacks().map((c) => c.outputFields!);
    for (const o of outputs) {
      expect(o).toMatchObject({ hs_execution_state: expect.stringMatching(/^(SUCCESS|FAIL_CONTINUE)$/) });
      expect(['enriched', 'partial', 'not_found', 'cap_reached', 'suppressed', 'failed']).toContain(o.status);
      expect(o.cost_cents).toMatch(/^\d+\.\d{2}$/);
    }
    // Batched: far fewer HubSpot calls than contacts × (read + write + complete).
    const apiCalls = t.hs.calls.filter((c) => c.portalId === PORTAL);
    expect(apiCalls.filter((c) => c.path.endsWith('/batch/update')).every((c) => (c.items ?? 0) <= 100)).toBe(true);
    expect(apiCalls.filter((c) => c.status === 429)).toHaveLength(0);
  });

  it('a retried callbackId does not run twice, and a coalesced enrolment gets its own completion', async () => {
    t = await installed({ contacts: people.slice(0, 2).map(crmProps) });
    const [id] = t.hs.contacts(PORTAL).map((c) => c.id);
    const body = actionBody('ap-retry-1', id!, crmProps(people[0]!));
    const a = await fetch(t.actionUrl, signedAction(t.actionUrl, body));
    // HubSpot retries with a fresh signature (new timestamp).
    const b = await fetch(t.actionUrl, signedAction(t.actionUrl, body, { timestamp: Date.now() + 1 }));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const runs = await t.tdb.db.knex('enrichment_runs').where({ portal_id: PORTAL, contact_id: id });
    expect(runs).toHaveLength(1);
    const triggers = await t.tdb.db.knex('run_triggers').where({ portal_id: PORTAL, idempotency_key: 'ap-retry-1' });
    expect(triggers).toHaveLength(1);
  });

  it('a second enrolment while the contact is being enriched joins that run; both callbacks complete once', async () => {
    // Slow vendor answers keep the first run in flight while the second enrolment arrives.
    t = await installed({ contacts: people.slice(0, 1).map(crmProps), sims: { apollo: { latencyMs: [400, 400] } } });
    const [id] = t.hs.contacts(PORTAL).map((c) => c.id);
    const enroll = () => t!.hs.enroll({ portalId: PORTAL, actionUrl: t!.actionUrl, contactIds: [id!], inputFields: { fields: 'email,person' }, objectProperties: ['email', 'firstname', 'lastname', 'company', 'website'] });
    const first = await enroll();
    await new Promise((r) => setTimeout(r, 50));
    const second = await enroll();
    const callbackIds = [...first.executions, ...second.executions].map((e) => e.callbackId);
    expect(new Set(callbackIds).size).toBe(2);
    await eventually(() => completedOnce(t!.hs, callbackIds), 'both callbacks completed');
    const runs = await t.tdb.db.knex('enrichment_runs').where({ portal_id: PORTAL, contact_id: id });
    expect(runs).toHaveLength(1);
    const triggers = await t.tdb.db.knex('run_triggers').where({ run_id: runs[0].id }).orderBy('created_at');
    expect(triggers.map((x) => x.coalesced)).toEqual([false, true]);
    // One vendor answer paid for, two workflows told the same outcome.
    const outputs = t.hs.callbacks().map((c) => c.outputFields!.status);
    expect(outputs[0]).toBe(outputs[1]);
  });

  it('refuses forged, stale and replayed signatures, and names bad fields', async () => {
    t = await installed({ contacts: people.slice(0, 1).map(crmProps) });
    const [id] = t.hs.contacts(PORTAL).map((c) => c.id);
    const body = actionBody('ap-sig-1', id!);
    const forged = await fetch(t.actionUrl, signedAction(t.actionUrl, body, { secret: 'not-the-client-secret' }));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: 'invalid_signature' });
    const stale = await fetch(t.actionUrl, signedAction(t.actionUrl, body, { timestamp: Date.now() - 6 * 60_000 }));
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ field: 'X-HubSpot-Request-Timestamp' });
    const once = signedAction(t.actionUrl, body);
    expect((await fetch(t.actionUrl, once)).status).toBe(200);
    const replay = await fetch(t.actionUrl, once);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'replayed_signature' });
    // A tampered body under a valid-looking signature.
    const tampered = signedAction(t.actionUrl, body);
    const evil = await fetch(t.actionUrl, { ...tampered, body: tampered.body.replace('ap-sig-1', 'ap-sig-2') });
    expect(evil.status).toBe(401);
    // None of the refused requests started anything.
    expect(await t.tdb.db.knex('run_triggers').where({ portal_id: PORTAL })).toHaveLength(1);

    const bad = await fetch(t.actionUrl, signedAction(t.actionUrl, { ...body, callbackId: 'ap-sig-3', inputFields: { fields: 'email,shoe_size', force_refresh: 'maybe' } }));
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: { field: string }[] }).problems.map((p) => p.field);
    expect(problems).toEqual(expect.arrayContaining(['inputFields.fields', 'inputFields.force_refresh']));
  });

  it('a 429 storm from HubSpot loses no write and no callback, and completes none twice', async () => {
    t = await installed({ contacts: people.slice(0, 25).map(crmProps) });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email' }, objectProperties: ['email', 'firstname', 'lastname', 'company', 'website'] });
    // Every API call answers 429 while the first runs finish and their writes go out.
    t.hs.rateLimitStorm(PORTAL, 3_000);
    await eventually(() => completedOnce(t!.hs, executions.map((e) => e.callbackId)), 'all callbacks completed after the storm', 45_000);
    expect(t.hs.calls.some((c) => c.status === 429)).toBe(true);
    for (const id of ids) expect(t.hs.contact(PORTAL, id)!.properties.cascade_status).toBeTruthy();
    expect(t.hs.callbacks().every((c) => c.completions === 1)).toBe(true);
    // A completion HubSpot has recorded may not be marked done yet: wait for the outbox to settle.
    await eventually(async () => (await t!.tdb.db.knex('hubspot_outbox').where({ state: 'pending' })).length === 0, 'outbox drained', 15_000);
    const notDone = await t.tdb.db.knex('hubspot_outbox').whereNot({ state: 'done' }).select('kind', 'state', 'last_error');
    expect(notDone).toEqual([]);
  });

  it('an expired access token mid-run is refreshed and the writes go through', async () => {
    t = await installed({ contacts: people.slice(0, 5).map(crmProps) });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    t.hs.expireAccessTokens(PORTAL);
    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email' }, objectProperties: ['email', 'firstname', 'lastname', 'website'] });
    await eventually(() => completedOnce(t!.hs, executions.map((e) => e.callbackId)), 'callbacks completed after a refresh');
    expect(t.hs.calls.some((c) => c.status === 401)).toBe(true);
    expect(t.hs.calls.some((c) => c.path === '/oauth/v3/token')).toBe(true);
  });

  it('uninstall mid-run: tokens and vendor keys deleted, pending writes dropped, new enrolments told NOT_INSTALLED', async () => {
    t = await installed({ contacts: people.slice(0, 5).map(crmProps), config: { OUTBOX_FLUSH_DELAY_MS: '60000' } });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email' }, objectProperties: ['email', 'firstname', 'lastname', 'website'] });
    await eventually(async () => (await t!.tdb.db.knex('enrichment_runs').whereNot({ state: 'done' })).length === 0, 'runs finished');
    t.hs.uninstall(PORTAL);
    t.hs.expireAccessTokens(PORTAL);
    await t.cascade.hubspot.flusher.flushAll();
    expect(await t.tdb.db.knex('hubspot_tokens').where({ portal_id: PORTAL })).toHaveLength(0);
    expect(await t.tdb.db.knex('vendor_credentials').where({ portal_id: PORTAL })).toHaveLength(0);
    expect(await t.tdb.db.knex('hubspot_outbox').where({ state: 'pending' })).toHaveLength(0);
    const after = await fetch(t.actionUrl, signedAction(t.actionUrl, actionBody('ap-after-uninstall', ids[0]!)));
    expect(((await after.json()) as { outputFields: { error_code: string } }).outputFields.error_code).toBe('NOT_INSTALLED');
  });

  it('privacy deletion purges the contact’s cache entries and personal data; a duplicate delivery is harmless', async () => {
    t = await installed({ contacts: people.slice(0, 3).map(crmProps) });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email,person' }, objectProperties: ['email', 'firstname', 'lastname', 'website'] });
    await eventually(() => completedOnce(t!.hs, executions.map((e) => e.callbackId)), 'callbacks completed');
    const victim = ids[0]!;
    const email = people[0]!.email!;
    const knex = t.tdb.db.knex;
    const cachedBefore = await knex('vendor_cache').where({ portal_id: PORTAL }).count({ n: '*' });
    const event = { eventId: 9001, subscriptionId: 1, portalId: PORTAL, occurredAt: Date.now(), subscriptionType: 'contact.privacyDeletion', attemptNumber: 0, objectId: Number(victim) };
    const first = await t.hs.deliverWebhooks(t.webhookUrl, [event]);
    const second = await t.hs.deliverWebhooks(t.webhookUrl, [event]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const runs = await knex('enrichment_runs').where({ portal_id: PORTAL, contact_id: victim });
    expect(runs.every((r) => r.purged_at && r.profile === null)).toBe(true);
    expect(JSON.stringify(runs)).not.toContain(email);
    const steps = await knex('run_steps').whereIn('run_id', runs.map((r) => r.id));
    expect(JSON.stringify(steps)).not.toContain(email);
    const cachedAfter = await knex('vendor_cache').where({ portal_id: PORTAL }).count({ n: '*' });
    expect(Number(cachedAfter[0]!.n)).toBeLessThan(Number(cachedBefore[0]!.n));
    expect(JSON.stringify(await knex('vendor_cache').where({ portal_id: PORTAL }))).not.toContain(email);
    // The other contacts keep theirs.
    const other = await knex('enrichment_runs').where({ portal_id: PORTAL, contact_id: ids[1]! }).first();
    expect(other.profile).not.toBeNull();
    const purges = await knex('audit_events').where({ portal_id: PORTAL, type: 'contact.purged' });
    expect(purges).toHaveLength(1);
  });

  it('a contact deleted mid-run is skipped cleanly; its callback still completes', async () => {
    t = await installed({ contacts: people.slice(0, 4).map(crmProps), config: { OUTBOX_FLUSH_DELAY_MS: '60000' } });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email' }, objectProperties: ['email', 'firstname', 'lastname', 'website'] });
    await eventually(async () => (await t!.tdb.db.knex('enrichment_runs').whereNot({ state: 'done' })).length === 0, 'runs finished');
    t.hs.deleteContact(PORTAL, ids[1]!);
    await t.cascade.hubspot.flusher.flushAll();
    const rows = await t.tdb.db.knex('hubspot_outbox').where({ kind: 'contact_update' });
    expect(rows.find((r) => r.contact_id === ids[1])?.state).toBe('skipped');
    expect(rows.filter((r) => r.contact_id !== ids[1]).every((r) => r.state === 'done')).toBe(true);
    expect(completedOnce(t.hs, executions.map((e) => e.callbackId))).toBe(true);
  });

  it('a batch with one callback HubSpot refuses completes the others once and never resends them', async () => {
    t = await installed({ contacts: people.slice(0, 5).map(crmProps), config: { OUTBOX_FLUSH_DELAY_MS: '60000' } });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email' }, objectProperties: ['email', 'firstname', 'lastname', 'website'] });
    await eventually(async () => (await t!.tdb.db.knex('enrichment_runs').whereNot({ state: 'done' })).length === 0, 'runs finished');
    // One callback was completed already (say, by a call of ours whose answer was lost).
    const [early, ...rest] = executions.map((e) => e.callbackId);
    const { access_token } = t.hs.issueTokens(PORTAL);
    const pre = await fetch(`${t.hs.url}/automation/v4/actions/callbacks/${early}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ outputFields: { status: 'enriched', hs_execution_state: 'SUCCESS' } }),
    });
    expect(pre.status).toBe(204);
    await t.cascade.hubspot.flusher.flushAll();
    const byId = new Map(t.hs.callbacks().map((c) => [c.callbackId, c]));
    for (const id of rest) expect(byId.get(id)).toMatchObject({ state: 'completed', completions: 1 });
    // Ours was refused (409) once and not retried one by one.
    expect(byId.get(early!)!.completions).toBe(2);
    const rows = await t.tdb.db.knex('hubspot_outbox').where({ kind: 'callback_complete' });
    expect(rows.every((r) => r.state === 'done')).toBe(true);
  });

  it('a value HubSpot refuses (a property turned into a dropdown) costs that value only, not the batch', async () => {
    t = await installed({ contacts: people.slice(0, 8).map(crmProps), config: { OUTBOX_FLUSH_DELAY_MS: '60000' } });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    // An admin made Cascade's seniority property a dropdown with options no vendor uses.
    const { access_token } = t.hs.issueTokens(PORTAL);
    const patched = await fetch(`${t.hs.url}/crm/v3/properties/contacts/cascade_seniority`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'enumeration', fieldType: 'select', options: [{ label: 'Founder', value: 'founder_only', displayOrder: 0 }] }),
    });
    expect(patched.status).toBe(200);
    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email,person' }, objectProperties: ['email', 'firstname', 'lastname', 'company', 'website'] });
    await eventually(async () => (await t!.tdb.db.knex('enrichment_runs').whereNot({ state: 'done' })).length === 0, 'runs finished');
    await t.cascade.hubspot.flusher.flushAll();
    const rows = await t.tdb.db.knex('hubspot_outbox').where({ kind: 'contact_update' });
    expect(rows.every((r) => r.state === 'done')).toBe(true);
    const refused = rows.filter((r) => String(r.last_error ?? '').includes('cascade_seniority'));
    expect(refused.length).toBeGreaterThan(0);
    for (const id of ids) {
      const c = t.hs.contact(PORTAL, id)!;
      expect(c.properties.cascade_status).toBeTruthy();
      expect(c.properties.cascade_seniority ?? '').toBe('');
    }
    // The contacts whose seniority was refused still got everything else.
    const withTitle = refused.map((r) => t!.hs.contact(PORTAL, r.contact_id)!).filter((c) => c.properties.jobtitle);
    expect(withTitle.length).toBeGreaterThan(0);
    expect(completedOnce(t.hs, executions.map((e) => e.callbackId))).toBe(true);
  });

  it('sends each run to the timeline when the app event type is configured', async () => {
    t = await installed({ contacts: people.slice(0, 3).map(crmProps), config: { HUBSPOT_APP_EVENT_TYPE: 'cascade_enrichment' }, hubspot: { appEventTypes: ['cascade_enrichment'] } });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    const { executions } = await t.hs.enroll({ portalId: PORTAL, actionUrl: t.actionUrl, contactIds: ids, inputFields: { fields: 'email' }, objectProperties: ['email', 'firstname', 'lastname', 'website'] });
    await eventually(() => completedOnce(t!.hs, executions.map((e) => e.callbackId)), 'callbacks completed');
    await eventually(() => t!.hs.timelineEvents().length === ids.length, 'timeline events sent');
    const ev = t.hs.timelineEvents()[0]!;
    expect(ev.eventTypeName).toBe('cascade_enrichment');
    expect(ev.properties.steps).toMatch(/apollo|hunter/);
    // The trail exists in Cascade's own database too.
    expect((await t.tdb.db.knex('audit_events').where({ portal_id: PORTAL, type: 'run.finished' })).length).toBe(ids.length);
  });
});
