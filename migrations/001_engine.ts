// The engine's schema. Money is stored in millicents (1/1000 of a cent) as bigint, so fractional
// vendor prices (Hunter's 0.5 credit) add up exactly; caps are configured in whole cents.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('portals', (t) => {
    t.bigInteger('id').primary(); // HubSpot portal (hub) id
    t.text('name');
    t.timestamp('installed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('uninstalled_at', { useTz: true });
  });

  // BYOK keys, envelope-encrypted; only last4 is readable back. fingerprint identifies the key for
  // rate buckets and cool-downs without revealing it.
  await knex.schema.createTable('vendor_credentials', (t) => {
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('vendor').notNullable();
    t.text('secret_enc').notNullable();
    t.text('kek_id').notNullable();
    t.text('last4').notNullable();
    t.text('fingerprint').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['portal_id', 'vendor']);
  });

  // Waterfall per field group, TTLs, write policy, on-cap behaviour, price and rate overrides.
  await knex.schema.createTable('portal_settings', (t) => {
    t.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    t.jsonb('settings').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // scope = 'total' or a vendor id; period = 'day' | 'month'.
  await knex.schema.createTable('spend_caps', (t) => {
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('scope').notNullable();
    t.text('period').notNullable();
    t.bigInteger('cap_cents').notNullable();
    t.primary(['portal_id', 'scope', 'period']);
  });
  await knex.raw(`ALTER TABLE spend_caps ADD CONSTRAINT spend_caps_period CHECK (period IN ('day','month'))`);
  await knex.raw(`ALTER TABLE spend_caps ADD CONSTRAINT spend_caps_nonneg CHECK (cap_cents >= 0)`);

  // One row per (portal, scope, period, period_key e.g. 2026-11-23 / 2026-11). reserved_mc holds
  // money promised to calls in flight; reserve → settle keeps spent + reserved under the cap.
  await knex.schema.createTable('spend_counters', (t) => {
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('scope').notNullable();
    t.text('period').notNullable();
    t.text('period_key').notNullable();
    t.bigInteger('spent_mc').notNullable().defaultTo(0);
    t.bigInteger('reserved_mc').notNullable().defaultTo(0);
    t.primary(['portal_id', 'scope', 'period', 'period_key']);
  });
  await knex.raw(`ALTER TABLE spend_counters ADD CONSTRAINT spend_counters_nonneg CHECK (spent_mc >= 0 AND reserved_mc >= 0)`);

  // Each reservation, so a crashed process's reservations can be settled or released on recovery.
  await knex.schema.createTable('spend_reservations', (t) => {
    t.uuid('id').primary();
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.uuid('run_id');
    t.uuid('step_id');
    t.text('vendor').notNullable();
    t.text('day_key').notNullable();
    t.text('month_key').notNullable();
    t.bigInteger('amount_mc').notNullable();
    // The counters this reservation was added to ("scope/period", comma-separated): only capped
    // counters carry reservations; the others only learn what was actually spent.
    t.text('reserved_on').notNullable().defaultTo('');
    t.bigInteger('charged_mc');
    t.text('state').notNullable().defaultTo('reserved'); // reserved | settled | released
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('settled_at', { useTz: true });
    t.index(['portal_id', 'state']);
    t.index(['step_id']);
  });

  // One alert per portal/scope/period: the insert that wins announces it, the others do nothing.
  await knex.schema.createTable('cap_alerts', (t) => {
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('scope').notNullable();
    t.text('period').notNullable();
    t.text('period_key').notNullable();
    t.bigInteger('cap_cents').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['portal_id', 'scope', 'period', 'period_key']);
  });

  // state: queued | running | done. status (when done): enriched | partial | not_found |
  // cap_reached | suppressed | failed. A lease marks the process executing it; an expired lease
  // means that process died and the run may be resumed.
  await knex.schema.createTable('enrichment_runs', (t) => {
    t.uuid('id').primary();
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('contact_id').notNullable();
    t.text('state').notNullable().defaultTo('queued');
    t.text('status');
    t.jsonb('groups').notNullable();
    t.boolean('force_refresh').notNullable().defaultTo(false);
    t.jsonb('contact').notNullable(); // facts and current property values at trigger time
    t.jsonb('profile');
    t.jsonb('changes');
    t.jsonb('summary');
    t.bigInteger('cost_mc').notNullable().defaultTo(0);
    t.text('lease_owner');
    t.timestamp('lease_expires_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.index(['portal_id', 'contact_id']);
    t.index(['state', 'lease_expires_at']);
  });
  await knex.raw(`ALTER TABLE enrichment_runs ADD CONSTRAINT runs_state CHECK (state IN ('queued','running','done'))`);
  // At most one unfinished run per contact: concurrent triggers attach to it instead.
  await knex.raw(
    `CREATE UNIQUE INDEX enrichment_runs_one_active ON enrichment_runs (portal_id, contact_id) WHERE state <> 'done'`,
  );

  // Every trigger (workflow callback, card click, schedule), keyed for idempotency.
  await knex.schema.createTable('run_triggers', (t) => {
    t.uuid('id').primary();
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.uuid('run_id').notNullable().references('enrichment_runs.id').onDelete('CASCADE');
    t.text('source').notNullable();
    t.text('idempotency_key').notNullable();
    t.jsonb('groups').notNullable();
    t.boolean('force_refresh').notNullable().defaultTo(false);
    t.boolean('coalesced').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['portal_id', 'source', 'idempotency_key']);
    t.index(['run_id']);
  });

  // The ledger of memoized vendor steps: one row per (run, vendor, operation, lookup). A row in
  // state 'calling' whose run is resumed means the call may have been billed without an answer.
  await knex.schema.createTable('run_steps', (t) => {
    t.uuid('id').primary();
    t.uuid('run_id').notNullable().references('enrichment_runs.id').onDelete('CASCADE');
    t.bigInteger('portal_id').notNullable();
    t.integer('seq').notNullable();
    t.text('field_group').notNullable();
    t.text('vendor').notNullable();
    t.text('operation').notNullable();
    t.text('lookup_hash');
    t.text('key_fingerprint');
    t.text('state').notNullable(); // calling | done | skipped | indeterminate
    t.text('outcome'); // hit | miss | rate_limited | ... (vendor) or null when skipped
    t.text('source'); // vendor | cache | memo
    t.text('skip_reason');
    t.bigInteger('cost_mc').notNullable().defaultTo(0);
    t.boolean('billed').notNullable().defaultTo(false);
    t.integer('http_calls').notNullable().defaultTo(0);
    t.integer('http_status');
    t.integer('latency_ms');
    t.integer('waited_ms').notNullable().defaultTo(0);
    t.text('detail');
    t.jsonb('result');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['portal_id', 'created_at']);
  });
  await knex.raw(
    `CREATE UNIQUE INDEX run_steps_memo ON run_steps (run_id, vendor, operation, lookup_hash) WHERE lookup_hash IS NOT NULL`,
  );
  await knex.raw(`CREATE INDEX run_steps_run ON run_steps (run_id, seq)`);

  // Per-portal cache of vendor answers (hits and misses). state 'pending' is a claim: one run is
  // calling the vendor for this lookup and the others wait for its answer instead of paying again.
  await knex.schema.createTable('vendor_cache', (t) => {
    t.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    t.text('vendor').notNullable();
    t.text('operation').notNullable();
    t.text('lookup_hash').notNullable();
    t.text('state').notNullable(); // pending | hit | miss | indeterminate
    t.jsonb('result');
    t.uuid('claimed_by');
    t.timestamp('claimed_at', { useTz: true });
    t.timestamp('fetched_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.integer('hits').notNullable().defaultTo(0);
    t.primary(['portal_id', 'vendor', 'operation', 'lookup_hash']);
    t.index(['expires_at']);
  });

  // Fleet-wide quota cool-downs per (vendor, key): a vendor that says "quota used up" is not asked
  // again by any process until the reset.
  await knex.schema.createTable('vendor_key_state', (t) => {
    t.text('vendor').notNullable();
    t.text('key_fingerprint').notNullable();
    t.timestamp('cooldown_until', { useTz: true });
    t.text('reason');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['vendor', 'key_fingerprint']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('portal_id').notNullable();
    t.uuid('run_id');
    t.text('contact_id');
    t.text('type').notNullable();
    t.jsonb('detail').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['portal_id', 'created_at']);
    t.index(['portal_id', 'type']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_events',
    'vendor_key_state',
    'vendor_cache',
    'run_steps',
    'run_triggers',
    'enrichment_runs',
    'cap_alerts',
    'spend_reservations',
    'spend_counters',
    'spend_caps',
    'portal_settings',
    'vendor_credentials',
    'portals',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
