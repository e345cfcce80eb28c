// The HubSpot project (hubspot-project/app/) as a pure function of the backend's public URL and the
// code's own constants: scopes, routes, the workflow action's inputs and outputs, the properties
// the engine reads, the error codes a run can end with, the timeline event's properties. Nothing
// here is typed twice, so the project uploaded to HubSpot cannot drift from what the backend
// serves; `npm run project:check` (cli.ts) compares the committed files with this output.
import { configSchema } from '../../config.ts';
import { redirectUriFor, scopesFor } from '../oauth.ts';
import { CONTACT_READ_PROPERTIES } from '../contact-properties.ts';
import { DEFAULT_ACTION_GROUPS } from '../workflow-action.ts';
import type { completionOutputs } from '../workflow-action.ts';
import { RUN_STATUS_LABELS } from '../properties.ts';
import { TIMELINE_EVENT_PROPERTIES } from '../write-back.ts';
import type { TimelineEventProperty } from '../write-back.ts';
import { NOT_INSTALLED_OUTPUTS, WORKFLOW_ACTION_PATH } from '../../http/workflow-actions.ts';
import { PURGING_SUBSCRIPTIONS, WEBHOOKS_PATH } from '../../http/hubspot-webhooks.ts';
import { RUN_ERROR_CODES, RUN_STATUSES } from '../../enrichment/outcome.ts';
import type { RunErrorCode } from '../../enrichment/outcome.ts';
import { FIELD_GROUPS } from '../../vendors/types.ts';
import type { FieldGroup } from '../../vendors/types.ts';

/** hsproject.json's srcDir: generated paths are relative to the repository root. */
export const PROJECT_SRC_DIR = 'hubspot-project';
export const APP_DIR = `${PROJECT_SRC_DIR}/app`;

export const CARD_ENTRYPOINT = '/app/cards/EnrichCard.tsx';
export const SETTINGS_ENTRYPOINT = '/app/settings/SettingsPage.tsx';

/** Component uids: HubSpot keys installed components by these, so they never change. */
export const UIDS = {
  app: 'cascade_app',
  card: 'cascade_enrich_card',
  settings: 'cascade_settings',
  action: 'cascade_enrich_contact',
  webhooks: 'cascade_webhooks',
  appEvent: 'cascade_enrichment_run',
} as const;

export interface ProjectOptions {
  /** The backend's public URL (PUBLIC_BASE_URL), without a trailing slash. */
  publicBaseUrl: string;
  /** HUBSPOT_APP_EVENT_TYPE: when set, `timeline` becomes a required scope (scopesFor). */
  appEventType?: string;
  /** Defaults to support@<backend host>. */
  supportEmail?: string;
  documentationUrl?: string;
  supportUrl?: string;
  /** The port `hs project dev` proxies hubspot.fetch to (local.json); defaults to PORT's default. */
  localPort?: number;
}

export interface GeneratedFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  content: string;
}

// --- the workflow action's contract with workflow-action.ts --------------------------------------

/** Output fields = what completionOutputs returns, less HubSpot's own execution state. */
type OutputName = Exclude<keyof ReturnType<typeof completionOutputs>, 'hs_execution_state'>;

/** Every error_code a workflow can see: a run's, or the route's answer for an uninstalled portal. */
export const ACTION_ERROR_CODES = [...RUN_ERROR_CODES, NOT_INSTALLED_OUTPUTS.error_code] as const;
export type ActionErrorCode = RunErrorCode | typeof NOT_INSTALLED_OUTPUTS.error_code;

// Exhaustive records: a new group, status, error code, output or timeline property fails to compile
// until it is described here.
const GROUP_LABELS: Record<FieldGroup, { label: string; description: string }> = {
  email: { label: 'Work e-mail', description: 'Find the contact’s work e-mail address.' },
  email_verification: { label: 'E-mail verification', description: 'Check that the e-mail address is deliverable.' },
  person: { label: 'Person', description: 'Name, job title, seniority, LinkedIn profile and location.' },
  company: { label: 'Company', description: 'Company name, domain, industry, head count, revenue and tech stack.' },
  phone: { label: 'Phone', description: 'A direct or mobile phone number.' },
};

