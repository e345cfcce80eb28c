// The HubSpot project under hubspot-project/: parsed the way HubSpot's CLI parses it, checked
// against our schemas, equal to what the code generates for the example deployment (so a new scope,
// route, output or error code cannot ship without regenerating), and consistent with what the
// backend actually accepts and sends — the latter over real HTTP against the sandbox portal.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { translate } from '@hubspot/project-parsing-lib/translate';
import { parseProjectConfig } from '@hubspot/project-parsing-lib/projects';
import { APP_DIR, ACTION_ERROR_CODES, CARD_ENTRYPOINT, SETTINGS_ENTRYPOINT, UIDS, generateProject } from '../../server/hubspot/project/generate.ts';
import { checkProjectDir, templateTokens } from '../../server/hubspot/project/schemas.ts';
import { compareFiles, generateFor, projectDrift } from '../../server/hubspot/project/drift.ts';
import { CONTACT_READ_PROPERTIES } from '../../server/hubspot/contact-properties.ts';
import { completionOutputs, parseActionRequest } from '../../server/hubspot/workflow-action.ts';
import { scopesFor } from '../../server/hubspot/oauth.ts';
import { NOT_INSTALLED_OUTPUTS } from '../../server/http/workflow-actions.ts';
import { SKIP_REASONS, summarize } from '../../server/enrichment/outcome.ts';
import type { StepSummary } from '../../server/enrichment/outcome.ts';
import type { CanonicalProfile } from '../../server/enrichment/profile.ts';
import { CANONICAL_FIELDS, FIELD_GROUPS } from '../../server/vendors/types.ts';
import { KNOWN_SCOPES } from '../../sandbox/hubspot/oauth.ts';
import { generateContacts } from '../../sandbox/world.ts';
import { PORTAL, crmProps, eventually, installed } from '../helpers/hubspot.ts';
import type { Installed } from '../helpers/hubspot.ts';
import { backend } from '../helpers/env.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'hubspot-project');
const EXAMPLE = 'https://cascade.example.com';
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const CLI = path.join(ROOT, 'server/hubspot/project/cli.ts');

type Json = Record<string, unknown>;
const readJson = (rel: string): Json => JSON.parse(readFileSync(path.join(ROOT, rel), 'utf8')) as Json;
const configOf = (rel: string) => readJson(rel).config as Json;

interface TypeDef {
  name: string;
  type: string;
  fieldType?: string;
  options: { value: string; label: string }[];
}
const ACTION_FILE = `${APP_DIR}/workflow-actions/enrich-contact-hsmeta.json`;
const APP_FILE = `${APP_DIR}/app-hsmeta.json`;
const EVENT_FILE = `${APP_DIR}/app-events/enrichment-run-hsmeta.json`;
const action = () => configOf(ACTION_FILE) as {
  inputFields: { typeDefinition: TypeDef }[];
  outputFields: { typeDefinition: TypeDef }[];
  objectRequestOptions: { properties: string[] };
  executionRules: { labelName: string; conditions: Record<string, string> }[];
  labels: { en: { executionRules: Record<string, string> } };
};
const appEvent = () => configOf(EVENT_FILE) as { properties: { name: string; type: string; options?: { value: string }[] }[]; headerTemplate: string; detailTemplate: string };
const input = (name: string) => action().inputFields.find((f) => f.typeDefinition.name === name)!.typeDefinition;
const output = (name: string) => action().outputFields.find((f) => f.typeDefinition.name === name)!.typeDefinition;

