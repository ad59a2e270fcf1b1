/** The cluster side: server-side diff, apply, prune, readiness waits, inventory storage. */
export {
  ClusterDeployer,
  OWNER_NAME_LABEL,
  OWNER_NAMESPACE_LABEL,
  ownershipConflict,
  PRUNE_ANNOTATION,
  splitApiVersion,
  withOwnerLabels,
} from './apply';
export type { ApplyOptions, ApplyResult, Release } from './apply';
export { RawObjectApi } from './kubeApi';
export type { ObjectWatchOptions } from './kubeApi';
export { objectWatcher, waitForReadiness } from './readiness';
export type {
  ObjectWatcher,
  ReadinessSource,
  ReadinessWaitOptions,
} from './readiness';
export {
  decodeInstanceSecret,
  HISTORY_LIMIT,
  HISTORY_SECRET_TYPE,
  historySecretName,
  INSTANCE_DATA_KEY,
  INSTANCE_SECRET_TYPE,
  instanceRecord,
  instanceSecret,
  instanceSecretName,
  InstanceStore,
  RECORD_ATTEMPTS,
  TIMONI_FIELD_MANAGER,
} from './storage';
export type { Revision } from './storage';
