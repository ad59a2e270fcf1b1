/**
 * The Security API's wire types, shared by the backend (which produces them) and the frontend
 * (which reads them).
 */
import type { FindingSample } from './findings/aggregator';
import type { MitreTechnique, Severity } from './rules/types';
import type { SkipReason, TetragonEventType } from './events/types';

/**
 * Triage decision on a finding; kept when the same finding is ingested again.
 * @public
 */
export type TriageState = 'open' | 'acknowledged' | 'false-positive';

/**
 * Who triaged a finding, why and when.
 * @public
 */
export interface FindingTriage {
  state: TriageState;
  by?: string;
  reason?: string;
  at?: string;
}

/**
 * The evidence kept with a finding: the chosen sample event with its process ancestry (root
 * first) and the raw export line as JSON.
 * @public
 */
export interface SecurityFindingSample extends FindingSample {
  /** The Tetragon export object as received (absent when it was larger than the limit). */
  raw?: unknown;
}

/**
 * One finding: all events of one rule on one binary of one workload.
 * @public
 */
export interface SecurityFinding {
  /** The finding key (16 hex characters, `findingKey`). */
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  mitre: MitreTechnique;
  remediation: string;
  outcome: 'observed' | 'blocked';
  cluster: string;
  namespace: string;
  workload: string;
  pod: string;
  binary: string;
  /** Pod labels of the sample event (used to map findings to catalog entities). */
  labels: Record<string, string>;
  /** Distinct events (event ids) counted; a replayed event never counts twice. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The Tetragon policy of the sample event, for probe events. */
  policy?: string;
  triage: FindingTriage;
}

/**
 * A finding with its evidence (GET /entity/findings/:id).
 * @public
 */
export interface SecurityFindingDetail extends SecurityFinding {
  sample: SecurityFindingSample;
}

/**
 * Why a source or cluster could not deliver.
 * @public
 */
export interface SecurityClusterError {
  cluster: string;
  errorType: string;
  message: string;
}

/**
 * What an entity's Security tab shows (GET /entity).
 * @public
 */
export interface EntitySecurity {
  entityRef: string;
  status: 'ok' | 'not-configured' | 'not-annotated';
  labelSelector?: string;
  namespace?: string;
  /** One page of the entity's findings, the most severe and recent first (GET /entity `limit`, `offset`). */
  findings: SecurityFinding[];
  /** Present when more findings match: the `offset` of the next page. */
  nextOffset?: number;
  /**
   * Open findings of the entity (triage state `open`: neither acknowledged nor false positive)
   * per severity, over all of its findings, not only this page; severities without any left out.
   * Absent from backends older than this field: count the loaded findings then.
   */
  openCounts?: Partial<Record<Severity, number>>;
  /** All findings of the entity, in every triage state (`findings` is one page of them); absent as above. */
  total?: number;
  /** Ingest sources with an error (findings may be incomplete). */
  errors: SecurityClusterError[];
}

/**
 * One bucket of the findings-over-time series.
 * @public
 */
export interface TimelineBucket {
  /** Bucket start (ISO). */
  start: string;
  /** Events per severity in this bucket. */
  counts: Partial<Record<Severity, number>>;
}

/**
 * Findings over time of one entity (GET /entity/timeline).
 * @public
 */
export interface EntityTimeline {
  entityRef: string;
  bucket: 'hour' | 'day';
  buckets: TimelineBucket[];
}

/**
 * Query of the cluster-wide findings list (GET /findings).
 * @public
 */
export interface FindingsQuery {
  severity?: Severity[];
  triage?: TriageState[];
  namespace?: string;
  cluster?: string;
  rule?: string;
  q?: string;
}

/**
 * Counters of one ingest source.
 * @public
 */
export interface SourceStats {
  id: string;
  kind: 'kubernetes' | 'file' | 'http';
  /** Lines received (including skipped). */
  linesTotal: number;
  eventsTotal: number;
  detectionsTotal: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** Events per second over the last ingest interval. */
  eventsPerSecond: number;
  /** Time of the newest event ingested. */
  lastEventTime?: string;
  /** When the source last delivered anything. */
  lastIngestAt?: string;
  /** Ingest time minus event time of the newest event, in ms. */
  lagMs?: number;
  /** The last error of this source, cleared by the next success. */
  error?: string;
  updatedAt: string;
}

/**
 * Ingest health, one row per source (GET /ingest/health).
 * @public
 */
export interface IngestHealth {
  sources: SourceStats[];
  /** Lines waiting in the POST /ingest queue of this replica. */
  queuedLines: number;
}

/**
 * One TracingPolicy or TracingPolicyNamespaced of a cluster.
 * @public
 */
