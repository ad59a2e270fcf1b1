import { mockServices } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  createModuleDeployAction,
  createModuleDiffAction,
  parseDeployInput,
  parseInstanceInput,
} from './moduleActions';

const good = { module: 'minimal', name: 'checkout', namespace: 'shop' };

function actions() {
  const discovery = {
    getBaseUrl: jest.fn(async () => 'http://127.0.0.1:1/api/module-deploy'),
    getExternalBaseUrl: jest.fn(async () => ''),
  };
  const deps = { discovery, auth: mockServices.auth() };
  return {
    discovery,
    diff: createModuleDiffAction(deps),
    deploy: createModuleDeployAction(deps),
  };
}

describe('periscope:module:* input', () => {
  it('publishes a typed JSON Schema: string, list and object fields, the three required ones', () => {
    const { diff, deploy } = actions();
    for (const action of [diff, deploy]) {
      const input = action.schema?.input as any;
      expect(input.type).toBe('object');
      expect([...input.required].sort()).toEqual([
        'module',
        'name',
        'namespace',
      ]);
      expect(input.properties.name).toMatchObject({
        type: 'string',
        minLength: 1,
        maxLength: 63,
        description: expect.stringMatching(/lowercase DNS name/),
      });
      expect(input.properties.clusters).toMatchObject({
        type: 'array',
        items: { type: 'string', minLength: 1 },
      });
      expect(input.properties.entityRef.type).toBe('string');
      expect(input.properties.values.type).toBe('object');
    }
  });

  it('accepts good input and maps nothing extra', () => {
    expect(
      parseInstanceInput('a', {
        ...good,
        clusters: ['staging', 'production'],
        entityRef: 'component:default/checkout',
        values: { replicas: 2 },
      }),
    ).toEqual({
      ...good,
      clusters: ['staging', 'production'],
      entityRef: 'component:default/checkout',
      values: { replicas: 2 },
    });
  });

  it.each([
    [
      { ...good, name: 'Bad_Name' },
      /name is 'Bad_Name', which is not a valid Kubernetes name: use lowercase letters/,
    ],
    [
      { ...good, namespace: '' },
      /namespace is empty: give a lowercase DNS name/,
    ],
    [
      { ...good, namespace: 'x'.repeat(64) },
      /namespace is longer than 63 characters/,
    ],
    [{ ...good, name: 5 }, /name must be a string/],
    [{ name: 'a', namespace: 'b' }, /module is missing/],
    [
      { ...good, module: 'min imal' },
      /module is 'min imal', which contains white space/,
    ],
    [
      { ...good, clusters: 'staging' },
      /clusters must be a list of cluster names/,
    ],
    [{ ...good, clusters: ['a', ''] }, /clusters contains an empty name/],
    [
      { ...good, clusters: ['a', 'b', 'a'] },
      /clusters lists a twice: name each target cluster once/,
    ],
    [
      { ...good, entityRef: 'checkout' },
      /entityRef is 'checkout', which is not an entity reference: write kind:namespace\/name/,
    ],
    [
      { ...good, values: ['replicas', 2] },
      /values must be an object of module values/,
    ],
    [
      { ...good, values: 'replicas: 2' },
      /values must be an object of module values/,
    ],
  ])('rejects %j', (input, message) => {
    expect(() => parseInstanceInput('periscope:module:deploy', input)).toThrow(
      InputError,
    );
    expect(() => parseInstanceInput('periscope:module:deploy', input)).toThrow(
      message,
    );
  });

  it('names every wrong input at once', () => {
    expect(() =>
      parseInstanceInput('periscope:module:diff', {
        module: 'm',
        name: 'A',
        namespace: 'B',
      }),
    ).toThrow(
      /^invalid input to periscope:module:diff: name is 'A', .*; namespace is 'B', /,
    );
  });

  it.each(['diff', 'deploy'] as const)(
    'periscope:module:%s refuses bad input before calling the backend',
    async which => {
      const a = actions();
      const ctx = createMockActionContext({
        input: { ...good, name: 'Not_OK' } as any,
      });
      await expect(a[which].handler(ctx as any)).rejects.toThrow(
        /invalid input to periscope:module:.*name is 'Not_OK'/,
      );
      expect(a.discovery.getBaseUrl).not.toHaveBeenCalled();
    },
  );
});

