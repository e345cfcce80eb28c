// Contract-shaped answers for the fake backend.
import type { AuditPage, CardView, RunView, SettingsView, UsageView } from '../../extensions/src/api/contract.ts';

export function runView(over: Partial<RunView> = {}): RunView {
  return {
    id: 'run-1',
    contactId: '123',
    state: 'done',
    status: 'enriched',
    errorCode: null,
    source: 'card',
    forceRefresh: false,
    createdAt: '2025-03-04T13:05:00.000Z',
    finishedAt: '2025-03-04T13:05:04.000Z',
    costCents: 12,
    progress: { done: 3, total: 3 },
    fields: [
      { field: 'job_title', property: 'jobtitle', value: 'Head of Growth', vendor: 'apollo', confidence: 0.92, action: 'write', reason: '' },
      { field: 'company_name', property: 'company', value: 'Acme Inc', vendor: 'pdl', confidence: 0.8, action: 'keep', reason: 'has_value' },
    ],
    steps: [
      { group: 'person', vendor: 'apollo', operation: 'person_match', state: 'done', outcome: 'hit', skipReason: null, source: 'vendor', costCents: 12, latencyMs: 300 },
    ],
    ...over,
  };
}

export function cardView(over: Partial<CardView> = {}): CardView {
  return {
    installed: true,
    installUrl: 'https://cascade.example.com/oauth/install',
    keysConfigured: 2,
    spendToday: { spentCents: 123, capCents: 5000 },
    capsReached: [],
    lastRun: runView(),
    vendorNames: { apollo: 'Apollo', pdl: 'People Data Labs', hunter: 'Hunter' },
    ...over,
  };
}

export function settingsView(over: Partial<SettingsView> = {}): SettingsView {
  return {
    installed: true,
    installUrl: 'https://cascade.example.com/oauth/install',
    isAdmin: true,
    vendors: [
      {
        id: 'apollo',
        name: 'Apollo',
        operations: [
          { id: 'person_match', label: 'Person match', groups: ['person', 'email'], costCents: 1, chargesOnMiss: false, async: false },
        ],
        key: { last4: 'a1b2', updatedAt: '2025-03-01T10:00:00.000Z' },
      },
      {
        id: 'hunter',
        name: 'Hunter',
        operations: [
          { id: 'email_finder', label: 'Email finder', groups: ['email'], costCents: 0.5, chargesOnMiss: false, async: false },
          { id: 'email_verifier', label: 'Email verifier', groups: ['email_verification'], costCents: 0.25, chargesOnMiss: true, async: false },
        ],
        key: null,
      },
      {
        id: 'pdl',
        name: 'People Data Labs',
        operations: [
          { id: 'person_enrich', label: 'Person enrichment', groups: ['person'], costCents: 28, chargesOnMiss: false, async: false },
          { id: 'company_enrich', label: 'Company enrichment', groups: ['company'], costCents: 10, chargesOnMiss: false, async: false },
        ],
        key: null,
      },
    ],
    groups: ['email', 'email_verification', 'person', 'company', 'phone'],
    fields: [
      { field: 'job_title', property: 'jobtitle', label: 'Job title' },
      { field: 'company_name', property: 'company', label: 'Company name' },
    ],
    waterfall: {
      email: [{ vendor: 'hunter', operation: 'email_finder' }],
      email_verification: [{ vendor: 'hunter', operation: 'email_verifier' }],
      person: [
        { vendor: 'apollo', operation: 'person_match' },
        { vendor: 'pdl', operation: 'person_enrich' },
      ],
      company: [{ vendor: 'pdl', operation: 'company_enrich' }],
      phone: [],
    },
    waterfallIsDefault: { email: true, email_verification: true, person: false, company: true, phone: true },
    writePolicy: { default: 'fill_if_empty', fields: { job_title: 'overwrite' } },
    cacheTtlDays: 30,
    missTtlDays: 7,
    onCap: 'skip_vendor',
    caps: [
      { scope: 'total', period: 'day', capCents: 5000, spentCents: 123 },
      { scope: 'apollo', period: 'month', capCents: 10000, spentCents: 2500 },
    ],
    alertWebhookUrl: null,
    ...over,
  };
}

export function usageView(over: Partial<UsageView> = {}): UsageView {
  return {
    from: '2025-02-26',
    to: '2025-03-04',
    totals: { runs: 40, spentCents: 1234, savedCents: 456, cacheHitRate: 0.25 },
    spendByDay: [
      { day: '2025-03-03', vendor: 'apollo', cents: 300 },
      { day: '2025-03-03', vendor: 'pdl', cents: 280 },
      { day: '2025-03-04', vendor: 'apollo', cents: 654 },
    ],
    cacheByDay: [
      { day: '2025-03-03', hitRate: 0.2, savedCents: 200 },
      { day: '2025-03-04', hitRate: 0.3, savedCents: 256 },
    ],
    vendors: [
      { vendor: 'apollo', calls: 30, hits: 24, hitRate: 0.8, spentCents: 954, cacheHits: 10 },
      { vendor: 'pdl', calls: 10, hits: 5, hitRate: 0.5, spentCents: 280, cacheHits: 0 },
    ],
    coverage: [
      { field: 'job_title', filled: 30, asked: 40, rate: 0.75 },
      { field: 'company_name', filled: 20, asked: 40, rate: 0.5 },
    ],
    ...over,
  };
}

export function auditPage(n: number, prefix: string, nextCursor: string | null, over: Partial<AuditPage> = {}): AuditPage {
  return {
    events: Array.from({ length: n }, (_, i) => ({
      id: `${prefix}-${i}`,
      at: '2025-03-04T13:05:00.000Z',
      type: 'run.finished',
      contactId: String(100 + i),
      runId: `r-${prefix}-${i}`,
      summary: `${prefix} event ${i}`,
      detail: {},
    })),
    nextCursor,
    types: ['run.finished', 'settings.caps_changed', 'settings.key_saved'],
    ...over,
  };
}
