// Bulk coalescing: steps of different runs bound for the same vendor bulk endpoint with the same
// key wait a short window (or until the batch is full) and leave as one request. The coalescer only
// gathers; what a batch does (rate token, ledger, HTTP) is the flush function's job, and each member
// gets its own answer back.

export interface BatchMember<In, Out> {
  input: In;
  resolve(out: Out): void;
  reject(err: unknown): void;
}

interface Pending<In, Out> {
  members: BatchMember<In, Out>[];
  timer: NodeJS.Timeout;
  maxSize: number;
}

export class Coalescer<In, Out> {
  private readonly pending = new Map<string, Pending<In, Out>>();
  private readonly flush: (groupKey: string, members: BatchMember<In, Out>[]) => Promise<void>;
  /** Batches sent and members carried, for the metrics and the benchmark. */
  readonly stats = { batches: 0, members: 0 };

  constructor(flush: (groupKey: string, members: BatchMember<In, Out>[]) => Promise<void>) {
    this.flush = flush;
  }

  /** Joins (or opens) the batch for `groupKey`; resolves with this member's own answer. */
  submit(groupKey: string, input: In, opts: { maxSize: number; windowMs: number }): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      let p = this.pending.get(groupKey);
      if (!p) {
        p = {
          members: [],
          maxSize: Math.max(1, opts.maxSize),
          timer: setTimeout(() => this.release(groupKey), opts.windowMs),
        };
        this.pending.set(groupKey, p);
      }
      p.members.push({ input, resolve, reject });
      if (p.members.length >= p.maxSize) this.release(groupKey);
    });
  }

  private release(groupKey: string): void {
    const p = this.pending.get(groupKey);
    if (!p) return;
    this.pending.delete(groupKey);
    clearTimeout(p.timer);
    this.stats.batches++;
    this.stats.members += p.members.length;
    this.flush(groupKey, p.members).catch((err: unknown) => {
      for (const m of p.members) m.reject(err);
    });
  }

  /** Sends every open batch now (shutdown). */
  drain(): void {
    for (const key of [...this.pending.keys()]) this.release(key);
  }
}
