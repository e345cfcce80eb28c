// The demo's look at what the contact card and the settings page show: every request goes through
// the sandbox HubSpot's hubspot.fetch (signed v3 with the app secret, appId appended, 15 s and 1 MB
// limits), with the portal, user and contact in the query as the extensions put them there.
import type { HubSpotSandbox, ExtensionFetchResult } from '../hubspot/index.ts';
import type {
  ApiError,
  AuditPage,
  CardView,
  EnrichAccepted,
  EstimateView,
  FieldGroup,
  KeySavedView,
  RunView,
  SettingsView,
  TestKeyResult,
  UsageView,
} from '../../extensions/src/api/contract.ts';
import type { Findings } from './findings.ts';
import { printWrapped, usdCents } from './format.ts';

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const isError = (b: unknown): b is ApiError => typeof b === 'object' && b !== null && 'error' in b && 'message' in b;

/** One person in one portal, opening Cascade's card or settings page. */
export class UiSession {
  readonly answers: { path: string; status: number; bytes: number; ms: number; text: string }[];
  private readonly fetchAs: (req: { url: string; method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; body?: unknown }) => Promise<ExtensionFetchResult>;
  private readonly backendUrl: string;
  private readonly portalId: number;
  private readonly userId: number;

  constructor(hs: HubSpotSandbox, backendUrl: string, portalId: number, userId: number, answers: UiSession['answers'] = []) {
    this.fetchAs = hs.extensionFetch([new URL(backendUrl).origin]);
    this.backendUrl = backendUrl;
    this.portalId = portalId;
    this.userId = userId;
    this.answers = answers;
  }

  async call<T>(path: string, opts: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; body?: unknown; query?: Record<string, string | number> } = {}): Promise<{ status: number; body: T }> {
    const query = new URLSearchParams({ portalId: String(this.portalId), userId: String(this.userId) });
    for (const [k, v] of Object.entries(opts.query ?? {})) query.set(k, String(v));
    const r = await this.fetchAs({ url: `${this.backendUrl}${path}?${query}`, method: opts.method ?? 'GET', ...(opts.body === undefined ? {} : { body: opts.body }) });
    this.answers.push({ path, status: r.status, bytes: r.bytes, ms: r.ms, text: JSON.stringify(r.body) });
    return { status: r.status, body: r.body as T };
  }
}

export interface EstimateShown {
  maxCents: number;
  expectedCents: number;
}

/** The settings page's pre-flight estimate for enrolling `contacts` in a workflow with `groups`. */
export async function preflight(ui: UiSession, label: string, contacts: number, groups: FieldGroup[]): Promise<EstimateShown> {
  const r = await ui.call<EstimateView | ApiError>('/ui/estimate', { method: 'POST', body: { contacts, groups } });
  if (isError(r.body)) throw new Error(`estimate refused: ${r.body.message}`);
  const e = r.body;
  const cap = e.capRemainingCents === null ? '' : `; the total daily cap leaves ${usdCents(e.capRemainingCents)}`;
  console.log(
    `  Pre-flight estimate (settings page) for "${label}", ${contacts.toLocaleString('en-US')} contacts: at most ${usdCents(e.maxCents)}, ` +
      `expected ${usdCents(e.expectedCents)} (${e.basis.historyRuns ? `from ${e.basis.historyRuns} past runs` : 'no history yet: 50% hit rates assumed'}), ` +
      `~${Math.ceil(e.seconds)} s at the vendors' rate limits${cap}`,
  );
  return { maxCents: e.maxCents, expectedCents: e.expectedCents };
}

export interface UiTour {
  hs: HubSpotSandbox;
  backendUrl: string;
  portalId: number;
  /** A contact enriched earlier: its card is shown, then "Enrich now" is clicked on it. */
  contactId: string;
  /** Every key the portal stored, to check that none comes back in full. */
  storedKeys: string[];
  /** The key the admin rotates to (a new key of the same vendor account). */
  rotate: { vendor: string; key: string };
  /** What the engine's ledger says the portal spent today, in millicents. */
  ledgerTodayMc: number;
  findings: Findings;
}

