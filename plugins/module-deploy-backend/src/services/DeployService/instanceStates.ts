/**
 * The stored instance state GET /entity serves: read from the cluster with the backend's own
 * credentials after each deploy, rollback and delete, by the scheduled refresh, and in the
 * background when a stored state is older than `moduleDeploy.instanceState.maxAgeSeconds`.
 * Clusters with client-side auth are read with the signed-in user's token on each request and
 * never stored, so a state one user's token could read is never shown to another.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { DeployClusterError } from '@periscope/backstage-plugin-module-deploy-common';
import {
  CLIENT_SIDE_AUTH_PROVIDERS,
  ClusterDetails,
  fanOutClusters,
} from '@periscope/kube-access';
import { DeployTarget } from '../../types';
import {
  DeployStore,
  InstanceSnapshot,
  StoredInstanceState,
} from '../DeployStore';
import { instanceKey } from './drift';

/** Whether a cluster is read with the signed-in user's own token: such state is never stored. */
export function isClientSide(c: ClusterDetails): boolean {
  return c.clientSide ?? CLIENT_SIDE_AUTH_PROVIDERS.includes(c.authProvider);
}

/** One cluster's part of an answer: the instance (with when it was read), or why it could not be read. */
export type ClusterInstance =
  | { cluster: string; state: InstanceSnapshot; refreshedAt?: string }
  | { cluster: string; error: DeployClusterError; refreshedAt?: string };

/** Dependencies of {@link createInstanceStates}. */
export interface InstanceStatesDeps {
  store: DeployStore;
  logger: LoggerService;
  /** Reads the instance of `target` in one cluster (owner guard, status, history). */
  read: (
    target: DeployTarget,
    cluster: ClusterDetails,
    signal: AbortSignal,
  ) => Promise<InstanceSnapshot>;
  /** How long a stored state is served without a new read. */
  maxAgeMs: number;
  /** Per-cluster limit of one read. */
  timeoutMs: number;
  now: () => Date;
  /** Called after a read was stored (not when a later read was stored already). */
  onStored?: (entityRef: string, readAt: string) => void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Serves and refreshes stored instance states; one refresh per instance at a time in this process. */
export function createInstanceStates(deps: InstanceStatesDeps) {
  const { store, logger } = deps;
  const inFlight = new Map<string, Promise<StoredInstanceState>>();
  const keyText = (t: DeployTarget, cluster: string) =>
    JSON.stringify([t.entityRef, cluster, t.namespace, t.instanceName]);

  /** Reads one cluster now (the read's start is its `readAt`) and stores the outcome. */
  async function readAndStore(
    t: DeployTarget,
    c: ClusterDetails,
  ): Promise<StoredInstanceState> {
    const readAt = deps.now().toISOString();
    const { results, errors } = await fanOutClusters(
      [c],
      (cluster, signal) => deps.read(t, cluster, signal),
      { timeoutMs: deps.timeoutMs },
    );
    const row: StoredInstanceState = {
      ...instanceKey(t, c.name),
      readAt,
      ...(results[0] ? { state: results[0].value } : {}),
      ...(errors[0] ? { error: errors[0] } : {}),
    };
    if (errors[0])
      logger.warn(`module-deploy: ${t.entityRef}: ${errors[0].message}`);
    try {
      if (await store.putInstanceState(row))
        deps.onStored?.(row.entityRef, row.readAt);
    } catch (e) {
      logger.error(
        `module-deploy: could not store the state of ${t.namespace}/${
          t.instanceName
        } in ${c.name}: ${message(e)}`,
      );
    }
    return row;
  }

  /**
   * Reads and stores the instance in one cluster. Concurrent callers share one read; `force`
   * starts a new one anyway (after a deploy: a read begun before it would show the old state).
   */
  function refresh(
    t: DeployTarget,
    c: ClusterDetails,
    opts: { force?: boolean } = {},
  ): Promise<StoredInstanceState> {
    const key = keyText(t, c.name);
    const running = inFlight.get(key);
    if (running && !opts.force) return running;
    const p = readAndStore(t, c).finally(() => {
      if (inFlight.get(key) === p) inFlight.delete(key);
    });
    inFlight.set(key, p);
    return p;
  }

  const toAnswer = (s: StoredInstanceState): ClusterInstance =>
    s.state
      ? { cluster: s.cluster, state: s.state, refreshedAt: s.readAt }
      : {
          cluster: s.cluster,
          error: s.error ?? {
            cluster: s.cluster,
            errorType: 'SYSTEM_ERROR',
            message: `the stored state of the instance in ${s.cluster} is empty; it is read again`,
          },
          refreshedAt: s.readAt,
        };

  return {
    refresh,

    /**
     * The instances of `t` in `clusters`, in their order: stored states where the backend reads
     * the cluster with its own credentials (a fresh one as is; a stale one as is while a refresh
     * runs in the background; a missing one after a first read), the others read now.
     */
    async current(
      t: DeployTarget,
      clusters: ClusterDetails[],
    ): Promise<ClusterInstance[]> {
      const live = clusters.filter(isClientSide);
      const [stored, direct] = await Promise.all([
        clusters.length > live.length
          ? store.listInstanceStates(t.entityRef)
          : Promise.resolve([]),
        fanOutClusters(live, (c, signal) => deps.read(t, c, signal), {
          timeoutMs: deps.timeoutMs,
        }),
      ]);
      const now = deps.now().getTime();
      return Promise.all(
        clusters.map(async (c): Promise<ClusterInstance> => {
          if (isClientSide(c)) {
            const found = direct.results.find(x => x.cluster === c.name);
            if (found) return { cluster: c.name, state: found.value };
            const error = direct.errors.find(x => x.cluster === c.name)!;
            return { cluster: c.name, error };
          }
          const s = stored.find(
            x =>
              x.cluster === c.name &&
              x.namespace === t.namespace &&
              x.instanceName === t.instanceName,
          );
          if (!s) return toAnswer(await refresh(t, c));
          if (now - Date.parse(s.readAt) > deps.maxAgeMs) {
            // served as stored; the next request sees the new read
            refresh(t, c).catch(e =>
              logger.warn(
                `module-deploy: background refresh of ${t.entityRef} in ${
                  c.name
                }: ${message(e)}`,
              ),
            );
          }
          return toAnswer(s);
        }),
      );
    },

    /**
     * Reads and stores the instance in every cluster of `clusters` the backend reads with its
     * own credentials, after an operation changed it; failures are stored as the cluster's error.
     */
    async record(t: DeployTarget, clusters: ClusterDetails[]): Promise<void> {
      if (!t.entityRef) return; // an explicit target without an entity: no tab shows it
      await Promise.all(
        clusters
          .filter(c => !isClientSide(c))
          .map(c => refresh(t, c, { force: true }).catch(() => undefined)),
      );
    },
  };
}

/** What {@link createInstanceStates} returns. */
export type InstanceStates = ReturnType<typeof createInstanceStates>;
