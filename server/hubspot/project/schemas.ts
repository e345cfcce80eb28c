// What a HubSpot project component may look like (HUBSPOT.md §1, HubSpot's automation-actions v4
// and timeline specs), as zod schemas, and an offline check of a project folder. HubSpot's own
// parser skips misplaced files and invalid JSON silently and ignores unknown keys; full validation
// (`hs project validate`) needs an account. This catches those mistakes before an upload.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// --- shared pieces ---------------------------------------------------------------------------------

export const UID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const uid = z.string({ error: 'must be a string' }).regex(UID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . -');

function parseUrl(v: string): URL | null {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

const isLocal = (host: string) => host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]' || host === '0.0.0.0';

/** An https URL on a public host (HubSpot calls it from its servers). */
const httpsUrl = z.string({ error: 'must be a string' }).refine((v) => {
  const u = parseUrl(v);
  return u !== null && u.protocol === 'https:' && !isLocal(u.hostname) && u.username === '' && u.password === '';
}, 'must be an https:// URL on a public host');

/** permittedUrls entries: https origins only (no path), no localhost. */
const httpsOrigin = z.string({ error: 'must be a string' }).refine((v) => {
  const u = parseUrl(v);
  return u !== null && u.protocol === 'https:' && u.origin === v && !isLocal(u.hostname);
}, 'must be an https origin (https://host[:port], no path or trailing slash), not localhost');

const text = (max: number) => z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const scope = z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'must be a HubSpot scope name such as crm.objects.contacts.read');
const entrypoint = z.string().regex(/^\/app\/[A-Za-z0-9_./-]+\.(tsx|jsx|ts|js)$/, 'must be a path from the project root such as /app/cards/Card.tsx');
const labelMap = z.record(z.string(), z.string());

/** Words inside `{{ }}` that name a value (helpers like #if and closing tags stripped). */
export function templateTokens(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    const inner = m[1]!.trim();
    if (inner === '' || inner === 'else' || inner.startsWith('/') || inner.startsWith('!')) continue;
    const words = inner.split(/\s+/);
    const name = inner.startsWith('#') ? words[1] : words[0];
    if (name) out.push(name);
  }
  return out;
}

// --- app -------------------------------------------------------------------------------------------

export const appConfigSchema = z
  .strictObject({
    name: text(200),
    description: text(8192),
    distribution: z.enum(['marketplace', 'private']),
    auth: z.strictObject({
      type: z.enum(['oauth', 'static']),
      redirectUrls: z.array(httpsUrl),
      requiredScopes: z.array(scope).min(1, 'must list at least one scope'),
      optionalScopes: z.array(scope),
      conditionallyRequiredScopes: z.array(scope),
    }),
    permittedUrls: z.strictObject({ fetch: z.array(httpsOrigin), iframe: z.array(httpsOrigin), img: z.array(httpsOrigin) }),
    support: z.strictObject({
      supportEmail: z.email('must be an e-mail address'),
      documentationUrl: httpsUrl,
      supportUrl: httpsUrl,
      supportPhone: z.string().optional(),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.distribution === 'marketplace' && c.auth.type !== 'oauth') {
      ctx.addIssue({ code: 'custom', path: ['auth', 'type'], message: 'a marketplace app must use oauth' });
    }
    if (c.auth.type === 'oauth' && c.auth.redirectUrls.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['auth', 'redirectUrls'], message: 'an oauth app needs at least one redirect URL' });
    }
    const seen = new Map<string, string>();
    for (const list of ['requiredScopes', 'optionalScopes', 'conditionallyRequiredScopes'] as const) {
      c.auth[list].forEach((s, i) => {
        const first = seen.get(s);
        if (first) ctx.addIssue({ code: 'custom', path: ['auth', list, i], message: `scope "${s}" is already listed in ${first}` });
        else seen.set(s, list);
      });
    }
  });

// --- card and settings ----------------------------------------------------------------------------

// Lower-case plural object names here (the workflow action uses upper-case singular ones).
const cardObjectType = z
  .string()
  .regex(/^(contacts|companies|deals|tickets|products|line_items|quotes|leads|orders|carts|invoices|p_[a-z0-9_]+)$/, 'must be a lower-case plural object type such as contacts');

export const cardConfigSchema = z.strictObject({
  name: text(200),
  description: z.string().max(8192).optional(),
  previewImage: z.strictObject({ file: z.string(), altText: z.string() }).optional(),
  location: z.enum(['crm.record.sidebar', 'crm.record.tab', 'crm.preview', 'helpdesk.sidebar']),
  entrypoint,
  objectTypes: z.array(cardObjectType).min(1, 'must list at least one object type'),
});

export const settingsConfigSchema = z.strictObject({ entrypoint });

// --- workflow action ------------------------------------------------------------------------------

