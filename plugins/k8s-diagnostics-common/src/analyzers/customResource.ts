import { Condition } from '../kinds';
import { KubeObject } from '../model';
import { isClusterScoped } from '../snapshot';
import { AnalyzerDefinition, RawResult, nameOf, nsName } from './types';

/** Kinds with their own analyzer, or whose conditions are reported by one. */
const BUILT_IN_KINDS = new Set([
  'Pod',
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'StatefulSet',
  'Job',
  'CronJob',
  'Service',
  'Endpoints',
  'EndpointSlice',
  'Ingress',
  'IngressClass',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
  'Node',
  'Namespace',
  'ConfigMap',
  'Secret',
  'Event',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ReplicationController',
  'GatewayClass',
  'Gateway',
  'HTTPRoute',
  'CustomResourceDefinition',
  'APIService',
  'Lease',
  'ControllerRevision',
  'PodTemplate',
  'LimitRange',
  'ResourceQuota',
  'PriorityClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'RuntimeClass',
  'ComponentStatus',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
]);

const WATCHED_TYPES = ['Ready', 'Available'];

/**
 * Periscope addition: any other kind (custom resources) whose status.conditions has
 * Ready=False or Available=False. One failure per such condition.
 */
export const customResourceAnalyzer: AnalyzerDefinition = {
  name: 'CustomResource',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: [],
  description: 'Custom resources whose Ready or Available condition is False.',
  analyze: ctx => {
    const results: RawResult[] = [];
    for (const kind of Object.keys(ctx.index.snapshot.objects)) {
      if (BUILT_IN_KINDS.has(kind)) continue;
      for (const obj of ctx.select<KubeObject>(kind)) {
        const conditions = ((
          obj.status as { conditions?: Condition[] } | undefined
        )?.conditions ?? []) as Condition[];
        if (!Array.isArray(conditions)) continue;
        const failures = conditions
          .filter(
            c => WATCHED_TYPES.includes(c.type ?? '') && c.status === 'False',
          )
          .map(c => {
            const where = isClusterScoped(obj) ? nameOf(obj) : nsName(obj);
            return ctx.failure(
              `${kind} ${where} has condition ${c.type}=False, reason ${
                c.reason ?? ''
              }: ${c.message ?? ''}`,
              c.type === 'Ready' ? 'high' : 'medium',
              [nameOf(obj), obj.metadata?.namespace],
            );
          });
        if (failures.length > 0) {
          results.push({
            kind,
            name: isClusterScoped(obj) ? nameOf(obj) : nsName(obj),
            object: obj,
            failures,
          });
        }
      }
    }
    return results;
  },
};
