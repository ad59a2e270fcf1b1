import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import k8sDiagnosticsPlugin, { healthOverviewPage } from './plugin';
import { k8sDiagnosticsPlugin as legacyPlugin } from './legacy';
import {
  healthOverviewRouteRef,
  securityOverviewExternalRouteRef,
} from './routes';

describe('k8s-diagnostics plugin', () => {
  it('has a title and an icon, and exports its page and cross-link routes', () => {
    expect(k8sDiagnosticsPlugin.title).toBe('Periscope Health');
    expect(k8sDiagnosticsPlugin.icon).toBeTruthy();
    expect(k8sDiagnosticsPlugin.routes).toEqual({
      root: healthOverviewRouteRef,
    });
    expect(k8sDiagnosticsPlugin.externalRoutes).toEqual({
      securityOverview: securityOverviewExternalRouteRef,
    });
  });

  it('gives legacy apps the same routes', () => {
    expect(legacyPlugin.routes).toEqual({ root: healthOverviewRouteRef });
    expect(legacyPlugin.externalRoutes).toEqual({
      securityOverview: securityOverviewExternalRouteRef,
    });
  });

  it('makes the Health overview page a nav item: path, route ref, title and icon', () => {
    const tester = createExtensionTester(healthOverviewPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/health-overview');
    expect(tester.get(coreExtensionData.routeRef)).toBe(healthOverviewRouteRef);
    expect(tester.get(coreExtensionData.title)).toBe('Health overview');
    expect(tester.get(coreExtensionData.icon)).toBeTruthy();
  });
});
