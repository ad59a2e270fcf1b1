/**
 * Brings the Health store's database to its latest schema (knex migrations, recorded in
 * `k8s_diagnostics_migrations`); run by the store at start-up unless the backend skips migrations.
 */
import type { Knex } from 'knex';
import { applyPluginMigrations } from '@periscope/kube-access';
import { MIGRATIONS } from './migrations';

/** The table where knex records the applied migrations of this plugin. */
export const MIGRATIONS_TABLE = 'k8s_diagnostics_migrations';

/** Applies the migrations not yet applied; safe on every start and on several replicas at once. */
export function migrateK8sDiagnosticsDatabase(knex: Knex): Promise<void> {
  return applyPluginMigrations(knex, {
    tableName: MIGRATIONS_TABLE,
    migrations: MIGRATIONS,
  });
}