const ERRORS: Record<ActionErrorCode, { label: string; message: string }> = {
  SUPPRESSED: { label: 'Suppressed', message: 'Not enriched: the contact is suppressed (opted out or on the do-not-enrich list).' },
  CAP_REACHED: { label: 'Spend cap reached', message: 'Stopped at a spend cap: raise the cap in Cascade’s settings or wait for the next period.' },
  NO_VENDOR_KEYS: { label: 'No vendor keys', message: 'No vendor keys are configured: add one in Connected apps → Cascade → Settings.' },
  NOT_ENOUGH_INPUT: { label: 'Not enough input', message: 'Not enough to search by: the contact needs an e-mail, or a name with a company or website.' },
  VENDOR_QUOTA_EXHAUSTED: { label: 'Vendor credits used up', message: 'A vendor’s credits are used up: top up that vendor account or change the waterfall.' },
  VENDOR_RATE_LIMITED: { label: 'Vendors rate-limited', message: 'The vendors were rate-limiting Cascade: the contact can be enrolled again later.' },
  VENDOR_ERROR: { label: 'Vendor error', message: 'The vendors could not be reached or answered with errors: check the keys in Cascade’s settings.' },
  NOT_INSTALLED: { label: 'Not installed', message: 'Cascade is not installed in this account any more: reinstall it from the marketplace.' },
};

type FieldType = 'booleancheckbox' | 'checkbox' | 'number' | 'select' | 'text';
interface OutputSpec {
  label: string;
  type: 'enumeration' | 'number' | 'string';
  fieldType: FieldType;
  options?: { value: string; label: string }[];
}

const OUTPUTS: Record<OutputName, OutputSpec> = {
  status: {
    label: 'Enrichment status',
    type: 'enumeration',
    fieldType: 'select',
    options: RUN_STATUSES.map((s) => ({ value: s, label: RUN_STATUS_LABELS[s] })),
  },
  fields_filled: { label: 'Fields found (semicolon-separated)', type: 'string', fieldType: 'text' },
  sources: { label: 'Vendors used (semicolon-separated)', type: 'string', fieldType: 'text' },
  cost_cents: { label: 'Cost (US cents)', type: 'number', fieldType: 'number' },
  error_code: {
    label: 'Error code',
    type: 'enumeration',
    fieldType: 'select',
    options: ACTION_ERROR_CODES.map((c) => ({ value: c, label: ERRORS[c].label })),
  },
};

const TIMELINE_PROPERTIES: Record<TimelineEventProperty, { label: string; type: 'enumeration' | 'number' | 'string'; options?: { value: string; label: string }[] }> = {
  status: { label: 'Status', type: 'enumeration', options: RUN_STATUSES.map((s) => ({ value: s, label: RUN_STATUS_LABELS[s] })) },
  fields_filled: { label: 'Fields found', type: 'string' },
  sources: { label: 'Vendors used', type: 'string' },
  cost_cents: { label: 'Cost (US cents)', type: 'number' },
  // A string, not an enumeration: a run without an error sends "".
  error_code: { label: 'Error code', type: 'string' },
  steps: { label: 'Waterfall steps', type: 'string' },
};

/** HubSpot's category for each subscription the webhook route purges on. */
const SUBSCRIPTION_KIND: Record<(typeof PURGING_SUBSCRIPTIONS)[number], 'legacyCrmObjects' | 'hubEvents'> = {
  'contact.deletion': 'legacyCrmObjects',
  'contact.privacyDeletion': 'hubEvents',
};

/** How many deliveries HubSpot may have in flight at once (each holds a database transaction). */
const WEBHOOK_CONCURRENCY = 10;

/** The execution rule label for an error code: HubSpot matches `conditions` on the outputs. */
export const executionRuleLabel = (code: ActionErrorCode): string => code.toLowerCase();

// --- components ------------------------------------------------------------------------------------

function base(url: string): { base: string; origin: string; host: string } {
  const u = new URL(url);
  return { base: url.replace(/\/+$/, ''), origin: u.origin, host: u.hostname };
}