const temps: string[] = [];
/** A copy of the repository's project (hsproject.json + hubspot-project/, without node_modules). */
function copyProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cascade-project-'));
  temps.push(dir);
  cpSync(path.join(ROOT, 'hsproject.json'), path.join(dir, 'hsproject.json'));
  cpSync(SRC, path.join(dir, 'hubspot-project'), { recursive: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Leaf values of a JSON document by path. */
function leaves(v: unknown, at: string[] = [], out = new Map<string, unknown>()): Map<string, unknown> {
  if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, [...at, k], out);
  else out.set(at.join(' > '), v);
  return out;
}
function changedLeaves(a: unknown, b: unknown): string[] {
  const la = leaves(a);
  const lb = leaves(b);
  return [...new Set([...la.keys(), ...lb.keys()])].filter((k) => la.get(k) !== lb.get(k)).sort();
}

describe('the project as HubSpot parses it', () => {
  it('skips no hsmeta file and holds every component, configs intact', async () => {
    const project = parseProjectConfig(ROOT);
    expect(project).toMatchObject({ srcDir: 'hubspot-project', platformVersion: '2026.03' });
    const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
      { projectSourceDir: path.join(ROOT, project.srcDir), platformVersion: project.platformVersion },
      { skipValidation: true },
    );
    expect(skippedHsMetaFiles).toEqual([]);
    const nodes = Object.values(intermediateRepresentation.intermediateNodesIndexedByUid);
    expect(nodes.map((n) => [n.uid, n.componentType]).sort()).toEqual(
      [
        [UIDS.app, 'APPLICATION'],
        [UIDS.card, 'CARD'],
        [UIDS.settings, 'SETTINGS'],
        [UIDS.action, 'WORKFLOW_ACTION'],
        [UIDS.webhooks, 'WEBHOOKS'],
        [UIDS.appEvent, 'APP_EVENT'],
      ].sort(),
    );
    for (const n of nodes) {
      // What would be uploaded is what the file says (the parser drops invalid JSON silently).
      expect(n.config).toEqual(JSON.parse(readFileSync(path.join(SRC, n.metaFilePath), 'utf8')).config);
      if (n.uid !== UIDS.app) expect(n.componentDeps.app).toBe(UIDS.app);
    }
  });

  it("the card's and the settings page's entry points exist inside srcDir and use the generated backend URL", async () => {
    expect(configOf(`${APP_DIR}/cards/enrich-card-hsmeta.json`).entrypoint).toBe(CARD_ENTRYPOINT);
    expect(configOf(`${APP_DIR}/settings/settings-hsmeta.json`).entrypoint).toBe(SETTINGS_ENTRYPOINT);
    for (const entry of [CARD_ENTRYPOINT, SETTINGS_ENTRYPOINT]) {
      const file = path.join(SRC, entry);
      expect(existsSync(file), entry).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/import \{ BACKEND_URL \} from '\.\/backend\.ts'/);
    }
    // hubspot.fetch only reaches permitted origins: the card's backend must be one, and local dev proxies it.
    const { BACKEND_URL } = (await import(path.join(SRC, 'app/cards/backend.ts'))) as { BACKEND_URL: string };
    const origin = new URL(BACKEND_URL).origin;
    expect((configOf(APP_FILE).permittedUrls as { fetch: string[] }).fetch).toContain(origin);
    expect(Object.keys((readJson(`${APP_DIR}/local.json`).proxy as Json))).toEqual([origin]);
  });
});

