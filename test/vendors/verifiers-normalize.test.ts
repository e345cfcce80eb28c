// Property tests of the two e-mail verifiers' response handling (ZeroBounce, NeverBounce): whatever JSON
// they send in the shapes their schemas admit (arbitrary values, nulls, wrong types, extra keys, any key
// order), the adapters never throw, answer the same for the same input, emit only the canonical status
// with a confidence in [0, 1], and bill by each vendor's rule. Lookups are canonical.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretZerobounceValidate, zerobounceAdapter, classifyZerobounceError } from '../../server/vendors/zerobounce/adapter.ts';
import { normalizeZerobounceValidation, zerobounceEmailStatus } from '../../server/vendors/zerobounce/normalize.ts';
import { zbBatchResponse, zbValidation } from '../../server/vendors/zerobounce/schemas.ts';
import { interpretNeverbounceCheck, neverbounceAdapter } from '../../server/vendors/neverbounce/adapter.ts';
import { neverbounceEmailStatus, normalizeNeverbounceCheck } from '../../server/vendors/neverbounce/normalize.ts';
import { nbSingleCheck } from '../../server/vendors/neverbounce/schemas.ts';
import type { VendorResult } from '../../server/vendors/types.ts';
import { anyJson, EMAIL_STATUSES as STATUSES, extraKeysOf, field, looseWith, OUTCOMES } from '../helpers/vendor-fixtures.ts';

const RUNS = { numRuns: 300 };
const NOW = 1_700_000_000_000;
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', '  ', '\n'));
const loose = looseWith(extraKeysOf(anyJson, 4));
/** JSON over the wire: what the adapter sees after a round trip. */
const wire = <T>(arb: fc.Arbitrary<T>) => arb.map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** The same object with its keys in another order (recursively). */
function reorder(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x) => reorder(x, seed + 1));
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as Record<string, unknown>);
  const rotated = entries.length ? [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)].reverse() : entries;
  return Object.fromEntries(rotated.map(([k, x]) => [k, reorder(x, seed + 1)]));
}

function checkResult(r: VendorResult, status: number): void {
  expect(OUTCOMES).toContain(r.outcome);
  expect(r.httpStatus).toBe(status);
  expect(typeof r.billed).toBe('boolean');
  for (const [f, fv] of Object.entries(r.profile ?? {})) {
    expect(f).toBe('email_status');
    expect(STATUSES).toContain(fv.value);
    expect(fv.confidence).toBeGreaterThanOrEqual(0);
    expect(fv.confidence).toBeLessThanOrEqual(1);
  }
  if (r.retryAt !== undefined) expect(r.retryAt).toBeGreaterThan(NOW);
  if (r.drift) {
    for (const p of [...r.drift.unknown, ...r.drift.missing]) expect(typeof p).toBe('string');
  }
}

// ---------------------------------------------------------------------------------------------
// ZeroBounce

const zbStatus = field(fc.oneof(fc.constantFrom('valid', 'invalid', 'catch-all', 'Catch-All', 'unknown', 'spamtrap', 'abuse', 'do_not_mail', ' VALID '), text));
const zbValidationArb = loose({
  address: field(fc.oneof(fc.emailAddress(), text)),
  status: zbStatus,
  sub_status: field(fc.oneof(fc.constantFrom('', 'greylisted', 'role_based', 'mailbox_not_found', 'disposable'), text)),
  free_email: field(fc.oneof(fc.boolean(), fc.constantFrom('true', 'false'))),
  did_you_mean: field(text),
  domain_age_days: field(fc.oneof(fc.integer(), fc.constant('9692'))),
  mx_found: field(fc.oneof(fc.boolean(), fc.constantFrom('true', 'false'))),
  firstname: field(text),
  lastname: field(text),
  country: field(text),
  city: field(text),
  processed_at: field(text),
});

