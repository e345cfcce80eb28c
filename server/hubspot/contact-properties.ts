// The contact properties the engine reads: what vendors can be asked by (email, name, company,
// website, a LinkedIn URL learned before) and every property it may write, so the write policy can
// compare against current values. The workflow action asks HubSpot for these (objectRequestOptions)
// and the scheduled refresh reads them from CRM search.
import { PROPERTY_FOR } from '../enrichment/write-policy.ts';

export const LOOKUP_PROPERTIES = ['email', 'firstname', 'lastname', 'company', 'website', 'hs_email_optout'] as const;

export const CONTACT_READ_PROPERTIES: readonly string[] = [...new Set([...LOOKUP_PROPERTIES, ...Object.values(PROPERTY_FOR), 'cascade_enriched_at'])];
