import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../server/enrichment/breaker.ts';

describe('circuit breaker per (vendor, key)', () => {
  it('opens after repeated transient failures, lets one trial through after the pause, closes on success', () => {
    const b = new CircuitBreakers({ failureThreshold: 3, openMs: 1000 });
    const t0 = 1_000_000;
    for (let i = 0; i < 2; i++) b.failure('apollo:k', t0);
    expect(b.allow('apollo:k', t0)).toBe(true);
    b.failure('apollo:k', t0);
    expect(b.isOpen('apollo:k', t0)).toBe(true);
    expect(b.allow('apollo:k', t0 + 500)).toBe(false);
    expect(b.allow('other:k', t0 + 500)).toBe(true); // another vendor or key is unaffected
    expect(b.allow('apollo:k', t0 + 1001)).toBe(true); // the one trial call
    expect(b.allow('apollo:k', t0 + 1002)).toBe(false); // nobody else while it is out
    b.success('apollo:k');
    expect(b.allow('apollo:k', t0 + 1003)).toBe(true);
  });

  it('a failed trial opens it again at once', () => {
    const b = new CircuitBreakers({ failureThreshold: 5, openMs: 1000 });
    const t0 = 2_000_000;
    for (let i = 0; i < 5; i++) b.failure('hunter:k', t0);
    expect(b.allow('hunter:k', t0 + 1001)).toBe(true);
    b.failure('hunter:k', t0 + 1002);
    expect(b.allow('hunter:k', t0 + 1500)).toBe(false);
    expect(b.isOpen('hunter:k', t0 + 1500)).toBe(true);
  });
});
