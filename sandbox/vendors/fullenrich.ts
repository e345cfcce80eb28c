// FullEnrich simulator (https://app.fullenrich.com/api/v2), faithful to what Cascade depends on
// (VENDORS.md "FullEnrich", the vendor's OpenAPI file, docs.fullenrich.com):
// - auth by `Authorization: Bearer <key>`; 401 with FullEnrich's three codes (not set, not bearer,
//   unknown key);
// - POST /api/v2/contact/enrich/bulk validates like FullEnrich (its `error.enrichment.*` codes),
//   refuses more than 100 contacts, answers `{"enrichment_id"}`, runs the enrichment for
//   `callbackDelayMs`, then POSTs the result to `webhook_url` (real HTTP) signed with
//   `X-Signature-SHA1` = hex HMAC-SHA1 of the body keyed with the API key; a delivery answered with
//   a non-2xx status is retried every `callbackRetryMs` (FullEnrich: every minute, 5 times). Test
//   switches drop the callback, send it twice, or send it late;
// - GET /api/v2/contact/enrich/bulk/{id}: IN_PROGRESS (or the documented 400 in_progress) until the
//   enrichment is done, then FINISHED with the data; `forceResults=true` answers what is known so far;
//   CREDITS_INSUFFICIENT (answered 402 with the body) when the key's balance ran out midway;
// - 60 requests per minute per key over all endpoints, clock-aligned; 429 `{"code":
//   "error.rate.limit", "message": "Too many requests. Try again in 1m"}` with no headers;
// - billing: charged once per enrichment when it finishes, per contact found: 1 credit for a
//   DELIVERABLE / HIGH_PROBABILITY / CATCH_ALL work e-mail, 10 for a phone; nothing for a miss or an
//   INVALID address; never again on repeated GETs or duplicate callbacks. A contact enriched again
//   after an earlier enrichment of it finished comes from history, free (FullEnrich's deduplication);
//   in the same batch or while the first one still runs, it is charged again, as FullEnrich does;
// - GET /api/v2/account/keys/verify and /api/v2/account/credits (free), faults, latency and the
//   /__sandbox/* admin routes, plus /__sandbox/enrichments and /__sandbox/callbacks.
//
// Data comes from world.ts: FullEnrich "knows" a stable, seeded share of the world's people
// (`coverage`) and finds a mobile phone for a share of those (`phoneCoverage`).
import { createHmac } from 'node:crypto';
import type express from 'express';
import type { Request, Response } from 'express';
import { personByName, unit, vendorKnows } from '../world.ts';
import type { WorldCompany, WorldPerson } from '../world.ts';
import {
  adminRoutes,
  arrivedAt,
  createSimState,
  domainForCompanyName,
  faultAndLatency,
  lc,
  listen,
  nonEmpty as str,
  parserErrors,
  sha256Hex,
  simApp,
  simDomain,
  simLinkedin,
} from './common.ts';
import type { RateWindowSpec, RunningServer, SimOptions, SimState } from './common.ts';

/** How the simulator delivers the webhook of an enrichment (fixed when the enrichment is created). */
export type CallbackMode = 'normal' | 'drop' | 'duplicate' | 'late';

export interface FullenrichSimOptions extends SimOptions {
  /** Share of the world's people FullEnrich finds (default 0.7). */
  coverage?: number;
  /** Share of the people found for whom it also finds a mobile phone (default 0.4). */
  phoneCoverage?: number;
  /** Requests per window and key, all endpoints together (default 60, FullEnrich's default). */
  rateLimit?: number;
  /** Window length in ms (default 60 000; clock-aligned). Tests shrink it instead of waiting. */
  windowMs?: number;
  /** How long an enrichment runs before it is FINISHED (default 300 ms; the real one takes 30–90 s per contact). */
  callbackDelayMs?: number;
  callbackMode?: CallbackMode;
  /** For 'late': how long after the enrichment finished the callback goes out (default 1 000 ms). */
  lateCallbackMs?: number;
  /** For 'duplicate': the gap between the two deliveries (default 50 ms). */
  duplicateGapMs?: number;
  /** Redelivery delay after a non-2xx answer from the webhook (default 60 000 ms, as FullEnrich). */
  callbackRetryMs?: number;
  /** Redeliveries after the first failed one (default 5, as FullEnrich). */
  callbackRetries?: number;
  /** Starting credit balance per key (keys not listed: `defaultCredits`). */
  credits?: Record<string, number>;
  /** Balance of keys not in `credits` (default 1,000,000). */
  defaultCredits?: number;
  /** Valid keys with a zero balance. */
  exhaustedKeys?: string[];
  /**
   * Refuse a submission outright (402) when the key has no credits. Unconfirmed for FullEnrich; by
   * default the submission is accepted and the enrichment ends CREDITS_INSUFFICIENT.
   */
  rejectSubmitWithoutCredits?: boolean;
  /** What GET answers while an enrichment runs: 200 with status IN_PROGRESS (default) or 400 in_progress. */
  pendingForm?: 'status' | 'error';
  /** Free re-enrichment of a contact whose earlier enrichment finished (default true, as FullEnrich). */
  dedupRepeats?: boolean;
}

