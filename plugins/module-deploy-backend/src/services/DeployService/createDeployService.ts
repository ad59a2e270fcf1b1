import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import {
  DeployEvent,
  JsonObject,
  moduleDeployApplyPermission,
  moduleDeployReadPermission,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  authorizeEntity,
  ClusterDetails,
  ClusterError,
  classifyClusterError,
  fanOutClusters,
  kubeConfigFor,
} from '@periscope/kube-access';
import {
  ClusterDeployer,
  CueEvaluationError,
  DeployError,
  ModuleEngine,
  Revision,
} from '../../engine';
import { ModuleDeployConfig } from '../../config';
import {
  AuditAction,
  ClusterResult,
  DeployTarget,
  EntityDeployState,
  InstanceState,
  ObjectHealth,
  PreviewResult,
  MODULE_ANNOTATION,
  RevisionInfo,
} from '../../types';
import { DeployStore } from '../DeployStore';
import { ModuleCatalog } from '../ModuleCatalog';
import { entityTarget, explicitTarget } from './targets';
import { DeployService, PreparedOperation, StreamSink } from './types';
import { valuesOverlay } from './values';

/** Dependencies of {@link createDeployService}. @public */
export interface DeployServiceDeps {
  config: ModuleDeployConfig;
  clusters: ClusterDetails[];
  engine: ModuleEngine;
  modules: ModuleCatalog;
  store: DeployStore;
  catalog: CatalogService;
  permissions: PermissionsService;
  auth: AuthService;
  auditor?: AuditorService;
  logger: LoggerService;
  /** Per-cluster timeout of reads (GET /entity, history), default 10 s. */
  clusterTimeoutMs?: number;
  /** Poll interval while waiting for readiness, default 2 s. */
  pollMs?: number;
}

type Resolved = { target: DeployTarget; clusters: ClusterDetails[] };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (p?.type === 'user' && p.userEntityRef) return p.userEntityRef;
  if (p?.type === 'service' && p.subject) return p.subject;
  return 'unknown';
}

function healthOf(objects: ObjectHealth[]): InstanceState['health'] {
  if (!objects.length) return 'unknown';
  if (objects.some(o => o.state === 'failed' || o.state === 'missing'))
    return 'degraded';
  if (objects.every(o => o.state === 'ready')) return 'healthy';
  return 'progressing';
}

function objectRefs(rev: Revision): string[] {
  return rev.sets.flatMap(s =>
    s.objects.map(
      o =>
        `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${
          o.metadata.name
        }`,
    ),
  );
}

/**
 * Creates the deploy service: every method checks its permission on the entity (so
 * conditional policies such as `isEntityOwner` apply) before touching a cluster.
 * @public
 */
