// Child process that hosts the nine vendor simulators of the catalog benchmark. The vendors live
// outside the engine's process (as real vendors do), so their CPU does not compete with the engine's
// event loop, and the engine's CPU and memory figures are the engine's alone.
// Protocol (IPC): → {type:'ready', env}; ← {type:'snapshot', id} → {type:'snapshot', id, data};
// ← {type:'stop'} → exits.
import { performance } from 'node:perf_hooks';
import express from 'express';
import { createApolloSim } from '../sandbox/vendors/apollo.ts';
import { createHunterSim } from '../sandbox/vendors/hunter.ts';
import { createPdlSim } from '../sandbox/vendors/pdl.ts';
import { createLushaSim } from '../sandbox/vendors/lusha.ts';
import { createZerobounceSim } from '../sandbox/vendors/zerobounce.ts';
import { createNeverbounceSim } from '../sandbox/vendors/neverbounce.ts';
import { createCognismSim } from '../sandbox/vendors/cognism.ts';
import { createClearbitSim } from '../sandbox/vendors/clearbit.ts';
import { createFullenrichSim } from '../sandbox/vendors/fullenrich.ts';
import { listen, prng } from '../sandbox/vendors/common.ts';
import type { RunningServer, SimState } from '../sandbox/vendors/common.ts';
import type { CatalogSimOptions, VendorId } from './catalog-workload.ts';
import type { CatalogSimSnapshot, CatalogVendorSnapshot } from './catalog-sims.ts';

const raw = process.env.BENCH_CATALOG_SIM_OPTIONS;
if (!raw || !process.send) {
  console.error('catalog-sim-child: run me through bench/catalog-sims.ts (needs BENCH_CATALOG_SIM_OPTIONS and an IPC channel)');
  process.exit(2);
}
const options = JSON.parse(raw) as CatalogSimOptions;

const apollo = createApolloSim(options.apollo);
const hunter = createHunterSim(options.hunter);
const pdl = createPdlSim(options.pdl);
const lusha = createLushaSim(options.lusha);
const zerobounce = createZerobounceSim(options.zerobounce);
const neverbounce = createNeverbounceSim(options.neverbounce);
const cognism = createCognismSim(options.cognism);
const clearbit = createClearbitSim(options.clearbit);
const fullenrich = createFullenrichSim(options.fullenrich);

// FullEnrich: each submission draws its own callback delay, and a share of them never call back
// (the engine must poll). The simulator reads both from its state when it accepts a submission.
const feBench = options.fullenrichBench;
const feRand = prng((options.fullenrich.seed ?? 1) + 99);
const feFront = express();
feFront.use((req, _res, next) => {
  if (req.method === 'POST' && req.path === '/api/v2/contact/enrich/bulk') {
    const [lo, hi] = feBench.callbackDelayMs;
    fullenrich.state.callbackDelayMs = Math.round(lo + feRand() * Math.max(0, hi - lo));
    fullenrich.state.callbackMode = feRand() < feBench.dropShare ? 'drop' : 'normal';
  }
  next();
});
feFront.use(fullenrich.app);

const servers: RunningServer[] = [];
const up = async <T extends RunningServer>(p: Promise<T>): Promise<T> => {
  const s = await p;
  servers.push(s);
  return s;
};
const [a, h, p, l, zb, nb, cg, cb, fe] = await Promise.all([
  up(apollo.start()),
  up(hunter.start()),
  up(pdl.start()),
  up(lusha.start()),
  up(zerobounce.start()),
  up(neverbounce.start()),
  up(cognism.start()),
  up(clearbit.start()),
  up(listen(feFront)),
]);

/** Engine settings (server/config.ts) that point every adapter at its simulator. */
const env: Record<string, string> = {
  APOLLO_BASE_URL: `${a.url}/api/v1`,
  HUNTER_BASE_URL: `${h.url}/v2`,
  PDL_BASE_URL: `${p.url}/v5`,
  LUSHA_BASE_URL: l.url,
  ZEROBOUNCE_BASE_URL: `${zb.apiUrl}/v2`,
  ZEROBOUNCE_BULK_BASE_URL: `${zb.bulkUrl}/v2`,
  NEVERBOUNCE_BASE_URL: `${nb.url}/v4`,
  COGNISM_BASE_URL: `${cg.url}/api/search`,
  CLEARBIT_PERSON_BASE_URL: cb.personBaseUrl,
  CLEARBIT_COMPANY_BASE_URL: cb.companyBaseUrl,
  FULLENRICH_BASE_URL: `${fe.url}/api/v2`,
};

const states: Record<VendorId, SimState> = {
  apollo: apollo.state,
  hunter: hunter.state,
  pdl: pdl.state,
  lusha: lusha.state,
  zerobounce: zerobounce.state,
  neverbounce: neverbounce.state,
  cognism: cognism.state,
  clearbit: clearbit.state,
  fullenrich: fullenrich.state,
};

const cpu0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization();

function vendorSnapshot(state: SimState): CatalogVendorSnapshot {
  return {
    billing: state.billing.snapshot(),
    limitSignals: state.limitSignals,
    faultsInjected: { ...state.faults.injected },
    requests: state.requests.map((r) => [r.at, r.method, r.path, r.status, r.fault, r.keyTail]),
  };
}

function fullenrichExtra(): CatalogSimSnapshot['fullenrich'] {
  const enrichments = [...fullenrich.state.enrichments.values()];
  const byMode: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const e of enrichments) {
    byMode[e.callbackMode] = (byMode[e.callbackMode] ?? 0) + 1;
    byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
  }
  const deliveries: Record<string, number> = {};
  for (const c of fullenrich.state.callbacks) deliveries[String(c.status)] = (deliveries[String(c.status)] ?? 0) + 1;
  return {
    enrichments: enrichments.length,
    contacts: enrichments.reduce((n, e) => n + e.contacts.length, 0),
    byCallbackMode: byMode,
    byStatus,
    callbackDeliveries: fullenrich.state.callbacks.length,
    callbackDeliveriesByStatus: deliveries,
  };
}

process.on('message', (msg: { type: string; id?: number }) => {
  if (msg.type === 'snapshot') {
    const cpu = process.cpuUsage(cpu0);
    const vendors = {} as Record<VendorId, CatalogVendorSnapshot>;
    for (const [v, s] of Object.entries(states) as [VendorId, SimState][]) vendors[v] = vendorSnapshot(s);
    const data: CatalogSimSnapshot = {
      vendors,
      fullenrich: fullenrichExtra(),
      zerobounceHostHits: { ...zerobounce.state.hostHits },
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventLoopUtilization: performance.eventLoopUtilization(elu0).utilization,
      rssBytes: process.memoryUsage().rss,
    };
    process.send!({ type: 'snapshot', id: msg.id, data });
  } else if (msg.type === 'stop') {
    void Promise.all(servers.map((s) => s.close())).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', env });
