// Tokens in the callback URLs handed to asynchronous vendors. A token binds one async request to
// its vendor and to the exact (run, step) pairs it was sent for, and expires shortly after the
// engine would give up waiting. Forged or expired tokens are refused here; a replayed token is
// refused by the request's state (it can complete its request only once).
import jwt from 'jsonwebtoken';

const ISSUER = 'cascade';
const AUDIENCE = 'cascade:vendor-callback';

export interface CallbackClaims {
  requestId: string;
  vendor: string;
  /** bindingOf() of the request's (run, step) pairs. */
  binding: string;
}

export class CallbackTokenError extends Error {
  readonly reason: 'missing' | 'expired' | 'invalid' | 'wrong_vendor';
  constructor(reason: CallbackTokenError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

export class CallbackTokens {
  private readonly secret: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the callback signing secret must be at least 32 bytes');
    this.secret = secret;
  }

  sign(claims: CallbackClaims, ttlMs: number): string {
    return jwt.sign({ vnd: claims.vendor, bnd: claims.binding }, this.secret, {
      algorithm: 'HS256',
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: claims.requestId,
      expiresIn: Math.max(1, Math.ceil(ttlMs / 1000)),
    });
  }

  /** The claims of a valid token for `vendor`; throws CallbackTokenError otherwise. */
  verify(token: string | undefined, vendor: string): CallbackClaims {
    if (!token) throw new CallbackTokenError('missing', 'the callback URL carries no token');
    let payload: jwt.JwtPayload;
    try {
      const p = jwt.verify(token, this.secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
      if (typeof p === 'string') throw new Error('unexpected payload');
      payload = p;
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new CallbackTokenError('expired', 'the callback token has expired');
      throw new CallbackTokenError('invalid', 'the callback token is not valid');
    }
    if (payload.vnd !== vendor) throw new CallbackTokenError('wrong_vendor', 'the callback token belongs to another vendor');
    if (typeof payload.sub !== 'string' || typeof payload.bnd !== 'string') {
      throw new CallbackTokenError('invalid', 'the callback token is not valid');
    }
    return { requestId: payload.sub, vendor, binding: payload.bnd };
  }
}
