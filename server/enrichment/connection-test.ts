// "Test connection" for the settings page: the cheapest request that proves a vendor key works,
// with either the portal's stored key or a key the admin is about to save. Never billed, never
// cached; the result names the problem in words an admin can act on, and never contains the key.
import type { Knex } from 'knex';
import type { ConnectionTest, VendorAdapter } from '../vendors/types.ts';
import type { KeyProvider } from './keys.ts';
import type { VendorEndpoints } from './vendor-call.ts';
import { recordAudit } from './audit.ts';

export interface ConnectionTestDeps {
  db: Knex;
  adapters: ReadonlyMap<string, VendorAdapter>;
  keys: KeyProvider;
  endpoints(vendor: string): VendorEndpoints;
  timeoutMs: number;
}

export type ConnectionTestResult = ConnectionTest & { vendor: string; latencyMs: number };

export class UnknownVendorError extends Error {
  readonly field = 'vendor';
}

export async function testVendorConnection(
  deps: ConnectionTestDeps,
  portalId: number,
  vendor: string,
  candidateKey?: string,
): Promise<ConnectionTestResult> {
  const adapter = deps.adapters.get(vendor);
  if (!adapter) throw new UnknownVendorError(`unknown vendor "${vendor}"`);
  const apiKey = candidateKey?.trim() || (await deps.keys.keyFor(portalId, vendor))?.apiKey;
  if (!apiKey) {
    return { vendor, ok: false, status: 'invalid_key', httpStatus: 0, message: `No ${adapter.displayName} key is configured.`, checked: 'nothing (no key)', latencyMs: 0 };
  }
  const ep = deps.endpoints(vendor);
  const started = Date.now();
  let result: ConnectionTest;
  try {
    result = await adapter.testConnection({ apiKey, baseUrl: ep.baseUrl, ...(ep.hosts ? { hosts: ep.hosts } : {}), timeoutMs: Math.min(deps.timeoutMs, 10_000) });
  } catch {
    result = { ok: false, status: 'error', httpStatus: 0, message: `Could not test the ${adapter.displayName} key.`, checked: 'nothing' };
  }
  const message = result.message.split(apiKey).join('***');
  await recordAudit(deps.db, {
    portalId,
    type: 'vendor.connection_tested',
    detail: { vendor, ok: result.ok, status: result.status, httpStatus: result.httpStatus, candidate: !!candidateKey },
  });
  return { ...result, message, vendor, latencyMs: Date.now() - started };
}
