import { createPermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';

/**
 * Read an entity's runtime-security findings.
 * @public
 */
export const runtimeSecurityReadPermission = createPermission({
  name: 'runtime-security.findings.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Acknowledge a finding or mark it a false positive.
 * @public
 */
export const runtimeSecurityTriagePermission = createPermission({
  name: 'runtime-security.findings.triage',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Cluster-wide findings, policies and ingest health (platform page).
 * @public
 */
export const runtimeSecurityClusterReadPermission = createPermission({
  name: 'runtime-security.cluster.read',
  attributes: { action: 'read' },
});

/** @public */
export const runtimeSecurityPermissions = [
  runtimeSecurityReadPermission,
  runtimeSecurityTriagePermission,
  runtimeSecurityClusterReadPermission,
];
