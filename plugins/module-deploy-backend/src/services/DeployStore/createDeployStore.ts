import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { AuditRecord, DriftState } from '../../types';
import { DeployStore, InstanceKey, StoredRevision } from './types';

const AUDIT = 'module_deploy_audit';
const REVISIONS = 'module_deploy_revisions';
const DRIFT = 'module_deploy_drift';

async function create(
  knex: Knex,
  table: string,
  build: (t: Knex.CreateTableBuilder) => void,
) {
  if (await knex.schema.hasTable(table)) return;
  try {
    await knex.schema.createTable(table, build);
  } catch (e) {
    if (!(await knex.schema.hasTable(table))) throw e; // another replica created it in between
  }
}

function instanceColumns(t: Knex.CreateTableBuilder) {
  t.string('entity_ref', 255).notNullable();
  t.string('cluster', 255).notNullable();
  t.string('namespace', 255).notNullable();
  t.string('instance_name', 255).notNullable();
}

async function migrate(knex: Knex): Promise<void> {
  await create(knex, AUDIT, t => {
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
    t.index(['entity_ref', 'id'], 'module_deploy_audit_entity');
  });
  await create(knex, REVISIONS, t => {
    instanceColumns(t);
    t.integer('revision').notNullable();
    t.string('at', 40).notNullable();
    t.string('actor', 255).notNullable();
    t.string('action', 16).notNullable();
    t.text('module').notNullable();
    t.string('module_digest', 100).notNullable();
    t.text('values').notNullable();
    t.string('result', 16).notNullable();
    t.primary([
      'entity_ref',
      'cluster',
      'namespace',
      'instance_name',
      'revision',
    ]);
  });
  await create(knex, DRIFT, t => {
    instanceColumns(t);
    t.string('checked_at', 40).notNullable();
    t.boolean('drifted').notNullable();
    t.text('objects').notNullable();
    t.text('error').nullable();
    t.primary(['entity_ref', 'cluster', 'namespace', 'instance_name']);
  });
}

const keyOf = (k: InstanceKey) => ({
  entity_ref: k.entityRef,
  cluster: k.cluster,
  namespace: k.namespace,
  instance_name: k.instanceName,
});

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
const parse = <T>(v: string | null | undefined): T | undefined =>
  v ? (JSON.parse(v) as T) : undefined;

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  entity_ref: string;
  cluster: string;
  namespace: string;
  instance_name: string;
  action: AuditRecord['action'];
  revision: number | null;
  module: string | null;
  values: string | null;
  result: AuditRecord['result'];
  message: string | null;
}

function auditFromRow(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    entityRef: r.entity_ref,
    cluster: r.cluster,
    namespace: r.namespace,
    instanceName: r.instance_name,
    action: r.action,
    ...(r.revision !== null ? { revision: r.revision } : {}),
    ...(r.module ? { module: parse(r.module) } : {}),
    ...(r.values ? { values: parse(r.values) } : {}),
    result: r.result,
    ...(r.message ? { message: r.message } : {}),
  };
}

/**
 * The plugin's tables (created on start, idempotently): the audit trail of every deploy, rollback
 * and delete; Periscope's revision history (values, module digest, who, when, result); drift.
 * @public
 */
export async function createDeployStore(
  database: DatabaseService,
): Promise<DeployStore> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) await migrate(knex);
  return {
    async recordAudit(r) {
      await knex(AUDIT).insert({
        at: r.at,
        actor: r.actor,
        ...keyOf(r),
        action: r.action,
        revision: r.revision ?? null,
        module: json(r.module),
        values: json(r.values),
        result: r.result,
        message: r.message ?? null,
      });
    },
    async listAudit(entityRef, limit = 50) {
      const rows = await knex<AuditRow>(AUDIT)
        .where({ entity_ref: entityRef })
        .orderBy('id', 'desc')
        .limit(limit);
      return rows.map(auditFromRow);
    },
    async recordRevision(rev) {
      const row = {
        ...keyOf(rev),
        revision: rev.revision,
        at: rev.at,
        actor: rev.actor,
        action: rev.action,
        module: JSON.stringify(rev.module),
        module_digest: rev.module.digest ?? '',
        values: JSON.stringify(rev.values),
        result: rev.result,
      };
      await knex(REVISIONS)
        .insert(row)
        .onConflict([
          'entity_ref',
          'cluster',
          'namespace',
          'instance_name',
          'revision',
        ])
        .merge();
    },
    async listRevisions(entityRef, limit = 100) {
      const rows = await knex(REVISIONS)
        .where({ entity_ref: entityRef })
        .orderBy('at', 'desc')
        .limit(limit);
      return rows.map(
        (r): StoredRevision => ({
          entityRef: r.entity_ref,
          cluster: r.cluster,
          namespace: r.namespace,
          instanceName: r.instance_name,
          revision: Number(r.revision),
          at: r.at,
          actor: r.actor,
          action: r.action,
          module: JSON.parse(r.module),
          values: JSON.parse(r.values),
          result: r.result,
        }),
      );
    },
    async putDrift(key, drift: DriftState) {
      await knex(DRIFT)
        .insert({
          ...keyOf(key),
          checked_at: drift.checkedAt,
          drifted: drift.drifted,
          objects: JSON.stringify(drift.objects),
          error: drift.error ?? null,
        })
        .onConflict(['entity_ref', 'cluster', 'namespace', 'instance_name'])
        .merge();
    },
    async getDrift(key) {
      const r = await knex(DRIFT).where(keyOf(key)).first();
      if (!r) return undefined;
      return {
        checkedAt: r.checked_at,
        drifted: Boolean(r.drifted),
        objects: JSON.parse(r.objects),
        ...(r.error ? { error: r.error } : {}),
      };
    },
  };
}
