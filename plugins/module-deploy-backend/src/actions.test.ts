/**
 * The actions an AI assistant may call (registered through the ActionsRegistryService), through
 * the whole plugin: the real deploy service, store and permission checks, a recording stand-in
 * for the target cluster and a database the test can read.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { describeIf, recordingCluster } from '@periscope/test-utils';
import { Knex } from 'knex';
import {
  findTool,
  ModuleEngine,
} from '@periscope/backstage-plugin-module-deploy-node';
import { objectRef } from '@periscope/backstage-plugin-module-deploy-common';
import request from 'supertest';
import { registerActions } from './actions';
import { entities, modulesConfig, start } from './__testUtils__/backend';
import {
  appliedAsRendered,
  createDeployServiceApp,
  fixtureModules,
  fixtureRender,
  testCluster,
} from './__testUtils__/deployServiceApp';
import { createDeployStore } from './services/DeployStore';

jest.setTimeout(120_000);

const cue = findTool('cue');
const READ = 'module-deploy.instance.read';
const APPLY = 'module-deploy.instance.apply';
const checkout = 'component:default/checkout';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('module-deploy actions (ActionsRegistryService)', () => {
  let knex: Knex;
  let cluster: Awaited<ReturnType<typeof recordingCluster>>;

  beforeEach(async () => {
    knex = await databases.init('SQLITE_3');
    cluster = await recordingCluster();
  });

  afterEach(async () => {
    await cluster.close();
  });

  /** The plugin with the given permissions denied; returns the registry its actions went into. */
  async function startWithActions(
    deny: string[] = [],
    extraEntities: object[] = [],
  ) {
    const registry = actionsRegistryServiceMock();
    const server = await start({
      deny,
      entities: [...entities, ...extraEntities],
      config: {
        moduleDeploy: {
          ...modulesConfig.moduleDeploy,
          drift: { enabled: false },
        },
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'c1',
                  url: cluster.url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 't',
                  // client-node takes a plain-http server only with this set
                  skipTLSVerify: true,
                },
              ],
            },
          ],
        },
        periscope: { clusterTimeoutMs: 2000 },
      },
      extraFeatures: [
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => registry,
        }),
        mockServices.database.factory({ knex }),
      ],
    });
    const invoke = (name: string, input: object) =>
      registry.invoke({
        id: `test:${name}`,
        input: input as any,
        credentials: mockCredentials.user(),
      });
    return { registry, invoke, server };
  }

  const stored = async () => ({
    audit: await knex('module_deploy_audit').select(),
    revisions: await knex('module_deploy_revisions').select(),
  });

  it('registers exactly the preview (read-only) and the deploy (destructive) action', async () => {
    const { registry } = await startWithActions();
    const { actions } = await registry.list();
    expect(
      actions.map(a => [
        a.name,
        a.attributes.readOnly,
        a.attributes.destructive,
      ]),
    ).toEqual([
      ['preview-module-deploy', true, false],
      ['deploy-module', false, true],
    ]);
  });

  describe('a caller whose permission is denied', () => {
    it(`preview-module-deploy: ${READ} denied → NotAllowedError, no cluster contacted`, async () => {
      const { invoke } = await startWithActions([READ]);
      const call = invoke('preview-module-deploy', {
        entityRef: checkout,
        values: { message: 'hi' },
      });
      await expect(call).rejects.toThrow(NotAllowedError);
      await expect(call).rejects.toThrow(
        `permission '${READ}' is denied for ${checkout}`,
      );
      expect(cluster.requests).toEqual([]);
    });

    it(`deploy-module: ${APPLY} denied → NotAllowedError; nothing applied, audited or stored`, async () => {
      // reading stays allowed: the deploy needs the apply permission itself
      const { invoke } = await startWithActions([APPLY]);
      const call = invoke('deploy-module', {
        entityRef: checkout,
        values: { message: 'hi' },
      });
      await expect(call).rejects.toThrow(NotAllowedError);
      await expect(call).rejects.toThrow(
        `permission '${APPLY}' is denied for ${checkout}`,
      );
      expect(cluster.requests).toEqual([]);
      expect(await stored()).toEqual({ audit: [], revisions: [] });
    });
  });

  describe('an instance that another entity owns', () => {
    // imposter declares checkout's instance: same name (periscope.dev/instance), same namespace
    const imposter = {
      ...entities[0],
      metadata: {
        name: 'imposter',
        namespace: 'default',
        annotations: {
          ...entities[0].metadata.annotations,
          'periscope.dev/instance': 'checkout',
        },
      },
    };
    const IMPOSTER = 'component:default/imposter';
    const refusal = `instance 'checkout' in namespace 'shop' on cluster 'c1' belongs to ${checkout}; deploy it from that entity or choose another instance name (annotation periscope.dev/instance)`;
    const claimForCheckout = () =>
      knex('module_deploy_instance_owners').insert({
        cluster: 'c1',
        namespace: 'shop',
        instance_name: 'checkout',
        entity_ref: checkout,
        claimed_at: '2026-01-01T00:00:00Z',
        claimed_by: 'user:default/alice',
      });

    it('deploy-module, the entity routes and /instances/deploy refuse it with a 409 naming the owner; no cluster contacted, nothing stored', async () => {
      const { invoke, server } = await startWithActions([], [imposter]);
      await claimForCheckout();
      const call = invoke('deploy-module', {
        entityRef: IMPOSTER,
        values: { message: 'mine now' },
      });
      await expect(call).rejects.toThrow(ConflictError);
      await expect(call).rejects.toThrow(refusal);
      const api = (path: string, body: object) =>
        request(server).post(`/api/module-deploy${path}`).send(body);
      for (const [path, body] of [
        [`/entity/deploy?entityRef=${IMPOSTER}`, { values: {} }],
        [`/entity/rollback?entityRef=${IMPOSTER}`, { revision: 1 }],
        [`/entity/delete?entityRef=${IMPOSTER}`, { confirm: 'checkout' }],
        [`/entity/preview?entityRef=${IMPOSTER}`, { values: {} }],
        [
          '/instances/deploy',
          { module: 'minimal', instanceName: 'checkout', namespace: 'shop' },
        ],
        [
          '/instances/preview',
          {
            module: 'minimal',
            instanceName: 'checkout',
            namespace: 'shop',
            entityRef: IMPOSTER,
          },
        ],
      ] as const) {
        const res = await api(path, body);
        expect([path, res.status]).toEqual([path, 409]);
        expect(res.body.error.message).toMatch(
          /^instance 'checkout' in namespace 'shop' on cluster 'c1' belongs to component:default\/checkout; /,
        );
      }
      expect(cluster.requests).toEqual([]);
      expect(await stored()).toEqual({ audit: [], revisions: [] });
    });

    describeIf({ cue })('rendering with cue', () => {
      it('deploy-module of the owner goes on to the cluster', async () => {
        const { invoke } = await startWithActions([], [imposter]);
        await claimForCheckout();
        const { output } = await invoke('deploy-module', {
          entityRef: checkout,
          values: { message: 'hi' },
        });
        expect(output).toMatchObject({
          ok: false,
          results: [{ cluster: 'c1', status: 'failed' }],
        });
        expect(cluster.requests.length).toBeGreaterThan(0);
      });
    });
  });

  describe('a caller whose permission is allowed', () => {
    it('gets past the permission check to the entity (no cue needed)', async () => {
      const { invoke } = await startWithActions();
      const preview = await invoke('preview-module-deploy', {
        entityRef: 'component:default/bare',
        values: {},
      });
      expect(preview.output).toEqual({
        status: 'not-annotated',
        valid: true,
        issues: [],
        clusters: [],
        errors: [],
      });
      await expect(
        invoke('deploy-module', {
          entityRef: 'component:default/bare',
          values: {},
        }),
      ).rejects.toThrow(InputError);
      expect(cluster.requests).toEqual([]);
    });

    describeIf({ cue })('rendering with cue', () => {
      it('preview-module-deploy renders and diffs against the cluster', async () => {
        const { invoke } = await startWithActions([APPLY]);
        const { output } = await invoke('preview-module-deploy', {
          entityRef: checkout,
          values: { message: 'hi' },
        });
        expect(output).toMatchObject({
          status: 'ok',
          valid: true,
          issues: [],
          clusters: [],
          errors: [{ cluster: 'c1', message: expect.any(String) }],
        });
        expect(cluster.requests.length).toBeGreaterThan(0);
        expect(await stored()).toEqual({ audit: [], revisions: [] });
      });

      it('deploy-module applies to the cluster and audits the attempt as the caller', async () => {
        const { invoke } = await startWithActions([READ]);
        const { output } = await invoke('deploy-module', {
          entityRef: checkout,
          values: { message: 'hi' },
        });
        expect(output).toMatchObject({
          ok: false,
          issues: [],
          results: [{ cluster: 'c1', status: 'failed' }],
        });
        expect(cluster.requests.length).toBeGreaterThan(0);
        const { audit } = await stored();
        expect(audit).toEqual([
          expect.objectContaining({
            entity_ref: checkout,
            cluster: 'c1',
            action: 'deploy',
            result: 'failure',
            actor: 'user:default/mock',
          }),
        ]);
      });

      it('deploy-module reports invalid values without touching the cluster', async () => {
        const { invoke } = await startWithActions();
        const { output } = await invoke('deploy-module', {
          entityRef: checkout,
          values: { replicas: 0 },
        });
        expect(output).toMatchObject({
          ok: false,
          issues: [{ path: 'replicas', message: expect.any(String) }],
          results: [],
        });
        expect(cluster.requests).toEqual([]);
      });
    });
  });
});

