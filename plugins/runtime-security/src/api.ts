import { createApiRef, DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { fetchPluginJson, PeriscopeEntityEnvelope } from '@periscope/periscope-react';

/** @public */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** @public */
export const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** @public */
export type TriageState = 'open' | 'acknowledged' | 'false-positive';

/** One process of an ancestry chain (root first). @public */
export interface ProcessNode {
  execId: string;
  parentExecId?: string;
  binary: string;
  arguments: string;
  pid?: number;
  uid?: number;
  startTime?: string;
  pod?: string;
  container?: string;
}

/** @public */
export interface SecurityFinding {
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  mitre: { id: string; name: string };
  remediation: string;
  outcome: 'observed' | 'blocked';
  cluster: string;
  namespace: string;
  workload: string;
  pod: string;
  binary: string;
  labels: Record<string, string>;
  count: number;
  firstSeen: string;
  lastSeen: string;
  policy?: string;
  triage: { state: TriageState; by?: string; reason?: string; at?: string };
}

/** A finding with its evidence. @public */
export interface SecurityFindingDetail extends SecurityFinding {
  sample: {
    eventId: string;
    type: string;
    time: string;
    node?: string;
    pod?: string;
    container?: string;
    image?: string;
    binary: string;
    arguments: string;
    function?: string;
    policy?: string;
    action?: string;
    detail?: string;
    ancestry: ProcessNode[];
    raw?: unknown;
  };
}

/** @public */
export interface EntitySecurityResponse extends PeriscopeEntityEnvelope {
  entityRef: string;
  labelSelector?: string;
  findings: SecurityFinding[];
}

/** @public */
export interface TimelineResponse {
  entityRef: string;
  bucket: 'hour' | 'day';
  buckets: Array<{ start: string; counts: Partial<Record<Severity, number>> }>;
}

/** @public */
export interface FindingsQuery {
  severity?: Severity[];
  triage?: TriageState[];
  namespace?: string;
  cluster?: string;
  rule?: string;
  q?: string;
}

/** @public */
export interface TracingPolicy {
  cluster: string;
  kind: 'TracingPolicy' | 'TracingPolicyNamespaced';
  name: string;
  namespace?: string;
  mode: 'enforcement' | 'monitoring';
  hooks: string[];
  calls: string[];
  findings: number;
}

/** @public */
export interface PoliciesResponse {
  policies: TracingPolicy[];
  notInstalled: string[];
  unfedRules: Array<{ rule: string; title: string; eventTypes: string[] }>;
  errors: Array<{ cluster: string; errorType: string; message: string }>;
}

/** @public */
export interface SourceHealth {
  id: string;
  kind: 'kubernetes' | 'file' | 'http';
  linesTotal: number;
  eventsTotal: number;
  detectionsTotal: number;
  skipped: Record<string, number>;
  eventsPerSecond: number;
  lastEventTime?: string;
  lastIngestAt?: string;
  lagMs?: number;
  error?: string;
}

/** @public */
export interface IngestHealthResponse {
  sources: SourceHealth[];
  queuedLines: number;
}

/** @public */
export interface RuntimeSecurityApi {
  getEntitySecurity(entityRef: string): Promise<EntitySecurityResponse>;
  getFinding(entityRef: string, id: string): Promise<SecurityFindingDetail>;
  triageFinding(entityRef: string, id: string, state: TriageState, reason: string): Promise<SecurityFindingDetail>;
  getTimeline(entityRef: string, days: number): Promise<TimelineResponse>;
  listFindings(query: FindingsQuery): Promise<{ findings: SecurityFinding[] }>;
  getPolicies(): Promise<PoliciesResponse>;
  getIngestHealth(): Promise<IngestHealthResponse>;
}

/** @public */
export const runtimeSecurityApiRef = createApiRef<RuntimeSecurityApi>({ id: 'plugin.runtime-security.api' });

const PLUGIN = 'runtime-security';

/** @public */
export class RuntimeSecurityClient implements RuntimeSecurityApi {
  constructor(private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {}

  private ref(entityRef: string): string {
    return `entityRef=${encodeURIComponent(entityRef)}`;
  }

  getEntitySecurity(entityRef: string): Promise<EntitySecurityResponse> {
    return fetchPluginJson(this.deps, PLUGIN, `/entity?${this.ref(entityRef)}`);
  }

  getFinding(entityRef: string, id: string): Promise<SecurityFindingDetail> {
    return fetchPluginJson(this.deps, PLUGIN, `/entity/findings/${encodeURIComponent(id)}?${this.ref(entityRef)}`);
  }

  triageFinding(entityRef: string, id: string, state: TriageState, reason: string): Promise<SecurityFindingDetail> {
    return fetchPluginJson(this.deps, PLUGIN, `/entity/findings/${encodeURIComponent(id)}/triage?${this.ref(entityRef)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ state, reason }),
    });
  }

  getTimeline(entityRef: string, days: number): Promise<TimelineResponse> {
    return fetchPluginJson(this.deps, PLUGIN, `/entity/timeline?${this.ref(entityRef)}&days=${days}`);
  }

  listFindings(query: FindingsQuery): Promise<{ findings: SecurityFinding[] }> {
    const p = new URLSearchParams();
    if (query.severity?.length) p.set('severity', query.severity.join(','));
    if (query.triage?.length) p.set('triage', query.triage.join(','));
    for (const k of ['namespace', 'cluster', 'rule', 'q'] as const) if (query[k]) p.set(k, query[k]!);
    return fetchPluginJson(this.deps, PLUGIN, `/findings?${p.toString()}`);
  }

  getPolicies(): Promise<PoliciesResponse> {
    return fetchPluginJson(this.deps, PLUGIN, '/policies');
  }

  getIngestHealth(): Promise<IngestHealthResponse> {
    return fetchPluginJson(this.deps, PLUGIN, '/ingest/health');
  }
}
