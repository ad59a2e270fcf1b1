/**
 * Periscope Deploy: Timoni module deploys on the entity page.
 * @packageDocumentation
 */
export { default } from './plugin';
export * from './plugin';
export { moduleDeployPlugin, EntityDeployContent, ModulesPage } from './legacy';
export { createComponentExternalRouteRef, modulesRouteRef } from './routes';
export { DeployIcon } from './icons';
export * from './api';
/**
 * Where the Deploy tab applies (a legacy EntityPage's `EntitySwitch.Case if={isDeployAvailable}`):
 * the entity names a module (`periscope.dev/module`).
 * @public
 */
export { isModuleDeployAvailable as isDeployAvailable } from '@periscope/periscope-react';
