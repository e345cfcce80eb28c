// Portals (HubSpot accounts that installed the app). HubSpot's install flow arrives with the
// integration issue; the engine only needs the row to exist.
import type { Knex } from 'knex';

export async function ensurePortal(db: Knex, portalId: number, name?: string): Promise<void> {
  await db('portals').insert({ id: portalId, name: name ?? null }).onConflict('id').ignore();
}
