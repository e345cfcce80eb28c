// Callback tokens for async vendors: bound to request, vendor and (run, step) pairs; forged,
// tampered, expired and wrong-vendor tokens are refused with a reason.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { CallbackTokenError, CallbackTokens } from '../../server/security/callback-token.ts';
import { bindingOf } from '../../server/enrichment/vendor-call.ts';

const tokens = new CallbackTokens(randomBytes(32));
const reason = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (err) {
    if (err instanceof CallbackTokenError) return err.reason;
    throw err;
  }
};

describe('callback tokens', () => {
  it('round-trips the request, vendor and binding', () => {
    const t = tokens.sign({ requestId: 'req-1', vendor: 'fullenrich', binding: 'abc' }, 60_000);
    expect(tokens.verify(t, 'fullenrich')).toEqual({ requestId: 'req-1', vendor: 'fullenrich', binding: 'abc' });
  });

  it('refuses a missing, expired, wrong-vendor or foreign-secret token', async () => {
    const t = tokens.sign({ requestId: 'r', vendor: 'fullenrich', binding: 'b' }, 1);
    expect(reason(() => tokens.verify(undefined, 'fullenrich'))).toBe('missing');
    expect(reason(() => tokens.verify(tokens.sign({ requestId: 'r', vendor: 'other', binding: 'b' }, 60_000), 'fullenrich'))).toBe('wrong_vendor');
    const foreign = new CallbackTokens(randomBytes(32)).sign({ requestId: 'r', vendor: 'fullenrich', binding: 'b' }, 60_000);
    expect(reason(() => tokens.verify(foreign, 'fullenrich'))).toBe('invalid');
    // alg "none" and a token signed with the right secret but another audience are both refused.
    const none = jwt.sign({ vnd: 'fullenrich', bnd: 'b', sub: 'r' }, '', { algorithm: 'none' });
    expect(reason(() => tokens.verify(none, 'fullenrich'))).toBe('invalid');
    await new Promise((r) => setTimeout(r, 1100));
    expect(reason(() => tokens.verify(t, 'fullenrich'))).toBe('expired');
  });

  it('refuses any single-character tampering of a valid token', () => {
    const t = tokens.sign({ requestId: '5c1b3f7e-0000-4000-8000-000000000001', vendor: 'fullenrich', binding: 'bind' }, 60_000);
    fc.assert(
      fc.property(fc.nat({ max: t.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (i, ch) => {
        fc.pre(t[i] !== ch && t[i] !== '.');
        const forged = t.slice(0, i) + ch + t.slice(i + 1);
        const r = reason(() => tokens.verify(forged, 'fullenrich'));
        // A change in the last base64url character may leave the decoded bytes unchanged (padding bits).
        if (r === 'accepted') expect(i).toBe(t.length - 1);
        else expect(r).toBe('invalid');
      }),
      { numRuns: 300 },
    );
  });

  it('binds to exactly the (run, step) pairs, in any order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ runId: fc.uuid(), stepId: fc.uuid() }), { minLength: 1, maxLength: 20, selector: (m) => m.stepId }), (members) => {
        expect(bindingOf([...members].reverse())).toBe(bindingOf(members));
        const [first, ...rest] = members;
        expect(bindingOf([{ ...first!, runId: 'another-run' }, ...rest])).not.toBe(bindingOf(members));
        if (rest.length) expect(bindingOf(rest)).not.toBe(bindingOf(members));
      }),
    );
  });
});
