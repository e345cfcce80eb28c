// Property tests of the Cognism and Clearbit normalizers and lookups: for any body the response
// schemas admit (vendor-shaped objects with arbitrary values, nulls and extra keys) normalizing never
// throws, is stable (twice, on a copy, with the keys in another order) and yields only canonical
// fields with non-empty values and confidences in [0, 1]; the same facts spelled differently give the
// same lookup key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cognismAdapter } from '../../server/vendors/cognism/adapter.ts';
import { contactIdOfRedeemId, normalizeCognismContact, redeemKeyOf } from '../../server/vendors/cognism/normalize.ts';
import { cognismContact, enrichResponse, redeemResponse } from '../../server/vendors/cognism/schemas.ts';
import { clearbitAdapter, interpretClearbitResponse } from '../../server/vendors/clearbit/adapter.ts';
import { linkedinFromHandle, normalizeClearbitCompany, normalizeClearbitPerson } from '../../server/vendors/clearbit/normalize.ts';
import { clearbitCompany, clearbitPerson } from '../../server/vendors/clearbit/schemas.ts';
import type { ContactFacts } from '../../server/vendors/types.ts';
import { expectWellFormed, extraKeysOf, looseWith, OUTCOMES, reversedKeys } from '../helpers/vendor-fixtures.ts';

const RUNS = { numRuns: 300 };
const PERSON_ONLY = ['first_name', 'last_name', 'job_title', 'seniority', 'linkedin_url', 'work_email', 'email_status', 'phone', 'city', 'state', 'country'];

const leaf = fc.oneof(
  fc.constant(null),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '   ', 'HIGH_PLUS', 'high', 'Medium', 'LOW', 'VERIFIED', 'ada.lovelace@acme.com', 'acme.com', 'https://www.linkedin.com/in/ada',
    'in/ada-lovelace', 'company/acme', 'https://www.linkedin.com/company/acme', '+1 415 555 0100', '1,200', '51-250', '-3', 'NaN', '1e400'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);
const json = fc.oneof(leaf, fc.jsonValue({ maxDepth: 2 }));
/** Some of the known keys (each a plausible value or any JSON), plus unknown ones. */
const loose = looseWith(extraKeysOf(json, 3));
const orJson = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: json });
const list = <T>(a: fc.Arbitrary<T>) => orJson(fc.array(orJson(a), { maxLength: 5 }));

// ---------------------------------------------------------------------------------------------
// Cognism

const phone = loose({ number: orJson(fc.constantFrom('+14155550100', '+44 20 3858 0822', '555')), score: json, dnc: orJson(fc.boolean()), numberType: json, label: json });
const account = loose({
  id: json, name: json, domain: json, website: json, linkedinUrl: json, industry: orJson(fc.oneof(fc.string(), fc.array(json))),
  industries: json, headcount: json, sizeFrom: json, sizeTo: json, revenue: json, technologies: list(fc.string()), location: json,
});
const contactShape = loose({
  id: json, redeemId: json, fullName: json, firstName: json, lastName: json, jobTitle: json, seniority: orJson(fc.oneof(fc.string(), fc.array(json))),
  managementLevel: json, email: orJson(fc.oneof(loose({ address: json, quality: json, sha256: json }), fc.emailAddress())), linkedinUrl: json,
  mobilePhoneNumbers: list(phone), directPhoneNumbers: list(phone), country: json, state: json, city: json, account: orJson(account),
});

