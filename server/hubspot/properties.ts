// The contact properties Cascade writes that HubSpot does not have by default, in their own group,
// created at install. The list is derived from what the engine writes — the write policy's
// `cascade_*` targets and the app-owned run properties — so a new property there without a
// definition here fails at load time instead of being rejected by HubSpot mid-run.
import type { Client } from '@hubspot/api-client';
import type { PropertyCreate, PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { CanonicalField, EmailStatus } from '../vendors/types.ts';
import { PROPERTY_FOR } from '../enrichment/write-policy.ts';
import { appProperties } from '../enrichment/outcome.ts';
import type { RunStatus } from '../enrichment/outcome.ts';
import type { Logger } from '../log.ts';
import { statusOf } from './client.ts';

export const CONTACTS = 'contacts';

export const CASCADE_GROUP = { name: 'cascade', label: 'Cascade enrichment', displayOrder: -1 } as const;

/** HubSpot's valid type/fieldType pairs for what Cascade stores. */
export type PropertyKind =
  | { type: 'string'; fieldType: 'text' | 'textarea' }
  | { type: 'number'; fieldType: 'number' }
  | { type: 'datetime'; fieldType: 'date' }
  | { type: 'enumeration'; fieldType: 'select'; options: { label: string; value: string; displayOrder: number; hidden: false }[] };

export type CascadePropertyDefinition = {
  name: string;
  label: string;
  description: string;
  groupName: string;
  displayOrder: number;
  hasUniqueValue: false;
  formField: false;
} & PropertyKind;

interface Spec {
  label: string;
  description: string;
  kind: PropertyKind;
}

const text: PropertyKind = { type: 'string', fieldType: 'text' };
const options = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false as const }));

const EMAIL_STATUS_LABELS: Record<EmailStatus, string> = {
  valid: 'Valid',
  risky: 'Risky (accept-all or unverifiable)',
  invalid: 'Invalid',
  unknown: 'Unknown',
  do_not_use: 'Do not use',
};

// Exhaustive over RUN_STATUSES (a new status fails to compile until it has a label here).
export const RUN_STATUS_LABELS: Record<RunStatus, string> = {
  enriched: 'Enriched',
  partial: 'Partially enriched',
  not_found: 'Not found',
  cap_reached: 'Spend cap reached',
  suppressed: 'Suppressed',
  failed: 'Failed',
};

/** Canonical fields whose property is app-owned (PROPERTY_FOR maps them to `cascade_*`). */
const FIELD_SPECS: Partial<Record<CanonicalField, Spec>> = {
  seniority: { label: 'Seniority (Cascade)', description: "The contact's seniority as the enrichment vendor reported it (e.g. senior, manager, vp).", kind: text },
  linkedin_url: { label: 'LinkedIn profile (Cascade)', description: "URL of the contact's LinkedIn profile, found by Cascade.", kind: text },
  email_status: {
    label: 'E-mail status (Cascade)',
    description: 'Deliverability of the e-mail address as verified by Cascade.',
    kind: { type: 'enumeration', fieldType: 'select', options: options(EMAIL_STATUS_LABELS) },
  },
  company_domain: { label: 'Company domain (Cascade)', description: "The web domain of the contact's company, found by Cascade.", kind: text },
  employee_count: { label: 'Employee count (Cascade)', description: "Head count of the contact's company: a number, or a range such as 51-200 when the vendor gives one.", kind: text },
  annual_revenue: { label: 'Annual revenue (Cascade)', description: "Annual revenue of the contact's company in US dollars: a number, or the vendor's estimate range.", kind: text },
  tech_stack: { label: 'Tech stack (Cascade)', description: "Technologies the contact's company uses, comma-separated.", kind: { type: 'string', fieldType: 'textarea' } },
  company_linkedin_url: { label: 'Company LinkedIn page (Cascade)', description: "URL of the LinkedIn page of the contact's company, found by Cascade.", kind: text },
};

/** The app-owned run properties (see enrichment/outcome.ts `appProperties`). */
const APP_SPECS: Record<string, Spec> = {
  cascade_status: {
    label: 'Enrichment status (Cascade)',
    description: "Outcome of the contact's last Cascade enrichment; workflows can branch on it.",
    kind: { type: 'enumeration', fieldType: 'select', options: options(RUN_STATUS_LABELS) },
  },
  cascade_sources: { label: 'Enrichment sources (Cascade)', description: 'Vendors whose data the last enrichment used, separated by semicolons.', kind: text },
  cascade_confidence: { label: 'Enrichment confidence (Cascade)', description: 'Mean confidence (0 to 1) of the values the last enrichment found.', kind: { type: 'number', fieldType: 'number' } },
  cascade_enriched_at: { label: 'Last enriched (Cascade)', description: 'When Cascade last enriched the contact.', kind: { type: 'datetime', fieldType: 'date' } },
  cascade_cost: { label: 'Enrichment cost (Cascade)', description: 'What the last enrichment of the contact cost in vendor credits, in US dollars.', kind: { type: 'number', fieldType: 'number' } },
};

