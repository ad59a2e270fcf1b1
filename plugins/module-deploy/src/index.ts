/**
 * Periscope Deploy: Timoni module deploys on the entity page.
 * @packageDocumentation
 */
export { default } from './plugin';
export * from './plugin';
export {
  moduleDeployPlugin,
  EntityDeployContent,
  ModulesPage,
  modulesRouteRef,
} from './legacy';
export * from './api';
