/** The runtime-security backend plugin: declares its deps, creates the services, mounts the router and schedules the sources. */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { runtimeSecurityPermissions } from '@periscope/backstage-plugin-runtime-security-common';
import {
  periscopeClustersServiceRef,
  readWorkloadSelectorOptions,
  withEntityLookupCache,
} from '@periscope/kube-access';
import { registerActions } from './actions';
import { readRuntimeSecurityConfig } from './config';
import { createRouter } from './router';
import { createFindingsStore } from './services/FindingsStore';
import {
  createHttpIngest,
  createIngestService,
  scheduleSources,
} from './services/IngestService';
import { createFindingNotifier } from './services/Notifications';
import {
  createPolicyService,
  knownWorkloadsFromCatalog,
} from './services/PolicyService';
import { createSecurityService } from './services/SecurityService';

/**
 * The runtime-security backend plugin: Tetragon events in, findings of catalog entities out.
 * @public
 */
export const runtimeSecurityPlugin = createBackendPlugin({
  pluginId: 'runtime-security',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
        clusters: periscopeClustersServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        // resolves in every backend (its default calls the notifications backend over HTTP); without
        // that backend a send fails, is logged, and never fails ingest
        notifications: notificationService,
      },
      async init({
        config,
        logger,
        auth,
        notifications,
        database,
        scheduler,
        httpAuth,
        httpRouter,
        permissions,
        permissionsRegistry,
        catalog,
        clusters,
        actionsRegistry,
      }) {
        const settings = readRuntimeSecurityConfig(config);
        permissionsRegistry.addPermissions(runtimeSecurityPermissions);
        const store = await createFindingsStore(database);
        const selectors = readWorkloadSelectorOptions(config);
        const notifier = settings.notifications.enabled
          ? createFindingNotifier({
              settings: settings.notifications,
              notifications,
              catalog,
              auth,
              logger,
              selectors,
            })
          : undefined;
        const httpIngest = createHttpIngest(settings.ingest, {
          store,
          logger,
          analyzer: settings.analyzer,
          notifier,
        });
        const ingest = createIngestService({ httpIngest });
        const security = createSecurityService({
          configured:
            settings.clustersConfigured ||
            settings.files.length > 0 ||
            settings.ingest.token !== undefined,
          // entity requests (and a tab's polling) read their entity once per 5 s per caller
          catalog: withEntityLookupCache(catalog),
          logger,
          store,
          queuedLines: () => httpIngest.queuedLines,
          selectors,
        });
        const policies = createPolicyService({
          clusters,
          store,
          enforcement: settings.enforcement,
          knownWorkloads: knownWorkloadsFromCatalog({
            catalog,
            auth,
            selectors,
          }),
          timeoutMs:
            config.getOptionalNumber('periscope.clusterTimeoutMs') ?? 10_000,
        });
        await scheduleSources({
          config: settings,
          scheduler,
          store,
          logger,
          clusters,
          notifier,
        });
        httpRouter.use(
          await createRouter({
            httpAuth,
            permissions,
            security,
            policies,
            ingest,
            clusters,
          }),
        );
        registerActions({ actionsRegistry, permissions, security });
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // POST /ingest checks the static ingest token itself, or requires a service principal.
        httpRouter.addAuthPolicy({ path: '/ingest', allow: 'unauthenticated' });
      },
    });
  },
});
