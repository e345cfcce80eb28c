import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiFailure, buildUrl, createClient } from '../../extensions/src/api/client.ts';
import type { FetchLike } from '../../extensions/src/api/client.ts';
import { vendorProblems } from '../../extensions/src/card/vendor-problems.ts';
import { currentCursor, FIRST_PAGE, nextPage, previousPage } from '../../extensions/src/settings/audit-paging.ts';
import { capsRequest, capRows } from '../../extensions/src/settings/caps-form.ts';
import { normalizePath } from '../../extensions/src/settings/use-save.ts';
import { addableSteps, addStep, moveStep, removeStep, stepKey } from '../../extensions/src/settings/waterfall-edit.ts';
import { BACKEND, fakeBackend } from './helpers.tsx';
import { runView, settingsView } from './fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('package exports', () => {
  it('exposes the card, the settings page and the client from the package root', async () => {
    const pkg = await import('@cascade/extensions');
    expect([typeof pkg.EnrichCard, typeof pkg.SettingsPage, typeof pkg.createClient, typeof pkg.ApiFailure]).toEqual(['function', 'function', 'function', 'function']);
  });
});

describe('api client', () => {
  it('puts portal, user and the route’s own parameters in the query, and JSON bodies in the body', async () => {
    const api = fakeBackend()
      .on('GET', '/ui/card', { body: { ok: 1 } })
      .on('POST', '/ui/settings/keys/a%2Fb/test', { body: { vendor: 'a/b', ok: true, message: 'fine', latencyMs: 1 } });
    const client = createClient({ backendUrl: `${BACKEND}/`, portalId: 42, userId: 7 });
    expect(await client.card(99)).toEqual({ ok: 1 });
    await client.testKey('a/b', { key: 'k' });
    await client.audit({ cursor: null, type: 'run.finished', contactId: '' }).catch(() => {});
    expect(api.calls.map((c) => [c.method, c.path, c.query, c.body, c.timeout])).toEqual([
      ['GET', '/ui/card', { portalId: '42', userId: '7', contactId: '99' }, undefined, 10_000],
      ['POST', '/ui/settings/keys/a%2Fb/test', { portalId: '42', userId: '7' }, { key: 'k' }, 10_000],
      ['GET', '/ui/audit', { portalId: '42', userId: '7', type: 'run.finished' }, undefined, 10_000],
    ]);
  });

  it('throws ApiFailure with the backend’s code, message, field and problems', async () => {
    fakeBackend().on('PUT', '/ui/settings/caps', {
      status: 400,
      body: { error: 'invalid_body', message: 'caps[0].capCents: must be 0 or more', field: 'caps[0].capCents', problems: [{ field: 'caps[0].capCents', message: 'must be 0 or more' }] },
    });
    const client = createClient({ backendUrl: BACKEND, portalId: 1, userId: 2 });
    const err = await client.putCaps({ caps: [{ scope: 'total', period: 'day', capCents: -1 }], alertWebhookUrl: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiFailure);
    expect(err).toMatchObject({ status: 400, error: 'invalid_body', field: 'caps[0].capCents', message: 'caps[0].capCents: must be 0 or more', problems: [{ field: 'caps[0].capCents', message: 'must be 0 or more' }] });
  });

  it('turns a transport failure and a non-JSON error page into readable failures', async () => {
    const down: FetchLike = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const err = await createClient({ backendUrl: BACKEND, portalId: 1, userId: 2, fetch: down }).settings().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, error: 'network', message: 'Could not reach the Cascade backend (connect ECONNREFUSED).' });

    const proxy: FetchLike = async () => ({ status: 504, text: async () => '<html>Gateway Timeout</html>' });
    const err2 = await createClient({ backendUrl: BACKEND, portalId: 1, userId: 2, fetch: proxy }).settings().catch((e: unknown) => e);
    expect(err2).toMatchObject({ status: 504, error: 'server_error' });
    expect((err2 as Error).message).toContain('HTTP 504');
  });

  it('builds URLs whose query decodes back to exactly the parameters given', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })), (query) => {
        const url = new URL(buildUrl(BACKEND, '/ui/x', query));
        expect(url.pathname).toBe('/ui/x');
        expect(Object.fromEntries(url.searchParams)).toEqual({ ...query });
      }),
    );
  });
});

