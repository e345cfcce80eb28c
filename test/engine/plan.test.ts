import { describe, expect, it } from 'vitest';
import { plan, GROUP_ORDER } from '../../server/enrichment/plan.ts';
import { defaultSettings, portalSettingsSchema } from '../../server/enrichment/settings.ts';
import type { VendorAdapter, OperationSpec } from '../../server/vendors/types.ts';

const op = (id: string, groups: OperationSpec['groups']): OperationSpec => ({
  id,
  label: id,
  groups,
  costMillicents: 1000,
  billing: { chargesOnMiss: false, repeatLookupsFree: false },
  rateWindows: [{ limit: 10, windowMs: 1000 }],
  lookup: () => ({ key: 'k', params: {} }),
});
const adapter = (id: string, ops: OperationSpec[]): VendorAdapter => ({
  id,
  displayName: id,
  operations: Object.fromEntries(ops.map((o) => [o.id, o])),
  call: async () => ({ outcome: 'miss', httpStatus: 200, billed: false }),
  testConnection: async () => ({ ok: true, status: 'ok', httpStatus: 200, message: 'ok', checked: 'GET /' }),
});
const adapters = new Map([
  ['apollo', adapter('apollo', [op('people_match', ['email', 'person', 'company']), op('organization_enrich', ['company'])])],
  ['hunter', adapter('hunter', [op('email_finder', ['email', 'phone']), op('email_verifier', ['email_verification']),
    op('people_find', ['person']), op('companies_find', ['company'])])],
]);

describe('planner', () => {
  it('orders groups canonically whatever order they were requested in, verification last', () => {
    const p = plan({ groups: ['email_verification', 'company', 'email'], settings: defaultSettings(), adapters, keyedVendors: new Set(['apollo', 'hunter']) });
    const groups = [...new Set(p.steps.map((s) => s.group))];
    expect(groups).toEqual(['email', 'company', 'email_verification']);
    expect(GROUP_ORDER.at(-1)).toBe('email_verification');
  });

  it("follows the portal's own waterfall order and skips steps for vendors without a key", () => {
    const settings = portalSettingsSchema.parse({
      waterfall: { email: [{ vendor: 'hunter', operation: 'email_finder' }, { vendor: 'apollo', operation: 'people_match' }] },
    });
    const p = plan({ groups: ['email'], settings, adapters, keyedVendors: new Set(['apollo']) });
    expect(p.steps.map((s) => `${s.vendor}.${s.operation}:${s.skip ?? ''}`)).toEqual(['hunter.email_finder:no_key', 'apollo.people_match:']);
  });

  it('ignores unknown vendors and operations that do not serve the group, saying why', () => {
    const settings = portalSettingsSchema.parse({
      waterfall: {
        email: [
          { vendor: 'nobody', operation: 'x' },
          { vendor: 'hunter', operation: 'email_verifier' },
          { vendor: 'hunter', operation: 'email_finder' },
          { vendor: 'hunter', operation: 'email_finder' },
        ],
      },
    });
    const p = plan({ groups: ['email'], settings, adapters, keyedVendors: new Set(['hunter']) });
    expect(p.steps.map((s) => s.operation)).toEqual(['email_finder']);
    expect(p.ignored.map((i) => i.reason)).toEqual(['unknown vendor or operation', 'hunter.email_verifier does not provide email']);
  });

  it('the default waterfall runs only vendors the portal has keys for, recording no skips for the others', () => {
    const p = plan({ groups: ['email', 'company'], settings: defaultSettings(), adapters, keyedVendors: new Set(['hunter']) });
    expect(p.steps.every((s) => s.vendor === 'hunter' && !s.skip)).toBe(true);
    expect(p.steps.map((s) => s.operation)).toEqual(['email_finder', 'companies_find']);
  });

  it('plans nothing for no groups', () => {
    expect(plan({ groups: [], settings: defaultSettings(), adapters, keyedVendors: new Set() }).steps).toEqual([]);
  });
});

describe('portal settings', () => {
  it('names the bad field in its error', () => {
    const r = portalSettingsSchema.safeParse({ on_cap: 'explode', cache_ttl_days: -1, write_policy: { fields: { jobtitle: 'overwrite' } } });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('on_cap');
    expect(paths).toContain('cache_ttl_days');
    expect(paths.some((p) => p.startsWith('write_policy.fields'))).toBe(true);
  });

  it('rejects unknown keys instead of silently ignoring a typo', () => {
    const r = portalSettingsSchema.safeParse({ cache_ttl_dayz: 3 });
    expect(r.success).toBe(false);
  });
});