interface AppOptions {
  publicBaseUrl: string;
  appEventType: string | undefined;
  supportEmail: string;
  documentationUrl: string;
  supportUrl: string;
}

function appComponent(o: AppOptions) {
  const b = base(o.publicBaseUrl);
  // Exactly what /oauth/install asks for: HubSpot refuses an install whose scopes differ from the app's.
  const scopes = scopesFor({ HUBSPOT_APP_EVENT_TYPE: o.appEventType });
  return {
    uid: UIDS.app,
    type: 'app',
    config: {
      name: 'Cascade',
      description:
        'Enrich HubSpot contacts through a waterfall of data vendors using your own vendor keys: cached, rate-limited and capped per vendor, ' +
        'with the spend and every vendor call recorded. Run it from workflows ("Enrich contact") or from the contact card.',
      distribution: 'marketplace',
      auth: {
        type: 'oauth',
        redirectUrls: [redirectUriFor(b.base)],
        requiredScopes: scopes.required,
        optionalScopes: scopes.optional,
        conditionallyRequiredScopes: [],
      },
      permittedUrls: { fetch: [b.origin], iframe: [], img: [] },
      support: { supportEmail: o.supportEmail, documentationUrl: o.documentationUrl, supportUrl: o.supportUrl },
    },
  };
}

function cardComponent() {
  return {
    uid: UIDS.card,
    type: 'card',
    config: {
      name: 'Cascade enrichment',
      description: 'Enrichment status, the fields each vendor found, and Enrich now / Force refresh.',
      location: 'crm.record.sidebar',
      entrypoint: CARD_ENTRYPOINT,
      objectTypes: ['contacts'],
    },
  };
}

function settingsComponent() {
  return { uid: UIDS.settings, type: 'settings', config: { entrypoint: SETTINGS_ENTRYPOINT } };
}

function actionComponent(baseUrl: string) {
  const outputs = Object.entries(OUTPUTS) as [OutputName, OutputSpec][];
  const defaults = DEFAULT_ACTION_GROUPS.map((g) => GROUP_LABELS[g].label).join(', ');
  return {
    uid: UIDS.action,
    type: 'workflow-action',
    config: {
      actionUrl: `${baseUrl}${WORKFLOW_ACTION_PATH}`,
      isPublished: true,
      supportedClients: [{ client: 'WORKFLOWS' }, { client: 'AGENTS' }],
      objectTypes: ['CONTACT'],
      inputFields: [
        {
          typeDefinition: {
            name: 'fields',
            type: 'enumeration',
            fieldType: 'checkbox',
            options: FIELD_GROUPS.map((g, i) => ({ value: g, label: GROUP_LABELS[g].label, description: GROUP_LABELS[g].description, displayOrder: i })),
          },
          supportedValueTypes: ['STATIC_VALUE'],
          isRequired: false,
        },
        {
          typeDefinition: {
            name: 'force_refresh',
            type: 'bool',
            fieldType: 'booleancheckbox',
            options: [
              { value: 'true', label: 'Yes' },
              { value: 'false', label: 'No' },
            ],
          },
          supportedValueTypes: ['STATIC_VALUE'],
          isRequired: false,
        },
      ],
      outputFields: outputs.map(([name, s]) => ({
        typeDefinition: { name, type: s.type, fieldType: s.fieldType, options: s.options ?? [] },
      })),
      objectRequestOptions: { properties: [...CONTACT_READ_PROPERTIES] },
      labels: {
        en: {
          actionName: 'Enrich contact',
          appDisplayName: 'Cascade',
          actionDescription:
            'Fills the chosen field groups from your data vendors, cheapest first, within your spend caps. ' +
            'The workflow waits for the result and can branch on the status and error code.',
          actionCardContent: 'Enrich with Cascade: {{fields}}',
          inputFieldLabels: { fields: 'Fields to fill', force_refresh: 'Ignore cached results' },
          inputFieldDescriptions: {
            fields: `The groups of fields to look up. None selected: ${defaults}.`,
            force_refresh: 'Ask the vendors again even when Cascade has a recent answer (costs credits).',
          },
          outputFieldLabels: Object.fromEntries(outputs.map(([name, s]) => [name, s.label])),
          executionRules: Object.fromEntries(ACTION_ERROR_CODES.map((c) => [executionRuleLabel(c), ERRORS[c].message])),
        },
      },
      executionRules: ACTION_ERROR_CODES.map((c) => ({ labelName: executionRuleLabel(c), conditions: { error_code: c } })),
    },
  };
}

