// The wire types live in -common so the frontend reads exactly what the backend writes.
export type {
  ClusterErrorInfo,
  ClusterFindings,
  ClusterFindingsFilter,
  EntityHealth,
  ExplainChunk,
  ExplainResult,
  Explanation,
  HealthFinding,
  HistoryPoint,
  TokenUsage,
  WorkloadFindings,
  WorkloadSummary,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';

import type { HistoryPoint } from '@periscope/backstage-plugin-k8s-diagnostics-common';

/**
 * One page of an entity's scan history (GET /entity/history): the scans after the newest
 * `offset`, oldest first as the chart draws them.
 * @public
 */
export interface EntityHealthHistory {
  entityRef: string;
  history: HistoryPoint[];
  /** Present when older scans are stored: the `offset` of the next (older) page. */
  nextOffset?: number;
}
