/**
 * The runtime-security schema as the code before migrations created it: findings, their events,
 * per-source ingest state and unknown event types. Over a database that code created, it creates
 * what is missing (the unknown-events table came later) and keeps every row.
 */
import { createTableIfMissing, PluginMigration } from '@periscope/kube-access';

const FINDINGS = 'runtime_security_findings';
const EVENTS = 'runtime_security_finding_events';
const SOURCES = 'runtime_security_sources';
const UNKNOWN = 'runtime_security_unknown_events';

export const baseline: PluginMigration = {
  name: '20261206_001_baseline',
  async up(knex) {
    // The first schema (before ingest existed) had no severity_rank; it never held ingested data,
    // so its table is replaced (as the code before migrations did).
    if (
      (await knex.schema.hasTable(FINDINGS)) &&
      !(await knex.schema.hasColumn(FINDINGS, 'severity_rank'))
    ) {
      await knex.schema.dropTableIfExists(FINDINGS);
    }
    await createTableIfMissing(knex, FINDINGS, t => {
      t.string('id', 64).primary();
      t.string('rule', 128).notNullable().index();
      t.integer('severity_rank').notNullable();
      t.text('title').notNullable();
      t.string('mitre_id', 32).notNullable();
      t.text('mitre_name').notNullable();
      t.text('remediation').notNullable();
      t.string('outcome', 16).notNullable();
      t.string('cluster', 255).notNullable().index();
      t.string('namespace', 255).notNullable().index();
      t.string('workload', 255).notNullable();
      t.string('pod', 255).notNullable();
      t.text('binary').notNullable();
      t.string('policy', 255).nullable().index();
      t.text('labels').notNullable();
      t.text('sample').notNullable();
      t.integer('sample_rank').notNullable();
      t.bigInteger('sample_time_ms').notNullable();
      t.bigInteger('count').notNullable().defaultTo(0);
      t.bigInteger('first_seen_ms').notNullable();
      t.bigInteger('last_seen_ms').notNullable().index();
      t.string('triage_state', 32).notNullable().defaultTo('open');
      t.string('triage_by', 255).nullable();
      t.text('triage_reason').nullable();
      t.string('triage_at', 40).nullable();
    });
    await createTableIfMissing(knex, EVENTS, t => {
      t.string('finding_id', 64).notNullable();
      t.string('event_id', 64).notNullable();
      t.bigInteger('time_ms').notNullable().index();
      t.integer('severity_rank').notNullable();
      t.primary(['finding_id', 'event_id']);
    });
    await createTableIfMissing(knex, SOURCES, t => {
      t.string('id', 512).primary();
      t.string('kind', 32).notNullable();
      t.text('stats').notNullable();
      t.text('checkpoint').nullable();
      t.string('updated_at', 40).notNullable();
    });
    // Added with unknown-event storage: missing in databases of earlier versions.
    await createTableIfMissing(knex, UNKNOWN, t => {
      t.string('id', 64).primary();
      t.string('source', 512).notNullable().index();
      t.string('cluster', 255).nullable();
      t.string('kind', 16).notNullable();
      t.string('name', 512).notNullable();
      t.bigInteger('count').notNullable().defaultTo(0);
      t.bigInteger('first_seen_ms').notNullable();
      t.bigInteger('last_seen_ms').notNullable().index();
      t.text('sample').nullable();
    });
  },
  async down(knex) {
    for (const table of [UNKNOWN, SOURCES, EVENTS, FINDINGS])
      await knex.schema.dropTableIfExists(table);
  },
};
