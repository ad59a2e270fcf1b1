import { createPermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';

/**
 * Read an entity's module instances, their values, diff previews and history.
 * @public
 */
export const moduleDeployReadPermission = createPermission({
  name: 'module-deploy.instance.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Deploy, roll back or delete an entity's module instances. Conditional decisions on the
 * catalog entity (e.g. `isEntityOwner`) let a platform team restrict it to owners.
 * @public
 */
export const moduleDeployApplyPermission = createPermission({
  name: 'module-deploy.instance.apply',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * List the modules available to deploy (platform page).
 * @public
 */
export const moduleDeployModulesReadPermission = createPermission({
  name: 'module-deploy.modules.read',
  attributes: { action: 'read' },
});

/** @public */
export const moduleDeployPermissions = [
  moduleDeployReadPermission,
  moduleDeployApplyPermission,
  moduleDeployModulesReadPermission,
];
