// The vendor catalog: bulk batches and asynchronous vendor requests in the step ledger, waiting
// runs, schema-drift counts, and fleet-wide audit events (no portal).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_steps', (t) => {
    // Steps sent together in one bulk request share a batch id; batch_size says how many.
    t.uuid('batch_id');
    t.integer('batch_size');
    // A step answered later by an async vendor (state 'waiting' until then).
    t.uuid('async_request_id');
    t.index(['async_request_id']);
  });

  // A run in state 'waiting' holds no worker and no lease: an async vendor will answer one of its
  // steps, and the answer puts it back in the queue.
  await knex.raw(`ALTER TABLE enrichment_runs DROP CONSTRAINT runs_state`);
  await knex.raw(`ALTER TABLE enrichment_runs ADD CONSTRAINT runs_state CHECK (state IN ('queued','running','waiting','done'))`);
  // Someone is watching (the card's "Enrich now"): its steps go out at once instead of waiting to
  // share a bulk request.
  await knex.schema.alterTable('enrichment_runs', (t) => {
    t.boolean('interactive').notNullable().defaultTo(false);
  });

  // One submission to an async vendor (FullEnrich's bulk enrich): its lookups in order, each with
  // the step that waits for it. state: submitting → pending → done | expired. Only the transition
  // out of submitting/pending applies an answer, so a duplicate or late callback changes nothing.
  await knex.schema.createTable('async_requests', (t) => {
    t.uuid('id').primary();
    t.text('vendor').notNullable();
    t.text('operation').notNullable();
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('key_fingerprint').notNullable();
    t.text('state').notNullable().defaultTo('submitting');
    t.text('external_id');
    // [{ stepId, runId, key, params }] in submission order.
    t.jsonb('members').notNullable();
    // sha256 of the (run, step) pairs; the callback token carries it.
    t.text('binding').notNullable();
    t.integer('polls').notNullable().defaultTo(0);
    t.timestamp('next_poll_at', { useTz: true });
    t.timestamp('give_up_at', { useTz: true }).notNullable();
    t.text('completed_via'); // callback | poll | timeout
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.index(['state', 'next_poll_at']);
  });
  await knex.raw(
    `ALTER TABLE async_requests ADD CONSTRAINT async_requests_state CHECK (state IN ('submitting','pending','done','expired'))`,
  );

  // How often each vendor answer differed from the adapter's schema, per key path.
  await knex.schema.createTable('vendor_schema_drift', (t) => {
    t.text('vendor').notNullable();
    t.text('operation').notNullable();
    t.text('path').notNullable();
    t.text('kind').notNullable(); // unknown | missing
    t.bigInteger('count').notNullable().defaultTo(0);
    t.timestamp('first_seen', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['vendor', 'operation', 'path', 'kind']);
  });

  // Scheduled jobs (node-cron on every instance): one row per job and schedule slot, so a slot runs
  // once across the fleet; the advisory lock keeps two instances from running it at the same time.
  await knex.schema.createTable('job_runs', (t) => {
    t.text('name').notNullable();
    t.text('slot').notNullable();
    t.text('instance');
    t.jsonb('result');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.primary(['name', 'slot']);
  });

  // Fleet-wide events (the drift report) belong to no portal.
  await knex.raw(`ALTER TABLE audit_events ALTER COLUMN portal_id DROP NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('audit_events').whereNull('portal_id').delete();
  await knex.raw(`ALTER TABLE audit_events ALTER COLUMN portal_id SET NOT NULL`);
  await knex.schema.dropTableIfExists('job_runs');
  await knex.schema.dropTableIfExists('vendor_schema_drift');
  await knex.schema.dropTableIfExists('async_requests');
  await knex('enrichment_runs').where({ state: 'waiting' }).update({ state: 'queued' });
  await knex.schema.alterTable('enrichment_runs', (t) => {
    t.dropColumn('interactive');
  });
  await knex.raw(`ALTER TABLE enrichment_runs DROP CONSTRAINT runs_state`);
  await knex.raw(`ALTER TABLE enrichment_runs ADD CONSTRAINT runs_state CHECK (state IN ('queued','running','done'))`);
  await knex.schema.alterTable('run_steps', (t) => {
    t.dropIndex(['async_request_id']);
    t.dropColumn('batch_id');
    t.dropColumn('batch_size');
    t.dropColumn('async_request_id');
  });
}