export const FIELD_VALUE_TYPES = ['bool', 'date', 'datetime', 'enumeration', 'json', 'number', 'phone_number', 'string'] as const;
export const FIELD_TYPES = ['booleancheckbox', 'calculation_equation', 'checkbox', 'date', 'file', 'html', 'number', 'phonenumber', 'radio', 'select', 'text', 'textarea'] as const;

/** HubSpot's valid type → fieldType pairs (input fields mimic CRM properties). */
const FIELD_TYPES_FOR: Record<(typeof FIELD_VALUE_TYPES)[number], readonly (typeof FIELD_TYPES)[number][]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  number: ['number', 'calculation_equation'],
  string: ['text', 'textarea', 'file', 'html', 'phonenumber', 'calculation_equation'],
  phone_number: ['phonenumber'],
  json: ['text', 'textarea'],
};

const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'must start with a letter and hold only letters, digits and _');

const option = z.strictObject({
  value: z.string(),
  label: text(200),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
});

const typeDefinition = z
  .strictObject({
    name: fieldName,
    type: z.enum(FIELD_VALUE_TYPES),
    fieldType: z.enum(FIELD_TYPES).optional(),
    options: z.array(option),
    label: z.string().optional(),
    description: z.string().optional(),
    helpText: z.string().optional(),
    optionsUrl: httpsUrl.optional(),
    referencedObjectType: z.literal('OWNER').optional(),
  })
  .superRefine((t, ctx) => {
    if (t.fieldType && !FIELD_TYPES_FOR[t.type].includes(t.fieldType)) {
      ctx.addIssue({ code: 'custom', path: ['fieldType'], message: `a ${t.type} field cannot be shown as ${t.fieldType} (use ${FIELD_TYPES_FOR[t.type].join(', ')})` });
    }
    if (t.type === 'enumeration' && t.options.length === 0 && !t.optionsUrl && !t.referencedObjectType) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'an enumeration needs options (or an optionsUrl)' });
    }
    const values = t.options.map((o) => o.value);
    values.forEach((v, i) => {
      if (values.indexOf(v) !== i) ctx.addIssue({ code: 'custom', path: ['options', i, 'value'], message: `duplicate option "${v}"` });
    });
  });

const inputField = z.strictObject({
  typeDefinition,
  supportedValueTypes: z.array(z.enum(['STATIC_VALUE', 'OBJECT_PROPERTY'])).min(1).optional(),
  isRequired: z.boolean({ error: 'must be true or false' }),
});
const outputField = z.strictObject({ typeDefinition });

const actionLabels = z.strictObject({
  actionName: text(200),
  actionDescription: z.string().optional(),
  actionCardContent: z.string().optional(),
  appDisplayName: z.string().optional(),
  inputFieldLabels: labelMap.optional(),
  inputFieldDescriptions: labelMap.optional(),
  inputFieldOptionLabels: z.record(z.string(), labelMap).optional(),
  outputFieldLabels: labelMap.optional(),
  executionRules: labelMap.optional(),
});

const executionRule = z.strictObject({
  labelName: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a label name (letters, digits, _ . -)'),
  conditions: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
});

