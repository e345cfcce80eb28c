// Test helpers for the UI: a fake /ui/* backend behind hubspot.fetch, and a full dump of a rendered
// tree (text and props) for "this string appears nowhere" checks.
import { hubspot } from '@hubspot/ui-extensions';
import type { RenderedChildNode, RenderedFragmentNode, RenderedRootNode } from '@hubspot/ui-extensions/testing';
import { vi } from 'vitest';

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  timeout: number | undefined;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
}

type Handler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export const BACKEND = 'https://cascade.example.com';

/**
 * Routes hubspot.fetch to handlers keyed "METHOD /path". An unrouted request answers 404 and is
 * still recorded, so a test sees what the UI asked for.
 */
export function fakeBackend() {
  const routes = new Map<string, Handler>();
  const calls: FakeRequest[] = [];
  const spy = vi.spyOn(hubspot, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(String(input));
    const req: FakeRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: init?.body,
      timeout: init?.timeout,
    };
    if (`${url.origin}` !== BACKEND) throw new Error(`unexpected origin ${url.origin}`);
    calls.push(req);
    const handler = routes.get(`${req.method} ${req.path}`);
    const reply = handler ? await handler(req) : { status: 404, body: { error: 'not_found', message: `no route ${req.method} ${req.path}` } };
    return new Response(reply.body === undefined ? '' : JSON.stringify(reply.body), { status: reply.status ?? 200 });
  });
  return {
    calls,
    spy,
    on(method: string, path: string, handler: Handler | FakeReply) {
      routes.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler);
      return this;
    },
    /** Requests matching method and path, in order. */
    to(method: string, path: string) {
      return calls.filter((c) => c.method === method && c.path === path);
    },
  };
}

export type FakeBackend = ReturnType<typeof fakeBackend>;

/** Every text node and every (non-function) prop value in the tree, fragments included. */
export function dumpTree(root: RenderedRootNode): string {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visitValue = (v: unknown): void => {
    if (v === null || v === undefined || typeof v === 'function') return;
    if (typeof v !== 'object') {
      out.push(String(v));
      return;
    }
    if (seen.has(v)) return;
    seen.add(v);
    const maybeFragment = v as Partial<RenderedFragmentNode>;
    if (Array.isArray(maybeFragment.childNodes)) {
      maybeFragment.childNodes.forEach(visitNode);
      return;
    }
    if (Array.isArray(v)) v.forEach(visitValue);
    else Object.values(v).forEach(visitValue);
  };
  const visitNode = (n: RenderedChildNode): void => {
    if (n.nodeType === 'text') {
      out.push(n.text);
      return;
    }
    out.push(`<${n.name}>`);
    visitValue(n.props);
    n.childNodes.forEach(visitNode);
  };
  root.childNodes.forEach(visitNode);
  return out.join('\n');
}

/** Calls an event prop with an argument (the renderer's trigger types the argument oddly). */
export function fire(node: { trigger: (name: never, arg?: never) => void }, event: string, arg?: unknown): void {
  node.trigger(event as never, arg as never);
}

/** All descendant text of a node, children in order (a node's own `.text` is null when children mix). */
export function textOf(node: { childNodes: RenderedChildNode[] }): string {
  return node.childNodes.map((c) => (c.nodeType === 'text' ? c.text : textOf(c))).join('');
}

// React's scheduler keeps the real setImmediate it found at load time, so passive effects (a reload
// started from an effect) need real event-loop turns even while vi's fake timers drive the polling.
const realSetImmediate = setImmediate;

/** Advance fake time, then let React's effects and the fetches they start settle. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => realSetImmediate(resolve));
    await vi.advanceTimersByTimeAsync(0);
  }
}
