// Whether the HubSpot project in a checkout matches what the configured backend URL generates: the
// CLI's `check` fails on any difference, the server logs a warning at start.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { generateProject, PROJECT_SRC_DIR } from './generate.ts';
import type { GeneratedFile } from './generate.ts';
import { findMetaFiles } from './schemas.ts';

export interface DriftedFile {
  /** Relative to the repository root. */
  path: string;
  /** missing/changed: differs from what generate would write; unexpected: an hsmeta file generate does not produce. */
  kind: 'missing' | 'changed' | 'unexpected';
}

export type ProjectConfig = Pick<Config, 'PUBLIC_BASE_URL' | 'HUBSPOT_APP_EVENT_TYPE'> &
  Partial<Pick<Config, 'APP_SUPPORT_EMAIL' | 'APP_DOCUMENTATION_URL' | 'APP_SUPPORT_URL'>>;

/** The files the configuration generates. Throws when PUBLIC_BASE_URL is unset. */
export function generateFor(config: ProjectConfig): GeneratedFile[] {
  if (!config.PUBLIC_BASE_URL) throw new Error('PUBLIC_BASE_URL is not set: the project is generated from it');
  return generateProject({
    publicBaseUrl: config.PUBLIC_BASE_URL,
    ...(config.HUBSPOT_APP_EVENT_TYPE ? { appEventType: config.HUBSPOT_APP_EVENT_TYPE } : {}),
    ...(config.APP_SUPPORT_EMAIL ? { supportEmail: config.APP_SUPPORT_EMAIL } : {}),
    ...(config.APP_DOCUMENTATION_URL ? { documentationUrl: config.APP_DOCUMENTATION_URL } : {}),
    ...(config.APP_SUPPORT_URL ? { supportUrl: config.APP_SUPPORT_URL } : {}),
  });
}

/** Compares generated files with what is on disk under `repoRoot`. Reads only. */
export function compareFiles(repoRoot: string, files: GeneratedFile[]): DriftedFile[] {
  const drift: DriftedFile[] = [];
  for (const f of files) {
    const abs = path.join(repoRoot, f.path);
    if (!existsSync(abs)) drift.push({ path: f.path, kind: 'missing' });
    else if (readFileSync(abs, 'utf8') !== f.content) drift.push({ path: f.path, kind: 'changed' });
  }
  const srcDir = path.join(repoRoot, PROJECT_SRC_DIR);
  if (existsSync(srcDir)) {
    const generated = new Set(files.map((f) => f.path));
    for (const rel of findMetaFiles(srcDir)) {
      const p = `${PROJECT_SRC_DIR}/${rel}`;
      if (!generated.has(p)) drift.push({ path: p, kind: 'unexpected' });
    }
  }
  return drift;
}

/**
 * The project files under `repoRoot` that differ from what `config` generates, or null when there
 * is nothing to compare: PUBLIC_BASE_URL unset, or no HubSpot project in this deployment.
 */
export function projectDrift(repoRoot: string, config: ProjectConfig): DriftedFile[] | null {
  if (!config.PUBLIC_BASE_URL || !existsSync(path.join(repoRoot, 'hsproject.json'))) return null;
  return compareFiles(repoRoot, generateFor(config));
}
