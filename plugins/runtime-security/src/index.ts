/**
 * Periscope Security: Tetragon runtime findings on the entity page.
 * @packageDocumentation
 */
export { default } from './plugin';
export * from './plugin';
export {
  runtimeSecurityPlugin,
  EntitySecurityContent,
  EntitySecurityCard,
  EntityTimelineContent,
  SecurityOverviewPage,
} from './legacy';
export {
  healthOverviewExternalRouteRef,
  securityOverviewRouteRef,
} from './routes';
export { SecurityIcon } from './icons';
export * from './api';
/**
 * Where the Security tab and card apply (`backstage.io/kubernetes-id` or `-label-selector`), and
 * where the Timeline tab applies (that, or a module to deploy), for a legacy EntityPage's
 * `EntitySwitch.Case`.
 * @public
 */
export {
  isKubernetesAvailable as isSecurityAvailable,
  isPeriscopeAvailable as isTimelineAvailable,
} from '@periscope/periscope-react';
