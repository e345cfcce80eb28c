// Running the integration: webhook deliveries (v3 only, each event once), the scheduled jobs (token
// refresh sweep, cache retention, the opt-in refresh of stale contacts under CRM search's limit),
// /metrics, and a shutdown that sends what the outbox still holds.
import { afterEach, describe, expect, it } from 'vitest';
import { generateContacts } from '../../sandbox/world.ts';
import { signV1, signV3 } from '../../server/hubspot/signature.ts';
import { saveSettings } from '../../server/enrichment/settings.ts';
import { refreshStaleContacts, purgeExpiredCache } from '../../server/jobs/hubspot-jobs.ts';
import { APOLLO_FIRST_WATERFALL, backend } from '../helpers/env.ts';
import { CLIENT_SECRET, PORTAL, crmProps, eventually, installed } from '../helpers/hubspot.ts';
import type { Installed } from '../helpers/hubspot.ts';

const people = generateContacts(60, 8, 'hubspot-ops').filter((c) => c.email);

let t: Installed | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

function signedWebhook(url: string, events: unknown, opts: { v3?: boolean } = {}) {
  const raw = JSON.stringify(events);
  const ts = String(Date.now());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-hubspot-signature': signV1(CLIENT_SECRET, raw),
    'x-hubspot-signature-version': 'v1',
  };
  if (opts.v3 !== false) {
    headers['x-hubspot-signature-v3'] = signV3(CLIENT_SECRET, 'POST', url, raw, ts);
    headers['x-hubspot-request-timestamp'] = ts;
  }
  return { method: 'POST', headers, body: raw };
}

const enrollAll = async (x: Installed, fields = 'email') => {
  const ids = x.hs.contacts(PORTAL).map((c) => c.id);
  const { executions } = await x.hs.enroll({ portalId: PORTAL, actionUrl: x.actionUrl, contactIds: ids, inputFields: { fields }, objectProperties: ['email', 'firstname', 'lastname', 'company', 'website'] });
  return { ids, callbackIds: executions.map((e) => e.callbackId) };
};

const allCompleted = (x: Installed, ids: string[]) => {
  const byId = new Map(x.hs.callbacks().map((c) => [c.callbackId, c]));
  return ids.every((id) => byId.get(id)?.state === 'completed' && byId.get(id)?.completions === 1);
};

