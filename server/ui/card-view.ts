// The contact card: what it shows (install state, keys, today's spend against the cap, caps reached,
// the contact's last run) and "Enrich now": the contact's current values are read from HubSpot
// (the write policy compares against them), then a trigger keyed by the click's requestId, so
// hubspot.fetch's retry of the same click joins the same run instead of paying twice.
import { z } from 'zod';
import type { CardView, EnrichAccepted } from '../../extensions/src/api/contract.ts';
import { FIELD_GROUPS } from '../vendors/types.ts';
import { CONTACT_READ_PROPERTIES } from '../hubspot/contact-properties.ts';
import { HubSpotBusyError, HubSpotHttpError } from '../hubspot/portal-api.ts';
import { TOTAL } from '../enrichment/spend.ts';
import type { UiDeps } from './deps.ts';
import { notInstalledFrom, requireInstalled } from './deps.ts';
import { lastRunView } from './run-view.ts';
import { spendState } from './spend-view.ts';
import { UiError, parseOr400 } from './ui-request.ts';
import { centsOf } from './money.ts';

export async function cardView(deps: UiDeps, portalId: number, contactId: string): Promise<CardView> {
  const installUrl = deps.installUrl();
  if (!(await deps.installed(portalId))) {
    return { installed: false, installUrl, keysConfigured: 0, spendToday: { spentCents: 0, capCents: null }, capsReached: [], lastRun: null };
  }
  const [keys, spend, lastRun] = await Promise.all([
    deps.credentials.list(portalId),
    spendState(deps.db, portalId),
    lastRunView(deps, portalId, contactId),
  ]);
  const dayCap = spend.caps.find((c) => c.scope === TOTAL && c.period === 'day');
  return {
    installed: true,
    installUrl,
    keysConfigured: keys.length,
    spendToday: { spentCents: centsOf(spend.totalTodayMc), capCents: dayCap ? dayCap.capCents : null },
    capsReached: spend.caps.filter((c) => c.reached).map((c) => ({ scope: c.scope, period: c.period, capCents: c.capCents })),
    lastRun,
    vendorNames: Object.fromEntries([...deps.adapters.values()].map((a) => [a.id, a.displayName])),
  };
}

export const enrichRequestSchema = z
  .object({
    force: z.boolean({ error: 'must be true or false' }).default(false),
    requestId: z.string({ error: 'is required' }).trim().min(8, 'must be the click\'s id (a uuid)').max(100, 'is too long').regex(/^[A-Za-z0-9_.:-]+$/, 'must be a uuid'),
    groups: z.array(z.enum(FIELD_GROUPS)).min(1, 'must name at least one field group').max(FIELD_GROUPS.length).optional(),
  })
  .strict();

export const CARD_DEFAULT_GROUPS = ['email', 'person', 'company'] as const;

/** The contact's current values, through the portal's paced API; 404 when HubSpot has no such contact. */
async function contactProperties(deps: UiDeps, portalId: number, contactId: string): Promise<Record<string, string | null>> {
  try {
    const contact = await deps.api.call(portalId, 'contacts.get', (client) => client.crm.contacts.basicApi.getById(contactId, [...CONTACT_READ_PROPERTIES]));
    const props: Record<string, string | null> = {};
    for (const name of CONTACT_READ_PROPERTIES) {
      const v = contact.properties[name];
      props[name] = v === undefined || v === '' ? null : v;
    }
    return props;
  } catch (err) {
    const notInstalled = notInstalledFrom(err);
    if (notInstalled) throw notInstalled;
    if (err instanceof HubSpotHttpError && err.status === 404) throw new UiError(404, 'not_found', 'This contact does not exist in HubSpot (any more).', { field: 'query.contactId' });
    if (err instanceof HubSpotHttpError && err.status === 403) {
      throw new UiError(403, 'scope_missing', 'Cascade cannot read contacts in this account; a super admin must reinstall the app.');
    }
    if (err instanceof HubSpotBusyError || err instanceof HubSpotHttpError) {
      throw new UiError(503, 'hubspot_unavailable', 'HubSpot did not give us the contact just now; try again in a minute.');
    }
    throw err;
  }
}

export async function enrichContact(deps: UiDeps, portalId: number, contactId: string, body: unknown): Promise<EnrichAccepted> {
  const req = parseOr400(enrichRequestSchema, body ?? {}, 'invalid_body');
  await requireInstalled(deps, portalId);
  // Namespaced by contact: the same id sent for another contact is another click.
  const idempotencyKey = `${contactId}:${req.requestId}`;
  // A retried click is answered from the database, without asking HubSpot for the contact again.
  const seen = (await deps.db('run_triggers').where({ portal_id: portalId, source: 'card', idempotency_key: idempotencyKey }).first('run_id', 'coalesced')) as
    | { run_id: string; coalesced: boolean }
    | undefined;
  if (seen) return { runId: seen.run_id, coalesced: seen.coalesced };
  const properties = await contactProperties(deps, portalId, contactId);
  const result = await deps.trigger({
    portalId,
    contactId,
    source: 'card',
    idempotencyKey,
    groups: req.groups ?? [...CARD_DEFAULT_GROUPS],
    forceRefresh: req.force,
    properties,
  });
  return { runId: result.runId, coalesced: result.coalesced };
}
