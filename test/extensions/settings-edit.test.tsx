import { Alert, Button, CurrencyInput, Flex, Input, NumberInput, Select, Table, TableBody, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PutCapsRequest, PutPolicyRequest, PutWaterfallRequest } from '../../extensions/src/api/contract.ts';
import { fire, textOf } from './helpers.tsx';
import { settingsView } from './fixtures.ts';
import { IDS, openSettings, settingsBackend } from './settings-setup.tsx';
import type { SettingsRenderer } from './settings-setup.tsx';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The step rows of a group's table as "Vendor / Operation". */
function steps(r: SettingsRenderer, group: string): string[] {
  const table = r.findByTestId(Flex, `waterfall-${group}`).maybeFind(Table);
  if (!table) return [];
  return table
    .find(TableBody)
    .findAll(TableRow)
    .map((row) => {
      const cells = row.childNodes.map((c) => (c.nodeType === 'element' ? textOf(c) : c.text));
      return `${cells[1]} / ${cells[2]}`;
    });
}

describe('Waterfall', () => {
  it("shows each group's steps with vendor, operation and cost, and which groups use the default", async () => {
    settingsBackend();
    const r = await openSettings('waterfall');
    await r.waitFor(() => r.findByTestId(Button, 'save-person'));
    expect(steps(r, 'person')).toEqual(['Apollo / Person match', 'People Data Labs / Person enrichment']);
    expect(steps(r, 'email_verification')).toEqual(['Hunter / Email verifier']);
    expect(textOf(r.findByTestId(Flex, 'waterfall-email_verification'))).toContain('$0.0025 (also charged on a miss)');
    expect(r.findByTestId(Flex, 'waterfall-email').maybeFind(Tag)?.text).toBe('Default order');
    expect(r.findByTestId(Flex, 'waterfall-person').maybeFind(Tag)).toBeNull();
    expect(textOf(r.findByTestId(Flex, 'waterfall-phone'))).toContain('No steps');
  });

  it('reorders, removes and adds steps, then saves that group with PUT', async () => {
    const api = settingsBackend().on('PUT', '/ui/settings/waterfall', (req) => {
      const body = req.body as PutWaterfallRequest;
      const view = settingsView();
      return { body: { ...view, waterfall: { ...view.waterfall, [body.group]: body.steps }, waterfallIsDefault: { ...view.waterfallIsDefault, [body.group]: false } } };
    });
    const r = await openSettings('waterfall');
    await r.waitFor(() => r.findByTestId(Button, 'save-email'));
    expect(r.findByTestId(Button, 'save-email').props.disabled).toBe(true);

    // email: [hunter] → add apollo → move apollo up → [apollo, hunter]
    const add = r.findByTestId(Select, 'add-email');
    expect(add.props.options).toEqual([{ label: 'Apollo — Person match', value: 'apollo:person_match' }]);
    fire(add, 'onChange', 'apollo:person_match');
    expect(steps(r, 'email')).toEqual(['Hunter / Email finder', 'Apollo / Person match']);
    r.findByTestId(Button, 'up-email-1').trigger('onClick');
    expect(steps(r, 'email')).toEqual(['Apollo / Person match', 'Hunter / Email finder']);
    // Everything serving the group is in the list now: nothing left to add.
    expect(r.maybeFindByTestId(Select, 'add-email')).toBeNull();
    r.findByTestId(Button, 'save-email').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'waterfall-email-done'));
    expect(api.to('PUT', '/ui/settings/waterfall')).toEqual([
      {
        method: 'PUT',
        path: '/ui/settings/waterfall',
        query: IDS,
        timeout: 10_000,
        body: { group: 'email', steps: [{ vendor: 'apollo', operation: 'person_match' }, { vendor: 'hunter', operation: 'email_finder' }] },
      },
    ]);
    expect(r.findByTestId(Button, 'save-email').props.disabled).toBe(true);
    expect(r.findByTestId(Flex, 'waterfall-email').maybeFind(Tag)).toBeNull();

    // person: remove the first step, move nothing, save.
    r.findByTestId(Button, 'remove-person-0').trigger('onClick');
    expect(steps(r, 'person')).toEqual(['People Data Labs / Person enrichment']);
    r.findByTestId(Button, 'save-person').trigger('onClick');
    await r.waitFor(() => expect(api.to('PUT', '/ui/settings/waterfall')).toHaveLength(2));
    expect(api.to('PUT', '/ui/settings/waterfall')[1]!.body).toEqual({ group: 'person', steps: [{ vendor: 'pdl', operation: 'person_enrich' }] });
  });

  it('"Reset to default" sends an empty list for that group', async () => {
    const api = settingsBackend().on('PUT', '/ui/settings/waterfall', { body: settingsView({ waterfallIsDefault: { email: true, email_verification: true, person: true, company: true, phone: true } }) });
    const r = await openSettings('waterfall');
    await r.waitFor(() => r.findByTestId(Button, 'reset-person'));
    expect(r.findByTestId(Button, 'reset-email').props.disabled).toBe(true); // already the default
    r.findByTestId(Button, 'reset-person').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'waterfall-person-done'));
    expect(r.findByTestId(Alert, 'waterfall-person-done').text).toBe('Person order reset to the default.');
    expect(api.to('PUT', '/ui/settings/waterfall')[0]!.body).toEqual({ group: 'person', steps: [] });
    expect(r.findByTestId(Button, 'reset-person').props.disabled).toBe(true);
    expect(r.findByTestId(Flex, 'waterfall-person').maybeFind(Tag)?.text).toBe('Default order');
  });

  it('discards unsaved changes on request', async () => {
    settingsBackend();
    const r = await openSettings('waterfall');
    await r.waitFor(() => r.findByTestId(Button, 'down-person-0'));
    r.findByTestId(Button, 'down-person-0').trigger('onClick');
    expect(steps(r, 'person')).toEqual(['People Data Labs / Person enrichment', 'Apollo / Person match']);
    r.findByTestId(Button, 'discard-person').trigger('onClick');
    expect(steps(r, 'person')).toEqual(['Apollo / Person match', 'People Data Labs / Person enrichment']);
  });
});

