/**
 * The deploy store: the audit trail, revisions, drift, instance owners, the drift-check rate limit
 * and the stored instance states, read and written through knex.
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  JsonObject,
  JsonValue,
  SENSITIVE_MASK,
  isSensitiveValueRef,
  maskSensitiveValues,
} from '@periscope/backstage-plugin-module-deploy-common';
import { migrateModuleDeployDatabase } from '../../database/migrate';
import { AuditRecord, DriftState } from '../../types';
import {
  DeployStore,
  InstanceKey,
  InstanceLocation,
  InstanceOwner,
  StoredInstanceState,
  StoredRevision,
} from './types';

const AUDIT = 'module_deploy_audit';
const REVISIONS = 'module_deploy_revisions';
const DRIFT = 'module_deploy_drift';
const OWNERS = 'module_deploy_instance_owners';
const RATE = 'module_deploy_rate';
const STATES = 'module_deploy_instance_state';

/**
 * Where the values of a sensitive field are kept instead of the database: the instance's
 * revision history Secret in the cluster (engine `historySecretName`).
 */
export function sensitiveValueRef(key: {
  namespace: string;
  instanceName: string;
}): { $sensitive: string } {
  return {
    $sensitive: `Secret/${key.namespace}/periscope-history.${key.instanceName}`,
  };
}

/**
 * Values as the database keeps them: the caller masks the fields its schema marks sensitive;
 * fields whose name is sensitive are masked here too, whatever the caller did.
 */
function storedValues(
  values: JsonObject,
  key: { namespace: string; instanceName: string },
): JsonObject {
  return maskSensitiveValues(values, undefined, sensitiveValueRef(key));
}

/** Values as answers show them: each stored reference is the mask. */
function shownValues(v: JsonValue): JsonValue {
  if (isSensitiveValueRef(v)) return SENSITIVE_MASK;
  if (Array.isArray(v)) return v.map(shownValues);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, shownValues(x)]),
    );
  return v;
}

const locationOf = (k: InstanceLocation) => ({
  cluster: k.cluster,
  namespace: k.namespace,
  instance_name: k.instanceName,
});

const keyOf = (k: InstanceKey) => ({
  entity_ref: k.entityRef,
  cluster: k.cluster,
  namespace: k.namespace,
  instance_name: k.instanceName,
});

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** Where a stored JSON value comes from, for the error when it does not parse. */
interface RowRef {
  table: string;
  /** The row's key columns and values. */
  key: Record<string, string | number>;
  column: string;
  /** What to do about it, beyond deleting the row. */
  remedy: string;
}

/**
 * Parses a JSON column; a corrupt value is a 503 naming the table, the row and the column and
 * saying what to do, instead of a 500 from a SyntaxError.
 */
