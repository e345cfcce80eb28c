// The audit trail in our own database: it must exist whether or not HubSpot timeline events are
// enabled for the portal.
import type { Knex } from 'knex';

export interface AuditEvent {
  /** null for fleet-wide events (the schema-drift report). */
  portalId: number | null;
  type: string;
  detail: Record<string, unknown>;
  runId?: string | null;
  contactId?: string | null;
}

export async function recordAudit(db: Knex | Knex.Transaction, e: AuditEvent): Promise<void> {
  await db('audit_events').insert({
    portal_id: e.portalId,
    run_id: e.runId ?? null,
    contact_id: e.contactId ?? null,
    type: e.type,
    detail: JSON.stringify(e.detail),
  });
}
