// Child process that hosts the Apollo and Hunter simulators for one benchmark phase. The vendors
// live outside the engine's process (as real vendors do), so their CPU does not compete with the
// engine's event loop, and the engine's CPU and memory figures are the engine's alone.
// Protocol (IPC): → {type:'ready', apolloUrl, hunterUrl}; ← {type:'snapshot', id} → {type:'snapshot', id, data};
// ← {type:'stop'} → exits.
import { performance } from 'node:perf_hooks';
import { createApolloSim } from '../sandbox/vendors/apollo.ts';
import { createHunterSim } from '../sandbox/vendors/hunter.ts';
import type { SimState } from '../sandbox/vendors/common.ts';
import type { SimChildOptions } from './workload.ts';
import type { SimSnapshot, VendorSnapshot } from './sims.ts';

const raw = process.env.BENCH_SIM_OPTIONS;
if (!raw || !process.send) {
  console.error('sim-child: run me through bench/sims.ts (needs BENCH_SIM_OPTIONS and an IPC channel)');
  process.exit(2);
}
const options = JSON.parse(raw) as SimChildOptions;
const apollo = createApolloSim(options.apollo);
const hunter = createHunterSim(options.hunter);
const [a, h] = await Promise.all([apollo.start(), hunter.start()]);
const cpu0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization();

function vendorSnapshot(state: SimState): VendorSnapshot {
  return {
    billing: state.billing.snapshot(),
    limitSignals: state.limitSignals,
    faultsInjected: { ...state.faults.injected },
    requests: state.requests.map((r) => [r.at, r.path, r.status, r.fault, JSON.stringify([r.query, r.body])]),
  };
}

process.on('message', (msg: { type: string; id?: number }) => {
  if (msg.type === 'snapshot') {
    const cpu = process.cpuUsage(cpu0);
    const data: SimSnapshot = {
      apollo: vendorSnapshot(apollo.state),
      hunter: vendorSnapshot(hunter.state),
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventLoopUtilization: performance.eventLoopUtilization(elu0).utilization,
      rssBytes: process.memoryUsage().rss,
    };
    process.send!({ type: 'snapshot', id: msg.id, data });
  } else if (msg.type === 'stop') {
    void Promise.all([a.close(), h.close()]).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', apolloUrl: `${a.url}/api/v1`, hunterUrl: `${h.url}/v2` });
