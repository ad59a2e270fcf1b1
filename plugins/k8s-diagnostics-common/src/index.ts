/**
 * Periscope diagnostics: k8sgpt's analyzers as pure functions over Kubernetes objects, the
 * input model, object parsing and k8sgpt-compatible output.
 *
 * @packageDocumentation
 */

export type {
  AnalysisReport,
  AnalysisResult,
  AnalyzeOptions,
  ClusterSnapshot,
  ExistingObject,
  Failure,
  KubeObject,
  ObjectMeta,
  ObjectRef,
  OwnerReference,
  RelatedEvent,
  SensitiveString,
  Severity,
} from './model';
export { SEVERITIES } from './model';
export {
  analyze,
  inputKindsFor,
  resolveAnalyzers,
  UnknownAnalyzerError,
} from './analyze';
export {
  ANALYZERS,
  K8SGPT_CORE_ANALYZERS,
  REFERENCED_KINDS,
  logKey,
  firstErrorLine,
  addConfigMapRefs,
} from './analyzers';
export type {
  AnalyzerDefinition,
  AnalyzerContext,
  RawResult,
} from './analyzers';
export { createSnapshot, CLUSTER_SCOPED_KINDS } from './snapshot';
export { parseObjects, ObjectParseError } from './parse';
export {
  parseLabelSelector,
  matchesRequirements,
  LabelSelectorSyntaxError,
} from './selector';
export type { LabelRequirement } from './selector';
export { cronScheduleError } from './cron';
export { referenceExplanation } from './remediation';
export { buildEvidence } from './evidence';
export type { EvidenceInput } from './evidence';
export { containersOf } from './evidenceContainers';
export { failingContainer, logToRead, pickFailingPod } from './failingPod';
export { missingReferencesIn } from './missingReferences';
export { describeExit, evidenceFacts } from './evidenceFacts';
export type {
  ContainerEvidence,
  ContainerLogEvidence,
  ContainerLogResponse,
  ContainerStateEvidence,
  FindingEvidence,
  FindingEvidenceResponse,
  MissingReference,
  ProbeEvidence,
} from './evidenceModel';
export { evidenceRemediation } from './evidenceRemediation';
export type { EvidenceRemediation } from './evidenceRemediation';
export { toK8sgptJson, formatGoJson, formatText } from './output';
export type {
  K8sgptJsonOutput,
  K8sgptResult,
  K8sgptFailure,
  K8sgptSensitive,
} from './output';
export type * from './api';
export * from './permissions';
