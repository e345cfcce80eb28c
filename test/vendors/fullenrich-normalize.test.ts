// Property tests of FullEnrich's response handling: for any record or enrichment body the schemas
// admit (FullEnrich-shaped objects with arbitrary values, nulls and extra keys), normalizing never
// throws, is stable (twice the same, key order irrelevant), emits only canonical fields with
// non-empty values and confidences in [0, 1], and bills only what FullEnrich bills; lookups are
// canonical; the webhook signature check accepts exactly the signed body.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fullenrichLookup,
  lookupKeyHash,
  readEnrichment,
  verifyFullenrichSignature,
} from '../../server/vendors/fullenrich/adapter.ts';
import { fullenrichEmailStatus, normalizeFullenrichRecord } from '../../server/vendors/fullenrich/normalize.ts';
import { fullenrichEnrichment, fullenrichRecord } from '../../server/vendors/fullenrich/schemas.ts';
import type { Lookup, VendorResult } from '../../server/vendors/types.ts';
import { anyJson, expectWellFormed, extraKeysOf, field, looseWith, OUTCOMES, reversedKeys as reverseKeys } from '../helpers/vendor-fixtures.ts';

const RUNS = { numRuns: 300 };
const EMAIL_STATUSES = ['DELIVERABLE', 'HIGH_PROBABILITY', 'CATCH_ALL', 'INVALID', 'INVALID_DOMAIN'];

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('', '  ', '\n\t'));
/** A loose object: some of the known keys, plus unknown ones. */
const loose = looseWith(extraKeysOf(anyJson, 3));

const emailAddr = field(fc.oneof(fc.emailAddress(), text, fc.constant('Ada.Lovelace@ACME.example')));
const status = field(fc.oneof(fc.constantFrom(...EMAIL_STATUSES, 'deliverable', ' catch-all ', 'RISKY'), text));
const phoneNumber = field(fc.oneof(fc.string({ unit: fc.constantFrom('0', '1', '5', '7', '+', ' ', '-', '(', ')') }), text, fc.integer()));
const email = loose({ email: emailAddr, status });
const phone = loose({ number: phoneNumber, region: field(text) });
const list = <T>(arb: fc.Arbitrary<T>) => field(fc.array(fc.oneof(arb as fc.Arbitrary<unknown>, fc.constant(null), anyJson), { maxLength: 4 }));

const contactInfo = loose({
  most_probable_work_email: field(email),
  most_probable_personal_email: field(email),
  most_probable_phone: field(phone),
  work_emails: list(email),
  personal_emails: list(email),
  phones: list(phone),
});

const linkedin = field(fc.oneof(fc.webUrl(), fc.constantFrom('https://www.linkedin.com/in/ada-l', 'linkedin.com/company/acme'), text));
const company = loose({
  name: field(text),
  domain: field(fc.oneof(fc.domain(), text)),
  website: field(fc.oneof(fc.webUrl(), text)),
  headcount: field(fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constantFrom('1,200', '0', 'NaN'))),
  headcount_range: field(fc.constantFrom('11-50', '10001+', '')),
  industry: field(loose({ main_industry: field(text) })),
  social_profiles: field(loose({ professional_network: field(loose({ url: linkedin })) })),
});
const job = loose({ title: field(text), seniority: field(text), is_current: field(fc.boolean()), company: field(company) });
const profile = loose({
  first_name: field(text),
  last_name: field(text),
  location: field(loose({ city: field(text), region: field(text), country: field(text) })),
  social_profiles: field(loose({ professional_network: field(loose({ url: linkedin, id: field(fc.integer()) })) })),
  employment: field(loose({ current: field(job), all: list(job) })),
});

const record = loose({
  input: field(loose({ first_name: field(text), last_name: field(text), company_domain: field(text) })),
  custom: field(fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 })),
  contact_info: field(contactInfo),
  profile: field(profile),
});

