// Property tests of the Apollo normalizer: for any body the response schemas admit (Apollo-shaped
// objects with arbitrary values, nulls and extra keys), normalizing never throws, is stable, and
// yields only non-empty string values with confidences in [0, 1].
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isApolloMatch,
  isApolloOrganization,
  normalizeApolloOrganization,
  normalizeApolloPerson,
} from '../../server/vendors/apollo/normalize.ts';
import { apolloAdapter } from '../../server/vendors/apollo/adapter.ts';
import {
  apolloOrganization,
  apolloPerson,
  authHealthResponse,
  bulkEnrichResponse,
  bulkMatchResponse,
  organizationEnrichResponse,
  peopleMatchResponse,
} from '../../server/vendors/apollo/schemas.ts';
import { driftOf } from '../../server/vendors/drift.ts';
import { expectWellFormed, extraKeysOf, withExtraKeys } from '../helpers/vendor-fixtures.ts';

const RUNS = 400;

/** Any JSON leaf, biased towards the plausible: real-looking strings, numbers, nulls. */
const leaf = fc.oneof(
  fc.constant(null),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '   ', 'verified', 'unverified', 'guessed', 'unavailable', 'bounced', 'VERIFIED ', 'none',
    'ada.lovelace@acme.com', 'email_not_unlocked@domain.com', 'http://www.linkedin.com/in/ada', 'acme.com',
    'https://www.linkedin.com/company/acme', '1,200', '12.5', '-3', 'NaN', '1e400'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);
const json = fc.oneof(leaf, fc.jsonValue({ maxDepth: 2 }));
const extraKeys = extraKeysOf(json, 4);

const orgShape = withExtraKeys(
  fc.record(
    {
      id: json,
      name: json,
      website_url: json,
      primary_domain: json,
      linkedin_url: json,
      industry: json,
      estimated_num_employees: json,
      annual_revenue: json,
      technology_names: fc.oneof(fc.array(json, { maxLength: 6 }), json),
      city: json,
      state: json,
      country: json,
      phone: json,
    },
    { requiredKeys: [] },
  ),
  extraKeys,
);

const personShape = withExtraKeys(
  fc.record(
    {
      id: json,
      first_name: json,
      last_name: json,
      name: json,
      title: json,
      headline: json,
      seniority: json,
      linkedin_url: json,
      email: json,
      email_status: json,
      email_domain_catchall: json,
      match_confidence: json,
      city: json,
      state: json,
      country: json,
      organization: fc.oneof(orgShape, json),
    },
    { requiredKeys: [] },
  ),
  extraKeys,
);

