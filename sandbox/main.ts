// `npm run sandbox`: the vendor simulators as standalone servers, for running the backend against
// them by hand. Keys are listed on start; point APOLLO_BASE_URL / HUNTER_BASE_URL at the URLs shown.
import { createApolloSim } from './vendors/apollo.ts';
import { createHunterSim } from './vendors/hunter.ts';

const apolloPort = Number(process.env.SANDBOX_APOLLO_PORT ?? 4101);
const hunterPort = Number(process.env.SANDBOX_HUNTER_PORT ?? 4102);
const keys = { apollo: 'sandbox-apollo-key-0001', hunter: 'sandbox-hunter-key-0001' };

const apollo = await createApolloSim({ validKeys: [keys.apollo], latencyMs: [20, 80] }).start(apolloPort);
const hunter = await createHunterSim({ validKeys: [keys.hunter], latencyMs: [20, 80] }).start(hunterPort);
console.log(`Apollo simulator  APOLLO_BASE_URL=${apollo.url}/api/v1   key: ${keys.apollo}`);
console.log(`Hunter simulator  HUNTER_BASE_URL=${hunter.url}/v2       key: ${keys.hunter}`);
console.log(`Billing counters: ${apollo.url}/__sandbox/billing and ${hunter.url}/__sandbox/billing   (Ctrl-C to stop)`);
