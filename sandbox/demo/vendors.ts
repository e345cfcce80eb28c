// The nine simulated vendors of `npm run demo`, in this process on free ports: their options (the
// demo's "plan" with each vendor), the engine settings that point every adapter at its simulator,
// and the FullEnrich adapter with its polling shortened from minutes to seconds.
import express from 'express';
import type { Config } from '../../server/config.ts';
import { defaultAdapters } from '../../server/vendors/registry.ts';
import type { VendorAdapter } from '../../server/vendors/types.ts';
import { createApolloSim } from '../vendors/apollo.ts';
import { createHunterSim } from '../vendors/hunter.ts';
import { createPdlSim } from '../vendors/pdl.ts';
import { createLushaSim } from '../vendors/lusha.ts';
import { createZerobounceSim } from '../vendors/zerobounce.ts';
import { createNeverbounceSim } from '../vendors/neverbounce.ts';
import { createCognismSim } from '../vendors/cognism.ts';
import { createClearbitSim } from '../vendors/clearbit.ts';
import { createFullenrichSim } from '../vendors/fullenrich.ts';
import type { FullenrichSimState } from '../vendors/fullenrich.ts';
import { listen } from '../vendors/common.ts';
import type { RunningServer, SimState } from '../vendors/common.ts';

export const VENDOR_IDS = ['apollo', 'hunter', 'pdl', 'lusha', 'zerobounce', 'neverbounce', 'cognism', 'clearbit', 'fullenrich'] as const;
export type VendorId = (typeof VENDOR_IDS)[number];

/** The customer's plan on the two original simulators, and the same windows in the portals' settings. */
export const APOLLO_PLAN = [
  { limit: 1_000, windowMs: 60_000 },
  { limit: 6_000, windowMs: 3_600_000 },
  { limit: 50_000, windowMs: 86_400_000 },
];
export const HUNTER_GENERAL_PLAN = { perSecond: 40, perMinute: 2_000 };
export const HUNTER_VERIFIER_PLAN = { perSecond: 25, perMinute: 1_500 };

/** FullEnrich "works" this long on a submission (the real one takes 30–90 s per contact). */
export const FULLENRICH_WORK_MS = 1_500;
/** The FullEnrich adapter's polling in the demo, instead of its real 2 min / 1 min / 30 min. */
export const FULLENRICH_DEMO_POLLING = { pollAfterMs: 4_000, pollEveryMs: 2_000, giveUpAfterMs: 60_000 };
/** Submissions (1st, 2nd, …) whose callback the simulated FullEnrich never sends: the engine must poll. */
export const FULLENRICH_DROPPED_CALLBACKS: ReadonlySet<number> = new Set([2, 5]);

/** Simulated coverage (share of the world each vendor knows) where the demo differs from a simulator's default. */
export const DEMO_COVERAGE: Partial<Record<VendorId, string>> = {
  pdl: '50%',
  lusha: '50%',
  cognism: '45%',
  fullenrich: '85% (a mobile for 60% of those)',
};

export interface DemoSim {
  name: VendorId;
  state: SimState;
  server: RunningServer;
}

export interface DemoVendors {
  sims: DemoSim[];
  fullenrich: FullenrichSimState;
  /** `*_BASE_URL` settings (server/config.ts) pointing each adapter at its simulator. */
  urls: Pick<
    Config,
    | 'APOLLO_BASE_URL'
    | 'HUNTER_BASE_URL'
    | 'PDL_BASE_URL'
    | 'LUSHA_BASE_URL'
    | 'ZEROBOUNCE_BASE_URL'
    | 'ZEROBOUNCE_BULK_BASE_URL'
    | 'NEVERBOUNCE_BASE_URL'
    | 'COGNISM_BASE_URL'
    | 'CLEARBIT_PERSON_BASE_URL'
    | 'CLEARBIT_COMPANY_BASE_URL'
    | 'FULLENRICH_BASE_URL'
  >;
  /** Turns the injected 5xx on (after "Test connection", whose one line per vendor should not be a coin toss). */
  enableFaults(): void;
  close(): Promise<void>;
}

