// Output helpers of `npm run demo`: money and time, plain aligned tables, headings, and the engine's
// log lines printed one readable line each (held back while a progress bar is drawn).

/** Dollars from millicents (1 cent = 1,000 mc): two decimals, more when a price has fractions of a cent. */
export const usd = (mc: number) => {
  const digits = mc % 1000 === 0 ? 2 : 5;
  return `$${(mc / 100_000).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
};
export const usdCents = (cents: number) => usd(cents * 1000);
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export type Cell = string | number;

/** A plain, aligned table: numeric columns right-aligned, text left-aligned. */
export function table(title: string, headers: string[], rows: Cell[][], note?: string): void {
  console.log(`\n${title}`);
  if (rows.length === 0) {
    console.log('  (none)');
    if (note) console.log(`  ${note}`);
    return;
  }
  const text = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_h, i) => rows.every((r) => typeof r[i] === 'number' || /^([$\d.,%]+|-)$/.test(String(r[i] ?? ''))));
  const line = (cells: string[]) =>
    '  ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd();
  console.log(line(headers));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('   '));
  for (const r of text) console.log(line(r));
  if (note) console.log(`  ${note}`);
}

/** Prints `items` after `prefix`, comma-separated, wrapped at `width` with continuation lines indented to `indent`. */
export function printWrapped(prefix: string, items: string[], indent = 4, width = 120): void {
  let line = prefix;
  let empty = true;
  for (const [i, item] of items.entries()) {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    if (!empty && line.length + 1 + piece.length > width) {
      console.log(line);
      line = ' '.repeat(indent) + piece;
    } else {
      line += ` ${piece}`;
    }
    empty = false;
  }
  console.log(line);
}

export function heading(text: string): void {
  console.log(`\n${'='.repeat(100)}\n${text}\n${'='.repeat(100)}`);
}

// The engine's log lines (pino JSON) are printed as one readable line each; while a progress bar is
// drawn they are held back and printed after it, so they never tear the bar.
const heldLogs: string[] = [];
let holding = false;
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export const logSink = {
  write(raw: string): void {
    let text = raw.trim();
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      const extra = Object.entries(o)
        .filter(([k]) => !['level', 'time', 'pid', 'hostname', 'msg', 'name'].includes(k))
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      text = `  [engine ${LEVELS[Number(o.level)] ?? String(o.level)}] ${String(o.msg ?? '')}${extra.length ? ` (${extra.join(', ')})` : ''}`;
    } catch {
      text = `  [engine] ${text}`;
    }
    if (holding) heldLogs.push(text);
    else console.log(text);
  },
};

export function holdLogs(): void {
  holding = true;
}

/** Prints what was held back, identical lines once with a count. */
export function flushHeldLogs(): void {
  holding = false;
  if (heldLogs.length === 0) return;
  const counts = new Map<string, number>();
  for (const l of heldLogs) counts.set(l, (counts.get(l) ?? 0) + 1);
  console.log('  Engine messages during the run:');
  for (const [l, n] of counts) console.log(`${l}${n > 1 ? `  ×${n}` : ''}`);
  heldLogs.length = 0;
}
