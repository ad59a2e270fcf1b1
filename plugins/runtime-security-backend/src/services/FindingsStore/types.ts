import type {
  FindingSample,
  MitreTechnique,
  Severity,
  SkipReason,
} from '@periscope/backstage-plugin-runtime-security-common';

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
 * The evidence kept with a finding: the chosen sample event with its process
 * ancestry (root first) and the raw export line as JSON.
 * @public
 */
export interface StoredSample extends FindingSample {
  /** The Tetragon export object as received (absent when it was larger than the limit). */
  raw?: unknown;
}

/**
 * One finding: all events of one rule on one binary of one workload.
 * @public
 */
export interface StoredFinding {
  /** The finding key (16 hex characters, `findingKey` of the common package). */
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
 * A finding with its evidence.
 * @public
 */
export interface StoredFindingDetail extends StoredFinding {
  sample: StoredSample;
}

/**
 * One detection of one event, ready to be stored.
 * @public
 */
export interface DetectionRecord {
  findingId: string;
  rule: string;
  title: string;
  severity: Severity;
  mitre: MitreTechnique;
  remediation: string;
  outcome: 'observed' | 'blocked';
  cluster: string;
  namespace: string;
  workload: string;
  pod: string;
  binary: string;
  labels: Record<string, string>;
  eventId: string;
  /** Event time in ms since the epoch (the ingest time when the event has none). */
  timeMs: number;
  sample: StoredSample;
}

/**
 * Filters of {@link FindingsStore.list}.
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
 * One bucket of the findings-over-time series.
 * @public
 */
export interface TimelineBucket {
  /** Bucket start (ISO). */
  start: string;
  /** Events per severity in this bucket. */
  counts: Partial<Record<Severity, number>>;
}
