/**
 * The fixture of the deploy service tests: the real service, store and router with a stand-in
 * engine, and what the stand-in engines share (the module, its render result, clusters, events).
 */
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  AuditorService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  JsonObject,
  KubeObject,
  objectRef,
  ValuesJsonSchema,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  ModuleEngine,
  RenderResult,
} from '@periscope/backstage-plugin-module-deploy-node';
import express from 'express';
import { readModuleDeployConfig } from '../config';
import { createRouter } from '../router';
import { createDeployService } from '../services/DeployService';
import { DeployStore } from '../services/DeployStore';
import { ModuleCatalog } from '../services/ModuleCatalog';
import { DeployStreamEvent } from '../types';

/** The module every stand-in engine renders. */
export const fixtureModule = {
  name: 'fixture',
  repository: 'file:///fixture',
  version: '0.0.0-devel',
  digest: '',
};

/** What a stand-in engine's render returns for `spec`: its merged values and `objects`. */
export function fixtureRender(
  spec: { name: string; namespace: string; values?: JsonObject[] },
  objects: (values: JsonObject) => KubeObject[],
): RenderResult {
  const values = Object.assign({}, ...(spec.values ?? [])) as JsonObject;
  const rendered = objects(values);
  return {
    module: fixtureModule,
    name: spec.name,
    namespace: spec.namespace,
    moduleVersion: fixtureModule.version,
    kubeVersion: '1.31.0',
    values,
    valuesCue: JSON.stringify(values),
    sets: [{ name: 'app', objects: rendered }],
    objects: rendered,
    images: [],
    skippedLinks: [],
  };
}

/** What a stand-in engine's apply answers: every object of `rendered` applied, revision 1. */
export function appliedAsRendered(rendered: RenderResult) {
  return {
    render: rendered,
    result: {
      applied: rendered.objects.map(objectRef),
      pruned: [],
      inventory: [],
      revision: 1,
    },
  };
}

/** A module catalog whose modules are all the fixture, with `schema`. */
export const fixtureModules = (schema: ValuesJsonSchema): ModuleCatalog => ({
  list: async () => [],
  resolve: v => `/modules/${v}`,
  schema: async () => schema,
});

/** A configured cluster; `oidc` ones are read with the signed-in user's token (client-side). */
export const testCluster = (name: string, authProvider = 'serviceAccount') => ({
  name,
  url: `https://${name}.example:6443`,
  authProvider,
  serviceAccountToken: 't',
  skipTLSVerify: false,
  ...(authProvider === 'oidc' ? { clientSide: true } : {}),
});

/** The events of an NDJSON stream answer (deploy, rollback, delete). */
export const streamEvents = (text: string): DeployStreamEvent[] =>
  text
    .trim()
    .split('\n')
    .map(l => JSON.parse(l));

/**
 * The deploy service on `engine` and `store`, behind the router and the error middleware of a
 * backend: `app` answers as the plugin's routes do.
 */
export async function createDeployServiceApp(opts: {
  engine: ModuleEngine;
  store: DeployStore;
  modules: ModuleCatalog;
  permissions: PermissionsService;
  entities: object[];
  clusters?: ReturnType<typeof testCluster>[];
  config?: object;
  auditor?: AuditorService;
  now?: () => Date;
}) {
  const deploys = createDeployService({
    config: readModuleDeployConfig(new ConfigReader(opts.config ?? {})),
    clusters: opts.clusters ?? [testCluster('c1'), testCluster('c2')],
    engine: opts.engine,
    modules: opts.modules,
    store: opts.store,
    catalog: catalogServiceMock({ entities: opts.entities as any }),
    permissions: opts.permissions,
    auth: mockServices.auth(),
    ...(opts.auditor ? { auditor: opts.auditor } : {}),
    logger: mockServices.logger.mock(),
    pollMs: 1,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const app = express();
  app.use(
    await createRouter({
      httpAuth: mockServices.httpAuth(),
      permissions: opts.permissions,
      deploys,
      modules: opts.modules,
    }),
  );
  app.use(
    MiddlewareFactory.create({
      config: new ConfigReader({}),
      logger: mockServices.logger.mock(),
    }).error(),
  );
  return { app, deploys };
}