function expectResultWellFormed(r: VendorResult): void {
  expect(OUTCOMES).toContain(r.outcome);
  expect(typeof r.billed).toBe('boolean');
  if (r.billed) expect(r.outcome).toBe('hit');
  expectWellFormed(r.profile);
  if (r.outcome === 'hit') expect(r.profile?.work_email ?? r.profile?.phone).toBeDefined();
}

describe('fullenrich record normalizer properties', () => {
  it('any record the schema admits normalizes without throwing, stably and well-formed', () => {
    fc.assert(
      fc.property(record, (raw) => {
        const parsed = fullenrichRecord.safeParse(raw);
        expect(parsed.success).toBe(true); // every leaf is tolerant: any object is admitted
        if (!parsed.success) return;
        const a = normalizeFullenrichRecord(parsed.data);
        expect(normalizeFullenrichRecord(fullenrichRecord.parse(structuredClone(raw)))).toEqual(a);
        expect(normalizeFullenrichRecord(fullenrichRecord.parse(reverseKeys(raw)))).toEqual(a);
        expectWellFormed(a.profile);
        expect(a.found).toBe(!!(a.profile.work_email || a.profile.phone));
        expect([0, 1, 10, 11]).toContain(a.credits);
        if (a.credits > 0) expect(a.found).toBe(true);
        if (a.profile.phone) expect(a.profile.phone.value).toMatch(/^\+?\d{7,15}$/);
        if (a.profile.email_status) expect(a.profile.work_email).toBeDefined();
        // An address FullEnrich marked INVALID / INVALID_DOMAIN is never the work e-mail.
        const ci = parsed.data.contact_info;
        const invalid = [ci?.most_probable_work_email, ...(ci?.work_emails ?? [])]
          .filter((e) => e && fullenrichEmailStatus(e.status).status === 'invalid')
          .map((e) => String(e?.email).trim().toLowerCase());
        const valid = [ci?.most_probable_work_email, ...(ci?.work_emails ?? [])]
          .filter((e) => e && fullenrichEmailStatus(e.status).status !== 'invalid')
          .map((e) => String(e?.email).trim().toLowerCase());
        if (a.profile.work_email && invalid.includes(a.profile.work_email.value)) {
          expect(valid).toContain(a.profile.work_email.value);
        }
      }),
      RUNS,
    );
  });

  it('maps FullEnrich e-mail statuses and bills by them', () => {
    const n = (s: string | null, phoneNumber?: string) =>
      normalizeFullenrichRecord(
        fullenrichRecord.parse({
          contact_info: {
            most_probable_work_email: { email: 'ada@acme.example', status: s },
            ...(phoneNumber ? { most_probable_phone: { number: phoneNumber } } : {}),
          },
        }),
      );
    expect(n('DELIVERABLE')).toMatchObject({ credits: 1, profile: { email_status: { value: 'valid', confidence: 0.95 } } });
    expect(n('HIGH_PROBABILITY')).toMatchObject({ credits: 1, profile: { email_status: { value: 'risky', confidence: 0.8 } } });
    expect(n('CATCH_ALL')).toMatchObject({ credits: 1, profile: { work_email: { confidence: 0.55 } } });
    expect(n('INVALID')).toEqual({ profile: {}, found: false, credits: 0 });
    expect(n('INVALID_DOMAIN', '+1 415-555-0100')).toEqual({
      profile: { phone: { value: '+14155550100', confidence: 0.85 } },
      found: true,
      credits: 10,
    });
    expect(n(null).profile).toEqual({ work_email: { value: 'ada@acme.example', confidence: 0.5 } });
    expect(n('DELIVERABLE', '+33 6 12 34 56 78').credits).toBe(11);
  });
});

