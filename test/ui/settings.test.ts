// The settings page's API over real HTTP: who may change anything (a super admin of this portal, as
// HubSpot says — not what the extension claims), vendor keys that are never shown or logged beyond
// their last 4 characters, connection tests against the vendor sandbox, waterfall / policy / caps
// with field-level errors, and one audit event per change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTAL, eventually, installed, uiFetch } from '../helpers/hubspot.ts';
import type { Installed, UiAnswer, UiCall } from '../helpers/hubspot.ts';
import { APOLLO_KEY_A, APOLLO_KEY_B, HUNTER_KEY_A, backend } from '../helpers/env.ts';
import { createLogger } from '../../server/log.ts';
import { defaultWaterfall } from '../../server/enrichment/default-waterfall.ts';
import type { ApiError, KeyRemovedView, KeySavedView, SettingsView, TestKeyResult } from '../../extensions/src/api/contract.ts';

const OTHER_PORTAL = 626262;
const NEW_KEY = APOLLO_KEY_B; // a key the Apollo sandbox accepts
const BAD_KEY = 'apollo-wrong-key-7777';

let t: Installed;
let admin: string;
let member: string;
let outsider: string;
const logLines: string[] = [];
const responses: string[] = [];

beforeAll(async () => {
  const log = createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
  t = await installed({ log });
  admin = String(t.hs.addUser(PORTAL, { superAdmin: true }).id);
  member = String(t.hs.addUser(PORTAL).id);
  t.hs.addPortal(OTHER_PORTAL);
  outsider = String(t.hs.addUser(OTHER_PORTAL, { superAdmin: true }).id);
});
afterAll(async () => {
  await t?.close();
});

async function ui<T>(call: UiCall): Promise<UiAnswer<T>> {
  const r = await uiFetch<T>(t.url, call);
  responses.push(r.text);
  return r;
}
const as = (userId: string, portalId = PORTAL) => ({ portalId, userId });
const settings = (userId: string) => ui<SettingsView>({ path: '/ui/settings', query: as(userId) });
const write = <T>(userId: string, method: 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown) => ui<T>({ method, path, query: as(userId), body });
const audits = async (type: string) => t.tdb.db.knex('audit_events').where({ portal_id: PORTAL, type }).orderBy('id');

