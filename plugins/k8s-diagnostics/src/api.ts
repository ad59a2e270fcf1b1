import { createApiRef, DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { fetchPluginJson, PeriscopeEntityEnvelope } from '@periscope/periscope-react';

/** @public */
export interface EntityHealthResponse extends PeriscopeEntityEnvelope {
  entityRef: string;
  labelSelector?: string;
  namespace?: string;
  clusters: Array<{
    name: string;
    workloads: Array<{ kind: string; namespace: string; name: string; ready: string }>;
  }>;
}

/** @public */
export interface K8sDiagnosticsApi {
  getEntityHealth(entityRef: string): Promise<EntityHealthResponse>;
}

/** @public */
export const k8sDiagnosticsApiRef = createApiRef<K8sDiagnosticsApi>({ id: 'plugin.k8s-diagnostics.api' });

/** @public */
export class K8sDiagnosticsClient implements K8sDiagnosticsApi {
  constructor(private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {}

  getEntityHealth(entityRef: string): Promise<EntityHealthResponse> {
    return fetchPluginJson(this.deps, 'k8s-diagnostics', `/entity?entityRef=${encodeURIComponent(entityRef)}`);
  }
}