describe('deploy-module changeMessage (stand-in engine, no cue needed)', () => {
  /** The deploy service on an engine that applies in memory, with the actions registered on it. */
  async function setup() {
    const knex = await databases.init('SQLITE_3');
    const store = await createDeployStore(mockServices.database({ knex }));
    const applied: string[] = [];
    const render = async (spec: Parameters<ModuleEngine['render']>[0]) =>
      fixtureRender(spec, values => [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: spec.name, namespace: spec.namespace },
          data: { message: String(values.message ?? 'hello') },
        },
      ]);
    const engine: Partial<ModuleEngine> = {
      render,
      async apply(spec) {
        const r = await render(spec);
        applied.push(...r.objects.map(objectRef));
        return appliedAsRendered(r);
      },
      history: async () => [],
      list: async () => [],
    };
    const { deploys } = await createDeployServiceApp({
      config: { moduleDeploy: { preflight: { enabled: false } } },
      clusters: [testCluster('c1')],
      engine: engine as ModuleEngine,
      modules: fixtureModules({
        type: 'object',
        properties: { message: { type: 'string' } },
      }),
      store,
      entities: [entities[0]],
      permissions: mockServices.permissions(),
    });
    const registry = actionsRegistryServiceMock();
    registerActions({ actionsRegistry: registry, deploys });
    const deploy = (input: object) =>
      registry.invoke({
        id: 'test:deploy-module',
        input: { entityRef: checkout, values: { message: 'hi' }, ...input },
        credentials: mockCredentials.user(),
      });
    const messages = async () => ({
      audit: (await knex('module_deploy_audit').select()).map(
        r => r.change_message,
      ),
      revisions: (await knex('module_deploy_revisions').select()).map(
        r => r.change_message,
      ),
    });
    return { deploy, messages, applied };
  }

  it('publishes changeMessage as an optional string input', async () => {
    const registry = actionsRegistryServiceMock();
    registerActions({ actionsRegistry: registry, deploys: {} as any });
    const { actions } = await registry.list();
    const input = actions.find(a => a.name === 'deploy-module')!.schema
      .input as any;
    expect(input.properties.changeMessage).toMatchObject({
      type: 'string',
      description: expect.stringMatching(/at most 500 characters/),
    });
    expect(input.required).not.toContain('changeMessage');
  });

  it('stores the given message (trimmed) with the revision and the audit row', async () => {
    const { deploy, messages } = await setup();
    const { output } = await deploy({
      changeMessage: '  raise replicas for the sale ',
    });
    expect(output).toMatchObject({
      ok: true,
      results: [{ cluster: 'c1', status: 'healthy', revision: 1 }],
    });
    expect(await messages()).toEqual({
      audit: ['raise replicas for the sale'],
      revisions: ['raise replicas for the sale'],
    });
  });

  it.each([
    ['none', {}],
    ['an empty one', { changeMessage: '   ' }],
  ])(
    'given %s, stores the default that names the action',
    async (_name, input) => {
      const { deploy, messages } = await setup();
      await deploy(input);
      expect(await messages()).toEqual({
        audit: ['Deployed through the AI action deploy-module'],
        revisions: ['Deployed through the AI action deploy-module'],
      });
    },
  );

  it("refuses a 501-character message with the route's reason; nothing applied or stored", async () => {
    const { deploy, messages, applied } = await setup();
    const call = deploy({ changeMessage: 'x'.repeat(501) });
    await expect(call).rejects.toThrow(InputError);
    await expect(call).rejects.toThrow(
      'invalid input to deploy-module: changeMessage: the change message has 501 characters; shorten it to at most 500',
    );
    expect(applied).toEqual([]);
    expect(await messages()).toEqual({ audit: [], revisions: [] });
  });
});
