/* Shared by the backend tests. */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionsDenying } from '@periscope/test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { moduleDeployPlugin } from '../plugin';

function repoRoot(): string {
  let dir = process.cwd();
  while (
    dir !== path.dirname(dir) &&
    !fs.existsSync(path.join(dir, 'examples', 'modules'))
  )
    dir = path.dirname(dir);
  return dir;
}

/** The example modules of the repository (examples/modules). */
export const EXAMPLES = path.join(repoRoot(), 'examples', 'modules');
export const entities = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'checkout',
      namespace: 'default',
      annotations: {
        'periscope.dev/module': 'minimal',
        'backstage.io/kubernetes-namespace': 'shop',
      },
    },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'bare', namespace: 'default' },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'stray',
      namespace: 'default',
      annotations: { 'periscope.dev/module': './elsewhere' },
    },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
];

export const cluster = (name: string, port = 1) => ({
  name,
  url: `https://127.0.0.1:${port}`,
  authProvider: 'serviceAccount',
  serviceAccountToken: 't',
  skipTLSVerify: true,
});
export const modulesConfig = {
  moduleDeploy: {
    modules: [{ name: 'minimal', path: path.join(EXAMPLES, 'minimal') }],
  },
};
export const oneCluster = {
  ...modulesConfig,
  kubernetes: {
    clusterLocatorMethods: [{ type: 'config', clusters: [cluster('c1')] }],
  },
  periscope: { clusterTimeoutMs: 2000 },
};

export async function start(
  opts: {
    config?: object;
    entities?: object[];
    extraFeatures?: any[];
    result?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
    deny?: string[];
  } = {},
) {
  const { server } = await startTestBackend({
    features: [
      moduleDeployPlugin,
      catalogServiceMock.factory({
        entities: (opts.entities ?? entities) as any,
      }),
      mockServices.rootConfig.factory({ data: opts.config ?? {} }),
      ...(opts.extraFeatures ?? []),
      opts.deny
        ? permissionsDenying(opts.deny)
        : mockServices.permissions.factory({
            result: opts.result ?? AuthorizeResult.ALLOW,
          }),
    ],
  });
  return server;
}

/** The events of an NDJSON stream answer (deploy, rollback, delete). */
export const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .map(l => JSON.parse(l));