describe('cognism normalizer properties', () => {
  it('a contact the schema admits normalizes without throwing, stably and well-formed', () => {
    fc.assert(
      fc.property(contactShape, (raw) => {
        const parsed = cognismContact.safeParse(raw);
        expect(parsed.success).toBe(true); // every leaf is tolerant: any object is admitted
        if (!parsed.success) return;
        const a = normalizeCognismContact(parsed.data);
        expectWellFormed(a);
        expect(normalizeCognismContact(parsed.data)).toEqual(a);
        expect(normalizeCognismContact(cognismContact.parse(structuredClone(raw)))).toEqual(a);
        expect(normalizeCognismContact(cognismContact.parse(reversedKeys(raw)))).toEqual(a);
        // A number flagged Do-Not-Call is never handed out.
        const callable = [...parsed.data.mobilePhoneNumbers, ...parsed.data.directPhoneNumbers].filter((p) => p.dnc !== true).map((p) => p.number);
        if (a.phone) expect(callable.some((n) => typeof n === 'string' && n.replace(/\D/g, '') === a.phone!.value.replace(/\D/g, ''))).toBe(true);
        if (callable.length === 0) expect(a.phone).toBeUndefined();
        if (a.employee_count) expect(a.employee_count.value).toMatch(/^\d+(-\d+)?$/);
        if (a.annual_revenue) expect(a.annual_revenue.value).toMatch(/^\d+$/);
      }),
      RUNS,
    );
  });

  it('whole answers: any JSON either fails the schema or yields readable previews and contacts', () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ matchScore: json, results: fc.array(orJson(loose({ id: json, redeemId: json, fullName: json, account: json })), { maxLength: 4 }) }),
      fc.record({ totalResults: json, results: fc.array(orJson(contactShape), { maxLength: 4 }) }),
    );
    fc.assert(
      fc.property(body, (raw) => {
        const e = enrichResponse.safeParse(raw);
        if (e.success) {
          for (const p of e.data.results ?? []) {
            const k = redeemKeyOf(p);
            if (k !== undefined) {
              expect(k).not.toMatch(/\s/);
              expect(k.length).toBeGreaterThan(0);
              const id = contactIdOfRedeemId(k);
              if (id !== undefined) expect(id).toMatch(/^[0-9a-f-]+$/);
            }
          }
        }
        const r = redeemResponse.safeParse(raw);
        if (r.success) for (const c of r.data.results) if (c) expectWellFormed(normalizeCognismContact(c));
      }),
      RUNS,
    );
  });

  it('maps e-mail quality grades, respects Do-Not-Call, and falls back where fields are missing', () => {
    const n = (x: Record<string, unknown>) => normalizeCognismContact(cognismContact.parse(x));
    const email = (quality: unknown) => n({ email: { address: 'Ada@Acme.com', quality } });
    expect(email('HIGH_PLUS')).toEqual({ work_email: { value: 'ada@acme.com', confidence: 0.95 }, email_status: { value: 'valid', confidence: 0.95 } });
    expect(email('high')).toMatchObject({ email_status: { value: 'valid', confidence: 0.85 } });
    expect(email('MEDIUM')).toMatchObject({ email_status: { value: 'risky', confidence: 0.65 } });
    expect(email('LOW')).toMatchObject({ email_status: { value: 'risky', confidence: 0.45 } });
    expect(email('SHINY')).toEqual({ work_email: { value: 'ada@acme.com', confidence: 0.6 } });
    expect(n({ email: 'ada@acme.com' }).work_email?.value).toBe('ada@acme.com');
    const phones = n({
      mobilePhoneNumbers: [
        { number: '+1 415 555 0100', score: 99, dnc: true },
        { number: '+1 415 555 0101', score: 40, dnc: false },
        { number: '+1 415 555 0102', score: 80 },
      ],
      directPhoneNumbers: [{ number: '+1 415 555 0199', score: 100 }],
    });
    expect(phones.phone).toEqual({ value: '+14155550102', confidence: 0.8 });
    expect(n({ mobilePhoneNumbers: [{ number: '+14155550100', dnc: true }], directPhoneNumbers: [{ number: '+14155550199' }] }).phone).toEqual({
      value: '+14155550199',
      confidence: 0.7,
    });
    expect(n({ fullName: 'Ada  King Lovelace' })).toMatchObject({ first_name: { value: 'Ada' }, last_name: { value: 'King Lovelace' } });
    expect(n({ managementLevel: 'Executive-Level' }).seniority?.value).toBe('Executive-Level');
    expect(n({ account: { sizeFrom: 501, sizeTo: 1000, website: 'www.acme.com', industry: ['Computer Software'] } })).toMatchObject({
      employee_count: { value: '501-1000' },
      company_domain: { value: 'acme.com' },
      industry: { value: 'Computer Software' },
    });
    expect(n({ linkedinUrl: 'https://www.linkedin.com/company/acme', account: { linkedinUrl: 'https://www.linkedin.com/in/ada' } })).toEqual({});
  });

  it('reads the contact id out of a redeemId and rejects what is not one', () => {
    const id = '34d633b7-41ea-3ac7-a280-431d71fd77eb';
    expect(contactIdOfRedeemId(Buffer.from(`${id};b;c`).toString('base64'))).toBe(id);
    expect(contactIdOfRedeemId(Buffer.from(`${id};b;c`).toString('base64').replace(/=+$/, ''))).toBe(id);
    expect(contactIdOfRedeemId('not base64!')).toBeUndefined();
    expect(contactIdOfRedeemId(Buffer.from('hello;world').toString('base64'))).toBeUndefined();
    fc.assert(fc.property(fc.string(), (s) => {
      const r = contactIdOfRedeemId(s);
      expect(r === undefined || /^[0-9a-f-]{8,64}$/.test(r)).toBe(true);
    }), RUNS);
  });
});

// ---------------------------------------------------------------------------------------------
// Clearbit

