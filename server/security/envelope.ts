// Envelope encryption for secrets at rest (customers' vendor API keys, OAuth tokens).
//
// Each secret gets its own random 256-bit data key (DEK). The secret is encrypted with the DEK
// (AES-256-GCM), and the DEK is encrypted ("wrapped") with a key-encryption key (KEK) from the
// environment (AES-256-GCM, its own IV). Only the wrapped DEK is stored. Rotating a KEK therefore
// re-wraps 32 bytes per row and never touches the secret's ciphertext.
//
// The caller's `aad` (additional authenticated data, e.g. "portal:123|vendor:apollo") names the row
// the secret belongs to and is bound into BOTH GCM operations: a record copied to another portal's
// or vendor's row fails authentication instead of decrypting there.
//
// Stored format, version 1 — an object of base64 (RFC 4648, with padding) strings:
//   { v: 1, kid, wrapIv, wrappedKey, wrapTag, iv, tag, ciphertext }
//     kid         id of the KEK that wrapped the DEK (the ENCRYPTION_KEYS entry's id; not secret)
//     wrapIv      12 random bytes, IV of the DEK wrap
//     wrappedKey  32 bytes, the DEK encrypted under the KEK
//     wrapTag     16 bytes, GCM tag of the wrap; its AAD is "cascade/envelope/v1|dek|<kid>|<aad>"
//     iv          12 random bytes, IV of the secret's encryption
//     tag         16 bytes, GCM tag of the secret; its AAD is "cascade/envelope/v1|data|<aad>"
//     ciphertext  the UTF-8 secret encrypted under the DEK (same length as the plaintext bytes)
// or the same fields as one compact string (for a text column), joined with "." — a character that
// neither base64 nor a key id can contain:
//   "v1.<kid>.<wrapIv>.<wrappedKey>.<wrapTag>.<iv>.<tag>.<ciphertext>"
// `serializeEnvelope` / `parseEnvelope` convert between the two; every function that reads a record
// accepts either form. A future format bumps `v` and keeps reading v1.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export const ENVELOPE_VERSION = 1;

/** A key-encryption key as parsed from ENCRYPTION_KEYS (see server/config.ts). */
export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

/** One encrypted secret (format v1, documented at the top of this file). */
export interface EnvelopeRecord {
  v: 1;
  kid: string;
  wrapIv: string;
  wrappedKey: string;
  wrapTag: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export type EnvelopeErrorCode = 'unknown_key' | 'malformed' | 'decrypt_failed';

/** Every failure to read a record. Messages never contain key material or plaintext. */
export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  /** The key id involved, when known (key ids are names, not secrets). */
  readonly kid: string | undefined;
  constructor(code: EnvelopeErrorCode, message: string, kid?: string) {
    super(message);
    this.name = 'EnvelopeError';
    this.code = code;
    this.kid = kid;
  }
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const AAD_PREFIX = 'cascade/envelope/v1';

// Key material lives here, not on the KeyRing object, so logging, inspecting or JSON-serializing a
// ring can never print a key.
const ringKeys = new WeakMap<KeyRing, Map<string, Buffer>>();

/**
 * The configured key-encryption keys. The first one encrypts (the active key); every one can
 * decrypt, so old records stay readable during a rotation.
 */
export class KeyRing {
  readonly activeKid: string;
  readonly kids: readonly string[];

  constructor(keys: readonly KeyEncryptionKey[]) {
    const first = keys[0];
    if (!first) throw new Error('a key ring needs at least one key');
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KID_PATTERN.test(id)) {
        throw new Error('key ids must be 1-32 letters, digits, _ or -');
      }
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new Error(`key "${id}" must be exactly ${KEY_BYTES} bytes`);
      }
      if (map.has(id)) throw new Error(`key id "${id}" is listed twice`);
      map.set(id, Buffer.from(key)); // a private copy: later changes to the caller's buffer do not leak in
    }
    this.activeKid = first.id;
    this.kids = Object.freeze([...map.keys()]);
    ringKeys.set(this, map);
  }

  /**
   * A secret for another purpose (e.g. signing callback tokens), derived from the active key with
   * HKDF so that no second secret has to be configured; `purpose` separates the uses.
   */
  derive(purpose: string): Buffer {
    const key = ringKeys.get(this)!.get(this.activeKid)!;
    return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `cascade:${purpose}`, 32));
  }

  has(kid: string): boolean {
    return this.kids.includes(kid);
  }

  toJSON(): { activeKid: string; kids: readonly string[] } {
    return { activeKid: this.activeKid, kids: this.kids };
  }
}

function kekFor(ring: KeyRing, kid: string): Buffer {
  const key = ringKeys.get(ring)?.get(kid);
  if (!key) {
    throw new EnvelopeError(
      'unknown_key',
      `no encryption key with id "${kid}" is configured; add it to ENCRYPTION_KEYS to read this secret`,
      kid,
    );
  }
  return key;
}

