// The workflow engine's side of a custom workflow action (HUBSPOT.md §2): for each enrolled contact
// HubSpot POSTs the execution to the action's URL, signed with the app's client secret (v2, and v3
// unless asked otherwise; the URL signed is actionUrl exactly), and honours the answer:
//   - 2xx with outputFields.hs_execution_state BLOCK → the callback waits for a completion call, until
//     hs_expiration_duration (ISO-8601, default P7D; an unreadable one also means P7D) has elapsed;
//   - 2xx with SUCCESS / FAIL_CONTINUE, or without a state → completed at once with those outputs;
//   - 429 → retried after Retry-After (capped by emulator.maxRetryAfterMs), else with back-off;
//   - other 4xx → failed, not retried;
//   - 5xx, timeouts and connection errors → retried with back-off (retryDelayMs · 2^n) up to maxRetries.
// Retries reuse the execution's callbackId (the receiver's idempotency key) with a fresh timestamp.
// ackMs is the duration of the attempt that got the final answer.
import { randomId } from './state.ts';
import type { SandboxState } from './state.ts';
import { durationMs, hubspotV2, hubspotV3, parseJson, postOnce, retryAfterMs, sleep } from './outbound.ts';

export interface EnrollOptions {
  portalId: number;
  actionUrl: string;
  contactIds: string[];
  /** Input values, sent as strings. */
  inputFields?: Record<string, string>;
  /** The action's objectRequestOptions.properties (default email, firstname, lastname, company, website). */
  objectProperties?: string[];
  signature?: 'v2' | 'v3' | 'both';
  concurrency?: number;
  workflowId?: number;
  callbackIdPrefix?: string;
  actionDefinitionId?: number;
  actionDefinitionVersion?: number;
}

export type ExecutionOutcome = 'blocked' | 'completed' | 'failed';

export interface Execution {
  callbackId: string;
  contactId: string;
  /** HTTP status of the final attempt; 0 when it got no answer (timeout, connection error). */
  status: number;
  body: unknown;
  attempts: number;
  ackMs: number;
  outcome: ExecutionOutcome;
  /** Why the last attempt got no answer, when it did not. */
  error?: string;
}

export const DEFAULT_OBJECT_PROPERTIES = ['email', 'firstname', 'lastname', 'company', 'website'];
const DEFAULT_EXPIRATION = 'P7D';

let sequence = 0;

export async function enroll(state: SandboxState, o: EnrollOptions): Promise<{ executions: Execution[] }> {
  const portal = state.portal(o.portalId);
  const executions: Execution[] = new Array(o.contactIds.length);
  const workflowId = o.workflowId ?? 9001;
  const props = o.objectProperties ?? DEFAULT_OBJECT_PROPERTIES;
  const signature = o.signature ?? 'both';
  const { retryDelayMs, maxRetries, timeoutMs, maxRetryAfterMs } = state.opts.emulator;
  const secret = state.opts.clientSecret;

  const runOne = async (contactId: string): Promise<Execution> => {
    const callbackId = `${o.callbackIdPrefix ?? 'ap-'}${state.opts.appId}-${workflowId}-${++sequence}-${randomId(6)}`;
    const contact = portal.contacts.get(contactId);
    const properties: Record<string, string> = {};
    for (const p of props) {
      const v = contact?.properties[p];
      if (v !== undefined) properties[p] = v;
    }
    const body = JSON.stringify({
      callbackId,
      origin: { portalId: o.portalId, actionDefinitionId: o.actionDefinitionId ?? 1, actionDefinitionVersion: o.actionDefinitionVersion ?? 1 },
      context: { source: 'WORKFLOWS', workflowId },
      object: { objectId: Number(contactId), objectType: 'CONTACT', properties },
      inputFields: Object.fromEntries(Object.entries(o.inputFields ?? {}).map(([k, v]) => [k, String(v)])),
    });
    let attempts = 0;
    for (;;) {
      attempts++;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - sandbox' };
      if (signature !== 'v3') {
        headers['X-HubSpot-Signature'] = hubspotV2(secret, 'POST', o.actionUrl, body);
        headers['X-HubSpot-Signature-Version'] = 'v2';
      }
      if (signature !== 'v2') {
        const ts = Date.now();
        headers['X-HubSpot-Signature-v3'] = hubspotV3(secret, 'POST', o.actionUrl, body, ts);
        headers['X-HubSpot-Request-Timestamp'] = String(ts);
      }
      const sent = await postOnce(o.actionUrl, body, headers, timeoutMs);
      const canRetry = attempts <= maxRetries;
      const backoff = retryDelayMs * 2 ** (attempts - 1);
      if (!sent.ok) {
        if (canRetry) {
          await sleep(backoff);
          continue;
        }
        return { callbackId, contactId, status: 0, body: null, attempts, ackMs: sent.ms, outcome: 'failed', error: sent.error };
      }
      const answer = parseJson(sent.text);
      const base = { callbackId, contactId, status: sent.status, body: answer, attempts, ackMs: sent.ms };
      if (sent.status === 429 || sent.status >= 500) {
        if (canRetry) {
          const after = sent.status === 429 ? retryAfterMs(sent.headers.get('retry-after')) : undefined;
          await sleep(after === undefined ? backoff : Math.min(after, maxRetryAfterMs));
          continue;
        }
        return { ...base, outcome: 'failed' };
      }
      if (sent.status < 200 || sent.status >= 300) return { ...base, outcome: 'failed' };
      const outputs = (answer && typeof answer === 'object' && !Array.isArray(answer) ? (answer as { outputFields?: unknown }).outputFields : undefined) as
        | Record<string, unknown>
        | undefined;
      const now = Date.now();
      if (outputs?.hs_execution_state === 'BLOCK') {
        const raw = typeof outputs.hs_expiration_duration === 'string' ? outputs.hs_expiration_duration : DEFAULT_EXPIRATION;
        const ttl = durationMs(raw) ?? (durationMs(DEFAULT_EXPIRATION) as number);
        state.callbacks.set(callbackId, { callbackId, portalId: o.portalId, contactId, blocked: true, createdAt: now, expiresAt: now + ttl, completions: 0, expired: false });
        return { ...base, outcome: 'blocked' };
      }
      state.callbacks.set(callbackId, {
        callbackId,
        portalId: o.portalId,
        contactId,
        blocked: false,
        createdAt: now,
        completions: 0,
        expired: false,
        completedAt: now,
        ...(outputs && typeof outputs === 'object' ? { outputFields: outputs } : {}),
      });
      return { ...base, outcome: 'completed' };
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < o.contactIds.length) {
      const i = next++;
      executions[i] = await runOne(o.contactIds[i] as string);
    }
  };
  const n = Math.max(1, Math.min(o.concurrency ?? 50, o.contactIds.length));
  await Promise.all(Array.from({ length: n }, worker));
  return { executions };
}
