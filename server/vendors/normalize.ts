// Normalizers for lookup keys and canonical values. They never throw: bad input becomes undefined,
// so a lookup key is stable for every spelling of the same fact and absent for garbage.
import type { EmailStatus } from './types.ts';

const EMAIL_RE = /^[^\s@<>()[\],;:"]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

export function normalizeEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.normalize('NFKC').trim().toLowerCase().replace(/^mailto:/, '');
  if (s.length > 254 || !EMAIL_RE.test(s)) return undefined;
  return s;
}

const DOMAIN_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** "https://WWW.Acme.com/about" → "acme.com"; also accepts a bare host or an e-mail address. */
export function normalizeDomain(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let s = raw.normalize('NFKC').trim().toLowerCase();
  if (!s) return undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0 && !s.includes('/')) s = s.slice(at + 1);
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  s = s.split(/[/?#]/)[0] ?? '';
  s = s.replace(/:\d+$/, '').replace(/\.$/, '').replace(/^www\./, '');
  return DOMAIN_RE.test(s) ? s : undefined;
}

/** Trimmed, single-spaced, NFKC; lookups compare case-insensitively, values keep their case. */
export function normalizeName(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (!s || s.length > 100 || !/\p{L}/u.test(s)) return undefined;
  return s;
}

/** Any LinkedIn profile/company URL form → "https://www.linkedin.com/in/slug". */
export function normalizeLinkedinUrl(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.normalize('NFKC').trim().toLowerCase();
  const m = /^(?:https?:\/\/)?(?:[a-z]{2,3}\.)?(?:www\.)?linkedin\.com\/(in|company|pub)\/([^/?#\s]+)/.exec(s);
  if (!m) return undefined;
  let slug = m[2] as string;
  try {
    slug = decodeURIComponent(slug);
  } catch {
    /* keep the raw slug */
  }
  return `https://www.linkedin.com/${m[1]}/${encodeURIComponent(slug)}`;
}

/** Digits with an optional leading +, at least 7 digits; formatting characters dropped. */
export function normalizePhone(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const s = String(raw).trim();
  const digits = s.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return undefined;
  return (s.startsWith('+') ? '+' : '') + digits;
}

/** Vendors' e-mail statuses → canonical (VENDORS.md "Normalization"). */
export function canonicalEmailStatus(raw: unknown): EmailStatus {
  const s = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/[\s-]/g, '_') : '';
  switch (s) {
    case 'valid':
    case 'verified':
    case 'deliverable':
      return 'valid';
    case 'catch_all':
    case 'catchall':
    case 'accept_all':
    case 'guessed':
    case 'risky':
    case 'webmail':
      return 'risky';
    case 'invalid':
    case 'bounced':
    case 'undeliverable':
      return 'invalid';
    case 'disposable':
    case 'spamtrap':
    case 'abuse':
    case 'do_not_mail':
    case 'claimed_email':
    case 'opted_out':
      return 'do_not_use';
    default:
      return 'unknown';
  }
}

/** Lower-cased name key for lookups ("Ada  LOVELACE" and "ada lovelace" are the same lookup). */
export const nameKey = (s: string) => s.toLowerCase();

// ---------------------------------------------------------------------------------------------
// Canonical values read out of vendor answers (shared by every vendor's normalize.ts).

/** Free text (title, company name, industry…): NFKC, single-spaced, trimmed, bounded. */
export function text(raw: unknown, max = 200): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (!s) return undefined;
  return s.slice(0, max).trim() || undefined;
}

/** A vendor's number as it came (a number or a numeric string, "85"); NaN when absent or not a number. */
export function numberOf(raw: unknown): number {
  return typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
}

/** `numberOf`, undefined instead of NaN or ±Infinity. */
export function finiteNumber(raw: unknown): number | undefined {
  const n = numberOf(raw);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A count or an amount from a number or a numeric string with separators ("1,200", "3 500"): finite
 * and at most MAX_SAFE_INTEGER; undefined otherwise. Each caller decides which lower bound it accepts.
 */
export function countOf(raw: unknown): number | undefined {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\s*\d[\d,_ ]*(\.\d+)?\s*$/.test(raw)) n = Number(raw.replace(/[,_ ]/g, ''));
  else return undefined;
  return Number.isFinite(n) && n <= Number.MAX_SAFE_INTEGER ? n : undefined;
}

/** A positive whole number as text ("1,200" → "1200"); undefined for 0 (vendors' "unknown"), negatives and the rest. */
export function wholeNumber(raw: unknown): string | undefined {
  const n = countOf(raw);
  return n !== undefined && n > 0 ? String(Math.round(n)) : undefined;
}

/** A normalized LinkedIn URL kept only when it is of the wanted kind (a person's or a company's page). */
export function linkedinOfKind(url: string | undefined, kind: 'in' | 'company'): string | undefined {
  if (!url) return undefined;
  const isCompany = url.startsWith('https://www.linkedin.com/company/');
  return (kind === 'company') === isCompany ? url : undefined;
}

/** Any LinkedIn URL form, kept only when it is of the wanted kind. */
export function linkedinOf(raw: unknown, kind: 'in' | 'company'): string | undefined {
  return linkedinOfKind(normalizeLinkedinUrl(raw), kind);
}

/**
 * A LinkedIn handle as Clearbit-style answers carry it ("ada-lovelace", "in/ada-lovelace",
 * "company/acme", or a full URL) → the canonical URL; a bare slug is taken to be of `kind`.
 */
export function linkedinFromHandle(raw: unknown, kind: 'in' | 'company'): string | undefined {
  const h = text(raw, 300);
  if (!h) return undefined;
  if (/linkedin\.com\//i.test(h)) return normalizeLinkedinUrl(h);
  const path = h.replace(/^\/+/, '');
  return normalizeLinkedinUrl(/^(in|company|pub)\//i.test(path) ? `linkedin.com/${path}` : `linkedin.com/${kind}/${path}`);
}

/** First and last name; with neither, a full name split at its first space ("Ada King Lovelace" → "Ada" / "King Lovelace"). */
export function firstAndLastName(given: unknown, family: unknown, full: unknown): [string | undefined, string | undefined] {
  const first = normalizeName(given);
  const last = normalizeName(family);
  if (first || last) return [first, last];
  const parts = normalizeName(full)?.split(' ') ?? [];
  if (parts.length < 2) return [undefined, undefined];
  return [normalizeName(parts[0]), normalizeName(parts.slice(1).join(' '))];
}

const MAX_TECH = 100;

/**
 * Technology names as one `tech_stack` value: each bounded to `maxEach`, distinct, at most 100, and
 * without names holding a comma (they would split when the value is read back).
 */
export function techStack(names: readonly unknown[], maxEach = 80): string | undefined {
  const tech = [...new Set(names.map((t) => text(t, maxEach)).filter((t): t is string => !!t && !t.includes(',')))];
  return tech.length ? tech.slice(0, MAX_TECH).join(', ') : undefined;
}
