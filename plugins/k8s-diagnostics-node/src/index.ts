/**
 * Live scans of a Kubernetes cluster for the k8s-diagnostics analyzers: a raw JSON client over
 * a kubeconfig (credentials from `@kubernetes/client-node`) and a scan that lists each kind the
 * analyzers need once. Shared by the k8s-diagnostics backend and the `periscope diagnose` CLI.
 *
 * @packageDocumentation
 */
export { createKubeHttp } from './client';
export { ClusterRequestError } from './clusterErrors';
export type { KubeHttp, BodySink } from './clientTypes';
export { scanCluster, ROW_FIRST_READS } from './scan';
export type { LiveScanOptions, LiveScanResult } from './scan';
export { readEventsOf, analyzeWithEvents } from './events';
export { fetchFailingPodLogs, isFailingPod } from './logs';
export type { PodLike } from './logs';
export { kindsToList } from './kinds';
export { customResourceInfos } from './customResources';
export { mapLimit } from './concurrency';
export { readObjectsInto } from './objectReads';
export { readRowObjects, rowObjectsOfTable } from './rowObjects';
export {
  canReadFailingPodsOnly,
  reportsPods,
  podRowsOfTable,
  podRowIsHealthy,
  planFullPods,
} from './podPrefilter';
export type { PodRow } from './podPrefilter';
export { readEvidence } from './evidence';
export { readContainerLog, LOG_LIMITS } from './containerLog';
export { podsOfObject } from './podsOfObject';
export { RESOURCES, apiPrefix, listPath } from './resources';
export type { ResourceInfo } from './resources';
export {
  decodeProtobufList,
  protobufListStream,
  protobufKinds,
  ProtoDecodeError,
} from './proto/decode';
export type { DecodedList, ProtobufListStream } from './proto/decode';
export {
  ROW_WORKLOAD_KINDS,
  canReadFailingWorkloadsOnly,
  workloadRowsOfTable,
} from './workloadPrefilter';
export type { RowWorkloadKind, WorkloadRow } from './workloadPrefilter';
