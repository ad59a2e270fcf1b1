/**
 * Permissions of periscope:module:diff and periscope:module:deploy. The actions check nothing
 * themselves: they call the module-deploy backend on behalf of the task's initiator
 * (client.ts, `getPluginRequestToken({ onBehalfOf })`), whose routes check
 * module-deploy.instance.read (preview) and module-deploy.instance.apply (deploy) for that user.
 * So these run the actions against the real module-deploy backend with a permission denied, a
 * recording stand-in for the target cluster, and read the audit trail through the backend.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
// the real module-deploy backend, started beside this module as packages/backend starts it
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import moduleDeployPlugin from '@periscope/backstage-plugin-module-deploy-backend';
import { findTool } from '@periscope/backstage-plugin-module-deploy-node';
import {
  describeIf,
  permissionsDenying,
  recordingCluster,
} from '@periscope/test-utils';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import {
  createModuleDeployAction,
  createModuleDiffAction,
} from './moduleActions';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');
const cue = findTool('cue');
const READ = 'module-deploy.instance.read';
const APPLY = 'module-deploy.instance.apply';
const checkout = 'component:default/checkout';
const input = {
  module: 'minimal',
  name: 'checkout',
  namespace: 'shop',
  entityRef: checkout,
  values: { message: 'hi' },
};

describe('periscope:module:* permissions, enforced by the module-deploy backend', () => {
  let cluster: Awaited<ReturnType<typeof recordingCluster>>;

  beforeEach(async () => {
    cluster = await recordingCluster();
  });

  afterEach(async () => {
    await cluster.close();
  });

  /** The module-deploy backend with `deny` denied, and both actions pointed at it. */
  async function startWith(deny: string[]) {
    const { server } = await startTestBackend({
      features: [
        moduleDeployPlugin,
        catalogServiceMock.factory({
          entities: [
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
              spec: {
                type: 'service',
                owner: 'team-shop',
                lifecycle: 'production',
              },
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            moduleDeploy: {
              modules: [
                {
                  name: 'minimal',
                  path: path.join(ROOT, 'examples/modules/minimal'),
                },
              ],
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
        }),
        permissionsDenying(deny),
      ],
    });
    const port = (server.address() as AddressInfo).port;
    const deps = {
      discovery: {
        getBaseUrl: async (id: string) => `http://127.0.0.1:${port}/api/${id}`,
        getExternalBaseUrl: async (id: string) =>
          `http://127.0.0.1:${port}/api/${id}`,
      },
      auth: mockServices.auth(),
    };
    /** The audit trail of checkout, read through the backend (as a user who may read). */
    const audit = async () => {
      const res = await request(server).get(
        `/api/module-deploy/entity/history?entityRef=${checkout}`,
      );
      expect(res.status).toBe(200);
      return res.body.audit;
    };
    return {
      diff: createModuleDiffAction(deps),
      deploy: createModuleDeployAction(deps),
      audit,
    };
  }

  describe('a user whose permission is denied', () => {
    it(`periscope:module:diff: ${READ} denied → NotAllowedError, no output, no cluster contacted`, async () => {
      const { diff } = await startWith([READ]);
      const ctx = createMockActionContext({ input });
      const run = diff.handler(ctx as any);
      await expect(run).rejects.toThrow(NotAllowedError);
      await expect(run).rejects.toThrow(
        `module-deploy: permission '${READ}' is denied for ${checkout}`,
      );
      expect(ctx.output).not.toHaveBeenCalled();
      expect(cluster.requests).toEqual([]);
    });

    it(`periscope:module:deploy: ${APPLY} denied → NotAllowedError; nothing applied or audited`, async () => {
      const { deploy, audit } = await startWith([APPLY]);
      const ctx = createMockActionContext({ input });
      const run = deploy.handler(ctx as any);
      await expect(run).rejects.toThrow(NotAllowedError);
      await expect(run).rejects.toThrow(
        `module-deploy: permission '${APPLY}' is denied for ${checkout}`,
      );
      expect(ctx.output).not.toHaveBeenCalled();
      expect(cluster.requests).toEqual([]);
      expect(await audit()).toEqual([]);
    });

    it(`periscope:module:deploy without an entityRef: ${APPLY} denied → NotAllowedError; nothing applied`, async () => {
      const { deploy } = await startWith([APPLY]);
      const { entityRef: _, ...noEntity } = input;
      const ctx = createMockActionContext({ input: noEntity });
      const run = deploy.handler(ctx as any);
      await expect(run).rejects.toThrow(NotAllowedError);
      await expect(run).rejects.toThrow(
        `module-deploy: permission '${APPLY}' is denied for deploys that name no entity`,
      );
      expect(ctx.output).not.toHaveBeenCalled();
      expect(cluster.requests).toEqual([]);
    });

    it(`periscope:module:deploy in a dry run: ${READ} denied → NotAllowedError, no cluster contacted`, async () => {
      const { deploy } = await startWith([READ]);
      const ctx = { ...createMockActionContext({ input }), isDryRun: true };
      const run = deploy.handler(ctx as any);
      await expect(run).rejects.toThrow(NotAllowedError);
      await expect(run).rejects.toThrow(
        `module-deploy: permission '${READ}' is denied for ${checkout}`,
      );
      expect(ctx.output).not.toHaveBeenCalled();
      expect(cluster.requests).toEqual([]);
    });
  });

  describeIf({ cue })('a user whose permission is allowed', () => {
    it('periscope:module:diff previews against the cluster (apply denied does not matter)', async () => {
      const { diff, audit } = await startWith([APPLY]);
      const ctx = createMockActionContext({ input });
      await diff.handler(ctx as any);
      expect(ctx.output).toHaveBeenCalledWith('valid', true);
      expect(cluster.requests.length).toBeGreaterThan(0);
      expect(await audit()).toEqual([]);
    });

    it('periscope:module:deploy applies to the cluster and audits the attempt as the user', async () => {
      const { deploy, audit } = await startWith([]);
      const ctx = createMockActionContext({ input });
      // the stand-in cluster refuses everything, so the deploy fails, but only after trying
      await expect(deploy.handler(ctx as any)).rejects.toThrow(
        /deploy of shop\/checkout failed: cluster 'c1' failed/,
      );
      expect(cluster.requests.length).toBeGreaterThan(0);
      expect(await audit()).toEqual([
        expect.objectContaining({
          cluster: 'c1',
          action: 'deploy',
          result: 'failure',
          actor: 'user:default/mock',
          changeMessage: 'Scaffolder template unknown',
        }),
      ]);
    });

    it("periscope:module:deploy audits the template's change message", async () => {
      const { deploy, audit } = await startWith([]);
      const ctx = createMockActionContext({
        input: { ...input, changeMessage: 'first release of checkout' },
      });
      await expect(deploy.handler(ctx as any)).rejects.toThrow(
        /deploy of shop\/checkout failed/,
      );
      expect(await audit()).toEqual([
        expect.objectContaining({
          action: 'deploy',
          changeMessage: 'first release of checkout',
        }),
      ]);
    });
  });
});
