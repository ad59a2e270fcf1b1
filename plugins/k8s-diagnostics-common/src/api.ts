/**
 * The Health API's wire types, shared by the backend (which produces them) and the frontend
 * (which reads them).
 */
import type { ObjectRef, RelatedEvent, Severity } from './model';

/**
 * Why one cluster could not answer (the shape of `@periscope/kube-access`'s ClusterError).
 * @public
 */
export interface ClusterErrorInfo {
  cluster: string;
  errorType: string;
  statusCode?: number;
  message: string;
}

/**
 * Who reported a finding: Periscope's own live scan, or a k8sgpt-operator `Result` object
 * (core.k8sgpt.ai/v1alpha1) in the cluster.
 * @public
 */
export type FindingSource = 'periscope' | 'k8sgpt-operator';

/**
 * One object with failures, as the Health tab shows it, with its history.
 * @public
 */
export interface HealthFinding {
  /** Stable id: the same object and analyzer in the same cluster keeps its id across scans. */
  id: string;
  cluster: string;
  analyzer: string;
  object: ObjectRef;
  /** Owners from the direct one to the root, e.g. `[ReplicaSet, Deployment]` for a Pod. */
  ownerChain: ObjectRef[];
  /** The root of the owner chain, or the object itself when it has no owner. */
  workload: ObjectRef;
  severity: Severity;
  failures: Array<{ text: string; severity: Severity }>;
  events: RelatedEvent[];
  firstSeen: string;
  lastSeen: string;
  /** Set once a scan of its cluster no longer finds it. */
  resolvedAt?: string;
  /**
   * Who reported it; both sources when a k8sgpt-operator Result names the same object and text.
   * Absent on findings stored before sources were recorded: read that as `['periscope']`.
   */
  sources?: FindingSource[];
}

/**
 * Findings of one workload (Deployment, CronJob, Service...) with its children.
 * @public
 */
export interface WorkloadFindings {
  cluster: string;
  workload: ObjectRef;
  severity: Severity;
  findings: HealthFinding[];
}

/** @public */
export interface WorkloadSummary {
  kind: string;
  namespace: string;
  name: string;
  ready: string;
}

/** Open findings per severity after one scan. @public */
export interface HistoryPoint {
  at: string;
  counts: Record<Severity, number>;
}

/**
 * What an entity's Health tab shows.
 * @public
 */
export interface EntityHealth {
  entityRef: string;
  /** `not-configured`: no cluster in the kubernetes config; `not-annotated`: the entity has no Kubernetes annotation. */
  status: 'ok' | 'not-configured' | 'not-annotated';
  labelSelector?: string;
  namespace?: string;
  scannedAt?: string;
  /**
   * The stored scan is older than the freshness window (`k8sDiagnostics.cacheTtlSeconds`, by
   * default the scan schedule): it is shown as it is while a newer one is made.
   */
  stale?: boolean;
  /** A scan of the entity runs in the background (this or another replica); ask again for its result. */
  refreshing?: boolean;
  summary: Record<Severity, number>;
  groups: WorkloadFindings[];
  /** Findings resolved within the last 7 days. */
  resolved: HealthFinding[];
  history: HistoryPoint[];
  clusters: Array<{ name: string; workloads: WorkloadSummary[] }>;
  /** Per-cluster failures: the other clusters still show. */
  errors: ClusterErrorInfo[];
  /** Parts of a scan that could not run (e.g. a kind the service account may not list). */
  warnings: string[];
}

/**
 * The cluster-wide view (GET /findings).
 * @public
 */
export interface ClusterFindings {
  status: 'ok' | 'not-configured';
  scannedAt?: string;
  findings: HealthFinding[];
  errors: ClusterErrorInfo[];
  warnings: string[];
  /** Values present in the findings, for the filters of the page. */
  facets: { clusters: string[]; namespaces: string[]; kinds: string[] };
}

/** @public */
export interface ClusterFindingsFilter {
  cluster?: string;
  namespace?: string;
  kind?: string;
  severity?: Severity;
}

/**
 * A structured answer to "what is wrong and how do I fix it".
 * @public
 */
export interface Explanation {
  summary: string;
  likelyCause: string;
  steps: string[];
  commands: string[];
}

/** @public */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** True when the provider reported no usage and it was estimated from the text length. */
  estimated?: boolean;
}

/**
 * The final result of an explanation.
 * @public
 */
export interface ExplainResult {
  findingId: string;
  /** `catalog`: the built-in remediation catalog (no LLM configured); `cache`: a stored LLM answer. */
  source: 'llm' | 'cache' | 'catalog';
  /** `text` when the model did not answer in the requested JSON shape. */
  format: 'json' | 'text';
  explanation: Explanation;
  provider?: string;
  model?: string;
  usage?: TokenUsage;
  warning?: string;
}

/**
 * One line of the POST /entity/explain NDJSON stream.
 * @public
 */
export type ExplainChunk =
  | { type: 'delta'; text: string }
  | { type: 'done'; result: ExplainResult }
  | { type: 'error'; message: string };
