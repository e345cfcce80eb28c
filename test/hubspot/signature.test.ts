// HubSpot request signatures: ours agree with @hubspot/api-client's Signature.getSignature for
// hundreds of generated URLs and bodies (v3 after HubSpot's URL decoding), and forged, tampered,
// stale and wrong-secret requests are refused with a reason.
import fc from 'fast-check';
import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { publicUrl, signV3, v3SigningUrl, verifySignature } from '../../server/hubspot/signature.ts';
import type { SignedRequest } from '../../server/hubspot/signature.ts';

const SECRET = 'cascade-test-client-secret-0001';
/** The SDK's own signer (its options type also asks for the signature it would compare against). */
const sdkSign = (m: string, version: 'v1' | 'v2' | 'v3', o: { clientSecret: string; requestBody: string; url?: string; timestamp?: number }) =>
  Signature.getSignature(m, version, { signature: '', ...o });
const NOW = 1_763_900_000_000;

const ESCAPES: readonly [string, string][] = [
  [':', '%3A'], ['/', '%2F'], ['?', '%3F'], ['@', '%40'], ['!', '%21'], ['$', '%24'],
  ["'", '%27'], ['(', '%28'], [')', '%29'], ['*', '%2A'], [',', '%2C'], [';', '%3B'],
];
const segmentChar = fc.constantFrom(...'abcXYZ019-_.~'.split(''), ...ESCAPES.map(([c]) => c), '%20', 'é');
const segment = fc.array(segmentChar, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
/** A URL as HubSpot signs it (decoded), and the same URL as it may arrive (some escapes encoded). */
const urlPair = fc
  .record({
    host: fc.constantFrom('https://cascade.example.com', 'http://localhost:3000', 'https://api.example.org:8443'),
    path: fc.array(segment, { minLength: 1, maxLength: 4 }),
    query: fc.array(fc.tuple(segment, segment), { maxLength: 4 }),
    encodeMask: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    lower: fc.boolean(),
  })
  .map(({ host, path, query, encodeMask, lower }) => {
    const tail = `/${path.join('/')}${query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`;
    let i = 0;
    const arrived = tail.replace(/[:/?@!$'()*,;]/g, (c) => {
      const enc = ESCAPES.find(([d]) => d === c)![1];
      // The first character is the path's leading slash: it always arrives as is.
      return i++ > 0 && encodeMask[i % 64] ? (lower ? enc.toLowerCase() : enc) : c;
    });
    return { signed: host + tail, arrived: host + arrived };
  });
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
const body = fc.oneof(fc.constant(''), fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }));

function request(m: string, url: string, rawBody: string, headers: Record<string, string>): SignedRequest {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: m, url, rawBody, header: (n) => lower[n.toLowerCase()] };
}

