import { createPermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';

/**
 * Read an entity's Kubernetes health findings. A resource permission on the catalog entity,
 * so policies can condition it (e.g. on ownership).
 * @public
 */
export const k8sDiagnosticsReadPermission = createPermission({
  name: 'k8s-diagnostics.findings.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Ask the LLM to explain a finding (spends tokens, sends masked data out).
 * @public
 */
export const k8sDiagnosticsExplainPermission = createPermission({
  name: 'k8s-diagnostics.findings.explain',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read the cluster-wide findings view (platform teams). An entity's own rescan needs only
 * {@link k8sDiagnosticsReadPermission} on that entity.
 * @public
 */
export const k8sDiagnosticsClusterReadPermission = createPermission({
  name: 'k8s-diagnostics.cluster.read',
  attributes: { action: 'read' },
});

/** @public */
export const k8sDiagnosticsPermissions = [
  k8sDiagnosticsReadPermission,
  k8sDiagnosticsExplainPermission,
  k8sDiagnosticsClusterReadPermission,
];
