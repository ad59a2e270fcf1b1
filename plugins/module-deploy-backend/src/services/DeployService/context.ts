/**
 * What the parts of the deploy service share: its dependencies, a cluster's client, the list of
 * clusters, the read timeout and the options of an apply.
 */
import {
  AuditorService,
  AuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { KubeConfig } from '@kubernetes/client-node';
import { DeployEvent } from '@periscope/backstage-plugin-module-deploy-common';
import {
  ClusterDetails,
  ClusterSource,
  kubeConfigFor,
  toClusterSource,
} from '@periscope/kube-access';
import { ModuleEngine } from '@periscope/backstage-plugin-module-deploy-node';
import { ModuleDeployConfig } from '../../config';
import { DeployStore } from '../DeployStore';
import { ModuleCatalog } from '../ModuleCatalog';

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

/** The dependencies with what every part derives from them. */
export interface DeployContext extends DeployServiceDeps {
  /** Per-cluster timeout of reads. */
  timeoutMs: number;
  /** A cluster's client; with fanOutClusters' signal its requests stop when the cluster times out. */
  kc(c: ClusterDetails, signal?: AbortSignal): KubeConfig;
  /** The configured clusters, with the caller's tokens for clusters with client-side auth. */
  clustersFor(requestAuth?: KubernetesRequestAuth): Promise<ClusterDetails[]>;
}

/** Derives the shared context from the service's dependencies. */
export function createDeployContext(deps: DeployServiceDeps): DeployContext {
  const source = toClusterSource(deps.clusters);
  return {
    ...deps,
    timeoutMs: deps.clusterTimeoutMs ?? 10_000,
    kc: (c, signal) => kubeConfigFor(c, { signal }),
    clustersFor: requestAuth => source.listClusters({ requestAuth }),
  };
}

/** The options of an apply or rollback: readiness timeout, poll interval, events. */
export function applyOptions(
  ctx: DeployContext,
  onEvent: (e: DeployEvent) => void,
) {
  return {
    timeoutMs: ctx.config.readinessTimeoutMs,
    pollMs: ctx.pollMs ?? 2000,
    onEvent,
  };
}

/** The text of a caught error. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
