import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import {
  fetchPluginJson,
  KubernetesUserAuth,
} from '@periscope/periscope-react';
import {
  EntitySecurity,
  EntityTimeline,
  FindingsQuery,
  IngestHealth,
  PoliciesResponse,
  SecurityFinding,
  SecurityFindingDetail,
  SEVERITIES,
  Severity,
  TriageState,
} from '@periscope/backstage-plugin-runtime-security-common';

/**
 * The wire types live in the common package, shared with the backend; the names the frontend
 * has always exported stay available.
 */
export type {
  EntitySecurity as EntitySecurityResponse,
  EntityTimeline as TimelineResponse,
  FindingsQuery,
  IngestHealth as IngestHealthResponse,
  PoliciesResponse,
  ProcessSummary as ProcessNode,
  SecurityFinding,
  SecurityFindingDetail,
  Severity,
  SourceStats as SourceHealth,
  TracingPolicySummary as TracingPolicy,
  TriageState,
} from '@periscope/backstage-plugin-runtime-security-common';

/** Most severe first. @public */
export const SEVERITY_ORDER: Severity[] = [...SEVERITIES];

/** @public */
export interface RuntimeSecurityApi {
  getEntitySecurity(entityRef: string): Promise<EntitySecurity>;
  getFinding(entityRef: string, id: string): Promise<SecurityFindingDetail>;
  triageFinding(
    entityRef: string,
    id: string,
    state: TriageState,
    reason: string,
  ): Promise<SecurityFindingDetail>;
  getTimeline(entityRef: string, days: number): Promise<EntityTimeline>;
  listFindings(query: FindingsQuery): Promise<{ findings: SecurityFinding[] }>;
  getPolicies(): Promise<PoliciesResponse>;
  getIngestHealth(): Promise<IngestHealth>;
}

/** @public */
export const runtimeSecurityApiRef = createApiRef<RuntimeSecurityApi>({
  id: 'plugin.runtime-security.api',
});

const PLUGIN = 'runtime-security';

/** @public */
export class RuntimeSecurityClient implements RuntimeSecurityApi {
  /** `userAuth`: sends the signed-in user's Kubernetes tokens for clusters with client-side auth. */
  constructor(
    private readonly deps: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
      userAuth?: KubernetesUserAuth;
    },
  ) {}

  private ref(entityRef: string): string {
    return `entityRef=${encodeURIComponent(entityRef)}`;
  }

  getEntitySecurity(entityRef: string): Promise<EntitySecurity> {
    return fetchPluginJson(this.deps, PLUGIN, `/entity?${this.ref(entityRef)}`);
  }

  getFinding(entityRef: string, id: string): Promise<SecurityFindingDetail> {
    return fetchPluginJson(
      this.deps,
      PLUGIN,
      `/entity/findings/${encodeURIComponent(id)}?${this.ref(entityRef)}`,
    );
  }

  triageFinding(
    entityRef: string,
    id: string,
    state: TriageState,
    reason: string,
  ): Promise<SecurityFindingDetail> {
    return fetchPluginJson(
      this.deps,
      PLUGIN,
      `/entity/findings/${encodeURIComponent(id)}/triage?${this.ref(
        entityRef,
      )}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ state, reason }),
      },
    );
  }

  getTimeline(entityRef: string, days: number): Promise<EntityTimeline> {
    return fetchPluginJson(
      this.deps,
      PLUGIN,
      `/entity/timeline?${this.ref(entityRef)}&days=${days}`,
    );
  }

  listFindings(query: FindingsQuery): Promise<{ findings: SecurityFinding[] }> {
    const p = new URLSearchParams();
    if (query.severity?.length) p.set('severity', query.severity.join(','));
    if (query.triage?.length) p.set('triage', query.triage.join(','));
    for (const k of ['namespace', 'cluster', 'rule', 'q'] as const)
      if (query[k]) p.set(k, query[k]!);
    return fetchPluginJson(this.deps, PLUGIN, `/findings?${p.toString()}`);
  }

  getPolicies(): Promise<PoliciesResponse> {
    return fetchPluginJson(this.deps, PLUGIN, '/policies', undefined, {
      userAuth: this.deps.userAuth,
      clustersPath: '/clusters',
    });
  }

  getIngestHealth(): Promise<IngestHealth> {
    return fetchPluginJson(this.deps, PLUGIN, '/ingest/health');
  }
}
