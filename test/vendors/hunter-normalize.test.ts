// Property tests of Hunter's response handling: whatever JSON Hunter sends in the shapes its schemas
// admit (arbitrary values, nulls, wrong types, extra keys), the adapter never throws, answers the same
// for the same input, and only emits canonical fields with non-empty values and confidences in [0, 1].
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hunterAdapter, interpretHunterResponse } from '../../server/vendors/hunter/adapter.ts';
import {
  companyResponse,
  finderResponse,
  personResponse,
  verifierResponse,
} from '../../server/vendors/hunter/schemas.ts';
import { CANONICAL_FIELDS } from '../../server/vendors/types.ts';
import type { VendorResult } from '../../server/vendors/types.ts';
import { anyJson, EMAIL_STATUSES as STATUSES, extraKeysOf, field, looseWith, OUTCOMES, reversedKeys } from '../helpers/vendor-fixtures.ts';

const RUNS = { numRuns: 300 };
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '  ', '\n\t'));
const score = field(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), text, fc.constant('85')));
const email = field(fc.oneof(fc.emailAddress(), text));
const domain = field(fc.oneof(fc.domain(), fc.webUrl(), text));
const linkedin = field(fc.oneof(fc.webUrl(), fc.constant('https://www.linkedin.com/in/ada-lovelace-1'), fc.constant('in/x%c3%a7'), text));
const phone = field(fc.oneof(fc.string({ unit: fc.constantFrom('0', '1', '5', '+', ' ', '-', '(', ')') }), text, fc.integer()));
const emailStatus = field(fc.oneof(fc.constantFrom('valid', 'invalid', 'accept_all', 'webmail', 'disposable', 'unknown', 'claimed_email'), text));
const extras = extraKeysOf(anyJson, 4);

/** A loose object: some of the known keys, plus unknown ones. */
const loose = looseWith(extras);

const handle = field(loose({ handle: linkedin }));
const geo = field(loose({ city: field(text), state: field(text), country: field(text), lat: field(fc.double()), countryCode: field(text) }));

const finderData = loose({
  first_name: field(text),
  last_name: field(text),
  email,
  score,
  domain,
  accept_all: field(fc.boolean()),
  position: field(text),
  twitter: field(text),
  linkedin_url: linkedin,
  phone_number: phone,
  company: field(text),
  sources: field(fc.array(anyJson, { maxLength: 3 })),
  verification: field(loose({ date: field(text), status: emailStatus })),
});

const verifierData = loose({
  status: emailStatus,
  result: field(fc.oneof(fc.constantFrom('deliverable', 'undeliverable', 'risky'), text)),
  score,
  email,
  regexp: field(fc.boolean()),
  webmail: field(fc.boolean()),
  accept_all: field(fc.boolean()),
  sources: field(fc.array(anyJson, { maxLength: 3 })),
});

const personData = loose({
  id: field(text),
  name: field(loose({ fullName: field(text), givenName: field(text), familyName: field(text) })),
  email,
  location: field(text),
  geo,
  employment: field(loose({ domain, name: field(text), title: field(text), seniority: field(text), role: field(text) })),
  linkedin: handle,
  twitter: handle,
  phone,
});

const companyData = loose({
  name: field(text),
  legalName: field(text),
  domain,
  category: field(loose({ industry: field(text), sector: field(text), industryGroup: field(text) })),
  geo,
  linkedin: field(loose({ handle: field(fc.oneof(fc.constant('company/acme'), text)) })),
  metrics: field(
    loose({
      employees: field(fc.oneof(fc.constantFrom('1-10', '51-200', '10001+'), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text)),
      employeesRange: field(text),
      annualRevenue: field(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text)),
      estimatedAnnualRevenue: field(text),
    }),
  ),
  tech: field(fc.array(fc.oneof(text, anyJson), { maxLength: 6 })),
});

