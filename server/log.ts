// The one logger factory. Secrets (customers' vendor API keys, OAuth tokens, HubSpot signatures,
// cookies) must never reach a log line, so three layers apply to everything logged:
//   1. `redact` paths: known secret-bearing fields are replaced by "[REDACTED]" wherever call sites put
//      them (top level, one level down, request/response headers).
//   2. URL scrubbing: `url` fields (top level, nested, `req.url` from pino-http) keep their path and
//      harmless parameters but lose the values of credential query parameters (api_key=, key=,
//      hapikey=, token=, …) and any user:password@.
//   3. Messages and serialized errors get the same URL scrubbing, since a failed request's message often
//      quotes its URL.
// Never pass a secret in a message string or under an unlisted field name; these layers are the net,
// not the plan.
import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions as PinoOptions } from 'pino';
import type { Config } from './config.ts';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

// Header names as Node delivers them (lower case) and as call sites tend to write them.
const SECRET_HEADERS = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  '["set-cookie"]',
  '["x-api-key"]',
  '["X-Api-Key"]',
  '["X-API-KEY"]',
  'api_key',
  '["x-hubspot-signature"]',
  '["x-hubspot-signature-v3"]',
  '["X-HubSpot-Signature"]',
  '["X-HubSpot-Signature-v3"]',
];

const SECRET_FIELDS = [
  'apiKey',
  'api_key',
  'apikey',
  'key',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'password',
  'authorization',
  'hapikey',
  'plaintext',
];

/** Every redacted path (pino/fast-redact syntax). */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  '*.*.apiKey',
  '*.*.api_key',
  '*.*.token',
  '*.*.accessToken',
  '*.*.refreshToken',
  '*.*.secret',
  '*.*.password',
  ...SECRET_HEADERS.flatMap((h) => {
    const seg = h.startsWith('[') ? h : `.${h}`;
    return [`headers${seg}`, `*.headers${seg}`, `req.headers${seg}`, `res.headers${seg}`];
  }),
  '["x-api-key"]',
]);

/** Fields holding URLs: scrubbed (not blanked) so the path and harmless parameters stay readable. */
const URL_FIELDS = ['url', 'originalUrl', 'href'];
const URL_PATHS: readonly string[] = URL_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

// Query/fragment parameters whose values are credentials. Matched as whole names, case-insensitively.
const SECRET_PARAMS = [
  'api_key',
  'apikey',
  'api-key',
  'key',
  'hapikey',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'secret',
  'password',
  'code',
  'signature',
];
const SECRET_PARAM_RE = new RegExp(`([?&#;](?:${SECRET_PARAMS.join('|')})=)[^&#;\\s"'<>]*`, 'gi');
const USERINFO_RE = /(\/\/[^/?#@\s:"'<>]*:)[^/?#@\s"'<>]*@/g;

/**
 * Replaces the values of credential query parameters (api_key=, key=, hapikey=, token=, …) and URL
 * passwords with "[REDACTED]". Works on absolute and relative URLs and on text quoting a URL.
 */
export function scrubUrl(url: string): string {
  if (typeof url !== 'string') return url;
  return url.replace(SECRET_PARAM_RE, `$1${REDACTED}`).replace(USERINFO_RE, `$1${REDACTED}@`);
}

function scrubUrlValue(value: unknown): unknown {
  if (typeof value === 'string') return scrubUrl(value);
  if (value instanceof URL) return scrubUrl(value.href);
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return REDACTED; // an unexpected shape under a URL field: do not risk it
}

const ERROR_TEXT_KEYS = new Set(['message', 'stack', 'url']);

/** Scrubs URL-like text in a serialized error (and its causes / aggregated errors). */
function scrubErrorFields(value: unknown, depth = 0): unknown {
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubErrorFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      typeof v === 'string' && ERROR_TEXT_KEYS.has(k) ? scrubUrl(v) : typeof v === 'object' ? scrubErrorFields(v, depth + 1) : v;
  }
  return out;
}

const errSerializer = (err: unknown): unknown =>
  scrubErrorFields(err instanceof Error ? pino.stdSerializers.err(err) : err);

export interface LoggerOptions {
  /** Log level; pass `config.LOG_LEVEL`. Default 'info'. */
  level?: Config['LOG_LEVEL'];
  /** Added to every line as `name`. */
  name?: string;
  /** Where lines go (default stdout). Tests pass a stream that captures them. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options: PinoOptions = {
    level: opts.level ?? 'info',
    ...(opts.name ? { name: opts.name } : {}),
    redact: {
      paths: [...REDACT_PATHS, ...URL_PATHS],
      // URL fields are scrubbed; everything else listed is blanked.
      censor: (value: unknown, path: string[]) => {
        const last = path[path.length - 1];
        return last !== undefined && URL_FIELDS.includes(last) ? scrubUrlValue(value) : REDACTED;
      },
    },
    serializers: {
      err: errSerializer,
      error: errSerializer,
    },
    hooks: {
      // Message strings (and printf-style arguments) get the URL scrub too.
      logMethod(args, method) {
        const scrubbed = args.map((a: unknown) => (typeof a === 'string' ? scrubUrl(a) : a)) as typeof args;
        method.apply(this, scrubbed);
      },
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