/** Prints what an admin and a sales rep see, and checks what they must not be able to do. */
export async function tourUi(t: UiTour): Promise<void> {
  const answers: UiSession['answers'] = [];
  const admin = new UiSession(t.hs, t.backendUrl, t.portalId, t.hs.addUser(t.portalId, { superAdmin: true, email: 'revops-admin@example.com' }).id, answers);
  const rep = new UiSession(t.hs, t.backendUrl, t.portalId, t.hs.addUser(t.portalId, { superAdmin: false, email: 'sales-rep@example.com' }).id, answers);

  // Settings page, as the admin.
  const settings = (await admin.call<SettingsView>('/ui/settings')).body;
  console.log(`\nPortal ${t.portalId}: the settings page, opened by a super admin (isAdmin checked with HubSpot's users API: ${settings.isAdmin})`);
  printWrapped('  Vendor keys, as the page shows them:', settings.vendors.filter((v) => v.key).map((v) => `${v.name} •••• ${v.key!.last4}`));
  printWrapped(
    '  Caps with what was spent in their period:',
    settings.caps.map((c) => `${c.scope}/${c.period} ${usdCents(c.spentCents)} of ${usdCents(c.capCents)}`),
  );

  // A sales rep tries to raise a cap.
  const raised = settings.caps.map((c) => ({ scope: c.scope, period: c.period, capCents: c.capCents * 10 }));
  const denied = await rep.call<ApiError>('/ui/settings/caps', { method: 'PUT', body: { caps: raised, alertWebhookUrl: null } });
  const after = (await admin.call<SettingsView>('/ui/settings')).body;
  console.log(`  A sales rep (not a super admin) tries to raise every cap tenfold → ${denied.status} ${denied.body.error}: "${denied.body.message}"`);
  if (denied.status !== 403 || JSON.stringify(after.caps.map((c) => c.capCents)) !== JSON.stringify(settings.caps.map((c) => c.capCents))) {
    t.findings.fail('ui-admin', `a non-admin's cap change was answered ${denied.status} and the caps are now ${JSON.stringify(after.caps)}`);
  }

  // The admin rotates a key and tests it.
  const saved = await admin.call<KeySavedView | ApiError>(`/ui/settings/keys/${t.rotate.vendor}`, { method: 'PUT', body: { key: t.rotate.key } });
  const tested = await admin.call<TestKeyResult | ApiError>(`/ui/settings/keys/${t.rotate.vendor}/test`, { method: 'POST', body: {} });
  if (isError(saved.body) || isError(tested.body)) {
    t.findings.fail('ui-admin', `the admin could not rotate the ${t.rotate.vendor} key: ${JSON.stringify(saved.body).slice(0, 200)} ${JSON.stringify(tested.body).slice(0, 200)}`);
  } else {
    console.log(
      `  The admin replaces the ${t.rotate.vendor} key (shown as •••• ${saved.body.last4}) and clicks "Test connection" → ` +
        `${tested.body.ok ? 'ok' : 'failed'}: ${tested.body.message} (${tested.body.latencyMs} ms)`,
    );
  }

  // The contact card, as the sales rep.
  const card = (await rep.call<CardView>('/ui/card', { query: { contactId: t.contactId } })).body;
  const contact = t.hs.contact(t.portalId, t.contactId)!.properties;
  const who = `${contact.firstname ?? ''} ${contact.lastname ?? ''}`.trim() || `contact ${t.contactId}`;
  console.log(`\nThe contact card of ${who}${contact.email ? ` <${contact.email}>` : ''}, as the sales rep sees it:`);
  const run = card.lastRun;
  if (run) {
    const vendorName = (id: string) => card.vendorNames?.[id] ?? id;
    console.log(`  Last run: ${run.status} (${run.source}), ${usdCents(run.costCents)}, ${run.steps.length} steps`);
    for (const f of run.fields.slice(0, 8)) {
      console.log(`    ${f.property.padEnd(22)} ${f.value.slice(0, 40).padEnd(40)} ${vendorName(f.vendor).padEnd(12)} ${pct(f.confidence).padStart(4)}  ${f.action === 'write' ? 'written' : `kept (${f.reason})`}`);
    }
    if (run.fields.length > 8) console.log(`    … and ${run.fields.length - 8} more fields`);
  }
  const capNote = card.capsReached.length ? `; caps reached: ${card.capsReached.map((c) => `${c.scope}/${c.period} ${usdCents(c.capCents)}`).join(', ')}` : '';
  console.log(`  Spend today: ${usdCents(card.spendToday.spentCents)}${card.spendToday.capCents === null ? '' : ` of ${usdCents(card.spendToday.capCents)}`}${capNote}`);

  // "Enrich now" on the card: the answers are in the cache, so it costs nothing.
  const clicked = await rep.call<EnrichAccepted | ApiError>('/ui/card/enrich', { method: 'POST', query: { contactId: t.contactId }, body: { force: false, requestId: `demo-click-${t.contactId}` } });
  if (isError(clicked.body)) {
    t.findings.fail('ui-card', `"Enrich now" was refused: ${clicked.body.message}`);
  } else {
    const started = Date.now();
    let view: RunView | null = null;
    while (Date.now() - started < 60_000) {
      view = (await rep.call<RunView>(`/ui/runs/${clicked.body.runId}`)).body;
      if (view.state === 'done') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (view?.state !== 'done') t.findings.fail('ui-card', `"Enrich now" did not finish within 60 s`);
    else {
      const fromCache = view.steps.filter((s) => s.source === 'cache').length;
      console.log(
        `  "Enrich now" → 202, run ${view.id.slice(0, 8)}… ${view.status} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
          `${fromCache} of ${view.steps.length} steps answered from the cache, cost ${usdCents(view.costCents)} (then the card refreshes the record's properties)`,
      );
    }
  }

  // Usage dashboard and audit log, today.
  const today = new Date().toISOString().slice(0, 10);
  const usage = (await admin.call<UsageView>('/ui/usage', { query: { from: today, to: today } })).body;
  console.log(
    `\nUsage dashboard (today): ${usage.totals.runs} runs, ${usdCents(usage.totals.spentCents)} spent, cache hit rate ${pct(usage.totals.cacheHitRate)}, ` +
      `${usdCents(usage.totals.savedCents)} saved by the cache`,
  );
  printWrapped(
    '  Per vendor (calls, hit rate, spend):',
    usage.vendors.filter((v) => v.calls > 0).map((v) => `${v.vendor} ${v.calls} ${pct(v.hitRate)} ${usdCents(v.spentCents)}`),
  );
  printWrapped('  Coverage (runs that filled the field / runs that asked for it):', usage.coverage.filter((c) => c.asked > 0).map((c) => `${c.field} ${pct(c.rate)}`));
  // The dashboard rounds to cents per (day, vendor): allow half a cent each.
  const ledgerCents = t.ledgerTodayMc / 1000;
  if (Math.abs(usage.totals.spentCents - ledgerCents) > usage.vendors.length * 0.5 + 0.5) {
    t.findings.fail('ui-usage', `the dashboard shows ${usdCents(usage.totals.spentCents)} spent today, the ledger ${usdCents(ledgerCents)}`);
  }
  const audit = (await admin.call<AuditPage>('/ui/audit', { query: { limit: 25 } })).body;
  const settingsEvents = (await admin.call<AuditPage>('/ui/audit', { query: { type: 'settings.key_saved', limit: 25 } })).body;
  console.log(
    `  Audit log: newest page of ${audit.events.length} (more: ${audit.nextCursor ? 'yes' : 'no'}); event types: ${audit.types.join(', ')}; ` +
      `the key rotation is there: ${settingsEvents.events.some((e) => e.detail.vendor === t.rotate.vendor) ? 'yes' : 'NO'}`,
  );

  // What every answer weighed, and that no key left the server in full.
  const leaked = answers.filter((a) => [...t.storedKeys, t.rotate.key].some((k) => a.text.includes(k)));
  if (leaked.length) t.findings.fail('ui-keys', `${leaked.length} /ui answers contain a full vendor key (${leaked[0]!.path})`);
  const largest = answers.reduce((m, a) => (a.bytes > m.bytes ? a : m), answers[0]!);
  const slowest = answers.reduce((m, a) => (a.ms > m.ms ? a : m), answers[0]!);
  console.log(
    `  ${answers.length} hubspot.fetch requests (signed, appId appended): largest answer ${kb(largest.bytes)} (${largest.path}), ` +
      `slowest ${Math.round(slowest.ms)} ms (${slowest.path}); HubSpot allows 1 MB and 15 s`,
  );
  if (slowest.ms > 5_000) t.findings.warn('ui-limits', `${slowest.path} took ${Math.round(slowest.ms)} ms`);
}
