// Lusha adapter against the Lusha simulator, over real HTTP (both on 127.0.0.1, port 0), plus a
// scripted stand-in server for answers the simulator does not give.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LUSHA_CREDIT_MILLICENTS,
  LUSHA_QUOTA_COOLDOWN_MS,
  lushaAdapter,
  lushaQuota,
  lushaRetryAt,
  nextBoundary,
} from '../../server/vendors/lusha/adapter.ts';
import type { CallContext, ContactFacts, Lookup, VendorResult } from '../../server/vendors/types.ts';
import {
  createLushaSim,
  lushaEmails,
  lushaGdprRestricted,
  lushaPersonCredits,
  lushaPhones,
  lushaRevenueRange,
  lushaSizeRange,
} from '../../sandbox/vendors/lusha.ts';
import type { LushaSim, LushaSimOptions } from '../../sandbox/vendors/lusha.ts';
import { companyFor, vendorKnows } from '../../sandbox/world.ts';
import type { WorldPerson } from '../../sandbox/world.ts';
import { checkAndCloseAfterAll, Pool, scripted, simStarter, sleep, syntheticDomains, worldContacts } from '../helpers/vendor-fixtures.ts';
import type { Scripted, SimRun } from '../helpers/vendor-fixtures.ts';

const KEY = 'lusha-test-key-0001';
const EXHAUSTED_KEY = 'lusha-test-key-0002';
const INACTIVE_KEY = 'lusha-test-key-0003';
const WRONG_KEY = 'lusha-test-key-9999';
const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const COVERAGE = 0.7;
const GDPR_SHARE = 0.03;

const person = lushaAdapter.operations.person!;
const company = lushaAdapter.operations.company!;

// ---------------------------------------------------------------------------------------------
// A pool of world contacts, each used by at most one test unless a test repeats a lookup on
// purpose, so the billing counter can prove what was billed.

interface Candidate {
  person: WorldPerson;
  facts: ContactFacts;
  lookup: Lookup;
  known: boolean;
  gdpr: boolean;
}

const candidates = new Pool<Candidate>(
  worldContacts(900, 90, 'lusha-test').map(({ person: p, facts }) => {
    const known = vendorKnows('lusha', p.email, COVERAGE);
    return { person: p, facts, lookup: person.lookup(facts)!, known, gdpr: known && lushaGdprRestricted(p.email, GDPR_SHARE) };
  }),
  (c) => c.person.email,
);
const takeHit = (pred: (c: Candidate) => boolean = () => true) => candidates.take((c) => c.known && !c.gdpr && pred(c));
const takeMiss = () => candidates.take((c) => !c.known);
const takeGdpr = () => candidates.take((c) => c.gdpr);

const domains = new Pool(syntheticDomains('lusha-org', 800), (d) => d, 'domain');
const takeDomain = (known: boolean): string => domains.take((x) => vendorKnows('lusha', `org:${x}`, 0.8) === known);
const domainLookup = (d: string) => company.lookup({ domain: d })!;
let synthetic = 0;
/** An address no world person has: always a miss. */
const syntheticMiss = (): Lookup => person.lookup({ email: `nobody${synthetic++}@lusha-nowhere.example` })!;

// ---------------------------------------------------------------------------------------------

type Running = SimRun<LushaSim>;

const { running, start: startSim } = simStarter(
  (opts: Partial<LushaSimOptions>) =>
    createLushaSim({
      validKeys: [KEY, EXHAUSTED_KEY, INACTIVE_KEY],
      exhaustedKeys: [EXHAUSTED_KEY],
      inactiveKeys: [INACTIVE_KEY],
      latencyMs: [0, 2],
      coverage: COVERAGE,
      gdprShare: GDPR_SHARE,
      ...opts,
    }),
  (server) => ({ apiKey: KEY, baseUrl: server.url }),
);

const billedLookups = (r: Running) => r.sim.state.billing.events.map((e) => e.lookup);
const personBilling = (p: WorldPerson) => `person:${p.email}`;

