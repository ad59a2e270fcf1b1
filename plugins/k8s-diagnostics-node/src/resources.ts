/** Where each kind the analyzers read is served by the API server. @public */
export interface ResourceInfo {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** List only metadata (`PartialObjectMetadataList`): existence is all the analyzers need. */
  metadataOnly?: boolean;
  /** An API that may not be installed (a 404 then means "none"). */
  optional?: boolean;
}

const r = (
  kind: string,
  groupVersion: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceInfo> = {},
): ResourceInfo => {
  const [group, version] = groupVersion.includes('/')
    ? groupVersion.split('/')
    : ['', groupVersion];
  return { kind, group, version, plural, namespaced, ...extra };
};

/** The built-in kinds the analyzers read. @public */
export const RESOURCES: Record<string, ResourceInfo> = Object.fromEntries(
  [
    r('Pod', 'v1', 'pods', true),
    r('Event', 'v1', 'events', true),
    r('Service', 'v1', 'services', true),
    r('Endpoints', 'v1', 'endpoints', true),
    r('ConfigMap', 'v1', 'configmaps', true),
    r('Secret', 'v1', 'secrets', true, { metadataOnly: true }),
    r('PersistentVolumeClaim', 'v1', 'persistentvolumeclaims', true),
    r('ServiceAccount', 'v1', 'serviceaccounts', true, { metadataOnly: true }),
    r('ReplicationController', 'v1', 'replicationcontrollers', true),
    r('LimitRange', 'v1', 'limitranges', true),
    r('Node', 'v1', 'nodes', false),
    r('PersistentVolume', 'v1', 'persistentvolumes', false),
    r('Deployment', 'apps/v1', 'deployments', true),
    r('ReplicaSet', 'apps/v1', 'replicasets', true),
    r('DaemonSet', 'apps/v1', 'daemonsets', true),
    r('StatefulSet', 'apps/v1', 'statefulsets', true),
    r('Job', 'batch/v1', 'jobs', true),
    r('CronJob', 'batch/v1', 'cronjobs', true),
    r('Ingress', 'networking.k8s.io/v1', 'ingresses', true),
    r('IngressClass', 'networking.k8s.io/v1', 'ingressclasses', false),
    r('NetworkPolicy', 'networking.k8s.io/v1', 'networkpolicies', true),
    r('StorageClass', 'storage.k8s.io/v1', 'storageclasses', false),
    r('PriorityClass', 'scheduling.k8s.io/v1', 'priorityclasses', false, {
      metadataOnly: true,
    }),
    r('RuntimeClass', 'node.k8s.io/v1', 'runtimeclasses', false, {
      metadataOnly: true,
    }),
    r(
      'HorizontalPodAutoscaler',
      'autoscaling/v2',
      'horizontalpodautoscalers',
      true,
    ),
    r('PodDisruptionBudget', 'policy/v1', 'poddisruptionbudgets', true),
    r(
      'ValidatingWebhookConfiguration',
      'admissionregistration.k8s.io/v1',
      'validatingwebhookconfigurations',
      false,
    ),
    r(
      'MutatingWebhookConfiguration',
      'admissionregistration.k8s.io/v1',
      'mutatingwebhookconfigurations',
      false,
    ),
    r('Role', 'rbac.authorization.k8s.io/v1', 'roles', true),
    r('RoleBinding', 'rbac.authorization.k8s.io/v1', 'rolebindings', true),
    r('GatewayClass', 'gateway.networking.k8s.io/v1', 'gatewayclasses', false, {
      optional: true,
    }),
    r('Gateway', 'gateway.networking.k8s.io/v1', 'gateways', true, {
      optional: true,
    }),
    r('HTTPRoute', 'gateway.networking.k8s.io/v1', 'httproutes', true, {
      optional: true,
    }),
    r(
      'CustomResourceDefinition',
      'apiextensions.k8s.io/v1',
      'customresourcedefinitions',
      false,
    ),
  ].map(info => [info.kind, info]),
);

/** `/api/v1` or `/apis/<group>/<version>`. @public */
export function apiPrefix(
  info: Pick<ResourceInfo, 'group' | 'version'>,
): string {
  return info.group === ''
    ? `/api/${info.version}`
    : `/apis/${info.group}/${info.version}`;
}

/** The list URL path of a resource, in one namespace or across all. @public */
export function listPath(info: ResourceInfo, namespace?: string): string {
  const ns =
    info.namespaced && namespace
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
  return `${apiPrefix(info)}${ns}/${info.plural}`;
}