export interface TracingPolicySummary {
  cluster: string;
  kind: 'TracingPolicy' | 'TracingPolicyNamespaced';
  name: string;
  namespace?: string;
  /** `enforcement` when any selector has a Sigkill / Override / NotifyEnforcer action, else `monitoring`. */
  mode: 'enforcement' | 'monitoring';
  /** Hook sections present (kprobes, tracepoints, lsmhooks, uprobes, usdts). */
  hooks: string[];
  /** Kernel functions / tracepoints / symbols hooked. */
  calls: string[];
  /** Findings whose sample event came from this policy. */
  findings: number;
  /** Its matches over the last `runtimeSecurity.enforcement.windowDays` days (absent when the store was not read). */
  matches?: PolicyMatches;
  /** Whether it can be proposed for enforcement, and why not (absent for an enforcing policy). */
  enforcement?: EnforcementCandidacy;
}

/**
 * The matches of one rule of one policy over the window.
 * @public
 */
export interface PolicyRuleMatches {
  rule: string;
  title: string;
  /** Events counted in the window. */
  hits: number;
  /** Findings by triage state. */
  open: number;
  acknowledged: number;
  falsePositive: number;
  /** `namespace/workload` of each finding (distinct). */
  workloads: string[];
  /** Kernel functions of the sample events (the policy's hooks that matched). */
  calls: string[];
  /** Events per day (UTC), oldest first; days without events left out. */
  days: Array<{ start: string; hits: number }>;
}

/**
 * A policy's matches over the window: hits per day, per rule, the workloads and the triage.
 * @public
 */
export interface PolicyMatches {
  windowDays: number;
  hits: number;
  /** Findings by triage state. */
  open: number;
  acknowledged: number;
  falsePositive: number;
  /** `namespace/workload` of each finding; `unmapped` those no catalog entity claims. */
  workloads: string[];
  unmapped: string[];
  rules: PolicyRuleMatches[];
  /** Events per day (UTC), oldest first; days without events left out. */
  days: Array<{ start: string; hits: number }>;
}

/**
 * Whether a monitoring policy may be proposed for enforcement.
 * @public
 */
export interface EnforcementCandidacy {
  eligible: boolean;
  /** Why not (each names what to do), empty when eligible. */
  reasons: string[];
}

/**
 * The enforcing actions a proposal may set.
 * @public
 */
export type EnforcementAction = 'Sigkill' | 'Override';

/**
 * Body of `POST /policies/enforcement`.
 * @public
 */
export interface EnforcementRequest {
  cluster: string;
  /** The namespace of a TracingPolicyNamespaced. */
  namespace: string;
  name: string;
  action: EnforcementAction;
}

/**
 * One probe whose action the proposal changes.
 * @public
 */
export interface EnforcementChange {
  /** The module value set, e.g. `actions.files`. */
  value: string;
  /** The hook, e.g. `kprobe security_file_permission`. */
  hook: string;
  from: string;
  to: EnforcementAction;
  /** Findings of this probe in the window (all acknowledged or false positive). */
  findings: number;
}

/**
 * Answer of `POST /policies/enforcement`: the values change to deploy through module-deploy
 * (`POST /api/module-deploy/instances/preview|deploy` with `target` and `values`).
 * @public
 */
export interface EnforcementProposal {
  policy: TracingPolicySummary;
  target: {
    module: string;
    instanceName: string;
    namespace: string;
    clusters: string[];
    /** The entity that deployed the instance (omitted when its entity declares another module). */
    entityRef?: string;
  };
  /** The instance's values now, as read from the live policy. */
  currentValues: Record<string, unknown>;
  /** The values to deploy: `currentValues` with the changed probes' actions. */
  values: Record<string, unknown>;
  changes: EnforcementChange[];
}

/**
 * Events whose type or fields this version does not parse, kept per source (GET /unknown-events).
 * @public
 */
export interface UnknownEventSummary {
  source: string;
  cluster?: string;
  /** `type`: an event type not parsed (Enterprise-only, newer, legacy); `field`: a field the model does not know. */
  kind: 'type' | 'field';
  /** The event key (`process_connect`) or field path (`process_kprobe.kernel_stack_trace`). */
  name: string;
  /** Lines received with it (a replayed stream counts again, as ingest health does). */
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The latest such event as received (absent when it was larger than the limit). */
  sample?: unknown;
}

/**
 * Answer of GET /unknown-events.
 * @public
 */
export interface UnknownEventsResponse {
  events: UnknownEventSummary[];
}

/**
 * A rule that needs probe events no installed policy emits.
 * @public
 */
export interface UnfedRule {
  rule: string;
  title: string;
  eventTypes: TetragonEventType[];
}

/**
 * Answer of GET /policies.
 * @public
 */
export interface PoliciesResponse {
  policies: TracingPolicySummary[];
  /** Clusters where the cilium.io TracingPolicy CRDs are not installed (404). */
  notInstalled: string[];
  unfedRules: UnfedRule[];
  errors: SecurityClusterError[];
}
