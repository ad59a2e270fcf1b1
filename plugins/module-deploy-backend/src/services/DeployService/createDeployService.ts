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
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { createHash } from 'node:crypto';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  DeployEvent,
  DeployWarning,
  InstanceRecord,
  JsonObject,
  OWNER_ENTITY_ANNOTATION,
  SENSITIVE_MASK,
  ValuesJsonSchema,
  INSTANCE_ANNOTATION,
  maskSensitiveDiffs,
  maskSensitiveValues,
  maskedSensitivePaths,
  objectRef,
  moduleDeployApplyPermission,
  moduleDeployReadPermission,
  restoreSensitiveValues,
  scrubSecrets,
  sensitiveStrings,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  authorizeEntity,
  ClusterDetails,
  ClusterSource,
  toClusterSource,
  fanOutClusters,
  kubeConfigFor,
} from '@periscope/kube-access';
import {
  CueEvaluationError,
  DeployError,
  ModuleEngine,
  RenderResult,
  Revision,
  instanceSecretName,
} from '@periscope/backstage-plugin-module-deploy-node';
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
import {
  DeployStore,
  InstanceSnapshot,
  sensitiveValueRef,
} from '../DeployStore';
import { ModuleCatalog } from '../ModuleCatalog';
import { checkDeclaredTarget, entityTarget, explicitTarget } from './targets';
import { checkInstanceDrift, instanceKey } from './drift';
import { createInstanceStates, isClientSide } from './instanceStates';
import { actorOf, createRollout, Resolved } from './rollout';
import { DeployService, PreparedOperation, StreamSink } from './types';
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
  /** The clock (tests): when a stored instance state was read and whether it is still fresh. */
  now?: () => Date;
  /**
   * Called after an instance state read from a cluster was stored (the plugin publishes a
   * Backstage signal on channel `module-deploy:<entityRef>`, so an open tab asks again at once).
   */
  onInstanceStateStored?: (entityRef: string, readAt: string) => void;
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

/** Refusal of an instance another entity owns: which instance, whose, and what to do. */
function ownerMessage(
  t: Pick<DeployTarget, 'instanceName' | 'namespace'>,
  cluster: string,
  owner: string,
  verb: string,
): string {
  return `instance '${t.instanceName}' in namespace '${t.namespace}' on cluster '${cluster}' belongs to ${owner}; ${verb} it from that entity or choose another instance name (annotation ${INSTANCE_ANNOTATION})`;
}

/** The owner entity recorded on an instance in the cluster (its storage Secret), if any. */
function recordedOwner(rec: InstanceRecord | undefined): string | undefined {
  const owner = rec?.metadata.annotations?.[OWNER_ENTITY_ANNOTATION];
  return typeof owner === 'string' && owner ? owner : undefined;
}

/**
 * Creates the deploy service: every method checks its permission on the entity (so
 * conditional policies such as `isEntityOwner` apply) before touching a cluster.
 * @public
 */
