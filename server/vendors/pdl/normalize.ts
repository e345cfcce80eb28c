// People Data Labs person / company → canonical PartialProfile (VENDORS.md "Normalization"). Tolerant:
// never throws on anything the schemas admit, every value is a non-empty string and every confidence
// is in [0, 1].
//
// PDL answers in lower case unless asked for `titlecase=true`: names, titles, places and company names
// are title-cased here (only when the value is all lower case, so a value that already carries its own
// capitalisation keeps it). Industries stay in PDL's lower-case canonical taxonomy, as the other
// adapters leave them. LinkedIn URLs come without a scheme and get one; `job_title_levels` becomes the
// seniority; `job_company_size` ("51-200") is the employee count when no exact count is sent.
//
// `titleCase` is a normalizer of this folder only: server/vendors/normalize.ts keeps a name's case as
// the vendor sent it, and PDL is the vendor that sends it lower-cased.
import { linkedinOf, normalizeDomain, normalizeEmail, normalizeName, normalizePhone, numberOf, techStack, text, wholeNumber } from '../normalize.ts';
import { clamp01, ProfileBuilder } from '../profile.ts';
import type { PartialProfile } from '../types.ts';
import type { PdlCompany, PdlPerson } from './schemas.ts';

/** Confidence when PDL sends no usable likelihood: the adapter's own `min_likelihood` floor. */
export const DEFAULT_CONFIDENCE = 0.6;
/** No likelihood makes a value certain. */
export const MAX_CONFIDENCE = 0.95;
/** PDL does not verify mailboxes or numbers: contact data is capped below a verified e-mail's 0.95. */
export const CONTACT_CONFIDENCE_CAP = 0.75;

/**
 * PDL's likelihood (1–10, how sure PDL is the record is the person asked for) as a 0..1 confidence:
 * likelihood / 10, capped at 0.95; absent or unusable → 0.6.
 */
export function likelihoodConfidence(raw: unknown): number {
  const n = numberOf(raw);
  if (!Number.isFinite(n) || n <= 0) return DEFAULT_CONFIDENCE;
  return Math.min(MAX_CONFIDENCE, clamp01(n / 10));
}

// ---------------------------------------------------------------------------------------------
// Title case

export type TitleCaseKind = 'name' | 'title' | 'place' | 'company';

/** Joining words that stay lower case unless they open the value ("Head of Sales", "Ile-de-France"). */
const SMALL_WORDS: Record<TitleCaseKind, ReadonlySet<string>> = {
  name: new Set(),
  title: new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'via', 'with', 'per']),
  place: new Set(['and', 'of', 'the', 'on', 'upon', 'de', 'du', 'des', 'la', 'le', 'les', 'sur', 'en', 'da', 'di', 'del', 'della', 'am', 'im']),
  company: new Set(['a', 'an', 'and', 'at', 'by', 'for', 'in', 'of', 'on', 'or', 'the', 'to', 'with']),
};

/** Words with a fixed spelling whatever their position. */
const FIXED: Record<TitleCaseKind, ReadonlyMap<string, string>> = {
  name: new Map(),
  title: new Map(
    ['vp', 'svp', 'evp', 'avp', 'ceo', 'cto', 'cfo', 'coo', 'cmo', 'cio', 'cro', 'cpo', 'cso', 'ciso', 'chro', 'hr', 'it',
      'qa', 'ui', 'ux', 'seo', 'sem', 'ppc', 'pr', 'gm', 'ai', 'ml', 'api', 'sdr', 'bdr', 'crm', 'erp', 'emea', 'apac',
      'latam', 'us', 'uk', 'eu', 'b2b', 'b2c', 'r&d', 'ii', 'iii', 'iv']
      .map((w) => [w, w.toUpperCase()] as [string, string])
      .concat([['saas', 'SaaS'], ['devops', 'DevOps'], ['revops', 'RevOps']]),
  ),
  place: new Map([['usa', 'USA'], ['uk', 'UK'], ['uae', 'UAE'], ['us', 'US']]),
  company: new Map([
    ['inc', 'Inc'], ['llc', 'LLC'], ['llp', 'LLP'], ['lp', 'LP'], ['ltd', 'Ltd'], ['plc', 'PLC'], ['gmbh', 'GmbH'],
    ['ag', 'AG'], ['sa', 'SA'], ['nv', 'NV'], ['bv', 'BV'], ['ab', 'AB'], ['kk', 'KK'], ['sarl', 'SARL'], ['srl', 'SRL'],
    ['spa', 'SpA'], ['pty', 'Pty'], ['corp', 'Corp'], ['co', 'Co'], ['ibm', 'IBM'], ['usa', 'USA'], ['ai', 'AI'],
  ]),
};

