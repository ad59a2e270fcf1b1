import {
  createExternalRouteRef,
  createRouteRef,
} from '@backstage/core-plugin-api';

/**
 * The platform Security overview page (`/security-overview` by default); the plugin's `root`
 * route, for other plugins and the app to link to.
 * @public
 */
export const securityOverviewRouteRef = createRouteRef({
  id: 'runtime-security:security-overview',
});

/**
 * Where the Security overview links for Kubernetes health findings: bound by default to the
 * Health overview page of `@periscope/backstage-plugin-k8s-diagnostics` (`k8s-diagnostics.root`);
 * without it the link is not shown.
 * @public
 */
export const healthOverviewExternalRouteRef = createExternalRouteRef({
  id: 'runtime-security:health-overview',
  optional: true,
  defaultTarget: 'k8s-diagnostics.root',
});
