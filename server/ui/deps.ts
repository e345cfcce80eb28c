// What the /ui services need from the rest of the backend, in one place, so each service module
// takes only this and the routes stay a thin translation of HTTP.
import type { Knex } from 'knex';
import type { Cascade } from '../cascade.ts';
import type { Logger } from '../log.ts';
import type { CredentialStore } from '../portals/credentials.ts';
import type { PortalApi } from '../hubspot/portal-api.ts';
import type { TriggerInput, TriggerResult } from '../enrichment/runs.ts';
import type { ConnectionTestResult } from '../enrichment/connection-test.ts';
import type { VendorAdapter } from '../vendors/types.ts';
import { NotInstalledError } from '../hubspot/tokens.ts';
import { AdminCheck } from './admin.ts';
import { UiError } from './ui-request.ts';

export interface UiDeps {
  db: Knex;
  adapters: ReadonlyMap<string, VendorAdapter>;
  credentials: CredentialStore;
  api: PortalApi;
  admin: AdminCheck;
  installed(portalId: number): Promise<boolean>;
  trigger(input: TriggerInput): Promise<TriggerResult>;
  testConnection(portalId: number, vendor: string, candidateKey?: string): Promise<ConnectionTestResult>;
  /** `<PUBLIC_BASE_URL>/oauth/install`. */
  installUrl(): string;
  log: Logger;
}

export function uiDeps(cascade: Cascade): UiDeps {
  return {
    db: cascade.db.knex,
    adapters: cascade.deps.adapters,
    credentials: cascade.credentials,
    api: cascade.hubspot.api,
    admin: new AdminCheck(cascade.hubspot.api),
    installed: cascade.hubspot.installed,
    trigger: cascade.trigger,
    testConnection: cascade.testConnection,
    installUrl: () => `${cascade.publicBaseUrl() ?? ''}/oauth/install`,
    log: cascade.deps.log,
  };
}

export const NOT_INSTALLED_MESSAGE = 'Cascade is not installed in this HubSpot account (or was uninstalled): a super admin must install it first.';

/** Writes and enrichment need the portal's tokens: 409 not_installed otherwise. */
export async function requireInstalled(deps: UiDeps, portalId: number): Promise<void> {
  if (!(await deps.installed(portalId))) throw new UiError(409, 'not_installed', NOT_INSTALLED_MESSAGE);
}

/** A HubSpot call that found no installation behind the cache's back is the same 409. */
export function notInstalledFrom(err: unknown): UiError | null {
  return err instanceof NotInstalledError ? new UiError(409, 'not_installed', NOT_INSTALLED_MESSAGE) : null;
}