describe('vendor problems', () => {
  it('reports each vendor error once, in step order, and ignores misses and hits', () => {
    const step = runView().steps[0]!;
    const lines = vendorProblems(
      [
        { ...step, vendor: 'a', outcome: 'transient' },
        { ...step, vendor: 'a', outcome: 'transient' },
        { ...step, vendor: 'b', outcome: 'miss' },
        { ...step, vendor: 'c', outcome: 'hit' },
        { ...step, vendor: 'd', outcome: null, skipReason: 'cap_reached' },
        { ...step, vendor: 'e', outcome: null, skipReason: 'circuit_open' },
      ],
      (id) => id.toUpperCase(),
    );
    expect(lines).toEqual(['A did not answer (a temporary error). Try again later.', 'E was paused after repeated errors and was skipped.']);
  });
});

describe('waterfall editing', () => {
  const refs = fc.uniqueArray(fc.record({ vendor: fc.constantFrom('a', 'b', 'c'), operation: fc.constantFrom('x', 'y', 'z') }), { selector: stepKey, maxLength: 9 });

  it('moving keeps the same steps and swaps only neighbours; out-of-range moves change nothing', () => {
    fc.assert(
      fc.property(refs, fc.integer({ min: -2, max: 10 }), fc.constantFrom(-1 as const, 1 as const), (steps, i, by) => {
        const out = moveStep(steps, i, by);
        expect([...out].map(stepKey).sort()).toEqual([...steps].map(stepKey).sort());
        const j = i + by;
        if (i < 0 || i >= steps.length || j < 0 || j >= steps.length) expect(out).toBe(steps);
        else {
          expect(out[j]).toBe(steps[i]);
          expect(out[i]).toBe(steps[j]);
        }
      }),
    );
  });

  it('adding is idempotent and removing drops exactly one', () => {
    fc.assert(
      fc.property(refs, fc.record({ vendor: fc.constantFrom('a', 'b'), operation: fc.constantFrom('x', 'y') }), (steps, step) => {
        const once = addStep(steps, step);
        expect(addStep(once, step)).toBe(once);
        expect(once.filter((s) => stepKey(s) === stepKey(step))).toHaveLength(1);
        if (steps.length) expect(removeStep(steps, 0)).toEqual(steps.slice(1));
      }),
    );
  });

  it('offers only operations that serve the group and are not in the list yet', () => {
    const view = settingsView();
    expect(addableSteps(view.vendors, 'person', view.waterfall.person)).toEqual([]);
    expect(addableSteps(view.vendors, 'email', []).map((a) => `${a.vendor}:${a.operation}`)).toEqual(['apollo:person_match', 'hunter:email_finder']);
  });
});

describe('caps form', () => {
  it('sends set caps only, in row order, remembering which cell each index came from', () => {
    const rows = capRows(settingsView());
    expect(rows.map((r) => [r.scope, r.day, r.month])).toEqual([
      ['total', 5000, null],
      ['apollo', null, 10000],
      ['hunter', null, null],
      ['pdl', null, null],
    ]);
    expect(capsRequest(rows)).toEqual({
      caps: [
        { scope: 'total', period: 'day', capCents: 5000 },
        { scope: 'apollo', period: 'month', capCents: 10000 },
      ],
      cells: ['total:day', 'apollo:month'],
    });
  });

  it('reads problem paths in either bracket or dot form', () => {
    expect(normalizePath('caps[12].capCents')).toBe('caps.12.capCents');
    expect(normalizePath('caps.12.capCents')).toBe('caps.12.capCents');
    expect(normalizePath('[0].x')).toBe('0.x');
  });
});

describe('audit paging', () => {
  it('walks forward and back over any sequence of cursors', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[1-9]\d{0,5}$/), { maxLength: 8 }), (cursors) => {
        let stack = FIRST_PAGE;
        for (const c of cursors) stack = nextPage(stack, c);
        expect(nextPage(stack, null)).toBe(stack);
        const seen: (string | null)[] = [];
        for (let i = 0; i <= cursors.length; i++) {
          seen.push(currentCursor(stack));
          stack = previousPage(stack);
        }
        expect(seen).toEqual([...[...cursors].reverse(), null]);
        expect(previousPage(FIRST_PAGE)).toBe(FIRST_PAGE);
      }),
    );
  });
});
