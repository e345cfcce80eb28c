// The settings page's writes: vendor keys (save, remove, test), the waterfall of one group, write
// policy and TTLs, caps and the alert URL. Each validates its input (a 400 names every bad field),
// makes the change, and writes one audit event saying who changed what from what — never a key,
// only its last 4 characters. The caller has already checked that the user is a super admin.
import { z } from 'zod';
import type { Knex } from 'knex';
import type {
  FieldGroup,
  KeySaved,
  KeyRemoved,
  PutCapsRequest,
  PutPolicyRequest,
  PutWaterfallRequest,
  TestKeyResult,
} from '../../extensions/src/api/contract.ts';
import { CANONICAL_FIELDS, FIELD_GROUPS } from '../vendors/types.ts';
import type { VendorAdapter } from '../vendors/types.ts';
import { WRITE_POLICIES, httpsUrl, portalSettingsSchema, saveSettings } from '../enrichment/settings.ts';
import type { PortalSettings } from '../enrichment/settings.ts';
import { TOTAL, setCaps } from '../enrichment/spend.ts';
import { recordAudit } from '../enrichment/audit.ts';
import { vendorKeyInput } from '../portals/credentials.ts';
import type { UiDeps } from './deps.ts';
import { effectiveWaterfall } from './settings-view.ts';
import { UiError, parseOr400, problemsOf } from './ui-request.ts';

const MAX_CAP_CENTS = 1_000_000_000; // $10M: anything above is a typo

function knownVendor(adapters: ReadonlyMap<string, VendorAdapter>, vendor: string): VendorAdapter {
  const adapter = adapters.get(vendor);
  if (!adapter) {
    throw new UiError(400, 'invalid_vendor', `Unknown vendor "${vendor.slice(0, 40)}"; known vendors: ${[...adapters.keys()].join(', ')}.`, { field: 'vendor' });
  }
  return adapter;
}

/** Reads, changes and saves the settings document in one transaction, with its audit event. */
async function changeSettings(
  db: Knex,
  portalId: number,
  change: (draft: PortalSettings, trx: Knex.Transaction) => Promise<Record<string, unknown> | null>,
  type: string,
): Promise<void> {
  await db.transaction(async (trx) => {
    const row = await trx('portal_settings').where({ portal_id: portalId }).forUpdate().first('settings');
    const draft = portalSettingsSchema.parse(row?.settings ?? {});
    const detail = await change(draft, trx);
    await saveSettings(trx, portalId, draft);
    if (detail) await recordAudit(trx, { portalId, type, detail });
  });
}

// ---- keys ---------------------------------------------------------------------------------------

const putKeySchema = z.object({ key: z.string({ error: 'is required: paste the vendor API key' }) }).strict();
const testKeySchema = z.object({ key: z.string().optional() }).strict();