export function createDeployService(deps: DeployServiceDeps): DeployService {
  const { config, engine, modules, store, catalog, permissions, logger } = deps;
  const timeoutMs = deps.clusterTimeoutMs ?? 10_000;
  const kc = (c: ClusterDetails) => kubeConfigFor(c);

  async function loadEntity(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity)
      throw new NotFoundError(
        `entity '${entityRef}' is not in the catalog (or you may not see it)`,
      );
    return entity;
  }

  async function resolveEntity(
    entityRef: string,
    credentials: BackstageCredentials,
  ) {
    const entity = await loadEntity(entityRef, credentials);
    if (deps.clusters.length === 0)
      return { status: 'not-configured' as const, entity };
    const resolved = entityTarget(entity, {
      clusters: deps.clusters,
      config,
      modules,
    });
    if (!resolved) return { status: 'not-annotated' as const, entity };
    return { status: 'ok' as const, entity, ...resolved };
  }

  async function render(target: DeployTarget, values: JsonObject) {
    const schema = await modules.schema(target.source);
    const overlay = valuesOverlay(values, schema);
    try {
      const r = await engine.render({
        source: target.source,
        name: target.instanceName,
        namespace: target.namespace,
        values: [overlay],
      });
      return {
        ok: true as const,
        overlay,
        rendered: r.objects.map(
          o =>
            `${o.kind}/${
              o.metadata.namespace ? `${o.metadata.namespace}/` : ''
            }${o.metadata.name}`,
        ),
      };
    } catch (e) {
      if (e instanceof CueEvaluationError)
        return { ok: false as const, overlay, error: e };
      throw e;
    }
  }

  async function audit(
    target: DeployTarget,
    cluster: string,
    action: AuditAction,
    actor: string,
    result: ClusterResult,
    extra: { values?: JsonObject; module?: Revision['module'] } = {},
  ) {
    const record = {
      at: new Date().toISOString(),
      actor,
      entityRef: target.entityRef,
      cluster,
      namespace: target.namespace,
      instanceName: target.instanceName,
      action,
      revision: result.revision,
      module: extra.module,
      values: extra.values,
      result:
        result.status === 'failed'
          ? ('failure' as const)
          : ('success' as const),
      message: result.message,
    };
    await store
      .recordAudit(record)
      .catch(e =>
        logger.error(
          `module-deploy: could not write the audit record: ${message(e)}`,
        ),
      );
    if (
      result.revision !== undefined &&
      action !== 'delete' &&
      result.status !== 'failed' &&
      extra.module &&
      extra.values
    ) {
      await store
        .recordRevision({
          ...record,
          action,
          revision: result.revision,
          module: extra.module,
          values: extra.values,
          result: 'success',
        })
        .catch(e =>
          logger.error(
            `module-deploy: could not write the revision record: ${message(e)}`,
          ),
        );
    }
  }

  /** Runs `step` per cluster in rollout order; a failure skips the remaining clusters. */
  async function rollout(
    r: Resolved,
    action: AuditAction,
    credentials: BackstageCredentials,
    sink: StreamSink,
    step: (
      c: ClusterDetails,
      onEvent: (e: DeployEvent) => void,
    ) => Promise<{
      result: ClusterResult;
      values?: JsonObject;
      module?: Revision['module'];
    }>,
  ): Promise<ClusterResult[]> {
    const actor = actorOf(credentials);
    const auditEvent = await deps.auditor
      ?.createEvent({
        eventId: `module-${action}`,
        severityLevel: 'high',
        meta: {
          actor,
          entityRef: r.target.entityRef,
          instance: `${r.target.namespace}/${r.target.instanceName}`,
          clusters: r.target.clusters,
        },
      })
      .catch(() => undefined);
    sink({
      type: 'start',
      action,
      instanceName: r.target.instanceName,
      namespace: r.target.namespace,
      clusters: r.target.clusters,
    });
    const results: ClusterResult[] = [];
    let failed = false;
    for (const c of r.clusters) {
      if (failed) {
        const skipped: ClusterResult = {
          cluster: c.name,
          status: 'skipped',
          message: 'not rolled out: a previous cluster failed',
        };
        results.push(skipped);
        sink({ type: 'cluster', ...skipped });
        continue;
      }
      sink({ type: 'cluster', cluster: c.name, status: 'started' });
      let out: Awaited<ReturnType<typeof step>>;
      try {
        out = await step(c, event =>
          sink({ type: 'step', cluster: c.name, event }),
        );
      } catch (e) {
        const text =
          e instanceof DeployError || e instanceof CueEvaluationError
            ? e.message
            : classifyClusterError(c.name, e).message;
        out = { result: { cluster: c.name, status: 'failed', message: text } };
      }
      failed = out.result.status === 'failed';
      results.push(out.result);
      sink({ type: 'cluster', ...out.result });
      await audit(r.target, c.name, action, actor, out.result, out);
    }
    const ok = !failed;
    sink({ type: 'done', ok, results });
    if (ok)
      await auditEvent
        ?.success({
          meta: { results: results.map(x => `${x.cluster}: ${x.status}`) },
        })
        .catch(() => undefined);
    else
      await auditEvent
        ?.fail({
          error: new Error(
            results.find(x => x.status === 'failed')?.message ?? 'failed',
          ),
          meta: { results: results.map(x => `${x.cluster}: ${x.status}`) },
        })
        .catch(() => undefined);
    return results;
  }

  function operation(
    r: Resolved,
    credentials: BackstageCredentials,
  ): PreparedOperation {
    const { target: t } = r;
    const applyOpts = (onEvent: (e: DeployEvent) => void) => ({
      timeoutMs: config.readinessTimeoutMs,
      pollMs: deps.pollMs ?? 2000,
      onEvent,
    });
    return {
      async preview(values) {
        const rendered = await render(t, values);
        if (!rendered.ok) {
          return {
            status: 'ok',
            valid: false,
            issues: rendered.error.issues,
            rendered: [],
            clusters: [],
            errors: [],
          };
        }
        const { results, errors } = await fanOutClusters(
          r.clusters,
          async c =>
            engine.diff(
              {
                source: t.source,
                name: t.instanceName,
                namespace: t.namespace,
                values: [rendered.overlay],
              },
              kc(c),
            ),
          { timeoutMs: Math.max(timeoutMs, 120_000) },
        );
        return {
          status: 'ok',
          valid: true,
          issues: [],
          rendered: rendered.rendered,
          clusters: results.map(x => ({
            cluster: x.cluster,
            objects: x.value.diff,
          })),
          errors,
        };
      },
      async deploy(values, sink) {
        const rendered = await render(t, values);
        if (!rendered.ok) {
          sink({
            type: 'invalid',
            message: rendered.error.message,
            issues: rendered.error.issues,
          });
          sink({ type: 'done', ok: false, results: [] });
          return [];
        }
        return rollout(r, 'deploy', credentials, sink, async (c, onEvent) => {
          const { render: out, result } = await engine.apply(
            {
              source: t.source,
              name: t.instanceName,
              namespace: t.namespace,
              values: [rendered.overlay],
            },
            kc(c),
            applyOpts(onEvent),
          );
          return {
            result: {
              cluster: c.name,
              status: 'healthy',
              revision: result.revision,
              message: `${result.applied.length} applied, ${result.pruned.length} pruned`,
            },
            values: out.values,
            module: out.module,
          };
        });
      },
      async rollback({ revision, cluster }, sink) {
        const sub = cluster
          ? { ...r, clusters: r.clusters.filter(c => c.name === cluster) }
          : r;
        if (cluster && !sub.clusters.length) {
          throw new InputError(
            `cluster '${cluster}' is not a target of ${
              t.entityRef || t.instanceName
            }; targets: ${t.clusters.join(', ')}`,
          );
        }
        return rollout(
          { ...sub, target: { ...t, clusters: sub.clusters.map(c => c.name) } },
          'rollback',
          credentials,
          sink,
          async (c, onEvent) => {
            const history = await engine.history(
              t.instanceName,
              t.namespace,
              kc(c),
            );
            const wanted = revision ?? history[history.length - 2]?.revision;
            const rev = history.find(h => h.revision === wanted);
            const result = await engine.rollback(
              t.instanceName,
              t.namespace,
              revision,
              kc(c),
              applyOpts(onEvent),
            );
            return {
              result: {
                cluster: c.name,
                status: 'healthy',
                revision: result.revision,
                message: `rolled back to revision ${wanted}`,
              },
              values: rev?.values,
              module: rev?.module,
            };
          },
        );
      },
      async delete(confirm, sink) {
        if (confirm !== t.instanceName) {
          throw new InputError(
            `confirm is '${confirm}': type the instance name '${t.instanceName}' to delete it and all its objects`,
          );
        }
        return rollout(r, 'delete', credentials, sink, async (c, onEvent) => {
          const exists = (await engine.list(t.namespace, kc(c))).some(
            i => i.metadata.name === t.instanceName,
          );
          if (!exists)
            return {
              result: {
                cluster: c.name,
                status: 'skipped',
                message: `no instance ${t.namespace}/${t.instanceName} in this cluster`,
              },
            };
          const deleted = await engine.delete(
            t.instanceName,
            t.namespace,
            kc(c),
            { onEvent },
          );
          return {
            result: {
              cluster: c.name,
              status: 'deleted',
              message: `${deleted.length} objects deleted`,
            },
          };
        });
      },
    };
  }

  async function instanceState(
    r: Resolved & { status: 'ok' },
    c: ClusterDetails,
  ): Promise<InstanceState> {
    const t = r.target;
    const key = {
      entityRef: t.entityRef,
      cluster: c.name,
      namespace: t.namespace,
      instanceName: t.instanceName,
    };
    const base = {
      cluster: c.name,
      namespace: t.namespace,
      name: t.instanceName,
    };
    const found = (await engine.list(t.namespace, kc(c))).find(
      i => i.metadata.name === t.instanceName,
    );
    if (!found)
      return { ...base, deployed: false, health: 'unknown', objects: [] };
    const [status, history, drift, auditRows] = await Promise.all([
      engine.status(t.instanceName, t.namespace, kc(c)),
      engine.history(t.instanceName, t.namespace, kc(c)),
      store.getDrift(key),
      store.listAudit(t.entityRef, 20),
    ]);
    const last = auditRows.find(a => a.cluster === c.name);
    return {
      ...base,
      deployed: true,
      module: found.module,
      lastTransitionTime: found.lastTransitionTime,
      ...(history.length
        ? { revision: history[history.length - 1].revision }
        : {}),
      health: healthOf(status.objects),
      objects: status.objects,
      ...(drift ? { drift } : {}),
      ...(last
        ? {
            lastOperation: {
              action: last.action,
              actor: last.actor,
              at: last.at,
              result: last.result,
              revision: last.revision,
              message: last.message,
            },
          }
        : {}),
    };
  }

  async function authorizeTarget(
    entityRef: string | undefined,
    permission: 'read' | 'apply',
    credentials: BackstageCredentials,
  ) {
    const perm =
      permission === 'read'
        ? moduleDeployReadPermission
        : moduleDeployApplyPermission;
    if (entityRef) {
      await authorizeEntity(permissions, perm, entityRef, credentials);
      return;
    }
    const [decision] = await permissions.authorizeConditional(
      [{ permission: perm }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `permission '${perm.name}' is denied for deploys that name no entity (pass entityRef so that entity-based rules apply)`,
      );
    }
  }

  async function driftOf(
    r: Resolved,
    c: ClusterDetails,
  ): Promise<boolean | undefined> {
    const t = r.target;
    const key = {
      entityRef: t.entityRef,
      cluster: c.name,
      namespace: t.namespace,
      instanceName: t.instanceName,
    };
    const history = await engine.history(t.instanceName, t.namespace, kc(c));
    const last = history[history.length - 1];
    if (!last) return undefined;
    const deployer = new ClusterDeployer(
      KubernetesObjectApi.makeApiClient(kc(c)),
    );
    const diff = await deployer.diff({
      name: t.instanceName,
      namespace: t.namespace,
      module: last.module,
      values: last.values,
      valuesCue: last.valuesCue,
      sets: last.sets,
      images: last.images,
    });
    const drifted = diff.filter(d => d.action !== 'unchanged');
    await store.putDrift(key, {
      checkedAt: new Date().toISOString(),
      drifted: drifted.length > 0,
      objects: drifted,
    });
    return drifted.length > 0;
  }

  return {
    async getEntity({ entityRef, credentials }): Promise<EntityDeployState> {
      await authorizeEntity(
        permissions,
        moduleDeployReadPermission,
        entityRef,
        credentials,
      );
      const r = await resolveEntity(entityRef, credentials);
      if (r.status !== 'ok')
        return { entityRef, status: r.status, instances: [], errors: [] };
      const { results, errors } = await fanOutClusters(
        r.clusters,
        c => instanceState(r, c),
        { timeoutMs },
      );
      for (const e of errors)
        logger.warn(`module-deploy: ${entityRef}: ${e.message}`);
      return {
        entityRef,
        status: 'ok',
        target: r.target,
        instances: results.map(x => x.value),
        errors,
      };
    },

    async getSchema({ entityRef, credentials }) {
      await authorizeEntity(
        permissions,
        moduleDeployReadPermission,
        entityRef,
        credentials,
      );
      const r = await resolveEntity(entityRef, credentials);
      if (r.status !== 'ok') return { entityRef, status: r.status };
      const schema = await modules.schema(r.target.source);
      for (const c of r.clusters) {
        try {
          const history = await engine.history(
            r.target.instanceName,
            r.target.namespace,
            kc(c),
          );
          const last = history[history.length - 1];
          if (last)
            return {
              entityRef,
              status: 'ok',
              target: r.target,
              schema,
              values: last.values,
              valuesFrom: { cluster: c.name, revision: last.revision },
            };
        } catch (e) {
          logger.warn(
            `module-deploy: current values of ${entityRef} in ${
              c.name
            }: ${message(e)}`,
          );
        }
      }
      return {
        entityRef,
        status: 'ok',
        target: r.target,
        schema,
        values: {},
        valuesFrom: 'defaults',
      };
    },

    async preview({ entityRef, values, credentials }): Promise<PreviewResult> {
      await authorizeEntity(
        permissions,
        moduleDeployReadPermission,
        entityRef,
        credentials,
      );
      const r = await resolveEntity(entityRef, credentials);
      if (r.status !== 'ok')
        return {
          status: r.status,
          valid: true,
          issues: [],
          rendered: [],
          clusters: [],
          errors: [],
        };
      return operation(r, credentials).preview(values);
    },

    async prepareDeploy({ entityRef, credentials }) {
      await authorizeEntity(
        permissions,
        moduleDeployApplyPermission,
        entityRef,
        credentials,
      );
      const r = await resolveEntity(entityRef, credentials);
      if (r.status === 'not-configured')
        throw new InputError(
          'no Kubernetes cluster is configured: add clusters to the kubernetes section of app-config.yaml',
        );
      if (r.status === 'not-annotated')
        throw new InputError(
          `entity '${entityRef}' has no ${MODULE_ANNOTATION} annotation: add one naming the module it deploys`,
        );
      return operation(r, credentials);
    },

    async prepareTarget({ target: t, credentials, permission }) {
      await authorizeTarget(t.entityRef, permission, credentials);
      if (t.entityRef) await loadEntity(t.entityRef, credentials);
      return operation(
        explicitTarget(t, { clusters: deps.clusters, config, modules }),
        credentials,
      );
    },

    async history({ entityRef, credentials }) {
      await authorizeEntity(
        permissions,
        moduleDeployReadPermission,
        entityRef,
        credentials,
      );
      const r = await resolveEntity(entityRef, credentials);
      if (r.status !== 'ok')
        return {
          entityRef,
          status: r.status,
          revisions: [],
          audit: [],
          errors: [],
        };
      const [stored, auditRows] = await Promise.all([
        store.listRevisions(entityRef),
        store.listAudit(entityRef),
      ]);
      const { results, errors } = await fanOutClusters(
        r.clusters,
        async c =>
          engine.history(r.target.instanceName, r.target.namespace, kc(c)),
        { timeoutMs },
      );
      const revisions: RevisionInfo[] = results.flatMap(({ cluster, value }) =>
        value.map((rev, i) => ({
          cluster,
          revision: rev.revision,
          appliedAt: rev.appliedAt,
          action: rev.action,
          module: rev.module,
          values: rev.values,
          objects: objectRefs(rev),
          actor: stored.find(
            s =>
              s.cluster === cluster &&
              s.revision === rev.revision &&
              s.namespace === r.target.namespace,
          )?.actor,
          current: i === value.length - 1,
        })),
      );
      revisions.sort(
        (a, b) =>
          b.appliedAt.localeCompare(a.appliedAt) ||
          a.cluster.localeCompare(b.cluster),
      );
      return { entityRef, status: 'ok', revisions, audit: auditRows, errors };
    },

    async checkDrift() {
      const credentials = await deps.auth.getOwnServiceCredentials();
      const { items } = await catalog.getEntities(
        {
          filter: {
            [`metadata.annotations.${MODULE_ANNOTATION}`]:
              CATALOG_FILTER_EXISTS,
          },
        },
        { credentials },
      );
      let checked = 0;
      let drifted = 0;
      for (const entity of items) {
        let r: Resolved | undefined;
        try {
          r = entityTarget(entity, {
            clusters: deps.clusters,
            config,
            modules,
          });
        } catch (e) {
          logger.warn(
            `module-deploy drift: skipping ${entity.metadata.name}: ${message(
              e,
            )}`,
          );
        }
        if (!r) continue;
        for (const c of r.clusters) {
          try {
            const d = await driftOf(r, c);
            if (d === undefined) continue;
            checked++;
            if (d) drifted++;
          } catch (e) {
            const err: ClusterError = classifyClusterError(c.name, e);
            const key = {
              entityRef: r.target.entityRef,
              cluster: c.name,
              namespace: r.target.namespace,
              instanceName: r.target.instanceName,
            };
            await store.putDrift(key, {
              checkedAt: new Date().toISOString(),
              drifted: false,
              objects: [],
              error: err.message,
            });
          }
        }
      }
      logger.info(
        `module-deploy drift check: ${checked} instance(s) checked, ${drifted} drifted`,
      );
      return { checked, drifted };
    },
  };
}
