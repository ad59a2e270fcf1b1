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

/**
 * Post Tetragon events to `POST /ingest` as a Backstage service principal (e.g. an external
 * access token restricted to this permission).
 * @public
 */
export const runtimeSecurityIngestPermission = createPermission({
  name: 'runtime-security.events.ingest',
  attributes: { action: 'create' },
});

/**
 * Propose a monitoring TracingPolicy for enforcement (`POST /policies/enforcement`): a platform
 * permission; the deploy itself is checked by module-deploy's own apply permission.
 * @public
 */
export const runtimeSecurityEnforcePermission = createPermission({
  name: 'runtime-security.policies.enforce',
  attributes: { action: 'update' },
});

/** @public */
export const runtimeSecurityPermissions = [
  runtimeSecurityIngestPermission,
  runtimeSecurityReadPermission,
  runtimeSecurityTriagePermission,
  runtimeSecurityClusterReadPermission,
  runtimeSecurityEnforcePermission,
];
