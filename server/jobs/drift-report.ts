// The daily schema-drift report: what vendors sent that their adapters' schemas do not describe
// (new or renamed keys) and what the schemas expect that stopped coming, per vendor, from the
// counts the engine keeps (enrichment/drift-recorder.ts). Written to the audit log as one fleet-wide
// event per vendor with drift, and to the `cascade_vendor_schema_drift_paths` gauge.
import type { Knex } from 'knex';
import { recordAudit } from '../enrichment/audit.ts';
import type { Metrics } from '../metrics.ts';

export interface DriftPath {
  operation: string;
  path: string;
  count: number;
  lastSeen: string;
}

export interface VendorDrift {
  vendor: string;
  unknown: DriftPath[];
  missing: DriftPath[];
}

const MAX_PATHS_PER_KIND = 50;

export async function reportDrift(db: Knex | Knex.Transaction, metrics: Metrics | null, windowHours = 24): Promise<VendorDrift[]> {
  const rows = (await db('vendor_schema_drift')
    .where('last_seen', '>=', db.raw(`now() - (? * interval '1 hour')`, [windowHours]))
    .orderBy([{ column: 'vendor' }, { column: 'count', order: 'desc' }])
    .select('vendor', 'operation', 'path', 'kind', 'count', 'last_seen')) as {
    vendor: string;
    operation: string;
    path: string;
    kind: 'unknown' | 'missing';
    count: string | number;
    last_seen: Date;
  }[];
  const byVendor = new Map<string, VendorDrift>();
  for (const r of rows) {
    let v = byVendor.get(r.vendor);
    if (!v) {
      v = { vendor: r.vendor, unknown: [], missing: [] };
      byVendor.set(r.vendor, v);
    }
    v[r.kind].push({ operation: r.operation, path: r.path, count: Number(r.count), lastSeen: new Date(r.last_seen).toISOString() });
  }
  metrics?.driftPaths.reset();
  const report = [...byVendor.values()];
  for (const v of report) {
    metrics?.driftPaths.set({ vendor: v.vendor, kind: 'unknown' }, v.unknown.length);
    metrics?.driftPaths.set({ vendor: v.vendor, kind: 'missing' }, v.missing.length);
    await recordAudit(db, {
      portalId: null,
      type: 'vendor.schema_drift',
      detail: {
        vendor: v.vendor,
        windowHours,
        unknown: v.unknown.slice(0, MAX_PATHS_PER_KIND),
        missing: v.missing.slice(0, MAX_PATHS_PER_KIND),
        ...(v.unknown.length > MAX_PATHS_PER_KIND || v.missing.length > MAX_PATHS_PER_KIND ? { truncated: true } : {}),
      },
    });
  }
  return report;
}
