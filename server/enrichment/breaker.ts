// Circuit breaker per (vendor, key): after repeated transient failures the vendor is skipped for a
// while instead of being hammered; then one trial call decides whether it is back. Per process on
// purpose: a failing network path is local, and each process learns it from its own calls.
export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
}

interface State {
  failures: number;
  openUntil: number;
  trialInFlight: boolean;
}

export class CircuitBreakers {
  private readonly states = new Map<string, State>();
  private readonly opts: BreakerOptions;

  constructor(opts: BreakerOptions = { failureThreshold: 5, openMs: 30_000 }) {
    this.opts = opts;
  }

  private state(bucket: string): State {
    let s = this.states.get(bucket);
    if (!s) {
      s = { failures: 0, openUntil: 0, trialInFlight: false };
      this.states.set(bucket, s);
    }
    return s;
  }

  /** Whether a call may go out now. While half-open, only one trial call is let through. */
  allow(bucket: string, now = Date.now()): boolean {
    const s = this.state(bucket);
    if (s.openUntil === 0) return true;
    if (now < s.openUntil || s.trialInFlight) return false;
    s.trialInFlight = true;
    return true;
  }

  success(bucket: string): void {
    const s = this.state(bucket);
    s.failures = 0;
    s.openUntil = 0;
    s.trialInFlight = false;
  }

  failure(bucket: string, now = Date.now()): void {
    const s = this.state(bucket);
    s.failures++;
    if (s.trialInFlight || s.failures >= this.opts.failureThreshold) {
      s.openUntil = now + this.opts.openMs;
      s.trialInFlight = false;
    }
  }

  isOpen(bucket: string, now = Date.now()): boolean {
    const s = this.states.get(bucket);
    return !!s && s.openUntil > now;
  }
}
