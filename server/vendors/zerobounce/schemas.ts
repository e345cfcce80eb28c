// zod schemas of ZeroBounce's v2 answers (VENDORS.md "ZeroBounce"; ZeroBounce's docs and official SDK
// fixtures). Every object is loose (unknown keys are kept, and reported as drift) and every leaf is
// tolerant: a field of the wrong type becomes null instead of failing the whole answer. ZeroBounce
// sends booleans and numbers as strings in places (`"mx_found": "true"`, `"domain_age_days": "9692"`,
// `"Credits": "2375"`), so those leaves accept both.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { boolish, numeric, str } from '../schema-leaves.ts';

/**
 * One validation: the body of `GET /v2/validate` and an item of `validatebatch`'s `email_batch`.
 * `status` ∈ valid | invalid | catch-all | unknown | spamtrap | abuse | do_not_mail (others tolerated).
 */
export const zbValidation = z.looseObject({
  address: expected(str),
  status: expected(str),
  sub_status: expected(str),
  free_email: boolish,
  did_you_mean: str,
  account: str,
  domain: str,
  domain_age_days: numeric,
  smtp_provider: str,
  mx_found: boolish,
  mx_record: str,
  firstname: str,
  lastname: str,
  gender: str,
  country: str,
  region: str,
  city: str,
  zipcode: str,
  processed_at: str,
  /** Only with `activity_data=true`. */
  active_in_days: numeric,
});
export type ZbValidation = z.infer<typeof zbValidation>;

/**
 * ZeroBounce's error bodies differ by endpoint: `{"error": "…"}` on validate (at HTTP 200, 400 or
 * 401), `{"Message": "…"}` for a malformed batch, `{"Error": "…"}` / `{"message": "…"}` elsewhere.
 */
export const zbErrorBody = z.looseObject({ error: str, Error: str, Message: str, message: str });

/** `GET /v2/getcredits` → `{"Credits": "2375"}`; `"-1"` means the key is not valid. */
export const zbCreditsResponse = z.looseObject({ Credits: expected(numeric) });

/** One entry of `validatebatch`'s `errors`: `email_address` is the address, or "all" for the whole batch. */
export const zbBatchError = z.looseObject({ error: str, email_address: str });
export type ZbBatchError = z.infer<typeof zbBatchError>;

/** `POST /v2/validatebatch` (bulk host) → `{"email_batch": [validation…], "errors": [{error, email_address}…]}`. */
export const zbBatchResponse = z.looseObject({
  email_batch: expected(z.array(zbValidation.nullable().catch(null)).nullish().catch(null)),
  errors: expected(z.array(zbBatchError.nullable().catch(null)).nullish().catch(null)),
});
export type ZbBatchResponse = z.infer<typeof zbBatchResponse>;
