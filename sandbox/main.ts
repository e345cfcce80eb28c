// `npm run sandbox`: every vendor simulator as a standalone server on a fixed port (4101…; override
// one with SANDBOX_<VENDOR>_PORT), and a sandbox HubSpot on 4120 (SANDBOX_HUBSPOT_PORT) with one
// portal of 50 contacts, for running the backend against them by hand. On start it prints, per
// vendor, the *_BASE_URL settings (server/config.ts) to point the adapter at it and the key the
// simulator accepts, and the HUBSPOT_* settings that point Cascade at the sandbox HubSpot.
import { createApolloSim } from './vendors/apollo.ts';
import { createClearbitSim } from './vendors/clearbit.ts';
import { createCognismSim } from './vendors/cognism.ts';
import type { RunningServer } from './vendors/common.ts';
import { createFullenrichSim } from './vendors/fullenrich.ts';
import { createHunterSim } from './vendors/hunter.ts';
import { createLushaSim } from './vendors/lusha.ts';
import { createNeverbounceSim } from './vendors/neverbounce.ts';
import { createPdlSim } from './vendors/pdl.ts';
import { createZerobounceSim } from './vendors/zerobounce.ts';
import { createHubSpotSandbox } from './hubspot/index.ts';
import { generateContacts } from './world.ts';

/**
 * Sandbox keys: never like real keys. Clearbit's adapter refuses any key that is not a legacy secret
 * key (`sk_…`) before calling, so its sandbox key has that form without looking like a live one.
 */
const KEYS = {
  apollo: 'sandbox-apollo-key-0001',
  hunter: 'sandbox-hunter-key-0001',
  pdl: 'sandbox-pdl-key-0001',
  lusha: 'sandbox-lusha-key-0001',
  zerobounce: 'sandbox-zerobounce-key-0001',
  neverbounce: 'sandbox-neverbounce-key-0001',
  cognism: 'sandbox-cognism-key-0001',
  clearbit: 'sk_cascade_sandbox_0001',
  fullenrich: 'sandbox-fullenrich-key-0001',
} as const;
type Vendor = keyof typeof KEYS;

const DEFAULT_PORTS: Record<Vendor | 'zerobounce_bulk' | 'hubspot', number> = {
  apollo: 4101,
  hunter: 4102,
  pdl: 4103,
  lusha: 4104,
  zerobounce: 4105,
  zerobounce_bulk: 4106,
  neverbounce: 4107,
  cognism: 4108,
  clearbit: 4109,
  fullenrich: 4110,
  hubspot: 4120,
};

/** The sandbox HubSpot's app credentials (HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET override them, so they match the server's). */
const HUBSPOT_CLIENT_ID = process.env.HUBSPOT_CLIENT_ID || 'cascade-sandbox-client';
const HUBSPOT_CLIENT_SECRET = process.env.HUBSPOT_CLIENT_SECRET || 'cascade-sandbox-client-secret-0001';
const HUBSPOT_PORTAL = Number(process.env.SANDBOX_HUBSPOT_PORTAL_ID || 4_242_001);
const port = (name: keyof typeof DEFAULT_PORTS) => Number(process.env[`SANDBOX_${name.toUpperCase()}_PORT`] ?? DEFAULT_PORTS[name]);
const opts = (vendor: Vendor) => ({ validKeys: [KEYS[vendor]], latencyMs: [20, 80] as [number, number] });

interface Started {
  vendor: Vendor;
  server: RunningServer;
  /** The config settings that point the adapter at this simulator. */
  env: Record<string, string>;
}

const started: Started[] = [];
const start = async (vendor: Vendor, run: () => Promise<{ server: RunningServer; env: Record<string, string> }>) => {
  const { server, env } = await run();
  started.push({ vendor, server, env });
};

