import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { pinoHttp } from 'pino-http';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubUrl } from '../../server/log.ts';

function captured() {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } });
  return { log, text: () => lines.join('') };
}

/** Log lines shaped like the project's real call sites, each carrying `secret` somewhere it must not show. */
function logCallSites(log: ReturnType<typeof createLogger>, secret: string): void {
  log.info({ apiKey: secret, vendor: 'apollo' }, 'saved key');
  log.info({ api_key: secret, key: secret, token: secret, secret, password: secret }, 'flat fields');
  log.warn({ vendor: { id: 'hunter', apiKey: secret, api_key: secret, token: secret, secret, password: secret } }, 'vendor');
  log.info(
    {
      req: {
        method: 'GET',
        url: `/v2/x?api_key=${secret}&domain=a.com`,
        headers: {
          'x-api-key': secret,
          authorization: `Bearer ${secret}`,
          cookie: `sid=${secret}`,
          'x-hubspot-signature': secret,
          'x-hubspot-signature-v3': secret,
          host: 'app.example.com',
        },
      },
    },
    'request',
  );
  log.info({ url: `https://h/?key=${secret}` }, 'outbound');
  log.info({ call: { url: `https://api.hunter.io/v2/email-finder?domain=a.com&api_key=${secret}` } }, 'nested url');
  log.info({ headers: { 'x-api-key': secret, accept: 'application/json' } }, 'outbound headers');
  log.info({ request: { headers: { 'x-api-key': secret, authorization: `Bearer ${secret}` } } }, 'nested headers');
  log.info({ tokens: { accessToken: secret, refreshToken: secret } }, 'oauth');
  log.info({ accessToken: secret, refreshToken: secret, authorization: `Bearer ${secret}` }, 'oauth flat');
  log.info(`GET https://api.hunter.io/v2/account?api_key=${secret} failed`);
  log.info({ url: `https://hubspot.example/crm?hapikey=${secret}&limit=10` }, 'legacy');
  log.error({ err: new Error(`request to https://h/x?api_key=${secret} failed`) }, 'vendor call failed');
  log.child({ apiKey: secret }).info('child bindings');
}

describe('log redaction', () => {
  it('keeps secrets out of every real call-site shape, and keeps the non-secret fields', () => {
    const secret = 'SUPERSECRETvalue12345';
    const { log, text } = captured();
    logCallSites(log, secret);
    const out = text();
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('domain=a.com');
    expect(out).toContain('limit=10');
    expect(out).toContain('app.example.com');
    expect(out).toContain('"vendor":"apollo"');
    expect(out).toContain('"id":"hunter"');
    expect(out).toContain('application/json');
    expect(out).toContain('/v2/x?api_key=[REDACTED]&domain=a.com');
    expect(out).toContain('https://h/?key=[REDACTED]');
    // every line is still valid JSON
    for (const line of out.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('property: arbitrary alphanumeric secrets never appear in the output', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{12,48}$/), (secret) => {
        const { log, text } = captured();
        logCallSites(log, secret);
        expect(text()).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });

  it('redacts pino-http request logs from a real server', async () => {
    const secret = 'HTTPSECRETabcdef123456';
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (s: string) => void lines.push(s) } });
    const httpLog = pinoHttp({ logger });
    const server = createServer((req, res) => {
      httpLog(req, res);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/v2/x?api_key=${secret}&domain=a.com`, {
        headers: { 'x-api-key': secret, authorization: `Bearer ${secret}`, cookie: `s=${secret}` },
      });
      await res.text();
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      await new Promise((r) => server.close(r));
    }
    const out = lines.join('');
    expect(out).toContain('request completed');
    expect(out).toContain('domain=a.com');
    expect(out).not.toContain(secret);
  });
});

describe('scrubUrl', () => {
  it('replaces credential query values and keeps everything else', () => {
    expect(scrubUrl('/v2/x?api_key=SECRET&domain=a.com')).toBe('/v2/x?api_key=[REDACTED]&domain=a.com');
    expect(scrubUrl('https://h/?key=SECRET')).toBe('https://h/?key=[REDACTED]');
    expect(scrubUrl('https://h/p?a=1&hapikey=SECRET#frag')).toBe('https://h/p?a=1&hapikey=[REDACTED]#frag');
    expect(scrubUrl('https://h/p?API_KEY=SECRET')).toBe('https://h/p?API_KEY=[REDACTED]');
    expect(scrubUrl('https://user:SECRET@h/p')).toBe('https://user:[REDACTED]@h/p');
    expect(scrubUrl('https://h/p?monkey=banana&keyword=x')).toBe('https://h/p?monkey=banana&keyword=x');
    expect(scrubUrl('/plain/path')).toBe('/plain/path');
  });

  it('property: a secret in any credential parameter disappears, other parameters stay', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{12,40}$/),
        fc.constantFrom('api_key', 'key', 'hapikey', 'apikey', 'token', 'access_token'),
        fc.boolean(),
        (secret, param, first) => {
          const url = first
            ? `https://h/p?${param}=${secret}&domain=a.com`
            : `https://h/p?domain=a.com&${param}=${secret}`;
          const out = scrubUrl(url);
          expect(out).not.toContain(secret);
          expect(out).toContain('domain=a.com');
        },
      ),
    );
  });
});
