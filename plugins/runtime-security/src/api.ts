import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import {
  fetchPluginJson,
  KubernetesUserAuth,
} from '@periscope/periscope-react';
import { ResponseError } from '@backstage/errors';
import {
  EnforcementProposal,
  EnforcementRequest,
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
  UnknownEventsResponse,
} from '@periscope/backstage-plugin-runtime-security-common';

/**
 * The wire types live in the common package, shared with the backend; the names the frontend
 * has always exported stay available.
 */
export type {
  EnforcementChange,
  EnforcementProposal,
  EnforcementRequest,
  UnknownEventSummary,
  UnknownEventsResponse,
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
  /**
   * A page of the entity's findings (the backend's default page without `page`); `nextOffset` in
   * the answer is the `offset` of the next one.
   */
  getEntitySecurity(
    entityRef: string,
    page?: { limit?: number; offset?: number },
  ): Promise<EntitySecurity>;
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
  /** Unknown event types and fields per source, with a raw sample each. */
  getUnknownEvents(): Promise<UnknownEventsResponse>;
  /** The values change that moves a monitoring policy to enforcement (platform permission). */
  proposeEnforcement(request: EnforcementRequest): Promise<EnforcementProposal>;
  /** module-deploy's preview (diff) of the proposal's instance with `values`. */
  previewPolicyValues(
    proposal: EnforcementProposal,
    values: Record<string, unknown>,
  ): Promise<PolicyValuesPreview>;
  /** Deploys `values` to the proposal's instance through module-deploy (audited there as the signed-in user). */
  deployPolicyValues(
    proposal: EnforcementProposal,
    values: Record<string, unknown>,
  ): Promise<PolicyValuesDeploy>;
  /**
   * Rolls the proposal's instance back to stored revisions through module-deploy's
   * `POST /instances/rollback` (audited there as the signed-in user): each cluster named to its
   * revision, one cluster after the other, stopping at the first that fails. Optional for
   * implementations written before it: without it the enforcement dialog rolls back by deploying
   * the values from before.
   */
  rollbackPolicyValues?(
    proposal: EnforcementProposal,
    revisions: PolicyRevision[],
  ): Promise<PolicyValuesDeploy>;
}

/**
 * A cluster and the revision of the policy's instance to roll back to there.
 * @public
 */
export interface PolicyRevision {
  cluster: string;
  revision: number;
}

/**
 * What the Security page reads of module-deploy's `POST /instances/preview` answer.
 * @public
 */
export interface PolicyValuesPreview {
  valid: boolean;
  issues: Array<{ path: string; message: string }>;
  clusters: Array<{
    cluster: string;
    objects: Array<{
      ref: string;
      action: string;
      changes: Array<{
        path: string;
        op: 'add' | 'remove' | 'change';
        before?: unknown;
        after?: unknown;
      }>;
    }>;
  }>;
  errors: Array<{ cluster: string; message: string }>;
}

/**
 * The end of module-deploy's `POST /instances/deploy` (or `/instances/rollback`) stream.
 * @public
 */
export interface PolicyValuesDeploy {
  ok: boolean;
  results: Array<{
    cluster: string;
    status: string;
    revision?: number;
    message?: string;
  }>;
  error?: string;
}

/** @public */
export const runtimeSecurityApiRef = createApiRef<RuntimeSecurityApi>({
  id: 'plugin.runtime-security.api',
});

const PLUGIN = 'runtime-security';
/** The Deploy backend: the proposal is previewed and deployed through its HTTP API, so it audits who approved it. */
const MODULE_DEPLOY = 'module-deploy';

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

  getEntitySecurity(
    entityRef: string,
    page?: { limit?: number; offset?: number },
  ): Promise<EntitySecurity> {
    const paging = `${page?.limit !== undefined ? `&limit=${page.limit}` : ''}${
      page?.offset ? `&offset=${page.offset}` : ''
    }`;
    return fetchPluginJson(
      this.deps,
      PLUGIN,
      `/entity?${this.ref(entityRef)}${paging}`,
    );
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

  getUnknownEvents(): Promise<UnknownEventsResponse> {
    return fetchPluginJson(this.deps, PLUGIN, '/unknown-events');
  }

  proposeEnforcement(
    request: EnforcementRequest,
  ): Promise<EnforcementProposal> {
    return fetchPluginJson(
      this.deps,
      PLUGIN,
      '/policies/enforcement',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      },
      { userAuth: this.deps.userAuth, clustersPath: '/clusters' },
    );
  }

  previewPolicyValues(
    proposal: EnforcementProposal,
    values: Record<string, unknown>,
  ): Promise<PolicyValuesPreview> {
    return fetchPluginJson(this.deps, MODULE_DEPLOY, '/instances/preview', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...proposal.target, values }),
    });
  }

  deployPolicyValues(
    proposal: EnforcementProposal,
    values: Record<string, unknown>,
  ): Promise<PolicyValuesDeploy> {
    return this.postDeployStream(
      '/instances/deploy',
      { ...proposal.target, values },
      'deploy',
    );
  }

  async rollbackPolicyValues(
    proposal: EnforcementProposal,
    revisions: PolicyRevision[],
  ): Promise<PolicyValuesDeploy> {
    const results: PolicyValuesDeploy['results'] = [];
    const errors: string[] = [];
    for (const { cluster, revision } of revisions) {
      const done = await this.postDeployStream(
        '/instances/rollback',
        { ...proposal.target, revision, cluster },
        'rollback',
      );
      results.push(...done.results);
      if (done.error) errors.push(done.error);
      if (!done.ok)
        return { ok: false, results, error: errors.join('; ') || undefined };
    }
    return {
      ok: true,
      results,
      ...(errors.length ? { error: errors.join('; ') } : {}),
    };
  }

  /** POSTs to a module-deploy route that streams NDJSON steps; the last line says how it ended. */
  private async postDeployStream(
    path: string,
    body: object,
    what: string,
  ): Promise<PolicyValuesDeploy> {
    const base = await this.deps.discoveryApi.getBaseUrl(MODULE_DEPLOY);
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await ResponseError.fromResponse(res);
    let done: PolicyValuesDeploy | undefined;
    for (const line of (await res.text()).split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as { type: string } & Record<string, any>;
      if (e.type === 'done') {
        done = { ok: e.ok, results: e.results ?? [], error: e.error };
      } else if (e.type === 'invalid') {
        done = { ok: false, results: [], error: e.message };
      }
    }
    return (
      done ?? {
        ok: false,
        results: [],
        error: `the ${what} stream ended without a result: look at the Deploy history of the instance`,
      }
    );
  }
}
