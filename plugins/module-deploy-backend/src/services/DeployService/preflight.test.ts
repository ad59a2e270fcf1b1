/**
 * Warnings before a deploy through the routes: the preview lists them, a check that
 * `moduleDeploy.preflight.block` names refuses the deploy before anything is applied, and the
 * permissions are those of preview and deploy. A stand-in engine renders; its preflight is the
 * real pure one over a fixed live namespace.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  JsonObject,
  KubeObject,
  ValuesJsonSchema,
  objectId,
  objectRef,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  ModuleEngine,
  RenderResult,
  preflightWarnings,
} from '@periscope/backstage-plugin-module-deploy-node';
import express from 'express';
import request from 'supertest';
import { readModuleDeployConfig } from '../../config';
import {
  appliedAsRendered,
  createDeployServiceApp,
  fixtureModules,
  testCluster,
} from '../../__testUtils__/deployServiceApp';
import { createDeployStore } from '../DeployStore';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const CHECKOUT = 'component:default/checkout';

const schema: ValuesJsonSchema = {
  type: 'object',
  properties: {
    configMap: { type: 'string' },
    nodeSelector: { type: 'object' },
  },
};

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'periscope.dev/module': 'fixture',
      'backstage.io/kubernetes-namespace': 'shop',
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
};

/** The live target namespace: one node (disk=hdd), the ConfigMap `present`. */
const LIVE = {
  objects: [
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { disk: 'hdd' } },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'present', namespace: 'shop' },
      data: {},
    },
  ] as KubeObject[],
  listed: ['ConfigMap', 'Secret', 'ServiceAccount', 'Node'],
  unavailable: {},
};

function fakeEngine(live: typeof LIVE = LIVE) {
  const calls: string[] = [];
  const render = async (spec: {
    name: string;
    namespace: string;
    values?: JsonObject[];
  }): Promise<RenderResult> => {
    const values = Object.assign({}, ...(spec.values ?? [])) as JsonObject;
    const container: Record<string, unknown> = { name: 'app', image: 'nginx' };
    if (values.configMap)
      container.envFrom = [{ configMapRef: { name: values.configMap } }];
    const objects = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: spec.name, namespace: spec.namespace },
        spec: {
          template: {
            spec: {
              containers: [container],
              ...(values.nodeSelector
                ? { nodeSelector: values.nodeSelector }
                : {}),
            },
          },
        },
      },
    ] as KubeObject[];
    return {
      module: {
        name: 'fixture',
        repository: '',
        version: '0.0.0-devel',
        digest: '',
      },
      name: spec.name,
      namespace: spec.namespace,
      moduleVersion: '0.0.0-devel',
      kubeVersion: '1.31.0',
      values,
      valuesCue: '',
      sets: [{ name: 'app', objects }],
      objects,
      images: [],
      skippedLinks: [],
    };
  };
  const engine: Partial<ModuleEngine> = {
    render,
    schema: async () => schema,
    async diff(spec) {
      calls.push('diff');
      const r = await render(spec);
      return {
        render: r,
        diff: r.objects.map(o => ({
          id: objectId(o),
          ref: objectRef(o),
          apiVersion: o.apiVersion,
          action: 'create' as const,
          changes: [],
        })),
      };
    },
    async preflight(r, _kc, opts) {
      calls.push('preflight');
      return preflightWarnings({
        rendered: r.objects,
        namespace: r.namespace,
        instanceName: r.name,
        live,
        block: opts?.block,
      });
    },
    async apply(spec) {
      calls.push('apply');
      return appliedAsRendered(await render(spec));
    },
    history: async () => [],
    list: async () => [],
  };
  return { engine: engine as ModuleEngine, calls };
}

const modules = fixtureModules(schema);

async function setup(
  opts: {
    preflight?: object;
    result?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
    live?: typeof LIVE;
  } = {},
) {
  const knex = await databases.init('SQLITE_3');
  const store = await createDeployStore(mockServices.database({ knex }));
  const fake = fakeEngine(opts.live);
  const permissions = mockServices.permissions({
    result: opts.result ?? AuthorizeResult.ALLOW,
  });
  const { app } = await createDeployServiceApp({
    config: opts.preflight
      ? { moduleDeploy: { preflight: opts.preflight } }
      : {},
    clusters: [testCluster('c1')],
    engine: fake.engine,
    modules,
    store,
    entities: [entity],
    permissions,
  });
  const audit = () => knex('module_deploy_audit').select();
  return { app, calls: fake.calls, audit };
}

const post = (app: express.Express, path: string, values: JsonObject) =>
  request(app).post(`${path}?entityRef=${CHECKOUT}`).send({ values });

const MISSING =
  'ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container app)';

