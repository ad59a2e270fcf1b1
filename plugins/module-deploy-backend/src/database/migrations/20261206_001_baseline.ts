/**
 * The schema of the deploy store as it was before migrations: the audit trail and Periscope's
 * revisions (both with `change_message`, which tables from before change messages lack), drift,
 * instance owners (filled in from the revisions when the table is new), the drift-check rate
 * limit and the stored instance states. Creates only what is missing, so a database the earlier
 * start-up code created migrates without losing rows.
 */
import type { Knex } from 'knex';
import {
  addColumnIfMissing,
  createTableIfMissing,
  PluginMigration,
} from '@periscope/kube-access';

const AUDIT = 'module_deploy_audit';
const REVISIONS = 'module_deploy_revisions';
const DRIFT = 'module_deploy_drift';
const OWNERS = 'module_deploy_instance_owners';
const RATE = 'module_deploy_rate';
const STATES = 'module_deploy_instance_state';

/** The tables this migration creates, in the order it creates them. */
const TABLES = [AUDIT, REVISIONS, DRIFT, OWNERS, RATE, STATES];

/** The columns that name an instance of an entity in one cluster. */
function instanceColumns(t: Knex.CreateTableBuilder) {
  t.string('entity_ref', 255).notNullable();
  t.string('cluster', 255).notNullable();
  t.string('namespace', 255).notNullable();
  t.string('instance_name', 255).notNullable();
}

/**
 * The owners table is new in a database that may already hold revisions: each instance that
 * entities deployed before is owned by the entity that deployed it first.
 */
async function backfillOwners(knex: Knex): Promise<void> {
  const rows = await knex(REVISIONS)
    .select(
      'entity_ref',
      'cluster',
      'namespace',
      'instance_name',
      'at',
      'actor',
    )
    .whereNot({ entity_ref: '' })
    .orderBy('at', 'asc');
  const first = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const k = JSON.stringify([r.cluster, r.namespace, r.instance_name]);
    if (!first.has(k)) first.set(k, r);
  }
  for (const r of first.values()) {
    await knex(OWNERS)
      .insert({
        cluster: r.cluster,
        namespace: r.namespace,
        instance_name: r.instance_name,
        entity_ref: r.entity_ref,
        claimed_at: r.at,
        claimed_by: r.actor,
      })
      .onConflict(['cluster', 'namespace', 'instance_name'])
      .ignore();
  }
}

export const baseline: PluginMigration = {
  name: '20261206_001_baseline',
  async up(knex: Knex) {
    await createTableIfMissing(knex, AUDIT, t => {
      t.increments('id');
      t.string('at', 40).notNullable();
      t.string('actor', 255).notNullable();
      instanceColumns(t);
      t.string('action', 16).notNullable();
      t.integer('revision').nullable();
      t.text('module').nullable();
      t.text('values').nullable();
      t.string('result', 16).notNullable();
      t.text('message').nullable();
      t.text('change_message').nullable();
      t.index(['entity_ref', 'id'], 'module_deploy_audit_entity');
    });
    await createTableIfMissing(knex, REVISIONS, t => {
      instanceColumns(t);
      t.integer('revision').notNullable();
      t.string('at', 40).notNullable();
      t.string('actor', 255).notNullable();
      t.string('action', 16).notNullable();
      t.text('module').notNullable();
      t.string('module_digest', 100).notNullable();
      t.text('values').notNullable();
      t.string('result', 16).notNullable();
      t.text('change_message').nullable();
      t.primary([
        'entity_ref',
        'cluster',
        'namespace',
        'instance_name',
        'revision',
      ]);
    });
    await createTableIfMissing(knex, DRIFT, t => {
      instanceColumns(t);
      t.string('checked_at', 40).notNullable();
      t.boolean('drifted').notNullable();
      t.text('objects').notNullable();
      t.text('error').nullable();
      t.primary(['entity_ref', 'cluster', 'namespace', 'instance_name']);
    });
    // tables from before deploys carried a change message
    for (const table of [AUDIT, REVISIONS])
      await addColumnIfMissing(knex, table, 'change_message', t => {
        t.text('change_message').nullable();
      });
    const ownersExisted = await knex.schema.hasTable(OWNERS);
    await createTableIfMissing(knex, OWNERS, t => {
      t.string('cluster', 255).notNullable();
      t.string('namespace', 255).notNullable();
      t.string('instance_name', 255).notNullable();
      t.string('entity_ref', 255).notNullable();
      t.string('claimed_at', 40).notNullable();
      t.string('claimed_by', 255).notNullable();
      t.primary(['cluster', 'namespace', 'instance_name']);
    });
    if (!ownersExisted) await backfillOwners(knex);
    await createTableIfMissing(knex, RATE, t => {
      // a hash of what is limited (user and entity), so no identity is stored in clear
      t.string('key', 64).notNullable();
      t.string('minute', 16).notNullable();
      t.integer('calls').notNullable();
      t.primary(['key', 'minute']);
    });
    // what GET /entity serves instead of reading the cluster on each request
    await createTableIfMissing(knex, STATES, t => {
      instanceColumns(t);
      t.string('read_at', 40).notNullable();
      t.text('state').nullable();
      t.text('error').nullable();
      t.primary(['entity_ref', 'cluster', 'namespace', 'instance_name']);
    });
  },
  async down(knex: Knex) {
    for (const table of [...TABLES].reverse()) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};