describe('periscope:module:deploy changeMessage', () => {
  /** A stand-in module-deploy backend: records each request, answers a deploy that went well. */
  let server: http.Server;
  let port: number;
  let requests: Array<{ url: string; body: any }>;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', c => (text += c));
      req.on('end', () => {
        requests.push({ url: req.url ?? '', body: JSON.parse(text) });
        if (req.url?.endsWith('/instances/deploy')) {
          res.setHeader('Content-Type', 'application/x-ndjson');
          res.end(
            `${JSON.stringify({
              type: 'done',
              ok: true,
              results: [{ cluster: 'local', status: 'healthy', revision: 1 }],
            })}\n`,
          );
          return;
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({
            status: 'ok',
            valid: true,
            issues: [],
            rendered: [],
            clusters: [],
            errors: [],
          }),
        );
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise(r => server.close(r)));
  beforeEach(() => {
    requests = [];
  });

  const deploy = () =>
    createModuleDeployAction({
      discovery: {
        getBaseUrl: async (id: string) => `http://127.0.0.1:${port}/api/${id}`,
        getExternalBaseUrl: async () => '',
      },
      auth: mockServices.auth(),
    });
  const TEMPLATE = 'template:default/new-service-from-module';

  it('publishes changeMessage as an optional string of the deploy action only', () => {
    const { diff } = actions();
    const input = deploy().schema?.input as any;
    expect(input.properties.changeMessage).toMatchObject({
      type: 'string',
      description: expect.stringMatching(/at most 500 characters/),
    });
    expect(input.required).not.toContain('changeMessage');
    expect(
      (diff.schema?.input as any).properties.changeMessage,
    ).toBeUndefined();
  });

  it("sends the template's message (trimmed) with the deploy request", async () => {
    const ctx = createMockActionContext({
      input: { ...good, changeMessage: ' first release of checkout ' },
      templateInfo: { entityRef: TEMPLATE },
    });
    await deploy().handler(ctx as any);
    expect(requests).toEqual([
      {
        url: '/api/module-deploy/instances/deploy',
        body: {
          module: 'minimal',
          instanceName: 'checkout',
          namespace: 'shop',
          values: {},
          changeMessage: 'first release of checkout',
        },
      },
    ]);
    expect(ctx.output).toHaveBeenCalledWith('dryRun', false);
  });

  it.each([
    ['no message', {}, TEMPLATE, `Scaffolder template ${TEMPLATE}`],
    [
      'an empty one',
      { changeMessage: '  ' },
      TEMPLATE,
      `Scaffolder template ${TEMPLATE}`,
    ],
    [
      'no message and no template',
      {},
      undefined,
      'Scaffolder template unknown',
    ],
  ])(
    'given %s, sends the default naming the template',
    async (_name, extra, entityRef, expected) => {
      const ctx = createMockActionContext({
        input: { ...good, ...extra },
        ...(entityRef ? { templateInfo: { entityRef } } : {}),
      });
      await deploy().handler(ctx as any);
      expect(requests.map(r => r.body.changeMessage)).toEqual([expected]);
    },
  );

  it('a dry run previews without sending a message (the preview takes none)', async () => {
    const ctx = {
      ...createMockActionContext({
        input: { ...good, changeMessage: 'why' },
      }),
      isDryRun: true,
    };
    await deploy().handler(ctx as any);
    expect(requests.map(r => [r.url, r.body.changeMessage])).toEqual([
      ['/api/module-deploy/instances/preview', undefined],
    ]);
  });

  it("refuses a 501-character message before calling the backend, with the route's reason", async () => {
    const ctx = createMockActionContext({
      input: { ...good, changeMessage: 'x'.repeat(501) },
    });
    const run = deploy().handler(ctx as any);
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(
      'invalid input to periscope:module:deploy: changeMessage: the change message has 501 characters; shorten it to at most 500',
    );
    expect(requests).toEqual([]);
  });

  it.each([
    [
      { ...good, changeMessage: 7 },
      /changeMessage must be text \(at most 500 characters\)/,
    ],
    [
      { ...good, changeMessage: 'a\u0007b' },
      /changeMessage: the change message contains the control character U\+0007 at position 2/,
    ],
  ])('parseDeployInput rejects %j', (input, message) => {
    expect(() => parseDeployInput('periscope:module:deploy', input)).toThrow(
      message,
    );
  });

  it('accepts exactly 500 characters', () => {
    expect(
      parseDeployInput('periscope:module:deploy', {
        ...good,
        changeMessage: 'x'.repeat(500),
      }).changeMessage,
    ).toHaveLength(500);
  });
});
