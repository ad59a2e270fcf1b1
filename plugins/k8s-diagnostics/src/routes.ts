import {
  createExternalRouteRef,
  createRouteRef,
} from '@backstage/core-plugin-api';

/**
 * The cluster-wide Health overview page (`/health-overview` by default); the plugin's `root`
 * route, for other plugins and the app to link to.
 * @public
 */
export const healthOverviewRouteRef = createRouteRef({
  id: 'k8s-diagnostics:health-overview',
});

/**
 * Where the Health overview links for runtime-security findings: bound by default to the
 * Security overview page of `@periscope/backstage-plugin-runtime-security` (`runtime-security.root`);
 * without it the link is not shown.
 * @public
 */
export const securityOverviewExternalRouteRef = createExternalRouteRef({
  id: 'k8s-diagnostics:security-overview',
  optional: true,
  defaultTarget: 'runtime-security.root',
});
