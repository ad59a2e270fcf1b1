import { LoggerService, RootConfigService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import {
  fanOutClusters,
  kubeConfigFor,
  KUBERNETES_NAMESPACE_ANNOTATION,
  readClusters,
} from '@periscope/kube-access';
import { INSTANCE_ANNOTATION, InstanceService, InstanceSummary, MODULE_ANNOTATION } from './types';

function summarise(cluster: string, secret: V1Secret): InstanceSummary {
  const raw = secret.data?.instance ? Buffer.from(secret.data.instance, 'base64').toString('utf8') : '';
  let parsed: any = {};
  try {
    parsed = raw ? JSON.parse(raw) : {};
  } catch {
    parsed = {};
  }
  const name = (secret.metadata?.name ?? '').replace(/^timoni\./, '');
  return {
    cluster,
    namespace: secret.metadata?.namespace ?? '',
    name,
    module: parsed.module,
    lastTransitionTime: parsed.lastTransitionTime,
  };
}

/** @public */
export function createInstanceService(deps: {
  config: RootConfigService;
  catalog: CatalogService;
  logger: LoggerService;
}): InstanceService {
  const clusters = readClusters(deps.config);
  const timeoutMs = deps.config.getOptionalNumber('periscope.clusterTimeoutMs') ?? 10_000;
  return {
    async getEntityInstances({ entityRef, credentials }) {
      const entity = await deps.catalog.getEntityByRef(entityRef, { credentials });
      if (!entity) throw new NotFoundError(`entity '${entityRef}' is not in the catalog`);
      const base = { entityRef, instances: [], errors: [] };
      if (clusters.length === 0) return { ...base, status: 'not-configured' as const };
      const ann = entity.metadata.annotations ?? {};
      const module = ann[MODULE_ANNOTATION];
      if (!module) return { ...base, status: 'not-annotated' as const };
      const instanceName = ann[INSTANCE_ANNOTATION] || entity.metadata.name;
      const namespace = ann[KUBERNETES_NAMESPACE_ANNOTATION] || 'default';
      const { results, errors } = await fanOutClusters(
        clusters,
        async cluster => {
          const core = kubeConfigFor(cluster).makeApiClient(CoreV1Api);
          const list = await core.listNamespacedSecret({ namespace, fieldSelector: 'type=timoni.sh/instance' });
          return list.items
            .filter(s => s.metadata?.name === `timoni.${instanceName}`)
            .map(s => summarise(cluster.name, s));
        },
        { timeoutMs },
      );
      for (const e of errors) deps.logger.warn(`instances of ${entityRef}: ${e.message}`);
      return {
        ...base,
        status: 'ok' as const,
        module,
        instanceName,
        namespace,
        instances: results.flatMap(r => r.value),
        errors,
      };
    },
  };
}
