// The contact properties and property groups every HubSpot portal starts with (the subset Cascade
// and its tests meet), in the shape GET /crm/v3/properties/contacts answers.

export interface PropertyOption {
  label: string;
  value: string;
  description?: string;
  displayOrder?: number;
  hidden: boolean;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  hubspotDefined?: boolean;
  /** Values the API refuses to set (hs_object_id, createdate, ...). */
  readOnlyValue: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface PropertyGroupDef {
  name: string;
  label: string;
  displayOrder: number;
}

export const DEFAULT_GROUPS: readonly PropertyGroupDef[] = [
  { name: 'contactinformation', label: 'Contact information', displayOrder: 0 },
  { name: 'emailinformation', label: 'Email information', displayOrder: 1 },
  { name: 'sales_properties', label: 'Sales properties', displayOrder: 2 },
];

const opt = (value: string, label: string, i: number): PropertyOption => ({ label, value, displayOrder: i, hidden: false });

const LIFECYCLE = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
].map(([v, l], i) => opt(v as string, l as string, i));

const LEAD_STATUS = [
  ['NEW', 'New'],
  ['OPEN', 'Open'],
  ['IN_PROGRESS', 'In Progress'],
  ['OPEN_DEAL', 'Open Deal'],
  ['UNQUALIFIED', 'Unqualified'],
  ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
  ['CONNECTED', 'Connected'],
  ['BAD_TIMING', 'Bad Timing'],
].map(([v, l], i) => opt(v as string, l as string, i));

const BOOL_OPTIONS = [opt('true', 'Yes', 0), opt('false', 'No', 1)];

type Seed = [name: string, label: string, type: string, fieldType: string, group: string, extra?: Partial<PropertyDef>];

const SEEDS: Seed[] = [
  ['email', 'Email', 'string', 'text', 'contactinformation', { hasUniqueValue: false }],
  ['firstname', 'First Name', 'string', 'text', 'contactinformation'],
  ['lastname', 'Last Name', 'string', 'text', 'contactinformation'],
  ['company', 'Company Name', 'string', 'text', 'contactinformation'],
  ['website', 'Website URL', 'string', 'text', 'contactinformation'],
  ['jobtitle', 'Job Title', 'string', 'text', 'contactinformation'],
  ['phone', 'Phone Number', 'string', 'phonenumber', 'contactinformation'],
  ['mobilephone', 'Mobile Phone Number', 'string', 'phonenumber', 'contactinformation'],
  ['address', 'Street Address', 'string', 'text', 'contactinformation'],
  ['city', 'City', 'string', 'text', 'contactinformation'],
  ['state', 'State/Region', 'string', 'text', 'contactinformation'],
  ['zip', 'Postal Code', 'string', 'text', 'contactinformation'],
  ['country', 'Country/Region', 'string', 'text', 'contactinformation'],
  ['industry', 'Industry', 'string', 'text', 'contactinformation'],
  ['annualrevenue', 'Annual Revenue', 'string', 'text', 'contactinformation'],
  ['numemployees', 'Number of Employees', 'string', 'text', 'contactinformation'],
  ['work_email', 'Work email', 'string', 'text', 'contactinformation'],
  ['hs_linkedin_url', 'LinkedIn URL', 'string', 'text', 'contactinformation'],
  ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', 'contactinformation', { options: LIFECYCLE }],
  ['hs_lead_status', 'Lead Status', 'enumeration', 'radio', 'sales_properties', { options: LEAD_STATUS }],
  ['hs_email_optout', 'Unsubscribed from all email', 'bool', 'booleancheckbox', 'emailinformation', { options: BOOL_OPTIONS }],
  ['hs_object_id', 'Record ID', 'number', 'number', 'contactinformation', { readOnlyValue: true }],
  ['createdate', 'Create Date', 'datetime', 'date', 'contactinformation', { readOnlyValue: true }],
  ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'contactinformation', { readOnlyValue: true }],
];

export function defaultProperties(now: string): PropertyDef[] {
  return SEEDS.map(([name, label, type, fieldType, groupName, extra], i) => ({
    name,
    label,
    type,
    fieldType,
    groupName,
    description: '',
    options: [],
    displayOrder: i,
    hasUniqueValue: false,
    hidden: false,
    formField: !extra?.readOnlyValue,
    hubspotDefined: true,
    readOnlyValue: false,
    createdAt: now,
    updatedAt: now,
    ...extra,
  }));
}

/** Properties a search or read returns when the request names none (HubSpot's contact defaults). */
export const DEFAULT_RETURNED = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];

/** Properties a free-text search `query` looks in. */
export const QUERY_SEARCHED = ['email', 'firstname', 'lastname', 'phone', 'company', 'website'];