/** Upper-cases the first letter of `s`, leaving characters whose upper case is not one letter alone (ß). */
function capitalizeFirstLetter(s: string): string {
  return s.replace(/\p{L}/u, (c) => {
    const u = c.toUpperCase();
    return u.length === c.length && u.toLowerCase() === c ? u : c;
  });
}

/** One piece between spaces, hyphens or slashes; `first` = it opens the value. */
function casePiece(piece: string, kind: TitleCaseKind, first: boolean): string {
  const core = piece.replace(/^[^\p{L}\p{N}&]+|[^\p{L}\p{N}&]+$/gu, '');
  if (!core) return piece;
  const fixed = FIXED[kind].get(core);
  if (fixed) return piece.replace(core, fixed);
  if (!first && SMALL_WORDS[kind].has(core)) return piece;
  // O'Neil, D'Angelo: a single letter and an apostrophe start a name of its own.
  const m = /^(\p{L})(['’])(\p{L}.*)$/u.exec(core);
  if (m && kind !== 'title') return piece.replace(core, capitalizeFirstLetter(m[1] as string) + m[2] + capitalizeFirstLetter(m[3] as string));
  return capitalizeFirstLetter(piece);
}

/**
 * "head of revenue operations" → "Head of Revenue Operations", "ile-de-france" → "Ile-de-France",
 * "acme gmbh" → "Acme GmbH". A value with any upper-case letter is returned unchanged (PDL or a
 * proxy already cased it), so title-casing twice is the same as once.
 */
export function titleCase(s: string, kind: TitleCaseKind): string {
  if (s !== s.toLowerCase() || !/\p{L}/u.test(s)) return s;
  let first = true;
  return s
    .split(/(\s+|[-/])/)
    .map((part) => {
      if (part === '' || /^(\s+|[-/])$/.test(part)) return part;
      const out = casePiece(part, kind, first);
      first = false;
      return out;
    })
    .join('');
}

const cased = (raw: unknown, kind: TitleCaseKind, max = 200): string | undefined => {
  const t = kind === 'name' ? normalizeName(raw) : text(raw, max);
  return t === undefined ? undefined : titleCase(t, kind);
};

// ---------------------------------------------------------------------------------------------
// Fields

/** PDL's job levels, most senior first, and their canonical seniority (the vocabulary Apollo uses). */
const LEVELS: readonly [string, string][] = [
  ['cxo', 'c_suite'],
  ['owner', 'owner'],
  ['partner', 'partner'],
  ['vp', 'vp'],
  ['director', 'director'],
  ['manager', 'manager'],
  ['senior', 'senior'],
  ['entry', 'entry'],
  ['training', 'entry'],
  ['unpaid', 'entry'],
];

/** The most senior of `job_title_levels`, canonical; undefined when none is one of PDL's levels. */
export function seniorityOf(levels: readonly string[]): string | undefined {
  const have = new Set(levels.map((l) => l.trim().toLowerCase()));
  return LEVELS.find(([level]) => have.has(level))?.[1];
}

/** PDL's size range ("51-200", "10001+", "1,001 - 5,000") spelled one way; other text as it came. */
export function sizeRange(raw: unknown): string | undefined {
  const s = text(raw, 40);
  if (!s) return undefined;
  const compact = s.replace(/[\s,]/g, '');
  return /^\d+(-\d+|\+)$/.test(compact) ? compact : s;
}

/** The exact head count when PDL sends one, else its size range. */
function employeeCount(exact: unknown, range: unknown): string | undefined {
  return wholeNumber(exact) ?? sizeRange(range);
}

const PROFESSIONAL_EMAIL_TYPES = ['current_professional', 'professional'];

/** `work_email`, else the first professional address of `emails[]` (personal addresses are not work data). */
function workEmail(p: PdlPerson): string | undefined {
  const direct = normalizeEmail(p.work_email);
  if (direct) return direct;
  for (const type of PROFESSIONAL_EMAIL_TYPES) {
    for (const e of p.emails) {
      if (typeof e.type === 'string' && e.type.trim().toLowerCase() === type) {
        const email = normalizeEmail(e.address);
        if (email) return email;
      }
    }
  }
  return undefined;
}

function phoneOf(p: PdlPerson): string | undefined {
  const mobile = normalizePhone(p.mobile_phone);
  if (mobile) return mobile;
  for (const n of p.phone_numbers) {
    const phone = normalizePhone(n);
    if (phone) return phone;
  }
  return undefined;
}

/** A matched PDL person (and the company of their current job) as a canonical profile. */
export function normalizePdlPerson(p: PdlPerson, likelihood: unknown): PartialProfile {
  const b = new ProfileBuilder();
  const c = likelihoodConfidence(likelihood);
  const contact = Math.min(c, CONTACT_CONFIDENCE_CAP);
  b.set('work_email', workEmail(p), contact);
  b.set('phone', phoneOf(p), contact);
  b.set('first_name', cased(p.first_name, 'name'), c);
  b.set('last_name', cased(p.last_name, 'name'), c);
  b.set('job_title', cased(p.job_title, 'title'), c);
  b.set('seniority', seniorityOf(p.job_title_levels), c);
  b.set('linkedin_url', linkedinOf(p.linkedin_url, 'in'), c);
  b.set('city', cased(p.location_locality, 'place', 100), c);
  b.set('state', cased(p.location_region, 'place', 100), c);
  b.set('country', cased(p.location_country, 'place', 100), c);
  b.set('company_name', cased(p.job_company_name, 'company'), c);
  b.set('company_domain', normalizeDomain(p.job_company_website), c);
  b.set('industry', text(p.job_company_industry, 120), c);
  b.set('employee_count', employeeCount(p.job_company_employee_count, p.job_company_size), c);
  b.set('annual_revenue', text(p.job_company_inferred_revenue, 60), c);
  b.set('company_linkedin_url', linkedinOf(p.job_company_linkedin_url, 'company'), c);
  return b.profile;
}

/** A PDL company (company/enrich) as a canonical profile. */
export function normalizePdlCompany(o: PdlCompany, likelihood: unknown): PartialProfile {
  const b = new ProfileBuilder();
  const c = likelihoodConfidence(likelihood);
  // `display_name` is PDL's own capitalisation; `name` is lower case.
  b.set('company_name', text(o.display_name) ?? cased(o.name, 'company'), c);
  b.set('company_domain', normalizeDomain(o.website), c);
  b.set('industry', text(o.industry, 120), c);
  b.set('employee_count', employeeCount(o.employee_count, o.size), c);
  b.set('annual_revenue', text(o.inferred_revenue, 60), c);
  b.set('tech_stack', techStack(o.technologies_used), c);
  b.set('company_linkedin_url', linkedinOf(o.linkedin_url, 'company'), c);
  return b.profile;
}

/** Whether a person record holds data of its own (a 200 always should; an empty object is not a match). */
export function isPdlPerson(p: PdlPerson | null | undefined): p is PdlPerson {
  if (!p) return false;
  if (typeof p.id === 'string' && p.id.trim() !== '') return true;
  return !!(p.full_name || p.first_name || p.last_name || p.job_title || p.linkedin_url || normalizeEmail(p.work_email));
}

/** Whether a company record holds data of its own. */
export function isPdlCompany(o: PdlCompany | null | undefined): o is PdlCompany {
  if (!o) return false;
  if (typeof o.id === 'string' && o.id.trim() !== '') return true;
  return !!(o.name || o.display_name || o.website || o.linkedin_url);
}
