import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.ts';
import { decryptSecret, encryptSecret } from '../../server/security/envelope.ts';
import { LOCAL_KEY_FILE, loadKeyRing } from '../../server/security/keyring.ts';

function capturedLogger() {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } });
  return {
    log,
    text: () => lines.join(''),
    warnings: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cascade-keyring-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadKeyRing', () => {
  it('generates a local key once (mode 0600), reuses it, and warns once per load without the key', () => {
    const dataDir = join(dir, 'data'); // does not exist yet
    const file = join(dataDir, LOCAL_KEY_FILE);
    const first = capturedLogger();
    const ring = loadKeyRing({ ENCRYPTION_KEYS: undefined, DATA_DIR: dataDir }, first.log);
    expect(ring.activeKid).toBe('local');

    const content = readFileSync(file, 'utf8');
    expect(content).toMatch(/^local:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(content.slice('local:'.length), 'base64')).toHaveLength(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const w1 = first.warnings();
    expect(w1).toHaveLength(1);
    expect(w1[0]?.msg).toMatch(/generated a local encryption key/);
    expect(w1[0]?.msg).toMatch(/Production must set ENCRYPTION_KEYS/);
    const keyB64 = content.slice('local:'.length);
    expect(first.text()).not.toContain(keyB64);
    expect(first.text()).not.toContain(Buffer.from(keyB64, 'base64').toString('hex'));

    const record = encryptSecret(ring, 'vendor-key-123456', 'portal:1|vendor:apollo');

    const second = capturedLogger();
    const again = loadKeyRing({ ENCRYPTION_KEYS: undefined, DATA_DIR: dataDir }, second.log);
    expect(readFileSync(file, 'utf8')).toBe(content); // reused, not regenerated
    expect(decryptSecret(again, record, 'portal:1|vendor:apollo')).toBe('vendor-key-123456');
    const w2 = second.warnings();
    expect(w2).toHaveLength(1);
    expect(w2[0]?.msg).toMatch(/using the local encryption key/);
    expect(second.text()).not.toContain(keyB64);
  });

  it('tightens a key file that others can read', () => {
    if (process.platform === 'win32') return;
    const file = join(dir, LOCAL_KEY_FILE);
    writeFileSync(file, `local:${randomBytes(32).toString('base64')}\n`);
    chmodSync(file, 0o644);
    const { log, warnings } = capturedLogger();
    loadKeyRing({ ENCRYPTION_KEYS: undefined, DATA_DIR: dir }, log);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings()).toHaveLength(1);
  });

  it('refuses a damaged key file instead of replacing it, without printing its content', () => {
    const file = join(dir, LOCAL_KEY_FILE);
    writeFileSync(file, 'local:c2hvcnQ=', { mode: 0o600 });
    const { log } = capturedLogger();
    expect(() => loadKeyRing({ ENCRYPTION_KEYS: undefined, DATA_DIR: dir }, log)).toThrow(/damaged/);
    try {
      loadKeyRing({ ENCRYPTION_KEYS: undefined, DATA_DIR: dir }, log);
    } catch (err) {
      expect((err as Error).message).not.toContain('c2hvcnQ=');
    }
    expect(readFileSync(file, 'utf8')).toBe('local:c2hvcnQ=');
  });

  it('uses ENCRYPTION_KEYS when set: no file, no warning, first key active', () => {
    const keys = [
      { id: 'prod2', key: randomBytes(32) },
      { id: 'prod1', key: randomBytes(32) },
    ];
    const { log, text } = capturedLogger();
    const ring = loadKeyRing({ ENCRYPTION_KEYS: keys, DATA_DIR: dir }, log);
    expect(ring.activeKid).toBe('prod2');
    expect(ring.kids).toEqual(['prod2', 'prod1']);
    expect(text()).toBe('');
    expect(() => statSync(join(dir, LOCAL_KEY_FILE))).toThrow();
    const record = encryptSecret(ring, 'abc', 'portal:9|vendor:hunter');
    expect(record.kid).toBe('prod2');
  });
});