describe('apollo normalizer properties', () => {
  it('a person the schema admits normalizes without throwing, stably and well-formed', () => {
    fc.assert(
      fc.property(personShape, (raw) => {
        const parsed = apolloPerson.safeParse(raw);
        expect(parsed.success).toBe(true); // every leaf is tolerant: any object is admitted
        if (!parsed.success) return;
        const a = normalizeApolloPerson(parsed.data);
        const b = normalizeApolloPerson(apolloPerson.parse(structuredClone(raw)));
        expect(b).toEqual(a);
        expectWellFormed(a);
        if (a.work_email) expect(a.work_email.value).not.toMatch(/^email_not_unlocked@/);
        const status = typeof parsed.data.email_status === 'string' ? parsed.data.email_status.trim().toLowerCase() : '';
        if (status === 'unavailable' || status === 'bounced') expect(a.work_email).toBeUndefined();
        expect(typeof isApolloMatch(parsed.data)).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });

  it('an organization the schema admits normalizes without throwing, stably and well-formed', () => {
    fc.assert(
      fc.property(orgShape, (raw) => {
        const parsed = apolloOrganization.safeParse(raw);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        const a = normalizeApolloOrganization(parsed.data);
        expect(normalizeApolloOrganization(apolloOrganization.parse(structuredClone(raw)))).toEqual(a);
        expectWellFormed(a);
        for (const f of ['employee_count', 'annual_revenue'] as const) {
          if (a[f]) expect(a[f]!.value).toMatch(/^\d+$/);
        }
        expect(Object.keys(a).every((f) => !['work_email', 'job_title', 'first_name'].includes(f))).toBe(true);
        expect(typeof isApolloOrganization(parsed.data)).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });

  it('whole response bodies: any JSON either fails the schema or normalizes cleanly', () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      personShape.map((person) => ({ person })),
      fc.array(fc.oneof(personShape, fc.constant(null), leaf), { maxLength: 12 }).map((matches) => ({ matches })),
      orgShape.map((organization) => ({ organization })),
      fc.array(fc.oneof(orgShape, fc.constant(null), leaf), { maxLength: 12 }).map((organizations) => ({ organizations })),
      fc.constant({}),
    );
    fc.assert(
      fc.property(body, (raw) => {
        const single = peopleMatchResponse.safeParse(raw);
        if (single.success && isApolloMatch(single.data.person)) expectWellFormed(normalizeApolloPerson(single.data.person));
        const bulk = bulkMatchResponse.safeParse(raw);
        if (bulk.success) {
          for (const m of bulk.data.matches) {
            if (m !== 'unreadable' && isApolloMatch(m)) expectWellFormed(normalizeApolloPerson(m));
          }
        }
        const org = organizationEnrichResponse.safeParse(raw);
        if (org.success && isApolloOrganization(org.data.organization)) {
          expectWellFormed(normalizeApolloOrganization(org.data.organization));
        }
        const orgs = bulkEnrichResponse.safeParse(raw);
        if (orgs.success) {
          for (const o of orgs.data.organizations) if (isApolloOrganization(o)) expectWellFormed(normalizeApolloOrganization(o));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('maps e-mail statuses to confidences and canonical statuses', () => {
    const p = (email_status: string | null, catchall = false) =>
      normalizeApolloPerson(
        apolloPerson.parse({ id: 'x', email: 'ada@acme.com', email_status, email_domain_catchall: catchall }),
      );
    expect(p('verified')).toMatchObject({ work_email: { confidence: 0.95 }, email_status: { value: 'valid', confidence: 0.95 } });
    expect(p('verified', true)).toMatchObject({ work_email: { confidence: 0.7 }, email_status: { value: 'risky' } });
    expect(p('unverified').work_email?.confidence).toBe(0.7);
    expect(p('unverified').email_status).toBeUndefined();
    expect(p('guessed')).toMatchObject({ work_email: { confidence: 0.5 }, email_status: { value: 'risky' } });
    expect(p('unavailable').work_email).toBeUndefined();
    expect(p('bounced').work_email).toBeUndefined();
    expect(p(null).work_email?.confidence).toBe(0.5);
  });

  it('recognises both miss forms and the organization miss', () => {
    expect(isApolloMatch(null)).toBe(false);
    expect(isApolloMatch(apolloPerson.parse({ first_name: 'Ada', match_confidence: 'none' }))).toBe(false);
    expect(isApolloMatch(apolloPerson.parse({ id: '5f2a', match_confidence: 'none' }))).toBe(false);
    expect(isApolloMatch(apolloPerson.parse({ id: '5f2a' }))).toBe(true);
    expect(isApolloOrganization(organizationEnrichResponse.parse({}).organization)).toBe(false);
    expect(isApolloOrganization(apolloOrganization.parse({ name: 'Acme' }))).toBe(true);
  });

  it('numbers and tech lists become the canonical strings', () => {
    const o = normalizeApolloOrganization(
      apolloOrganization.parse({
        name: '  Acme   Inc ',
        website_url: 'http://www.acme.com',
        estimated_num_employees: '1,200',
        annual_revenue: 12_500_000.4,
        technology_names: ['Slack', ' Slack ', 'AWS', 3, null, ''],
        linkedin_url: 'http://www.linkedin.com/company/acme',
      }),
    );
    expect(o).toEqual({
      company_name: { value: 'Acme Inc', confidence: 0.85 },
      company_domain: { value: 'acme.com', confidence: 0.85 },
      employee_count: { value: '1200', confidence: 0.85 },
      annual_revenue: { value: '12500000', confidence: 0.85 },
      tech_stack: { value: 'Slack, AWS', confidence: 0.85 },
      company_linkedin_url: { value: 'https://www.linkedin.com/company/acme', confidence: 0.85 },
    });
  });
});

/** The same object with its keys in reverse order, recursively. */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)]));
  return v;
}

describe('apollo drift and lookups properties', () => {
  const schemas = [peopleMatchResponse, bulkMatchResponse, organizationEnrichResponse, bulkEnrichResponse, authHealthResponse];
  const bodies = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    personShape.map((person) => ({ person })),
    fc.array(fc.oneof(personShape, fc.constant(null)), { maxLength: 6 }).map((matches) => ({ matches })),
    fc.array(fc.oneof(orgShape, fc.constant(null)), { maxLength: 6 }).map((organizations) => ({ organizations })),
  );

  it('drift never throws, lists sorted dotted paths, and (below its cap) does not depend on key order', () => {
    fc.assert(
      fc.property(bodies, fc.constantFrom(...schemas), (raw, schema) => {
        const d = driftOf(schema, raw);
        // Below the 40-path cap the report is complete, so key order cannot change it.
        if (d.unknown.length + d.missing.length < 40) expect(driftOf(schema, reversedKeys(raw))).toEqual(d);
        for (const list of [d.unknown, d.missing]) {
          expect([...list].sort()).toEqual(list);
          expect(list.length).toBeLessThanOrEqual(40);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('keys Apollo is known to send are not drift; the expected ones are missed when absent', () => {
    expect(driftOf(peopleMatchResponse, { person: { id: 'x', photo_url: null, employment_history: [{ any: 1 }] } })).toEqual({ unknown: [], missing: [] });
    expect(driftOf(peopleMatchResponse, {})).toEqual({ unknown: [], missing: ['person'] });
    expect(driftOf(organizationEnrichResponse, {})).toEqual({ unknown: [], missing: [] });
    expect(driftOf(bulkEnrichResponse, { status: 'success', unique_domains: 1 })).toEqual({ unknown: [], missing: ['organizations'] });
    expect(driftOf(bulkEnrichResponse, { organizations: [{ id: 'a', funding_events: [], new_thing: 1 }] })).toEqual({
      unknown: ['organizations[].new_thing'],
      missing: [],
    });
  });

  it('organization lookups are canonical: scheme, www., case and path do not change the key', () => {
    const org = apolloAdapter.operations.organization_enrich!;
    fc.assert(
      fc.property(
        fc.domain(),
        fc.constantFrom('', 'http://', 'https://', 'HTTPS://www.', 'www.'),
        fc.constantFrom('', '/', '/about?x=1'),
        fc.boolean(),
        (domain, prefix, suffix, upper) => {
          const plain = org.lookup({ domain });
          const spelled = org.lookup({ domain: `${prefix}${upper ? domain.toUpperCase() : domain}${suffix}` });
          expect(spelled).toEqual(plain);
          if (plain) expect(plain.key).toBe(`domain:${plain.params.domain}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('people lookups are canonical: e-mail case and spaces, name case do not change the key', () => {
    const people = apolloAdapter.operations.people_match!;
    fc.assert(
      fc.property(fc.emailAddress(), fc.boolean(), (email, upper) => {
        const a = people.lookup({ email });
        const b = people.lookup({ email: `  ${upper ? email.toUpperCase() : email} ` });
        expect(b?.key).toBe(a?.key);
      }),
      { numRuns: RUNS },
    );
    expect(people.lookup({ first_name: 'ADA', last_name: 'lovelace', domain: 'Acme.com' })?.key).toBe(
      people.lookup({ first_name: 'Ada', last_name: 'Lovelace', domain: 'https://acme.com/' })?.key,
    );
  });

  it('organization_revenue stands in for a missing annual_revenue; 0 means unknown', () => {
    expect(normalizeApolloOrganization(apolloOrganization.parse({ name: 'A', organization_revenue: 2_500_000 })).annual_revenue?.value).toBe(
      '2500000',
    );
    expect(normalizeApolloOrganization(apolloOrganization.parse({ name: 'A', organization_revenue: 0 })).annual_revenue).toBeUndefined();
    expect(
      normalizeApolloOrganization(apolloOrganization.parse({ name: 'A', annual_revenue: 9, organization_revenue: 5 })).annual_revenue?.value,
    ).toBe('9');
  });
});
