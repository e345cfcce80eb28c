// Property tests of the People Data Labs normalizers and header parsers: for any body the response
// schemas admit (PDL-shaped objects with arbitrary values, nulls, `true` placeholders and extra keys),
// normalizing never throws, is stable (twice, and whatever the key order), and yields only non-empty
// string values with confidences in [0, 1]; lookups are canonical; header parsing never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePdlCounts, parsePdlTime, pdlAdapter, pdlQuota } from '../../server/vendors/pdl/adapter.ts';
import {
  CONTACT_CONFIDENCE_CAP,
  isPdlCompany,
  isPdlPerson,
  likelihoodConfidence,
  normalizePdlCompany,
  normalizePdlPerson,
  seniorityOf,
  sizeRange,
  titleCase,
} from '../../server/vendors/pdl/normalize.ts';
import {
  bulkCompanyResponse,
  bulkPersonResponse,
  companyEnrichResponse,
  pdlCompany,
  pdlPerson,
  personEnrichResponse,
} from '../../server/vendors/pdl/schemas.ts';
import type { PartialProfile } from '../../server/vendors/types.ts';
import { expectWellFormed as expectCanonicalProfile, extraKeysOf, withExtraKeys } from '../helpers/vendor-fixtures.ts';

const RUNS = 400;

/** Any JSON leaf, biased towards the plausible: PDL-looking strings, numbers, nulls, `true`. */
const leaf = fc.oneof(
  fc.constant(null),
  fc.constant(true),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '   ', 'ada', 'van rossum', "o'neil", 'head of revenue operations', 'vp marketing', 'ile-de-france',
    'united states', 'acme gmbh', 'ada.lovelace@acme.com', 'linkedin.com/in/ada-lovelace', 'linkedin.com/company/acme',
    'acme.com', '51-200', '10001+', '1,001 - 5,000', '$1M-$10M', '+14155550123', '9', '1,200', 'NaN', 'ß', 'İstanbul'),
  fc.integer({ min: -5, max: 20 }),
  fc.double(),
);
const json = fc.oneof(leaf, fc.jsonValue({ maxDepth: 2 }));
const extraKeys = extraKeysOf(json, 4);
const list = (item: fc.Arbitrary<unknown>) => fc.oneof(fc.array(item, { maxLength: 4 }), json);

const personShape = withExtraKeys(
  fc.record(
    {
      id: json,
      full_name: json,
      first_name: json,
      last_name: json,
      job_title: json,
      job_title_levels: list(fc.oneof(fc.constantFrom('cxo', 'vp', 'director', 'owner', 'training', 'Manager '), leaf)),
      linkedin_url: json,
      work_email: json,
      emails: list(fc.oneof(fc.record({ address: json, type: fc.oneof(fc.constantFrom('current_professional', 'professional', 'personal'), leaf) }), leaf)),
      personal_emails: list(leaf),
      mobile_phone: json,
      phone_numbers: list(leaf),
      job_company_name: json,
      job_company_website: json,
      job_company_industry: json,
      job_company_size: json,
      job_company_employee_count: json,
      job_company_inferred_revenue: json,
      job_company_linkedin_url: json,
      location_locality: json,
      location_region: json,
      location_country: json,
      experience: json,
    },
    { requiredKeys: [] },
  ),
  extraKeys,
);

const companyShape = withExtraKeys(
  fc.record(
    {
      id: json,
      name: json,
      display_name: json,
      website: json,
      industry: json,
      size: json,
      employee_count: json,
      inferred_revenue: json,
      linkedin_url: json,
      location: fc.oneof(fc.record({ locality: json, region: json, country: json }, { requiredKeys: [] }), json),
      technologies_used: list(fc.oneof(fc.record({ name: json }), leaf)),
      likelihood: json,
      status: json,
    },
    { requiredKeys: [] },
  ),
  extraKeys,
);

/** The same object with its keys in reverse order. */
const reversed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());

const SENIORITIES = ['c_suite', 'owner', 'partner', 'vp', 'director', 'manager', 'senior', 'entry'];

function expectWellFormed(profile: PartialProfile): void {
  expectCanonicalProfile(profile);
  if (profile.linkedin_url) expect(profile.linkedin_url.value).toMatch(/^https:\/\/www\.linkedin\.com\/in\/./);
  if (profile.company_linkedin_url) expect(profile.company_linkedin_url.value).toMatch(/^https:\/\/www\.linkedin\.com\/company\/./);
  if (profile.phone) expect(profile.phone.value).toMatch(/^\+?\d{7,15}$/);
  if (profile.work_email) expect(profile.work_email.value).toMatch(/^[^\s@]+@[a-z0-9.-]+$/);
  if (profile.company_domain) expect(profile.company_domain.value).toMatch(/^[a-z0-9.-]+$/);
}

