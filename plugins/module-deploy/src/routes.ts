import {
  createExternalRouteRef,
  createRouteRef,
} from '@backstage/core-plugin-api';

/**
 * The platform Modules page (`/modules` by default); the plugin's `root` route, for other plugins
 * and the app to link to.
 * @public
 */
export const modulesRouteRef = createRouteRef({ id: 'module-deploy:modules' });

/**
 * Where the Modules page sends "Create a service": bound by default to the scaffolder's root
 * page (`scaffolder.root`), where the templates that start a service from a module are; without it
 * the button is not shown.
 * @public
 */
export const createComponentExternalRouteRef = createExternalRouteRef({
  id: 'module-deploy:create-component',
  optional: true,
  defaultTarget: 'scaffolder.root',
});