describe('zerobounce normalizer (property tests)', () => {
  it('any validation the schema admits maps without throwing, stably, whatever the key order', () => {
    fc.assert(
      fc.property(wire(zbValidationArb), fc.nat(), (body, seed) => {
        expect(zbValidation.safeParse(body).success).toBe(true);
        const a = interpretZerobounceValidate(200, body, undefined, NOW);
        expect(interpretZerobounceValidate(200, structuredClone(body), undefined, NOW)).toEqual(a);
        const shuffled = interpretZerobounceValidate(200, reorder(body, seed), undefined, NOW);
        expect({ ...shuffled, drift: undefined }).toEqual({ ...a, drift: undefined });
        checkResult(a, 200);
        const raw = (body as { status?: unknown }).status;
        const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
        // ZeroBounce's billing: every validation costs a credit except `unknown`.
        if (s === 'unknown') expect(a).toMatchObject({ outcome: 'miss', billed: false });
        else expect(a.billed).toBe(true);
        if (a.outcome === 'hit') expect(a.profile?.email_status?.value).not.toBe('unknown');
      }),
      RUNS,
    );
  });

  it('normalizing twice gives the same verdict', () => {
    fc.assert(
      fc.property(wire(zbValidationArb), (body) => {
        const v = zbValidation.parse(body);
        expect(normalizeZerobounceValidation(v)).toEqual(normalizeZerobounceValidation(zbValidation.parse(structuredClone(body))));
      }),
      RUNS,
    );
  });

  it('any batch answer the schema admits parses, and every item normalizes', () => {
    const batch = wire(
      loose({
        email_batch: field(fc.array(fc.oneof(zbValidationArb, anyJson), { maxLength: 5 })),
        errors: field(fc.array(fc.oneof(loose({ error: field(text), email_address: field(fc.oneof(fc.constant('all'), fc.emailAddress(), text)) }), anyJson), { maxLength: 3 })),
      }),
    );
    fc.assert(
      fc.property(batch, (body) => {
        const parsed = zbBatchResponse.safeParse(body);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        for (const v of parsed.data.email_batch ?? []) {
          if (v) expect(STATUSES).toContain(normalizeZerobounceValidation(v).status);
        }
      }),
      RUNS,
    );
  });

  it('any HTTP status with any body maps to a result; error bodies are never billed', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(200, 400, 401, 403, 404, 429, 500, 520, 524), fc.integer({ min: 100, max: 599 })),
        fc.oneof(anyJson, wire(loose({ error: field(text) }))),
        (status, body) => {
          const r = interpretZerobounceValidate(status, body, undefined, NOW);
          checkResult(r, status);
          if (status !== 200) expect(r.billed).toBe(false);
          if (body && typeof body === 'object' && !Array.isArray(body) && typeof (body as { error?: unknown }).error === 'string' && (body as { error: string }).error.trim() && !('status' in body)) {
            expect(r.billed).toBe(false);
          }
        },
      ),
      RUNS,
    );
  });

  it('maps the documented statuses and error texts', () => {
    expect(['valid', 'catch-all', 'invalid', 'unknown', 'spamtrap', 'abuse', 'do_not_mail', 'new'].map(zerobounceEmailStatus)).toEqual([
      'valid', 'risky', 'invalid', 'unknown', 'do_not_use', 'do_not_use', 'do_not_use', 'unknown',
    ]);
    expect(classifyZerobounceError('Invalid API key or your account ran out of credits')).toBe('auth_or_credits');
    expect(classifyZerobounceError('Invalid API Key')).toBe('auth');
    expect(classifyZerobounceError('Missing parameter: api_key.')).toBe('auth');
    expect(classifyZerobounceError('Rate limit exceeded, key temporarily blocked')).toBe('rate_limited');
    expect(classifyZerobounceError('Missing parameter: email.')).toBe('invalid_input');
  });
});

// ---------------------------------------------------------------------------------------------
// NeverBounce

const nbResult = field(fc.oneof(fc.constantFrom('valid', 'invalid', 'disposable', 'catchall', 'unknown', 'Catch-All', 'VALID'), fc.integer({ min: -1, max: 6 }), text));
const nbSuccessArb = loose({
  result: nbResult,
  flags: field(fc.array(fc.oneof(fc.constantFrom('has_dns', 'smtp_connectable', 'free_email_host'), anyJson), { maxLength: 4 })),
  suggested_correction: field(text),
  execution_time: field(fc.integer({ min: 0, max: 10_000 })),
  credits_info: field(loose({ paid_credits_used: field(fc.integer()), paid_credits_remaining: field(fc.integer()) })),
}).map((o) => ({ ...o, status: 'success' }));