describe('pdl normalizer properties', () => {
  it('a person the schema admits normalizes without throwing, stably whatever the key order, well-formed', () => {
    fc.assert(
      fc.property(personShape, json, (raw, likelihood) => {
        const parsed = pdlPerson.safeParse(raw);
        expect(parsed.success).toBe(true); // every leaf is tolerant: any object is admitted
        if (!parsed.success) return;
        const a = normalizePdlPerson(parsed.data, likelihood);
        expect(normalizePdlPerson(pdlPerson.parse(structuredClone(raw)), likelihood)).toEqual(a);
        expect(normalizePdlPerson(pdlPerson.parse(reversed(raw)), likelihood)).toEqual(a);
        expectWellFormed(a);
        for (const f of ['work_email', 'phone'] as const) {
          if (a[f]) expect(a[f]!.confidence).toBeLessThanOrEqual(CONTACT_CONFIDENCE_CAP);
        }
        if (a.seniority) expect(SENIORITIES).toContain(a.seniority.value);
        // A `true` placeholder (a plan without access to the field) is never taken for a value.
        if (raw.work_email === true && !Array.isArray(raw.emails)) expect(a.work_email).toBeUndefined();
        if (raw.mobile_phone === true && !Array.isArray(raw.phone_numbers)) expect(a.phone).toBeUndefined();
        expect(typeof isPdlPerson(parsed.data)).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });

  it('a company the schema admits normalizes without throwing, stably whatever the key order, well-formed', () => {
    fc.assert(
      fc.property(companyShape, (raw) => {
        const parsed = pdlCompany.safeParse(raw);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        const a = normalizePdlCompany(parsed.data, raw.likelihood);
        expect(normalizePdlCompany(pdlCompany.parse(reversed(raw)), raw.likelihood)).toEqual(a);
        expectWellFormed(a);
        expect(Object.keys(a).every((f) => !['work_email', 'job_title', 'first_name', 'phone'].includes(f))).toBe(true);
        if (typeof raw.employee_count === 'number' && Number.isSafeInteger(raw.employee_count) && raw.employee_count > 0) {
          expect(a.employee_count?.value).toBe(String(raw.employee_count));
        }
        expect(typeof isPdlCompany(parsed.data)).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });

  it('whole answers: any JSON either fails the schema or normalizes cleanly', () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ status: json, likelihood: json, data: fc.oneof(personShape, json) }, { requiredKeys: [] }),
      fc.array(fc.oneof(fc.record({ status: json, likelihood: json, data: personShape, metadata: json }, { requiredKeys: [] }), leaf), { maxLength: 8 }),
      companyShape,
      fc.array(fc.oneof(companyShape, leaf), { maxLength: 8 }),
    );
    fc.assert(
      fc.property(body, (raw) => {
        const single = personEnrichResponse.safeParse(raw);
        if (single.success && isPdlPerson(single.data.data)) expectWellFormed(normalizePdlPerson(single.data.data, single.data.likelihood));
        const bulk = bulkPersonResponse.safeParse(raw);
        if (bulk.success) {
          for (const e of bulk.data) if (e !== 'unreadable' && isPdlPerson(e.data)) expectWellFormed(normalizePdlPerson(e.data, e.likelihood));
        }
        const company = companyEnrichResponse.safeParse(raw);
        if (company.success && isPdlCompany(company.data)) expectWellFormed(normalizePdlCompany(company.data, company.data.likelihood));
        const companies = bulkCompanyResponse.safeParse(raw);
        if (companies.success) {
          for (const e of companies.data) if (e !== 'unreadable' && isPdlCompany(e)) expectWellFormed(normalizePdlCompany(e, e.likelihood));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('likelihood 1–10 maps to a confidence in [0, 0.95], never decreasing; absent → 0.6', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), (l) => {
        expect(likelihoodConfidence(l)).toBeLessThanOrEqual(likelihoodConfidence(l + 1));
        expect(likelihoodConfidence(String(l))).toBe(likelihoodConfidence(l));
      }),
    );
    fc.assert(
      fc.property(json, (l) => {
        const c = likelihoodConfidence(l);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThanOrEqual(0.95);
      }),
      { numRuns: RUNS },
    );
    expect(likelihoodConfidence(10)).toBe(0.95);
    expect(likelihoodConfidence(6)).toBe(0.6);
    expect(likelihoodConfidence(null)).toBe(0.6);
  });
});

describe('pdl canonical case', () => {
  it('title-cases lower-case values the way other vendors spell them', () => {
    expect(titleCase('ada', 'name')).toBe('Ada');
    expect(titleCase('berners-lee', 'name')).toBe('Berners-Lee');
    expect(titleCase('van rossum', 'name')).toBe('Van Rossum');
    expect(titleCase("o'neil", 'name')).toBe("O'Neil");
    expect(titleCase('vp marketing', 'title')).toBe('VP Marketing');
    expect(titleCase('head of revenue operations', 'title')).toBe('Head of Revenue Operations');
    expect(titleCase('of counsel', 'title')).toBe('Of Counsel');
    expect(titleCase('ile-de-france', 'place')).toBe('Ile-de-France');
    expect(titleCase('district of columbia', 'place')).toBe('District of Columbia');
    expect(titleCase('acme3 gmbh', 'company')).toBe('Acme3 GmbH');
    expect(titleCase('bank of america', 'company')).toBe('Bank of America');
    // Already cased by PDL (titlecase=true) or a proxy: left alone.
    expect(titleCase('McDonald', 'name')).toBe('McDonald');
    expect(titleCase('straße', 'place')).toBe('Straße');
  });

  it('title-casing is idempotent and changes nothing but letter case', () => {
    const kinds = fc.constantFrom('name', 'title', 'place', 'company') as fc.Arbitrary<'name' | 'title' | 'place' | 'company'>;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.stringMatching(/^[a-z' -]{0,30}$/)), kinds, (s, kind) => {
        const once = titleCase(s, kind);
        expect(titleCase(once, kind)).toBe(once);
        expect(once.length).toBe(s.length);
        expect(once.toLowerCase()).toBe(s.toLowerCase());
      }),
      { numRuns: RUNS },
    );
  });

  it('the most senior job level wins; size ranges are spelled one way', () => {
    expect(seniorityOf(['manager', 'cxo'])).toBe('c_suite');
    expect(seniorityOf([' VP'])).toBe('vp');
    expect(seniorityOf(['unpaid'])).toBe('entry');
    expect(seniorityOf(['astronaut'])).toBeUndefined();
    expect(sizeRange('1,001 - 5,000')).toBe('1001-5000');
    expect(sizeRange('10001+')).toBe('10001+');
    expect(sizeRange('  huge ')).toBe('huge');
    expect(sizeRange(51)).toBeUndefined();
  });
});

describe('pdl lookups are canonical', () => {
  const person = pdlAdapter.operations.person_enrich!;
  const company = pdlAdapter.operations.company_enrich!;
  const word = fc.stringMatching(/^[a-z]{1,10}$/);
  /** The same text with random case and padding. */
  const respell = (s: string) =>
    fc.tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.constantFrom('', ' ', '  '), fc.constantFrom('', ' ')).map(
      ([upper, pre, post]) => pre + [...s].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('') + post,
    );

  it('the same e-mail, name + domain or website spelled differently gives the same key', () => {
    fc.assert(
      fc.property(word, word, word, (first, last, stem) => {
        const email = `${first}.${last}@${stem}.com`;
        const domain = `${stem}.com`;
        return fc.assert(
          fc.property(respell(email), respell(first), respell(last), fc.constantFrom('', 'https://', 'http://www.', 'WWW.'), (e, f, l, prefix) => {
            expect(person.lookup({ email: e })?.key).toBe(`email:${email}`);
            expect(person.lookup({ first_name: f, last_name: l, domain: `${prefix}${domain}` })?.key).toBe(`name:${first}|${last}|${domain}`);
            expect(company.lookup({ domain: `${prefix}${domain}/about` })).toEqual({ key: `domain:${domain}`, params: { website: domain } });
          }),
          { numRuns: 5 },
        );
      }),
      { numRuns: 40 },
    );
  });

  it('a lookup rebuilt from its own parameters has the same key', () => {
    const facts = fc.record(
      {
        email: fc.oneof(fc.emailAddress(), fc.string()),
        first_name: fc.string({ maxLength: 20 }),
        last_name: fc.string({ maxLength: 20 }),
        domain: fc.oneof(fc.domain(), fc.string()),
        company_name: fc.string({ maxLength: 30 }),
        linkedin_url: fc.oneof(word.map((w) => `linkedin.com/in/${w}`), fc.string()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(facts, (f) => {
        const l = person.lookup(f);
        if (!l) return;
        const p = l.params;
        const again = person.lookup({
          email: p.email,
          first_name: p.first_name,
          last_name: p.last_name,
          ...(l.key.includes('|company:') ? { company_name: p.company } : { domain: p.company }),
          linkedin_url: p.profile,
        });
        expect(again?.key).toBe(l.key);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('pdl header parsers', () => {
  it('never throw, whatever the header says', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (remaining, limit, reset) => {
        expect(typeof parsePdlCounts(remaining)).toBe('object');
        const t = parsePdlTime(reset);
        expect(t === undefined || Number.isFinite(t)).toBe(true);
        const q = pdlQuota(new Headers({ 'x-ratelimit-remaining': remaining.replace(/[\r\n]/g, ''), 'x-ratelimit-limit': limit.replace(/[\r\n]/g, ''), 'x-ratelimit-reset': reset.replace(/[\r\n]/g, '') }));
        for (const r of q ?? []) {
          expect(r.windowMs).toBeGreaterThan(0);
          expect(r.remaining).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('read back any window counts printed as a Python dict or as JSON', () => {
    const counts = fc.dictionary(fc.constantFrom('minute', 'hour', 'day', 'month'), fc.oneof(fc.nat({ max: 100_000 }), fc.constant(null)), { minKeys: 1 });
    fc.assert(
      fc.property(counts, fc.constantFrom("'", '"'), fc.boolean(), (c, q, spaced) => {
        const sep = spaced ? ', ' : ',';
        const text = `{${Object.entries(c).map(([k, v]) => `${q}${k}${q}:${spaced ? ' ' : ''}${v === null ? 'None' : v}`).join(sep)}}`;
        const expected = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null));
        expect(parsePdlCounts(text)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
