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
