import { KubeObject } from './types';

/**
 * Kinds applied first, in this order (after fluxcd/pkg/ssa's `SortableUnstructureds`, which
 * Timoni uses). Kinds not listed follow, sorted by kind, namespace and name.
 *
 * @public
 */
export const APPLY_KIND_ORDER: readonly string[] = [
  'CustomResourceDefinition',
  'Namespace',
  'ClusterClass',
  'RuntimeClass',
  'PriorityClass',
  'StorageClass',
  'VolumeSnapshotClass',
  'IngressClass',
  'GatewayClass',
  'ResourceQuota',
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'LimitRange',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

/**
 * Kinds that must exist before other objects can be applied (server-side dry runs of
 * custom resources fail until their CRD is established; namespaced objects need their Namespace).
 *
 * @public
 */
export function isClusterDefinition(obj: Pick<KubeObject, 'kind'>): boolean {
  return obj.kind === 'CustomResourceDefinition' || obj.kind === 'Namespace';
}

function rank(kind: string): number {
  const i = APPLY_KIND_ORDER.indexOf(kind);
  return i < 0 ? APPLY_KIND_ORDER.length : i;
}

/**
 * Returns the objects sorted in apply order (stable); reverse it for deletion.
 *
 * @public
 */
export function sortForApply<T extends Pick<KubeObject, 'kind' | 'metadata'>>(
  objects: T[],
): T[] {
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => {
      const r = rank(a.o.kind) - rank(b.o.kind);
      if (r !== 0) return r;
      if (rank(a.o.kind) < APPLY_KIND_ORDER.length) return a.i - b.i;
      return (
        a.o.kind.localeCompare(b.o.kind) ||
        (a.o.metadata.namespace ?? '').localeCompare(
          b.o.metadata.namespace ?? '',
        ) ||
        a.o.metadata.name.localeCompare(b.o.metadata.name)
      );
    })
    .map(x => x.o);
}
