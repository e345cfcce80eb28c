// The scheduled jobs of the HubSpot integration (node-cron, one instance per slot, see cron.ts):
// refresh OAuth tokens before they expire, send what the outbox still holds, purge expired cache
// entries, and the opt-in refresh of stale contacts.
import type { Knex } from 'knex';
import type { Logger } from '../log.ts';
import type { ScheduledJob } from './cron.ts';
import type { RateGate } from '../enrichment/limiter.ts';
import { loadSettings } from '../enrichment/settings.ts';
import type { TriggerInput, TriggerResult } from '../enrichment/runs.ts';
import type { PortalApi } from '../hubspot/portal-api.ts';
import type { OutboxFlusher } from '../hubspot/flusher.ts';
import { CONTACT_READ_PROPERTIES } from '../hubspot/contact-properties.ts';

/**
 * CRM search allows 5 requests/s per portal. One search per 350 ms slot keeps any rolling second
 * at 4 at most (five searches need four slot boundaries: more than 1,050 ms), whatever the
 * alignment of HubSpot's own window.
 */
export const SEARCH_WINDOWS = [{ limit: 1, windowMs: 350 }];
const SEARCH_PAGE = 200;

export interface HubSpotJobDeps {
  tokens: { refreshDue(withinMs: number): Promise<object> };
  flusher: OutboxFlusher;
  api: PortalApi;
  gate: RateGate;
  trigger(input: TriggerInput): Promise<TriggerResult>;
  outboxDelayMs: number;
  log: Logger;
  schedules: { tokenRefresh: string; outboxSweep: string; cachePurge: string; scheduledRefresh: string };
}

/** Expired cache entries kept this long past expiry (a run reading one right now still finds it). */
const CACHE_GRACE_MS = 86_400_000;

export async function purgeExpiredCache(db: Knex, now = new Date()): Promise<number> {
  return db('vendor_cache')
    .where('expires_at', '<', new Date(now.getTime() - CACHE_GRACE_MS))
    .whereNot({ state: 'pending' })
    .del();
}

/**
 * One pass of the opt-in refresh for a portal: contacts enriched before the staleness cut-off,
 * found by CRM search (≤ 4 searches/s), each triggered once per slot. Caps apply to every call
 * the runs make, as for any trigger.
 */
export async function refreshStaleContacts(
  db: Knex,
  deps: Pick<HubSpotJobDeps, 'api' | 'gate' | 'trigger'>,
  portalId: number,
  slot: string,
  now = Date.now(),
  pageSize = SEARCH_PAGE,
): Promise<{ found: number; triggered: number }> {
  const settings = await loadSettings(db, portalId);
  const cfg = settings.scheduled_refresh;
  if (!cfg.enabled) return { found: 0, triggered: 0 };
  const cutoff = now - cfg.stale_after_days * 86_400_000;
  // Collect first, trigger after: the runs we start rewrite cascade_enriched_at, which would move
  // contacts out of the search's later pages while we are still paging.
  const stale: { id: string; properties: Record<string, string | null> }[] = [];
  let after: string | undefined;
  while (stale.length < cfg.max_contacts) {
    const slotOk = await deps.gate.acquire(`hubspot-search:${portalId}`, SEARCH_WINDOWS, Date.now() + 30_000);
    if (!slotOk.ok) break;
    const page = await deps.api.call(portalId, 'contacts.search', (c) =>
      c.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'cascade_enriched_at', operator: 'LT' as never, value: String(cutoff) }] }],
        properties: [...CONTACT_READ_PROPERTIES],
        sorts: ['cascade_enriched_at'],
        limit: Math.min(pageSize, cfg.max_contacts - stale.length),
        after,
      }),
    );
    for (const contact of page.results) stale.push({ id: String(contact.id), properties: contact.properties });
    after = page.paging?.next?.after;
    if (!after || page.results.length === 0) break;
  }
  let triggered = 0;
  for (const contact of stale) {
    const r = await deps.trigger({
      portalId,
      contactId: contact.id,
      source: 'schedule',
      idempotencyKey: `refresh:${slot}:${contact.id}`,
      groups: cfg.groups,
      forceRefresh: true,
      properties: contact.properties,
    });
    if (!r.duplicate) triggered++;
  }
  const found = stale.length;
  return { found, triggered };
}

export function hubspotJobs(deps: HubSpotJobDeps): ScheduledJob[] {
  return [
    {
      name: 'hubspot-token-refresh',
      schedule: deps.schedules.tokenRefresh,
      // Tokens live 30 minutes; anything expiring within the next 15 is refreshed now.
      run: async () => ({ ...(await deps.tokens.refreshDue(15 * 60_000)) }),
    },
    {
      name: 'hubspot-outbox-sweep',
      schedule: deps.schedules.outboxSweep,
      run: async (db) => {
        const sent = await deps.flusher.tick(deps.outboxDelayMs);
        const [stuck] = (await db('hubspot_outbox')
          .where({ state: 'pending' })
          .andWhere('created_at', '<', new Date(Date.now() - 10 * 60_000))
          .count({ n: '*' })) as { n: number | string }[];
        const [dead] = (await db('hubspot_outbox')
          .where({ state: 'dead' })
          .andWhere('done_at', '>', new Date(Date.now() - 86_400_000))
          .count({ n: '*' })) as { n: number | string }[];
        if (Number(stuck?.n) > 0 || Number(dead?.n) > 0) deps.log.warn({ stuck: Number(stuck?.n), dead: Number(dead?.n) }, 'HubSpot writes waiting long or given up');
        return { sent, olderThan10Min: Number(stuck?.n ?? 0), deadLastDay: Number(dead?.n ?? 0) };
      },
    },
    {
      name: 'cache-retention-purge',
      schedule: deps.schedules.cachePurge,
      run: async (db) => ({ deleted: await purgeExpiredCache(db) }),
    },
    {
      name: 'scheduled-refresh',
      schedule: deps.schedules.scheduledRefresh,
      run: async (db) => {
        const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
        const portals = (await db('hubspot_tokens').select('portal_id')) as { portal_id: number }[];
        const out: Record<string, unknown> = {};
        for (const p of portals) {
          try {
            out[String(p.portal_id)] = await refreshStaleContacts(db, deps, Number(p.portal_id), slot);
          } catch (err) {
            deps.log.warn({ portalId: p.portal_id, err: (err as Error).message }, 'scheduled refresh failed for a portal');
            out[String(p.portal_id)] = { error: (err as Error).message };
          }
        }
        return out;
      },
    },
  ];
}
