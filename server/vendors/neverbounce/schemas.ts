// zod schemas of NeverBounce's v4 answers (developers.neverbounce.com; the official SDKs). Every answer
// is HTTP 200 with a `status`: "success", or one of auth_failure | bad_referrer | general_failure |
// temp_unavail | throttle_triggered with a `message`. Objects are loose (unknown keys are kept, and
// reported as drift) and leaves tolerant: a wrong-typed field becomes null, never a failed answer.
import { z } from 'zod';
import { expected } from '../drift.ts';
import { num, numeric, str, strList } from '../schema-leaves.ts';

/** `credits_info` of /account/info (and of /single/check with `credits_info=1`). */
export const nbCreditsInfo = z.looseObject({
  paid_credits_used: numeric,
  free_credits_used: numeric,
  paid_credits_remaining: numeric,
  free_credits_remaining: numeric,
});

/** Any answer: only `status` (and `message` on failures) is read before the answer's kind is known. */
export const nbStatusBody = z.looseObject({ status: str, message: str, execution_time: num });
export type NbStatusBody = z.infer<typeof nbStatusBody>;

/**
 * `/single/check` with `status: "success"`. `result` ∈ valid | invalid | disposable | catchall | unknown
 * (the SDKs also know the numeric codes 0–4); `flags` like has_dns, smtp_connectable, free_email_host.
 */
export const nbSingleCheck = z.looseObject({
  status: expected(str),
  result: expected(numeric),
  flags: expected(strList),
  suggested_correction: expected(str),
  execution_time: expected(numeric),
  /** With `address_info=1`. */
  address_info: z
    .looseObject({
      original_email: str,
      normalized_email: str,
      addr: str,
      alias: str,
      host: str,
      fqdn: str,
      domain: str,
      subdomain: str,
      tld: str,
    })
    .nullish()
    .catch(null),
  /** With `credits_info=1`. */
  credits_info: nbCreditsInfo.nullish().catch(null),
});
export type NbSingleCheck = z.infer<typeof nbSingleCheck>;

/** `/account/info` with `status: "success"`; older accounts also report `billing_type`, `credits`, `free_credits`. */
export const nbAccountInfo = z.looseObject({
  status: expected(str),
  credits_info: expected(nbCreditsInfo.nullish().catch(null)),
  job_counts: z
    .looseObject({ completed: numeric, under_review: numeric, queued: numeric, processing: numeric })
    .nullish()
    .catch(null),
  execution_time: numeric,
  billing_type: str,
  credits: numeric,
  free_credits: numeric,
});
export type NbAccountInfo = z.infer<typeof nbAccountInfo>;