describe('Caps & alerts', () => {
  const capInput = (r: SettingsRenderer, scope: string, period: string) => r.findByTestId(CurrencyInput, `cap-${scope}-${period}`);

  it('shows caps in dollars with the current spend next to each', async () => {
    settingsBackend();
    const r = await openSettings('caps');
    await r.waitFor(() => r.findByTestId(Button, 'caps-save'));
    expect(capInput(r, 'total', 'day').props.value).toBe(50);
    expect(capInput(r, 'apollo', 'month').props.value).toBe(100);
    expect(capInput(r, 'hunter', 'day').props.value).toBeUndefined();
    expect(r.findByTestId(Text, 'spent-total-day').text).toBe('$1.23');
    expect(r.findByTestId(Text, 'spent-apollo-month').text).toBe('$25.00');
    expect(r.findByTestId(Text, 'spent-hunter-day').text).toBe('—');
    expect(r.findByTestId(Select, 'on-cap').props.value).toBe('skip_vendor');
  });

  it('shows spend for uncapped scopes when the backend lists it', async () => {
    settingsBackend({ spend: [{ scope: 'hunter', period: 'day', spentCents: 42 }] });
    const r = await openSettings('caps');
    await r.waitFor(() => expect(r.findByTestId(Text, 'spent-hunter-day').text).toBe('$0.42'));
  });

  it('saves caps as whole cents with the webhook URL, and the on-cap choice through the policy route', async () => {
    const api = settingsBackend()
      .on('PUT', '/ui/settings/caps', (req) => ({ body: settingsView({ alertWebhookUrl: (req.body as PutCapsRequest).alertWebhookUrl }) }))
      .on('PUT', '/ui/settings/policy', (req) => ({ body: settingsView({ onCap: (req.body as PutPolicyRequest).onCap! }) }));
    const r = await openSettings('caps');
    await r.waitFor(() => r.findByTestId(Button, 'caps-save'));
    fire(capInput(r, 'hunter', 'day'), 'onChange', 12.5);
    fire(capInput(r, 'apollo', 'month'), 'onChange', Number.NaN); // cleared: no cap
    fire(r.findByTestId(Input, 'alert-webhook'), 'onInput', ' https://hooks.example.com/T1/B2 ');
    fire(r.findByTestId(Select, 'on-cap'), 'onChange', 'pause');
    r.findByTestId(Button, 'caps-save').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'caps-done'));
    expect(api.to('PUT', '/ui/settings/caps')).toEqual([
      {
        method: 'PUT',
        path: '/ui/settings/caps',
        query: IDS,
        timeout: 10_000,
        body: {
          caps: [
            { scope: 'total', period: 'day', capCents: 5000 },
            { scope: 'hunter', period: 'day', capCents: 1250 },
          ],
          alertWebhookUrl: 'https://hooks.example.com/T1/B2',
        },
      },
    ]);
    expect(api.to('PUT', '/ui/settings/policy').map((c) => c.body)).toEqual([{ onCap: 'pause' }]);
    expect(r.findByTestId(Select, 'on-cap').props.value).toBe('pause');
  });

  it('does not touch the policy when the on-cap choice is unchanged, and sends null for an empty webhook', async () => {
    const api = settingsBackend({ alertWebhookUrl: 'https://hooks.example.com/x' }).on('PUT', '/ui/settings/caps', { body: settingsView() });
    const r = await openSettings('caps');
    await r.waitFor(() => r.findByTestId(Button, 'caps-save'));
    fire(r.findByTestId(Input, 'alert-webhook'), 'onInput', '');
    r.findByTestId(Button, 'caps-save').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'caps-done'));
    expect((api.to('PUT', '/ui/settings/caps')[0]!.body as PutCapsRequest).alertWebhookUrl).toBeNull();
    expect(api.to('PUT', '/ui/settings/policy')).toHaveLength(0);
  });

  it("puts a 400's field errors next to the inputs they name", async () => {
    settingsBackend().on('PUT', '/ui/settings/caps', {
      status: 400,
      body: {
        error: 'invalid_body',
        message: 'caps[1].capCents: must be at most 100000000; alertWebhookUrl: must be an https URL',
        field: 'caps[1].capCents',
        problems: [
          { field: 'caps[1].capCents', message: 'must be at most 100000000' },
          { field: 'alertWebhookUrl', message: 'must be an https URL' },
        ],
      },
    });
    const r = await openSettings('caps');
    await r.waitFor(() => r.findByTestId(Button, 'caps-save'));
    fire(capInput(r, 'pdl', 'day'), 'onChange', 5_000_000);
    fire(r.findByTestId(Input, 'alert-webhook'), 'onInput', 'http://insecure.example.com');
    r.findByTestId(Button, 'caps-save').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'caps-error'));
    // The PUT's list is total/day, apollo/month, pdl/day: index 1 is Apollo's monthly cap.
    expect(capInput(r, 'apollo', 'month').props).toMatchObject({ error: true, validationMessage: 'must be at most 100000000' });
    expect(capInput(r, 'pdl', 'day').props.error).toBe(false);
    expect(capInput(r, 'total', 'day').props.error).toBe(false);
    expect(r.findByTestId(Input, 'alert-webhook').props).toMatchObject({ error: true, validationMessage: 'must be an https URL' });
    expect(r.findByTestId(Alert, 'caps-error').text).toContain('must be an https URL');
  });
});