describe(`HubSpot operations (${backend})`, () => {
  it('webhooks: v3 required, bad events named, deletion purges once, other events only recorded', async () => {
    t = await installed({ contacts: people.slice(0, 2).map(crmProps) });
    const { ids, callbackIds } = await enrollAll(t, 'email,person');
    await eventually(() => allCompleted(t!, callbackIds), 'callbacks completed');
    const knex = t.tdb.db.knex;
    const deletion = [{ eventId: 77, subscriptionId: 3, portalId: PORTAL, occurredAt: Date.now(), subscriptionType: 'contact.deletion', attemptNumber: 0, objectId: Number(ids[0]) }];

    const v1Only = await fetch(t.webhookUrl, signedWebhook(t.webhookUrl, deletion, { v3: false }));
    expect(v1Only.status).toBe(401);
    expect((await knex('enrichment_runs').whereNotNull('purged_at')).length).toBe(0);

    const bad = await fetch(t.webhookUrl, signedWebhook(t.webhookUrl, [{ ...deletion[0], portalId: 'abc' }]));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { problems: { field: string }[] }).problems.map((p) => p.field)).toContain('[0].portalId');

    const other = [{ ...deletion[0], eventId: 78, subscriptionType: 'contact.propertyChange', objectId: Number(ids[1]) }];
    const ok = await fetch(t.webhookUrl, signedWebhook(t.webhookUrl, [...deletion, ...other]));
    expect(await ok.json()).toEqual({ received: 2, applied: 2, duplicates: 0 });
    const again = await fetch(t.webhookUrl, signedWebhook(t.webhookUrl, deletion));
    expect(await again.json()).toEqual({ received: 1, applied: 0, duplicates: 1 });
    const purged = await knex('enrichment_runs').whereNotNull('purged_at').select('contact_id');
    expect(purged.map((r) => r.contact_id)).toEqual([ids[0]]);
    expect(await knex('audit_events').where({ portal_id: PORTAL, type: 'contact.purged' })).toHaveLength(1);
  });

  it('scheduled refresh: only stale contacts, each once per slot, never more than 4 searches in a second', async () => {
    const now = Date.now();
    const old = new Date(now - 200 * 86_400_000).toISOString();
    const recent = new Date(now - 2 * 86_400_000).toISOString();
    t = await installed({ contacts: [] });
    // Contacts enriched long ago and lately (the install created cascade_enriched_at).
    const stale = people.slice(0, 12).map((p) => t!.hs.createContact(PORTAL, { ...crmProps(p), cascade_enriched_at: old }));
    for (const p of people.slice(12, 18)) t.hs.createContact(PORTAL, { ...crmProps(p), cascade_enriched_at: recent });
    await saveSettings(t.tdb.db.knex, PORTAL, { waterfall: APOLLO_FIRST_WATERFALL, scheduled_refresh: { enabled: true, stale_after_days: 90, max_contacts: 100, groups: ['email'] } });
    const deps = { api: t.cascade.hubspot.api, gate: t.cascade.deps.gate, trigger: t.cascade.trigger };
    const slot = '2026-11-23T10:23:00.000Z';
    const pass = await refreshStaleContacts(t.tdb.db.knex, deps, PORTAL, slot, now, 2);
    expect(pass).toEqual({ found: 12, triggered: 12 });
    const triggered = await t.tdb.db.knex('run_triggers').where({ portal_id: PORTAL, source: 'schedule' });
    expect(triggered.map((r) => r.idempotency_key.split(':').pop()).sort()).toEqual([...stale].sort());
    // The same slot again (a second instance, a restart) triggers nothing new.
    const again = await refreshStaleContacts(t.tdb.db.knex, deps, PORTAL, slot, now, 2);
    expect(again.triggered).toBe(0);
    const searches = t.hs.calls.filter((c) => c.path.endsWith('/contacts/search')).map((c) => c.at);
    expect(searches.length).toBeGreaterThanOrEqual(6);
    for (let i = 4; i < searches.length; i++) expect(searches[i]! - searches[i - 4]!).toBeGreaterThanOrEqual(1000);
    expect(t.hs.calls.filter((c) => c.status === 429)).toHaveLength(0);
  });

  it('token refresh sweep and cache retention run as scheduled jobs', async () => {
    t = await installed({ contacts: people.slice(0, 1).map(crmProps) });
    const knex = t.tdb.db.knex;
    await knex('hubspot_tokens').where({ portal_id: PORTAL }).update({ expires_at: new Date(Date.now() + 60_000) });
    const sweep = t.cascade.jobs.find((j) => j.name === 'hubspot-token-refresh')!;
    const result = (await sweep.run(knex)) as { refreshed: number[] };
    expect(result.refreshed).toEqual([PORTAL]);
    const row = await knex('hubspot_tokens').where({ portal_id: PORTAL }).first();
    expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now() + 20 * 60_000);

    const day = 86_400_000;
    const base = { portal_id: PORTAL, vendor: 'apollo', operation: 'people_match', state: 'hit', result: JSON.stringify({}) };
    await knex('vendor_cache').insert([
      { ...base, lookup_hash: 'long-expired', expires_at: new Date(Date.now() - 3 * day) },
      { ...base, lookup_hash: 'just-expired', expires_at: new Date(Date.now() - 60_000) },
      { ...base, lookup_hash: 'fresh', expires_at: new Date(Date.now() + day) },
    ]);
    expect(await purgeExpiredCache(knex)).toBe(1);
    const left = await knex('vendor_cache').whereIn('lookup_hash', ['long-expired', 'just-expired', 'fresh']).pluck('lookup_hash');
    expect(left.sort()).toEqual(['fresh', 'just-expired']);
  });

  it('/metrics shows runs, HubSpot calls, action requests, cache hit ratio and queue depth', async () => {
    t = await installed({ contacts: people.slice(0, 3).map(crmProps) });
    const { callbackIds } = await enrollAll(t);
    await eventually(() => allCompleted(t!, callbackIds), 'callbacks completed');
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const value = (re: RegExp) => Number(text.match(re)?.[1] ?? NaN);
    expect(value(/cascade_workflow_action_requests_total\{result="accepted"\} (\d+)/)).toBe(3);
    expect(value(/cascade_runs\{state="done",status="[a-z_]+"\} (\d+)/)).toBeGreaterThan(0);
    expect(value(/cascade_hubspot_calls_total\{operation="contacts.batch.update",status="2xx"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/cascade_hubspot_calls_total\{operation="callbacks.complete.batch",status="2xx"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/cascade_cache_hit_ratio \d/);
    expect(value(/cascade_queue_depth\{queue="outbox_callback_complete"\} (\d+)/) || 0).toBe(0);
    expect(text).toMatch(/cascade_vendor_requests_total\{vendor="apollo"/);
  });

  it('a shutdown sends what the outbox holds: no callback is left waiting', async () => {
    t = await installed({ contacts: people.slice(0, 6).map(crmProps), config: { OUTBOX_FLUSH_DELAY_MS: '300000' } });
    const { callbackIds } = await enrollAll(t);
    await eventually(async () => (await t!.tdb.db.knex('enrichment_runs').whereNot({ state: 'done' })).length === 0, 'runs finished');
    // Nothing left yet: the batch was waiting to fill.
    expect(t.hs.callbacks().filter((c) => c.state === 'completed')).toHaveLength(0);
    await t.stopCascade();
    expect(allCompleted(t, callbackIds)).toBe(true);
  });
});
