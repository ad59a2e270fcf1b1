import { AuthService, LoggerService, RootConfigService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { fanOutClusters, kubeConfigFor, readClusters, workloadSelectorFor } from '@periscope/kube-access';
import { DiagnosticsService, WorkloadSummary } from './types';

/** @public */
export function createDiagnosticsService(deps: {
  config: RootConfigService;
  catalog: CatalogService;
  logger: LoggerService;
  auth?: AuthService;
}): DiagnosticsService {
  const clusters = readClusters(deps.config);
  const timeoutMs = deps.config.getOptionalNumber('periscope.clusterTimeoutMs') ?? 10_000;
  return {
    async getEntityHealth({ entityRef, credentials }) {
      const entity = await deps.catalog.getEntityByRef(entityRef, { credentials });
      if (!entity) throw new NotFoundError(`entity '${entityRef}' is not in the catalog`);
      const base = { entityRef, clusters: [], errors: [] };
      if (clusters.length === 0) return { ...base, status: 'not-configured' as const };
      const selector = workloadSelectorFor(entity);
      if (!selector) return { ...base, status: 'not-annotated' as const };
      const { results, errors } = await fanOutClusters(
        clusters,
        async cluster => {
          const kc = kubeConfigFor(cluster);
          const core = kc.makeApiClient(CoreV1Api);
          const apps = kc.makeApiClient(AppsV1Api);
          const labelSelector = selector.labelSelector;
          const [deployments, pods] = await Promise.all([
            selector.namespace
              ? apps.listNamespacedDeployment({ namespace: selector.namespace, labelSelector })
              : apps.listDeploymentForAllNamespaces({ labelSelector }),
            selector.namespace
              ? core.listNamespacedPod({ namespace: selector.namespace, labelSelector })
              : core.listPodForAllNamespaces({ labelSelector }),
          ]);
          const workloads: WorkloadSummary[] = [
            ...deployments.items.map(d => ({
              kind: 'Deployment',
              namespace: d.metadata?.namespace ?? '',
              name: d.metadata?.name ?? '',
              ready: `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
            })),
            ...pods.items.map(p => ({
              kind: 'Pod',
              namespace: p.metadata?.namespace ?? '',
              name: p.metadata?.name ?? '',
              ready: p.status?.phase ?? 'Unknown',
            })),
          ];
          return workloads;
        },
        { timeoutMs },
      );
      for (const e of errors) deps.logger.warn(`health of ${entityRef}: ${e.message}`);
      return {
        ...base,
        status: 'ok' as const,
        labelSelector: selector.labelSelector,
        namespace: selector.namespace,
        clusters: results.map(r => ({ name: r.cluster, workloads: r.value })),
        errors,
      };
    },
  };
}
