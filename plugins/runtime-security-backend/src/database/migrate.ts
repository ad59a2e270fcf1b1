/** Brings the runtime-security database to its latest schema (knex migrations, recorded per plugin). */
import { applyPluginMigrations } from '@periscope/kube-access';
import { Knex } from 'knex';
import { MIGRATIONS } from './migrations';

/** Applies the migrations not applied yet; backends starting together wait for each other. */
export async function migrateRuntimeSecurityDatabase(
  knex: Knex,
): Promise<void> {
  await applyPluginMigrations(knex, {
    tableName: 'runtime_security_migrations',
    migrations: MIGRATIONS,
  });
}
