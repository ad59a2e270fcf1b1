import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { PreviewResult } from '@periscope/backstage-plugin-module-deploy-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  createModuleDeployAction,
  createModuleDiffAction,
} from './moduleActions';

/** What the stub module-deploy backend answers to POST /instances/preview. */
const PREVIEW: PreviewResult = {
  status: 'ok',
  valid: true,
  issues: [],
  rendered: ['Deployment/shop/checkout'],
  clusters: [{ cluster: 'local', objects: [] }],
  errors: [],
  warnings: [
    {
      cluster: 'local',
      analyzer: 'References',
      object: 'Deployment/shop/checkout',
      message:
        'ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container checkout)',
      severity: 'high',
      blocking: true,
    },
  ],
};

describe('periscope:module:diff and deploy --dry-run: warnings before a deploy', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify(req.url?.endsWith('/instances/preview') ? PREVIEW : {}),
      );
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise(r => server.close(r)));

  const deps = () => ({
    discovery: {
      getBaseUrl: async (id: string) => `http://127.0.0.1:${port}/api/${id}`,
      getExternalBaseUrl: async () => '',
    },
    auth: mockServices.auth(),
  });
  const input = { module: 'minimal', name: 'checkout', namespace: 'shop' };
  const LINE =
    'local: References Deployment/shop/checkout: ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container checkout) (blocks the deploy)';

  it.each([
    ['periscope:module:diff', false],
    ['periscope:module:deploy (dry run)', true],
  ])('%s logs each warning', async (_name, dryRun) => {
    const action = dryRun
      ? createModuleDeployAction(deps())
      : createModuleDiffAction(deps());
    // createMockActionContext does not take isDryRun
    const ctx = { ...createMockActionContext({ input }), isDryRun: dryRun };
    const warn = jest.spyOn(ctx.logger, 'warn');
    await action.handler(ctx as any);
    expect(warn).toHaveBeenCalledWith(LINE);
  });
});
