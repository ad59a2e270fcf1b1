import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
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
import {
  DeployEvent,
  JsonObject,
  objectRef,
  moduleDeployApplyPermission,
  moduleDeployReadPermission,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  authorizeEntity,
  ClusterDetails,
  ClusterSource,
  toClusterSource,
  fanOutClusters,
  kubeConfigFor,
} from '@periscope/kube-access';
import { CueEvaluationError, ModuleEngine, Revision } from '../../engine';
import { ModuleDeployConfig } from '../../config';
import {
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
import { checkDeclaredTarget, entityTarget, explicitTarget } from './targets';
import { checkInstanceDrift, instanceKey } from './drift';
import { createRollout, Resolved } from './rollout';
import { DeployService, PreparedOperation } from './types';
import { valuesOverlay } from './values';

/** Dependencies of {@link createDeployService}. @public */
export interface DeployServiceDeps {
  config: ModuleDeployConfig;
  /** The clusters (`periscopeClustersServiceRef`), or a fixed list. */
  clusters: ClusterSource | ClusterDetails[];
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

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function healthOf(objects: ObjectHealth[]): InstanceState['health'] {
  if (!objects.length) return 'unknown';
  if (objects.some(o => o.state === 'failed' || o.state === 'missing'))
    return 'degraded';
  if (objects.every(o => o.state === 'ready')) return 'healthy';
  return 'progressing';
}

function objectRefs(rev: Revision): string[] {
  return rev.sets.flatMap(s => s.objects.map(objectRef));
}

/** What the engine renders for a target with the values overlay. */
function engineInput(t: DeployTarget, overlay: JsonObject) {
  return {
    source: t.source,
    name: t.instanceName,
    namespace: t.namespace,
    values: [overlay],
  };
}

/** The clusters of `r` narrowed to `cluster` when one is named; an unknown name is a 400. */
function narrowTo(r: Resolved, cluster: string | undefined): Resolved {
  if (!cluster) return r;
  const clusters = r.clusters.filter(c => c.name === cluster);
  if (!clusters.length) {
    throw new InputError(
      `cluster '${cluster}' is not a target of ${
        r.target.entityRef || r.target.instanceName
      }; targets: ${r.target.clusters.join(', ')}`,
    );
  }
  return { clusters, target: { ...r.target, clusters: [cluster] } };
}

function emptyPreview(
  status: PreviewResult['status'],
  issues: PreviewResult['issues'] = [],
): PreviewResult {
  return {
    status,
    valid: issues.length === 0,
    issues,
    rendered: [],
    clusters: [],
    errors: [],
  };
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
  const source = toClusterSource(deps.clusters);
  const clustersFor = (requestAuth?: KubernetesRequestAuth) => source.listClusters({ requestAuth });
  const rollout = createRollout({ store, logger, auditor: deps.auditor });

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
    requestAuth?: KubernetesRequestAuth,
  ) {
    const entity = await loadEntity(entityRef, credentials);
    const clusters = await clustersFor(requestAuth);
    if (clusters.length === 0)
      return { status: 'not-configured' as const, entity };
    const resolved = entityTarget(entity, {
      clusters,
      config,
      modules,
    });
    if (!resolved) return { status: 'not-annotated' as const, entity };
    return { status: 'ok' as const, entity, ...resolved };
  }

  /** Checks the read permission on the entity, then resolves where it deploys. */
  async function readEntity(
    entityRef: string,
    credentials: BackstageCredentials,
    requestAuth?: KubernetesRequestAuth,
  ) {
    await authorizeEntity(
      permissions,
      moduleDeployReadPermission,
      entityRef,
      credentials,
    );
    return resolveEntity(entityRef, credentials, requestAuth);
  }

  async function render(target: DeployTarget, values: JsonObject) {
    const schema = await modules.schema(target.source);
    const overlay = valuesOverlay(values, schema);
    try {
      const r = await engine.render(engineInput(target, overlay));
      return {
        ok: true as const,
        overlay,
        rendered: r.objects.map(objectRef),
      };
    } catch (e) {
      if (e instanceof CueEvaluationError)
        return { ok: false as const, overlay, error: e };
      throw e;
    }
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
        if (!rendered.ok) return emptyPreview('ok', rendered.error.issues);
        const { results, errors } = await fanOutClusters(
          r.clusters,
          async c => engine.diff(engineInput(t, rendered.overlay), kc(c)),
          { timeoutMs: Math.max(timeoutMs, 120_000) },
        );
        return {
          ...emptyPreview('ok'),
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
            engineInput(t, rendered.overlay),
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
        const sub = narrowTo(r, cluster);
        return rollout(
          sub,
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
    r: Resolved,
    c: ClusterDetails,
  ): Promise<InstanceState> {
    const t = r.target;
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
      store.getDrift(instanceKey(t, c.name)),
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

  const drift = (t: DeployTarget, c: ClusterDetails) =>
    checkInstanceDrift({ engine, store }, t, c);

  return {
    async getEntity({ entityRef, credentials, requestAuth }): Promise<EntityDeployState> {
      const r = await readEntity(entityRef, credentials, requestAuth);
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

    async getSchema({ entityRef, credentials, requestAuth }) {
      const r = await readEntity(entityRef, credentials, requestAuth);
      if (r.status !== 'ok') return { entityRef, status: r.status };
      const schema = await modules.schema(r.target.source);
      const found = {
        entityRef,
        status: 'ok' as const,
        target: r.target,
        schema,
      };
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
              ...found,
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
      return { ...found, values: {}, valuesFrom: 'defaults' };
    },

    async preview({ entityRef, values, credentials, requestAuth }): Promise<PreviewResult> {
      const r = await readEntity(entityRef, credentials, requestAuth);
      if (r.status !== 'ok') return emptyPreview(r.status);
      return operation(r, credentials).preview(values);
    },

    async prepareDeploy({ entityRef, credentials, requestAuth }) {
      await authorizeEntity(
        permissions,
        moduleDeployApplyPermission,
        entityRef,
        credentials,
      );
      const r = await resolveEntity(entityRef, credentials, requestAuth);
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

    async prepareTarget({ target: t, credentials, permission, requestAuth }) {
      await authorizeTarget(t.entityRef, permission, credentials);
      const clusters = await clustersFor(requestAuth);
      const explicit = explicitTarget(t, {
        clusters,
        config,
        modules,
      });
      if (t.entityRef) {
        const entity = await loadEntity(t.entityRef, credentials);
        // the entity's own target wins over the request's where it declares one
        const declared = entityTarget(entity, {
          clusters,
          config,
          modules,
        });
        if (declared) {
          checkDeclaredTarget(
            explicit.target,
            declared.target,
            Boolean(t.clusters?.length),
          );
          return operation(declared, credentials);
        }
      }
      return operation(explicit, credentials);
    },

    async history({ entityRef, credentials, requestAuth }) {
      const r = await readEntity(entityRef, credentials, requestAuth);
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

    async checkEntityDrift({ entityRef, credentials, requestAuth, cluster }) {
      const r = await readEntity(entityRef, credentials, requestAuth);
      if (r.status !== 'ok')
        return { entityRef, status: r.status, clusters: [], errors: [] };
      const sub = narrowTo(r, cluster);
      const { results, errors } = await fanOutClusters(
        sub.clusters,
        c => drift(r.target, c),
        { timeoutMs: Math.max(timeoutMs, 120_000) },
      );
      return {
        entityRef,
        status: 'ok',
        clusters: results.map(({ cluster: name, value }) => ({
          cluster: name,
          ...(value ? { drift: value } : {}),
        })),
        errors,
      };
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
      // scheduled: the backend's identity; clusters with client-side auth are checked on demand
      const clusters = (await clustersFor()).filter(c => !c.clientSide);
      for (const entity of items) {
        let r: Resolved | undefined;
        try {
          r = entityTarget(entity, {
            clusters,
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
          const d = await drift(r.target, c);
          if (!d || d.error) continue;
          checked++;
          if (d.drifted) drifted++;
        }
      }
      logger.info(
        `module-deploy drift check: ${checked} instance(s) checked, ${drifted} drifted`,
      );
      return { checked, drifted };
    },
  };
}
