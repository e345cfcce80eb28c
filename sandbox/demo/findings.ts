// What the demo's smoke test found: failures (the demo exits non-zero) and warnings, by check.

export interface Finding {
  check: string;
  text: string;
}

export class Findings {
  readonly failures: Finding[] = [];
  readonly warnings: Finding[] = [];

  fail(check: string, text: string): void {
    this.failures.push({ check, text });
  }

  warn(check: string, text: string): void {
    this.warnings.push({ check, text });
  }

  has(check: string): boolean {
    return this.failures.some((f) => f.check === check) || this.warnings.some((w) => w.check === check);
  }

  /** Prints each check (ok / FAIL / warn) with the findings under it; returns whether anything failed. */
  report(checks: { check: string; text: string }[]): boolean {
    for (const c of checks) {
      const failed = this.failures.filter((f) => f.check === c.check);
      const warned = this.warnings.filter((w) => w.check === c.check);
      console.log(`  ${failed.length ? 'FAIL' : warned.length ? 'warn' : 'ok  '}  ${c.text}`);
      for (const f of [...failed, ...warned].slice(0, 8)) console.log(`          ${f.text}`);
      if (failed.length + warned.length > 8) console.log(`          … and ${failed.length + warned.length - 8} more`);
    }
    return this.failures.length > 0;
  }
}
