/**
 * Isomorphic types, permissions and pure logic of the runtime-security plugin.
 *
 * @packageDocumentation
 */
export * from './permissions';
export * from './api';

export * from './events/types';
export { eventId, hash64, type EventIdentity } from './events/eventId';
export { inferWorkload } from './events/normalize';
export type { NormalizeResult } from './events/normalize';
export {
  DEFAULT_MAX_LINE_BYTES,
  parseEventLine,
  createEventStreamParser,
  createLineSplitter,
  type ParseLineResult,
  type ParseOptions,
  type ParseStats,
  type EventStreamParser,
  type EventStreamParserOptions,
  type LineSplitter,
} from './events/parser';
export {
  ProcessCache,
  summarizeProcess,
  type ProcessCacheOptions,
  type ProcessSummary,
} from './events/processCache';

export * from './rules/types';
export { BUILTIN_RULES, isWriteAccess } from './rules/builtin';
export { DEFAULT_CLUSTER_CIDRS } from './rules/net';
export {
  createDetectionEngine,
  type DetectionEngine,
  type DetectionEngineOptions,
} from './rules/engine';
export {
  validateCustomRules,
  compileCustomRules,
  CustomRuleError,
  type CustomRuleMatch,
  type CustomRuleSpec,
} from './rules/custom';

export {
  FindingAggregator,
  findingKey,
  findingKeyParts,
  type Finding,
  type FindingAggregatorOptions,
  type FindingKeyParts,
  type FindingSample,
} from './findings/aggregator';
export {
  detectionFindingFields,
  detectionSample,
  type DetectionFindingFields,
} from './findings/fromDetection';

export {
  createSecurityAnalyzer,
  type SecurityAnalysis,
  type SecurityAnalyzer,
  type SecurityAnalyzerOptions,
} from './analyzer';

export {
  toPolicyReports,
  type PolicyReportApi,
  type PolicyReportOptions,
  type PolicyReportResource,
  type ReportResource,
  type ReportResult,
} from './reports/policyReport';
