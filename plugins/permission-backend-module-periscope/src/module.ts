import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { createPeriscopePolicy, readPeriscopePolicyConfig } from './policy';

/**
 * Sets the Periscope permission policy (`periscope.permissionPolicy`) on the permission backend.
 * Install it instead of another policy module: a permission backend takes one policy.
 * @public
 */
export const permissionModulePeriscopePolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'periscope-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ policy, config, logger }) {
        const settings = readPeriscopePolicyConfig(config);
        if (settings.mode === 'allow-all')
          logger.warn(
            'periscope.permissionPolicy.mode is allow-all: every user may do everything (development only)',
          );
        policy.setPolicy(createPeriscopePolicy(settings));
      },
    });
  },
});