export interface SimContact {
  input: Record<string, string>;
  custom: Record<string, string> | null;
  enrichFields: string[];
  lookupKey: string;
}

export interface SimEnrichment {
  id: string;
  key: string;
  name: string;
  webhookUrl: string | null;
  createdAt: number;
  readyAt: number;
  callbackMode: CallbackMode;
  contacts: SimContact[];
  status: 'IN_PROGRESS' | 'FINISHED' | 'CREDITS_INSUFFICIENT' | 'CANCELED';
  /** Records and cost, fixed (and billed) once when the enrichment finishes. */
  records: Record<string, unknown>[] | null;
  credits: number;
}

export interface CallbackRecord {
  enrichmentId: string;
  attempt: number;
  duplicate: boolean;
  /** HTTP status the webhook answered, 0 when it could not be reached. */
  status: number;
  at: number;
}

export interface FullenrichSimState extends SimState {
  validKeys: Set<string>;
  balances: Map<string, number>;
  coverage: number;
  phoneCoverage: number;
  rateLimit: number;
  windowMs: number;
  callbackDelayMs: number;
  callbackMode: CallbackMode;
  lateCallbackMs: number;
  duplicateGapMs: number;
  callbackRetryMs: number;
  callbackRetries: number;
  rejectSubmitWithoutCredits: boolean;
  pendingForm: 'status' | 'error';
  dedupRepeats: boolean;
  enrichments: Map<string, SimEnrichment>;
  callbacks: CallbackRecord[];
}

export interface FullenrichSim {
  app: express.Express;
  state: FullenrichSimState;
  /** Listens on 127.0.0.1 (port 0 = any free port); the client base URL is `${url}/api/v2`. */
  start(port?: number): Promise<RunningServer>;
}

export const FULLENRICH_SIM_MAX_BULK = 100;
export const SIGNATURE_HEADER = 'X-Signature-SHA1';
const ENRICH_FIELDS = ['contact.work_emails', 'contact.phones', 'contact.personal_emails'] as const;
const CREDITS = { email: 1, personalEmail: 3, phone: 10 } as const;
const BILLED_EMAIL_STATUSES = new Set(['DELIVERABLE', 'HIGH_PROBABILITY', 'CATCH_ALL']);

/** The billing key of a contact, in the adapter's canonical spelling (domain wins over company_name). */
export function fullenrichSimLookupKey(input: Record<string, string>): string {
  const parts: string[] = [];
  const { first_name: f, last_name: l, domain, company_name: company, linkedin_url: li } = input;
  if (f && l && (domain || company)) {
    parts.push(`name:${lc(f)}|${lc(l)}|${domain ? simDomain(domain) : `company:${lc(company!)}`}`);
  }
  if (li) parts.push(`linkedin:${simLinkedin(li) ?? lc(li)}`);
  return parts.join('|');
}