describe('HubSpot signatures agree with @hubspot/api-client', () => {
  it('v3: the SDK signature over the URL HubSpot signs verifies the request as it arrives', () => {
    fc.assert(
      fc.property(method, urlPair, body, fc.integer({ min: -299_000, max: 299_000 }), (m, u, b, skew) => {
        const timestamp = String(NOW + skew);
        const sdk = sdkSign(m, 'v3', { clientSecret: SECRET, requestBody: b, url: u.signed, timestamp: Number(timestamp) });
        expect(v3SigningUrl(u.arrived)).toBe(u.signed);
        expect(signV3(SECRET, m, u.arrived, b, timestamp)).toBe(sdk);
        const verdict = verifySignature(request(m, u.arrived, b, { 'X-HubSpot-Signature-v3': sdk, 'X-HubSpot-Request-Timestamp': timestamp }), {
          clientSecret: SECRET,
          fallback: 'v2',
          now: NOW,
        });
        expect(verdict).toEqual({ ok: true, version: 'v3' });
      }),
      { numRuns: 400 },
    );
  });

  it('v2 and v1: the SDK signature verifies; the version header decides which is checked', () => {
    fc.assert(
      fc.property(method, urlPair, body, (m, u, b) => {
        const v2 = sdkSign(m, 'v2', { clientSecret: SECRET, requestBody: b, url: u.arrived });
        const v1 = sdkSign(m, 'v1', { clientSecret: SECRET, requestBody: b });
        expect(verifySignature(request(m, u.arrived, b, { 'X-HubSpot-Signature': v2, 'X-HubSpot-Signature-Version': 'v2' }), { clientSecret: SECRET, fallback: 'v2' })).toEqual({ ok: true, version: 'v2' });
        expect(verifySignature(request(m, u.arrived, b, { 'X-HubSpot-Signature': v1, 'X-HubSpot-Signature-Version': 'v1' }), { clientSecret: SECRET, fallback: 'v1' })).toEqual({ ok: true, version: 'v1' });
        // An endpoint that takes v2 does not take a v1 signature (it covers neither method nor URL).
        expect(verifySignature(request(m, u.arrived, b, { 'X-HubSpot-Signature': v1, 'X-HubSpot-Signature-Version': 'v1' }), { clientSecret: SECRET, fallback: 'v2' }).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('HubSpot signatures refuse what HubSpot did not send', () => {
  const sign = (m: string, url: string, b: string, ts: number) =>
    sdkSign(m, 'v3', { clientSecret: SECRET, requestBody: b, url, timestamp: ts });

  it('any change to the method, URL or body is a mismatch', () => {
    fc.assert(
      fc.property(urlPair, fc.json({ maxDepth: 2 }), fc.nat(), fc.constantFrom('url', 'body', 'method'), (u, b, at, what) => {
        const sig = sign('POST', u.signed, b, NOW);
        let url = u.arrived;
        let raw = b;
        let m = 'POST';
        if (what === 'url') url = `${url}x`;
        if (what === 'body') raw = b.length ? b.slice(0, at % b.length) + (b[at % b.length] === '1' ? '2' : '1') + b.slice((at % b.length) + 1) : 'x';
        if (what === 'method') m = 'PUT';
        const v = verifySignature(request(m, url, raw, { 'X-HubSpot-Signature-v3': sig, 'X-HubSpot-Request-Timestamp': String(NOW) }), { clientSecret: SECRET, fallback: 'v2', now: NOW });
        expect(v).toMatchObject({ ok: false, reason: 'mismatch' });
      }),
      { numRuns: 300 },
    );
  });

  it('a stale or future timestamp is refused even with a correct signature; so are a wrong secret and no signature', () => {
    const url = 'https://cascade.example.com/hubspot/actions/enrich?portalId=123';
    const body = '{"callbackId":"ap-1"}';
    for (const ts of [NOW - 300_001, NOW + 300_001]) {
      const v = verifySignature(request('POST', url, body, { 'X-HubSpot-Signature-v3': sign('POST', url, body, ts), 'X-HubSpot-Request-Timestamp': String(ts) }), { clientSecret: SECRET, fallback: 'v2', now: NOW });
      expect(v).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    }
    const other = sdkSign('POST', 'v3', { clientSecret: 'another-apps-secret', requestBody: body, url, timestamp: NOW });
    expect(verifySignature(request('POST', url, body, { 'X-HubSpot-Signature-v3': other, 'X-HubSpot-Request-Timestamp': String(NOW) }), { clientSecret: SECRET, fallback: 'v2', now: NOW })).toMatchObject({ reason: 'mismatch' });
    expect(verifySignature(request('POST', url, body, {}), { clientSecret: SECRET, fallback: 'v2', now: NOW })).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifySignature(request('POST', url, body, { 'X-HubSpot-Signature-v3': 'abc', 'X-HubSpot-Request-Timestamp': 'yesterday' }), { clientSecret: SECRET, fallback: 'v2', now: NOW })).toMatchObject({ reason: 'bad_timestamp' });
  });

  it('a bad v3 is final: a valid v2 next to it does not let the request through', () => {
    const url = 'https://cascade.example.com/hubspot/actions/enrich';
    const body = '{}';
    const v2 = sdkSign('POST', 'v2', { clientSecret: SECRET, requestBody: body, url });
    const v = verifySignature(
      request('POST', url, body, { 'X-HubSpot-Signature-v3': 'forged', 'X-HubSpot-Request-Timestamp': String(NOW), 'X-HubSpot-Signature': v2, 'X-HubSpot-Signature-Version': 'v2' }),
      { clientSecret: SECRET, fallback: 'v2', now: NOW },
    );
    expect(v).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rebuilds the URL from the configured public base, not from what a proxy says', () => {
    expect(publicUrl('https://cascade.example.com/', '/hubspot/actions/enrich?x=1')).toBe('https://cascade.example.com/hubspot/actions/enrich?x=1');
    expect(publicUrl('https://cascade.example.com', 'webhooks')).toBe('https://cascade.example.com/webhooks');
  });
});
