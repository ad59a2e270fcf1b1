import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import moduleDeployPlugin, { modulesPage } from './plugin';
import { moduleDeployPlugin as legacyPlugin } from './legacy';
import { createComponentExternalRouteRef, modulesRouteRef } from './routes';

describe('module-deploy plugin', () => {
  it('has a title and an icon, and exports its page and cross-link routes', () => {
    expect(moduleDeployPlugin.title).toBe('Periscope Deploy');
    expect(moduleDeployPlugin.icon).toBeTruthy();
    expect(moduleDeployPlugin.routes).toEqual({ root: modulesRouteRef });
    expect(moduleDeployPlugin.externalRoutes).toEqual({
      createComponent: createComponentExternalRouteRef,
    });
  });

  it('gives legacy apps the same routes', () => {
    expect(legacyPlugin.routes).toEqual({ root: modulesRouteRef });
    expect(legacyPlugin.externalRoutes).toEqual({
      createComponent: createComponentExternalRouteRef,
    });
  });

  it('makes the Modules page a nav item: path, route ref, title and icon', () => {
    const tester = createExtensionTester(modulesPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/modules');
    expect(tester.get(coreExtensionData.routeRef)).toBe(modulesRouteRef);
    expect(tester.get(coreExtensionData.title)).toBe('Modules');
    expect(tester.get(coreExtensionData.icon)).toBeTruthy();
  });
});
