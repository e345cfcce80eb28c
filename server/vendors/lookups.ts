// The lookup forms several vendors share. A lookup key is canonical — the same fact spelled
// differently gives the same key — and names exactly what is sent, so the cache and the ledger see
// one key per fact whichever vendor is asked. Each adapter still chooses its own order of preference
// and its own parameter names.
import { nameKey, normalizeDomain, normalizeEmail, normalizeLinkedinUrl, normalizeName } from './normalize.ts';
import type { ContactFacts, Lookup } from './types.ts';

/** Whether a lookup carries anything to send. */
export const hasParams = (l: Lookup): boolean => Object.keys(l.params).length > 0;

/** `email:<address>` → `{email}`. */
export function emailLookup(facts: ContactFacts): Lookup | null {
  const email = normalizeEmail(facts.email);
  return email ? { key: `email:${email}`, params: { email } } : null;
}

/** `domain:<domain>` → `{[param]: domain}`. */
export function domainLookup(facts: ContactFacts, param = 'domain'): Lookup | null {
  const domain = normalizeDomain(facts.domain);
  return domain ? { key: `domain:${domain}`, params: { [param]: domain } } : null;
}

/** Free-mail domains: their "company" is not the contact's employer. */
export const FREE_MAIL: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'msn.com', 'aol.com',
  'icloud.com', 'me.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'web.de', 'yandex.ru', 'mail.ru',
]);

/** `domain:<domain>` of the employer: the company domain, else the e-mail's domain unless it is free mail. */
export function employerDomainLookup(facts: ContactFacts): Lookup | null {
  let domain = normalizeDomain(facts.domain);
  if (!domain) {
    const fromEmail = normalizeDomain(normalizeEmail(facts.email));
    if (fromEmail && !FREE_MAIL.has(fromEmail)) domain = fromEmail;
  }
  return domain ? { key: `domain:${domain}`, params: { domain } } : null;
}

export const nameDomainKey = (first: string, last: string, domain: string) => `name:${nameKey(first)}|${nameKey(last)}|${domain}`;
export const nameCompanyKey = (first: string, last: string, company: string) =>
  `name:${nameKey(first)}|${nameKey(last)}|company:${nameKey(company)}`;

/** A person by name at a company: its domain when known, else its name. */
export type NameAtCompany =
  | { key: string; first: string; last: string; domain: string; company?: undefined }
  | { key: string; first: string; last: string; company: string; domain?: undefined };

/** First + last name with the company's domain (preferred) or name; null when any of it is missing. */
export function nameAtCompany(facts: ContactFacts): NameAtCompany | null {
  const first = normalizeName(facts.first_name);
  const last = normalizeName(facts.last_name);
  if (!first || !last) return null;
  const domain = normalizeDomain(facts.domain);
  if (domain) return { key: nameDomainKey(first, last, domain), first, last, domain };
  const company = normalizeName(facts.company_name);
  return company ? { key: nameCompanyKey(first, last, company), first, last, company } : null;
}

/** A person's LinkedIn profile URL, canonical; undefined for anything else (a company page included). */
export function personLinkedin(facts: ContactFacts): string | undefined {
  const linkedin = normalizeLinkedinUrl(facts.linkedin_url);
  return linkedin && linkedin.startsWith('https://www.linkedin.com/in/') ? linkedin : undefined;
}
