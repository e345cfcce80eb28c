// Triggers become runs. A trigger seen before (same source + idempotency key) returns its run; a
// trigger for a contact that already has an unfinished run attaches to it (coalescing) instead of
// starting a second one, so duplicate and concurrent triggers never pay twice.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Knex } from 'knex';
import { FIELD_GROUPS } from '../vendors/types.ts';
import type { ContactFacts, FieldGroup } from '../vendors/types.ts';
import { normalizeDomain, normalizeEmail, normalizeLinkedinUrl, normalizeName } from '../vendors/normalize.ts';
import { companyDomainOf } from './profile.ts';

export const TRIGGER_SOURCES = ['workflow', 'card', 'schedule', 'api', 'demo', 'bench'] as const;

export const triggerSchema = z.object({
  portalId: z.number().int().positive(),
  contactId: z.string().trim().min(1).max(64),
  source: z.enum(TRIGGER_SOURCES),
  idempotencyKey: z.string().trim().min(1).max(200),
  groups: z.array(z.enum(FIELD_GROUPS)).min(1, 'must name at least one field group'),
  forceRefresh: z.boolean().default(false),
  /** The contact's current CRM values (the write policy compares against them). */
  properties: z.record(z.string().max(100), z.string().max(65_536).nullable()).default({}),
});
export type TriggerInput = z.input<typeof triggerSchema>;
export type Trigger = z.output<typeof triggerSchema>;

export interface RunContact {
  facts: ContactFacts;
  properties: Record<string, string | null>;
}

/** What the engine can look vendors up by, from the contact's CRM properties. */
export function factsFromProperties(p: Record<string, string | null>): ContactFacts {
  const email = normalizeEmail(p.email ?? undefined);
  const facts: ContactFacts = {
    email,
    first_name: normalizeName(p.firstname ?? undefined),
    last_name: normalizeName(p.lastname ?? undefined),
    company_name: normalizeName(p.company ?? undefined),
    domain: normalizeDomain(p.website ?? undefined) ?? companyDomainOf(email),
    linkedin_url: normalizeLinkedinUrl(p.cascade_linkedin_url ?? undefined),
  };
  for (const k of Object.keys(facts) as (keyof ContactFacts)[]) if (facts[k] === undefined) delete facts[k];
  return facts;
}

export interface TriggerResult {
  runId: string;
  /** The same trigger was seen before: nothing new happened. */
  duplicate: boolean;
  /** Attached to a run that was already under way for this contact. */
  coalesced: boolean;
}

class DuplicateTrigger extends Error {}
/** The unfinished run we collided with finished before we could attach: start a new one instead. */
class RunFinishedMeanwhile extends Error {}

const union = (a: readonly FieldGroup[], b: readonly FieldGroup[]) => [...new Set([...a, ...b])];

/** Enqueues the run's job inside the trigger's transaction, so a run never exists without its job. */
export type EnqueueRun = (trx: Knex.Transaction, runId: string) => Promise<void>;

export async function acceptTrigger(db: Knex, raw: TriggerInput, enqueue?: EnqueueRun): Promise<TriggerResult> {
  const t = triggerSchema.parse(raw);
  const existing = async () =>
    db('run_triggers').where({ portal_id: t.portalId, source: t.source, idempotency_key: t.idempotencyKey }).first('run_id');
  const seen = await existing();
  if (seen) return { runId: seen.run_id, duplicate: true, coalesced: false };

  const contact: RunContact = { facts: factsFromProperties(t.properties), properties: t.properties };
  // A person waiting on the card should not wait for a bulk batch to fill.
  const interactive = t.source === 'card';
  // A run that finishes between our insert and our attach is not ours to join: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (trx) => {
        const created = await trx.raw(
          `INSERT INTO enrichment_runs (id, portal_id, contact_id, state, groups, force_refresh, contact, interactive)
           VALUES (?, ?, ?, 'queued', ?::jsonb, ?, ?::jsonb, ?)
           ON CONFLICT (portal_id, contact_id) WHERE state <> 'done' DO NOTHING
           RETURNING id`,
          [randomUUID(), t.portalId, t.contactId, JSON.stringify(t.groups), t.forceRefresh, JSON.stringify(contact), interactive],
        );
        let runId: string;
        let coalesced = false;
        const createdRow = (created.rows as { id: string }[])[0];
        if (createdRow) {
          runId = createdRow.id;
        } else {
          const active = await trx('enrichment_runs')
            .where({ portal_id: t.portalId, contact_id: t.contactId })
            .whereNot({ state: 'done' })
            .forUpdate()
            .first('id', 'groups', 'force_refresh', 'interactive');
          if (!active) throw new RunFinishedMeanwhile();
          runId = active.id;
          coalesced = true;
          const groups = union(active.groups as FieldGroup[], t.groups);
          if (groups.length !== (active.groups as FieldGroup[]).length || (t.forceRefresh && !active.force_refresh) || (interactive && !active.interactive)) {
            await trx('enrichment_runs')
              .where({ id: runId })
              .update({ groups: JSON.stringify(groups), force_refresh: active.force_refresh || t.forceRefresh, interactive: active.interactive || interactive });
          }
        }
        const inserted = await trx('run_triggers')
          .insert({
            id: randomUUID(),
            portal_id: t.portalId,
            run_id: runId,
            source: t.source,
            idempotency_key: t.idempotencyKey,
            groups: JSON.stringify(t.groups),
            force_refresh: t.forceRefresh,
            coalesced,
          })
          .onConflict(['portal_id', 'source', 'idempotency_key'])
          .ignore()
          .returning('id');
        if (inserted.length === 0) throw new DuplicateTrigger();
        if (!coalesced && enqueue) await enqueue(trx, runId);
        return { runId, duplicate: false, coalesced };
      });
    } catch (err) {
      if (err instanceof RunFinishedMeanwhile && attempt < 5) continue;
      if (err instanceof DuplicateTrigger) {
        const again = await existing();
        if (again) return { runId: again.run_id, duplicate: true, coalesced: false };
      }
      throw err;
    }
  }
}