/** The key as the credential store will accept it, or a 400 naming `key` (never echoing it). */
function validKey(vendor: string, key: string): string {
  const parsed = vendorKeyInput.safeParse({ vendor, apiKey: key });
  if (parsed.success) return parsed.data.apiKey;
  const problems = problemsOf(parsed.error).map((p) => ({ field: p.field === 'apiKey' ? 'key' : p.field, message: p.message }));
  throw new UiError(400, 'invalid_body', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
}

export async function putKey(deps: UiDeps, portalId: number, userId: string, vendor: string, body: unknown): Promise<KeySaved> {
  knownVendor(deps.adapters, vendor);
  const { key } = parseOr400(putKeySchema, body ?? {}, 'invalid_body');
  const apiKey = validKey(vendor, key);
  const previous = (await deps.credentials.list(portalId)).find((k) => k.vendor === vendor);
  const saved = await deps.credentials.put(portalId, { vendor, apiKey });
  await recordAudit(deps.db, {
    portalId,
    type: 'settings.key_saved',
    detail: { userId, vendor, last4: saved.last4, replaced: !!previous, ...(previous ? { previousLast4: previous.last4 } : {}) },
  });
  return { vendor, last4: saved.last4, updatedAt: saved.updatedAt.toISOString() };
}

export async function removeKey(deps: UiDeps, portalId: number, userId: string, vendor: string): Promise<KeyRemoved> {
  knownVendor(deps.adapters, vendor);
  const previous = (await deps.credentials.list(portalId)).find((k) => k.vendor === vendor);
  const removed = await deps.credentials.remove(portalId, vendor);
  if (removed) await recordAudit(deps.db, { portalId, type: 'settings.key_removed', detail: { userId, vendor, last4: previous?.last4 ?? null } });
  return { vendor, removed };
}

export async function testKey(deps: UiDeps, portalId: number, userId: string, vendor: string, body: unknown): Promise<TestKeyResult> {
  knownVendor(deps.adapters, vendor);
  const req = parseOr400(testKeySchema, body ?? {}, 'invalid_body');
  const candidate = req.key !== undefined && req.key.trim() !== '' ? validKey(vendor, req.key) : undefined;
  const stored = candidate ? undefined : (await deps.credentials.list(portalId)).find((k) => k.vendor === vendor);
  const result = await deps.testConnection(portalId, vendor, candidate);
  // The adapters never quote the key; this holds even if one someday does.
  const message = candidate ? result.message.split(candidate).join('****') : result.message;
  await recordAudit(deps.db, {
    portalId,
    type: 'settings.key_tested',
    detail: { userId, vendor, ok: result.ok, status: result.status, candidate: !!candidate, last4: candidate ? candidate.slice(-4) : (stored?.last4 ?? null) },
  });
  return { vendor, ok: result.ok, status: result.status, message, latencyMs: result.latencyMs };
}

// ---- waterfall ----------------------------------------------------------------------------------

const stepSchema = z.object({ vendor: z.string({ error: 'is required' }).max(40), operation: z.string({ error: 'is required' }).max(60) }).strict();
const waterfallSchema = z
  .object({
    group: z.enum(FIELD_GROUPS, { error: `must be one of ${FIELD_GROUPS.join(', ')}` }),
    steps: z.array(stepSchema).max(20, 'at most 20 steps'),
  })
  .strict();

/** Every step must name a vendor and an operation that serves the group, once. */
function checkSteps(adapters: ReadonlyMap<string, VendorAdapter>, group: FieldGroup, steps: PutWaterfallRequest['steps']): void {
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  steps.forEach((s, i) => {
    const adapter = adapters.get(s.vendor);
    if (!adapter) {
      problems.push({ field: `steps[${i}].vendor`, message: `unknown vendor "${s.vendor}"` });
      return;
    }
    const op = adapter.operations[s.operation];
    if (!op) {
      problems.push({ field: `steps[${i}].operation`, message: `${adapter.displayName} has no operation "${s.operation}" (it has ${Object.keys(adapter.operations).join(', ')})` });
    } else if (!op.groups.includes(group)) {
      problems.push({ field: `steps[${i}].operation`, message: `${s.vendor}.${s.operation} does not provide ${group} (it provides ${op.groups.join(', ')})` });
    } else if (seen.has(`${s.vendor}.${s.operation}`)) {
      problems.push({ field: `steps[${i}].operation`, message: `${s.vendor}.${s.operation} is listed twice` });
    }
    seen.add(`${s.vendor}.${s.operation}`);
  });
  if (problems.length) throw new UiError(400, 'invalid_body', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
}

const refs = (steps: readonly { vendor: string; operation: string }[]) => steps.map((s) => `${s.vendor}.${s.operation}`);

export async function putWaterfall(deps: UiDeps, portalId: number, userId: string, body: unknown): Promise<void> {
  const req = parseOr400(waterfallSchema, body, 'invalid_body');
  checkSteps(deps.adapters, req.group, req.steps);
  await changeSettings(deps.db, portalId, async (draft) => {
    const before = refs(effectiveWaterfall(deps.adapters, draft).waterfall[req.group]);
    // [] restores the default, which follows the adapters' prices as vendors are added.
    if (req.steps.length) draft.waterfall[req.group] = req.steps.map((s) => ({ vendor: s.vendor, operation: s.operation }));
    else delete draft.waterfall[req.group];
    const after = refs(effectiveWaterfall(deps.adapters, draft).waterfall[req.group]);
    return { userId, group: req.group, from: before, to: after, default: req.steps.length === 0 };
  }, 'settings.waterfall_changed');
}

// ---- policy -------------------------------------------------------------------------------------

const policy = z.enum(WRITE_POLICIES, { error: `must be one of ${WRITE_POLICIES.join(', ')}` });
const ttlDays = z.number({ error: 'must be a number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days');
const policySchema = z
  .object({
    writePolicy: z
      .object({
        default: policy,
        fields: z.partialRecord(z.enum(CANONICAL_FIELDS, { error: 'is not a field Cascade fills' }), policy),
      })
      .strict()
      .optional(),
    cacheTtlDays: ttlDays.optional(),
    missTtlDays: ttlDays.optional(),
    onCap: z.enum(['skip_vendor', 'pause'], { error: 'must be skip_vendor or pause' }).optional(),
  })
  .strict() satisfies z.ZodType<PutPolicyRequest>;

export async function putPolicy(deps: UiDeps, portalId: number, userId: string, body: unknown): Promise<void> {
  const req = parseOr400(policySchema, body, 'invalid_body');
  await changeSettings(deps.db, portalId, async (draft) => {
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const note = (name: string, from: unknown, to: unknown) => {
      if (JSON.stringify(from) !== JSON.stringify(to)) changes[name] = { from, to };
    };
    if (req.writePolicy) {
      note('writePolicy.default', draft.write_policy.default, req.writePolicy.default);
      for (const f of CANONICAL_FIELDS) note(`writePolicy.fields.${f}`, draft.write_policy.fields[f] ?? null, req.writePolicy.fields[f] ?? null);
      draft.write_policy = { default: req.writePolicy.default, fields: { ...req.writePolicy.fields } };
    }
    if (req.cacheTtlDays !== undefined) {
      note('cacheTtlDays', draft.cache_ttl_days, req.cacheTtlDays);
      draft.cache_ttl_days = req.cacheTtlDays;
    }
    if (req.missTtlDays !== undefined) {
      note('missTtlDays', draft.miss_ttl_days, req.missTtlDays);
      draft.miss_ttl_days = req.missTtlDays;
    }
    if (req.onCap !== undefined) {
      note('onCap', draft.on_cap, req.onCap);
      draft.on_cap = req.onCap;
    }
    return Object.keys(changes).length ? { userId, changes } : null;
  }, 'settings.policy_changed');
}

// ---- caps ---------------------------------------------------------------------------------------

const capsSchema = z
  .object({
    caps: z
      .array(
        z
          .object({
            scope: z.string({ error: 'is required: "total" or a vendor id' }).max(40),
            period: z.enum(['day', 'month'], { error: 'must be day or month' }),
            capCents: z.number({ error: 'must be a number of cents' }).int('must be a whole number of cents').min(0, 'must be 0 or more').max(MAX_CAP_CENTS, `must be at most ${MAX_CAP_CENTS}`),
          })
          .strict(),
      )
      .max(50, 'at most 50 caps'),
    alertWebhookUrl: httpsUrl.nullable(),
  })
  .strict() satisfies z.ZodType<PutCapsRequest>;

/** Only the host: a webhook URL's path is often its secret (Slack). */
const hostOf = (url: string | null) => (url ? new URL(url).host : null);
const capLabel = (c: { scope: string; period: string; capCents: number }) => `${c.scope}/${c.period}=${c.capCents}`;

export async function putCaps(deps: UiDeps, portalId: number, userId: string, body: unknown): Promise<void> {
  const req = parseOr400(capsSchema, body, 'invalid_body');
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  req.caps.forEach((c, i) => {
    if (c.scope !== TOTAL && !deps.adapters.has(c.scope)) problems.push({ field: `caps[${i}].scope`, message: `must be "total" or a vendor id (${[...deps.adapters.keys()].join(', ')})` });
    if (seen.has(`${c.scope}/${c.period}`)) problems.push({ field: `caps[${i}].period`, message: `a ${c.period} cap for ${c.scope} is listed twice` });
    seen.add(`${c.scope}/${c.period}`);
  });
  if (problems.length) throw new UiError(400, 'invalid_body', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
  await changeSettings(deps.db, portalId, async (draft, trx) => {
    const before = (await trx('spend_caps').where({ portal_id: portalId }).select('scope', 'period', 'cap_cents')).map((r) => ({ scope: r.scope as string, period: r.period as string, capCents: Number(r.cap_cents) }));
    await setCaps(trx, portalId, req.caps);
    const from = before.map(capLabel).sort();
    const to = req.caps.map(capLabel).sort();
    const webhook = { from: hostOf(draft.alert_webhook_url), to: hostOf(req.alertWebhookUrl) };
    const webhookChanged = draft.alert_webhook_url !== req.alertWebhookUrl;
    draft.alert_webhook_url = req.alertWebhookUrl;
    if (JSON.stringify(from) === JSON.stringify(to) && !webhookChanged) return null;
    return { userId, from, to, ...(webhookChanged ? { alertWebhook: webhook } : {}) };
  }, 'settings.caps_changed');
}
