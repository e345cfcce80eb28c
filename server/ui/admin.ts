// Who may change a portal's keys, caps and policy: a super admin of THAT portal, asked of HubSpot
// (GET /settings/v3/users/{userId} with the portal's own token, so a user of another portal is
// simply not found), never taken from the extension's context. Answers are cached briefly per
// (portal, user): the settings page asks on every load and every save.
import type { PortalApi } from '../hubspot/portal-api.ts';
import { HubSpotBusyError, HubSpotHttpError } from '../hubspot/portal-api.ts';
import { NotInstalledError } from '../hubspot/tokens.ts';
import { TtlCache } from '../enrichment/ttl-cache.ts';
import { UiError } from './ui-request.ts';

export type AdminVerdict =
  | { ok: true }
  | { ok: false; status: number; error: 'not_admin' | 'scope_missing' | 'not_installed' | 'hubspot_unavailable'; message: string };

const NOT_ADMIN = 'Only a super admin of this HubSpot account can change Cascade settings.';

export class AdminCheck {
  private readonly api: PortalApi;
  private readonly cache: TtlCache<string, AdminVerdict>;

  constructor(api: PortalApi, ttlMs = 60_000) {
    this.api = api;
    this.cache = new TtlCache(ttlMs);
  }

  /** HubSpot's answer about this user in this portal; only who the user is gets cached. */
  async verdict(portalId: number, userId: string): Promise<AdminVerdict> {
    try {
      return await this.cache.get(`${portalId}|${userId}`, () => this.ask(portalId, userId));
    } catch (err) {
      if (err instanceof NotInstalledError) {
        return { ok: false, status: 409, error: 'not_installed', message: 'Cascade is not installed in this HubSpot account; install it first.' };
      }
      // Not cached: a reinstall granting the scope takes effect on the next try.
      if (err instanceof HubSpotHttpError && err.status === 403) {
        return {
          ok: false,
          status: 403,
          error: 'scope_missing',
          message: 'Cascade cannot check who is an admin: it lacks the settings.users.read permission. A super admin must reinstall the app to grant it.',
        };
      }
      if (err instanceof HubSpotBusyError || err instanceof HubSpotHttpError) {
        return { ok: false, status: 503, error: 'hubspot_unavailable', message: 'HubSpot did not answer who you are; try again in a minute.' };
      }
      throw err;
    }
  }

  async isAdmin(portalId: number, userId: string): Promise<boolean> {
    try {
      return (await this.verdict(portalId, userId)).ok;
    } catch {
      return false;
    }
  }

  /** Throws the refusal (403 not_admin / scope_missing, 409 not_installed, 503) unless a super admin. */
  async require(portalId: number, userId: string): Promise<void> {
    const v = await this.verdict(portalId, userId);
    if (!v.ok) throw new UiError(v.status, v.error, v.message);
  }

  private async ask(portalId: number, userId: string): Promise<AdminVerdict> {
    try {
      const user = await this.api.call(portalId, 'users.get', (client) => client.settings.users.usersApi.getById(userId));
      return user.superAdmin === true ? { ok: true } : { ok: false, status: 403, error: 'not_admin', message: NOT_ADMIN };
    } catch (err) {
      if (err instanceof HubSpotHttpError && err.status === 404) return { ok: false, status: 403, error: 'not_admin', message: NOT_ADMIN };
      throw err;
    }
  }
}