describe('the project against our schemas', () => {
  it('every hsmeta file parses and passes its schema', () => {
    expect(checkProjectDir(SRC)).toEqual([]);
  });

  const bad: { what: string; change: (dir: string) => void; file: string; path: string; skippedByHubSpot?: boolean }[] = [
    {
      what: 'a nested hsmeta file (HubSpot would skip it)',
      change: (d) => {
        mkdirSync(path.join(d, 'app/cards/old'));
        renameSync(path.join(d, 'app/cards/enrich-card-hsmeta.json'), path.join(d, 'app/cards/old/enrich-card-hsmeta.json'));
      },
      file: 'app/cards/old/enrich-card-hsmeta.json',
      path: '',
      skippedByHubSpot: true,
    },
    { what: 'an unknown top-level key', change: edit('app/app-hsmeta.json', (j) => ({ ...j, version: 2 })), file: 'app/app-hsmeta.json', path: 'version' },
    {
      what: 'a typo in a config key',
      change: edit('app/workflow-actions/enrich-contact-hsmeta.json', (j) => ({ ...j, config: { ...(j.config as Json), isPublish: true } })),
      file: 'app/workflow-actions/enrich-contact-hsmeta.json',
      path: 'config.isPublish',
    },
    { what: 'a bad uid', change: edit('app/webhooks/webhooks-hsmeta.json', (j) => ({ ...j, uid: 'cascade webhooks!' })), file: 'app/webhooks/webhooks-hsmeta.json', path: 'uid' },
    {
      what: 'an http origin in permittedUrls',
      change: edit('app/app-hsmeta.json', (j) => {
        const c = j.config as Json;
        return { ...j, config: { ...c, permittedUrls: { ...(c.permittedUrls as Json), fetch: ['http://cascade.example.com'] } } };
      }),
      file: 'app/app-hsmeta.json',
      path: 'config.permittedUrls.fetch.0',
    },
    {
      what: 'an execution rule without a message',
      change: edit('app/workflow-actions/enrich-contact-hsmeta.json', (j) => {
        const c = j.config as Json;
        return { ...j, config: { ...c, executionRules: [...(c.executionRules as unknown[]), { labelName: 'nowhere', conditions: { error_code: 'VENDOR_ERROR' } }] } };
      }),
      file: 'app/workflow-actions/enrich-contact-hsmeta.json',
      path: 'config.executionRules.8.labelName',
    },
    {
      what: 'a template token the event does not have',
      change: edit('app/app-events/enrichment-run-hsmeta.json', (j) => ({ ...j, config: { ...(j.config as Json), headerTemplate: 'Run {{outcome}}' } })),
      file: 'app/app-events/enrichment-run-hsmeta.json',
      path: 'config.headerTemplate',
    },
    { what: 'a duplicate uid', change: edit('app/settings/settings-hsmeta.json', (j) => ({ ...j, uid: UIDS.card })), file: 'app/settings/settings-hsmeta.json', path: 'uid' },
    { what: 'invalid JSON', change: (d) => writeFileSync(path.join(d, 'app/webhooks/webhooks-hsmeta.json'), '{"uid": "x",}'), file: 'app/webhooks/webhooks-hsmeta.json', path: '' },
  ];

  function edit(rel: string, f: (j: Json) => Json) {
    return (dir: string) => {
      const p = path.join(dir, rel);
      writeFileSync(p, JSON.stringify(f(JSON.parse(readFileSync(p, 'utf8')) as Json), null, 2));
    };
  }

  for (const b of bad) {
    it(`reports ${b.what}, naming the file and the field`, async () => {
      const src = path.join(copyProject(), 'hubspot-project');
      expect(checkProjectDir(src)).toEqual([]);
      b.change(src);
      const problems = checkProjectDir(src);
      expect(problems.map((p) => [p.file, p.path])).toContainEqual([b.file, b.path]);
      expect(problems.every((p) => p.file === b.file || (b.path === 'uid' && p.path === 'uid'))).toBe(true);
      if (b.skippedByHubSpot) {
        // HubSpot's own parser agrees that the file would be left out of the upload.
        const r = await translate({ projectSourceDir: src, platformVersion: '2026.03' }, { skipValidation: true });
        expect(r.skippedHsMetaFiles).toEqual([b.file]);
      }
    });
  }

  it('reads every {{token}} in a template, whatever surrounds it', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
    const prose = fc.string().map((s) => s.replace(/[{}]/g, ''));
    fc.assert(
      fc.property(fc.array(fc.tuple(prose, name, fc.boolean())), prose, (parts, tail) => {
        const tpl = parts.map(([p, n, block]) => (block ? `${p}{{#if ${n}}}x{{else}}y{{/if}}` : `${p}{{ ${n} }}`)).join('') + tail;
        expect(templateTokens(tpl)).toEqual(parts.map(([, n]) => n));
      }),
    );
  });
});

