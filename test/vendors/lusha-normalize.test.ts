// Property tests of Lusha's response handling: for any body the schemas admit (Lusha-shaped objects
// with arbitrary values, nulls, both key spellings and extra keys), normalizing never throws, is
// stable (twice, or with the keys in another order), yields only canonical fields with non-empty
// values and confidences in [0, 1], never takes a private address as the work e-mail and never
// returns a do-not-call number. Lookups are canonical: every spelling of the same facts gives the
// same key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lushaAdapter } from '../../server/vendors/lusha/adapter.ts';
import {
  emailGradeConfidence,
  isLushaCompany,
  isLushaPerson,
  normalizeLushaCompany,
  normalizeLushaContact,
  pickPhone,
  rangeText,
} from '../../server/vendors/lusha/normalize.ts';
import {
  bulkContactResponse,
  lushaCompany,
  lushaContactData,
  lushaContactEntry,
  singleCompanyResponse,
  singleContactResponse,
} from '../../server/vendors/lusha/schemas.ts';
import { normalizeEmail, normalizePhone } from '../../server/vendors/normalize.ts';
import { anyJson, expectWellFormed, extraKeysOf, field, looseWith, reversedKeys } from '../helpers/vendor-fixtures.ts';

const RUNS = { numRuns: 300 };

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('', '  ', '\n\t'));
/** A loose object: some of the known keys, plus unknown ones. */
const loose = looseWith(extraKeysOf(anyJson, 3));

const email = field(fc.oneof(fc.emailAddress(), text, fc.constantFrom('Ada.Lovelace@ACME.com', 'ada@acme.example')));
const emailType = field(fc.oneof(fc.constantFrom('work', 'private', 'Work', ' WORK ', 'personal'), text));
const grade = field(fc.oneof(fc.constantFrom('A+', 'A', 'A-', 'B', 'b+', 'C', 'D', 'F', ' A + '), text));
const phoneNumber = field(
  fc.oneof(fc.string({ unit: fc.constantFrom('0', '1', '5', '+', ' ', '-', '(', ')') }), text, fc.integer(), fc.constant('+1 555-123-4567')),
);
const phoneType = field(fc.oneof(fc.constantFrom('Mobile', 'Direct', 'Phone', 'direct'), text));
const num = field(fc.oneof(fc.integer({ min: -10, max: 20_000_000_000 }), fc.double(), fc.constantFrom('201', '1,200', 'x')));
const domain = field(fc.oneof(fc.domain(), fc.webUrl(), text, fc.constant('www.acme.example')));
const linkedin = field(fc.oneof(fc.webUrl(), fc.constantFrom('https://www.linkedin.com/in/ada-lovelace', 'linkedin.com/company/acme'), text));

const emailEntry = loose({ email, address: email, emailType, type: emailType, emailConfidence: grade, updateDate: field(text) });
const phoneEntry = loose({ number: phoneNumber, phoneType, doNotCall: field(fc.boolean()), updateDate: field(text) });

const companyShape = loose({
  id: num,
  name: field(text),
  domain,
  fqdn: domain,
  emailDomain: domain,
  domains: field(loose({ homepage: domain, email })),
  homepageUrl: domain,
  website: domain,
  companySize: field(fc.oneof(fc.array(num, { maxLength: 3 }), loose({ min: num, max: num, employeesInLinkedin: num }))),
  employees: field(fc.oneof(fc.constantFrom('201 - 500', '10,001+', '42', '5-'), text, fc.integer())),
  revenueRange: field(fc.array(num, { maxLength: 3 })),
  mainIndustry: field(text),
  subIndustry: field(text),
  industry: field(fc.oneof(text, loose({ mainIndustry: field(text), subIndustry: field(text) }))),
  industryPrimaryGroup: field(text),
  social: field(loose({ linkedin: field(fc.oneof(linkedin, loose({ url: linkedin }))) })),
  linkedin,
  technologies: field(fc.array(fc.oneof(loose({ name: field(text) }), text, anyJson), { maxLength: 5 })),
});

const contactShape = loose({
  companyId: num,
  personId: num,
  firstName: field(text),
  lastName: field(text),
  fullName: field(text),
  emailAddresses: field(fc.array(fc.oneof(emailEntry, anyJson), { maxLength: 4 })),
  phoneNumbers: field(fc.array(fc.oneof(phoneEntry, anyJson), { maxLength: 4 })),
  location: field(loose({ city: field(text), state: field(text), country: field(text), country_iso2: field(text) })),
  jobTitle: field(loose({ title: field(text), seniority: field(text), departments: field(fc.array(text)) })),
  socialLinks: field(loose({ linkedin })),
  company: field(companyShape),
});