export function parseStored<T>(
  v: string | null | undefined,
  where: RowRef,
): T | undefined {
  if (!v) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch (e) {
    const cond = Object.entries(where.key)
      .map(
        ([k, x]) =>
          `${k} = ${
            typeof x === 'number' ? x : `'${String(x).replace(/'/g, "''")}'`
          }`,
      )
      .join(' AND ');
    throw new ServiceUnavailableError(
      `module-deploy: the stored row of table ${
        where.table
      } where ${cond} is corrupt: column '${where.column}' is not valid JSON (${
        (e as Error).message
      }). ${where.remedy} To go on without it, delete the row: DELETE FROM ${
        where.table
      } WHERE ${cond};`,
    );
  }
}
const parse = parseStored;

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
  change_message: string | null;
}

function auditFromRow(r: AuditRow): AuditRecord {
  const at = (column: string): RowRef => ({
    table: AUDIT,
    key: { id: Number(r.id) },
    column,
    remedy: 'Restore the row from a backup of the database if you need it.',
  });
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
    ...(r.module ? { module: parse(r.module, at('module')) } : {}),
    ...(r.values
      ? {
          values: shownValues(
            parse<JsonObject>(r.values, at('values')) ?? {},
          ) as JsonObject,
        }
      : {}),
    result: r.result,
    ...(r.message ? { message: r.message } : {}),
    ...(r.change_message ? { changeMessage: r.change_message } : {}),
  };
}

/**
 * The plugin's tables (brought up to date on start by the migrations in `src/database/`): the
 * audit trail of every deploy, rollback and delete; Periscope's revision history (values, module
 * digest, who, when, result); drift; the entity that owns each instance; the state of each
 * instance GET /entity serves. Sensitive values are never stored: each is a
 * `{ "$sensitive": "Secret/<namespace>/periscope-history.<instance>" }` reference to where the
 * cluster keeps it, shown as the mask when read back.
 * @public
 */
export async function createDeployStore(
  database: DatabaseService,
): Promise<DeployStore> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) await migrateModuleDeployDatabase(knex);
  return {
    async recordAudit(r) {
      await knex(AUDIT).insert({
        at: r.at,
        actor: r.actor,
        ...keyOf(r),
        action: r.action,
        revision: r.revision ?? null,
        module: json(r.module),
        values: json(r.values && storedValues(r.values, r)),
        result: r.result,
        message: r.message ?? null,
        change_message: r.changeMessage ?? null,
      });
    },
    async listAudit(entityRef, limit = 50, offset = 0) {
      const rows = await knex<AuditRow>(AUDIT)
        .where({ entity_ref: entityRef })
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset);
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
        values: JSON.stringify(storedValues(rev.values, rev)),
        result: rev.result,
        change_message: rev.changeMessage ?? null,
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
      return rows.map((r): StoredRevision => {
        const at = (column: string): RowRef => ({
          table: REVISIONS,
          key: {
            entity_ref: r.entity_ref,
            cluster: r.cluster,
            namespace: r.namespace,
            instance_name: r.instance_name,
            revision: Number(r.revision),
          },
          column,
          remedy: `The revision itself is kept in the cluster (Secret ${r.namespace}/periscope-history.${r.instance_name}); only who deployed it is lost with the row.`,
        });
        return {
          entityRef: r.entity_ref,
          cluster: r.cluster,
          namespace: r.namespace,
          instanceName: r.instance_name,
          revision: Number(r.revision),
          at: r.at,
          actor: r.actor,
          action: r.action,
          module: parse(r.module, at('module'))!,
          values: shownValues(
            parse<JsonObject>(r.values, at('values')) ?? {},
          ) as JsonObject,
          result: r.result,
          ...(r.change_message ? { changeMessage: r.change_message } : {}),
        };
      });
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
        objects:
          parse(r.objects, {
            table: DRIFT,
            key: keyOf(key),
            column: 'objects',
            remedy: 'The next drift check writes the row anew.',
          }) ?? [],
        ...(r.error ? { error: r.error } : {}),
      };
    },
    async putInstanceState(st) {
      const values = {
        read_at: st.readAt,
        state: json(st.state),
        error: json(st.error),
      };
      // one conditional update: a state read earlier than the stored one never replaces it
      const update = async () =>
        Number(
          await knex(STATES)
            .where(keyOf(st))
            .andWhere('read_at', '<=', st.readAt)
            .update(values),
        ) > 0;
      if (await update()) return true;
      await knex(STATES)
        .insert({ ...keyOf(st), ...values })
        .onConflict(['entity_ref', 'cluster', 'namespace', 'instance_name'])
        .ignore();
      // ours, or another replica's inserted in between: the later read stays
      return update();
    },
    async listInstanceStates(entityRef) {
      const rows = await knex(STATES).where({ entity_ref: entityRef });
      return rows.map((r): StoredInstanceState => {
        const key = {
          entityRef: r.entity_ref,
          cluster: r.cluster,
          namespace: r.namespace,
          instanceName: r.instance_name,
        };
        const at = (column: string): RowRef => ({
          table: STATES,
          key: keyOf(key),
          column,
          remedy:
            'The next read of the instance (the scheduled refresh, or the Deploy tab) writes the row anew.',
        });
        const state = parse<StoredInstanceState['state']>(r.state, at('state'));
        const error = parse<StoredInstanceState['error']>(r.error, at('error'));
        return {
          ...key,
          readAt: r.read_at,
          ...(state ? { state } : {}),
          ...(error ? { error } : {}),
        };
      });
    },
    async getOwner(at) {
      const r = await knex(OWNERS).where(locationOf(at)).first();
      return r ? ownerFromRow(r) : undefined;
    },
    async claimOwner(at, entityRef, actor) {
      await knex(OWNERS)
        .insert({
          ...locationOf(at),
          entity_ref: entityRef,
          claimed_at: new Date().toISOString(),
          claimed_by: actor,
        })
        .onConflict(['cluster', 'namespace', 'instance_name'])
        .ignore();
      return ownerFromRow(await knex(OWNERS).where(locationOf(at)).first());
    },
    async releaseOwner(at, entityRef) {
      await knex(OWNERS)
        .where({ ...locationOf(at), entity_ref: entityRef })
        .delete();
    },
    async takeRateSlot({ key, minute, limit }) {
      await knex(RATE)
        .insert({ key, minute, calls: 0 })
        .onConflict(['key', 'minute'])
        .ignore();
      // one conditional increment: of concurrent callers (any replica) at most `limit` succeed
      const updated = await knex(RATE)
        .where({ key, minute })
        .andWhere('calls', '<', limit)
        .increment('calls', 1);
      // earlier minutes are done with
      await knex(RATE).where('minute', '<', minute).delete();
      return Number(updated) === 1;
    },
  };
}

function ownerFromRow(r: {
  cluster: string;
  namespace: string;
  instance_name: string;
  entity_ref: string;
  claimed_at: string;
  claimed_by: string;
}): InstanceOwner {
  return {
    cluster: r.cluster,
    namespace: r.namespace,
    instanceName: r.instance_name,
    entityRef: r.entity_ref,
    claimedAt: r.claimed_at,
    claimedBy: r.claimed_by,
  };
}
