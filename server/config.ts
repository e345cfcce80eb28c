// Configuration comes only from the environment and is validated once, at start-up, so a bad value
// stops the process with a message naming the variable instead of failing later mid-run.
import cron from 'node-cron';
import { z } from 'zod';

const url = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

const int = (def: number, min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(def);

// "id:base64key,id2:base64key2" — the first key encrypts, every listed key can decrypt (rotation).
const encryptionKeys = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const keys: { id: string; key: Buffer }[] = [];
    for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
      const sep = part.indexOf(':');
      const id = sep > 0 ? part.slice(0, sep) : '';
      const key = Buffer.from(sep > 0 ? part.slice(sep + 1) : '', 'base64');
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message: 'each entry must be "<id>:<32 bytes in base64>" (id: letters, digits, _ or -)',
        });
        return z.NEVER;
      }
      keys.push({ id, key });
    }
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one key' });
      return z.NEVER;
    }
    return keys;
  });

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(3000, 1, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: int(20, 2, 500),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  ENCRYPTION_KEYS: encryptionKeys.optional(),
  APOLLO_BASE_URL: url.default('https://api.apollo.io/api/v1'),
  HUNTER_BASE_URL: url.default('https://api.hunter.io/v2'),
  PDL_BASE_URL: url.default('https://api.peopledatalabs.com/v5'),
  LUSHA_BASE_URL: url.default('https://api.lusha.com'),
  ZEROBOUNCE_BASE_URL: url.default('https://api.zerobounce.net/v2'),
  ZEROBOUNCE_BULK_BASE_URL: url.default('https://bulkapi.zerobounce.net/v2'),
  NEVERBOUNCE_BASE_URL: url.default('https://api.neverbounce.com/v4'),
  COGNISM_BASE_URL: url.default('https://app.cognism.com/api/search'),
  CLEARBIT_PERSON_BASE_URL: url.default('https://person.clearbit.com/v2'),
  CLEARBIT_COMPANY_BASE_URL: url.default('https://company.clearbit.com/v2'),
  FULLENRICH_BASE_URL: url.default('https://app.fullenrich.com/api/v2'),
  // Where vendors (and later HubSpot) reach this backend; async vendors post their answers here.
  PUBLIC_BASE_URL: url.optional(),
  // Signs the short-lived tokens in async vendors' callback URLs. Unset: derived from the first
  // ENCRYPTION_KEYS entry (or the embedded default's generated key).
  CALLBACK_SIGNING_SECRET: z.string().trim().min(32, 'must be at least 32 characters').optional(),
  // Steps bound for a vendor's bulk endpoint wait this long for company before the batch leaves.
  VENDOR_BATCH_WINDOW_MS: int(2_000, 0, 30_000),
  // The daily schema-drift report (node-cron syntax, server time).
  DRIFT_REPORT_CRON: z.string().trim().refine((v) => cron.validate(v), 'must be a cron expression, e.g. "17 3 * * *"').default('17 3 * * *'),
  // --- HubSpot -------------------------------------------------------------------------------
  // The public app's OAuth credentials. The client secret also verifies every signed request HubSpot
  // sends (workflow actions, webhooks, hubspot.fetch). Unset: the HubSpot routes answer 503.
  HUBSPOT_CLIENT_ID: z.string().trim().min(1).optional(),
  // The app's numeric id: hubspot.fetch appends it as appId; a request naming another app is refused.
  HUBSPOT_APP_ID: z.string().trim().regex(/^\d+$/, 'must be the numeric app id').optional(),
  HUBSPOT_CLIENT_SECRET: z.string().trim().min(8, 'must be at least 8 characters').optional(),
  HUBSPOT_API_BASE_URL: url.default('https://api.hubapi.com'),
  HUBSPOT_AUTHORIZE_URL: url.default('https://app.hubspot.com/oauth/authorize'),
  // The timeline app event type (eventTypeName) once HubSpot has approved it; unset = the audit trail
  // stays in Cascade's database and the cascade_* properties only.
  HUBSPOT_APP_EVENT_TYPE: z.string().trim().min(1).max(200).optional(),
  // The marketplace listing's support contacts (app-hsmeta.json): unset → support@<host>,
  // <PUBLIC_BASE_URL>/docs and /support. Only the project generator reads them.
  APP_SUPPORT_EMAIL: z.email().optional(),
  APP_DOCUMENTATION_URL: url.optional(),
  APP_SUPPORT_URL: url.optional(),
  // Calls per portal per 10 s Cascade allows itself (HubSpot allows 110; the rest is headroom).
  HUBSPOT_CALLS_PER_10S: int(100, 1, 110),
  // Queued writes (properties, callback completions, timeline events) wait up to this long to share
  // a batch of 100; card clicks are flushed at once.
  OUTBOX_FLUSH_DELAY_MS: int(10_000, 0, 300_000),
  // How the workflow waits for us: HubSpot moves on without our outputs after this (ISO-8601).
  WORKFLOW_BLOCK_EXPIRATION: z.string().trim().regex(/^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/, 'must be an ISO-8601 duration such as P1D or PT12H').default('P1D'),
  TOKEN_REFRESH_CRON: z.string().trim().refine((v) => cron.validate(v), 'must be a cron expression').default('*/5 * * * *'),
  OUTBOX_SWEEP_CRON: z.string().trim().refine((v) => cron.validate(v), 'must be a cron expression').default('* * * * *'),
  CACHE_PURGE_CRON: z.string().trim().refine((v) => cron.validate(v), 'must be a cron expression').default('41 2 * * *'),
  SCHEDULED_REFRESH_CRON: z.string().trim().refine((v) => cron.validate(v), 'must be a cron expression').default('23 * * * *'),
  VENDOR_TIMEOUT_MS: int(10_000, 100, 120_000),
  VENDOR_MAX_IN_FLIGHT: int(8, 1, 200),
  VENDOR_MAX_ATTEMPTS: int(3, 1, 10),
  // Unset: 50 ms on Postgres (network transit), 250 ms on the embedded PGlite, whose queries run on
  // the engine's own event loop and can hold a send back at the start of a burst.
  RATE_WINDOW_GUARD_MS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be at least 0').max(5_000, 'must be at most 5000').optional(),
  STEP_WAIT_BUDGET_MS: int(120_000, 0, 3_600_000),
  // 0: this instance executes no runs (an HTTP front that only answers HubSpot; workers elsewhere).
  WORKER_CONCURRENCY: int(16, 0, 500),
  RUN_LEASE_MS: int(30_000, 1_000, 3_600_000),
});

type Parsed = z.infer<typeof configSchema>;

export type Config = Parsed;

export class ConfigError extends Error {
  readonly problems: { variable: string; message: string }[];
  constructor(problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the environment. Empty strings count as unset, as most .env loaders produce them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') input[key] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    // Messages never echo the offending value: it may be a secret.
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(root)'), message: i.message })),
    );
  }
  const cfg = parsed.data;
  if (cfg.DATABASE_URL && !cfg.ENCRYPTION_KEYS) {
    throw new ConfigError([
      {
        variable: 'ENCRYPTION_KEYS',
        message: 'is required when DATABASE_URL is set (only the embedded default may generate its own key)',
      },
    ]);
  }
  return cfg;
}
