// Checking property values written to contacts the way HubSpot does: every name must be a property
// of the portal (the app has to create its own first), read-only ones cannot be set, and values
// must fit the property's type (numbers, booleans, enumeration options, dates). "" always clears.
// Also the shape of a contact in API answers.
import { DEFAULT_RETURNED } from './default-properties.ts';
import type { PropertyDef } from './default-properties.ts';
import type { Contact, Portal } from './state.ts';

export interface ValueProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
  portalId: number;
}

const problem = (portalId: number, name: string, error: string, message: string): ValueProblem => ({
  isValid: false,
  message,
  error,
  name,
  localizedErrorMessage: message,
  portalId,
});

function isDateValue(v: string): boolean {
  if (/^\d{1,16}$/.test(v)) return true;
  return /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v));
}

function checkValue(portalId: number, def: PropertyDef, value: string): ValueProblem | null {
  if (value === '') return null;
  const allowed = () => def.options.map((o) => o.value);
  switch (def.type) {
    case 'number':
      return Number.isFinite(Number(value)) && value.trim() !== '' ? null : problem(portalId, def.name, 'INVALID_NUMBER', `${JSON.stringify(value)} is not a valid number.`);
    case 'bool': {
      const ok = ['true', 'false'].includes(value.toLowerCase());
      return ok ? null : problem(portalId, def.name, 'INVALID_BOOLEAN', `${JSON.stringify(value)} is not a valid boolean: use true or false.`);
    }
    case 'date':
    case 'datetime':
      return isDateValue(value) ? null : problem(portalId, def.name, 'INVALID_DATE', `${JSON.stringify(value)} is not a valid date (ISO-8601 or epoch milliseconds).`);
    case 'enumeration': {
      if (!def.options.length) return null;
      const values = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = values.filter((v) => !allowed().includes(v));
      return bad.length
        ? problem(portalId, def.name, 'INVALID_OPTION', `${JSON.stringify(bad[0])} was not one of the allowed options: [${allowed().join(', ')}]`)
        : null;
    }
    default:
      return value.length > 65_536 ? problem(portalId, def.name, 'INVALID_VALUE', `Property "${def.name}" exceeds 65536 characters.`) : null;
  }
}

/**
 * The problems with a set of property values (empty when all are fine) and the values as strings
 * (HubSpot accepts JSON numbers and booleans and stores their text).
 */
export function checkValues(portal: Portal, raw: Record<string, unknown>): { problems: ValueProblem[]; values: Record<string, string> } {
  const problems: ValueProblem[] = [];
  const values: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw)) {
    const def = portal.properties.get(name);
    if (!def) {
      problems.push(problem(portal.id, name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
      continue;
    }
    if (def.readOnlyValue) {
      problems.push(problem(portal.id, name, 'READ_ONLY_VALUE', `Property "${name}" is a read only property; its value cannot be set.`));
      continue;
    }
    if (v !== null && typeof v === 'object') {
      problems.push(problem(portal.id, name, 'INVALID_VALUE', `Property "${name}" must be a string, number or boolean.`));
      continue;
    }
    const text = v === null || v === undefined ? '' : String(v);
    const p = checkValue(portal.id, def, text);
    if (p) problems.push(p);
    else values[name] = text;
  }
  return { problems, values };
}

export const problemsMessage = (problems: ValueProblem[]) => `Property values were not valid: ${JSON.stringify(problems)}`;

/** Properties always present in an answer, whatever was asked. */
const ALWAYS = ['createdate', 'hs_object_id', 'lastmodifieddate'];

/** Which properties an answer carries: those asked for (known to the portal) plus the always-present ones. */
export function selectedProperties(portal: Portal, asked: string[] | undefined): string[] {
  if (!asked || asked.length === 0) return DEFAULT_RETURNED;
  return [...new Set([...asked.filter((n) => portal.properties.has(n)), ...ALWAYS])];
}

/** A contact as the v3 object APIs answer it; asked-for properties without a value are null. */
export function contactView(contact: Contact, names: string[]) {
  const properties: Record<string, string | null> = {};
  for (const n of names) properties[n] = contact.properties[n] ?? null;
  return { id: contact.id, properties, createdAt: contact.createdAt, updatedAt: contact.updatedAt, archived: false };
}

/** `properties` given as a query parameter: "a,b" or repeated. */
export function queryList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  return items.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** A path parameter as one string (express types allow arrays for wildcards). */
export const pathParam = (params: Record<string, string | string[] | undefined>, name: string): string => {
  const v = params[name];
  return Array.isArray(v) ? v.join('/') : (v ?? '');
};
