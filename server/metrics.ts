// Prometheus metrics (prom-client), one registry per Cascade so tests and several instances in one
// process do not share counters. Exposed at /metrics.
import client from 'prom-client';

export interface Metrics {
  registry: client.Registry;
  /** Key paths of vendor answers that differ from the adapters' schemas, per vendor and kind. */
  driftPaths: client.Gauge<'vendor' | 'kind'>;
  /** Vendor HTTP requests by vendor, operation, mode (single | batch | async) and outcome. */
  vendorRequests: client.Counter<'vendor' | 'operation' | 'mode' | 'outcome'>;
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
      help: 'HTTP requests sent to vendors',
      labelNames: ['vendor', 'operation', 'mode', 'outcome'],
      registers: [registry],
    }),
  };
}