function checkAad(aad: string): void {
  if (typeof aad !== 'string' || aad.length === 0) {
    throw new TypeError('aad must be a non-empty string naming the row the secret belongs to');
  }
}

const dataAad = (aad: string) => Buffer.from(`${AAD_PREFIX}|data|${aad}`, 'utf8');
const wrapAad = (kid: string, aad: string) => Buffer.from(`${AAD_PREFIX}|dek|${kid}|${aad}`, 'utf8');

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

/** Throws EnvelopeError('decrypt_failed') on any authentication failure. */
function open(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer, what: string, kid?: string): Buffer {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new EnvelopeError(
      'decrypt_failed',
      `${what} failed authentication: wrong key, a record stored for another row (aad), or tampered data`,
      kid,
    );
  }
}

function b64(buf: Buffer): string {
  return buf.toString('base64');
}

function unb64(value: unknown, field: string, expectedBytes?: number): Buffer {
  if (typeof value !== 'string' || !BASE64_PATTERN.test(value)) {
    throw new EnvelopeError('malformed', `encrypted record: field "${field}" is not base64`);
  }
  const buf = Buffer.from(value, 'base64');
  if (expectedBytes !== undefined && buf.length !== expectedBytes) {
    throw new EnvelopeError('malformed', `encrypted record: field "${field}" must be ${expectedBytes} bytes`);
  }
  return buf;
}

interface DecodedRecord {
  kid: string;
  wrapIv: Buffer;
  wrappedKey: Buffer;
  wrapTag: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function decode(input: EnvelopeRecord | string): DecodedRecord {
  const r = parseEnvelope(input);
  return {
    kid: r.kid,
    wrapIv: unb64(r.wrapIv, 'wrapIv', IV_BYTES),
    wrappedKey: unb64(r.wrappedKey, 'wrappedKey', KEY_BYTES),
    wrapTag: unb64(r.wrapTag, 'wrapTag', TAG_BYTES),
    iv: unb64(r.iv, 'iv', IV_BYTES),
    tag: unb64(r.tag, 'tag', TAG_BYTES),
    ciphertext: unb64(r.ciphertext, 'ciphertext'),
  };
}

function unwrapDek(ring: KeyRing, r: DecodedRecord, aad: string): Buffer {
  const kek = kekFor(ring, r.kid);
  return open(kek, r.wrapIv, r.wrapTag, r.wrappedKey, wrapAad(r.kid, aad), 'unwrapping the data key', r.kid);
}

/**
 * Validates a stored record (either form) and returns it as an object. Throws
 * EnvelopeError('malformed') naming the bad field, never echoing the value.
 */
export function parseEnvelope(input: unknown): EnvelopeRecord {
  let fields: Record<string, unknown>;
  if (typeof input === 'string') {
    const parts = input.split('.');
    if (parts.length !== 8 || parts[0] !== `v${ENVELOPE_VERSION}`) {
      throw new EnvelopeError('malformed', 'encrypted record: not a v1 envelope string');
    }
    const [, kid, wrapIv, wrappedKey, wrapTag, iv, tag, ciphertext] = parts;
    fields = { v: ENVELOPE_VERSION, kid, wrapIv, wrappedKey, wrapTag, iv, tag, ciphertext };
  } else if (typeof input === 'object' && input !== null) {
    fields = input as Record<string, unknown>;
  } else {
    throw new EnvelopeError('malformed', 'encrypted record: expected an object or a string');
  }
  if (fields.v !== ENVELOPE_VERSION) {
    throw new EnvelopeError('malformed', 'encrypted record: unsupported version');
  }
  const kid = fields.kid;
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) {
    throw new EnvelopeError('malformed', 'encrypted record: invalid key id');
  }
  const names = ['wrapIv', 'wrappedKey', 'wrapTag', 'iv', 'tag', 'ciphertext'] as const;
  for (const name of names) {
    const value = fields[name];
    if (typeof value !== 'string' || !BASE64_PATTERN.test(value)) {
      throw new EnvelopeError('malformed', `encrypted record: field "${name}" is not base64`);
    }
  }
  return {
    v: ENVELOPE_VERSION,
    kid,
    wrapIv: fields.wrapIv as string,
    wrappedKey: fields.wrappedKey as string,
    wrapTag: fields.wrapTag as string,
    iv: fields.iv as string,
    tag: fields.tag as string,
    ciphertext: fields.ciphertext as string,
  };
}

/** The compact one-string form: "v1.<kid>.<wrapIv>.<wrappedKey>.<wrapTag>.<iv>.<tag>.<ciphertext>". */
export function serializeEnvelope(record: EnvelopeRecord): string {
  const r = parseEnvelope(record);
  return [`v${r.v}`, r.kid, r.wrapIv, r.wrappedKey, r.wrapTag, r.iv, r.tag, r.ciphertext].join('.');
}