async function raw(r: Running, path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers.api_key = init.key ?? KEY;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${r.server.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

checkAndCloseAfterAll(running, (r) => {
  // Nothing was ever billed twice: person repeats are free by Lusha's rule, companies are
  // never looked up twice by these tests.
  expect(r.sim.state.billing.snapshot().duplicates).toEqual([]);
});

describe('lusha adapter lookups and declarations', () => {
  it('builds canonical keys: e-mail first, then LinkedIn, then name + domain / company', () => {
    expect(person.lookup({ email: ' Ada.Lovelace@ACME.com ', first_name: 'Ada' })).toEqual({
      key: 'email:ada.lovelace@acme.com',
      params: { email: 'ada.lovelace@acme.com' },
    });
    expect(person.lookup({ linkedin_url: 'linkedin.com/in/Ada-Lovelace/', first_name: 'Ada', last_name: 'L', domain: 'acme.com' })).toEqual({
      key: 'linkedin:https://www.linkedin.com/in/ada-lovelace',
      params: { linkedinUrl: 'https://www.linkedin.com/in/ada-lovelace' },
    });
    const byName = person.lookup({ first_name: 'Ada', last_name: 'LOVELACE', domain: 'https://www.Acme.com/about' });
    expect(byName).toEqual({
      key: 'name:ada|lovelace|acme.com',
      params: { firstName: 'Ada', lastName: 'LOVELACE', companyDomain: 'acme.com' },
    });
    expect(person.lookup({ first_name: ' ada ', last_name: 'lovelace', domain: 'acme.com' })?.key).toBe(byName?.key);
    expect(person.lookup({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme  Inc' })).toEqual({
      key: 'name:ada|lovelace|company:acme inc',
      params: { firstName: 'Ada', lastName: 'Lovelace', companyName: 'Acme Inc' },
    });
    expect(person.lookup({ first_name: 'Ada', domain: 'acme.com' })).toBeNull();
    expect(person.lookup({ linkedin_url: 'https://www.linkedin.com/company/acme' })).toBeNull();
    expect(company.lookup({ domain: 'WWW.Acme.com' })).toEqual({ key: 'domain:acme.com', params: { domain: 'acme.com' } });
    expect(company.lookup({ email: 'ada@acme.com' })).toBeNull();
  });

  it('declares Lusha billing, credit costs, windows and bulk size', () => {
    expect(lushaAdapter.id).toBe('lusha');
    expect(lushaAdapter.displayName).toBe('Lusha');
    expect(Object.keys(lushaAdapter.operations).sort()).toEqual(['company', 'person']);
    expect(person.groups).toEqual(['email', 'person', 'phone', 'company']);
    expect(company.groups).toEqual(['company']);
    // E-mail 1 credit + phone 5 credits; a company 1 credit.
    expect(person.costMillicents).toBe(6 * LUSHA_CREDIT_MILLICENTS);
    expect(company.costMillicents).toBe(LUSHA_CREDIT_MILLICENTS);
    expect(person.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: true });
    expect(company.billing).toEqual({ chargesOnMiss: false, repeatLookupsFree: false });
    expect(person.batch?.maxSize).toBe(100);
    expect(company.batch?.maxSize).toBe(100);
    expect(person.rateWindows).toEqual([
      { limit: 25, windowMs: SECOND },
      { limit: 50, windowMs: MINUTE },
      { limit: 150, windowMs: HOUR },
      { limit: 1_500, windowMs: DAY },
    ]);
  });

  it('answers locally for an unknown operation or a lookup without parameters', async () => {
    const ctx = { apiKey: KEY, baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 };
    expect(await lushaAdapter.call('toString', { key: 'x', params: { email: 'a@b.example' } }, ctx)).toMatchObject({
      outcome: 'invalid_input',
      httpStatus: 0,
    });
    expect(await lushaAdapter.call('person', { key: 'x', params: {} }, ctx)).toMatchObject({ outcome: 'invalid_input', billed: false });
  });
});

describe('lusha adapter over HTTP', () => {
  let r: Running;
  beforeAll(async () => {
    // These tests fire requests back to back, faster than Lusha's 25/s: that window has its own test.
    r = await startSim({ rateLimits: { second: 0 } });
  });
  afterEach(() => {
    r.sim.state.faults.rates = { error5xx: 0, timeout: 0, reset: 0 };
  });

  it('maps a bad key to auth_failed without leaking it, and bills nothing', async () => {
    const c = takeHit();
    const res = await lushaAdapter.call('person', c.lookup, { ...r.ctx, apiKey: WRONG_KEY });
    expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 401, billed: false });
    expect(res.message).not.toContain(WRONG_KEY);
    const noKey = await raw(r, '/v2/person?email=a@b.example', { key: null });
    expect(noKey.status).toBe(401);
    expect(noKey.json).toEqual({ statusCode: 401, message: 'Invalid API key' });
    expect(billedLookups(r)).not.toContain(personBilling(c.person));
  });

  it('an inactive account is auth_failed (403) with a message an admin can act on', async () => {
    const res = await lushaAdapter.call('person', takeHit().lookup, { ...r.ctx, apiKey: INACTIVE_KEY });
    expect(res).toMatchObject({ outcome: 'auth_failed', httpStatus: 403, billed: false });
    expect(res.message).toMatch(/not active/);
  });

  it('returns a hit with the world values, billed once with the credits of what was revealed', async () => {
    const c = takeHit((x) => !!x.facts.email && x.person.mailbox === 'valid');
    const before = r.sim.state.billing.events.length;
    const res = await lushaAdapter.call('person', c.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', httpStatus: 200, billed: true });
    const p = res.profile!;
    const w = c.person;
    const grade = lushaEmails(w).find((e) => e.kind === 'work')!.grade;
    expect(p.work_email).toEqual({ value: w.email, confidence: grade === 'A+' ? 0.95 : 0.9 });
    expect(p.email_status?.value).toBe('valid');
    expect(p.first_name).toEqual({ value: w.firstName, confidence: 0.8 });
    expect(p.last_name?.value).toBe(w.lastName);
    expect(p.job_title?.value).toBe(w.title);
    expect(p.linkedin_url?.value).toBe(w.linkedinUrl);
    expect(p.city?.value).toBe(w.city);
    expect(p.country?.value).toBe(w.country);
    expect(p.company_name?.value).toBe(w.company.name);
    expect(p.company_domain?.value).toBe(w.company.domain);
    expect(p.industry?.value).toBe(w.company.industry);
    expect(p.employee_count?.value).toBe(lushaSizeRange(w.company.employees).join('-'));
    expect(p.annual_revenue?.value).toBe(lushaRevenueRange(w.company.annualRevenue).join('-'));
    expect(p.company_linkedin_url?.value).toBe(w.company.linkedinUrl);
    expect(res.drift).toBeUndefined();
    const billed = r.sim.state.billing.events.slice(before);
    expect(billed.map((e) => [e.lookup, e.credits])).toEqual([[personBilling(w), lushaPersonCredits(w)]]);
  });

  it('finds a person by name + domain and by name + company name', async () => {
    const byDomain = takeHit((x) => !x.facts.email);
    const res = await lushaAdapter.call('person', byDomain.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'hit', billed: true });
    expect(res.profile?.job_title?.value).toBe(byDomain.person.title);

    const byCompany = takeHit();
    const lookup = person.lookup({
      first_name: byCompany.person.firstName,
      last_name: byCompany.person.lastName,
      company_name: companyFor(byCompany.person.company.domain).name,
    })!;
    const res2 = await lushaAdapter.call('person', lookup, r.ctx);
    expect(res2.outcome).toBe('hit');
    expect(res2.profile?.company_domain?.value).toBe(byCompany.person.company.domain);
  });

  it('a miss is 200 with EMPTY_DATA: an unbilled miss', async () => {
    const c = takeMiss();
    const body = await raw(r, `/v2/person?${new URLSearchParams(c.lookup.params)}`);
    expect(body.status).toBe(200);
    expect(body.json).toEqual({
      contact: { error: { code: 3, name: 'EMPTY_DATA', message: 'Could not find requested data' }, isCreditCharged: false },
    });
    const before = r.sim.state.billing.events.length;
    const res = await lushaAdapter.call('person', c.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'miss', httpStatus: 200, billed: false });
    expect(res.profile).toBeUndefined();
    expect((await lushaAdapter.call('person', syntheticMiss(), r.ctx)).outcome).toBe('miss');
    expect(r.sim.state.billing.events.length).toBe(before);
  });

  it('a repeated lookup of a revealed person is answered with isCreditCharged false: a free hit', async () => {
    const c = takeHit((x) => !!x.facts.email);
    const first = await lushaAdapter.call('person', c.lookup, r.ctx);
    expect(first).toMatchObject({ outcome: 'hit', billed: true });
    const repeatsBefore = r.sim.state.billing.freeRepeats;

    const body = await raw(r, `/v2/person?${new URLSearchParams(c.lookup.params)}`);
    expect((body.json.contact as { isCreditCharged: boolean }).isCreditCharged).toBe(false);
    const again = await lushaAdapter.call('person', c.lookup, r.ctx);
    expect(again).toMatchObject({ outcome: 'hit', billed: false });
    expect(again.profile).toEqual(first.profile);
    // The same person found another way is the same revealed datapoints: free as well.
    const byName = person.lookup({ first_name: c.person.firstName, last_name: c.person.lastName, domain: c.person.company.domain })!;
    expect(await lushaAdapter.call('person', byName, r.ctx)).toMatchObject({ outcome: 'hit', billed: false });

    expect(r.sim.state.billing.freeRepeats - repeatsBefore).toBe(3);
    expect(billedLookups(r).filter((l) => l === personBilling(c.person))).toHaveLength(1);
  });

  it('accepts both e-mail spellings: {address, type} in single answers, {email, emailType} in bulk', async () => {
    const c = takeHit((x) => !!x.facts.email && lushaEmails(x.person).some((e) => e.kind === 'work'));
    const single = await raw(r, `/v2/person?${new URLSearchParams(c.lookup.params)}`);
    const singleEntry = ((single.json.contact as { data: { emailAddresses: Record<string, unknown>[] } }).data.emailAddresses)[0]!;
    expect(Object.keys(singleEntry)).toEqual(expect.arrayContaining(['address', 'type', 'emailConfidence']));
    expect(singleEntry).not.toHaveProperty('email');
    const bulk = await raw(r, '/v2/person', { method: 'POST', body: { contacts: [{ contactId: 'a', email: c.facts.email }] } });
    const bulkEntry = ((bulk.json.contacts as Record<string, { data: { emailAddresses: Record<string, unknown>[] } }>).a!.data.emailAddresses)[0]!;
    expect(Object.keys(bulkEntry)).toEqual(expect.arrayContaining(['email', 'emailType', 'emailConfidence']));
    expect(bulkEntry).not.toHaveProperty('address');

    const viaSingle = await lushaAdapter.call('person', c.lookup, r.ctx);
    const [viaBulk] = await lushaAdapter.callBatch!('person', [c.lookup], r.ctx);
    expect(viaSingle.profile?.work_email?.value).toBe(c.person.email);
    expect(viaBulk!.profile?.work_email).toEqual(viaSingle.profile?.work_email);
    expect(viaBulk!.profile?.email_status).toEqual(viaSingle.profile?.email_status);
  });

  it('a private address never fills work_email; grades below A make the status risky', async () => {
    const privateOnly = takeHit((x) => lushaEmails(x.person).every((e) => e.kind === 'private') && lushaEmails(x.person).length > 0);
    const res = await lushaAdapter.call('person', privateOnly.lookup, r.ctx);
    expect(res.outcome).toBe('hit');
    expect(res.profile?.work_email).toBeUndefined();
    expect(res.profile?.email_status).toBeUndefined();

    const gradeB = takeHit((x) => x.person.mailbox === 'accept_all');
    const b = await lushaAdapter.call('person', gradeB.lookup, r.ctx);
    expect(b.profile?.work_email).toEqual({ value: gradeB.person.email, confidence: 0.75 });
    expect(b.profile?.email_status).toEqual({ value: 'risky', confidence: 0.75 });
  });

  it('never returns a do-not-call number as the phone', async () => {
    const allDnc = takeHit((x) => lushaPhones(x.person).every((p) => p.doNotCall));
    const none = await lushaAdapter.call('person', allDnc.lookup, r.ctx);
    expect(none.outcome).toBe('hit');
    expect(none.profile?.phone).toBeUndefined();

    const directDnc = takeHit((x) => {
      const ph = lushaPhones(x.person);
      return ph.length === 2 && ph[0]!.doNotCall && !ph[1]!.doNotCall;
    });
    const mobile = await lushaAdapter.call('person', directDnc.lookup, r.ctx);
    const expected = lushaPhones(directDnc.person)[1]!.number.replace(/[^\d+]/g, '');
    expect(mobile.profile?.phone).toEqual({ value: expected, confidence: 0.75 });

    const directOk = takeHit((x) => !lushaPhones(x.person)[0]!.doNotCall);
    const direct = await lushaAdapter.call('person', directOk.lookup, r.ctx);
    expect(direct.profile?.phone?.value).toBe(directOk.person.phone.replace(/[^\d+]/g, ''));
  });

  it('451 GDPR-restricted: a miss with doNotProcess, never billed (single and bulk)', async () => {
    const g = takeGdpr();
    const body = await raw(r, `/v2/person?${new URLSearchParams(g.lookup.params)}`);
    expect(body.status).toBe(451);
    expect(body.json.message).toMatch(/GDPR/);
    const before = r.sim.state.billing.events.length;
    const res = await lushaAdapter.call('person', g.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'miss', httpStatus: 451, billed: false, doNotProcess: true });
    expect(res.profile).toBeUndefined();

    const g2 = takeGdpr();
    const [hit, gdpr] = await lushaAdapter.callBatch!('person', [takeHit().lookup, g2.lookup], r.ctx);
    expect(hit).toMatchObject({ outcome: 'hit', billed: true });
    expect(gdpr).toMatchObject({ outcome: 'miss', billed: false, doNotProcess: true });
    expect(hit!.doNotProcess).toBeUndefined();
    expect(r.sim.state.billing.events.length - before).toBe(1);
  });

  it('a listed GDPR-restricted address is refused too', async () => {
    const c = takeHit((x) => !!x.facts.email);
    r.sim.state.gdprEmails.add(c.person.email);
    const res = await lushaAdapter.call('person', c.lookup, r.ctx);
    expect(res).toMatchObject({ outcome: 'miss', httpStatus: 451, doNotProcess: true, billed: false });
  });

  it('412 for a name Lusha cannot use is invalid_input', async () => {
    const res = await lushaAdapter.call('person', { key: 'odd', params: { firstName: '-', lastName: '42', companyDomain: 'acme.example' } }, r.ctx);
    expect(res).toMatchObject({ outcome: 'invalid_input', httpStatus: 412, billed: false });
    expect(res.message).toMatch(/first & last name/);
  });

  it('sends bulk contacts keyed by contactId and maps mixed hits, misses and repeats back in order', async () => {
    const repeat = takeHit((x) => !!x.facts.email);
    expect((await lushaAdapter.call('person', repeat.lookup, r.ctx)).billed).toBe(true);
    const picks = [takeHit(), takeMiss(), takeHit((x) => !x.facts.email), repeat, takeMiss(), takeHit(), takeHit()];
    const before = r.sim.state.billing.events.length;
    const reqBefore = r.sim.state.requests.length;
    const results = await lushaAdapter.callBatch!('person', picks.map((p) => p.lookup), r.ctx);
    expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p.known ? 'hit' : 'miss')));
    expect(results.map((x) => x.billed)).toEqual(picks.map((p) => p.known && p !== repeat));
    picks.forEach((p, i) => {
      if (p.known) {
        expect(results[i]?.profile?.job_title?.value).toBe(p.person.title);
        // The company comes from the answer's `companies` map, joined by companyId.
        expect(results[i]?.profile?.company_domain?.value).toBe(p.person.company.domain);
      }
    });
    const sent = r.sim.state.requests.slice(reqBefore).filter((q) => q.path === '/v2/person' && q.method === 'POST');
    expect(sent).toHaveLength(1);
    const contacts = (sent[0]!.body as { contacts: Record<string, unknown>[] }).contacts;
    expect(contacts.map((c) => c.contactId)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(contacts[2]).toEqual({
      contactId: '2',
      fullName: `${picks[2]!.person.firstName} ${picks[2]!.person.lastName}`,
      companies: [{ domain: picks[2]!.person.company.domain, isCurrent: true }],
    });
    const billed = r.sim.state.billing.events.slice(before);
    expect(billed.map((e) => e.lookup)).toEqual(picks.filter((p) => p.known && p !== repeat).map((p) => personBilling(p.person)));
  });

  it('the simulator rejects more than 100 contacts; the adapter splits into chunks of ≤100', async () => {
    const contacts = Array.from({ length: 101 }, (_, i) => ({ contactId: String(i), email: `x${i}@oversized.example` }));
    const over = await raw(r, '/v2/person', { method: 'POST', body: { contacts } });
    expect(over.status).toBe(400);
    expect(over.json).toMatchObject({ statusCode: 400, message: ['contacts must contain no more than 100 elements'] });

    const picks = Array.from({ length: 230 }, (_, i) => (i % 10 === 0 ? takeHit() : null));
    const lookups = picks.map((p) => p?.lookup ?? syntheticMiss());
    const reqBefore = r.sim.state.requests.length;
    const before = r.sim.state.billing.events.length;
    const results = await lushaAdapter.callBatch!('person', lookups, r.ctx);
    expect(results).toHaveLength(230);
    expect(results.map((x) => x.outcome)).toEqual(picks.map((p) => (p ? 'hit' : 'miss')));
    const sent = r.sim.state.requests.slice(reqBefore).filter((q) => q.path === '/v2/person');
    expect(sent.map((q) => (q.body as { contacts: unknown[] }).contacts.length)).toEqual([100, 100, 30]);
    expect(sent.every((q) => q.status === 200)).toBe(true);
    expect(r.sim.state.billing.events.length - before).toBe(23);
  });

  it('enriches a company by domain; a company the vendor does not know is an unbilled miss', async () => {
    const d = takeDomain(true);
    const before = r.sim.state.billing.events.length;
    const hit = await lushaAdapter.call('company', domainLookup(d), r.ctx);
    expect(hit).toMatchObject({ outcome: 'hit', billed: true, httpStatus: 200 });
    const co = companyFor(d);
    expect(hit.profile).toMatchObject({
      company_name: { value: co.name },
      company_domain: { value: d },
      industry: { value: co.industry },
      employee_count: { value: lushaSizeRange(co.employees).join('-') },
      company_linkedin_url: { value: co.linkedinUrl },
    });
    if (co.tech.length) expect(hit.profile?.tech_stack?.value).toBe(co.tech.join(', '));
    expect(hit.profile?.work_email).toBeUndefined();
    expect(hit.drift).toBeUndefined();

    const missDomain = takeDomain(false);
    const miss = await lushaAdapter.call('company', domainLookup(missDomain), r.ctx);
    expect(miss).toMatchObject({ outcome: 'miss', billed: false });
    expect(r.sim.state.billing.events.slice(before).map((e) => [e.lookup, e.credits])).toEqual([[`domain:${d}`, 1]]);
  });

  it('bulk companies: keyed by id, misses left out, oversized input split into ≤100', async () => {
    const over = await raw(r, '/bulk/company/v2', {
      method: 'POST',
      body: { companies: Array.from({ length: 101 }, (_, i) => ({ id: String(i), domain: `c${i}.example` })) },
    });
    expect(over.status).toBe(400);
    expect(over.json.message).toEqual(['companies must contain no more than 100 elements']);

    const picked = Array.from({ length: 205 }, (_, i) => takeDomain(i % 4 !== 0));
    const reqBefore = r.sim.state.requests.length;
    const before = r.sim.state.billing.events.length;
    const results = await lushaAdapter.callBatch!('company', picked.map(domainLookup), r.ctx);
    expect(results.map((x) => x.outcome)).toEqual(picked.map((_d, i) => (i % 4 !== 0 ? 'hit' : 'miss')));
    expect(results.map((x) => x.billed)).toEqual(picked.map((_d, i) => i % 4 !== 0));
    picked.forEach((d, i) => {
      if (i % 4 !== 0) expect(results[i]?.profile?.company_domain?.value).toBe(d);
    });
    const sent = r.sim.state.requests.slice(reqBefore).filter((q) => q.path === '/bulk/company/v2');
    expect(sent.map((q) => (q.body as { companies: unknown[] }).companies.length)).toEqual([100, 100, 5]);
    expect(r.sim.state.billing.events.slice(before).map((e) => e.lookup)).toEqual(
      picked.filter((_d, i) => i % 4 !== 0).map((d) => `domain:${d}`),
    );
  });

  it('reports the minute/hour/day windows from the headers of every answer', async () => {
    const a = await lushaAdapter.call('person', syntheticMiss(), r.ctx);
    const b = await lushaAdapter.call('company', domainLookup(takeDomain(false)), r.ctx);
    for (const res of [a, b]) {
      expect(res.quota?.map((q) => [q.windowMs, q.limit])).toEqual([
        [MINUTE, 300],
        [HOUR, 1_800],
        [DAY, 18_000],
      ]);
    }
    // The windows are per account across endpoints: the second call has one request less left.
    a.quota!.forEach((q, i) => expect(b.quota![i]!.remaining).toBe(q.remaining - 1));
    const rawAnswer = await raw(r, '/v2/person?email=nobody@lusha-nowhere.example');
    expect(Number(rawAnswer.headers.get('x-minute-usage'))).toBeGreaterThan(0);
    expect(rawAnswer.headers.get('x-daily-requests-left')).toMatch(/^\d+$/);
  });

  it('maps an injected 5xx, a timeout and a connection reset to transient, never billed', async () => {
    const before = r.sim.state.billing.events.length;
    const ctx = { ...r.ctx, timeoutMs: 300 };

    r.sim.state.faults.force('5xx');
    const five = await lushaAdapter.call('person', takeHit().lookup, ctx);
    expect(five).toMatchObject({ outcome: 'transient', billed: false });
    expect([500, 502, 503]).toContain(five.httpStatus);
    expect(five.ambiguous).toBeUndefined();

    r.sim.state.faults.force('timeout');
    const t0 = Date.now();
    const timeout = await lushaAdapter.call('person', takeHit().lookup, ctx);
    expect(timeout).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });
    expect(Date.now() - t0).toBeLessThan(2_000);

    r.sim.state.faults.force('reset');
    const reset = await lushaAdapter.call('company', domainLookup(takeDomain(true)), ctx);
    expect(reset).toMatchObject({ outcome: 'transient', httpStatus: 0, billed: false, ambiguous: true });

    r.sim.state.faults.force('5xx');
    const bulk = await lushaAdapter.callBatch!('person', [takeHit().lookup, takeHit().lookup], ctx);
    expect(bulk.map((x) => [x.outcome, x.billed])).toEqual([
      ['transient', false],
      ['transient', false],
    ]);
    expect(r.sim.state.billing.events.length).toBe(before);
    expect(r.sim.state.faults.injected).toMatchObject({ '5xx': 2, timeout: 1, reset: 1 });
  });

  it('a key without credits (402) is quota_exhausted with a cool-down; a bulk stops after one request', async () => {
    const ctx = { ...r.ctx, apiKey: EXHAUSTED_KEY };
    const t0 = Date.now();
    const res = await lushaAdapter.call('person', takeHit().lookup, ctx);
    expect(res).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 402, billed: false });
    expect(res.message).toMatch(/credits/i);
    expect(res.retryAt).toBeGreaterThanOrEqual(t0 + LUSHA_QUOTA_COOLDOWN_MS);
    expect(res.retryAt).toBeLessThanOrEqual(Date.now() + LUSHA_QUOTA_COOLDOWN_MS);

    const reqBefore = r.sim.state.requests.length;
    const lookups = Array.from({ length: 250 }, () => syntheticMiss());
    const results = await lushaAdapter.callBatch!('person', lookups, ctx);
    expect(results.every((x) => x.outcome === 'quota_exhausted' && !x.billed && x.retryAt)).toBe(true);
    expect(r.sim.state.requests.length - reqBefore).toBe(1);
  });

  it('testConnection: the free usage endpoint, with the credits left; bad keys explained', async () => {
    const before = r.sim.state.billing.events.length;
    const ok = await lushaAdapter.testConnection(r.ctx);
    expect(ok).toMatchObject({ ok: true, status: 'ok', httpStatus: 200, checked: 'GET /account/usage' });
    const s = r.sim.state;
    expect(ok.creditsRemaining).toBe(s.creditsPerKey - (s.creditsUsed.get(KEY) ?? 0));
    expect(ok.message).toContain(String(ok.creditsRemaining));

    const bad = await lushaAdapter.testConnection({ ...r.ctx, apiKey: WRONG_KEY });
    expect(bad).toMatchObject({ ok: false, status: 'invalid_key', httpStatus: 401 });
    expect(bad.message).not.toContain(WRONG_KEY);
    expect(await lushaAdapter.testConnection({ ...r.ctx, apiKey: EXHAUSTED_KEY })).toMatchObject({
      ok: false,
      status: 'no_credits',
      creditsRemaining: 0,
    });
    expect(await lushaAdapter.testConnection({ ...r.ctx, apiKey: INACTIVE_KEY })).toMatchObject({ ok: false, status: 'forbidden' });
    expect(await lushaAdapter.testConnection({ ...r.ctx, baseUrl: 'http://127.0.0.1:9' })).toMatchObject({
      ok: false,
      status: 'unreachable',
      httpStatus: 0,
    });
    expect(r.sim.state.billing.events.length).toBe(before);
  });
});

