// Child process that hosts the sandbox HubSpot portal for `npm run bench:e2e`. HubSpot lives outside
// Cascade's process, as the real one does: its workflow emulator times each acknowledgement on its own
// event loop, so the figure is what HubSpot would see, not what Cascade's busy loop reports.
// The portal's state is reached over its admin routes (/__sandbox/*); the long-running enrolment and
// the bulk reads go over IPC (an HTTP request that lasts minutes would meet client timeouts).
// Protocol (IPC): → {type:'ready', url, authorizeUrl, pid}
//   ← {type:'enroll', id, options} → {type:'reply', id, data: {startedAt, finishedAt, executions}}
//   ← {type:'contacts', id, portalId} → {type:'reply', id, data: [{id, properties}]}
//   ← {type:'usage', id} → {type:'reply', id, data: {cpuMs, eventLoopUtilization, rssBytes}}
//   ← {type:'stop'} → exits.
import { performance } from 'node:perf_hooks';
import { createHubSpotSandbox } from '../sandbox/hubspot/index.ts';
import type { EnrollOptions, HubSpotSandboxOptions } from '../sandbox/hubspot/index.ts';
import type { AttemptRecord, SlimExecution } from './e2e-hubspot.ts';

const raw = process.env.BENCH_HUBSPOT_OPTIONS;
if (!raw || !process.send) {
  console.error('e2e-hubspot-child: run me through bench/e2e-hubspot.ts (needs BENCH_HUBSPOT_OPTIONS and an IPC channel)');
  process.exit(2);
}
const hs = await createHubSpotSandbox(JSON.parse(raw) as HubSpotSandboxOptions);

// Every request the emulator sends to the action URL, failed attempts included (the emulator itself
// reports only the attempt that got the final answer): a pass-through wrapper around fetch, in this
// process only.
let watchedUrl: string | null = null;
let attempts: AttemptRecord[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (url !== watchedUrl) return realFetch(input, init);
  let callbackId = '';
  try {
    callbackId = String((JSON.parse(String(init?.body)) as { callbackId?: unknown }).callbackId ?? '');
  } catch {
    /* not an execution */
  }
  const at = Date.now();
  const t = performance.now();
  try {
    const res = await realFetch(input, init);
    const text = await res.text();
    attempts.push([callbackId, at, Math.round((performance.now() - t) * 100) / 100, res.status, null]);
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message);
    attempts.push([callbackId, at, Math.round((performance.now() - t) * 100) / 100, 0, why]);
    throw err;
  }
};
const cpu0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization();

const reply = (id: number, data: unknown) => process.send!({ type: 'reply', id, data });

process.on('message', (msg: { type: string; id: number; options?: EnrollOptions; portalId?: number }) => {
  if (msg.type === 'enroll') {
    watchedUrl = msg.options!.actionUrl;
    attempts = [];
    const startedAt = Date.now();
    hs.enroll(msg.options!).then(
      ({ executions }) => {
        const slim: SlimExecution[] = executions.map((e) => {
          const outputs = (e.body as { outputFields?: Record<string, unknown> } | null)?.outputFields;
          return {
            callbackId: e.callbackId,
            contactId: e.contactId,
            status: e.status,
            attempts: e.attempts,
            ackMs: Math.round(e.ackMs * 100) / 100,
            outcome: e.outcome,
            state: typeof outputs?.hs_execution_state === 'string' ? outputs.hs_execution_state : null,
            ...(e.error ? { error: e.error } : {}),
          };
        });
        reply(msg.id, { startedAt, finishedAt: Date.now(), executions: slim, attempts });
      },
      (err: unknown) => reply(msg.id, { error: (err as Error).message }),
    );
  } else if (msg.type === 'contacts') {
    reply(msg.id, hs.contacts(msg.portalId!));
  } else if (msg.type === 'usage') {
    const cpu = process.cpuUsage(cpu0);
    reply(msg.id, {
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      eventLoopUtilization: Math.round(performance.eventLoopUtilization(elu0).utilization * 1000) / 1000,
      rssBytes: process.memoryUsage().rss,
    });
  } else if (msg.type === 'stop') {
    void hs.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', url: hs.url, authorizeUrl: hs.authorizeUrl, pid: process.pid });