describe('warnings before a deploy (routes)', () => {
  jest.setTimeout(60_000);

  it('the preview lists what the change would break, per cluster', async () => {
    const { app } = await setup();
    const res = await post(app, '/entity/preview', {
      configMap: 'app-config',
      nodeSelector: { disk: 'ssd' },
    });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([
      {
        cluster: 'c1',
        analyzer: 'References',
        object: 'Deployment/shop/checkout',
        message: MISSING,
        severity: 'high',
        blocking: false,
      },
      expect.objectContaining({
        analyzer: 'Scheduling',
        message: expect.stringMatching(
          /^no node matches nodeSelector disk=ssd/,
        ),
        blocking: false,
      }),
    ]);
  });

  it('a change that breaks nothing has no warnings', async () => {
    const { app } = await setup();
    const res = await post(app, '/entity/preview', { configMap: 'present' });
    expect([res.status, res.body.warnings]).toEqual([200, []]);
    expect(res.body.notChecked).toBeUndefined();
  });

  it('the preview says, per cluster, what the preflight could not check', async () => {
    const { app } = await setup({
      live: {
        objects: LIVE.objects.filter(o => o.kind !== 'ConfigMap'),
        listed: ['Secret', 'ServiceAccount', 'Node'],
        unavailable: {
          ConfigMap: 'configmaps is forbidden: User "alice" cannot list',
        },
      },
    });
    const res = await post(app, '/entity/preview', {
      configMap: 'app-config',
    });
    expect(res.status).toBe(200);
    // a reference to a kind that could not be listed is not guessed at: no warning, a note
    expect(res.body.warnings).toEqual([]);
    expect(res.body.notChecked).toEqual([
      'c1: references to ConfigMap not checked: configmaps is forbidden: User "alice" cannot list',
    ]);
  });

  it('without a block list, warnings do not stop a deploy', async () => {
    const { app, calls } = await setup();
    const res = await post(app, '/entity/deploy', { configMap: 'app-config' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('"type":"done","ok":true');
    expect(calls).toEqual(['apply']);
  });

  it('a blocked deploy is refused with a 409 naming the warnings, nothing applied', async () => {
    const { app, calls, audit } = await setup({
      preflight: { block: ['References'] },
    });
    const preview = await post(app, '/entity/preview', {
      configMap: 'app-config',
    });
    expect(preview.body.warnings.map((w: any) => w.blocking)).toEqual([true]);
    calls.length = 0;
    const res = await post(app, '/entity/deploy', { configMap: 'app-config' });
    expect([res.status, res.body.error?.name]).toEqual([409, 'ConflictError']);
    expect(res.body.error.message).toBe(
      `deploy of instance 'checkout' in namespace 'shop' refused, nothing was applied: 1 warning(s) of the checks moduleDeploy.preflight.block names (References): c1: References Deployment/shop/checkout: ${MISSING}. Fix the values or create what is missing, then deploy again`,
    );
    expect(calls).toEqual(['preflight']);
    expect(await audit()).toEqual([]);
    // a warning of a check the list does not name does not block
    const other = await post(app, '/entity/deploy', {
      configMap: 'present',
      nodeSelector: { disk: 'ssd' },
    });
    expect(other.status).toBe(200);
    expect(calls).toEqual(['preflight', 'preflight', 'apply']);
  });

  it('preflight.enabled false shows no warnings and reads nothing', async () => {
    const { app, calls } = await setup({ preflight: { enabled: false } });
    const res = await post(app, '/entity/preview', { configMap: 'app-config' });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toBeUndefined();
    expect(calls).toEqual(['diff']);
  });

  it.each([
    ['/entity/preview', 'module-deploy.instance.read'],
    ['/entity/deploy', 'module-deploy.instance.apply'],
  ])(
    '%s stays behind %s: denied is a 403 and runs no preflight',
    async (path, permission) => {
      const { app, calls } = await setup({
        preflight: { block: ['References'] },
        result: AuthorizeResult.DENY,
      });
      const res = await post(app, path, { configMap: 'app-config' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(permission);
      expect(calls).toEqual([]);
    },
  );
});

describe('moduleDeploy.preflight config', () => {
  const read = (preflight: unknown) =>
    readModuleDeployConfig(
      new ConfigReader({ moduleDeploy: { preflight } } as any),
    );

  it('defaults to enabled, blocking nothing', () => {
    expect(readModuleDeployConfig(new ConfigReader({})).preflight).toEqual({
      enabled: true,
      block: [],
    });
  });

  it('takes check names case-insensitively', () => {
    expect(
      read({ block: ['references', 'Scheduling'] }).preflight.block,
    ).toEqual(['References', 'Scheduling']);
  });

  it.each([
    [
      { block: ['Pods'] },
      "moduleDeploy.preflight.block has 'Pods', which is not a preflight check: use one or more of References, Scheduling, AutoscalerRequests",
    ],
    [
      { block: 'References' },
      'moduleDeploy.preflight.block must be a list of check names, e.g. [References, Scheduling]; the checks are References, Scheduling, AutoscalerRequests',
    ],
    [
      { enabled: false, block: ['References'] },
      'moduleDeploy.preflight.block names References but moduleDeploy.preflight.enabled is false: enable the preflight or remove the block list',
    ],
  ])('refuses %j at start-up', (preflight, error) => {
    expect(() => read(preflight)).toThrow(error);
  });
});
