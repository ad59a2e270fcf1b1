/**
 * The FindingsStore's interface and the shapes it stores: findings, their events, triage, per-source
 * ingest state and unknown event types.
 */
import type {
  FindingTriage,
  SecurityFinding,
  SecurityFindingDetail,
  SecurityFindingSample,
  Severity,
  SourceStats,
  TimelineBucket,
  TriageState,
  UnknownEventSummary,
} from '@periscope/backstage-plugin-runtime-security-common';

export type {
  FindingTriage,
  SourceStats,
  TimelineBucket,
  TriageState,
} from '@periscope/backstage-plugin-runtime-security-common';

/**
 * The evidence kept with a finding (the wire shape, stored as is).
 * @public
 */
export type StoredSample = SecurityFindingSample;

/**
 * One finding as stored and as served.
 * @public
 */
export type StoredFinding = SecurityFinding;

/**
 * A finding with its evidence.
 * @public
 */
export type StoredFindingDetail = SecurityFindingDetail;

/**
 * One detection of one event, ready to be stored.
 * @public
 */
export interface DetectionRecord
  extends Pick<
    SecurityFinding,
    | 'rule'
    | 'title'
    | 'severity'
    | 'mitre'
    | 'remediation'
    | 'outcome'
    | 'cluster'
    | 'namespace'
    | 'workload'
    | 'pod'
    | 'binary'
    | 'labels'
  > {
  findingId: string;
  eventId: string;
  /** Event time in ms since the epoch (the ingest time when the event has none). */
  timeMs: number;
  sample: StoredSample;
}

/**
 * Filters of `FindingsStore.list`.
 * @public
 */
export interface FindingFilter {
  namespace?: string;
  namespaces?: string[];
  cluster?: string;
  severity?: Severity[];
  rule?: string;
  triage?: TriageState[];
  policy?: string;
  /** Case-insensitive text in title, rule, binary, workload or pod. */
  search?: string;
  limit?: number;
  offset?: number;
}

/**
 * Which findings `FindingsStore.severityCounts` counts: the namespace and cluster filters of
 * {@link FindingFilter}, and `workload` for what SQL does not match (an entity's label selector).
 * @public
 */
export interface FindingCountFilter
  extends Pick<FindingFilter, 'namespace' | 'namespaces' | 'cluster'> {
  /**
   * Keeps the findings of a workload (its namespace and pod labels); asked once per distinct
   * (namespace, labels) group, never per finding. Absent: every finding the filters keep.
   */
  workload?: (w: {
    namespace: string;
    labels: Record<string, string>;
  }) => boolean;
}

/** What {@link FindingsStore.severityCounts} counted. */
export interface FindingCounts {
  /** Findings counted, in every triage state. */
  total: number;
  /** Open findings (triage state `open`, neither acknowledged nor false positive) per severity; severities without any left out. */
  open: Partial<Record<Severity, number>>;
}

/** What {@link FindingsStore.ingest} stored. */
export interface IngestOutcome {
  /** (finding, event) pairs the store did not have yet. */
  newEvents: number;
  /** Findings the batch touched. */
  findings: number;
  /** Findings that had no stored event before this call, each with its most severe record. */
  newFindings: DetectionRecord[];
}

/** One unknown event type or field of a batch, as {@link FindingsStore.recordUnknown} takes it. */
export interface UnknownEntry {
  kind: 'type' | 'field';
  name: string;
  count: number;
  sample?: string;
  timeMs: number;
  cluster?: string;
}

/** A finding of a TracingPolicy with its events in a window, as the policy page reads them. */
export interface PolicyMatchRow {
  finding: StoredFinding;
  hits: number;
  call?: string;
  days: Array<{ dayMs: number; hits: number }>;
}

/**
 * Findings, the events counted for each, triage state and per-source ingest state, in the
 * plugin's database (SQLite or PostgreSQL).
 *
 * Ingest is idempotent: every (finding, event id) pair is one row with a unique key, inserted with
 * ON CONFLICT DO NOTHING, and counts, first/last seen and severity are recomputed from those rows
 * in one statement. A replayed stream, a restart that re-reads a window, or two replicas reading
 * the same source never count an event twice.
 */
export interface FindingsStore {
  /**
   * Stores detections. Returns how many (finding, event) pairs were new, and the findings this
   * call created: those that had no stored event before it (judged from the stored rows under the
   * finding locks, never from the batch), each with its most severe record. A replayed stream, or
   * a second replica storing the same events, creates none.
   */
  ingest(records: DetectionRecord[]): Promise<IngestOutcome>;
  /** Findings matching the filter, most severe and most recent first. */
  list(filter?: FindingFilter): Promise<StoredFinding[]>;
  /**
   * How many findings the filter keeps, and the open ones per severity: grouped counts (by
   * namespace, labels, severity and triage state) read a page of groups at a time, so it holds
   * no finding rows however many match.
   */
  severityCounts(filter?: FindingCountFilter): Promise<FindingCounts>;
  /** One finding with its sample (ancestry and raw event), or undefined. */
  get(id: string): Promise<StoredFindingDetail | undefined>;
  /** Sets the triage state; ingest never changes it. Throws NotFoundError for an unknown id. */
  triage(
    id: string,
    triage: Required<Pick<FindingTriage, 'state' | 'by' | 'at'>> & {
      reason?: string;
    },
  ): Promise<void>;
  /** Events over time of the given findings, bucketed, per severity of the event. */
  timeline(
    findingIds: string[],
    options: { sinceMs: number; bucketMs: number },
  ): Promise<TimelineBucket[]>;
  /** Finding counts per policy name (the Tetragon policy of the sample events). */
  countsByPolicy(): Promise<Map<string, number>>;
  /** Finding counts per rule id. */
  countsByRule(): Promise<Map<string, number>>;
  /**
   * Findings of policies with events since `sinceMs`: each with its events in the window (hits)
   * and per day (UTC). For the policy page's matches and enforcement candidacy.
   */
  policyMatches(sinceMs: number): Promise<{ findings: PolicyMatchRow[] }>;
  /**
   * Counts unknown event types and fields of one source and keeps the latest raw event of each:
   * at most `MAX_UNKNOWN_PER_SOURCE` names per source (more are counted in no row, and the
   * answer says how many were dropped).
   */
  recordUnknown(
    source: string,
    entries: UnknownEntry[],
  ): Promise<{ dropped: number }>;
  /** Unknown event types and fields of every source, most recent first. */
  listUnknown(limit?: number): Promise<UnknownEventSummary[]>;
  /**
   * Deletes events older than `cutoffMs` and findings with no event left,
   * then recomputes the counts of findings that lost events.
   */
  enforceRetention(
    cutoffMs: number,
  ): Promise<{ events: number; findings: number }>;
  /**
   * The stored checkpoint of a source (undefined when it never ran). A corrupt checkpoint is
   * undefined too: the source starts over, and ingest is idempotent (an event read twice counts once).
   */
  getCheckpoint<T>(sourceId: string): Promise<T | undefined>;
  /** Saves a source's stats and (when given) its checkpoint. */
  saveSource(stats: SourceStats, checkpoint?: unknown): Promise<void>;
  /** Stats of every source that ever reported. */
  listSources(): Promise<SourceStats[]>;
  /** Stats of one source. */
  getSource(id: string): Promise<SourceStats | undefined>;
}