const lc = (s: unknown) => (typeof s === 'string' ? s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase() : '');
/** The entry's type as Lusha spells it either way: the first non-blank of `emailType`, `type`. */
const kindOf = (e: Record<string, unknown>) => lc(e.emailType) || lc(e.type);

describe('lusha normalizer properties', () => {
  it('a contact the schema admits normalizes without throwing, stably and well-formed', () => {
    fc.assert(
      fc.property(contactShape, (raw) => {
        const parsed = lushaContactData.safeParse(raw);
        expect(parsed.success).toBe(true); // every leaf is tolerant: any object is admitted
        if (!parsed.success) return;
        const a = normalizeLushaContact(parsed.data);
        expect(normalizeLushaContact(lushaContactData.parse(structuredClone(raw)))).toEqual(a);
        expect(normalizeLushaContact(lushaContactData.parse(reversedKeys(raw)))).toEqual(a);
        expectWellFormed(a);
        expect(typeof isLushaPerson(parsed.data)).toBe('boolean');

        // Only a `work` entry may fill work_email.
        if (a.work_email) {
          const works = (Array.isArray(raw.emailAddresses) ? raw.emailAddresses : []).filter(
            (e): e is Record<string, unknown> => !!e && typeof e === 'object' && kindOf(e as Record<string, unknown>) === 'work',
          );
          const addresses = works.flatMap((e) => [normalizeEmail(e.email), normalizeEmail(e.address)]);
          expect(addresses).toContain(a.work_email.value);
        }
        // A do-not-call number (or one without the flag) is never the phone.
        if (a.phone) {
          const callable = (Array.isArray(raw.phoneNumbers) ? raw.phoneNumbers : [])
            .filter((p): p is Record<string, unknown> => !!p && typeof p === 'object' && (p as Record<string, unknown>).doNotCall === false)
            .map((p) => normalizePhone(p.number));
          expect(callable).toContain(a.phone.value);
        }
      }),
      RUNS,
    );
  });

  it('a company the schema admits normalizes without throwing, stably and well-formed', () => {
    fc.assert(
      fc.property(companyShape, (raw) => {
        const parsed = lushaCompany.safeParse(raw);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        const a = normalizeLushaCompany(parsed.data);
        expect(normalizeLushaCompany(lushaCompany.parse(reversedKeys(raw)))).toEqual(a);
        expectWellFormed(a);
        for (const f of ['employee_count', 'annual_revenue'] as const) {
          if (a[f]) expect(a[f]!.value).toMatch(/^\d+(-\d+|\+)?$/);
        }
        expect(Object.keys(a).every((f) => ['company_name', 'company_domain', 'industry', 'employee_count', 'annual_revenue', 'tech_stack', 'company_linkedin_url'].includes(f))).toBe(true);
        if (a.company_linkedin_url) expect(a.company_linkedin_url.value).toMatch(/^https:\/\/www\.linkedin\.com\/company\//);
        expect(typeof isLushaCompany(parsed.data)).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('both e-mail spellings give the same profile', () => {
    const entry = fc.record({ address: fc.oneof(fc.emailAddress(), text), kind: emailType, grade });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), (entries) => {
        const single = entries.map((e) => ({ address: e.address, type: e.kind, emailConfidence: e.grade }));
        const bulk = entries.map((e) => ({ email: e.address, emailType: e.kind, emailConfidence: e.grade }));
        const a = normalizeLushaContact(lushaContactData.parse({ emailAddresses: single }));
        const b = normalizeLushaContact(lushaContactData.parse({ emailAddresses: bulk }));
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  it('whole response bodies: any JSON either fails the schema or normalizes cleanly', () => {
    const entry = loose({ error: field(loose({ code: num, name: field(text), message: field(text) })), isCreditCharged: field(fc.boolean()), data: field(contactShape) });
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      entry.map((contact) => ({ contact })),
      fc.dictionary(fc.constantFrom('0', '1', '2'), fc.oneof(entry, anyJson), { maxKeys: 3 }).map((contacts) => ({ contacts, companies: {} })),
      companyShape.map((data) => ({ data, meta: {} })),
    );
    fc.assert(
      fc.property(body, (raw) => {
        const single = singleContactResponse.safeParse(raw);
        if (single.success && isLushaPerson(single.data.contact.data)) expectWellFormed(normalizeLushaContact(single.data.contact.data));
        const bulk = bulkContactResponse.safeParse(raw);
        if (bulk.success) {
          for (const v of Object.values(bulk.data.contacts)) {
            const e = lushaContactEntry.safeParse(v);
            if (e.success && isLushaPerson(e.data.data)) expectWellFormed(normalizeLushaContact(e.data.data));
          }
        }
        const co = singleCompanyResponse.safeParse(raw);
        if (co.success && isLushaCompany(co.data.data)) expectWellFormed(normalizeLushaCompany(co.data.data));
      }),
      RUNS,
    );
  });

  it('lookups are canonical: any spelling of the same facts gives the same key', () => {
    const person = lushaAdapter.operations.person!;
    const company = lushaAdapter.operations.company!;
    const name = fc.stringMatching(/^[a-z]{2,10}$/);
    const dom = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/), fc.constantFrom('com', 'example', 'io')).map(([a, b]) => `${a}.${b}`);
    const mask = fc.array(fc.boolean(), { minLength: 64, maxLength: 64 });
    const pad = fc.constantFrom('', ' ', '  ', '\t');
    /** `s` with the letters the mask picks in upper case, padded with blanks. */
    const spell = (s: string, m: boolean[], before: string, after: string) =>
      before + [...s].map((ch, i) => (m[i % m.length] ? ch.toUpperCase() : ch)).join('') + after;
    fc.assert(
      fc.property(name, name, dom, fc.integer({ min: 0, max: 3 }), mask, pad, pad, (first, last, d, form, m, before, after) => {
        const urlForm = (x: string) => [x, `www.${x}`, `https://www.${x}/about`, `http://${x}/`][form]!;
        const facts = [
          { email: `${first}.${last}@${d}` },
          { first_name: first, last_name: last, domain: d },
          { first_name: first, last_name: last, company_name: `${first} labs` },
          { linkedin_url: `https://www.linkedin.com/in/${first}-${last}` },
        ];
        const variants = [
          { email: spell(`${first}.${last}@${d}`, m, before, after) },
          { first_name: spell(first, m, before, after), last_name: spell(last, m.slice(1), after, before), domain: urlForm(spell(d, m, '', '')) },
          { first_name: first.toUpperCase(), last_name: ` ${last} `, company_name: `${spell(first, m, before, '')}   LABS${after}` },
          { linkedin_url: `${before}linkedin.com/in/${spell(first, m, '', '')}-${last}/` },
        ];
        facts.forEach((f, i) => {
          const a = person.lookup(f);
          const b = person.lookup(variants[i]!);
          expect(a).not.toBeNull();
          expect(b?.key).toBe(a?.key);
          // The params a lookup sends lead back to the same lookup.
          expect(person.lookup(paramsAsFacts(a!.params))?.key).toBe(a?.key);
        });
        expect(company.lookup({ domain: urlForm(d) })?.key).toBe(`domain:${d}`);
      }),
      { numRuns: 200 },
    );
  });

  it('grades order the confidences; ranges and phones read as documented', () => {
    const order = ['A+', 'A', 'B', 'C', 'D'].map(emailGradeConfidence);
    expect([...order].sort((x, y) => y - x)).toEqual(order);
    expect(emailGradeConfidence(' a + ')).toBe(0.95);
    expect(emailGradeConfidence('Z')).toBe(0.6);
    expect(rangeText(201, 500)).toBe('201-500');
    expect(rangeText(10_001, null)).toBe('10001+');
    expect(rangeText(500, 201)).toBeUndefined();
    expect(
      pickPhone([
        { number: '+1 555 000 0001', phoneType: 'Mobile', doNotCall: false, updateDate: null, countryCode: null, countryCallingCode: null, countryName: null },
        { number: '+1 555 000 0002', phoneType: 'Direct', doNotCall: true, updateDate: null, countryCode: null, countryCallingCode: null, countryName: null },
        { number: '+1 555 000 0003', phoneType: 'Direct', doNotCall: null, updateDate: null, countryCode: null, countryCallingCode: null, countryName: null },
      ]),
    ).toBe('+15550000001');
  });
});

/** Lookup params (Lusha's names) back to ContactFacts. */
function paramsAsFacts(p: Record<string, string>) {
  return {
    email: p.email,
    linkedin_url: p.linkedinUrl,
    first_name: p.firstName,
    last_name: p.lastName,
    domain: p.companyDomain,
    company_name: p.companyName,
  };
}
