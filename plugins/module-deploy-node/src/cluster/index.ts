/** The cluster side: server-side diff, apply, prune, readiness waits, inventory storage. */
export { ClusterDeployer, splitApiVersion } from './apply';
export {
  decodeInstanceSecret,
  INSTANCE_DATA_KEY,
  INSTANCE_SECRET_TYPE,
  instanceRecord,
  instanceSecret,
  instanceSecretName,
  TIMONI_FIELD_MANAGER,
} from './instanceSecret';
export { RawObjectApi } from './kubeApi';
export type { ObjectWatchOptions } from './kubeApi';
export {
  OWNER_NAME_LABEL,
  OWNER_NAMESPACE_LABEL,
  ownershipConflict,
  withOwnerLabels,
} from './ownership';
export { PRUNE_ANNOTATION } from './prune';
export { objectWatcher, waitForReadiness } from './readiness';
export type {
  ObjectWatcher,
  ReadinessSource,
  ReadinessWaitOptions,
} from './readiness';
export {
  HISTORY_LIMIT,
  HISTORY_SECRET_TYPE,
  historySecretName,
  RECORD_ATTEMPTS,
} from './revisionHistory';
export type { Revision } from './revisionHistory';
export { InstanceStore } from './storage';
export type { ApplyOptions, ApplyResult, Release } from './types';
