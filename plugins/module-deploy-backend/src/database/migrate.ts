/**
 * Brings the deploy store's database to its latest schema (knex migrations, recorded in
 * `module_deploy_migrations`); run by the store at start-up unless the backend skips migrations.
 */
import type { Knex } from 'knex';
import { applyPluginMigrations } from '@periscope/kube-access';
import { MIGRATIONS } from './migrations';

/** The table where knex records the applied migrations of this plugin. */
export const MIGRATIONS_TABLE = 'module_deploy_migrations';

/** Applies the migrations not yet applied; safe on every start and on several replicas at once. */
export function migrateModuleDeployDatabase(knex: Knex): Promise<void> {
  return applyPluginMigrations(knex, {
    tableName: MIGRATIONS_TABLE,
    migrations: MIGRATIONS,
  });
}
