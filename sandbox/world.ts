// A deterministic fake world shared by every vendor simulator: the same person has the same title
// and company whichever vendor is asked, and each vendor "knows" a stable, seeded subset of people.
import { createHash } from 'node:crypto';

/** A number in [0, 1) derived from the inputs alone, so runs are repeatable. */
export function unit(...parts: string[]): number {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

export function pick<T>(items: readonly T[], ...parts: string[]): T {
  return items[Math.floor(unit(...parts) * items.length)] as T;
}

const FIRST = ['ada', 'grace', 'alan', 'linus', 'margaret', 'ken', 'barbara', 'edsger', 'frances', 'dennis',
  'radia', 'john', 'katherine', 'tim', 'anita', 'donald', 'hedy', 'niklaus', 'shafi', 'guido'] as const;
const LAST = ['lovelace', 'hopper', 'turing', 'torvalds', 'hamilton', 'thompson', 'liskov', 'dijkstra', 'allen',
  'ritchie', 'perlman', 'mccarthy', 'johnson', 'berners-lee', 'borg', 'knuth', 'lamarr', 'wirth', 'goldwasser',
  'van rossum'] as const;
const TITLES = [
  ['VP Marketing', 'vp'], ['Head of Revenue Operations', 'head'], ['Sales Manager', 'manager'],
  ['Account Executive', 'senior'], ['Chief Technology Officer', 'c_suite'], ['Software Engineer', 'entry'],
  ['Director of Sales', 'director'], ['Marketing Operations Specialist', 'senior'], ['Founder', 'founder'],
] as const;
const INDUSTRIES = ['computer software', 'marketing and advertising', 'financial services', 'information technology',
  'hospital & health care', 'retail', 'logistics', 'education management'] as const;
const TECH = ['hubspot', 'salesforce', 'slack', 'google workspace', 'aws', 'stripe', 'segment', 'zendesk', 'shopify'] as const;
const CITIES = [
  ['Boston', 'Massachusetts', 'United States'], ['Austin', 'Texas', 'United States'], ['London', 'England', 'United Kingdom'],
  ['Berlin', 'Berlin', 'Germany'], ['Toronto', 'Ontario', 'Canada'], ['Paris', 'Ile-de-France', 'France'],
] as const;

export interface WorldCompany {
  domain: string;
  name: string;
  industry: string;
  employees: number;
  annualRevenue: number;
  tech: string[];
  linkedinUrl: string;
  city: string;
  state: string;
  country: string;
  phone: string;
}

export interface WorldPerson {
  email: string;
  firstName: string;
  lastName: string;
  title: string;
  seniority: string;
  linkedinUrl: string;
  phone: string;
  city: string;
  state: string;
  country: string;
  company: WorldCompany;
  /** Mailbox quality as an SMTP check would see it. */
  mailbox: 'valid' | 'invalid' | 'accept_all' | 'disposable' | 'webmail' | 'unknown';
}

const cap = (s: string) => s.replace(/(^|[\s-])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase());

export function companyFor(domain: string): WorldCompany {
  const d = domain.toLowerCase();
  const stem = d.split('.')[0] ?? d;
  const [city, state, country] = pick(CITIES, 'company-city', d);
  const employees = Math.floor(10 + unit('employees', d) * 5000);
  return {
    domain: d,
    name: cap(stem.replace(/[-_]/g, ' ')) + ' ' + pick(['Inc', 'Labs', 'GmbH', 'Ltd', 'Group'], 'suffix', d),
    industry: pick(INDUSTRIES, 'industry', d),
    employees,
    annualRevenue: employees * Math.floor(80_000 + unit('rev', d) * 120_000),
    tech: TECH.filter((t) => unit('tech', d, t) < 0.4),
    linkedinUrl: `https://www.linkedin.com/company/${stem}`,
    city,
    state,
    country,
    phone: `+1 617 555 ${String(Math.floor(unit('cphone', d) * 10000)).padStart(4, '0')}`,
  };
}

function personFrom(first: string, last: string, domain: string): WorldPerson {
  const f = first.toLowerCase();
  const l = last.toLowerCase();
  const d = domain.toLowerCase();
  const [title, seniority] = pick(TITLES, 'title', f, l, d);
  const [city, state, country] = pick(CITIES, 'city', f, l, d);
  const m = unit('mailbox', f, l, d);
  return {
    email: `${f}.${l.replace(/[^a-z]/g, '')}@${d}`,
    firstName: cap(f),
    lastName: cap(l),
    title,
    seniority,
    linkedinUrl: `https://www.linkedin.com/in/${f}-${l.replace(/[^a-z]/g, '')}-${Math.floor(unit('li', f, l, d) * 1e6)}`,
    phone: `+1 415 555 ${String(Math.floor(unit('phone', f, l, d) * 10000)).padStart(4, '0')}`,
    city,
    state,
    country,
    company: companyFor(d),
    mailbox: m < 0.7 ? 'valid' : m < 0.8 ? 'accept_all' : m < 0.9 ? 'invalid' : m < 0.95 ? 'unknown' : 'disposable',
  };
}

/** The person behind an address of the form first.last@domain, or null when the address is not one of ours. */
export function personByEmail(email: string): WorldPerson | null {
  const m = /^([a-z]+)\.([a-z]+)@([a-z0-9.-]+\.[a-z]+)$/.exec(email.trim().toLowerCase());
  if (!m) return null;
  const [, f, l, d] = m as unknown as [string, string, string, string];
  const first = FIRST.find((x) => x === f);
  const last = LAST.find((x) => x.replace(/[^a-z]/g, '') === l);
  if (!first || !last) return null;
  return personFrom(first, last, d);
}

export function personByName(first: string, last: string, domain: string): WorldPerson | null {
  const f = first.trim().toLowerCase();
  const l = last.trim().toLowerCase();
  if (!FIRST.includes(f as (typeof FIRST)[number]) || !LAST.includes(l as (typeof LAST)[number])) return null;
  return personFrom(f, l, domain.trim().toLowerCase());
}

/** Whether a given vendor's database holds this record: a stable, vendor-specific coverage draw. */
export function vendorKnows(vendor: string, recordKey: string, coverage: number): boolean {
  return unit('coverage', vendor, recordKey.toLowerCase()) < coverage;
}

export interface GeneratedContact {
  email?: string;
  firstName: string;
  lastName: string;
  domain: string;
  companyName: string;
}

/**
 * `count` contacts over `domainCount` company domains, repeatable for a seed. About one in five has
 * no e-mail (name + company only), as imported lead lists do.
 */
export function generateContacts(count: number, domainCount: number, seed = 'cascade'): GeneratedContact[] {
  const domains = Array.from({ length: domainCount }, (_, i) => `${pick(['acme', 'globex', 'initech', 'umbrella',
    'hooli', 'stark', 'wayne', 'wonka', 'tyrell', 'cyberdyne'], seed, 'dom', String(i))}${i}.example`);
  const out: GeneratedContact[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < count; i++) {
    const domain = domains[i % domainCount] as string;
    const first = pick(FIRST, seed, 'first', String(i));
    const last = pick(LAST, seed, 'last', String(i));
    const id = `${first}|${last}|${domain}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const p = personFrom(first, last, domain);
    const withEmail = unit(seed, 'has-email', String(i)) >= 0.2;
    out.push({
      ...(withEmail ? { email: p.email } : {}),
      firstName: p.firstName,
      lastName: p.lastName,
      domain,
      companyName: p.company.name,
    });
    if (i > count * 50) break;
  }
  return out;
}
