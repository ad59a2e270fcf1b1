/**
 * The schema of the Health store as it was before migrations: findings, scans, the scope locks,
 * the explanation cache, token usage (with `user_ref`, which tables from before per-user usage
 * lack), the daily token budget and the per-user call counts. Creates only what is missing, so a
 * database the earlier start-up code created migrates without losing rows.
 */
import type { Knex } from 'knex';
import {
  addColumnIfMissing,
  createTableIfMissing,
  PluginMigration,
} from '@periscope/kube-access';

/** The tables this migration creates, in the order it creates them. */
const TABLES = [
  'k8s_diagnostics_findings',
  'k8s_diagnostics_scans',
  'k8s_diagnostics_explanations',
  'k8s_diagnostics_token_usage',
  'k8s_diagnostics_scope_locks',
  'k8s_diagnostics_token_budget',
  'k8s_diagnostics_ai_rate',
];

export const baseline: PluginMigration = {
  name: '20261206_001_baseline',
  async up(knex: Knex) {
    await createTableIfMissing(knex, 'k8s_diagnostics_findings', t => {
      t.string('scope', 255).notNullable();
      t.string('id', 64).notNullable();
      t.string('cluster', 255).notNullable();
      t.string('namespace', 255).notNullable();
      t.string('kind', 255).notNullable();
      t.string('severity', 16).notNullable();
      t.text('data').notNullable();
      t.string('first_seen', 40).notNullable();
      t.string('last_seen', 40).notNullable();
      t.string('resolved_at', 40).nullable();
      t.primary(['scope', 'id']);
      t.index(['scope', 'resolved_at'], 'k8s_diag_findings_scope_resolved');
    });
    await createTableIfMissing(knex, 'k8s_diagnostics_scans', t => {
      t.increments('seq');
      t.string('scope', 255).notNullable();
      t.string('scanned_at', 40).notNullable();
      t.text('counts').notNullable();
      t.text('errors').notNullable();
      t.text('warnings').notNullable();
      t.text('clusters').notNullable();
      t.index(['scope', 'seq'], 'k8s_diag_scans_scope_seq');
    });
    await createTableIfMissing(knex, 'k8s_diagnostics_explanations', t => {
      t.string('cache_key', 64).primary();
      t.string('provider', 32).notNullable();
      t.string('model', 255).notNullable();
      t.string('prompt_version', 32).notNullable();
      t.string('language', 64).notNullable();
      t.string('input_hash', 64).notNullable();
      t.text('answer').notNullable();
      t.string('created_at', 40).notNullable();
    });
    await createTableIfMissing(knex, 'k8s_diagnostics_token_usage', t => {
      t.increments('seq');
      t.string('day', 10).notNullable().index('k8s_diag_usage_day');
      t.string('cache_key', 64).notNullable();
      t.string('entity_ref', 255).notNullable();
      t.string('finding_id', 64).notNullable();
      t.string('provider', 32).notNullable();
      t.string('model', 255).notNullable();
      t.integer('prompt_tokens').notNullable();
      t.integer('completion_tokens').notNullable();
      t.integer('total_tokens').notNullable();
      t.boolean('estimated').notNullable();
      t.string('created_at', 40).notNullable();
      t.string('user_ref', 255).nullable();
    });
    // Usage tables from before usage was recorded per user.
    await addColumnIfMissing(
      knex,
      'k8s_diagnostics_token_usage',
      'user_ref',
      t => t.string('user_ref', 255).nullable(),
    );
    // One row per scope, locked while a scan of it is recorded.
    await createTableIfMissing(knex, 'k8s_diagnostics_scope_locks', t => {
      t.string('scope', 255).primary();
    });
    // One row a UTC day: tokens used and reserved by calls in progress.
    await createTableIfMissing(knex, 'k8s_diagnostics_token_budget', t => {
      t.string('day', 10).primary();
      t.integer('used_tokens').notNullable();
      t.integer('reserved_tokens').notNullable();
    });
    // Calls per caller and UTC minute.
    await createTableIfMissing(knex, 'k8s_diagnostics_ai_rate', t => {
      t.string('user_ref', 255).notNullable();
      t.string('minute', 16).notNullable();
      t.integer('calls').notNullable();
      t.primary(['user_ref', 'minute']);
    });
  },
  async down(knex: Knex) {
    for (const table of [...TABLES].reverse()) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};
