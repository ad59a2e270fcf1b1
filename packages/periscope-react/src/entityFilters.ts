import { Entity } from '@backstage/catalog-model';
import {
  KUBERNETES_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_QUERY_ANNOTATION,
} from '@backstage/plugin-kubernetes-common';
import { MODULE_ANNOTATION } from '@periscope/backstage-plugin-module-deploy-common';

/**
 * Whether an entity is linked to Kubernetes workloads: the same test as the Kubernetes plugin's
 * `isKubernetesAvailable` (`backstage.io/kubernetes-id` or
 * `backstage.io/kubernetes-label-selector`). The Health and Security tabs and cards show only
 * where it holds.
 * @public
 */
export function isKubernetesAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return (
    Boolean(annotations[KUBERNETES_ANNOTATION]) ||
    Boolean(annotations[KUBERNETES_LABEL_SELECTOR_QUERY_ANNOTATION])
  );
}

/**
 * Whether an entity names a module to deploy (`periscope.dev/module`): where the Deploy tab shows.
 * @public
 */
export function isModuleDeployAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[MODULE_ANNOTATION]);
}

/**
 * Whether any Periscope tab applies to an entity: where the Timeline tab shows.
 * @public
 */
export function isPeriscopeAvailable(entity: Entity): boolean {
  return isKubernetesAvailable(entity) || isModuleDeployAvailable(entity);
}
