// The settings page as one read: vendors (from the adapter registry, with this portal's prices and
// the last 4 characters of its keys), the effective waterfall per group, write policy, TTLs,
// on-cap behaviour, caps with what was spent in their current period, and the alert URL.
import type { CapView, FieldGroup, SettingsView, VendorView } from '../../extensions/src/api/contract.ts';
import { CANONICAL_FIELDS, FIELD_GROUPS } from '../vendors/types.ts';
import type { CanonicalField, VendorAdapter } from '../vendors/types.ts';
import { PROPERTY_FOR } from '../enrichment/write-policy.ts';
import { defaultWaterfall } from '../enrichment/default-waterfall.ts';
import { loadSettings } from '../enrichment/settings.ts';
import type { PortalSettings } from '../enrichment/settings.ts';
import type { StoredKeyInfo } from '../portals/credentials.ts';
import type { UiDeps } from './deps.ts';
import { spendState } from './spend-view.ts';
import { priceCents } from './money.ts';

const FIELD_LABELS: Record<CanonicalField, string> = {
  first_name: 'First name',
  last_name: 'Last name',
  job_title: 'Job title',
  seniority: 'Seniority',
  linkedin_url: 'LinkedIn URL',
  work_email: 'Work e-mail',
  email_status: 'E-mail status',
  phone: 'Phone',
  city: 'City',
  state: 'State / region',
  country: 'Country',
  company_name: 'Company name',
  company_domain: 'Company domain',
  industry: 'Industry',
  employee_count: 'Employees',
  annual_revenue: 'Annual revenue',
  tech_stack: 'Tech stack',
  company_linkedin_url: 'Company LinkedIn URL',
};

/** A portal's price for one operation: its override, else the adapter's default (millicents). */
export function operationCostMc(settings: Pick<PortalSettings, 'costs_mc'>, adapter: VendorAdapter, operation: string): number {
  return settings.costs_mc[`${adapter.id}.${operation}`] ?? adapter.operations[operation]?.costMillicents ?? 0;
}

export function vendorViews(adapters: ReadonlyMap<string, VendorAdapter>, settings: PortalSettings, keys: StoredKeyInfo[]): VendorView[] {
  return [...adapters.values()].map((a) => {
    const key = keys.find((k) => k.vendor === a.id);
    return {
      id: a.id,
      name: a.displayName,
      operations: Object.values(a.operations).map((op) => ({
        id: op.id,
        label: op.label,
        groups: [...op.groups],
        costCents: priceCents(operationCostMc(settings, a, op.id)),
        chargesOnMiss: op.billing.chargesOnMiss,
        async: !!op.async,
      })),
      key: key ? { last4: key.last4, updatedAt: key.updatedAt.toISOString() } : null,
    };
  });
}

export function effectiveWaterfall(adapters: ReadonlyMap<string, VendorAdapter>, settings: PortalSettings): Pick<SettingsView, 'waterfall' | 'waterfallIsDefault'> {
  const defaults = defaultWaterfall(adapters);
  const waterfall = {} as SettingsView['waterfall'];
  const isDefault = {} as Record<FieldGroup, boolean>;
  for (const g of FIELD_GROUPS) {
    const own = settings.waterfall[g];
    waterfall[g] = (own ?? defaults[g]).map((s) => ({ vendor: s.vendor, operation: s.operation }));
    isDefault[g] = !own;
  }
  return { waterfall, waterfallIsDefault: isDefault };
}

/** Only admins see the whole alert URL (a Slack webhook URL is itself a credential). */
function shownWebhook(url: string | null, isAdmin: boolean): string | null {
  if (!url || isAdmin) return url;
  try {
    return `https://${new URL(url).host}/…`;
  } catch {
    return null;
  }
}

export async function settingsView(deps: UiDeps, portalId: number, userId: string, known?: { isAdmin?: boolean }): Promise<SettingsView> {
  const installed = await deps.installed(portalId);
  const [settings, keys, spend, isAdmin] = await Promise.all([
    loadSettings(deps.db, portalId),
    installed ? deps.credentials.list(portalId) : Promise.resolve([]),
    installed ? spendState(deps.db, portalId) : Promise.resolve(null),
    known?.isAdmin ?? (installed ? deps.admin.isAdmin(portalId, userId) : Promise.resolve(false)),
  ]);
  const caps: CapView[] = (spend?.caps ?? []).map((c) => ({ scope: c.scope, period: c.period, capCents: c.capCents, spentCents: c.spentCents }));
  return {
    installed,
    installUrl: deps.installUrl(),
    isAdmin,
    vendors: vendorViews(deps.adapters, settings, keys),
    groups: [...FIELD_GROUPS],
    fields: CANONICAL_FIELDS.map((f) => ({ field: f, property: PROPERTY_FOR[f], label: FIELD_LABELS[f] })),
    ...effectiveWaterfall(deps.adapters, settings),
    writePolicy: { default: settings.write_policy.default, fields: { ...settings.write_policy.fields } },
    cacheTtlDays: settings.cache_ttl_days,
    missTtlDays: settings.miss_ttl_days,
    onCap: settings.on_cap,
    caps,
    spend: spend?.spent ?? [],
    alertWebhookUrl: shownWebhook(settings.alert_webhook_url, isAdmin),
  };
}