describe('fullenrich enrichment reading properties', () => {
  const lookupArb = fc
    .array(
      fc.record({
        first_name: fc.constantFrom('Ada', 'Grace', 'Alan', 'Linus'),
        last_name: fc.constantFrom('Lovelace', 'Hopper', 'Turing'),
        domain: fc.constantFrom('acme.example', 'navy.example', 'bletchley.example'),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((facts) => facts.map((f) => fullenrichLookup(f)!));

  /** A body whose records carry our references, so results can be checked against their lookup. */
  const bodyFor = (lookups: Lookup[]) =>
    fc
      .tuple(
        fc.constantFrom('FINISHED', 'CREDITS_INSUFFICIENT', 'CANCELED', 'IN_PROGRESS', 'CREATED', 'RATE_LIMIT', 'UNKNOWN', 'finished', ''),
        fc.array(fc.tuple(fc.nat({ max: lookups.length + 1 }), record, fc.boolean()), { maxLength: lookups.length + 2 }),
        field(fc.integer({ min: 0, max: 2_000 })),
      )
      .map(([status, recs, credits]) => ({
        id: 'e-1',
        status,
        cost: { credits },
        data: recs.map(([ref, rec, withRef]) => ({
          ...rec,
          custom: withRef && lookups[ref] ? { cascade_ref: String(ref), cascade_lookup: lookupKeyHash(lookups[ref].key) } : rec.custom,
        })),
      }));

  it('any JSON body: never throws; a done reading answers every lookup, in order, well-formed', () => {
    fc.assert(
      fc.property(
        lookupArb.chain((lookups) => fc.tuple(fc.constant(lookups), fc.oneof(bodyFor(lookups), anyJson, fc.constant({})))),
        fc.constantFrom(200, 402),
        ([lookups, body], httpStatus) => {
          const read = readEnrichment(body, lookups, httpStatus);
          expect(['pending', 'done', 'unreadable']).toContain(read.state);
          expect(readEnrichment(structuredClone(body), lookups, httpStatus).state).toBe(read.state);
          if (read.state !== 'done') return;
          expect(read.results).toHaveLength(lookups.length);
          for (const r of read.results) {
            expectResultWellFormed(r);
            expect(r.httpStatus).toBe(httpStatus);
          }
          // A lookup repeated in the submission is billed once at most.
          const billedKeys = lookups.filter((_, i) => read.results[i]!.billed).map((l) => l.key);
          expect(new Set(billedKeys).size).toBe(billedKeys.length);
          const parsed = fullenrichEnrichment.parse(body);
          if (parsed.cost?.credits === 0) expect(billedKeys).toEqual([]);
          const st = (parsed.status ?? '').trim().toUpperCase();
          if (st === 'FINISHED') expect(read.results.every((r) => r.outcome === 'hit' || r.outcome === 'miss')).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('the order of the records in the answer does not matter when they carry our references', () => {
    fc.assert(
      fc.property(
        lookupArb.chain((lookups) => fc.tuple(fc.constant(lookups), bodyFor(lookups))),
        ([lookups, body]) => {
          const records = body.data.filter((d) => {
            const ref = (d.custom as Record<string, unknown> | null)?.cascade_ref;
            return typeof ref === 'string';
          });
          // One record per reference: which record "wins" a duplicated reference is order-dependent by design.
          const refs = records.map((d) => (d.custom as Record<string, string>).cascade_ref);
          fc.pre(new Set(refs).size === refs.length);
          const a = readEnrichment({ ...body, data: records }, lookups, 200);
          const b = readEnrichment(reverseKeys({ ...body, data: [...records].reverse() }), lookups, 200);
          if (a.state === 'done' && b.state === 'done') {
            expect(b.results.map((r) => [r.outcome, r.billed, r.profile])).toEqual(a.results.map((r) => [r.outcome, r.billed, r.profile]));
          } else {
            expect(b.state).toBe(a.state);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('fullenrich lookups and signatures', () => {
  const name = fc.constantFrom('Ada', 'Grace', 'José', 'Zoë', 'van Rossum', "O'Neil", 'Berners-Lee');
  const respell = (s: string) =>
    fc.constantFrom(s, s.toUpperCase(), s.toLowerCase(), `  ${s} `, s.replace(/ /g, '  '));
  const respellDomain = (d: string) => fc.constantFrom(d, d.toUpperCase(), `https://www.${d}/about`, ` www.${d} `, `http://${d}`);

  it('the same contact spelled differently gives the same key, whether or not its LinkedIn URL is known', () => {
    fc.assert(
      fc.property(
        name,
        name,
        fc.constantFrom('acme.example', 'stark-industries.example', 'x.co.uk'),
        fc.boolean(),
        fc.constantFrom('ada-l', 'grace-h-12'),
        (first, last, domain, withLi, slug) =>
          fc.assert(
            fc.property(respell(first), respell(last), respellDomain(domain), fc.constantFrom(`https://www.linkedin.com/in/${slug}`, `linkedin.com/in/${slug.toUpperCase()}/`, `http://uk.linkedin.com/in/${slug}?trk=x`), (f, l, d, li) => {
              const base = fullenrichLookup({ first_name: first, last_name: last, domain, ...(withLi ? { linkedin_url: `https://www.linkedin.com/in/${slug}` } : {}) });
              const other = fullenrichLookup({ ...(withLi ? { linkedin_url: li } : {}), domain: d, last_name: l, first_name: f });
              expect(other?.key).toBe(base?.key);
              expect(base?.params.domain).toBe(domain);
              expect(base?.key).toContain(domain);
              expect(base?.key).toBe(fullenrichLookup({ first_name: first, last_name: last, domain })?.key);
              if (withLi) expect(base?.params.linkedin_url).toBe(`https://www.linkedin.com/in/${slug}`);
              else expect(base?.params).not.toHaveProperty('linkedin_url');
            }),
            { numRuns: 10 },
          ),
      ),
      { numRuns: 60 },
    );
  });

  it('a lookup exists exactly when FullEnrich has enough input, and then it is sendable', () => {
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          first_name: maybe(fc.oneof(name, text)),
          last_name: maybe(fc.oneof(name, text)),
          domain: maybe(fc.oneof(fc.domain(), text)),
          company_name: maybe(fc.oneof(fc.constantFrom('Acme Inc', 'Stark Industries'), text)),
          linkedin_url: maybe(fc.oneof(fc.constantFrom('https://www.linkedin.com/in/ada-l', 'linkedin.com/company/acme'), text)),
          email: maybe(fc.emailAddress()),
        }),
        (facts) => {
          const l = fullenrichLookup(facts);
          if (!l) return;
          const p = l.params;
          expect(!!((p.first_name && p.last_name && (p.domain || p.company_name)) || p.linkedin_url)).toBe(true);
          expect(p.domain && p.company_name).toBeFalsy();
          expect(Object.keys(p).every((k) => ['first_name', 'last_name', 'domain', 'company_name', 'linkedin_url'].includes(k))).toBe(true);
          expect(fullenrichLookup(structuredClone(facts))).toEqual(l);
        },
      ),
      RUNS,
    );
  });

  it('the signature check accepts exactly the signed body under the signing key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 3 }), (body, key, change) => {
        const sig = createHmac('sha1', key).update(body, 'utf8').digest('hex');
        expect(verifyFullenrichSignature(body, sig, key)).toBe(true);
        expect(verifyFullenrichSignature(body, sig.toUpperCase(), key)).toBe(true);
        if (change) expect(verifyFullenrichSignature(body + change, sig, key)).toBe(false);
        expect(verifyFullenrichSignature(body, sig, `${key}x`)).toBe(false);
        expect(verifyFullenrichSignature(body, sig.slice(1), key)).toBe(false);
        expect(verifyFullenrichSignature(body, null, key)).toBe(false);
      }),
      RUNS,
    );
  });
});
