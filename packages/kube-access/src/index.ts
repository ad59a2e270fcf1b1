/**
 * Shared cluster access for the Periscope plugins: which clusters there are and how to reach them
 * (Backstage's Kubernetes config and auth strategies), which workloads an entity owns, per-cluster
 * failures as data, and the small route and store helpers the three backends share.
 * @packageDocumentation
 */
export { withEntityLookupCache } from './catalogCache';
export type { EntityLookupCacheOptions } from './catalogCache';
export {
  validateClusterConfig,
  readClusters,
  kubeConfigFor,
  loadKubeConfigFile,
  kubernetesConfigFromKubeconfig,
} from './clusters';
export type { ClusterDetails } from './clusters';
export {
  CLIENT_SIDE_AUTH_PROVIDERS,
  ClusterCredentialError,
  createAuthStrategies,
  createClusterSource,
  staticClusterSource,
  toClusterSource,
  KUBERNETES_AUTH_HEADER,
  readKubernetesRequestAuth,
  summarizeClusters,
  periscopeClustersServiceRef,
} from './clusterSource';
export type { ClusterSource, ClusterSummary } from './clusterSource';
export { classifyClusterError, fanOutClusters } from './errors';
export type { ClusterErrorType, ClusterError } from './errors';
export {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
  readWorkloadSelectorOptions,
  inSelectorNamespace,
  workloadSelectorFor,
  matchesLabelSelector,
} from './entity';
export type { WorkloadSelector, WorkloadSelectorOptions } from './entity';
export {
  applyPluginMigrations,
  createTableIfMissing,
  addColumnIfMissing,
} from './migrations';
export type { PluginMigration } from './migrations';
export { createNdjsonWriter } from './ndjson';
export type { NdjsonResponse, NdjsonWriter } from './ndjson';
export {
  parseEntityRefParam,
  parseIntParam,
  authorizeEntity,
  authorizeBasic,
  sendJsonWithEtag,
} from './routing';
