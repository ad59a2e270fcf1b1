import type {
  SecurityFinding,
  SecurityFindingDetail,
  SecurityFindingSample,
  Severity,
  TriageState,
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
