import { BackstageCredentials, LoggerService, RootConfigService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { matchesLabelSelector, readClusters, workloadSelectorFor } from '@periscope/kube-access';
import { FindingsStore, StoredFinding } from './FindingsStore/FindingsStore';

/** What an entity's Security tab shows. @public */
export interface EntitySecurity {
  entityRef: string;
  status: 'ok' | 'not-configured' | 'not-annotated';
  labelSelector?: string;
  findings: StoredFinding[];
}

/** @public */
export interface SecurityService {
  getEntitySecurity(options: { entityRef: string; credentials: BackstageCredentials }): Promise<EntitySecurity>;
}

/** @public */
export function createSecurityService(deps: {
  config: RootConfigService;
  catalog: CatalogService;
  logger: LoggerService;
  store: FindingsStore;
}): SecurityService {
  const configured =
    readClusters(deps.config).length > 0 || deps.config.has('runtimeSecurity.sources');
  return {
    async getEntitySecurity({ entityRef, credentials }) {
      const entity = await deps.catalog.getEntityByRef(entityRef, { credentials });
      if (!entity) throw new NotFoundError(`entity '${entityRef}' is not in the catalog`);
      if (!configured) return { entityRef, status: 'not-configured', findings: [] };
      const selector = workloadSelectorFor(entity);
      if (!selector) return { entityRef, status: 'not-annotated', findings: [] };
      const rows = await deps.store.list({ namespace: selector.namespace });
      return {
        entityRef,
        status: 'ok',
        labelSelector: selector.labelSelector,
        findings: rows.filter(f => matchesLabelSelector(f.labels, selector.labelSelector)),
      };
    },
  };
}