/** A whole response: `{data, meta?, ...extra}` round-tripped through JSON, as it arrives over the wire. */
const response = (data: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(extras, data, fc.option(anyJson, { nil: undefined }))
    .map(([extra, d, meta]) => JSON.parse(JSON.stringify({ ...extra, data: d, ...(meta === undefined ? {} : { meta }) })) as unknown);

function checkResult(r: VendorResult): void {
  expect(OUTCOMES).toContain(r.outcome);
  expect(typeof r.billed).toBe('boolean');
  for (const [field, fv] of Object.entries(r.profile ?? {})) {
    expect(CANONICAL_FIELDS as readonly string[]).toContain(field);
    expect(typeof fv.value).toBe('string');
    expect(fv.value.trim().length).toBeGreaterThan(0);
    expect(Number.isFinite(fv.confidence)).toBe(true);
    expect(fv.confidence).toBeGreaterThanOrEqual(0);
    expect(fv.confidence).toBeLessThanOrEqual(1);
    if (field === 'email_status') expect(STATUSES).toContain(fv.value);
  }
}

const cases = [
  { op: 'email_finder', schema: finderResponse, arb: response(finderData), outcomes: ['hit', 'miss'] },
  { op: 'email_verifier', schema: verifierResponse, arb: response(verifierData), outcomes: ['hit'] },
  { op: 'people_find', schema: personResponse, arb: response(personData), outcomes: ['hit'] },
  { op: 'companies_find', schema: companyResponse, arb: response(companyData), outcomes: ['hit'] },
] as const;

describe('hunter normalizers (property tests)', () => {
  for (const { op, schema, arb, outcomes } of cases) {
    it(`${op}: any 200 the schema admits normalizes without throwing, stably and within bounds`, () => {
      fc.assert(
        fc.property(arb, (body) => {
          expect(schema.safeParse(body).success).toBe(true);
          const a = interpretHunterResponse(op, 200, body, undefined, 1_700_000_000_000);
          const b = interpretHunterResponse(op, 200, structuredClone(body), undefined, 1_700_000_000_000);
          expect(b).toEqual(a);
          expect(outcomes as readonly string[]).toContain(a.outcome);
          checkResult(a);
          // Hunter bills what it returns: a hit is always billed.
          if (a.outcome === 'hit') expect(a.billed).toBe(true);
        }),
        RUNS,
      );
    });
  }

  it('any status with any JSON body maps to a result without throwing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases.map((c) => c.op), 'unknown_op'),
        fc.oneof(fc.constantFrom(200, 202, 222, 400, 401, 403, 404, 422, 429, 451, 500, 503), fc.integer({ min: 100, max: 599 })),
        anyJson,
        (op, status, body) => {
          const now = 1_700_000_000_000;
          const r = interpretHunterResponse(op, status, body, undefined, now);
          expect(r.httpStatus).toBe(status);
          checkResult(r);
          if (status !== 200) expect(r.billed).toBe(false);
          if (r.retryAt !== undefined) expect(r.retryAt).toBeGreaterThan(now);
        },
      ),
      RUNS,
    );
  });

  it('schemas are loose: unknown keys survive, wrong-typed fields degrade to null', () => {
    const parsed = finderResponse.parse({ data: { email: 42, score: '85', custom: { x: 1 } }, meta: {}, extra: true });
    expect(parsed.data.email).toBeNull();
    expect((parsed.data as Record<string, unknown>)['custom']).toEqual({ x: 1 });
    expect((parsed as Record<string, unknown>)['extra']).toBe(true);
    const r = interpretHunterResponse('email_finder', 200, { data: { email: 'Ada@Acme.com', score: '85' } });
    expect(r.profile?.work_email).toEqual({ value: 'ada@acme.com', confidence: 0.85 });
  });
});

describe('hunter drift and lookups (property tests)', () => {
  for (const { op, arb } of cases) {
    it(`${op}: drift lists sorted paths and (below its cap) does not depend on key order`, () => {
      fc.assert(
        fc.property(arb, (body) => {
          const a = interpretHunterResponse(op, 200, body, undefined, 1_700_000_000_000);
          const b = interpretHunterResponse(op, 200, reversedKeys(body), undefined, 1_700_000_000_000);
          const d = a.drift ?? { unknown: [], missing: [] };
          for (const list of [d.unknown, d.missing]) expect([...list].sort()).toEqual(list);
          if (d.unknown.length + d.missing.length < 40) expect(b.drift).toEqual(a.drift);
          // `data` is there, so nothing the schema expects is missing.
          expect(d.missing).toEqual([]);
        }),
        RUNS,
      );
    });
  }

  it('lookups are canonical: case, spaces, scheme and www. do not change the key', () => {
    const ops = hunterAdapter.operations;
    fc.assert(
      fc.property(fc.emailAddress(), fc.domain(), fc.boolean(), fc.constantFrom('', 'https://', 'http://www.', 'WWW.'), (email, domain, upper, prefix) => {
        const up = (x: string) => (upper ? x.toUpperCase() : x);
        expect(ops.email_verifier?.lookup({ email: ` ${up(email)} ` })?.key).toBe(ops.email_verifier?.lookup({ email })?.key);
        expect(ops.people_find?.lookup({ email: up(email) })?.key).toBe(ops.people_find?.lookup({ email })?.key);
        expect(ops.companies_find?.lookup({ domain: `${prefix}${up(domain)}/` })?.key).toBe(ops.companies_find?.lookup({ domain })?.key);
        const finder = ops.email_finder?.lookup({ first_name: 'Ada', last_name: 'Lovelace', domain });
        expect(ops.email_finder?.lookup({ first_name: up('ada'), last_name: up('lovelace'), domain: `${prefix}${up(domain)}` })?.key).toBe(finder?.key);
      }),
      RUNS,
    );
  });

  it('an unknown key and a missing `data` are drift; keys Hunter is known to send are not', () => {
    expect(interpretHunterResponse('email_verifier', 200, { data: { status: 'valid', _deprecation_notice: 'x' }, meta: {} }).drift).toBeUndefined();
    expect(interpretHunterResponse('companies_find', 200, { data: { name: 'Acme', twitter: { id: 1, bio: 'b' }, metrics: { raised: 3 } } }).drift).toBeUndefined();
    expect(interpretHunterResponse('email_finder', 200, { data: { email: 'a@b.co', score: 90, novel: 1 } }).drift).toEqual({
      unknown: ['data.novel'],
      missing: [],
    });
    expect(interpretHunterResponse('people_find', 200, { result: {} })).toMatchObject({
      outcome: 'transient',
      drift: { unknown: ['result'], missing: ['data'] },
    });
  });
});
