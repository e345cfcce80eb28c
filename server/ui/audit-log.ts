// The audit log for the settings page: the portal's events newest first, keyset-paged on id (a
// page never repeats or skips an event while new ones arrive), filtered by type, contact and date,
// each with a one-line sentence an admin can read.
import { z } from 'zod';
import type { Knex } from 'knex';
import type { AuditPage } from '../../extensions/src/api/contract.ts';
import { parseOr400 } from './ui-request.ts';

export const MAX_AUDIT_PAGE = 100;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD').refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'is not a date');
const auditQuery = z.object({
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(MAX_AUDIT_PAGE, `must be at most ${MAX_AUDIT_PAGE}`).default(25),
  cursor: z.string().regex(/^[1-9]\d{0,18}$/, 'must be a cursor from the previous page').optional(),
  type: z.string().regex(/^[a-z_.]{1,60}$/, 'must be an event type').optional(),
  contactId: z.string().regex(/^\d{1,20}$/, 'must be a contact id').optional(),
  from: day.optional(),
  to: day.optional(),
});

type Detail = Record<string, unknown>;
const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const cents = (mc: unknown) => `${(Number(mc ?? 0) / 100_000).toFixed(2)} USD`;
const by = (d: Detail) => (d.userId ? ` by user ${s(d.userId)}` : '');
const list = (v: unknown) => (Array.isArray(v) && v.length ? v.map(String).join(' → ') : 'none');

const SUMMARIES: Record<string, (d: Detail) => string> = {
  'settings.key_saved': (d) => `${d.replaced ? 'Replaced' : 'Added'} the ${s(d.vendor)} key ending in ${s(d.last4)}${by(d)}.`,
  'settings.key_removed': (d) => `Removed the ${s(d.vendor)} key${d.last4 ? ` ending in ${s(d.last4)}` : ''}${by(d)}.`,
  'settings.key_tested': (d) => `Tested ${d.candidate ? 'a new' : 'the stored'} ${s(d.vendor)} key${d.last4 ? ` ending in ${s(d.last4)}` : ''}: ${d.ok ? 'it works' : s(d.status).replace(/_/g, ' ')}${by(d)}.`,
  'settings.waterfall_changed': (d) => `${d.default ? 'Restored the default' : 'Changed the'} ${s(d.group)} waterfall to ${list(d.to)}${by(d)}.`,
  'settings.policy_changed': (d) => `Changed ${Object.keys((d.changes as Detail | undefined) ?? {}).join(', ') || 'nothing'}${by(d)}.`,
  'settings.caps_changed': (d) => `Set spend caps to ${list(d.to)}${d.alertWebhook ? ', alert webhook changed' : ''}${by(d)}.`,
  'run.finished': (d) => `Enrichment ${s(d.status).replace(/_/g, ' ')}: ${Array.isArray(d.fields) && d.fields.length ? `${d.fields.length} field(s) from ${list(d.sources).replace(/ → /g, ', ')}` : 'no fields'}, ${cents(d.costMc)}.`,
  'cap.reached': (d) => `The ${s(d.scope)} ${s(d.period)} cap of ${(Number(d.capCents ?? 0) / 100).toFixed(2)} USD was reached (${s(d.vendor)} skipped).`,
  'vendor.quota_exhausted': (d) => `${s(d.vendor)} says its quota is used up until ${s(d.until)}.`,
  'vendor.auth_failed': (d) => `${s(d.vendor)} refused the key (HTTP ${s(d.httpStatus)}): check it in the settings.`,
  'vendor.connection_tested': (d) => `${s(d.vendor)} connection test: ${d.ok ? 'ok' : s(d.status).replace(/_/g, ' ')}.`,
  'vendor.async_timeout': (d) => `${s(d.vendor)} did not answer ${s(d.steps)} lookup(s) in time; they were not billed.`,
  'contact.purged': () => 'The contact was deleted in HubSpot: its enrichment data was erased.',
  'app.installed': () => 'Cascade was installed.',
  'app.uninstalled': (d) => `Cascade was uninstalled (${s(d.reason)}); its tokens and vendor keys were deleted.`,
};

export function auditSummary(type: string, detail: Detail): string {
  const f = SUMMARIES[type];
  if (f) {
    try {
      return f(detail);
    } catch {
      // An old event with another detail shape: fall through to the generic sentence.
    }
  }
  return `${type.replace(/[._]/g, ' ')}.`;
}

interface AuditRow {
  id: string | number;
  created_at: Date | string;
  type: string;
  contact_id: string | null;
  run_id: string | null;
  detail: Detail | string;
}

export async function auditPage(db: Knex, portalId: number, query: Record<string, string>): Promise<AuditPage> {
  const q = parseOr400(auditQuery, query, 'invalid_query', 'query');
  const rowsQ = db('audit_events')
    .where('portal_id', portalId)
    .modify((b) => {
      if (q.cursor) b.andWhere('id', '<', q.cursor);
      if (q.type) b.andWhere('type', q.type);
      if (q.contactId) b.andWhere('contact_id', q.contactId);
      if (q.from) b.andWhere('created_at', '>=', new Date(`${q.from}T00:00:00Z`));
      if (q.to) b.andWhere('created_at', '<', new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000));
    })
    .orderBy('id', 'desc')
    // One more than asked: whether another page exists, without counting.
    .limit(q.limit + 1)
    .select('id', 'created_at', 'type', 'contact_id', 'run_id', 'detail') as Promise<AuditRow[]>;
  const [rows, types] = await Promise.all([
    rowsQ,
    db('audit_events').where('portal_id', portalId).distinct('type').orderBy('type') as Promise<{ type: string }[]>,
  ]);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => {
      const detail = (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Detail;
      return {
        id: String(r.id),
        at: new Date(r.created_at).toISOString(),
        type: r.type,
        contactId: r.contact_id,
        runId: r.run_id,
        summary: auditSummary(r.type, detail),
        detail,
      };
    }),
    nextCursor: rows.length > q.limit && last ? String(last.id) : null,
    types: types.map((t) => t.type),
  };
}