/** Encrypts `plaintext` under a fresh data key wrapped by the ring's active key, bound to `aad`. */
export function encryptSecret(ring: KeyRing, plaintext: string, aad: string): EnvelopeRecord {
  checkAad(aad);
  if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string');
  const data = Buffer.from(plaintext, 'utf8');
  if (data.toString('utf8') !== plaintext) {
    data.fill(0);
    // A lone surrogate would silently become U+FFFD and the secret would not round-trip.
    throw new TypeError('plaintext is not well-formed Unicode');
  }
  const kid = ring.activeKid;
  const dek = randomBytes(KEY_BYTES);
  try {
    const body = seal(dek, data, dataAad(aad));
    const wrap = seal(kekFor(ring, kid), dek, wrapAad(kid, aad));
    return {
      v: ENVELOPE_VERSION,
      kid,
      wrapIv: b64(wrap.iv),
      wrappedKey: b64(wrap.ciphertext),
      wrapTag: b64(wrap.tag),
      iv: b64(body.iv),
      tag: b64(body.tag),
      ciphertext: b64(body.ciphertext),
    };
  } finally {
    dek.fill(0);
    data.fill(0);
  }
}

/**
 * Decrypts a record (object or string form) stored for `aad`. Throws EnvelopeError:
 * 'unknown_key' (the message names the missing key id), 'malformed', or 'decrypt_failed'.
 */
export function decryptSecret(ring: KeyRing, record: EnvelopeRecord | string, aad: string): string {
  checkAad(aad);
  const r = decode(record);
  const dek = unwrapDek(ring, r, aad);
  try {
    const data = open(dek, r.iv, r.tag, r.ciphertext, dataAad(aad), 'decrypting the secret', r.kid);
    const text = data.toString('utf8');
    data.fill(0);
    return text;
  } finally {
    dek.fill(0);
  }
}

/**
 * Key rotation: re-wraps the record's data key under the ring's active key. The secret's iv, tag and
 * ciphertext are returned unchanged. The whole record is authenticated first, so a corrupt row fails
 * here instead of being carried forward. Returns the same form (object or string) it was given.
 */
export function rewrap(ring: KeyRing, record: string, aad: string): string;
export function rewrap(ring: KeyRing, record: EnvelopeRecord, aad: string): EnvelopeRecord;
export function rewrap(ring: KeyRing, record: EnvelopeRecord | string, aad: string): EnvelopeRecord | string;
export function rewrap(ring: KeyRing, record: EnvelopeRecord | string, aad: string): EnvelopeRecord | string {
  checkAad(aad);
  const parsed = parseEnvelope(record);
  const r = decode(parsed);
  const dek = unwrapDek(ring, r, aad);
  try {
    open(dek, r.iv, r.tag, r.ciphertext, dataAad(aad), 'decrypting the secret', r.kid).fill(0);
    const kid = ring.activeKid;
    const wrap = seal(kekFor(ring, kid), dek, wrapAad(kid, aad));
    const next: EnvelopeRecord = {
      ...parsed,
      kid,
      wrapIv: b64(wrap.iv),
      wrappedKey: b64(wrap.ciphertext),
      wrapTag: b64(wrap.tag),
    };
    return typeof record === 'string' ? serializeEnvelope(next) : next;
  } finally {
    dek.fill(0);
  }
}

/** True when the record's data key is wrapped by a key other than the ring's active one. */
export function needsRewrap(ring: KeyRing, record: EnvelopeRecord | string): boolean {
  return parseEnvelope(record).kid !== ring.activeKid;
}

/**
 * The only readable part of a stored secret, for the UI: its last 4 characters (Unicode code points).
 * Secrets shorter than 8 characters return '' — 4 characters of a short secret is too much of it.
 */
export function lastFour(secret: string): string {
  const chars = Array.from(secret);
  if (chars.length < 8) return '';
  return chars.slice(-4).join('');
}

const FINGERPRINT_LABEL = 'cascade/vendor-key-fingerprint/v1';

/**
 * A stable, non-reversible id for a vendor key (16 hex chars = 64 bits), used to name rate-limit
 * buckets — with BYOK the vendor's quota belongs to the key, so portals sharing a key share a bucket.
 *
 * Why it is safe to store and log: it is HMAC-SHA256 keyed with a fixed domain-separation label,
 * truncated. Nothing about the key can be computed from it except by guessing keys and comparing;
 * vendor API keys are long random tokens, so that search is infeasible. The label is not a secret —
 * it only keeps these ids from equalling a plain SHA-256 of the key (or a hash made for any other
 * purpose), so a fingerprint cannot be matched against a hash of the key found elsewhere. 64 bits
 * make an accidental collision between two keys negligible at any realistic number of keys.
 * (It is NOT safe for low-entropy secrets such as passwords, which could be guessed.)
 */
export function keyFingerprint(secret: string): string {
  return createHmac('sha256', FINGERPRINT_LABEL).update(secret, 'utf8').digest('hex').slice(0, 16);
}