export const workflowActionConfigSchema = z
  .strictObject({
    actionUrl: httpsUrl,
    isPublished: z.boolean({ error: 'must be true or false' }),
    supportedClients: z.array(z.strictObject({ client: z.enum(['WORKFLOWS', 'AGENTS']) })).min(1).optional(),
    objectTypes: z.array(z.string().regex(/^([A-Z][A-Z_]*|\d+-\d+)$/, 'must be an upper-case object type such as CONTACT')).min(1),
    inputFields: z.array(inputField),
    outputFields: z.array(outputField).optional(),
    inputFieldDependencies: z.array(z.looseObject({ dependencyType: z.enum(['SINGLE_FIELD', 'CONDITIONAL_SINGLE_FIELD']) })).optional(),
    objectRequestOptions: z.strictObject({ properties: z.array(z.string().regex(/^[a-z0-9_]+$/, 'must be a property name')) }).optional(),
    labels: z.record(z.string().regex(/^[a-z]{2}(-[a-z]{2})?$/, 'must be a language code such as en'), actionLabels),
    executionRules: z.array(executionRule).optional(),
  })
  .superRefine((c, ctx) => {
    const en = c.labels.en;
    if (!en) {
      ctx.addIssue({ code: 'custom', path: ['labels', 'en'], message: 'English labels are required' });
      return;
    }
    const inputs = c.inputFields.map((f) => f.typeDefinition.name);
    const outputs = new Map((c.outputFields ?? []).map((f) => [f.typeDefinition.name, f.typeDefinition]));
    inputs.forEach((n, i) => {
      if (inputs.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['inputFields', i, 'typeDefinition', 'name'], message: `duplicate input field "${n}"` });
      if (!en.inputFieldLabels?.[n]) ctx.addIssue({ code: 'custom', path: ['labels', 'en', 'inputFieldLabels'], message: `input field "${n}" has no label` });
    });
    for (const [map, known, what] of [
      ['inputFieldLabels', new Set(inputs), 'input field'],
      ['inputFieldDescriptions', new Set(inputs), 'input field'],
      ['outputFieldLabels', new Set(outputs.keys()), 'output field'],
    ] as const) {
      for (const k of Object.keys(en[map] ?? {})) {
        if (!known.has(k)) ctx.addIssue({ code: 'custom', path: ['labels', 'en', map, k], message: `there is no ${what} "${k}"` });
      }
    }
    for (const n of outputs.keys()) {
      if (!en.outputFieldLabels?.[n]) ctx.addIssue({ code: 'custom', path: ['labels', 'en', 'outputFieldLabels'], message: `output field "${n}" has no label` });
    }
    for (const t of templateTokens(en.actionCardContent ?? '')) {
      if (!inputs.includes(t)) ctx.addIssue({ code: 'custom', path: ['labels', 'en', 'actionCardContent'], message: `{{${t}}} is not an input field` });
    }
    (c.executionRules ?? []).forEach((r, i) => {
      if (!en.executionRules?.[r.labelName]) {
        ctx.addIssue({ code: 'custom', path: ['executionRules', i, 'labelName'], message: `"${r.labelName}" has no message in labels.en.executionRules` });
      }
      for (const [field, want] of Object.entries(r.conditions)) {
        const out = outputs.get(field);
        if (!out) {
          ctx.addIssue({ code: 'custom', path: ['executionRules', i, 'conditions', field], message: `there is no output field "${field}"` });
          continue;
        }
        if (out.type !== 'enumeration') continue;
        for (const v of Array.isArray(want) ? want : [want]) {
          if (!out.options.some((o) => o.value === v)) {
            ctx.addIssue({ code: 'custom', path: ['executionRules', i, 'conditions', field], message: `"${v}" is not an option of output field "${field}"` });
          }
        }
      }
    });
  });

// --- webhooks -------------------------------------------------------------------------------------

const subscription = z.strictObject({
  subscriptionType: z.string().regex(/^[a-z_]+\.[A-Za-z_]+$/, 'must be a subscription type such as contact.deletion'),
  propertyName: z.string().optional(),
  active: z.boolean({ error: 'must be true or false' }),
});

export const webhooksConfigSchema = z
  .strictObject({
    settings: z.strictObject({
      targetUrl: httpsUrl,
      maxConcurrentRequests: z.number().int('must be a whole number').min(5, 'must be at least 5'),
    }),
    subscriptions: z.strictObject({
      crmObjects: z.array(z.looseObject({ subscriptionType: z.string(), objectType: z.string(), active: z.boolean() })).optional(),
      legacyCrmObjects: z.array(subscription).optional(),
      hubEvents: z.array(subscription).optional(),
    }),
  })
  .superRefine((c, ctx) => {
    const all = [...(c.subscriptions.crmObjects ?? []), ...(c.subscriptions.legacyCrmObjects ?? []), ...(c.subscriptions.hubEvents ?? [])];
    if (all.length === 0) ctx.addIssue({ code: 'custom', path: ['subscriptions'], message: 'subscribes to nothing' });
  });

// --- app events (timeline) ------------------------------------------------------------------------

const eventProperty = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must hold only letters, digits, _ . -'),
    label: text(200),
    type: z.enum(['string', 'number', 'enumeration', 'date']),
    options: z.array(z.strictObject({ value: z.string().min(1), label: text(200) })).optional(),
    objectPropertyName: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'enumeration' && !p.options?.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'an enumeration needs options' });
    if (p.type !== 'enumeration' && p.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'only an enumeration has options' });
  });

export const appEventConfigSchema = z
  .strictObject({
    name: text(200),
    objectType: z.enum(['CONTACT', 'COMPANY', 'DEAL', 'TICKET']),
    headerTemplate: text(1000).optional(),
    detailTemplate: z.string().max(10_000).optional(),
    properties: z.array(eventProperty),
  })
  .superRefine((c, ctx) => {
    const names = c.properties.map((p) => p.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['properties', i, 'name'], message: `duplicate property "${n}"` });
    });
    for (const key of ['headerTemplate', 'detailTemplate'] as const) {
      for (const t of templateTokens(c[key] ?? '')) {
        if (!names.includes(t)) ctx.addIssue({ code: 'custom', path: [key], message: `{{${t}}} is not one of the event's properties` });
      }
    }
  });

// --- components and folders -----------------------------------------------------------------------

