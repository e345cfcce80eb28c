// Counts schema drift per (vendor, operation, path, kind) in memory and adds the counts to the
// database every few seconds, so a vendor that drifts on every answer costs one upsert per flush,
// not one per call.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { SchemaDrift } from '../vendors/types.ts';

export class DriftRecorder {
  private counts = new Map<string, { vendor: string; operation: string; path: string; kind: 'unknown' | 'missing'; count: number }>();
  private readonly db: Knex;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;

  constructor(db: Knex, log: Logger, flushEveryMs = 10_000) {
    this.db = db;
    this.log = log;
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush(), flushEveryMs);
      this.timer.unref();
    }
  }

  record(vendor: string, operation: string, drift: SchemaDrift): void {
    for (const [kind, paths] of [['unknown', drift.unknown], ['missing', drift.missing]] as const) {
      for (const path of paths) {
        const id = `${vendor}\u0000${operation}\u0000${kind}\u0000${path}`;
        const c = this.counts.get(id);
        if (c) c.count++;
        else this.counts.set(id, { vendor, operation, path: path.slice(0, 300), kind, count: 1 });
      }
    }
  }

  async flush(): Promise<void> {
    if (this.counts.size === 0) return;
    const rows = [...this.counts.values()];
    this.counts = new Map();
    try {
      await this.db.raw(
        `INSERT INTO vendor_schema_drift (vendor, operation, path, kind, count, first_seen, last_seen)
         VALUES ${rows.map(() => '(?, ?, ?, ?, ?, now(), now())').join(', ')}
         ON CONFLICT (vendor, operation, path, kind)
         DO UPDATE SET count = vendor_schema_drift.count + EXCLUDED.count, last_seen = now()`,
        rows.flatMap((r) => [r.vendor, r.operation, r.path, r.kind, r.count]),
      );
    } catch (err) {
      this.log.warn({ err }, 'could not record schema drift');
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
