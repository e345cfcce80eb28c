// The HubSpot integration: OAuth tokens per portal (encrypted), the write-back outbox, webhook
// deliveries seen (so a duplicate is harmless) and the purge mark on runs whose contact was deleted.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One installation per portal. Both tokens are envelope-encrypted (AES-256-GCM, key id inside).
  await knex.schema.createTable('hubspot_tokens', (t) => {
    t.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    t.text('access_token_enc').notNullable();
    t.text('refresh_token_enc').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.jsonb('scopes').notNullable().defaultTo('[]');
    t.bigInteger('installed_by_user');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('refreshed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['expires_at']);
  });

  // Everything Cascade writes to HubSpot waits here until a flush sends it in batches of ≤ 100.
  // kind: contact_update | callback_complete | timeline_event. dedupe_key makes enqueueing idempotent
  // (one completion per callbackId, one update per run). state: pending → done | skipped | dead.
  await knex.schema.createTable('hubspot_outbox', (t) => {
    t.bigIncrements('id');
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.text('dedupe_key').notNullable();
    t.uuid('run_id');
    t.text('contact_id');
    t.jsonb('payload').notNullable();
    t.text('state').notNullable().defaultTo('pending');
    t.boolean('urgent').notNullable().defaultTo(false);
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('not_before', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('claimed_by');
    t.timestamp('claimed_until', { useTz: true });
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('done_at', { useTz: true });
    t.unique(['portal_id', 'kind', 'dedupe_key']);
  });
  await knex.raw(`ALTER TABLE hubspot_outbox ADD CONSTRAINT outbox_kind CHECK (kind IN ('contact_update','callback_complete','timeline_event'))`);
  await knex.raw(`ALTER TABLE hubspot_outbox ADD CONSTRAINT outbox_state CHECK (state IN ('pending','done','skipped','dead'))`);
  await knex.raw(`CREATE INDEX hubspot_outbox_due ON hubspot_outbox (portal_id, kind, not_before) WHERE state = 'pending'`);
  // A run's callback waits for its property update: looked up by run.
  await knex.raw(`CREATE INDEX hubspot_outbox_run ON hubspot_outbox (run_id) WHERE state = 'pending'`);

  // Webhook events already handled (HubSpot retries deliveries; an event is applied once).
  await knex.schema.createTable('hubspot_webhook_events', (t) => {
    t.bigInteger('portal_id').notNullable();
    t.text('event_id').notNullable();
    t.text('subscription_type').notNullable();
    t.text('object_id');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['portal_id', 'event_id']);
  });

  await knex.schema.alterTable('enrichment_runs', (t) => {
    // Set when the contact was deleted (or privacy-deleted): its personal data was erased.
    t.timestamp('purged_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('enrichment_runs', (t) => {
    t.dropColumn('purged_at');
  });
  await knex.schema.dropTableIfExists('hubspot_webhook_events');
  await knex.schema.dropTableIfExists('hubspot_outbox');
  await knex.schema.dropTableIfExists('hubspot_tokens');
}