describe('the committed project is what the code generates', () => {
  it(`equals generateProject for ${EXAMPLE}, file by file`, () => {
    for (const f of generateProject({ publicBaseUrl: EXAMPLE })) {
      expect(readFileSync(path.join(ROOT, f.path), 'utf8'), `${f.path} is stale: run PUBLIC_BASE_URL=${EXAMPLE} npm run project:generate`).toBe(f.content);
    }
    expect(compareFiles(ROOT, generateFor({ PUBLIC_BASE_URL: EXAMPLE, HUBSPOT_APP_EVENT_TYPE: undefined }))).toEqual([]);
    expect(projectDrift(ROOT, { PUBLIC_BASE_URL: EXAMPLE, HUBSPOT_APP_EVENT_TYPE: undefined })).toEqual([]);
    expect(projectDrift(ROOT, { PUBLIC_BASE_URL: undefined, HUBSPOT_APP_EVENT_TYPE: undefined })).toBeNull();
  });

  it('asks HubSpot for exactly the scopes /oauth/install asks for, all of them real scopes', () => {
    const auth = configOf(APP_FILE).auth as { requiredScopes: string[]; optionalScopes: string[] };
    expect(auth.requiredScopes).toEqual(scopesFor({ HUBSPOT_APP_EVENT_TYPE: undefined }).required);
    expect(auth.optionalScopes).toEqual(scopesFor({ HUBSPOT_APP_EVENT_TYPE: undefined }).optional);
    for (const s of [...auth.requiredScopes, ...auth.optionalScopes]) expect(KNOWN_SCOPES.has(s), s).toBe(true);
  });

  it('another backend URL changes every URL-bearing value and nothing else', () => {
    const other = 'https://enrich.acme.io/cascade';
    const a = new Map(generateProject({ publicBaseUrl: EXAMPLE }).map((f) => [f.path, f.content]));
    const b = new Map(generateProject({ publicBaseUrl: other }).map((f) => [f.path, f.content]));
    expect([...b.keys()]).toEqual([...a.keys()]);
    const changed: Record<string, string[]> = {};
    for (const [p, content] of b) {
      if (!p.endsWith('.json')) continue;
      const diff = changedLeaves(JSON.parse(a.get(p)!), JSON.parse(content));
      if (diff.length) changed[p.slice(APP_DIR.length + 1)] = diff;
      const now = leaves(JSON.parse(content));
      for (const k of diff) {
        // A changed value holds the new host; a changed key (local.json's proxy) is gone or renamed.
        if (now.has(k)) expect(`${k} ${String(now.get(k))}`).toContain('enrich.acme.io');
        else expect(k).toContain('cascade.example.com');
      }
    }
    expect(changed).toEqual({
      'app-hsmeta.json': [
        'config > auth > redirectUrls > 0',
        'config > permittedUrls > fetch > 0',
        'config > support > documentationUrl',
        'config > support > supportEmail',
        'config > support > supportUrl',
      ],
      'workflow-actions/enrich-contact-hsmeta.json': ['config > actionUrl'],
      'webhooks/webhooks-hsmeta.json': ['config > settings > targetUrl'],
      'local.json': ['proxy > https://cascade.example.com', 'proxy > https://enrich.acme.io'],
    });
    expect(JSON.parse(b.get(ACTION_FILE)!).config.actionUrl).toBe(`${other}/hubspot/actions/enrich`);
    expect(JSON.parse(b.get(`${APP_DIR}/webhooks/webhooks-hsmeta.json`)!).config.settings.targetUrl).toBe(`${other}/hubspot/webhooks`);
    expect(JSON.parse(b.get(APP_FILE)!).config.auth.redirectUrls).toEqual([`${other}/oauth/callback`]);
    expect(JSON.parse(b.get(APP_FILE)!).config.permittedUrls.fetch).toEqual(['https://enrich.acme.io']);
    for (const ui of ['cards', 'settings']) {
      expect(b.get(`${APP_DIR}/${ui}/backend.ts`)).toBe(a.get(`${APP_DIR}/${ui}/backend.ts`)!.replace(`'${EXAMPLE}'`, `'${other}'`));
      expect(b.get(`${APP_DIR}/${ui}/backend.ts`)).toContain(`export const BACKEND_URL = '${other}';`);
    }
  });

  it('configuring the app event type adds the timeline scope and changes nothing else', () => {
    const a = new Map(generateProject({ publicBaseUrl: EXAMPLE }).map((f) => [f.path, f.content]));
    const b = generateProject({ publicBaseUrl: EXAMPLE, appEventType: 'pe1234_cascade_enrichment_run' });
    for (const f of b) {
      if (f.path !== APP_FILE) expect(f.content).toBe(a.get(f.path));
    }
    const scopes = JSON.parse(b.find((f) => f.path === APP_FILE)!.content).config.auth.requiredScopes;
    expect(scopes).toEqual([...(configOf(APP_FILE).auth as { requiredScopes: string[] }).requiredScopes, 'timeline']);
  });
});

// Random run outcomes through the engine's own summary and the action's completion outputs.
const summaries = fc
  .record({
    groups: fc.subarray([...FIELD_GROUPS]),
    fields: fc.subarray([...CANONICAL_FIELDS]),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    source: fc.constantFrom('apollo', 'hunter', 'pdl'),
    steps: fc.array(
      fc.record({
        state: fc.constantFrom<StepSummary['state']>('done', 'skipped', 'indeterminate'),
        outcome: fc.constantFrom(null, 'hit', 'miss'),
        skipReason: fc.constantFrom(null, ...SKIP_REASONS),
      }),
      { maxLength: 4 },
    ),
    threshold: fc.double({ min: 0, max: 1, noNaN: true }),
    suppressed: fc.boolean(),
    pausedOnCap: fc.boolean(),
    costMc: fc.nat({ max: 10_000_000 }),
  })
  .map((r) => {
    const profile: CanonicalProfile = Object.fromEntries(r.fields.map((f) => [f, { value: 'x', confidence: r.confidence, source: r.source }]));
    return summarize({ groups: r.groups, profile, steps: r.steps, threshold: r.threshold, suppressed: r.suppressed, pausedOnCap: r.pausedOnCap, costMc: r.costMc });
  });