describe('neverbounce normalizer (property tests)', () => {
  it('any success the schema admits maps without throwing, stably, whatever the key order', () => {
    fc.assert(
      fc.property(wire(nbSuccessArb), fc.nat(), fc.boolean(), (body, seed, unknownBilled) => {
        expect(nbSingleCheck.safeParse(body).success).toBe(true);
        const a = interpretNeverbounceCheck(200, body, undefined, NOW, { unknownBilled });
        expect(interpretNeverbounceCheck(200, structuredClone(body), undefined, NOW, { unknownBilled })).toEqual(a);
        const shuffled = interpretNeverbounceCheck(200, reorder(body, seed), undefined, NOW, { unknownBilled });
        expect({ ...shuffled, drift: undefined }).toEqual({ ...a, drift: undefined });
        checkResult(a, 200);
        expect(['hit', 'miss']).toContain(a.outcome);
        const raw = (body as { result?: unknown }).result;
        if (raw === 'unknown' || raw === 4) expect(a).toMatchObject({ outcome: 'miss', billed: unknownBilled });
        else expect(a.billed).toBe(true);
      }),
      RUNS,
    );
  });

  it('normalizing twice gives the same verdict', () => {
    fc.assert(
      fc.property(wire(nbSuccessArb), (body) => {
        expect(normalizeNeverbounceCheck(nbSingleCheck.parse(body))).toEqual(normalizeNeverbounceCheck(nbSingleCheck.parse(structuredClone(body))));
      }),
      RUNS,
    );
  });

  it('any HTTP status with any body maps to a result; only a 200 success can be billed', () => {
    const failure = wire(loose({ status: fc.constantFrom('auth_failure', 'bad_referrer', 'general_failure', 'temp_unavail', 'throttle_triggered'), message: field(text) }));
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(200, 400, 429, 500, 503), fc.integer({ min: 100, max: 599 })), fc.oneof(anyJson, failure), (status, body) => {
        const r = interpretNeverbounceCheck(status, body, undefined, NOW);
        checkResult(r, status);
        if (status !== 200) expect(r.billed).toBe(false);
        const s = body && typeof body === 'object' && !Array.isArray(body) ? (body as { status?: unknown }).status : undefined;
        if (typeof s === 'string' && s.trim() && s.trim().toLowerCase() !== 'success') {
          expect(r.billed).toBe(false);
          expect(r.outcome).not.toBe('hit');
        }
      }),
      RUNS,
    );
  });

  it('maps the documented results', () => {
    expect(['valid', 'catchall', 'invalid', 'disposable', 'unknown', 'new', 0, 3].map(neverbounceEmailStatus)).toEqual([
      'valid', 'risky', 'invalid', 'do_not_use', 'unknown', 'unknown', 'valid', 'risky',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Lookups

describe('verifier lookups are canonical', () => {
  const spellings = fc
    .tuple(fc.emailAddress(), fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), fc.constantFrom('', ' ', '  \t'), fc.constantFrom('', ' ', '\n'))
    .map(([email, upper, pre, post]) => ({
      email,
      spelled: pre + [...email].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join('') + post,
    }));

  for (const [name, op] of [
    ['zerobounce.validate', zerobounceAdapter.operations['validate']],
    ['neverbounce.single_check', neverbounceAdapter.operations['single_check']],
  ] as const) {
    it(`${name}: the same address spelled differently gives the same key, and the key says what is sent`, () => {
      fc.assert(
        fc.property(spellings, ({ email, spelled }) => {
          const a = op?.lookup({ email });
          const b = op?.lookup({ email: spelled });
          expect(b).toEqual(a);
          if (a) {
            expect(a.key).toBe(`email:${a.params['email']}`);
            expect(a.params['email']).toBe(a.params['email']?.toLowerCase().trim());
          }
        }),
        RUNS,
      );
    });
  }
});