/** Each component type, its folder under the project's srcDir, and how many a project may hold. */
export const COMPONENTS = {
  app: { dir: 'app', max: 1, config: appConfigSchema },
  card: { dir: 'app/cards', max: Infinity, config: cardConfigSchema },
  settings: { dir: 'app/settings', max: 1, config: settingsConfigSchema },
  'workflow-action': { dir: 'app/workflow-actions', max: Infinity, config: workflowActionConfigSchema },
  webhooks: { dir: 'app/webhooks', max: 1, config: webhooksConfigSchema },
  'app-event': { dir: 'app/app-events', max: Infinity, config: appEventConfigSchema },
} as const;
export type ComponentType = keyof typeof COMPONENTS;
const COMPONENT_TYPES = Object.keys(COMPONENTS) as ComponentType[];

/** Top-level keys HubSpot accepts in an hsmeta file on platform 2026.03 (`permissions` needs 2026.09). */
export const componentSchema = z.strictObject({
  uid,
  type: z.enum(COMPONENT_TYPES, { error: `must be one of ${COMPONENT_TYPES.join(', ')}` }),
  config: z.unknown(),
  dependencies: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
});

export interface ProjectProblem {
  /** Relative to the project's srcDir, with forward slashes. */
  file: string;
  /** Dotted path to the bad value inside the file ('' for the file itself). */
  path: string;
  message: string;
}

export const METAFILE_SUFFIX = '-hsmeta.json';

/** zod issues as problems; an unknown key is named by its own path. */
function toProblems(file: string, prefix: string[], issues: z.core.$ZodIssue[]): ProjectProblem[] {
  return issues.flatMap((i) => {
    const at = [...prefix, ...i.path.map(String)];
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ file, path: [...at, k].join('.'), message: 'unknown key: HubSpot ignores it (a typo?)' }));
    return [{ file, path: at.join('.'), message: i.message }];
  });
}

/** One hsmeta file's content (already JSON-parsed) against its type's schema. */
export function checkComponent(file: string, value: unknown): { problems: ProjectProblem[]; uid?: string; type?: ComponentType } {
  const top = componentSchema.safeParse(value);
  if (!top.success) {
    return { problems: toProblems(file, [], top.error.issues) };
  }
  const { type } = top.data;
  const problems: ProjectProblem[] = [];
  const expectedDir = COMPONENTS[type].dir;
  if (path.posix.dirname(file) !== expectedDir) {
    problems.push({ file, path: 'type', message: `a ${type} component must sit directly in ${expectedDir}/` });
  }
  const cfg = COMPONENTS[type].config.safeParse(top.data.config);
  if (!cfg.success) problems.push(...toProblems(file, ['config'], cfg.error.issues));
  return { problems, uid: top.data.uid, type };
}

function walk(dir: string, rel: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r, out);
    else if (e.isFile() && e.name.endsWith(METAFILE_SUFFIX)) out.push(r);
  }
}

/** Every `*-hsmeta.json` under `srcDir`, relative and sorted. */
export function findMetaFiles(srcDir: string): string[] {
  const out: string[] = [];
  walk(srcDir, '', out);
  return out.sort();
}

/**
 * Checks every hsmeta file under a project's srcDir: placement (HubSpot skips files not directly in
 * a component folder), JSON, the schema of its type, unique uids and how many of each type.
 */
export function checkProjectDir(srcDir: string): ProjectProblem[] {
  const problems: ProjectProblem[] = [];
  const uids = new Map<string, string>();
  const counts = new Map<ComponentType, string[]>();
  const allowedDirs = new Set<string>(Object.values(COMPONENTS).map((c) => c.dir));
  for (const file of findMetaFiles(srcDir)) {
    if (!allowedDirs.has(path.posix.dirname(file))) {
      problems.push({ file, path: '', message: `HubSpot skips this file: hsmeta files must sit directly in one of ${[...allowedDirs].join(', ')}` });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path.join(srcDir, file), 'utf8'));
    } catch (err) {
      problems.push({ file, path: '', message: `not valid JSON (${(err as Error).message})` });
      continue;
    }
    const r = checkComponent(file, value);
    problems.push(...r.problems);
    if (r.uid) {
      const other = uids.get(r.uid);
      if (other) problems.push({ file, path: 'uid', message: `uid "${r.uid}" is already used by ${other}` });
      else uids.set(r.uid, file);
    }
    if (r.type) counts.set(r.type, [...(counts.get(r.type) ?? []), file]);
  }
  for (const t of COMPONENT_TYPES) {
    const files = counts.get(t) ?? [];
    if (files.length > COMPONENTS[t].max) {
      for (const f of files.slice(COMPONENTS[t].max)) problems.push({ file: f, path: 'type', message: `a project holds at most ${COMPONENTS[t].max} ${t} component` });
    }
  }
  if (!counts.get('app')?.length) problems.push({ file: 'app/app-hsmeta.json', path: '', message: 'the project has no app component' });
  return problems;
}
