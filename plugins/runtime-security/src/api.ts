import { createApiRef, DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { fetchPluginJson, PeriscopeEntityEnvelope } from '@periscope/periscope-react';

/** @public */
export interface SecurityFinding {
  id: string;
  rule: string;
  severity: string;
  title: string;
  cluster: string;
  namespace: string;
  pod: string;
  workload: string;
  binary: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/** @public */
export interface EntitySecurityResponse extends PeriscopeEntityEnvelope {
  entityRef: string;
  labelSelector?: string;
  findings: SecurityFinding[];
}

/** @public */
export interface RuntimeSecurityApi {
  getEntitySecurity(entityRef: string): Promise<EntitySecurityResponse>;
}

/** @public */
export const runtimeSecurityApiRef = createApiRef<RuntimeSecurityApi>({ id: 'plugin.runtime-security.api' });

/** @public */
export class RuntimeSecurityClient implements RuntimeSecurityApi {
  constructor(private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {}

  getEntitySecurity(entityRef: string): Promise<EntitySecurityResponse> {
    return fetchPluginJson(this.deps, 'runtime-security', `/entity?entityRef=${encodeURIComponent(entityRef)}`);
  }
}