/** A version-4-shaped UUID, as FullEnrich's ids are. */
const uuidOf = (...parts: string[]) => {
  const h = sha256Hex(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const COUNTRY_CODES: Record<string, string> = {
  'United States': 'US',
  'United Kingdom': 'GB',
  Germany: 'DE',
  Canada: 'CA',
  France: 'FR',
};

function headcountRange(n: number): string {
  const ranges: [number, string][] = [[10, '1-10'], [50, '11-50'], [200, '51-200'], [500, '201-500'],
    [1000, '501-1000'], [5000, '1001-5000'], [10000, '5001-10000']];
  return ranges.find(([max]) => n <= max)?.[1] ?? '10001+';
}

function companyBody(c: WorldCompany): Record<string, unknown> {
  const handle = c.linkedinUrl.split('/').pop() ?? '';
  return {
    id: uuidOf('fe-company', c.domain),
    name: c.name,
    domain: c.domain,
    website: `https://www.${c.domain}`,
    description: `${c.name}, ${c.industry}`,
    year_founded: 1990 + Math.floor(unit('fe-founded', c.domain) * 34),
    headcount: c.employees,
    headcount_range: headcountRange(c.employees),
    company_type: 'Privately Held',
    specialties: [c.industry],
    locations: {
      headquarters: { city: c.city, region: c.state, country: c.country, country_code: COUNTRY_CODES[c.country] ?? null },
      offices: [],
    },
    industry: { main_industry: c.industry.replace(/(^|\s)([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()) },
    social_profiles: { professional_network: { url: c.linkedinUrl, handle, connection_count: c.employees * 7 } },
    logo_url: `https://app.fullenrich.com/logo/company/handle/${handle}`,
  };
}

function profileBody(p: WorldPerson): Record<string, unknown> {
  const job = {
    title: p.title,
    seniority: p.seniority,
    is_current: true,
    start_at: `${2015 + Math.floor(unit('fe-start', p.email) * 9)}-03-01T00:00:00Z`,
    company: companyBody(p.company),
  };
  return {
    id: uuidOf('fe-person', p.email),
    full_name: `${p.firstName} ${p.lastName}`,
    first_name: p.firstName,
    last_name: p.lastName,
    headline: `${p.title} at ${p.company.name}`,
    location: { country: p.country, country_code: COUNTRY_CODES[p.country] ?? null, city: p.city, region: p.state },
    social_profiles: {
      professional_network: {
        id: Math.floor(unit('fe-li-id', p.email) * 1e9),
        url: p.linkedinUrl,
        handle: p.linkedinUrl.split('/').pop(),
        connection_count: Math.floor(unit('fe-conn', p.email) * 2000),
      },
    },
    educations: [],
    languages: [{ language: 'English', proficiency: 'PROFESSIONAL_WORKING' }],
    skills: [],
    employment: { current: job, all: [job] },
  };
}

/** FullEnrich's status for a world mailbox, or null when it finds no work address. */
function emailStatusFor(p: WorldPerson): string | null {
  switch (p.mailbox) {
    case 'valid':
      return 'DELIVERABLE';
    case 'accept_all':
      return unit('fe-catchall', p.email) < 0.5 ? 'HIGH_PROBABILITY' : 'CATCH_ALL';
    case 'unknown':
      return 'HIGH_PROBABILITY';
    case 'invalid':
      return 'INVALID';
    default:
      return null;
  }
}

/** "+1 415 555 0123" → "+1 415-555-0123", FullEnrich's spelling. */
const phoneBody = (raw: string) => raw.replace(/^(\+\d+) (\d{3}) (\d{3}) (\d{4})$/, '$1 $2-$3-$4');

type Found = { contactInfo: Record<string, unknown>; profile: Record<string, unknown> | null; credits: number };

function errorBody(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ code, message });
}

export function createFullenrichSim(opts: FullenrichSimOptions): FullenrichSim {
  const base = createSimState('fullenrich', opts);
  const defaultCredits = opts.defaultCredits ?? 1_000_000;
  const balances = new Map<string, number>();
  for (const k of opts.validKeys) balances.set(k, opts.credits?.[k] ?? defaultCredits);
  for (const k of opts.exhaustedKeys ?? []) balances.set(k, 0);
  const state: FullenrichSimState = Object.assign(base, {
    validKeys: new Set([...opts.validKeys, ...(opts.exhaustedKeys ?? [])]),
    balances,
    coverage: opts.coverage ?? 0.7,
    phoneCoverage: opts.phoneCoverage ?? 0.4,
    rateLimit: opts.rateLimit ?? 60,
    windowMs: opts.windowMs ?? 60_000,
    callbackDelayMs: opts.callbackDelayMs ?? 300,
    callbackMode: opts.callbackMode ?? ('normal' as CallbackMode),
    lateCallbackMs: opts.lateCallbackMs ?? 1_000,
    duplicateGapMs: opts.duplicateGapMs ?? 50,
    callbackRetryMs: opts.callbackRetryMs ?? 60_000,
    callbackRetries: opts.callbackRetries ?? 5,
    rejectSubmitWithoutCredits: opts.rejectSubmitWithoutCredits ?? false,
    pendingForm: opts.pendingForm ?? ('status' as const),
    dedupRepeats: opts.dedupRepeats ?? true,
    enrichments: new Map<string, SimEnrichment>(),
    callbacks: [] as CallbackRecord[],
  });
  /** People found so far, by LinkedIn URL (a LinkedIn-only contact cannot be inverted to a domain). */
  const seenByLinkedin = new Map<string, WorldPerson>();
  /** When each (key, contact) was first enriched to the end: later repeats come from history. */
  const enrichedAt = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, Math.max(0, ms));
    t.unref();
    timers.add(t);
  };

  const keyOf = (req: Request): string | null => {
    const h = req.get('authorization');
    const m = h ? /^bearer\s+(.+)$/i.exec(h.trim()) : null;
    return m?.[1]?.trim() || null;
  };

  /** Auth then the rate window; returns the key when the request may proceed. */
  function admit(req: Request, res: Response): string | null {
    const h = req.get('authorization');
    if (!h || !h.trim()) {
      errorBody(res, 401, 'error.authorization.not_set', 'Authorization headers not set');
      return null;
    }
    const key = keyOf(req);
    if (!key) {
      errorBody(res, 401, 'error.authorization.not_bearer', "Authorization headers do not have prefix 'bearer'");
      return null;
    }
    if (!state.validKeys.has(key)) {
      errorBody(res, 401, 'error.api.key', 'Unknown api key');
      return null;
    }
    const windows: RateWindowSpec[] = [{ name: 'minute', limit: state.rateLimit, windowMs: state.windowMs }];
    const verdict = state.windows.check(`api#${uuidOf('key', key)}`, windows, arrivedAt(res));
    if (!verdict.ok) {
      state.limitSignals++;
      errorBody(res, 429, 'error.rate.limit', 'Too many requests. Try again in 1m');
      return null;
    }
    return key;
  }

  function resolve(input: Record<string, string>): WorldPerson | null {
    let p: WorldPerson | null = null;
    if (input.first_name && input.last_name) {
      const domain = input.domain ? simDomain(input.domain) : input.company_name ? domainForCompanyName(input.company_name) : undefined;
      if (domain) p = personByName(input.first_name, input.last_name, domain);
    }
    if (!p && input.linkedin_url) {
      const li = simLinkedin(input.linkedin_url);
      p = li ? (seenByLinkedin.get(li) ?? null) : null;
    }
    return p && vendorKnows('fullenrich', p.email, state.coverage) ? p : null;
  }

  /** What FullEnrich finds for one contact, and what it costs by FullEnrich's rates. */
  function find(c: SimContact): Found {
    const p = resolve(c.input);
    if (!p) return { contactInfo: {}, profile: null, credits: 0 };
    const li = simLinkedin(p.linkedinUrl);
    if (li) seenByLinkedin.set(li, p);
    const ci: Record<string, unknown> = {};
    let credits = 0;
    if (c.enrichFields.includes('contact.work_emails')) {
      const status = emailStatusFor(p);
      if (status && BILLED_EMAIL_STATUSES.has(status)) {
        ci.most_probable_work_email = { email: p.email, status };
        ci.work_emails = [{ email: p.email, status }];
        credits += CREDITS.email;
      } else if (status) {
        // An address that bounces is listed, not "most probable", and not billed.
        ci.work_emails = [{ email: p.email, status }];
      }
    }
    if (c.enrichFields.includes('contact.phones') && vendorKnows('fullenrich-phone', p.email, state.phoneCoverage)) {
      const phone = { number: phoneBody(p.phone), region: 'US' };
      ci.most_probable_phone = phone;
      ci.phones = [phone];
      credits += CREDITS.phone;
    }
    if (c.enrichFields.includes('contact.personal_emails') && unit('fe-personal', p.email) < 0.2) {
      const personal = { email: `${p.firstName.toLowerCase()}${p.lastName.toLowerCase().replace(/[^a-z]/g, '')}@gmail.example`, status: 'DELIVERABLE' };
      ci.most_probable_personal_email = personal;
      ci.personal_emails = [personal];
      credits += CREDITS.personalEmail;
    }
    return { contactInfo: ci, profile: c.input.linkedin_url ? profileBody(p) : null, credits };
  }

  function echo(c: SimContact): Record<string, unknown> {
    const i = c.input;
    const input: Record<string, string> = {};
    if (i.first_name) input.first_name = i.first_name;
    if (i.last_name) input.last_name = i.last_name;
    if (i.first_name && i.last_name) input.full_name = `${i.first_name} ${i.last_name}`;
    if (i.domain) input.company_domain = i.domain;
    if (i.company_name) input.company_name = i.company_name;
    if (i.linkedin_url) input.professional_network_url = i.linkedin_url;
    return input;
  }

  /**
   * Runs the enrichment to its end, once: finds every contact, bills what was found (unless it is a
   * repeat served from history), stops at the first contact the balance cannot pay for.
   */
  function finalize(e: SimEnrichment, canceled = false): void {
    if (e.records) return;
    const records: Record<string, unknown>[] = [];
    let total = 0;
    let stopped = canceled;
    for (const c of e.contacts) {
      const record: Record<string, unknown> = { input: echo(c), custom: c.custom ?? {}, contact_info: {} };
      records.push(record);
      if (stopped) continue;
      const found = find(c);
      const historyKey = `${e.key}|${c.lookupKey}`;
      const firstDone = enrichedAt.get(historyKey);
      const fromHistory = state.dedupRepeats && firstDone !== undefined && firstDone <= e.createdAt;
      const credits = fromHistory ? 0 : found.credits;
      const balance = state.balances.get(e.key) ?? 0;
      if (credits > balance) {
        stopped = true;
        e.status = 'CREDITS_INSUFFICIENT';
        continue;
      }
      record.contact_info = found.contactInfo;
      if (found.profile) record.profile = found.profile;
      if (credits > 0) {
        state.balances.set(e.key, balance - credits);
        state.billing.charge(e.key, 'contact_enrich', c.lookupKey, credits);
        total += credits;
      } else if (fromHistory && found.credits > 0) {
        state.billing.freeRepeats++;
      }
    }
    const now = Date.now();
    for (const c of e.contacts) {
      const k = `${e.key}|${c.lookupKey}`;
      if (!enrichedAt.has(k)) enrichedAt.set(k, now);
    }
    if (canceled) e.status = 'CANCELED';
    else if (e.status === 'IN_PROGRESS') e.status = 'FINISHED';
    e.records = records;
    e.credits = total;
  }

  function enrichmentBody(e: SimEnrichment, forceResults = false): Record<string, unknown> {
    const body: Record<string, unknown> = { id: e.id, name: e.name, status: e.status };
    if (e.records) body.data = e.records;
    else if (forceResults) body.data = e.contacts.map((c) => ({ input: echo(c), custom: c.custom ?? {}, contact_info: {} }));
    body.cost = { credits: e.records ? e.credits : 0 };
    return body;
  }

  async function deliver(e: SimEnrichment, attempt: number, duplicate: boolean): Promise<void> {
    if (!e.webhookUrl) return;
    const body = JSON.stringify(enrichmentBody(e));
    const signature = createHmac('sha1', e.key).update(body, 'utf8').digest('hex');
    let status: number;
    try {
      const r = await fetch(e.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, 'user-agent': 'FullEnrich-Webhook (simulator)' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      status = r.status;
      await r.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    }
    state.callbacks.push({ enrichmentId: e.id, attempt, duplicate, status, at: Date.now() });
    if ((status < 200 || status > 299) && attempt <= state.callbackRetries) {
      later(state.callbackRetryMs, () => void deliver(e, attempt + 1, duplicate));
    }
  }

  /** The enrichment is done (or canceled): FullEnrich now POSTs it to the webhook, per the mode. */
  function finish(e: SimEnrichment, canceled = false): void {
    finalize(e, canceled);
    switch (e.callbackMode) {
      case 'drop':
        return;
      case 'late':
        later(state.lateCallbackMs, () => void deliver(e, 1, false));
        return;
      case 'duplicate':
        void deliver(e, 1, false).then(() => later(state.duplicateGapMs, () => void deliver(e, 1, true)));
        return;
      default:
        void deliver(e, 1, false);
    }
  }

  /** FullEnrich's validation of a submission; returns the contacts or answers 400. */
  function validate(body: Record<string, unknown>, res: Response): SimContact[] | null {
    const bad = (code: string, message: string) => {
      errorBody(res, 400, code, message);
      return null;
    };
    if (!str(body.name)) return bad('error.enrichment.name.empty', 'Enrichment name not set');
    if (body.webhook_url !== undefined && body.webhook_url !== null && body.webhook_url !== '') {
      if (typeof body.webhook_url !== 'string' || !/^https?:\/\//i.test(body.webhook_url)) {
        return bad('error.enrichment.webhook_url', 'Webhook URL must be start with http or https');
      }
    }
    const data = body.data;
    if (!Array.isArray(data) || data.length === 0) return bad('error.enrichment.data.empty', 'Data is empty');
    if (data.length > FULLENRICH_SIM_MAX_BULK) {
      // FullEnrich documents the 100-contact cap but not its error code: this one is the simulator's.
      return bad('error.enrichment.data.too_many', `Data contains too many contacts (max: ${FULLENRICH_SIM_MAX_BULK}, got ${data.length})`);
    }
    const contacts: SimContact[] = [];
    for (const raw of data) {
      const d = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
      const input: Record<string, string> = {};
      for (const k of ['first_name', 'last_name', 'domain', 'company_name', 'linkedin_url'] as const) {
        const v = str(d[k]);
        if (v) input[k] = v.trim();
      }
      if (!input.linkedin_url) {
        if (!input.first_name) return bad('error.enrichment.first_name.empty', 'First name cannot be empty');
        if (!input.last_name) return bad('error.enrichment.last_name.empty', 'Last name cannot be empty');
        if (!input.domain && !input.company_name) return bad('error.enrichment.domain.empty', 'Domain cannot be empty');
      }
      const fields = Array.isArray(d.enrich_fields) ? d.enrich_fields : [];
      if (fields.length === 0) return bad('error.enrichment.enrich_fields.empty', 'enrichFields cannot be empty');
      for (const f of fields) {
        if (typeof f !== 'string' || !(ENRICH_FIELDS as readonly string[]).includes(f)) {
          return bad(
            'error.enrichment.enrich_field.value',
            `enrichField '${String(f).slice(0, 40)}' not valid must be contact.work_emails or contact.phones or contact.personal_emails`,
          );
        }
      }
      let custom: Record<string, string> | null = null;
      if (d.custom !== undefined && d.custom !== null) {
        if (typeof d.custom !== 'object' || Array.isArray(d.custom)) {
          return bad('error.enrichment.custom.type', 'Custom field must be an object');
        }
        const entries = Object.entries(d.custom as Record<string, unknown>);
        if (entries.length > 10) return bad('error.enrichment.custom.key.exceeded', 'Custom field contains too many keys (max: 10 keys)');
        for (const [, v] of entries) {
          // "The custom value should be a cast as a string (number will return an error)": code is the simulator's.
          if (typeof v !== 'string') return bad('error.enrichment.custom.value.type', 'Custom field values must be strings');
          if (v.length > 100) return bad('error.enrichment.custom.value.exceeded', 'Custom field value max len exceeded (max: 100 character)');
        }
        custom = Object.fromEntries(entries) as Record<string, string>;
      }
      contacts.push({ input, custom, enrichFields: fields as string[], lookupKey: fullenrichSimLookupKey(input) });
    }
    return contacts;
  }

  const app = simApp({ jsonLimit: '2mb' });
  app.use(adminRoutes(state));

  app.get('/__sandbox/enrichments', (_req, res) => {
    res.json(
      [...state.enrichments.values()].map((e) => ({
        id: e.id,
        status: e.status,
        contacts: e.contacts.length,
        credits: e.credits,
        callbackMode: e.callbackMode,
        callbacks: state.callbacks.filter((c) => c.enrichmentId === e.id).length,
      })),
    );
  });
  app.get('/__sandbox/callbacks', (_req, res) => {
    res.json(state.callbacks);
  });
  app.post('/__sandbox/callbacks', (req, res) => {
    const b = (req.body ?? {}) as Partial<Record<'mode' | 'delayMs' | 'lateMs' | 'retryMs', unknown>>;
    if (b.mode === 'normal' || b.mode === 'drop' || b.mode === 'duplicate' || b.mode === 'late') state.callbackMode = b.mode;
    if (typeof b.delayMs === 'number') state.callbackDelayMs = b.delayMs;
    if (typeof b.lateMs === 'number') state.lateCallbackMs = b.lateMs;
    if (typeof b.retryMs === 'number') state.callbackRetryMs = b.retryMs;
    res.json({ mode: state.callbackMode, delayMs: state.callbackDelayMs, lateMs: state.lateCallbackMs, retryMs: state.callbackRetryMs });
  });
  app.post('/__sandbox/enrichments/:id/cancel', (req, res) => {
    const e = state.enrichments.get(req.params.id);
    if (!e) return errorBody(res, 404, 'error.enrichment.not_found', 'Enrichment ID not found');
    if (!e.records) finish(e, true);
    res.json({ id: e.id, status: e.status });
  });

  app.use(faultAndLatency(state, keyOf));

  app.post('/api/v2/contact/enrich/bulk', (req, res) => {
    const key = admit(req, res);
    if (!key) return;
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const contacts = validate(body, res);
    if (!contacts) return;
    if (state.rejectSubmitWithoutCredits && (state.balances.get(key) ?? 0) <= 0) {
      // The code is the simulator's: FullEnrich documents no credits error on this endpoint.
      return errorBody(res, 402, 'error.credits.insufficient', 'Not enough credits to start this enrichment');
    }
    const now = Date.now();
    const e: SimEnrichment = {
      id: uuidOf('fe-enrichment', String(opts.seed ?? 1), String(++counter)),
      key,
      name: String(body.name),
      webhookUrl: typeof body.webhook_url === 'string' && body.webhook_url ? body.webhook_url : null,
      createdAt: now,
      readyAt: now + state.callbackDelayMs,
      callbackMode: state.callbackMode,
      contacts,
      status: 'IN_PROGRESS',
      records: null,
      credits: 0,
    };
    state.enrichments.set(e.id, e);
    later(state.callbackDelayMs, () => {
      if (!e.records) finish(e);
    });
    res.json({ enrichment_id: e.id });
  });

  app.get('/api/v2/contact/enrich/bulk/:id', (req, res) => {
    const key = admit(req, res);
    if (!key) return;
    const e = state.enrichments.get(String(req.params.id));
    if (!e || e.key !== key) return errorBody(res, 404, 'error.enrichment.not_found', 'Enrichment ID not found');
    // The timer finishes it; a GET that arrives first (timers are not exact) finishes it here, once.
    if (!e.records && Date.now() >= e.readyAt) finish(e);
    const force = String(req.query.forceResults ?? '').toLowerCase() === 'true';
    if (!e.records && state.pendingForm === 'error' && !force) {
      return errorBody(res, 400, 'error.enrichment.in_progress', 'Enrichment not ready, try again in 30 seconds');
    }
    res.status(e.status === 'CREDITS_INSUFFICIENT' ? 402 : 200).json(enrichmentBody(e, force));
  });

  app.get('/api/v2/account/keys/verify', (req, res) => {
    const key = admit(req, res);
    if (!key) return;
    res.json({ workspace_id: uuidOf('fe-workspace', key) });
  });

  app.get('/api/v2/account/credits', (req, res) => {
    const key = admit(req, res);
    if (!key) return;
    res.json({ balance: state.balances.get(key) ?? 0 });
  });

  app.use((req, res) => {
    res.status(404).json({ code: 'error.not_found', message: `No route for ${req.method} ${req.path}` });
  });
  // Malformed JSON and other parser errors.
  app.use(parserErrors((res, status, message) => errorBody(res, status, status === 400 ? 'error.body.invalid' : 'error.internal', message)));

  return {
    app,
    state,
    start: async (port = 0) => {
      const server = await listen(app, port);
      return {
        ...server,
        close: async () => {
          for (const t of timers) clearTimeout(t);
          timers.clear();
          await server.close();
        },
      };
    },
  };
}
