// A portal's engine settings: waterfall per field group, TTLs, write policy, on-cap behaviour and
// the price / rate-window overrides a BYOK customer needs (their plan, their prices). Stored as one
// JSON document, validated on every write, read with defaults filled in.
import { z } from 'zod';
import type { Knex } from 'knex';
import { FIELD_GROUPS, CANONICAL_FIELDS } from '../vendors/types.ts';

export const WRITE_POLICIES = ['fill_if_empty', 'overwrite', 'never'] as const;
export type WritePolicy = (typeof WRITE_POLICIES)[number];

const stepRef = z.object({
  vendor: z.string().regex(/^[a-z0-9_]{1,40}$/, 'must be a vendor id'),
  operation: z.string().regex(/^[a-z0-9_]{1,60}$/, 'must be an operation id'),
});
export type StepRef = z.infer<typeof stepRef>;

const rateWindow = z.object({
  limit: z.number().int().min(1).max(1_000_000),
  windowMs: z.number().int().min(100).max(31 * 86_400_000),
});

/** An https URL (alerts leave the backend only encrypted in transit). */
export const httpsUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => {
    try {
      return new URL(v).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an https:// URL');

/** "vendor.operation" → value; e.g. {"apollo.people_match": 2500}. */
const opKey = z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, 'must be "vendor.operation"');

export const portalSettingsSchema = z
  .object({
    waterfall: z.partialRecord(z.enum(FIELD_GROUPS), z.array(stepRef).max(20)).default({}),
    cache_ttl_days: z.number().int().min(1).max(3650).default(90),
    miss_ttl_days: z.number().int().min(1).max(3650).default(14),
    write_policy: z
      .object({
        default: z.enum(WRITE_POLICIES).default('fill_if_empty'),
        fields: z.partialRecord(z.enum(CANONICAL_FIELDS), z.enum(WRITE_POLICIES)).default({}),
      })
      .default({ default: 'fill_if_empty', fields: {} }),
    on_cap: z.enum(['skip_vendor', 'pause']).default('skip_vendor'),
    confidence_threshold: z.number().min(0).max(1).default(0.6),
    costs_mc: z.record(opKey, z.number().int().min(0).max(100_000_000)).default({}),
    rate_limits: z.record(opKey, z.array(rateWindow).min(1).max(4)).default({}),
    // Opt-in: re-enrich contacts whose last enrichment is older than stale_after_days, at most
    // max_contacts per hourly pass (caps still apply to every call).
    scheduled_refresh: z
      .object({
        enabled: z.boolean().default(false),
        stale_after_days: z.number().int().min(1).max(3650).default(90),
        max_contacts: z.number().int().min(1).max(10_000).default(500),
        groups: z.array(z.enum(FIELD_GROUPS)).min(1).default(['email', 'person', 'company']),
      })
      .default({ enabled: false, stale_after_days: 90, max_contacts: 500, groups: ['email', 'person', 'company'] }),
    // Where cap alerts are POSTed (a Slack incoming webhook, say); null: alerts stay in the audit log.
    alert_webhook_url: httpsUrl.nullable().default(null),
  })
  .strict();

export type PortalSettings = z.infer<typeof portalSettingsSchema>;
export type PortalSettingsInput = z.input<typeof portalSettingsSchema>;

export function defaultSettings(): PortalSettings {
  return portalSettingsSchema.parse({});
}

export async function loadSettings(db: Knex, portalId: number): Promise<PortalSettings> {
  const row = await db('portal_settings').where({ portal_id: portalId }).first('settings');
  return portalSettingsSchema.parse(row?.settings ?? {});
}

/** Validates and stores; throws the zod error (whose issues name each bad field) on bad input. */
export async function saveSettings(db: Knex, portalId: number, input: unknown): Promise<PortalSettings> {
  const settings = portalSettingsSchema.parse(input);
  await db('portal_settings')
    .insert({ portal_id: portalId, settings: JSON.stringify(settings), updated_at: db.fn.now() })
    .onConflict('portal_id')
    .merge();
  return settings;
}
