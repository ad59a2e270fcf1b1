/**
 * An entity's instances: one page of its target clusters from the stored instance states (with
 * each instance's drift and last operation), the read of one instance in one cluster, and the
 * scheduled refresh of every annotated entity's states.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { ClusterDetails } from '@periscope/kube-access';
import {
  DeployTarget,
  EntityDeployState,
  InstanceState,
  ObjectHealth,
} from '../../types';
import { InstanceSnapshot } from '../DeployStore';
import { DeployContext } from './context';
import { instanceKey } from './drift';
import { EntityLookups } from './entities';
import { createInstanceStates, isClientSide } from './instanceStates';
import { OwnerChecks } from './owners';

/** An instance's health from its objects' readiness. */
export function healthOf(objects: ObjectHealth[]): InstanceState['health'] {
  if (!objects.length) return 'unknown';
  if (objects.some(o => o.state === 'failed' || o.state === 'missing'))
    return 'degraded';
  if (objects.every(o => o.state === 'ready')) return 'healthy';
  return 'progressing';
}

/** The instance reads of `ctx`'s store and clusters, with the stored states they keep. */
export function createInstances(
  ctx: DeployContext,
  parts: { entities: EntityLookups; owners: OwnerChecks },
) {
  const { config, engine, store, logger, kc, timeoutMs } = ctx;
  const { entities, owners } = parts;

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
    const found = await owners.guardOwner(t, c, 'deploy');
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

  /** The stored instance state GET /entity serves (readInstance reads one cluster). */
  const states = createInstanceStates({
    store,
    logger,
    read: readInstance,
    maxAgeMs: config.instanceState.maxAgeSeconds * 1000,
    timeoutMs,
    now: ctx.now ?? (() => new Date()),
    onStored: ctx.onInstanceStateStored,
  });

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

  async function getEntity({
    entityRef,
    credentials,
    requestAuth,
    limit = 50,
    offset = 0,
  }: {
    entityRef: string;
    credentials: BackstageCredentials;
    requestAuth?: KubernetesRequestAuth;
    limit?: number;
    offset?: number;
  }): Promise<EntityDeployState> {
    const r = await entities.readEntity(entityRef, credentials, requestAuth);
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
  }

  async function refreshInstanceStates() {
    // scheduled: the backend's identity; clusters with client-side auth are read on demand
    const found = await entities.annotatedTargets({
      job: 'instance refresh',
      include: c => !isClientSide(c),
    });
    const jobs: Array<{ target: DeployTarget; cluster: ClusterDetails }> =
      found.flatMap(({ resolved }) =>
        resolved.clusters.map(c => ({ target: resolved.target, cluster: c })),
      );
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
  }

  return { states, getEntity, refreshInstanceStates };
}