export function createDeployService(deps: DeployServiceDeps): DeployService {
  const { config, engine, modules, store, catalog, permissions, logger } = deps;
  const timeoutMs = deps.clusterTimeoutMs ?? 10_000;
  /** A cluster's client; with fanOutClusters' signal its requests stop when the cluster times out. */
  const kc = (c: ClusterDetails, signal?: AbortSignal) =>
    kubeConfigFor(c, { signal });
  const source = toClusterSource(deps.clusters);
  const clustersFor = (requestAuth?: KubernetesRequestAuth) =>
    source.listClusters({ requestAuth });
  /** The stored instance state GET /entity serves (readInstance reads one cluster). */
  const states = createInstanceStates({
    store,
    logger,
    read: readInstance,
    maxAgeMs: config.instanceState.maxAgeSeconds * 1000,
    timeoutMs,
    now: deps.now ?? (() => new Date()),
    onStored: deps.onInstanceStateStored,
  });

  const runRollout = createRollout({ store, logger, auditor: deps.auditor });
  /**
   * A rollout (deploy, rollback, delete), then the state of its clusters read again and stored
   * before its stream ends: the tab's reload after it shows the result without reading a cluster.
   */
  const rollout: typeof runRollout = async (r, ...rest) => {
    const results = await runRollout(r, ...rest);
    await states.record(r.target, r.clusters);
    return results;
  };

  /** A user's drift checks of one entity are limited per minute (in the store: across replicas). */
  async function takeDriftSlot(
    entityRef: string,
    credentials: BackstageCredentials,
  ) {
    const limit = config.driftChecksPerMinute;
    const principal = credentials.principal as {
      type?: string;
      userEntityRef?: string;
    };
    if (!limit || principal.type !== 'user' || !principal.userEntityRef) return;
    const user = principal.userEntityRef;
    const key = `drift:${createHash('sha256')
      .update(`${user}\n${entityRef}`)
      .digest('hex')
      .slice(0, 40)}`;
    const minute = new Date().toISOString().slice(0, 16);
    if (!(await store.takeRateSlot({ key, minute, limit }))) {
      throw Object.assign(
        new ServiceUnavailableError(
          `too many drift checks: ${user} may check ${entityRef} ${limit} times a minute (moduleDeploy.driftChecksPerMinute); the scheduled check keeps running, try again shortly`,
        ),
        { statusCode: 429 },
      );
    }
  }

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

  /** The module's schema for masking: without it (module unreachable), the naming rule alone. */
  async function schemaOf(
    t: DeployTarget,
  ): Promise<ValuesJsonSchema | undefined> {
    return modules.schema(t.source).catch(() => undefined);
  }

  /** The instance location of `t` in one cluster. */
  const locationIn = (t: DeployTarget, cluster: string) => ({
    cluster,
    namespace: t.namespace,
    instanceName: t.instanceName,
  });

  /**
   * Refuses (409, before any cluster is contacted) when an entity other than the target's owns
   * the instance in one of `clusters`; an explicit target without an entity is refused for
   * every owned instance.
   */
  async function checkOwners(
    t: DeployTarget,
    clusters: string[],
    verb: string,
  ): Promise<void> {
    const refused: string[] = [];
    for (const cluster of clusters) {
      const owner = await store.getOwner(locationIn(t, cluster));
      if (owner && owner.entityRef !== t.entityRef)
        refused.push(ownerMessage(t, cluster, owner.entityRef, verb));
    }
    if (refused.length) throw new ConflictError(refused.join('; '));
  }

  /**
   * Throws when another entity owns the instance in cluster `c`: in the database or, on the
   * instance's storage Secret, in the cluster (another Periscope, or a database restored
   * without it). Returns the instance record when the instance exists.
   */
  async function guardOwner(
    t: DeployTarget,
    c: ClusterDetails,
    verb: string,
  ): Promise<InstanceRecord | undefined> {
    const owner = await store.getOwner(locationIn(t, c.name));
    if (owner && owner.entityRef !== t.entityRef)
      throw new ConflictError(ownerMessage(t, c.name, owner.entityRef, verb));
    const found = (await engine.list(t.namespace, kc(c))).find(
      i => i.metadata.name === t.instanceName,
    );
    const recorded = recordedOwner(found);
    if (recorded && recorded !== t.entityRef)
      throw new DeployError(
        `Secret/${t.namespace}/${instanceSecretName(t.instanceName)}`,
        'conflict',
        `${ownerMessage(
          t,
          c.name,
          recorded,
          verb,
        )} (${OWNER_ENTITY_ANNOTATION} on the instance)`,
      );
    return found;
  }

  /**
   * Records the target's entity as the instance's owner in cluster `cluster` unless one owns it;
   * throws when another entity won the claim. Explicit targets without an entity claim nothing.
   */
  async function claim(
    t: DeployTarget,
    cluster: string,
    credentials: BackstageCredentials,
    verb: string,
  ): Promise<void> {
    if (!t.entityRef) return;
    const owner = await store.claimOwner(
      locationIn(t, cluster),
      t.entityRef,
      actorOf(credentials),
    );
    if (owner.entityRef !== t.entityRef)
      throw new DeployError(
        `instance ${t.namespace}/${t.instanceName}`,
        'conflict',
        ownerMessage(t, cluster, owner.entityRef, verb),
      );
  }

  /** Annotations that record the owner entity on the instance in the cluster. */
  const ownerAnnotations = (t: DeployTarget) =>
    t.entityRef ? { [OWNER_ENTITY_ANNOTATION]: t.entityRef } : undefined;

  /**
   * The values of the latest revision, from the first target cluster that has one (and whose
   * instance this entity owns): what the form shows as current, and what a masked sensitive
   * field sent back stands for.
   */
  async function currentValues(
    r: Resolved,
  ): Promise<
    { cluster: string; revision: number; values: JsonObject } | undefined
  > {
    for (const c of r.clusters) {
      try {
        await guardOwner(r.target, c, 'deploy');
        const history = await engine.history(
          r.target.instanceName,
          r.target.namespace,
          kc(c),
        );
        const last = history[history.length - 1];
        if (last)
          return {
            cluster: c.name,
            revision: last.revision,
            values: last.values,
          };
      } catch (e) {
        logger.warn(
          `module-deploy: current values of ${
            r.target.entityRef || r.target.instanceName
          } in ${c.name}: ${message(e)}`,
        );
      }
    }
    return undefined;
  }

  /**
   * What to render from submitted values: masked sensitive fields get the current value back,
   * then injected fields and untouched defaults are dropped. A masked field with no value to
   * keep is a 400.
   */
  async function prepareValues(r: Resolved, submitted: JsonObject) {
    const t = r.target;
    const schema = await modules.schema(t.source);
    let values = submitted;
    if (maskedSensitivePaths(submitted, schema).length) {
      const current = await currentValues(r);
      values = restoreSensitiveValues(submitted, current?.values, schema);
    }
    const overlay = valuesOverlay(values, schema);
    const left = maskedSensitivePaths(overlay, schema);
    if (left.length) {
      const fields = left.map(p => `values.${p}`).join(', ');
      throw new InputError(
        `${fields} ${
          left.length > 1 ? 'are' : 'is'
        } '${SENSITIVE_MASK}', the mask of a sensitive value, but no revision of instance '${
          t.instanceName
        }' in namespace '${
          t.namespace
        }' has a value to keep: enter the value (or leave the field out for the module default)`,
      );
    }
    return { schema, overlay, secrets: sensitiveStrings(values, schema) };
  }

  async function render(target: DeployTarget, overlay: JsonObject) {
    try {
      const r = await engine.render(engineInput(target, overlay));
      return {
        ok: true as const,
        overlay,
        rendered: r.objects.map(objectRef),
        values: r.values,
        result: r,
      };
    } catch (e) {
      if (e instanceof CueEvaluationError)
        return { ok: false as const, overlay, error: e };
      throw e;
    }
  }

  /**
   * The preflight in one cluster (warnings before a deploy): off when `moduleDeploy.preflight`
   * disables it or the engine has none; a preflight that fails is logged and yields no warnings.
   */
  async function preflightIn(
    c: ClusterDetails,
    rendered: Pick<RenderResult, 'objects' | 'name' | 'namespace'>,
    signal?: AbortSignal,
  ): Promise<DeployWarning[] | undefined> {
    if (!config.preflight.enabled || !engine.preflight) return undefined;
    try {
      const report = await engine.preflight(rendered, kc(c, signal), {
        block: config.preflight.block,
      });
      for (const note of report.notChecked)
        logger.debug(`module-deploy preflight in ${c.name}: ${note}`);
      return report.warnings.map(w => ({ ...w, cluster: c.name }));
    } catch (e) {
      logger.warn(
        `module-deploy preflight of ${rendered.namespace}/${rendered.name} in ${
          c.name
        } failed: ${message(e)}`,
      );
      return [];
    }
  }

  /**
   * Refuses a deploy (409, before anything is applied in any cluster) whose preflight finds
   * warnings of a check `moduleDeploy.preflight.block` names, in one of the target clusters.
   */
  async function refuseBlocked(
    r: Resolved,
    rendered: RenderResult,
    secrets: Set<string>,
  ): Promise<void> {
    if (!config.preflight.block.length) return;
    const blocking: DeployWarning[] = [];
    for (const c of r.clusters)
      blocking.push(
        ...((await preflightIn(c, rendered)) ?? []).filter(w => w.blocking),
      );
    if (!blocking.length) return;
    const list = blocking
      .map(w => `${w.cluster}: ${w.analyzer} ${w.object}: ${w.message}`)
      .join('; ');
    throw new ConflictError(
      scrubSecrets(
        `deploy of instance '${r.target.instanceName}' in namespace '${
          r.target.namespace
        }' refused, nothing was applied: ${
          blocking.length
        } warning(s) of the checks moduleDeploy.preflight.block names (${config.preflight.block.join(
          ', ',
        )}): ${list}. Fix the values or create what is missing, then deploy again`,
        [...secrets],
      ),
    );
  }

  /** Values as the database keeps them: sensitive fields as references to the cluster's Secret. */
  const storedValues = (
    t: DeployTarget,
    values: JsonObject | undefined,
    schema: ValuesJsonSchema | undefined,
  ) => values && maskSensitiveValues(values, schema, sensitiveValueRef(t));

  /**
   * For a rollback that must find what it rolls back (`POST /instances/rollback`): a NotFoundError,
   * before anything is applied, naming each target cluster that has no revision history of the
   * instance or does not keep `revision`. A cluster that cannot be read is left to the rollout.
   */
  async function requireRevision(r: Resolved, revision: number | undefined) {
    const t = r.target;
    const { results } = await fanOutClusters(
      r.clusters,
      (c, signal) => engine.history(t.instanceName, t.namespace, kc(c, signal)),
      { timeoutMs },
    );
    const missing = results.flatMap(({ cluster, value }) => {
      if (!value.length)
        return [
          `cluster '${cluster}' has no instance '${t.instanceName}' in namespace '${t.namespace}' with a revision history (was it deployed through Periscope, under this name?)`,
        ];
      if (revision === undefined && value.length < 2)
        return [
          `cluster '${cluster}' keeps only revision ${value[0].revision}`,
        ];
      if (revision !== undefined && !value.some(h => h.revision === revision))
        return [
          `cluster '${cluster}' does not keep revision ${revision} (kept: ${value
            .map(h => h.revision)
            .join(', ')})`,
        ];
      return [];
    });
    if (missing.length)
      throw new NotFoundError(
        `cannot roll back instance '${t.instanceName}' in namespace '${
          t.namespace
        }'${
          revision === undefined ? '' : ` to revision ${revision}`
        }: ${missing.join('; ')}; nothing was applied`,
      );
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
    // every operation checks the owners first: a refusal is a plain 409, nothing is contacted
    return {
      async preview(values) {
        await checkOwners(t, t.clusters, 'preview');
        const { schema, overlay, secrets } = await prepareValues(r, values);
        const rendered = await render(t, overlay);
        if (!rendered.ok)
          return scrubSecrets(
            emptyPreview('ok', rendered.error.issues),
            secrets,
          );
        const { results, errors } = await fanOutClusters(
          r.clusters,
          async (c, signal) => {
            await guardOwner(t, c, 'preview');
            const d = await engine.diff(
              engineInput(t, overlay),
              kc(c, signal),
              {
                objects: true, // live and desired objects, for the Preview's YAML diff
              },
            );
            return { ...d, warnings: await preflightIn(c, d.render, signal) };
          },
          { timeoutMs: Math.max(timeoutMs, 120_000) },
        );
        const all = [
          ...new Set([
            ...secrets,
            ...sensitiveStrings(rendered.values, schema),
          ]),
        ];
        return scrubSecrets(
          {
            ...emptyPreview('ok'),
            rendered: rendered.rendered,
            clusters: results.map(x => ({
              cluster: x.cluster,
              objects: maskSensitiveDiffs(
                x.value.diff,
                x.value.render.objects,
                [...all, ...sensitiveStrings(x.value.render.values, schema)],
              ),
            })),
            errors,
            ...(results.some(x => x.value.warnings)
              ? { warnings: results.flatMap(x => x.value.warnings ?? []) }
              : {}),
          },
          all,
        );
      },
      async deploy(values, rawSink, opts = {}) {
        await checkOwners(t, t.clusters, 'deploy');
        const { schema, overlay, secrets } = await prepareValues(r, values);
        const inPlay = new Set(secrets);
        const sink: StreamSink = e => rawSink(scrubSecrets(e, [...inPlay]));
        const rendered = await render(t, overlay);
        if (!rendered.ok) {
          sink({
            type: 'invalid',
            message: rendered.error.message,
            issues: rendered.error.issues,
          });
          sink({ type: 'done', ok: false, results: [] });
          return [];
        }
        for (const v of sensitiveStrings(rendered.values, schema))
          inPlay.add(v);
        await refuseBlocked(r, rendered.result, inPlay);
        return rollout(
          r,
          'deploy',
          credentials,
          rawSink,
          async (c, onEvent) => {
            await guardOwner(t, c, 'deploy');
            await claim(t, c.name, credentials, 'deploy');
            const { render: out, result } = await engine.apply(
              engineInput(t, overlay),
              kc(c),
              { ...applyOpts(onEvent), annotations: ownerAnnotations(t) },
            );
            return {
              result: {
                cluster: c.name,
                status: 'healthy',
                revision: result.revision,
                message: `${result.applied.length} applied, ${result.pruned.length} pruned`,
              },
              values: storedValues(t, out.values, schema),
              module: out.module,
            };
          },
          inPlay,
          opts.changeMessage,
        );
      },
      async rollback({ revision, cluster, mustExist }, sink) {
        const sub = narrowTo(r, cluster);
        await checkOwners(t, sub.target.clusters, 'roll back');
        if (mustExist) await requireRevision(sub, revision);
        const schema = await schemaOf(t);
        const inPlay = new Set<string>();
        return rollout(
          sub,
          'rollback',
          credentials,
          sink,
          async (c, onEvent) => {
            const exists = await guardOwner(t, c, 'roll back');
            const history = await engine.history(
              t.instanceName,
              t.namespace,
              kc(c),
            );
            for (const h of history)
              for (const v of sensitiveStrings(h.values, schema)) inPlay.add(v);
            const wanted = revision ?? history[history.length - 2]?.revision;
            const rev = history.find(h => h.revision === wanted);
            if (exists && rev) await claim(t, c.name, credentials, 'roll back');
            // the revision's objects are re-applied as stored: sensitive values included
            const result = await engine.rollback(
              t.instanceName,
              t.namespace,
              revision,
              kc(c),
              { ...applyOpts(onEvent), annotations: ownerAnnotations(t) },
            );
            return {
              result: {
                cluster: c.name,
                status: 'healthy',
                revision: result.revision,
                message: `rolled back to revision ${wanted}`,
              },
              values: storedValues(t, rev?.values, schema),
              module: rev?.module,
            };
          },
          inPlay,
        );
      },
      async delete(confirm, sink) {
        if (confirm !== t.instanceName) {
          throw new InputError(
            `confirm is '${confirm}': type the instance name '${t.instanceName}' to delete it and all its objects`,
          );
        }
        await checkOwners(t, t.clusters, 'delete');
        return rollout(r, 'delete', credentials, sink, async (c, onEvent) => {
          const exists = await guardOwner(t, c, 'delete');
          if (!exists) {
            if (t.entityRef)
              await store.releaseOwner(locationIn(t, c.name), t.entityRef);
            return {
              result: {
                cluster: c.name,
                status: 'skipped',
                message: `no instance ${t.namespace}/${t.instanceName} in this cluster`,
              },
            };
          }
          const deleted = await engine.delete(
            t.instanceName,
            t.namespace,
            kc(c),
            { onEvent },
          );
          // the name is free again: another entity may deploy an instance of that name here
          if (t.entityRef)
            await store.releaseOwner(locationIn(t, c.name), t.entityRef);
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

  /**
   * Reads the instance of `t` in one cluster: another entity's instance is not shown (the
   * cluster answers with the refusal instead).
   */
  async function readInstance(
    t: DeployTarget,
    c: ClusterDetails,
    signal?: AbortSignal,
  ): Promise<InstanceSnapshot> {
    const base = {
      cluster: c.name,
      namespace: t.namespace,
      name: t.instanceName,
    };
    const found = await guardOwner(t, c, 'deploy');
    if (!found)
      return { ...base, deployed: false, health: 'unknown', objects: [] };
    const [status, history] = await Promise.all([
      engine.status(t.instanceName, t.namespace, kc(c, signal)),
      engine.history(t.instanceName, t.namespace, kc(c, signal)),
    ]);
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
    };
  }

  /** What the store adds to a deployed instance: its drift and the last operation on it. */
  async function withStored(
    t: DeployTarget,
    snapshots: Array<{ state: InstanceSnapshot; refreshedAt?: string }>,
  ): Promise<InstanceState[]> {
    const auditRows = snapshots.some(x => x.state.deployed)
      ? await store.listAudit(t.entityRef, 20)
      : [];
    return Promise.all(
      snapshots.map(async ({ state, refreshedAt }) => {
        const at = refreshedAt ? { refreshedAt } : {};
        if (!state.deployed) return { ...state, ...at };
        const drift = await store.getDrift(instanceKey(t, state.cluster));
        const last = auditRows.find(a => a.cluster === state.cluster);
        return {
          ...state,
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
          ...at,
        };
      }),
    );
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

  /** Checks drift of an instance this entity owns; sensitive values masked before storing. */
  const drift = async (t: DeployTarget, c: ClusterDetails) => {
    const schema = await schemaOf(t);
    return checkInstanceDrift(
      {
        engine,
        store,
        guard: () => guardOwner(t, c, 'deploy'),
        mask: (diff, last, error) => {
          const secrets = sensitiveStrings(last?.values, schema);
          return {
            diff: maskSensitiveDiffs(
              diff,
              last?.sets.flatMap(set => set.objects) ?? [],
              secrets,
            ),
            ...(error !== undefined
              ? { error: scrubSecrets(error, secrets) }
              : {}),
          };
        },
      },
      t,
      c,
    );
  };

  return {
    async getEntity({
      entityRef,
      credentials,
      requestAuth,
      limit = 50,
      offset = 0,
    }): Promise<EntityDeployState> {
      const r = await readEntity(entityRef, credentials, requestAuth);
      if (r.status !== 'ok')
        return { entityRef, status: r.status, instances: [], errors: [] };
      const page = r.clusters.slice(offset, offset + limit);
      const found = await states.current(r.target, page);
      const shown = found.flatMap(x => ('state' in x ? [x] : []));
      const errors = found.flatMap(x => ('error' in x ? [x.error] : []));
      const times = found.flatMap(x => (x.refreshedAt ? [x.refreshedAt] : []));
      return {
        entityRef,
        status: 'ok',
        target: r.target,
        instances: await withStored(r.target, shown),
        errors,
        total: r.clusters.length,
        ...(offset + limit < r.clusters.length
          ? { nextOffset: offset + limit }
          : {}),
        ...(times.length ? { refreshedAt: times.sort()[0] } : {}),
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
      const current = await currentValues(r);
      if (current)
        return {
          ...found,
          // sensitive fields show as the mask; sent back, the mask keeps the value
          values: maskSensitiveValues(current.values, schema),
          valuesFrom: { cluster: current.cluster, revision: current.revision },
        };
      return { ...found, values: {}, valuesFrom: 'defaults' };
    },

    async preview({
      entityRef,
      values,
      credentials,
      requestAuth,
    }): Promise<PreviewResult> {
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

    async history({
      entityRef,
      credentials,
      requestAuth,
      auditLimit = 50,
      auditOffset = 0,
    }) {
      const r = await readEntity(entityRef, credentials, requestAuth);
      if (r.status !== 'ok')
        return {
          entityRef,
          status: r.status,
          revisions: [],
          audit: [],
          errors: [],
        };
      const [stored, auditRows, schema] = await Promise.all([
        store.listRevisions(entityRef),
        // one more than the page: whether older records exist, without counting them
        store.listAudit(entityRef, auditLimit + 1, auditOffset),
        schemaOf(r.target),
      ]);
      /** Who deployed a revision and why, from Periscope's records (absent when deployed elsewhere). */
      const recordedBy = (cluster: string, revision: number) => {
        const s = stored.find(
          x =>
            x.cluster === cluster &&
            x.revision === revision &&
            x.namespace === r.target.namespace,
        );
        return {
          actor: s?.actor,
          ...(s?.changeMessage ? { changeMessage: s.changeMessage } : {}),
        };
      };
      const { results, errors } = await fanOutClusters(
        r.clusters,
        async (c, signal) => {
          await guardOwner(r.target, c, 'deploy');
          return engine.history(
            r.target.instanceName,
            r.target.namespace,
            kc(c, signal),
          );
        },
        { timeoutMs },
      );
      const revisions: RevisionInfo[] = results.flatMap(({ cluster, value }) =>
        value.map((rev, i) => ({
          cluster,
          revision: rev.revision,
          appliedAt: rev.appliedAt,
          action: rev.action,
          module: rev.module,
          values: maskSensitiveValues(rev.values, schema),
          objects: objectRefs(rev),
          ...recordedBy(cluster, rev.revision),
          current: i === value.length - 1,
        })),
      );
      revisions.sort(
        (a, b) =>
          b.appliedAt.localeCompare(a.appliedAt) ||
          a.cluster.localeCompare(b.cluster),
      );
      return {
        entityRef,
        status: 'ok',
        revisions,
        audit: auditRows.slice(0, auditLimit),
        ...(auditRows.length > auditLimit
          ? { nextOffset: auditOffset + auditLimit }
          : {}),
        errors,
      };
    },

    async checkEntityDrift({ entityRef, credentials, requestAuth, cluster }) {
      const r = await readEntity(entityRef, credentials, requestAuth);
      if (r.status !== 'ok')
        return { entityRef, status: r.status, clusters: [], errors: [] };
      const sub = narrowTo(r, cluster);
      await takeDriftSlot(entityRef, credentials);
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

    async refreshInstanceStates() {
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
      // scheduled: the backend's identity; clusters with client-side auth are read on demand
      const clusters = (await clustersFor()).filter(c => !isClientSide(c));
      const jobs: Array<{ target: DeployTarget; cluster: ClusterDetails }> = [];
      for (const entity of items) {
        let r: Resolved | undefined;
        try {
          r = entityTarget(entity, { clusters, config, modules });
        } catch (e) {
          logger.warn(
            `module-deploy instance refresh: skipping ${
              entity.metadata.name
            }: ${message(e)}`,
          );
        }
        for (const c of r?.clusters ?? [])
          jobs.push({ target: r!.target, cluster: c });
      }
      let refreshed = 0;
      let failed = 0;
      // a few at a time: an unreachable cluster holds one read for its timeout, not the task
      const worker = async () => {
        for (let job = jobs.shift(); job; job = jobs.shift()) {
          const row = await states.refresh(job.target, job.cluster);
          if (row.error) failed++;
          else refreshed++;
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      logger.info(
        `module-deploy instance refresh: ${refreshed} instance(s) read, ${failed} failed`,
      );
      return { refreshed, failed };
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
          let d;
          try {
            d = await drift(r.target, c);
          } catch (e) {
            logger.warn(
              `module-deploy drift: skipping ${entity.metadata.name} in ${
                c.name
              }: ${message(e)}`,
            );
            continue;
          }
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