describe('Write policy & cache', () => {
  it('shows the default, per-property overrides and TTLs, and saves them with PUT', async () => {
    const api = settingsBackend().on('PUT', '/ui/settings/policy', (req) => {
      const b = req.body as Required<PutPolicyRequest>;
      return { body: settingsView({ writePolicy: b.writePolicy, cacheTtlDays: b.cacheTtlDays, missTtlDays: b.missTtlDays }) };
    });
    const r = await openSettings('policy');
    await r.waitFor(() => r.findByTestId(Button, 'policy-save'));
    expect(r.findByTestId(Select, 'policy-default').props.value).toBe('fill_if_empty');
    expect(r.findByTestId(Select, 'policy-job_title').props.value).toBe('overwrite');
    expect(r.findByTestId(Select, 'policy-company_name').props.value).toBe('default');
    expect(r.findByTestId(Select, 'policy-company_name').props.options[0]).toEqual({ label: 'Default (Fill only if empty)', value: 'default' });
    expect(textOf(r.findByTestId(Table, 'policy-table'))).toContain('jobtitle');
    expect(r.findByTestId(NumberInput, 'cache-ttl').props.value).toBe(30);

    fire(r.findByTestId(Select, 'policy-default'), 'onChange', 'never');
    fire(r.findByTestId(Select, 'policy-job_title'), 'onChange', 'default');
    fire(r.findByTestId(Select, 'policy-company_name'), 'onChange', 'overwrite');
    fire(r.findByTestId(NumberInput, 'cache-ttl'), 'onChange', 60);
    fire(r.findByTestId(NumberInput, 'miss-ttl'), 'onChange', 3);
    r.findByTestId(Button, 'policy-save').trigger('onClick');
    await r.waitFor(() => r.findByTestId(Alert, 'policy-done'));
    expect(api.to('PUT', '/ui/settings/policy')).toEqual([
      {
        method: 'PUT',
        path: '/ui/settings/policy',
        query: IDS,
        timeout: 10_000,
        body: { writePolicy: { default: 'never', fields: { company_name: 'overwrite' } }, cacheTtlDays: 60, missTtlDays: 3 },
      },
    ]);
    expect(r.findByTestId(Select, 'policy-company_name').props.value).toBe('overwrite');
  });

  it('shows a TTL problem next to its input', async () => {
    settingsBackend().on('PUT', '/ui/settings/policy', {
      status: 400,
      body: { error: 'invalid_body', message: 'cacheTtlDays: must be at most 3650 days', field: 'cacheTtlDays', problems: [{ field: 'cacheTtlDays', message: 'must be at most 3650 days' }] },
    });
    const r = await openSettings('policy');
    await r.waitFor(() => r.findByTestId(Button, 'policy-save'));
    fire(r.findByTestId(NumberInput, 'cache-ttl'), 'onChange', 9999);
    r.findByTestId(Button, 'policy-save').trigger('onClick');
    await r.waitFor(() => expect(r.findByTestId(NumberInput, 'cache-ttl').props.error).toBe(true));
    expect(r.findByTestId(NumberInput, 'cache-ttl').props.validationMessage).toBe('must be at most 3650 days');
    expect(r.findByTestId(NumberInput, 'miss-ttl').props.error).toBe(false);
  });
});
