/**
 * Backend of the runtime-security plugin.
 * @packageDocumentation
 */
export { runtimeSecurityPlugin as default } from './plugin';
export type {
  EntitySecurity,
  EntityTimeline,
  IngestHealth,
  SecurityService,
} from './services/SecurityService';
export type {
  DetectionRecord,
  FindingFilter,
  FindingTriage,
  SourceStats,
  StoredFinding,
  StoredFindingDetail,
  StoredSample,
  TimelineBucket,
  TriageState,
} from './services/FindingsStore';
export type {
  PoliciesResponse,
  TracingPolicySummary,
  UnfedRule,
} from './services/PolicyService';
