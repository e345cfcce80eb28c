// A vendor simulator in its own process, as a real vendor is: its clock and its rate windows are not
// held up by the test's event loop. Prints "url=<base>" when listening.
import { createApolloSim } from '../../sandbox/vendors/apollo.ts';
import { createHunterSim } from '../../sandbox/vendors/hunter.ts';

const spec = JSON.parse(process.env.SIM_SPEC ?? '{}') as { vendor: 'apollo' | 'hunter'; options: Record<string, unknown> };
const sim = spec.vendor === 'apollo'
  ? createApolloSim(spec.options as unknown as Parameters<typeof createApolloSim>[0])
  : createHunterSim(spec.options as unknown as Parameters<typeof createHunterSim>[0]);
const server = await sim.start();
process.stdout.write(`url=${server.url}${spec.vendor === 'apollo' ? '/api/v1' : '/v2'}\n`);
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
