// What every /ui request carries besides its body: the signed query string (portalId, userId and,
// for the card, contactId, put there by the extension; HubSpot may append its own portalId/userId/
// appId), read into one identity. A key repeated with different values is refused: HubSpot's own
// value disagreeing with the extension's means someone edited the query. Also the ApiError shape
// every refusal is answered with, and zod issues turned into field-level problems.
import type { Response } from 'express';
import { z } from 'zod';
import type { ApiError } from '../../extensions/src/api/contract.ts';

/** A refusal: its status and the ApiError JSON it is answered with. */
export class UiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly problems: { field: string; message: string }[] | undefined;
  constructor(status: number, code: string, message: string, opts: { field?: string; problems?: { field: string; message: string }[] } = {}) {
    super(message);
    this.name = 'UiError';
    this.status = status;
    this.code = code;
    this.field = opts.field ?? opts.problems?.[0]?.field;
    this.problems = opts.problems;
  }

  body(): ApiError {
    return {
      error: this.code,
      message: this.message,
      ...(this.field ? { field: this.field } : {}),
      ...(this.problems?.length ? { problems: this.problems } : {}),
    };
  }
}

export function sendUiError(res: Response, err: UiError): void {
  res.status(err.status).json(err.body());
}

/** `caps[1].capCents` from zod's ['caps', 1, 'capCents'], under an optional prefix (`query`). */
export function fieldPath(path: readonly PropertyKey[], prefix?: string): string {
  let out = prefix ?? '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || prefix || 'body';
}

export function problemsOf(error: z.ZodError, prefix?: string): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: fieldPath(i.path, prefix), message: i.message }));
}

/** Parses `input` with `schema`, or throws a 400 naming every bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, code: 'invalid_body' | 'invalid_query', prefix?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = problemsOf(parsed.error, prefix);
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  throw new UiError(400, code, message.length > 500 ? `${message.slice(0, 497)}...` : message, { problems });
}

/** The keys that say who is asking; HubSpot may append them too. */
export const IDENTITY_KEYS = ['portalId', 'userId', 'appId'] as const;

export type SignedQuery =
  | { ok: true; params: Record<string, string> }
  | { ok: false; key: string; identity: boolean };

/**
 * The query string as one value per key. A key given twice with the same value is HubSpot echoing
 * what the extension already put there; with different values it is refused.
 */
export function parseSignedQuery(search: string): SignedQuery {
  // No prototype: a key named __proto__ or constructor is just a key.
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  const raw = search.startsWith('?') ? search.slice(1) : search;
  for (const [key, value] of new URLSearchParams(raw)) {
    const seen = params[key];
    if (seen !== undefined && seen !== value) return { ok: false, key, identity: (IDENTITY_KEYS as readonly string[]).includes(key) };
    params[key] = value;
  }
  return { ok: true, params };
}

const numericId = (what: string) => z.string({ error: `is required (the ${what} from the extension context)` }).regex(/^[1-9]\d{0,18}$/, `must be a HubSpot ${what}`);

const identitySchema = z.object({
  portalId: numericId('portal id').transform(Number).refine(Number.isSafeInteger, 'is too large'),
  userId: numericId('user id'),
  appId: z.string().regex(/^\d{1,20}$/, 'must be a HubSpot app id').optional(),
  contactId: numericId('contact id').optional(),
});

export interface UiIdentity {
  portalId: number;
  userId: string;
  contactId: string | undefined;
}

/** The identity in a signed query, or the refusal: 403 portal_mismatch, 400 invalid_query. */
export function identityOf(search: string, appId: string | undefined): { identity: UiIdentity; params: Record<string, string> } {
  const q = parseSignedQuery(search);
  if (!q.ok) {
    if (q.identity) {
      throw new UiError(403, 'portal_mismatch', `The request names two different values for ${q.key}; reload the page in HubSpot.`, { field: `query.${q.key}` });
    }
    throw new UiError(400, 'invalid_query', `${q.key} is given twice with different values`, { field: `query.${q.key}` });
  }
  const id = parseOr400(identitySchema, q.params, 'invalid_query', 'query');
  if (appId && id.appId !== undefined && id.appId !== appId) {
    throw new UiError(403, 'portal_mismatch', 'This request was made for another HubSpot app.', { field: 'query.appId' });
  }
  return { identity: { portalId: id.portalId, userId: id.userId, contactId: id.contactId }, params: q.params };
}

/** The card's routes need the contact the card is shown on. */
export function contactOf(identity: UiIdentity): string {
  if (!identity.contactId) throw new UiError(400, 'invalid_query', 'query.contactId: is required (the contact the card is shown on)', { field: 'query.contactId' });
  return identity.contactId;
}