function define(name: string, spec: Spec, displayOrder: number): CascadePropertyDefinition {
  return {
    name,
    label: spec.label,
    description: spec.description,
    groupName: CASCADE_GROUP.name,
    displayOrder,
    hasUniqueValue: false,
    formField: false,
    ...spec.kind,
  };
}

function buildDefinitions(): CascadePropertyDefinition[] {
  const out: CascadePropertyDefinition[] = [];
  // The app-owned names, read from the function that writes them.
  const appNames = Object.keys(
    appProperties(
      { status: 'enriched', errorCode: null, groups: [], satisfied: [], fieldsFilled: [], sources: [], costMc: 0, skips: {} },
      {},
      new Date(0),
    ),
  );
  for (const name of appNames) {
    const spec = APP_SPECS[name];
    if (!spec) throw new Error(`properties.ts: no HubSpot definition for app property ${name}`);
    out.push(define(name, spec, out.length));
  }
  for (const [field, name] of Object.entries(PROPERTY_FOR) as [CanonicalField, string][]) {
    if (!name.startsWith('cascade_')) continue; // HubSpot default properties (work_email, jobtitle, …)
    const spec = FIELD_SPECS[field];
    if (!spec) throw new Error(`properties.ts: no HubSpot definition for ${name} (canonical field ${field})`);
    out.push(define(name, spec, out.length));
  }
  return out;
}

/** Every contact property Cascade creates, in display order. */
export const CASCADE_PROPERTIES: readonly CascadePropertyDefinition[] = Object.freeze(buildDefinitions());

export interface EnsureResult {
  groupCreated: boolean;
  created: string[];
  existing: string[];
}

const alreadyExists = (status: number, message: string, category?: string) =>
  status === 409 || category === 'OBJECT_ALREADY_EXISTS' || (status === 400 && /already exists/i.test(message));

const toCreate = (d: CascadePropertyDefinition): PropertyCreate => {
  const base = {
    name: d.name,
    label: d.label,
    description: d.description,
    groupName: d.groupName,
    displayOrder: d.displayOrder,
    hasUniqueValue: d.hasUniqueValue,
    formField: d.formField,
    type: d.type as PropertyCreateTypeEnum,
    fieldType: d.fieldType as PropertyCreateFieldTypeEnum,
  };
  return (d.type === 'enumeration' ? { ...base, options: d.options } : base) as PropertyCreate;
};

/**
 * Creates the `cascade` group and every missing Cascade property on the portal. Idempotent: what
 * exists already is left as it is. Throws the SDK's error for anything but "already exists".
 */
export async function ensureCascadeProperties(client: Client, log: Logger): Promise<EnsureResult> {
  const props = client.crm.properties;
  let groupCreated = false;
  try {
    await props.groupsApi.create(CONTACTS, { ...CASCADE_GROUP });
    groupCreated = true;
  } catch (err) {
    const e = statusOf(err);
    if (!alreadyExists(e.status, e.message, e.category)) throw err;
  }

  const created: string[] = [];
  const existing: string[] = [];
  let unsettled: CascadePropertyDefinition[] = [];
  try {
    const res = await props.batchApi.create(CONTACTS, { inputs: CASCADE_PROPERTIES.map(toCreate) });
    const made = new Set(res.results.map((p) => p.name));
    for (const d of CASCADE_PROPERTIES) if (made.has(d.name)) created.push(d.name);
    const rest = CASCADE_PROPERTIES.filter((d) => !made.has(d.name));
    const errors = 'errors' in res && Array.isArray(res.errors) ? res.errors : [];
    const allExist = errors.length > 0 && errors.every((e) => alreadyExists(Number(e.status) || 0, e.message ?? '', e.category));
    if (allExist && errors.length >= rest.length) existing.push(...rest.map((d) => d.name));
    else unsettled = rest;
  } catch (err) {
    const e = statusOf(err);
    // HubSpot may refuse the whole batch when one property exists: settle them one by one.
    if (!alreadyExists(e.status, e.message, e.category)) throw err;
    unsettled = [...CASCADE_PROPERTIES];
  }
  for (const d of unsettled) {
    try {
      await props.coreApi.create(CONTACTS, toCreate(d));
      created.push(d.name);
    } catch (err) {
      const e = statusOf(err);
      if (!alreadyExists(e.status, e.message, e.category)) throw err;
      existing.push(d.name);
    }
  }
  log.info({ groupCreated, created: created.length, existing: existing.length }, 'Cascade contact properties ensured');
  return { groupCreated, created, existing };
}
