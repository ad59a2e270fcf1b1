import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ClusterSummary,
  fetchPluginJson,
  KubernetesUserAuth,
  readNdjsonLines,
  withUserClusterAuth,
} from '@periscope/periscope-react';

import type {
  ClusterFindings,
  ClusterFindingsFilter,
  ContainerLogResponse,
  EntityHealth,
  FindingEvidenceResponse,
  ExplainChunk,
  ExplainResult,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';

export { SEVERITIES } from '@periscope/backstage-plugin-k8s-diagnostics-common';
export type { ClusterSummary } from '@periscope/periscope-react';
export type {
  ClusterFindingsFilter,
  ContainerEvidence,
  ContainerLogResponse,
  FindingEvidence,
  FindingEvidenceResponse,
  Explanation,
  ExplainChunk,
  ExplainResult,
  FindingSource,
  HealthFinding,
  ObjectRef,
  Severity,
  WorkloadFindings,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';

/** @public */
export type EntityHealthResponse = EntityHealth;
/** @public */
export type ClusterFindingsResponse = ClusterFindings;

/** @public */
export interface K8sDiagnosticsApi {
  getEntityHealth(entityRef: string): Promise<EntityHealthResponse>;
  rescanEntity(entityRef: string): Promise<EntityHealthResponse>;
  /** Streams the explanation; resolves with the final result, rejects on an error chunk. */
  explainFinding(
    entityRef: string,
    findingId: string,
    onText: (text: string) => void,
  ): Promise<ExplainResult>;
  listFindings(filter: ClusterFindingsFilter): Promise<ClusterFindingsResponse>;
  /**
   * The clusters the entity's workloads are read from, with their dashboard (`dashboardUrl`,
   * `dashboardApp` of the `kubernetes` config) and whether they use the signed-in user's own
   * credentials (`clientSide`). Needs the same permission as {@link K8sDiagnosticsApi.getEntityHealth}.
   */
  getClusters(entityRef: string): Promise<{ items: ClusterSummary[] }>;
  /**
   * What the cluster shows now about a finding: the failing container (image, command,
   * resources, probes, states), its last log lines, warning events, owner chain and missing
   * references. Optional: clients without it show no evidence.
   */
  getFindingEvidence?(
    entityRef: string,
    findingId: string,
  ): Promise<FindingEvidenceResponse>;
  /** The last lines of a container of the finding's pod (the previous instance's with `previous`). */
  getContainerLogs?(
    entityRef: string,
    findingId: string,
    options: {
      container: string;
      pod?: string;
      previous?: boolean;
      tailLines?: number;
    },
  ): Promise<ContainerLogResponse>;
}

/** @public */
export const k8sDiagnosticsApiRef = createApiRef<K8sDiagnosticsApi>({
  id: 'plugin.k8s-diagnostics.api',
});

/** Reads an NDJSON body line by line. */
async function* ndjsonLines(res: Response): AsyncGenerator<ExplainChunk> {
  if (!res.body) {
    for (const line of (await res.text()).split('\n'))
      if (line.trim()) yield JSON.parse(line);
    return;
  }
  yield* readNdjsonLines<ExplainChunk>(res.body);
}

/** @public */
export class K8sDiagnosticsClient implements K8sDiagnosticsApi {
  /** `userAuth`: sends the signed-in user's Kubernetes tokens for clusters with client-side auth. */
  constructor(
    private readonly deps: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
      userAuth?: KubernetesUserAuth;
    },
  ) {}

  private clusterAuth(entityRef: string) {
    return {
      userAuth: this.deps.userAuth,
      clustersPath: `/clusters?entityRef=${encodeURIComponent(entityRef)}`,
    };
  }

  getEntityHealth(entityRef: string): Promise<EntityHealthResponse> {
    return fetchPluginJson(
      this.deps,
      'k8s-diagnostics',
      `/entity?entityRef=${encodeURIComponent(entityRef)}`,
      undefined,
      this.clusterAuth(entityRef),
    );
  }

  rescanEntity(entityRef: string): Promise<EntityHealthResponse> {
    return fetchPluginJson(
      this.deps,
      'k8s-diagnostics',
      '/entity/rescan',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ entityRef }),
      },
      this.clusterAuth(entityRef),
    );
  }

  getClusters(entityRef: string): Promise<{ items: ClusterSummary[] }> {
    // the same request the user's cluster tokens are looked up with (one per entity and minute)
    const userAuth = this.deps.userAuth;
    if (typeof userAuth?.listClusters === 'function') {
      return userAuth
        .listClusters(
          'k8s-diagnostics',
          this.clusterAuth(entityRef).clustersPath,
        )
        .then(items => ({ items }));
    }
    return fetchPluginJson(
      this.deps,
      'k8s-diagnostics',
      `/clusters?entityRef=${encodeURIComponent(entityRef)}`,
    );
  }

  listFindings(
    filter: ClusterFindingsFilter,
  ): Promise<ClusterFindingsResponse> {
    const query = new URLSearchParams(
      Object.entries(filter).filter(([, v]) => !!v) as Array<[string, string]>,
    ).toString();
    return fetchPluginJson(
      this.deps,
      'k8s-diagnostics',
      `/findings${query ? `?${query}` : ''}`,
    );
  }

  getFindingEvidence(
    entityRef: string,
    findingId: string,
  ): Promise<FindingEvidenceResponse> {
    const query = new URLSearchParams({ entityRef, findingId }).toString();
    return fetchPluginJson(
      this.deps,
      'k8s-diagnostics',
      `/entity/evidence?${query}`,
      undefined,
      this.clusterAuth(entityRef),
    );
  }

  getContainerLogs(
    entityRef: string,
    findingId: string,
    options: {
      container: string;
      pod?: string;
      previous?: boolean;
      tailLines?: number;
    },
  ): Promise<ContainerLogResponse> {
    const query = new URLSearchParams({
      entityRef,
      findingId,
      container: options.container,
      ...(options.pod ? { pod: options.pod } : {}),
      ...(options.previous ? { previous: 'true' } : {}),
      ...(options.tailLines ? { tailLines: String(options.tailLines) } : {}),
    }).toString();
    return fetchPluginJson(
      this.deps,
      'k8s-diagnostics',
      `/entity/logs?${query}`,
      undefined,
      this.clusterAuth(entityRef),
    );
  }

  async explainFinding(
    entityRef: string,
    findingId: string,
    onText: (text: string) => void,
  ): Promise<ExplainResult> {
    const base = await this.deps.discoveryApi.getBaseUrl('k8s-diagnostics');
    // with the user's own cluster tokens, so that masking Secret values
    // (k8sDiagnostics.ai.maskReferencedSecrets) can read them on per-user-auth clusters
    const res = await this.deps.fetchApi.fetch(
      `${base}/entity/explain`,
      await withUserClusterAuth(
        'k8s-diagnostics',
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/x-ndjson',
          },
          body: JSON.stringify({ entityRef, findingId }),
        },
        this.clusterAuth(entityRef),
      ),
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    for await (const chunk of ndjsonLines(res)) {
      if (chunk.type === 'delta') onText(chunk.text);
      else if (chunk.type === 'error')
        throw new Error(`the explanation stopped: ${chunk.message}`);
      else return chunk.result;
    }
    throw new Error('the explanation stream ended without a result: try again');
  }
}
