/** The catalog entities with workload annotations, read with the plugin's own credentials. */
import { AuthService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  WorkloadSelectorOptions,
  workloadSelectorFor,
} from '@periscope/kube-access';
import { KnownWorkloads } from './types';

/** Reads the annotated catalog entities once per call. */
export function knownWorkloadsFromCatalog(deps: {
  catalog: CatalogService;
  auth: AuthService;
  selectors?: WorkloadSelectorOptions;
}): KnownWorkloads {
  return async () => {
    const { items } = await deps.catalog.getEntities(
      {
        filter: [
          {
            [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]:
              CATALOG_FILTER_EXISTS,
          },
          {
            [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]:
              CATALOG_FILTER_EXISTS,
          },
        ],
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      },
      { credentials: await deps.auth.getOwnServiceCredentials() },
    );
    return items.flatMap(entity => {
      try {
        const selector = workloadSelectorFor(entity, deps.selectors);
        return selector ? [{ entity, selector }] : [];
      } catch {
        return [];
      }
    });
  };
}
