// Where the key-encryption keys come from.
//
// Production: ENCRYPTION_KEYS ("id:base64,id2:base64", first one encrypts), already validated by
// server/config.ts. The embedded default (no DATABASE_URL) may run without it: then a key is generated
// once into `${DATA_DIR}/encryption.key` (mode 0600, content "local:<base64 of 32 bytes>") and reused on
// every later start, with one warning per start saying so. The key itself is never logged.
//
// Moving such an install to ENCRYPTION_KEYS: list the file's content as one of the keys (e.g.
// "prod:<new>,local:<from the file>") so existing secrets stay readable, then rewrap them.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { KeyRing } from './envelope.ts';

export const LOCAL_KEY_FILE = 'encryption.key';
export const LOCAL_KEY_ID = 'local';

/** The part of the configuration the key ring needs. */
export type KeyRingConfig = Pick<Config, 'ENCRYPTION_KEYS' | 'DATA_DIR'>;

/** Any logger with a pino-style `warn(obj, msg)` (a pino Logger fits). */
export interface WarnLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export function loadKeyRing(config: KeyRingConfig, log: WarnLogger): KeyRing {
  if (config.ENCRYPTION_KEYS && config.ENCRYPTION_KEYS.length > 0) {
    return new KeyRing(config.ENCRYPTION_KEYS);
  }
  const dir = resolve(config.DATA_DIR);
  const file = join(dir, LOCAL_KEY_FILE);
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  let generated = false;
  let permissionsTightened = false;
  let key = readKeyFile(file);
  if (!key) {
    generated = createKeyFile(file);
    key = readKeyFile(file);
    if (!key) throw new Error(`could not read the local encryption key file ${file}`);
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
    permissionsTightened = true;
  }

  log.warn(
    { keyFile: file, keyId: LOCAL_KEY_ID, generated, ...(permissionsTightened ? { permissionsTightened } : {}) },
    generated
      ? 'ENCRYPTION_KEYS is not set: generated a local encryption key for the embedded default. ' +
          'Production must set ENCRYPTION_KEYS.'
      : 'ENCRYPTION_KEYS is not set: using the local encryption key generated earlier for the embedded default. ' +
          'Production must set ENCRYPTION_KEYS.',
  );
  return new KeyRing([{ id: LOCAL_KEY_ID, key }]);
}

/** The key in the file, or null when the file does not exist. A damaged file is an error, never replaced. */
function readKeyFile(file: string): Buffer | null {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const match = /^local:([A-Za-z0-9+/]{43}=)$/.exec(content.trim());
  const key = match?.[1] ? Buffer.from(match[1], 'base64') : null;
  if (!key || key.length !== 32) {
    // Replacing it would make every secret encrypted under it unreadable: stop and say where.
    throw new Error(
      `the local encryption key file ${file} is damaged (expected "local:<32 bytes in base64>"); ` +
        'restore it from a backup, or delete it only if no stored secret needs it',
    );
  }
  return key;
}

/**
 * Writes a new key file atomically and without overwriting: the key goes to a private temporary file
 * that is then hard-linked into place (fails if another process got there first). Returns true when
 * this call created the file.
 */
function createKeyFile(file: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const key = randomBytes(32);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${LOCAL_KEY_ID}:${key.toString('base64')}`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    key.fill(0);
  }
  try {
    chmodSync(tmp, 0o600);
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}