await start('apollo', async () => {
  const server = await createApolloSim(opts('apollo')).start(port('apollo'));
  return { server, env: { APOLLO_BASE_URL: `${server.url}/api/v1` } };
});
await start('hunter', async () => {
  const server = await createHunterSim(opts('hunter')).start(port('hunter'));
  return { server, env: { HUNTER_BASE_URL: `${server.url}/v2` } };
});
await start('pdl', async () => {
  const server = await createPdlSim(opts('pdl')).start(port('pdl'));
  return { server, env: { PDL_BASE_URL: `${server.url}/v5` } };
});
await start('lusha', async () => {
  const server = await createLushaSim(opts('lusha')).start(port('lusha'));
  return { server, env: { LUSHA_BASE_URL: server.url } };
});
await start('zerobounce', async () => {
  const server = await createZerobounceSim(opts('zerobounce')).start(port('zerobounce'), port('zerobounce_bulk'));
  return { server, env: { ZEROBOUNCE_BASE_URL: `${server.apiUrl}/v2`, ZEROBOUNCE_BULK_BASE_URL: `${server.bulkUrl}/v2` } };
});
await start('neverbounce', async () => {
  const server = await createNeverbounceSim(opts('neverbounce')).start(port('neverbounce'));
  return { server, env: { NEVERBOUNCE_BASE_URL: `${server.url}/v4` } };
});
await start('cognism', async () => {
  const server = await createCognismSim(opts('cognism')).start(port('cognism'));
  return { server, env: { COGNISM_BASE_URL: `${server.url}/api/search` } };
});
await start('clearbit', async () => {
  const server = await createClearbitSim(opts('clearbit')).start(port('clearbit'));
  return { server, env: { CLEARBIT_PERSON_BASE_URL: server.personBaseUrl, CLEARBIT_COMPANY_BASE_URL: server.companyBaseUrl } };
});
await start('fullenrich', async () => {
  const server = await createFullenrichSim(opts('fullenrich')).start(port('fullenrich'));
  return { server, env: { FULLENRICH_BASE_URL: `${server.url}/api/v2` } };
});

for (const s of started) {
  const env = Object.entries(s.env).map(([k, v]) => `${k}=${v}`).join('  ');
  console.log(`${s.vendor.padEnd(12)} ${env}   key: ${KEYS[s.vendor]}`);
}
console.log(`Billing counters: <simulator URL>/__sandbox/billing, e.g. ${started[0]?.server.url}/__sandbox/billing`);

// The sandbox HubSpot: OAuth, the CRM API, workflow callbacks and the workflow engine, with one portal.
const hubspot = await createHubSpotSandbox({ clientId: HUBSPOT_CLIENT_ID, clientSecret: HUBSPOT_CLIENT_SECRET, latencyMs: [15, 45], port: port('hubspot') });
const contactIds = hubspot.addPortal(
  HUBSPOT_PORTAL,
  generateContacts(50, 12, 'npm-run-sandbox').map((c, i) => ({
    ...(c.email ? { email: c.email } : {}),
    firstname: c.firstName,
    lastname: c.lastName,
    website: c.domain,
    ...(i % 2 === 0 ? { company: c.companyName } : {}),
    // A value somebody typed in: the write policy must keep it.
    ...(i % 10 === 3 ? { jobtitle: 'Decision maker' } : {}),
  })),
);
console.log(
  `\nhubspot      HUBSPOT_API_BASE_URL=${hubspot.url}  HUBSPOT_AUTHORIZE_URL=${hubspot.authorizeUrl}\n` +
    `             HUBSPOT_CLIENT_ID=${HUBSPOT_CLIENT_ID}  HUBSPOT_CLIENT_SECRET=` +
    // A secret from the environment is never echoed; the built-in one is a sandbox-only value.
    (process.env.HUBSPOT_CLIENT_SECRET ? '(yours, from the environment)' : `${HUBSPOT_CLIENT_SECRET} (sandbox only)`),
);
console.log(`             portal ${HUBSPOT_PORTAL} with ${contactIds.length} contacts (ids ${contactIds[0]}…${contactIds.at(-1)}); rate limit 110 calls / 10 s per portal`);
console.log(`             install: open <PUBLIC_BASE_URL>/oauth/install (the sandbox approves as portal ${HUBSPOT_PORTAL}'s admin)`);
console.log(
  `             enrol: POST ${hubspot.url}/__sandbox/enroll {"portalId": ${HUBSPOT_PORTAL}, "actionUrl": "<PUBLIC_BASE_URL>/hubspot/actions/enrich", "contactIds": [...]}`,
);
console.log(`             counters: ${hubspot.url}/__sandbox/stats, contacts: ${hubspot.url}/__sandbox/portals/${HUBSPOT_PORTAL}/contacts/<id>   (Ctrl-C to stop)`);

const stop = async () => {
  await Promise.all([...started.map((s) => s.server.close()), hubspot.close()]);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
