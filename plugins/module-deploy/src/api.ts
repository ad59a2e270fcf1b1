import { createApiRef, DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { fetchPluginJson, PeriscopeEntityEnvelope } from '@periscope/periscope-react';

/** @public */
export interface EntityInstancesResponse extends PeriscopeEntityEnvelope {
  entityRef: string;
  module?: string;
  instanceName?: string;
  namespace?: string;
  instances: Array<{
    cluster: string;
    namespace: string;
    name: string;
    module?: { name?: string; repository?: string; version?: string; digest?: string };
    lastTransitionTime?: string;
  }>;
}

/** @public */
export interface ModuleDeployApi {
  getEntityInstances(entityRef: string): Promise<EntityInstancesResponse>;
}

/** @public */
export const moduleDeployApiRef = createApiRef<ModuleDeployApi>({ id: 'plugin.module-deploy.api' });

/** @public */
export class ModuleDeployClient implements ModuleDeployApi {
  constructor(private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {}

  getEntityInstances(entityRef: string): Promise<EntityInstancesResponse> {
    return fetchPluginJson(this.deps, 'module-deploy', `/entity?entityRef=${encodeURIComponent(entityRef)}`);
  }
}
