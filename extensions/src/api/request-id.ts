// Request ids for POST /ui/card/enrich. The extension sandbox is not guaranteed to have
// crypto.randomUUID, so a v4-shaped id is built from a random source (injectable for tests).
// Uniqueness per click is all that matters: the backend uses it to spot hubspot.fetch's own retry.

export type RandomSource = () => number; // [0, 1)

export function uuidV4(random: RandomSource = Math.random): string {
  const hex: string[] = [];
  for (let i = 0; i < 32; i++) hex.push(Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** crypto.randomUUID when the runtime has it, else uuidV4 over Math.random. */
export function newRequestId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return typeof c?.randomUUID === 'function' ? c.randomUUID() : uuidV4();
}
