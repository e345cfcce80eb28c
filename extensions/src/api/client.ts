// A typed client over hubspot.fetch for the backend's /ui/* routes (see contract.ts). It only builds
// requests and decodes answers; what a screen does with them lives in the screen.
import { hubspot } from '@hubspot/ui-extensions';
import type {
  ApiError,
  AuditPage,
  CardView,
  EnrichAccepted,
  EnrichRequest,
  EstimateRequest,
  EstimateView,
  KeySaved,
  PutCapsRequest,
  PutPolicyRequest,
  PutWaterfallRequest,
  RunView,
  SettingsView,
  TestKeyRequest,
  TestKeyResult,
  UsageView,
} from './contract.ts';

/** The subset of hubspot.fetch the client needs: lets tests and callers swap the transport. */
export type FetchLike = (
  url: string,
  init: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; body?: { [key: string]: unknown }; timeout: number },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface ClientOptions {
  backendUrl: string;
  portalId: number;
  userId: number;
  /** Defaults to hubspot.fetch, looked up at call time so a test can stub it. */
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** A non-2xx answer (or a transport failure: status 0) carrying the backend's ApiError. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly error: string;
  readonly field: string | undefined;
  readonly problems: { field: string; message: string }[];

  constructor(status: number, body: ApiError) {
    super(body.message);
    this.name = 'ApiFailure';
    this.status = status;
    this.error = body.error;
    this.field = body.field;
    this.problems = body.problems ?? (body.field ? [{ field: body.field, message: body.message }] : []);
  }
}

export const DEFAULT_TIMEOUT_MS = 10_000;

type Query = Record<string, string | number | undefined | null>;

export interface AuditQuery {
  limit?: number;
  cursor?: string | null;
  type?: string | null;
  contactId?: string | null;
  from?: string | null;
  to?: string | null;
}

const defaultFetch: FetchLike = (url, init) => hubspot.fetch(url, init);

export function createClient(opts: ClientOptions) {
  const base = opts.backendUrl.replace(/\/+$/, '');
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query: Query = {}, body?: object): Promise<T> {
    const url = buildUrl(base, path, { portalId: opts.portalId, userId: opts.userId, ...query });
    const doFetch = opts.fetch ?? defaultFetch;
    let res: { status: number; text(): Promise<string> };
    try {
      res = await doFetch(url, body === undefined ? { method, timeout } : { method, body: { ...body }, timeout });
    } catch (err) {
      throw new ApiFailure(0, {
        error: 'network',
        message: `Could not reach the Cascade backend (${err instanceof Error ? err.message : String(err)}).`,
      });
    }
    const text = await res.text().catch(() => '');
    const parsed = parseJson(text);
    if (res.status >= 200 && res.status < 300) return parsed as T;
    throw new ApiFailure(res.status, asApiError(res.status, parsed));
  }

  return {
    card: (contactId: number | string) => call<CardView>('GET', '/ui/card', { contactId }),
    enrich: (contactId: number | string, req: EnrichRequest) =>
      call<EnrichAccepted>('POST', '/ui/card/enrich', { contactId }, req),
    run: (runId: string) => call<RunView>('GET', `/ui/runs/${encodeURIComponent(runId)}`),
    settings: () => call<SettingsView>('GET', '/ui/settings'),
    putKey: (vendor: string, key: string) =>
      call<KeySaved>('PUT', `/ui/settings/keys/${encodeURIComponent(vendor)}`, {}, { key }),
    deleteKey: (vendor: string) =>
      call<{ vendor: string; removed: boolean }>('DELETE', `/ui/settings/keys/${encodeURIComponent(vendor)}`),
    testKey: (vendor: string, req: TestKeyRequest) =>
      call<TestKeyResult>('POST', `/ui/settings/keys/${encodeURIComponent(vendor)}/test`, {}, req),
    putWaterfall: (req: PutWaterfallRequest) => call<SettingsView>('PUT', '/ui/settings/waterfall', {}, req),
    putPolicy: (req: PutPolicyRequest) => call<SettingsView>('PUT', '/ui/settings/policy', {}, req),
    putCaps: (req: PutCapsRequest) => call<SettingsView>('PUT', '/ui/settings/caps', {}, req),
    usage: (from: string, to: string) => call<UsageView>('GET', '/ui/usage', { from, to }),
    audit: (q: AuditQuery = {}) => call<AuditPage>('GET', '/ui/audit', { ...q }),
    estimate: (req: EstimateRequest) => call<EstimateView>('POST', '/ui/estimate', {}, req),
  };
}

export type Client = ReturnType<typeof createClient>;

export function buildUrl(base: string, path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return `${base}${path}${qs ? `?${qs}` : ''}`;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The backend's ApiError when it sent one; otherwise a sentence from the status alone (a proxy page, a 502). */
function asApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object' && typeof (body as ApiError).error === 'string' && typeof (body as ApiError).message === 'string') {
    return body as ApiError;
  }
  return {
    error: status >= 500 ? 'server_error' : 'http_error',
    message: status >= 500 ? `The Cascade backend failed (HTTP ${status}). Try again in a moment.` : `The request was refused (HTTP ${status}).`,
  };
}

/** The message to show for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
