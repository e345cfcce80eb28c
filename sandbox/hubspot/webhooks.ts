// Webhook deliveries as HubSpot sends them (HUBSPOT.md §1 "Webhooks"): one POST of a JSON array of
// events, missing fields filled with HubSpot-like values (eventId, subscriptionId, portalId, appId,
// occurredAt, attemptNumber), signed v1 (sha256 of secret + body, hex) and v3. 5xx, 429, timeouts
// and connection errors are retried with back-off; each retry increments every event's
// attemptNumber (so the body and its signatures change). Other answers are final.
import type { SandboxState } from './state.ts';
import { hubspotV1, hubspotV3, postOnce, sleep } from './outbound.ts';

export interface DeliveryResult {
  /** Status of the final attempt; 0 when it got no answer. */
  status: number;
  attempts: number;
}

let nextEventId = 100_000;

export async function deliverWebhooks(state: SandboxState, targetUrl: string, events: object[]): Promise<DeliveryResult> {
  const { timeoutMs, maxRetries, retryDelayMs } = state.opts.webhooks;
  const secret = state.opts.clientSecret;
  const firstPortal = [...state.portals.keys()][0] ?? null;
  const filled = events.map((e) => {
    const ev = e as Record<string, unknown>;
    return {
      eventId: ev.eventId ?? nextEventId++,
      subscriptionId: ev.subscriptionId ?? 424_242,
      portalId: ev.portalId ?? firstPortal,
      appId: ev.appId ?? state.opts.appId,
      occurredAt: ev.occurredAt ?? Date.now(),
      ...ev,
      attemptNumber: typeof ev.attemptNumber === 'number' ? ev.attemptNumber : 0,
    };
  });
  let attempts = 0;
  for (;;) {
    const body = JSON.stringify(filled);
    const ts = Date.now();
    const sent = await postOnce(
      targetUrl,
      body,
      {
        'content-type': 'application/json',
        'X-HubSpot-Signature': hubspotV1(secret, body),
        'X-HubSpot-Signature-Version': 'v1',
        'X-HubSpot-Signature-v3': hubspotV3(secret, 'POST', targetUrl, body, ts),
        'X-HubSpot-Request-Timestamp': String(ts),
      },
      timeoutMs,
    );
    attempts++;
    const status = sent.ok ? sent.status : 0;
    const retryable = !sent.ok || status >= 500 || status === 429;
    if (!retryable || attempts > maxRetries) return { status, attempts };
    await sleep(retryDelayMs * 2 ** (attempts - 1));
    for (const ev of filled) ev.attemptNumber++;
  }
}
