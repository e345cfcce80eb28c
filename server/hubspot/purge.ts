// Erasing a contact's personal data when HubSpot says it was deleted (contact.deletion) or must be
// forgotten (contact.privacyDeletion): the cached vendor answers its runs looked up, the contact
// values and merged profiles kept on its runs, the answers stored on its steps, and any write still
// queued for it. What money was spent stays (amounts and vendors, no personal data): the spend
// ledger and caps must still add up.
import type { Knex } from 'knex';
import { recordAudit } from '../enrichment/audit.ts';

export interface PurgeResult {
  runs: number;
  cacheEntries: number;
  queuedWrites: number;
}

/**
 * `isCompanyLookup(vendor, operation)`: answers keyed by a company domain are firmographics shared
 * by every contact of that company, not this person's data, and are kept.
 */
export async function purgeContact(
  trx: Knex.Transaction,
  portalId: number,
  contactId: string,
  reason: string,
  isCompanyLookup: (vendor: string, operation: string) => boolean,
): Promise<PurgeResult> {
  const looked = (await trx('run_steps as s')
    .join('enrichment_runs as r', 'r.id', 's.run_id')
    .where({ 'r.portal_id': portalId, 'r.contact_id': contactId })
    .whereNotNull('s.lookup_hash')
    .distinct('s.vendor', 's.operation', 's.lookup_hash')) as { vendor: string; operation: string; lookup_hash: string }[];
  let cacheEntries = 0;
  for (const l of looked.filter((x) => !isCompanyLookup(x.vendor, x.operation))) {
    cacheEntries += await trx('vendor_cache').where({ portal_id: portalId, vendor: l.vendor, operation: l.operation, lookup_hash: l.lookup_hash }).del();
  }
  const runIds = trx('enrichment_runs').where({ portal_id: portalId, contact_id: contactId }).select('id');
  await trx('run_steps').whereIn('run_id', runIds).update({ result: null, detail: null });
  // An unfinished run keeps going with nothing to look up by; it finishes without vendor calls.
  const runs = await trx('enrichment_runs')
    .where({ portal_id: portalId, contact_id: contactId })
    .update({ contact: JSON.stringify({ facts: {}, properties: {} }), profile: null, changes: null, purged_at: trx.fn.now() });
  const queuedWrites = await trx('hubspot_outbox')
    .where({ portal_id: portalId, contact_id: contactId, state: 'pending' })
    .whereIn('kind', ['contact_update', 'timeline_event'])
    .update({ state: 'skipped', done_at: trx.fn.now(), last_error: `contact erased (${reason})`, payload: JSON.stringify({}) });
  await recordAudit(trx, { portalId, contactId, type: 'contact.purged', detail: { reason, runs, cacheEntries, queuedWrites } });
  return { runs, cacheEntries, queuedWrites };
}
