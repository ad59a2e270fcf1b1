import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import runtimeSecurityPlugin, { securityOverviewPage } from './plugin';
import { runtimeSecurityPlugin as legacyPlugin } from './legacy';
import {
  healthOverviewExternalRouteRef,
  securityOverviewRouteRef,
} from './routes';

describe('runtime-security plugin', () => {
  it('has a title and an icon, and exports its page and cross-link routes', () => {
    expect(runtimeSecurityPlugin.title).toBe('Periscope Security');
    expect(runtimeSecurityPlugin.icon).toBeTruthy();
    expect(runtimeSecurityPlugin.routes).toEqual({
      root: securityOverviewRouteRef,
    });
    expect(runtimeSecurityPlugin.externalRoutes).toEqual({
      healthOverview: healthOverviewExternalRouteRef,
    });
  });

  it('gives legacy apps the same routes', () => {
    expect(legacyPlugin.routes).toEqual({ root: securityOverviewRouteRef });
    expect(legacyPlugin.externalRoutes).toEqual({
      healthOverview: healthOverviewExternalRouteRef,
    });
  });

  it('makes the Security overview page a nav item: path, route ref, title and icon', () => {
    const tester = createExtensionTester(securityOverviewPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/security-overview');
    expect(tester.get(coreExtensionData.routeRef)).toBe(
      securityOverviewRouteRef,
    );
    expect(tester.get(coreExtensionData.title)).toBe('Security overview');
    expect(tester.get(coreExtensionData.icon)).toBeTruthy();
  });
});
