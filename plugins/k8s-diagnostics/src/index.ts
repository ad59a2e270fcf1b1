/**
 * Periscope Health: Kubernetes diagnostics on the entity page.
 * @packageDocumentation
 */
export { default } from './plugin';
export * from './plugin';
export {
  k8sDiagnosticsPlugin,
  EntityHealthContent,
  EntityHealthCard,
  HealthOverviewPage,
} from './legacy';
export {
  healthOverviewRouteRef,
  securityOverviewExternalRouteRef,
} from './routes';
export { HealthIcon } from './icons';
export * from './api';
/**
 * Where the Health tab and card apply (a legacy EntityPage's `EntitySwitch.Case if={isHealthAvailable}`):
 * the Kubernetes plugin's test, `backstage.io/kubernetes-id` or `-label-selector`.
 * @public
 */
export { isKubernetesAvailable as isHealthAvailable } from '@periscope/periscope-react';
