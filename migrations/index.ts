// Ordered list of migrations. Imported statically (not read from disk) so that the server, the tests
// and the benchmark load the same set under Node's type stripping and under vitest.
import type { Knex } from 'knex';
import * as m001 from './001_engine.ts';
import * as m002 from './002_catalog.ts';
import * as m003 from './003_hubspot.ts';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Record<string, Migration> = {
  '001_engine': m001,
  '002_catalog': m002,
  '003_hubspot': m003,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name] as Migration,
};
