// Prometheus metrics (prom-client), one registry per Cascade so tests and several instances in one
// process do not share counters. Exposed at /metrics. Counters count what this process did; the
// gauges read the database at scrape time, so they describe the whole fleet whichever instance is
// scraped.
import client from 'prom-client';
import type { Knex } from 'knex';

export interface Metrics {
  registry: client.Registry;
  /** Key paths of vendor answers that differ from the adapters' schemas, per vendor and kind. */
  driftPaths: client.Gauge<'vendor' | 'kind'>;
  /** Vendor HTTP requests by vendor, operation, mode (single | batch | async) and outcome. */
  vendorRequests: client.Counter<'vendor' | 'operation' | 'mode' | 'outcome'>;
  /** HubSpot API calls by operation and status class. */
  hubspotCalls: client.Counter<'operation' | 'status'>;
  /** 429s HubSpot answered. */
  hubspot429s: client.Counter;
  /** Workflow action requests by how they were answered. */
  actionRequests: client.Counter<'result'>;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  return {
    registry,
    driftPaths: new client.Gauge({
      name: 'cascade_vendor_schema_drift_paths',
      help: 'Key paths of vendor answers that differ from the adapter schema (daily drift report)',
      labelNames: ['vendor', 'kind'],
      registers: [registry],
    }),
    vendorRequests: new client.Counter({
      name: 'cascade_vendor_requests_total',
      help: 'HTTP requests sent to vendors (outcome rate_limited = a 429 or the vendor\'s own limit signal)',
      labelNames: ['vendor', 'operation', 'mode', 'outcome'],
      registers: [registry],
    }),
    hubspotCalls: new client.Counter({
      name: 'cascade_hubspot_calls_total',
      help: 'HubSpot API calls by operation and HTTP status',
      labelNames: ['operation', 'status'],
      registers: [registry],
    }),
    hubspot429s: new client.Counter({
      name: 'cascade_hubspot_429_total',
      help: '429 answers received from HubSpot',
      registers: [registry],
    }),
    actionRequests: new client.Counter({
      name: 'cascade_workflow_action_requests_total',
      help: 'Workflow action requests by result (accepted, duplicate, coalesced, rejected_signature, invalid, not_installed)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

type Row = Record<string, unknown>;
const rowsOf = (r: unknown): Row[] => ((r as { rows?: Row[] }).rows ?? (r as Row[])) as Row[];

/** Fleet-wide gauges read from the database when /metrics is scraped. */
export function registerDatabaseGauges(metrics: Metrics, db: Knex): void {
  const registers = [metrics.registry];
  const query = async (sql: string, bindings: unknown[] = []) => rowsOf(await db.raw(sql, bindings as Knex.RawBinding[]));
  new client.Gauge({
    name: 'cascade_runs',
    help: 'Enrichment runs by state and final status',
    labelNames: ['state', 'status'],
    registers,
    async collect() {
      this.reset();
      for (const r of await query(`SELECT state, coalesce(status, '') AS status, count(*)::int AS n FROM enrichment_runs GROUP BY 1, 2`)) {
        this.set({ state: String(r.state), status: String(r.status) }, Number(r.n));
      }
    },
  });
  new client.Gauge({
    name: 'cascade_step_skips',
    help: 'Waterfall steps skipped, by reason',
    labelNames: ['reason'],
    registers,
    async collect() {
      this.reset();
      for (const r of await query(`SELECT skip_reason, count(*)::int AS n FROM run_steps WHERE skip_reason IS NOT NULL GROUP BY 1`)) {
        this.set({ reason: String(r.skip_reason) }, Number(r.n));
      }
    },
  });
  new client.Gauge({
    name: 'cascade_vendor_steps',
    help: 'Answered waterfall steps by vendor and where the answer came from (vendor | cache | memo)',
    labelNames: ['vendor', 'source'],
    registers,
    async collect() {
      this.reset();
      for (const r of await query(`SELECT vendor, source, count(*)::int AS n FROM run_steps WHERE source IS NOT NULL GROUP BY 1, 2`)) {
        this.set({ vendor: String(r.vendor), source: String(r.source) }, Number(r.n));
      }
    },
  });
  new client.Gauge({
    name: 'cascade_cache_hit_ratio',
    help: 'Share of answered steps served from the cache instead of a vendor call',
    registers,
    async collect() {
      const [r] = await query(`SELECT count(*) FILTER (WHERE source = 'cache')::int AS c, count(*) FILTER (WHERE source IN ('cache','vendor'))::int AS t FROM run_steps`);
      this.set(r && Number(r.t) > 0 ? Number(r.c) / Number(r.t) : 0);
    },
  });
  new client.Gauge({
    name: 'cascade_spend_cents',
    help: 'Money spent on vendors this UTC month, per vendor, in cents',
    labelNames: ['vendor'],
    registers,
    async collect() {
      this.reset();
      for (const r of await query(
        `SELECT vendor, sum(cost_mc)::bigint AS mc FROM run_steps WHERE billed AND created_at >= date_trunc('month', now()) GROUP BY 1`,
      )) {
        this.set({ vendor: String(r.vendor) }, Number(r.mc) / 1000);
      }
    },
  });
  new client.Gauge({
    name: 'cascade_queue_depth',
    help: 'Work waiting: runs queued or waiting on an async vendor, HubSpot writes pending per kind',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      for (const r of await query(`SELECT state, count(*)::int AS n FROM enrichment_runs WHERE state IN ('queued','waiting','running') GROUP BY 1`)) {
        this.set({ queue: `runs_${String(r.state)}` }, Number(r.n));
      }
      for (const r of await query(`SELECT kind, count(*)::int AS n FROM hubspot_outbox WHERE state = 'pending' GROUP BY 1`)) {
        this.set({ queue: `outbox_${String(r.kind)}` }, Number(r.n));
      }
    },
  });
}