function webhooksComponent(baseUrl: string) {
  const of = (kind: 'legacyCrmObjects' | 'hubEvents') =>
    PURGING_SUBSCRIPTIONS.filter((s) => SUBSCRIPTION_KIND[s] === kind).map((subscriptionType) => ({ subscriptionType, active: true }));
  return {
    uid: UIDS.webhooks,
    type: 'webhooks',
    config: {
      settings: { targetUrl: `${baseUrl}${WEBHOOKS_PATH}`, maxConcurrentRequests: WEBHOOK_CONCURRENCY },
      subscriptions: { legacyCrmObjects: of('legacyCrmObjects'), hubEvents: of('hubEvents') },
    },
  };
}

function appEventComponent() {
  return {
    uid: UIDS.appEvent,
    type: 'app-event',
    config: {
      name: 'Cascade enrichment run',
      objectType: 'CONTACT',
      headerTemplate: 'Cascade enrichment: {{status}} ({{cost_cents}}¢)',
      detailTemplate:
        '**Fields found:** {{fields_filled}}\n\n**Vendors used:** {{sources}}\n\n**Cost:** {{cost_cents}}¢\n\n' +
        '{{#if error_code}}**Error:** {{error_code}}\n\n{{/if}}**Steps:** {{steps}}',
      properties: TIMELINE_EVENT_PROPERTIES.map((name) => {
        const p = TIMELINE_PROPERTIES[name];
        return { name, label: p.label, type: p.type, ...(p.options ? { options: p.options } : {}) };
      }),
    },
  };
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

const quote = (v: string): string => `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;

const backendModule = (baseUrl: string): string =>
  `// Generated by \`npm run project:generate\` from PUBLIC_BASE_URL — do not edit.\nexport const BACKEND_URL = ${quote(baseUrl)};\n`;

/** Every generated file, in a stable order. Throws when publicBaseUrl is not an http(s) URL. */
export function generateProject(opts: ProjectOptions): GeneratedFile[] {
  const u = new URL(opts.publicBaseUrl);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('publicBaseUrl must be an http(s) URL');
  const b = base(opts.publicBaseUrl);
  const port = opts.localPort ?? configSchema.shape.PORT.parse(undefined);
  const app = appComponent({
    publicBaseUrl: b.base,
    appEventType: opts.appEventType,
    supportEmail: opts.supportEmail ?? `support@${b.host}`,
    documentationUrl: opts.documentationUrl ?? `${b.base}/docs`,
    supportUrl: opts.supportUrl ?? `${b.base}/support`,
  });
  return [
    { path: `${APP_DIR}/app-hsmeta.json`, content: json(app) },
    { path: `${APP_DIR}/cards/enrich-card-hsmeta.json`, content: json(cardComponent()) },
    { path: `${APP_DIR}/cards/backend.ts`, content: backendModule(b.base) },
    { path: `${APP_DIR}/settings/settings-hsmeta.json`, content: json(settingsComponent()) },
    { path: `${APP_DIR}/settings/backend.ts`, content: backendModule(b.base) },
    { path: `${APP_DIR}/workflow-actions/enrich-contact-hsmeta.json`, content: json(actionComponent(b.base)) },
    { path: `${APP_DIR}/webhooks/webhooks-hsmeta.json`, content: json(webhooksComponent(b.base)) },
    { path: `${APP_DIR}/app-events/enrichment-run-hsmeta.json`, content: json(appEventComponent()) },
    { path: `${APP_DIR}/local.json`, content: json({ proxy: { [b.origin]: `http://localhost:${port}` } }) },
  ];
}
