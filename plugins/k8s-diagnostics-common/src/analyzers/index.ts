import {
  configMapAnalyzer,
  hpaAnalyzer,
  networkPolicyAnalyzer,
  pdbAnalyzer,
} from './config';
import { cronJobAnalyzer, jobAnalyzer, pvcAnalyzer } from './batch';
import {
  mutatingWebhookAnalyzer,
  nodeAnalyzer,
  validatingWebhookAnalyzer,
} from './nodesAndWebhooks';
import { customResourceAnalyzer } from './customResource';
import {
  gatewayAnalyzer,
  gatewayClassAnalyzer,
  httpRouteAnalyzer,
} from './gateway';
import { jobFailuresAnalyzer } from './jobFailures';
import { logAnalyzer } from './log';
import { ingressAnalyzer, serviceAnalyzer } from './networking';
import { podAnalyzer } from './pod';
import { autoscalerRequestsAnalyzer, referencesAnalyzer } from './references';
import { containerStatesAnalyzer } from './containerStates';
import { probesAnalyzer } from './probes';
import { replicaFailuresAnalyzer } from './replicaFailures';
import { schedulingAnalyzer } from './scheduling';
import { securityAnalyzer } from './security';
import { storageAnalyzer } from './storage';
import { AnalyzerDefinition } from './types';
import {
  daemonSetAnalyzer,
  deploymentAnalyzer,
  replicaSetAnalyzer,
  statefulSetAnalyzer,
} from './workloads';

/**
 * Every analyzer, in k8sgpt's registry order (core, then additional), then Periscope's.
 *
 * @public
 */
export const ANALYZERS: readonly AnalyzerDefinition[] = [
  podAnalyzer,
  daemonSetAnalyzer,
  deploymentAnalyzer,
  replicaSetAnalyzer,
  pvcAnalyzer,
  serviceAnalyzer,
  ingressAnalyzer,
  statefulSetAnalyzer,
  jobAnalyzer,
  cronJobAnalyzer,
  nodeAnalyzer,
  validatingWebhookAnalyzer,
  mutatingWebhookAnalyzer,
  configMapAnalyzer,
  hpaAnalyzer,
  pdbAnalyzer,
  networkPolicyAnalyzer,
  logAnalyzer,
  gatewayClassAnalyzer,
  gatewayAnalyzer,
  httpRouteAnalyzer,
  storageAnalyzer,
  securityAnalyzer,
  customResourceAnalyzer,
  referencesAnalyzer,
  schedulingAnalyzer,
  autoscalerRequestsAnalyzer,
  jobFailuresAnalyzer,
  replicaFailuresAnalyzer,
  probesAnalyzer,
  containerStatesAnalyzer,
];

/**
 * The 14 analyzers k8sgpt runs when no filter is given.
 *
 * @public
 */
export const K8SGPT_CORE_ANALYZERS: readonly string[] = ANALYZERS.filter(
  a => a.fromK8sgpt && a.enabledByDefault,
).map(a => a.name);

export type { AnalyzerDefinition, AnalyzerContext, RawResult } from './types';
export { logKey, firstErrorLine } from './log';
export { addConfigMapRefs } from './config';
export { REFERENCED_KINDS } from './references';