const personShape = loose({
  id: json, name: orJson(loose({ fullName: json, givenName: json, familyName: json })), email: json,
  geo: orJson(loose({ city: json, state: json, country: json, lat: json })),
  employment: orJson(loose({ domain: json, name: json, title: json, seniority: json, role: json })),
  linkedin: orJson(loose({ handle: json })), fuzzy: json, twitter: json,
});
const companyShape = loose({
  id: json, name: json, legalName: json, domain: json, category: orJson(loose({ industry: json, industryGroup: json, sector: json })),
  metrics: orJson(loose({ employees: json, employeesRange: json, annualRevenue: json, estimatedAnnualRevenue: json })),
  tech: list(fc.string()), linkedin: orJson(loose({ handle: json })), geo: json,
});

describe('clearbit normalizer properties', () => {
  it('a person the schema admits normalizes without throwing, stably, well-formed, never with company firmographics', () => {
    fc.assert(
      fc.property(personShape, (raw) => {
        const parsed = clearbitPerson.safeParse(raw);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        const a = normalizeClearbitPerson(parsed.data);
        expectWellFormed(a);
        expect(normalizeClearbitPerson(clearbitPerson.parse(structuredClone(raw)))).toEqual(a);
        expect(normalizeClearbitPerson(clearbitPerson.parse(reversedKeys(raw)))).toEqual(a);
        for (const f of ['industry', 'employee_count', 'annual_revenue', 'tech_stack', 'work_email', 'phone']) expect(a).not.toHaveProperty(f);
        if (a.linkedin_url) expect(a.linkedin_url.value).toMatch(/^https:\/\/www\.linkedin\.com\/(in|pub)\//);
      }),
      RUNS,
    );
  });

  it('a company the schema admits normalizes without throwing, stably, well-formed, never with person fields', () => {
    fc.assert(
      fc.property(companyShape, (raw) => {
        const parsed = clearbitCompany.safeParse(raw);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        const a = normalizeClearbitCompany(parsed.data);
        expectWellFormed(a);
        expect(normalizeClearbitCompany(clearbitCompany.parse(structuredClone(raw)))).toEqual(a);
        expect(normalizeClearbitCompany(clearbitCompany.parse(reversedKeys(raw)))).toEqual(a);
        for (const f of PERSON_ONLY) expect(a).not.toHaveProperty(f);
        if (a.company_linkedin_url) expect(a.company_linkedin_url.value).toMatch(/^https:\/\/www\.linkedin\.com\/company\//);
        if (a.tech_stack) expect(a.tech_stack.value.split(', ').every((t) => t.trim() !== '')).toBe(true);
      }),
      RUNS,
    );
  });

  it('interpreting any answer is total: a known outcome, billed only for 200/201/202/404 (not an unknown route)', () => {
    const headers = fc
      .dictionary(fc.constantFrom('x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'), fc.oneof(fc.nat().map(String), fc.string({ maxLength: 12 })), { maxKeys: 4 })
      .map((h) => {
        const out = new Headers();
        for (const [k, v] of Object.entries(h)) {
          try {
            out.set(k, v);
          } catch {
            /* a value Headers refuses cannot arrive on the wire either */
          }
        }
        return out;
      });
    const body = fc.oneof(json, personShape, companyShape, fc.record({ error: orJson(loose({ type: orJson(fc.constantFrom('unknown_record', 'unknown_route')), message: json })) }));
    fc.assert(
      fc.property(fc.constantFrom('person_find', 'company_find'), fc.integer({ min: 100, max: 599 }), body, headers, (opId, status, raw, h) => {
        const r = interpretClearbitResponse(opId, status, raw, h, Date.UTC(2026, 0, 1));
        expect(OUTCOMES).toContain(r.outcome);
        expect(r.httpStatus).toBe(status);
        const routeMiss = status === 404 && (raw as { error?: { type?: unknown } } | null)?.error?.type === 'unknown_route';
        expect(r.billed).toBe([200, 201, 202, 404].includes(status) && !routeMiss);
        if (r.retryAt !== undefined) expect(Number.isFinite(r.retryAt)).toBe(true);
        if (r.profile) expectWellFormed(r.profile);
        for (const q of r.quota ?? []) expect(q.remaining).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it('reads handles, head counts and ranges as Clearbit sends them', () => {
    expect(linkedinFromHandle('in/Ada-Lovelace', 'in')).toBe('https://www.linkedin.com/in/ada-lovelace');
    expect(linkedinFromHandle('ada-lovelace', 'in')).toBe('https://www.linkedin.com/in/ada-lovelace');
    expect(linkedinFromHandle('company/acme', 'company')).toBe('https://www.linkedin.com/company/acme');
    expect(linkedinFromHandle('company/acme', 'in')).toBeUndefined();
    expect(linkedinFromHandle('https://linkedin.com/in/ada', 'company')).toBeUndefined();
    const co = (metrics: Record<string, unknown>) => normalizeClearbitCompany(clearbitCompany.parse({ name: 'Acme', metrics })).employee_count?.value;
    expect(co({ employees: 180, employeesRange: '51-250' })).toBe('180');
    expect(co({ employees: null, employeesRange: '51-250' })).toBe('51-250');
    expect(co({ employees: '1K-5K' })).toBe('1K-5K');
    const fuzzy = normalizeClearbitPerson(clearbitPerson.parse({ id: 'x', name: { givenName: 'Ada' }, fuzzy: true }));
    expect(fuzzy.first_name).toEqual({ value: 'Ada', confidence: 0.6 });
    expect(normalizeClearbitPerson(clearbitPerson.parse({ name: { fullName: 'Ada Lovelace' } }))).toMatchObject({
      first_name: { value: 'Ada' },
      last_name: { value: 'Lovelace' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Lookups: the same facts, spelled differently, give the same key.

const FIRST = fc.constantFrom('ada', 'grace', 'José', 'van', 'Li');
const LAST = fc.constantFrom('lovelace', 'hopper', 'van rossum', 'Müller', "o'neil");
const DOMAIN = fc.constantFrom('acme.com', 'globex.io', 'initech.co.uk', 'hooli.example');

const respellCase = (s: string, mode: number) => (mode === 0 ? s : mode === 1 ? s.toUpperCase() : s.replace(/^./, (c) => c.toUpperCase()));
const pad = (s: string, p: number) => `${' '.repeat(p)}${s}${' '.repeat(p)}`;

const facts = fc.record({
  first: FIRST,
  last: LAST,
  domain: DOMAIN,
  withEmail: fc.boolean(),
  withLinkedin: fc.boolean(),
  companyInstead: fc.boolean(),
});
const spelling = fc.record({ caseMode: fc.integer({ min: 0, max: 2 }), padding: fc.integer({ min: 0, max: 2 }), urlForm: fc.integer({ min: 0, max: 2 }) });

function spell(f: { first: string; last: string; domain: string; withEmail: boolean; withLinkedin: boolean; companyInstead: boolean }, s: { caseMode: number; padding: number; urlForm: number }): ContactFacts {
  const c = (x: string) => pad(respellCase(x, s.caseMode), s.padding);
  const domain = s.urlForm === 0 ? f.domain : s.urlForm === 1 ? `https://www.${f.domain.toUpperCase()}/about` : `WWW.${f.domain}`;
  const out: ContactFacts = { first_name: c(f.first), last_name: c(f.last).replace(/ /g, s.padding ? '  ' : ' ') };
  if (f.companyInstead) out.company_name = c(`${f.domain.split('.')[0]} Inc`);
  else out.domain = pad(domain, s.padding);
  if (f.withEmail) out.email = pad(respellCase(`${f.first.replace(/[^a-z]/gi, '')}.x@${f.domain}`, s.caseMode), s.padding);
  if (f.withLinkedin) out.linkedin_url = s.urlForm === 1 ? `linkedin.com/in/${f.first}-x/` : `https://www.linkedin.com/in/${respellCase(f.first, s.caseMode)}-x`;
  return out;
}

/** The fact each vendor parameter carries. */
const PARAM_FACT: Record<string, keyof ContactFacts> = {
  email: 'email',
  linkedinUrl: 'linkedin_url',
  firstName: 'first_name',
  lastName: 'last_name',
  accountWebsite: 'domain',
  accountName: 'company_name',
  domain: 'domain',
};

describe('lookups are canonical', () => {
  const ops = [
    ['cognism contact_enrich', cognismAdapter.operations.contact_enrich!],
    ['clearbit person_find', clearbitAdapter.operations.person_find!],
    ['clearbit company_find', clearbitAdapter.operations.company_find!],
  ] as const;
  for (const [name, op] of ops) {
    it(`${name}: respelled facts give the same key; the key ignores the order of the facts`, () => {
      fc.assert(
        fc.property(facts, spelling, spelling, (f, s1, s2) => {
          const a = op.lookup(spell(f, s1));
          const b = op.lookup(spell(f, s2));
          expect(b?.key).toBe(a?.key);
          expect(op.lookup(reversedKeys(spell(f, s1)) as ContactFacts)?.key).toBe(a?.key);
          if (a) {
            expect(a.key).toBe(a.key.trim());
            for (const v of Object.values(a.params)) expect(v).toBe(v.trim());
            // What is sent, read back as facts, is the same lookup (normalizing is idempotent).
            const back = Object.fromEntries(Object.entries(a.params).map(([k, v]) => [PARAM_FACT[k] ?? k, v])) as ContactFacts;
            expect(op.lookup(back)).toEqual(a);
          }
        }),
        RUNS,
      );
    });
  }
});
