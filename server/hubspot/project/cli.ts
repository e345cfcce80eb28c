// npm run project:generate | project:check — writes, or checks, the HubSpot project files for the
// backend URL in the environment (PUBLIC_BASE_URL; HUBSPOT_APP_EVENT_TYPE adds the timeline scope).
//
//   node server/hubspot/project/cli.ts generate|check [--dir <repo root>] [--allow-http]
//
// `check` exits 1 listing every file that differs from what `generate` would write (run it before
// `hs project upload`); neither command deletes anything.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config.ts';
import { compareFiles, generateFor } from './drift.ts';
import { PROJECT_SRC_DIR } from './generate.ts';
import { checkProjectDir } from './schemas.ts';

const USAGE = 'usage: node server/hubspot/project/cli.ts generate|check [--dir <repo root>] [--allow-http]';

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function main(): void {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { dir: { type: 'string' }, 'allow-http': { type: 'boolean', default: false } },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  const command = parsed.positionals[0];
  if (parsed.positionals.length !== 1 || (command !== 'generate' && command !== 'check')) fail(USAGE);
  const root = path.resolve(parsed.values.dir ?? path.join(import.meta.dirname, '../../..'));
  if (!existsSync(path.join(root, 'hsproject.json'))) fail(`${root} has no hsproject.json: pass the repository root with --dir`);

  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const base = config.PUBLIC_BASE_URL;
  if (!base) fail('PUBLIC_BASE_URL is not set: every URL in the HubSpot project is built from it (e.g. PUBLIC_BASE_URL=https://cascade.example.com)');
  if (new URL(base).protocol !== 'https:' && !parsed.values['allow-http']) {
    fail(`PUBLIC_BASE_URL must be https (HubSpot calls only https URLs); pass --allow-http for a throw-away project`);
  }

  const files = generateFor(config);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let bad = 0;
  if (command === 'generate') {
    for (const f of files) {
      const abs = path.join(root, f.path);
      const same = existsSync(abs) && readFileSync(abs, 'utf8') === f.content;
      if (!same) {
        mkdirSync(path.dirname(abs), { recursive: true });
        writeFileSync(abs, f.content);
      }
      out(`${same ? 'unchanged' : 'wrote    '} ${f.path}`);
    }
    for (const d of compareFiles(root, files).filter((x) => x.kind === 'unexpected')) {
      out(`not generated (left in place; remove it if it is stale): ${d.path}`);
    }
  } else {
    const drift = compareFiles(root, files);
    for (const d of drift) {
      out(d.kind === 'unexpected' ? `unexpected ${d.path} (not generated for this configuration)` : `${d.kind.padEnd(10)} ${d.path}`);
    }
    if (drift.length) out(`${drift.length} file(s) differ from what PUBLIC_BASE_URL=${base} generates: run npm run project:generate`);
    bad += drift.length;
  }
  // With --allow-http the http URLs are reported but do not fail: HubSpot would refuse them anyway.
  for (const p of checkProjectDir(path.join(root, PROJECT_SRC_DIR))) {
    out(`invalid    ${PROJECT_SRC_DIR}/${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`);
    if (!parsed.values['allow-http']) bad++;
  }
  if (bad === 0 && command === 'check') out(`the HubSpot project matches PUBLIC_BASE_URL=${base}`);
  process.exit(bad ? 1 : 0);
}

main();