/** Checks one completion's outputs against the action's declared output fields. */
function expectDeclaredOutputs(outputs: Record<string, unknown>) {
  const declared = action().outputFields.map((f) => f.typeDefinition.name);
  expect(Object.keys(outputs).filter((k) => k !== 'hs_execution_state').sort()).toEqual([...declared].sort());
  for (const name of declared) {
    const def = output(name);
    const v = String(outputs[name]);
    if (def.type === 'enumeration' && !(name === 'error_code' && v === '')) expect(def.options.map((o) => o.value), `${name}=${v}`).toContain(v);
    if (def.type === 'number') expect(Number.isFinite(Number(v)) && v.trim() !== '', `${name}=${v}`).toBe(true);
  }
}

describe("the workflow action against the backend's code", () => {
  it('asks HubSpot for exactly the contact properties the engine reads', () => {
    expect(action().objectRequestOptions.properties).toEqual([...CONTACT_READ_PROPERTIES]);
  });

  it('a request built from the declared input options is accepted as chosen (HubSpot joins checkboxes with ;)', () => {
    const groups = input('fields').options.map((o) => o.value);
    const bools = input('force_refresh').options.map((o) => o.value);
    fc.assert(
      fc.property(fc.shuffledSubarray(groups, { minLength: 1 }), fc.constantFrom(...bools), (chosen, force) => {
        const r = parseActionRequest({
          callbackId: 'ap-1',
          origin: { portalId: 7 },
          object: { objectId: 9, objectType: 'CONTACT', properties: Object.fromEntries(action().objectRequestOptions.properties.map((p) => [p, 'v'])) },
          inputFields: { fields: chosen.join(';'), force_refresh: force },
        });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect([...r.trigger.groups].sort()).toEqual([...chosen].sort());
        expect(r.trigger.forceRefresh).toBe(force === 'true');
      }),
    );
  });

  it('every declared input field is one the endpoint reads: a value outside its options is refused naming it', () => {
    for (const f of action().inputFields) {
      const r = parseActionRequest({
        callbackId: 'ap-2',
        origin: { portalId: 7 },
        object: { objectId: 9, objectType: 'CONTACT' },
        inputFields: { [f.typeDefinition.name]: 'not_an_option' },
      });
      expect(r.ok, f.typeDefinition.name).toBe(false);
      if (!r.ok) expect(r.problems.map((p) => p.field)).toEqual([`inputFields.${f.typeDefinition.name}`]);
    }
  });

  it('every completion the engine can produce fits the declared outputs, and every error code has an execution rule', () => {
    const ruled = new Map(action().executionRules.map((r) => [r.conditions.error_code, r.labelName]));
    const messages = action().labels.en.executionRules;
    const check = (code: string) => {
      expect(ruled.has(code), `no execution rule for ${code}`).toBe(true);
      expect(messages[ruled.get(code)!], `no message for ${code}`).toMatch(/\w/);
    };
    fc.assert(
      fc.property(summaries, (s) => {
        expectDeclaredOutputs(completionOutputs(s));
        if (s.errorCode) check(s.errorCode);
      }),
      { numRuns: 500 },
    );
    expectDeclaredOutputs(NOT_INSTALLED_OUTPUTS);
    check(NOT_INSTALLED_OUTPUTS.error_code);
    expect([...ruled.keys()].sort()).toEqual([...ACTION_ERROR_CODES].sort());
  });

  it("the app event's templates use only its properties", () => {
    const names = appEvent().properties.map((p) => p.name);
    for (const t of [...templateTokens(appEvent().headerTemplate), ...templateTokens(appEvent().detailTemplate)]) expect(names).toContain(t);
  });
});