describe(`UI settings API (${backend})`, () => {
  it('shows the settings to anyone in the portal; isAdmin only for a super admin, checked with HubSpot and cached', async () => {
    const usersCalls = () => t.hs.calls.filter((c) => c.path.startsWith('/settings/v3/users/')).length;
    const before = usersCalls();
    const a = await settings(admin);
    expect(a.status).toBe(200);
    expect(a.body.isAdmin).toBe(true);
    expect(a.body.installed).toBe(true);
    expect(a.body.vendors.map((v) => v.id)).toEqual(expect.arrayContaining(['apollo', 'hunter', 'pdl', 'lusha']));
    expect(a.body.vendors.find((v) => v.id === 'apollo')?.key?.last4).toBe(APOLLO_KEY_A.slice(-4));
    expect(a.body.vendors.find((v) => v.id === 'pdl')?.key).toBeNull();
    const op = a.body.vendors.find((v) => v.id === 'apollo')!.operations.find((o) => o.id === 'people_match')!;
    expect(op.costCents).toBeGreaterThan(0);
    expect(op.groups).toContain('person');
    expect(a.body.waterfall.email[0]).toEqual({ vendor: 'apollo', operation: 'people_match' });
    expect(a.body.waterfallIsDefault.email).toBe(false);
    expect(a.body.fields.find((f) => f.field === 'job_title')).toEqual({ field: 'job_title', property: 'jobtitle', label: 'Job title' });
    expect(a.body).toMatchObject({ writePolicy: { default: 'fill_if_empty', fields: {} }, cacheTtlDays: 90, missTtlDays: 14, onCap: 'skip_vendor', caps: [], alertWebhookUrl: null });
    await settings(admin);
    expect(usersCalls() - before).toBe(1); // the second load was answered from the cache

    expect((await settings(member)).body.isAdmin).toBe(false);
    // A super admin of another portal is not an admin of this one: HubSpot does not know them here.
    expect((await settings(outsider)).body.isAdmin).toBe(false);
    const notInstalled = await ui<SettingsView>({ path: '/ui/settings', query: as(outsider, OTHER_PORTAL) });
    expect(notInstalled.body).toMatchObject({ installed: false, installUrl: `${t.url}/oauth/install`, isAdmin: false });
  });

  it('saves, replaces and removes a key showing only its last 4 characters; the key is in no answer and no log line', async () => {
    const saved = await write<KeySavedView>(admin, 'PUT', '/ui/settings/keys/pdl', { key: 'pdl-fresh-key-5678' });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ vendor: 'pdl', last4: '5678', isAdmin: true });
    expect(saved.body.vendors.find((v) => v.id === 'pdl')?.key?.last4).toBe('5678');

    const replaced = await write<KeySavedView>(admin, 'PUT', '/ui/settings/keys/apollo', { key: NEW_KEY });
    expect(replaced.body.last4).toBe(NEW_KEY.slice(-4));
    expect((await settings(admin)).body.vendors.find((v) => v.id === 'apollo')?.key?.last4).toBe(NEW_KEY.slice(-4));
    const replacedAudit = (await audits('settings.key_saved')).find((e) => e.detail.vendor === 'apollo');
    expect(replacedAudit?.detail).toMatchObject({ userId: admin, vendor: 'apollo', last4: NEW_KEY.slice(-4), replaced: true, previousLast4: APOLLO_KEY_A.slice(-4) });

    const removed = await write<KeyRemovedView>(admin, 'DELETE', '/ui/settings/keys/pdl');
    expect(removed.body).toMatchObject({ vendor: 'pdl', removed: true });
    expect(removed.body.vendors.find((v) => v.id === 'pdl')?.key).toBeNull();
    expect((await write<KeyRemovedView>(admin, 'DELETE', '/ui/settings/keys/pdl')).body.removed).toBe(false);

    const unknown = await write<ApiError>(admin, 'PUT', '/ui/settings/keys/acme', { key: 'whatever-key-1234' });
    expect([unknown.status, unknown.body.field]).toEqual([400, 'vendor']);
    const short = await write<ApiError>(admin, 'PUT', '/ui/settings/keys/pdl', { key: 'abc' });
    expect([short.status, short.body.field]).toEqual([400, 'key']);
    expect(short.text).not.toContain('"abc"');

    // Through every answer and every log line so far, no key appears in full.
    await write<TestKeyResult>(admin, 'POST', '/ui/settings/keys/apollo/test', { key: BAD_KEY });
    for (const secret of [NEW_KEY, 'pdl-fresh-key-5678', APOLLO_KEY_A, HUNTER_KEY_A, BAD_KEY]) {
      expect(responses.filter((r) => r.includes(secret))).toEqual([]);
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
    }
    expect(logLines.length).toBeGreaterThan(0);
    const keyAudits = await t.tdb.db.knex('audit_events').where({ portal_id: PORTAL }).andWhere('type', 'like', 'settings.key%');
    for (const e of keyAudits) for (const secret of [NEW_KEY, 'pdl-fresh-key-5678', BAD_KEY]) expect(JSON.stringify(e.detail)).not.toContain(secret);
  });

  it('tests a key against the vendor sandbox: the stored one, a good candidate, a bad one', async () => {
    const stored = await write<TestKeyResult>(admin, 'POST', '/ui/settings/keys/hunter/test', {});
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ vendor: 'hunter', ok: true });
    const good = await write<TestKeyResult>(admin, 'POST', '/ui/settings/keys/apollo/test', { key: APOLLO_KEY_A });
    expect(good.body.ok).toBe(true);
    const bad = await write<TestKeyResult>(admin, 'POST', '/ui/settings/keys/apollo/test', { key: BAD_KEY });
    expect(bad.status).toBe(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.status).toBe('invalid_key');
    expect(bad.body.message).not.toContain(BAD_KEY);
    expect(bad.body.message.length).toBeGreaterThan(10);
    const none = await write<TestKeyResult>(admin, 'POST', '/ui/settings/keys/lusha/test');
    expect(none.body.ok).toBe(false);
    // Testing changes nothing: the stored Apollo key is still the one saved before.
    expect((await settings(admin)).body.vendors.find((v) => v.id === 'apollo')?.key?.last4).toBe(NEW_KEY.slice(-4));
    const tested = await audits('settings.key_tested');
    expect(tested.map((e) => [e.detail.vendor, e.detail.ok, e.detail.userId])).toEqual(expect.arrayContaining([['apollo', false, admin], ['apollo', true, admin], ['hunter', true, admin]]));
  });

  it('refuses every write from a non-admin or a user of another portal, and changes nothing', async () => {
    const before = await settings(admin);
    const auditCount = Number((await t.tdb.db.knex('audit_events').where({ portal_id: PORTAL }).count<{ n: string }[]>('* as n'))[0]!.n);
    const attempts: [string, 'PUT' | 'POST' | 'DELETE', string, unknown][] = [
      ['key', 'PUT', '/ui/settings/keys/hunter', { key: 'hunter-attacker-key-1' }],
      ['delete', 'DELETE', '/ui/settings/keys/hunter', undefined],
      ['test', 'POST', '/ui/settings/keys/hunter/test', {}],
      ['waterfall', 'PUT', '/ui/settings/waterfall', { group: 'email', steps: [{ vendor: 'hunter', operation: 'email_finder' }] }],
      ['policy', 'PUT', '/ui/settings/policy', { onCap: 'pause' }],
      ['caps', 'PUT', '/ui/settings/caps', { caps: [{ scope: 'total', period: 'day', capCents: 1 }], alertWebhookUrl: null }],
    ];
    for (const userId of [member, outsider]) {
      for (const [what, method, path, body] of attempts) {
        const r = await write<ApiError>(userId, method, path, body);
        expect([what, r.status, r.body.error]).toEqual([what, 403, 'not_admin']);
      }
    }
    const after = await settings(admin);
    expect(after.body).toEqual(before.body);
    expect(Number((await t.tdb.db.knex('audit_events').where({ portal_id: PORTAL }).count<{ n: string }[]>('* as n'))[0]!.n)).toBe(auditCount);
  });

  it('waterfall: a step that cannot serve the group is named; a new order is saved; [] restores the default', async () => {
    const bad = await write<ApiError>(admin, 'PUT', '/ui/settings/waterfall', {
      group: 'email',
      steps: [{ vendor: 'hunter', operation: 'email_finder' }, { vendor: 'apollo', operation: 'organization_enrich' }],
    });
    expect([bad.status, bad.body.error, bad.body.field]).toEqual([400, 'invalid_body', 'steps[1].operation']);
    const unknownOp = await write<ApiError>(admin, 'PUT', '/ui/settings/waterfall', { group: 'email', steps: [{ vendor: 'hunter', operation: 'mind_reading' }] });
    expect(unknownOp.body.field).toBe('steps[0].operation');
    const badGroup = await write<ApiError>(admin, 'PUT', '/ui/settings/waterfall', { group: 'fax', steps: [] });
    expect(badGroup.body.field).toBe('group');

    const order = [{ vendor: 'hunter', operation: 'email_finder' }, { vendor: 'apollo', operation: 'people_match' }];
    const saved = await write<SettingsView>(admin, 'PUT', '/ui/settings/waterfall', { group: 'email', steps: order });
    expect(saved.status).toBe(200);
    expect(saved.body.waterfall.email).toEqual(order);
    const reset = await write<SettingsView>(admin, 'PUT', '/ui/settings/waterfall', { group: 'email', steps: [] });
    expect(reset.body.waterfallIsDefault.email).toBe(true);
    expect(reset.body.waterfall.email).toEqual(defaultWaterfall(t.cascade.deps.adapters).email);
    const events = await audits('settings.waterfall_changed');
    expect(events.map((e) => e.detail.to)).toEqual([['hunter.email_finder', 'apollo.people_match'], defaultWaterfall(t.cascade.deps.adapters).email.map((s) => `${s.vendor}.${s.operation}`)]);
    expect(events[0]!.detail).toMatchObject({ userId: admin, group: 'email', from: ['apollo.people_match', 'hunter.email_finder'] });
  });

  it('policy: any subset, bad values named, each change recorded old → new', async () => {
    const bad = await write<ApiError>(admin, 'PUT', '/ui/settings/policy', { cacheTtlDays: 0, writePolicy: { default: 'sometimes', fields: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems?.map((p) => p.field).sort()).toEqual(['cacheTtlDays', 'writePolicy.default']);
    const unknownField = await write<ApiError>(admin, 'PUT', '/ui/settings/policy', { writePolicy: { default: 'overwrite', fields: { shoe_size: 'never' } } });
    expect(unknownField.body.field).toMatch(/^writePolicy\.fields/);
    const saved = await write<SettingsView>(admin, 'PUT', '/ui/settings/policy', { writePolicy: { default: 'fill_if_empty', fields: { job_title: 'overwrite' } }, missTtlDays: 7, onCap: 'pause' });
    expect(saved.body).toMatchObject({ writePolicy: { default: 'fill_if_empty', fields: { job_title: 'overwrite' } }, missTtlDays: 7, onCap: 'pause', cacheTtlDays: 90 });
    const [event] = await audits('settings.policy_changed');
    expect(event!.detail).toEqual({
      userId: admin,
      changes: { 'writePolicy.fields.job_title': { from: null, to: 'overwrite' }, missTtlDays: { from: 14, to: 7 }, onCap: { from: 'skip_vendor', to: 'pause' } },
    });
  });

  it('caps: bad caps are named, the list replaces the caps, spend is shown, the alert URL must be https', async () => {
    const bad = await write<ApiError>(admin, 'PUT', '/ui/settings/caps', { caps: [{ scope: 'total', period: 'day', capCents: -5 }], alertWebhookUrl: null });
    expect([bad.status, bad.body.field]).toEqual([400, 'caps[0].capCents']);
    const fractional = await write<ApiError>(admin, 'PUT', '/ui/settings/caps', { caps: [{ scope: 'total', period: 'day', capCents: 100 }, { scope: 'apollo', period: 'month', capCents: 1.5 }], alertWebhookUrl: null });
    expect(fractional.body.field).toBe('caps[1].capCents');
    const scope = await write<ApiError>(admin, 'PUT', '/ui/settings/caps', { caps: [{ scope: 'acme', period: 'day', capCents: 100 }], alertWebhookUrl: null });
    expect(scope.body.field).toBe('caps[0].scope');
    const twice = await write<ApiError>(admin, 'PUT', '/ui/settings/caps', { caps: [{ scope: 'total', period: 'day', capCents: 1 }, { scope: 'total', period: 'day', capCents: 2 }], alertWebhookUrl: null });
    expect(twice.body.field).toBe('caps[1].period');
    const http = await write<ApiError>(admin, 'PUT', '/ui/settings/caps', { caps: [], alertWebhookUrl: 'http://hooks.example.com/x' });
    expect(http.body.field).toBe('alertWebhookUrl');

    const url = 'https://hooks.example.com/services/T000/B000/secretpart';
    const saved = await write<SettingsView>(admin, 'PUT', '/ui/settings/caps', {
      caps: [{ scope: 'total', period: 'day', capCents: 500 }, { scope: 'apollo', period: 'month', capCents: 10_000 }],
      alertWebhookUrl: url,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.caps).toEqual([
      { scope: 'total', period: 'day', capCents: 500, spentCents: 0 },
      { scope: 'apollo', period: 'month', capCents: 10_000, spentCents: 0 },
    ]);
    expect(saved.body.alertWebhookUrl).toBe(url);
    // A member sees that an alert URL is set, not the URL (it is a credential of its own).
    expect((await settings(member)).body.alertWebhookUrl).toBe('https://hooks.example.com/…');
    const [event] = await audits('settings.caps_changed');
    expect(event!.detail).toEqual({ userId: admin, from: [], to: ['apollo/month=10000', 'total/day=500'], alertWebhook: { from: null, to: 'hooks.example.com' } });
    expect(JSON.stringify(event!.detail)).not.toContain('secretpart');

    const cleared = await write<SettingsView>(admin, 'PUT', '/ui/settings/caps', { caps: [], alertWebhookUrl: null });
    expect(cleared.body).toMatchObject({ caps: [], alertWebhookUrl: null });
    expect(await audits('settings.caps_changed')).toHaveLength(2);
  });

  it('a write to a portal that has not installed is 409; a portal whose grant lacks the users scope is told to reinstall', async () => {
    const notInstalled = await write<ApiError>(outsider, 'PUT', '/ui/settings/policy', { onCap: 'pause' });
    expect(notInstalled.status).toBe(403); // asked about PORTAL: the outsider is not its admin
    const other = await ui<ApiError>({ method: 'PUT', path: '/ui/settings/policy', query: as(outsider, OTHER_PORTAL), body: { onCap: 'pause' } });
    expect([other.status, other.body.error]).toEqual([409, 'not_installed']);

    // OTHER_PORTAL installs with a grant made before settings.users.read was required.
    const grant = t.hs.issueTokens(OTHER_PORTAL, ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'automation']);
    await t.cascade.hubspot.tokens.save(OTHER_PORTAL, grant);
    await eventually(async () => (await ui<ApiError>({ method: 'PUT', path: '/ui/settings/policy', query: as(outsider, OTHER_PORTAL), body: { onCap: 'pause' } })).status !== 409, 'install seen');
    const scope = await ui<ApiError>({ method: 'PUT', path: '/ui/settings/policy', query: as(outsider, OTHER_PORTAL), body: { onCap: 'pause' } });
    expect([scope.status, scope.body.error]).toEqual([403, 'scope_missing']);
    expect(scope.body.message).toMatch(/reinstall/);
    expect((await ui<SettingsView>({ path: '/ui/settings', query: as(outsider, OTHER_PORTAL) })).body.isAdmin).toBe(false);
  });

  it('recorded one audit event per change, each naming the user, none holding a key', async () => {
    const events = await t.tdb.db.knex('audit_events').where({ portal_id: PORTAL }).andWhere('type', 'like', 'settings.%').orderBy('id');
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    expect(counts).toEqual({
      'settings.key_saved': 2, // pdl added, apollo replaced
      'settings.key_removed': 1, // the second removal removed nothing
      'settings.key_tested': 5,
      'settings.waterfall_changed': 2,
      'settings.policy_changed': 1,
      'settings.caps_changed': 2,
    });
    for (const e of events) expect(e.detail.userId).toBe(admin);
  });
});