/**
 * The built-in adapters, with FullEnrich's polling timings shortened for a one-minute demo (its
 * real first poll is after two minutes).
 */
export function demoAdapters(): Map<string, VendorAdapter> {
  const adapters = defaultAdapters();
  const fe = adapters.get('fullenrich')!;
  const feSpec = fe.operations.contact_enrich!;
  adapters.set('fullenrich', { ...fe, operations: { ...fe.operations, contact_enrich: { ...feSpec, async: FULLENRICH_DEMO_POLLING } } });
  return adapters;
}

const LATENCY: [number, number] = [20, 80];
const FAULT_SHARE = 0.01;

/** Starts the nine simulators; `keys` are the keys each vendor accepts. */
export async function startVendors(keys: Record<VendorId, string[]>): Promise<DemoVendors> {
  const common = (vendor: VendorId, seed: number) => ({ validKeys: keys[vendor], latencyMs: LATENCY, seed });
  const apollo = createApolloSim(common('apollo', 11));
  const hunter = createHunterSim({
    ...common('hunter', 23),
    limits: { general: HUNTER_GENERAL_PLAN, verifier: HUNTER_VERIFIER_PLAN },
    // Opt-outs (451) and "still verifying" (202) keep their defaults; remote SMTP failures would make
    // the engine back off for a minute, too long for a demo.
    smtpFailure: { share: 0 },
  });
  const pdl = createPdlSim({ ...common('pdl', 31), coverage: 0.5 });
  const lusha = createLushaSim({ ...common('lusha', 37), coverage: 0.5 });
  const zerobounce = createZerobounceSim(common('zerobounce', 41));
  const neverbounce = createNeverbounceSim(common('neverbounce', 43));
  const cognism = createCognismSim({ ...common('cognism', 47), coverage: 0.45 });
  const clearbit = createClearbitSim(common('clearbit', 53));
  const fullenrich = createFullenrichSim({
    ...common('fullenrich', 59),
    coverage: 0.85,
    phoneCoverage: 0.6,
    callbackDelayMs: FULLENRICH_WORK_MS,
    callbackRetryMs: 2_000,
  });

  // FullEnrich decides per submission whether it will call back: the ones numbered in
  // FULLENRICH_DROPPED_CALLBACKS never do (the mode is read when the enrichment finishes).
  const numbered = new Set<string>();
  const feFront = express();
  feFront.use((req, res, next) => {
    if (req.method === 'POST' && req.path === '/api/v2/contact/enrich/bulk') {
      res.on('finish', () => {
        for (const e of fullenrich.state.enrichments.values()) {
          if (numbered.has(e.id)) continue;
          numbered.add(e.id);
          if (FULLENRICH_DROPPED_CALLBACKS.has(numbered.size)) e.callbackMode = 'drop';
        }
      });
    }
    next();
  });
  feFront.use(fullenrich.app);

  const [a, h, p, l, zb, nb, cg, cb, fe] = await Promise.all([
    apollo.start(),
    hunter.start(),
    pdl.start(),
    lusha.start(),
    zerobounce.start(),
    neverbounce.start(),
    cognism.start(),
    clearbit.start(),
    listen(feFront),
  ]);
  const sims: DemoSim[] = [
    { name: 'apollo', state: apollo.state, server: a },
    { name: 'hunter', state: hunter.state, server: h },
    { name: 'pdl', state: pdl.state, server: p },
    { name: 'lusha', state: lusha.state, server: l },
    { name: 'zerobounce', state: zerobounce.state, server: zb },
    { name: 'neverbounce', state: neverbounce.state, server: nb },
    { name: 'cognism', state: cognism.state, server: cg },
    { name: 'clearbit', state: clearbit.state, server: cb },
    { name: 'fullenrich', state: fullenrich.state, server: fe },
  ];
  return {
    sims,
    fullenrich: fullenrich.state,
    urls: {
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
    },
    enableFaults: () => {
      // FullEnrich keeps a clean line: its part of the story is callbacks and polling.
      for (const s of sims) if (s.name !== 'fullenrich') s.state.faults.rates.error5xx = FAULT_SHARE;
    },
    close: async () => {
      await Promise.all(sims.map((s) => s.server.close()));
    },
  };
}