describe(`the project against the running backend (${backend})`, () => {
  let t: Installed | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it('an enrolment configured from the hsmeta completes with the declared outputs and sends the declared timeline properties', async () => {
    const people = generateContacts(30, 4, 'project-hsmeta').filter((c) => c.email).slice(0, 4);
    const eventType = 'pe424242_cascade_enrichment_run';
    t = await installed({ contacts: people.map(crmProps), config: { HUBSPOT_APP_EVENT_TYPE: eventType }, hubspot: { appEventTypes: [eventType] } });
    const ids = t.hs.contacts(PORTAL).map((c) => c.id);
    const groups = input('fields').options.map((o) => o.value).filter((g) => g === 'email' || g === 'person');
    const { executions } = await t.hs.enroll({
      portalId: PORTAL,
      actionUrl: t.actionUrl,
      contactIds: ids,
      inputFields: { fields: groups.join(';'), force_refresh: input('force_refresh').options[1]!.value },
      objectProperties: action().objectRequestOptions.properties,
    });
    expect(executions.every((e) => e.status === 200)).toBe(true);
    const callbackIds = new Set(executions.map((e) => e.callbackId));
    await eventually(() => t!.hs.callbacks().filter((c) => callbackIds.has(c.callbackId) && c.state === 'completed').length === ids.length, 'callbacks completed');
    for (const c of t.hs.callbacks().filter((x) => callbackIds.has(x.callbackId))) expectDeclaredOutputs(c.outputFields ?? {});

    await eventually(() => t!.hs.timelineEvents().length === ids.length, 'timeline events sent');
    const declared = appEvent().properties;
    for (const ev of t.hs.timelineEvents()) {
      expect(Object.keys(ev.properties).sort()).toEqual(declared.map((p) => p.name).sort());
      for (const p of declared) {
        const v = ev.properties[p.name]!;
        if (p.type === 'enumeration') expect(p.options!.map((o) => o.value)).toContain(v);
        if (p.type === 'number') expect(Number.isFinite(Number(v))).toBe(true);
      }
    }
  });
});

describe('npm run project:check', () => {
  const run = (dir: string, command: string, base: string | undefined, extra: string[] = []) =>
    promisify(execFile)(NODE, ['--disable-warning=ExperimentalWarning', CLI, command, '--dir', dir, ...extra], {
      // A clean environment: only what the CLI reads (the test's own DATABASE_URL must not leak in).
      env: { PATH: process.env.PATH ?? '', ...(base ? { PUBLIC_BASE_URL: base } : {}) },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('fails naming each drifted file when PUBLIC_BASE_URL differs, passes once regenerated, and deletes nothing', async () => {
    const dir = copyProject();
    const before = readFileSync(path.join(dir, ACTION_FILE), 'utf8');
    expect((await run(dir, 'check', EXAMPLE)).code).toBe(0);

    const drifted = await run(dir, 'check', 'https://enrich.acme.io');
    expect(drifted.code).toBe(1);
    for (const f of [APP_FILE, ACTION_FILE, `${APP_DIR}/webhooks/webhooks-hsmeta.json`, `${APP_DIR}/cards/backend.ts`, `${APP_DIR}/settings/backend.ts`, `${APP_DIR}/local.json`]) {
      expect(drifted.stdout).toContain(f);
    }
    expect(drifted.stdout).not.toContain('enrich-card-hsmeta.json');
    expect(readFileSync(path.join(dir, ACTION_FILE), 'utf8')).toBe(before); // check writes nothing

    // A stray hsmeta file is reported, and left where it is.
    mkdirSync(path.join(dir, 'hubspot-project/app/cards/old'));
    writeFileSync(path.join(dir, 'hubspot-project/app/cards/old/old-card-hsmeta.json'), '{}');
    const gen = await run(dir, 'generate', 'https://enrich.acme.io');
    expect(gen.code).toBe(1);
    expect(gen.stdout).toContain('hubspot-project/app/cards/old/old-card-hsmeta.json');
    expect(existsSync(path.join(dir, 'hubspot-project/app/cards/old/old-card-hsmeta.json'))).toBe(true);
    rmSync(path.join(dir, 'hubspot-project/app/cards/old'), { recursive: true });
    expect(await run(dir, 'check', 'https://enrich.acme.io')).toMatchObject({ code: 0 });
    expect(JSON.parse(readFileSync(path.join(dir, ACTION_FILE), 'utf8')).config.actionUrl).toBe('https://enrich.acme.io/hubspot/actions/enrich');
    // The repository's own files were not touched.
    expect(JSON.parse(readFileSync(path.join(ROOT, ACTION_FILE), 'utf8')).config.actionUrl).toBe(`${EXAMPLE}/hubspot/actions/enrich`);
  });

  it('refuses to run without an https PUBLIC_BASE_URL', async () => {
    const dir = copyProject();
    const none = await run(dir, 'check', undefined);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('PUBLIC_BASE_URL is not set');
    const http = await run(dir, 'generate', 'http://cascade.example.com');
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('--allow-http');
    expect(readFileSync(path.join(dir, APP_FILE), 'utf8')).toBe(readFileSync(path.join(ROOT, APP_FILE), 'utf8'));
  });
});
