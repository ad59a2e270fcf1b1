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