describe('lusha rate windows', () => {
  it('429 after the minute window is used: retryAt from RateLimit-Reset, then recovers', async () => {
    // A 2-second "minute" so the test need not wait for the clock.
    const r = await startSim({ rateLimits: { minute: 2 }, windowMs: { minute: 2_000 } });
    await sleep(2_000 - (Date.now() % 2_000) + 10);
    const [a, b, c] = [takeHit(), takeHit(), takeHit()];
    expect((await lushaAdapter.call('person', a.lookup, r.ctx)).outcome).toBe('hit');
    expect((await lushaAdapter.call('person', b.lookup, r.ctx)).outcome).toBe('hit');

    const limited = await raw(r, `/v2/person?${new URLSearchParams(c.lookup.params)}`);
    expect(limited.status).toBe(429);
    expect(limited.json.message).toMatch(/^Minute API rate limit exceeded\. Limit: 2 calls per minute\. Reset in [12] seconds$/);
    expect(limited.headers.get('ratelimit-reset')).toMatch(/^[12]$/);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-minute-requests-left')).toBe('0');

    const t0 = Date.now();
    const res = await lushaAdapter.call('person', c.lookup, r.ctx);
    const t1 = Date.now();
    expect(res).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    const windowEnd = nextBoundary(t0, 2_000);
    expect(res.retryAt).toBeGreaterThanOrEqual(windowEnd);
    expect(res.retryAt).toBeLessThanOrEqual(t1 + 2_000);
    expect(res.quota?.find((q) => q.windowMs === MINUTE)).toMatchObject({ remaining: 0, resetAt: res.retryAt });
    expect(r.sim.state.limitSignals).toBe(2);

    await sleep(res.retryAt! - Date.now() + 5);
    const recovered = await lushaAdapter.call('person', c.lookup, r.ctx);
    expect(recovered).toMatchObject({ outcome: 'hit', billed: true });
    expect(billedLookups(r)).toEqual([a, b, c].map((x) => personBilling(x.person)));
  });

  it('the 25/s burst window: 429 with RateLimit-Reset of a second, reported as the 1 s window', async () => {
    const r = await startSim({ rateLimits: { second: 3 } });
    await sleep(1_000 - (Date.now() % 1_000) + 10);
    const results: VendorResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await lushaAdapter.call('person', syntheticMiss(), r.ctx));
    const t0 = Date.now();
    const limited = await lushaAdapter.call('person', syntheticMiss(), r.ctx);
    const t1 = Date.now();
    expect(results.map((x) => x.outcome)).toEqual(['miss', 'miss', 'miss']);
    expect(limited).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect(limited.message).toMatch(/Too many requests/);
    // Not before the second is over, and not much after.
    expect(limited.retryAt).toBeGreaterThanOrEqual(nextBoundary(t0, SECOND));
    expect(limited.retryAt).toBeLessThanOrEqual(t1 + 1_000);
    expect(limited.quota?.find((q) => q.windowMs === SECOND)).toMatchObject({ remaining: 0, limit: 3 });
    await sleep(limited.retryAt! - Date.now() + 5);
    expect((await lushaAdapter.call('person', syntheticMiss(), r.ctx)).outcome).toBe('miss');
  });

  it('a used-up hourly window says "Reset in X seconds": retryAt is the end of the hour', async () => {
    const r = await startSim({ rateLimits: { hour: 1 } });
    expect((await lushaAdapter.call('company', domainLookup(takeDomain(true)), r.ctx)).outcome).toBe('hit');
    const t0 = Date.now();
    const res = await lushaAdapter.call('company', domainLookup(takeDomain(true)), r.ctx);
    const t1 = Date.now();
    expect(res).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect(res.message).toMatch(/Hourly API rate limit exceeded\. Limit: 1 calls per hour\. Reset in \d+ seconds/);
    expect(res.retryAt).toBeGreaterThanOrEqual(nextBoundary(t0, HOUR));
    expect(res.retryAt).toBeLessThanOrEqual(nextBoundary(t1, HOUR) + 1_000);
    expect(res.quota?.find((q) => q.windowMs === HOUR)?.remaining).toBe(0);
  });

  it('a used-up day window means waiting for the daily reset', async () => {
    const r = await startSim({ rateLimits: { day: 1 } });
    expect((await lushaAdapter.call('person', syntheticMiss(), r.ctx)).outcome).toBe('miss');
    const limited = await raw(r, '/v2/person?email=nobody@lusha-nowhere.example');
    expect(limited.json.message).toBe('Daily API quota limit exceeded. Limit 1 calls per day');
    expect(Number(limited.headers.get('x-ratelimit-reset-daily')) * 1000).toBe(nextBoundary(Date.now(), DAY));
    const t0 = Date.now();
    const res = await lushaAdapter.call('person', syntheticMiss(), r.ctx);
    const t1 = Date.now();
    expect(res).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, billed: false });
    expect(res.retryAt).toBeGreaterThanOrEqual(nextBoundary(t0, DAY));
    expect(res.retryAt).toBeLessThanOrEqual(nextBoundary(t1, DAY) + 1_000);
    expect(res.quota?.find((q) => q.windowMs === DAY)).toMatchObject({ remaining: 0, limit: 1 });
  });

  it('a bulk 429 stops the remaining chunks instead of sending them into the wall', async () => {
    const r = await startSim({ rateLimits: { minute: 1 }, windowMs: { minute: 5_000 } });
    await sleep(5_000 - (Date.now() % 5_000) + 10);
    const lookups = Array.from({ length: 250 }, () => syntheticMiss());
    const results = await lushaAdapter.callBatch!('person', lookups, r.ctx);
    expect(results.slice(0, 100).every((x) => x.outcome === 'miss' && !x.billed)).toBe(true);
    expect(results.slice(100).every((x) => x.outcome === 'rate_limited' && !x.billed && x.retryAt)).toBe(true);
    expect(r.sim.state.requests.filter((q) => q.path === '/v2/person').map((q) => q.status)).toEqual([200, 429]);
  });

  it('credits running out mid-way turn into 402 → quota_exhausted', async () => {
    const r = await startSim({ creditsPerKey: 6 });
    const first = takeHit((x) => lushaPersonCredits(x.person) === 6);
    expect(await lushaAdapter.call('person', first.lookup, r.ctx)).toMatchObject({ outcome: 'hit', billed: true });
    expect(await lushaAdapter.call('person', takeHit().lookup, r.ctx)).toMatchObject({ outcome: 'quota_exhausted', httpStatus: 402 });
    expect(await lushaAdapter.testConnection(r.ctx)).toMatchObject({ ok: false, status: 'no_credits', creditsRemaining: 0 });
  });

  it('the usage endpoint allows 5 checks a minute; the sixth is rate_limited', async () => {
    const r = await startSim({ rateLimits: { second: 0 } });
    for (let i = 0; i < 5; i++) expect((await lushaAdapter.testConnection(r.ctx)).status).toBe('ok');
    const sixth = await lushaAdapter.testConnection(r.ctx);
    expect(sixth).toMatchObject({ ok: false, status: 'rate_limited', httpStatus: 429 });
    // The usage checks do not count against the plan's windows.
    const res = await lushaAdapter.call('person', syntheticMiss(), r.ctx);
    expect(res.quota?.find((q) => q.windowMs === MINUTE)?.remaining).toBe(299);
  });

  it('lushaRetryAt reads RateLimit-Reset, "Reset in X seconds", the daily reset and the left headers', () => {
    const now = Date.UTC(2026, 4, 5, 13, 27, 41, 500);
    const none = new Headers();
    expect(lushaRetryAt('Too many requests. Please wait before making another request.', new Headers({ 'ratelimit-reset': '1' }), now)).toBe(now + 1_000);
    expect(lushaRetryAt('Hourly API rate limit exceeded. Limit: 150 calls per hour. Reset in 1938 seconds', none, now)).toBe(now + 1_938_000);
    expect(lushaRetryAt('Daily API quota limit exceeded. Limit 1500 calls per day', none, now)).toBe(Date.UTC(2026, 4, 6));
    const midnight = Date.UTC(2026, 4, 6) / 1000;
    expect(lushaRetryAt('Daily API quota limit exceeded. Limit 1500 calls per day', new Headers({ 'x-ratelimit-reset-daily': String(midnight) }), now)).toBe(
      midnight * 1000,
    );
    // A used-up hourly window outlasts a per-second reset.
    const hourGone = new Headers({ 'ratelimit-reset': '1', 'x-minute-requests-left': '3', 'x-hourly-requests-left': '0' });
    expect(lushaRetryAt('Too many requests.', hourGone, now)).toBe(Date.UTC(2026, 4, 5, 14, 0));
    expect(lushaRetryAt('slow down', none, now)).toBe(now + 1_000);
    expect(lushaRetryAt('slow down', new Headers({ 'retry-after': '7' }), now)).toBe(now + 7_000);
  });

  it('lushaQuota parses every remaining/limit header, including usage-only and daily reset forms', () => {
    const now = 1_700_000_000_000;
    const h = new Headers({
      'x-rate-limit-minute': '50',
      'x-minute-usage': '12',
      'x-rate-limit-hourly': '150',
      'x-hourly-requests-left': '99',
      'x-ratelimit-remaining-day': '1400',
      'x-ratelimit-limit-day': '1500',
      'x-ratelimit-reset-daily': '1700006400',
      'ratelimit-limit': '25',
      'ratelimit-remaining': '20',
      'ratelimit-reset': '1',
    });
    expect(lushaQuota(h, '', now)).toEqual([
      { windowMs: SECOND, remaining: 20, limit: 25, resetAt: now + 1_000 },
      { windowMs: MINUTE, remaining: 38, limit: 50 },
      { windowMs: HOUR, remaining: 99, limit: 150 },
      { windowMs: DAY, remaining: 1400, limit: 1500, resetAt: 1_700_006_400_000 },
    ]);
    expect(lushaQuota(new Headers(), '', now)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Answers the simulator does not give: a scripted stand-in server that also records what was sent.

const hitBody = (extra: Record<string, unknown> = {}, data: Record<string, unknown> = {}) =>
  JSON.stringify({
    contact: {
      error: null,
      isCreditCharged: true,
      data: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        emailAddresses: [{ address: 'ada@acme.example', type: 'work', emailConfidence: 'A+' }],
        ...data,
      },
      ...extra,
    },
  });

describe('lusha adapter error mapping (scripted answers)', () => {
  let s: Scripted;
  let ctx: CallContext;
  const lookup = person.lookup({ email: 'ada.lovelace@acme.example' })!;
  beforeAll(async () => {
    s = await scripted({ fallback: { status: 200, body: '{"contact":{"error":{"code":3,"name":"EMPTY_DATA"},"isCreditCharged":false}}' } });
    ctx = { apiKey: KEY, baseUrl: s.url, timeoutMs: 2_000 };
  });
  afterAll(() => s.close());

  it('sends the key in the api_key header only, to the documented paths and bodies', async () => {
    s.seen.length = 0;
    await lushaAdapter.call('person', lookup, ctx);
    s.next.push({ status: 404, body: '{"statusCode":404,"message":"Not found"}' });
    await lushaAdapter.call('company', domainLookup('acme.example'), ctx);
    s.next.push({ status: 200, body: '{"contacts":{},"companies":{}}' });
    const byName = person.lookup({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Acme Inc' })!;
    await lushaAdapter.callBatch!('person', [lookup, byName], ctx);
    s.next.push({ status: 200, body: '{}' });
    await lushaAdapter.callBatch!('company', [domainLookup('acme.example')], ctx);
    s.next.push({ status: 200, body: '{"usage":{"bulkCredits":{"used":1,"total":10,"remaining":9}}}' });
    await lushaAdapter.testConnection(ctx);
    expect(s.seen.map((x) => `${x.method} ${x.url}`)).toEqual([
      'GET /v2/person?email=ada.lovelace%40acme.example',
      'GET /v2/company?domain=acme.example',
      'POST /v2/person',
      'POST /bulk/company/v2',
      'GET /account/usage',
    ]);
    for (const req of s.seen) {
      expect(req.headers.api_key).toBe(KEY);
      expect(req.url).not.toContain(KEY);
      expect(req.body).not.toContain(KEY);
    }
    expect(JSON.parse(s.seen[2]!.body)).toEqual({
      contacts: [
        { contactId: '0', email: 'ada.lovelace@acme.example' },
        { contactId: '1', fullName: 'Ada Lovelace', companies: [{ name: 'Acme Inc', isCurrent: true }] },
      ],
      metadata: { partialProfile: false },
    });
    expect(JSON.parse(s.seen[3]!.body)).toEqual({ companies: [{ id: '0', domain: 'acme.example' }] });
  });

  const cases: [string, number, string, Partial<VendorResult>, RegExp?][] = [
    ['402 payment', 402, '{"statusCode":402,"message":"Your account requires payment"}', { outcome: 'quota_exhausted', billed: false }],
    [
      '403 reveal not in plan',
      403,
      '{"statusCode":403,"message":"Your pricing version does not support requesting individual datapoints [revealEmails, revealPhones]"}',
      { outcome: 'auth_failed', billed: false },
      /Unified Credits/,
    ],
    ['403 inactive', 403, '{"statusCode":403,"message":"Your account is not active."}', { outcome: 'auth_failed' }, /not active/],
    ['412 name', 412, '{"statusCode":412,"message":"invalid name"}', { outcome: 'invalid_input', billed: false }],
    ['400 (error object form)', 400, '{"error":{"code":400,"message":"Invalid request parameters"}}', { outcome: 'invalid_input' }, /Invalid request parameters/],
    ['451', 451, '{"statusCode":451,"message":"GDPR"}', { outcome: 'miss', doNotProcess: true, billed: false }],
    ['429 trial', 429, '{"statusCode":429,"message":"You\'ve reached your trial limit, please contact support for upgrade"}', { outcome: 'quota_exhausted', billed: false }],
    ['499', 499, '{"statusCode":499,"message":"Request failed due to request timeout"}', { outcome: 'transient', ambiguous: true, billed: false }],
    ['503', 503, '<html>down</html>', { outcome: 'transient', billed: false }],
    ['200 not JSON', 200, '<html>proxy</html>', { outcome: 'miss', billed: true }],
    ['200 without contact', 200, '{"person":null}', { outcome: 'miss', billed: true }],
    ['200 data is a string', 200, '{"contact":{"error":null,"isCreditCharged":true,"data":"ada"}}', { outcome: 'miss', billed: true }],
    ['200 hit', 200, hitBody(), { outcome: 'hit', billed: true }],
    ['200 hit on a free repeat', 200, hitBody({ isCreditCharged: false }), { outcome: 'hit', billed: false }],
    ['200 hit without the charge flag', 200, hitBody({ isCreditCharged: undefined }), { outcome: 'hit', billed: true }],
    ['200 EMPTY_DATA charged anyway', 200, '{"contact":{"error":{"code":3,"name":"EMPTY_DATA"},"isCreditCharged":true}}', { outcome: 'miss', billed: true }],
  ];
  it.each(cases)('maps %s', async (_name, status, body, expected, message) => {
    s.next.push({ status, body });
    const res = await lushaAdapter.call('person', lookup, ctx);
    expect(res).toMatchObject({ httpStatus: status, ...expected });
    if (message) expect(res.message).toMatch(message);
    expect(res.message ?? '').not.toContain(KEY);
  });

  it('a company 404, an empty data object and a data-less error are unbilled misses', async () => {
    s.next.push({ status: 404, body: '{"statusCode":404,"message":"Company not found"}' });
    s.next.push({ status: 200, body: '{"data":{},"meta":{}}' });
    s.next.push({ status: 200, body: '{"errors":{"message":"Something went wrong"},"meta":{}}' });
    for (let i = 0; i < 3; i++) {
      expect(await lushaAdapter.call('company', domainLookup('acme.example'), ctx)).toMatchObject({ outcome: 'miss', billed: false });
    }
  });

  it('bulk companies: an entry without data is a miss; a map wrapped in `data` is read too', async () => {
    s.next.push({ status: 200, body: JSON.stringify({ '0': { name: 'Acme', fqdn: 'www.acme.example' }, '1': {}, '2': null }) });
    const lookups = ['acme.example', 'b.example', 'c.example', 'd.example'].map(domainLookup);
    const res = await lushaAdapter.callBatch!('company', lookups, ctx);
    expect(res.map((x) => [x.outcome, x.billed])).toEqual([
      ['hit', true],
      ['miss', false],
      ['miss', false],
      ['miss', false],
    ]);
    s.next.push({ status: 200, body: JSON.stringify({ data: { '1': { name: 'Bee', domain: 'b.example' } } }) });
    const wrapped = await lushaAdapter.callBatch!('company', lookups.slice(0, 2), ctx);
    expect(wrapped.map((x) => x.outcome)).toEqual(['miss', 'hit']);
    expect(wrapped[1]?.profile?.company_domain?.value).toBe('b.example');
  });

  it('reads the embedded company and reports the GDPR bulk entry', async () => {
    s.next.push({
      status: 200,
      body: JSON.stringify({
        contacts: {
          '0': { error: null, isCreditCharged: true, data: { firstName: 'Ada', lastName: 'L', companyId: 7 } },
          '1': { error: { code: 451, name: 'GDPR_RESTRICTED', message: 'GDPR' }, isCreditCharged: false },
        },
        companies: { '7': { name: 'Acme', fqdn: 'www.acme.example', companySize: [51, 200] } },
      }),
    });
    const res = await lushaAdapter.callBatch!('person', [lookup, person.lookup({ email: 'x@acme.example' })!, person.lookup({ email: 'y@acme.example' })!], ctx);
    expect(res[0]?.profile).toMatchObject({ company_name: { value: 'Acme' }, company_domain: { value: 'acme.example' }, employee_count: { value: '51-200' } });
    expect(res[1]).toMatchObject({ outcome: 'miss', doNotProcess: true, billed: false });
    expect(res[2]).toMatchObject({ outcome: 'miss', billed: false, message: expect.stringMatching(/no entry/) });
  });

  it('reports drift: unknown keys and expected keys that are missing, single and bulk', async () => {
    s.next.push({ status: 200, body: hitBody({ isCreditCharged: undefined, brandNew: 1 }, { shinyField: 'x' }) });
    const single = await lushaAdapter.call('person', lookup, ctx);
    expect(single.outcome).toBe('hit');
    expect(single.drift).toEqual({ unknown: ['contact.brandNew', 'contact.data.shinyField'], missing: ['contact.isCreditCharged'] });

    s.next.push({
      status: 200,
      body: JSON.stringify({ contacts: { '0': { error: null, isCreditCharged: true, data: { firstName: 'Ada', lastName: 'L', newThing: 2 } } } }),
    });
    const [bulk] = await lushaAdapter.callBatch!('person', [lookup], ctx);
    expect(bulk?.drift).toEqual({ unknown: ['contacts.0.data.newThing'], missing: ['companies'] });

    s.next.push({ status: 200, body: '{"data":{"id":1,"name":"Acme","fresh":true},"meta":{}}' });
    expect((await lushaAdapter.call('company', domainLookup('acme.example'), ctx)).drift).toEqual({ unknown: ['data.fresh'], missing: [] });
  });

  it('scrubs the key from a vendor message that echoes it', async () => {
    s.next.push({ status: 401, body: JSON.stringify({ statusCode: 401, message: `Invalid API key ${KEY}` }) });
    const res = await lushaAdapter.call('person', lookup, ctx);
    expect(res.outcome).toBe('auth_failed');
    expect(res.message).not.toContain(KEY);
    expect(res.message).toContain('***');
  });

  it('testConnection maps 402, 429 and an odd body', async () => {
    s.next.push({ status: 402, body: '{"statusCode":402,"message":"Your account requires payment"}' });
    expect(await lushaAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'no_credits', httpStatus: 402 });
    s.next.push({ status: 429, body: '{"statusCode":429,"message":"Too many requests."}' });
    expect(await lushaAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'rate_limited' });
    s.next.push({ status: 200, body: '<html></html>' });
    expect(await lushaAdapter.testConnection(ctx)).toMatchObject({ ok: false, status: 'error' });
  });
});
