import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import knexFactory from 'knex';
import path from 'node:path';
import request from 'supertest';
import {
  findTool,
  pushModule,
} from '@periscope/backstage-plugin-module-deploy-node';
import { listTags } from './services/ModuleCatalog';
import { createDeployStore } from './services/DeployStore';
import {
  EXAMPLES,
  cluster,
  modulesConfig,
  oneCluster,
  start,
} from './__testUtils__/backend';
import { describeIf } from '@periscope/test-utils';

/** The registry client's answer to wrong basic-auth credentials. */
const REFUSED =
  /^listing the versions of .*: the registry 127\.0\.0\.1:\d+ refused .* \(HTTP 401\); check user and password$/;

const cue = findTool('cue');
const REGISTRY = process.env.PERISCOPE_REGISTRY_URL;
const AUTH_REGISTRY = process.env.PERISCOPE_REGISTRY_AUTH_URL;
const AUTH_CREDS = process.env.PERISCOPE_REGISTRY_AUTH_CREDENTIALS;
const hostOf = (url: string) =>
  url.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
const run = Date.now().toString(36);
const minimal = path.join(EXAMPLES, 'minimal');
/** The tags pushed to the registry, in the order the catalog lists them: newest version first. */
const pushedTags = ['1.10.0', '1.10.0-rc.1', '1.2.0', '0.9.0', 'latest'];
const E = '?entityRef=component:default/checkout';
const target = { module: 'minimal', instanceName: 'web', namespace: 'shop' };
const routes: Array<[string, string, object | undefined, string]> = [
  ['get', `/entity${E}`, undefined, 'module-deploy.instance.read'],
  ['get', `/entity/schema${E}`, undefined, 'module-deploy.instance.read'],
  ['get', `/clusters${E}`, undefined, 'module-deploy.instance.read'],
  [
    'post',
    `/entity/preview${E}`,
    { values: {} },
    'module-deploy.instance.read',
  ],
  ['get', `/entity/history${E}`, undefined, 'module-deploy.instance.read'],
  ['post', `/entity/drift${E}`, {}, 'module-deploy.instance.read'],
  [
    'post',
    `/entity/deploy${E}`,
    { values: {} },
    'module-deploy.instance.apply',
  ],
  [
    'post',
    `/entity/deploy${E}`,
    { values: {}, changeMessage: 'raise replicas for the sale' },
    'module-deploy.instance.apply',
  ],
  [
    'post',
    `/entity/rollback${E}`,
    { revision: 1 },
    'module-deploy.instance.apply',
  ],
  [
    'post',
    `/entity/delete${E}`,
    { confirm: 'checkout' },
    'module-deploy.instance.apply',
  ],
  ['get', '/modules', undefined, 'module-deploy.modules.read'],
  ['post', '/instances/preview', target, 'module-deploy.instance.read'],
  ['post', '/instances/deploy', target, 'module-deploy.instance.apply'],
  [
    'post',
    '/instances/rollback',
    { ...target, revision: 1 },
    'module-deploy.instance.apply',
  ],
];

function call(server: any, method: string, url: string, body?: object) {
  const r =
    method === 'get'
      ? request(server).get(`/api/module-deploy${url}`)
      : request(server)
          .post(`/api/module-deploy${url}`)
          .send(body ?? {});
  return r;
}

describe('module-deploy backend', () => {
  jest.setTimeout(120_000);

  it('serves /health without credentials', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/module-deploy/health')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it.each(routes)('needs credentials for %s %s', async (method, url, body) => {
    const server = await start({ config: oneCluster });
    const res = await call(server, method, url, body).set(
      'Authorization',
      mockCredentials.none.header(),
    );
    expect(res.status).toBe(401);
  });

  it.each(routes)(
    'answers 403 on %s %s (body %j) when %s is denied',
    async (method, url, body, permission) => {
      const server = await start({ config: oneCluster, deny: [permission] });
      const res = await call(server, method, url, body);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(permission);
    },
  );

  describe('GET /entity/history paging of the audit trail', () => {
    const knexes: Array<ReturnType<typeof knexFactory>> = [];
    afterAll(() => Promise.all(knexes.map(k => k.destroy())));

    /** A backend whose store holds `count` audit records of the entity (record i at minute i). */
    async function withAudit(count: number) {
      const knex = knexFactory({
        client: 'better-sqlite3',
        connection: ':memory:',
        useNullAsDefault: true,
      });
      knexes.push(knex);
      const store = await createDeployStore(mockServices.database({ knex }));
      for (let i = 0; i < count; i++) {
        await store.recordAudit({
          at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          actor: 'user:default/mock',
          entityRef: 'component:default/checkout',
          cluster: 'c1',
          namespace: 'shop',
          instanceName: 'checkout',
          action: 'deploy',
          revision: i + 1,
          result: 'success',
        });
      }
      const server = await start({
        config: oneCluster,
        extraFeatures: [mockServices.database.factory({ knex })],
      });
      const get = async (query = '') => {
        const res = await call(server, 'get', `/entity/history${E}${query}`);
        expect(res.status).toBe(200);
        return res.body;
      };
      return { server, get };
    }
    const revisionsOf = (body: { audit: Array<{ revision: number }> }) =>
      body.audit.map(a => a.revision);

    it('answers the newest 50 by default, as before paging, and says where older records start', async () => {
      const { get } = await withAudit(55);
      const body = await get();
      expect(revisionsOf(body)).toEqual(
        Array.from({ length: 50 }, (_, i) => 55 - i),
      );
      expect(body.nextOffset).toBe(50);
      expect(await get('&limit=50&offset=0')).toEqual(body);
      // fewer than a page: everything, and no nextOffset
      const small = await (await withAudit(3)).get();
      expect(revisionsOf(small)).toEqual([3, 2, 1]);
      expect(small).not.toHaveProperty('nextOffset');
    });

    it('pages with limit and offset: first page, next page, last page', async () => {
      const { get } = await withAudit(7);
      const first = await get('&limit=3');
      expect([revisionsOf(first), first.nextOffset]).toEqual([[7, 6, 5], 3]);
      const next = await get(`&limit=3&offset=${first.nextOffset}`);
      expect([revisionsOf(next), next.nextOffset]).toEqual([[4, 3, 2], 6]);
      const last = await get(`&limit=3&offset=${next.nextOffset}`);
      expect(revisionsOf(last)).toEqual([1]);
      expect(last).not.toHaveProperty('nextOffset');
      expect(revisionsOf(await get('&limit=7'))).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect((await get('&limit=7')).nextOffset).toBeUndefined();
      expect((await get('&offset=20')).audit).toEqual([]);
    });

    it.each([
      [
        '&limit=0',
        /parameter 'limit' is '0': give a whole number from 1 to 500/,
      ],
      [
        '&limit=501',
        /parameter 'limit' is '501': give a whole number from 1 to 500/,
      ],
      ['&limit=many', /parameter 'limit' is 'many'/],
      [
        '&offset=-1',
        /parameter 'offset' is '-1': give a whole number from 0 to 1000000/,
      ],
      ['&offset=0.5', /parameter 'offset' is '0.5'/],
    ])(
      'rejects %s with 400 naming the parameter and its range',
      async (query, message) => {
        const server = await start({ config: oneCluster });
        const res = await call(server, 'get', `/entity/history${E}${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(message);
      },
    );
  });

  it('stays readable when only the apply permission is denied (read-only tab)', async () => {
    const server = await start({
      config: oneCluster,
      deny: ['module-deploy.instance.apply'],
    });
    const res = await call(server, 'get', `/entity${E}`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it.each([
    ['get', '/entity', undefined, /'entityRef' is missing/],
    [
      'get',
      '/entity?entityRef=component:default/',
      undefined,
      /not an entity reference/,
    ],
    ['get', '/entity/schema', undefined, /'entityRef' is missing/],
    ['get', '/entity/history?entityRef=', undefined, /'entityRef' is missing/],
    ['post', `/entity/preview${E}`, {}, /values/],
    ['post', `/entity/preview${E}`, { values: [1] }, /values/],
    ['post', `/entity/deploy${E}`, { values: 'x' }, /values/],
    ['post', `/entity/deploy${E}`, { values: {}, extra: 1 }, /extra/],
    [
      'post',
      `/entity/deploy${E}`,
      { values: {}, changeMessage: 'x'.repeat(501) },
      /changeMessage: the change message has 501 characters; shorten it to at most 500/,
    ],
    [
      'post',
      `/entity/deploy${E}`,
      { values: {}, changeMessage: 42 },
      /changeMessage: 'changeMessage' must be text \(at most 500 characters\)/,
    ],
    [
      'post',
      `/entity/deploy${E}`,
      { values: {}, changeMessage: 'bell\u0007' },
      /control character U\+0007 at position 5; use plain text/,
    ],
    // only deploys carry a change message
    [
      'post',
      `/entity/preview${E}`,
      { values: {}, changeMessage: 'x' },
      /changeMessage/,
    ],
    ['post', `/entity/rollback${E}`, { revision: 0 }, /revision/],
    ['post', `/entity/rollback${E}`, { revision: 'two' }, /revision/],
    ['post', `/entity/delete${E}`, {}, /confirm/],
    [
      'post',
      `/entity/delete${E}`,
      { confirm: 'wrong' },
      /type the instance name 'checkout'/,
    ],
    ['post', '/entity/drift', {}, /'entityRef' is missing/],
    [
      'post',
      '/entity/drift?entityRef=checkout:',
      {},
      /not an entity reference/,
    ],
    [
      'post',
      `/entity/drift${E}`,
      { cluster: '' },
      /'cluster' must not be empty/,
    ],
    [
      'post',
      `/entity/drift${E}`,
      { cluster: 7 },
      /'cluster' must be the name of a target cluster/,
    ],
    ['post', `/entity/drift${E}`, { clusters: ['c1'] }, /clusters/],
    [
      'post',
      `/entity/drift${E}`,
      { cluster: 'ghost' },
      /cluster 'ghost' is not a target of component:default\/checkout; targets: c1/,
    ],
    ['post', '/instances/preview', { module: 'minimal' }, /instanceName/],
    [
      'post',
      '/instances/deploy',
      { ...target, module: 'nope' },
      /module 'nope' is unknown/,
    ],
    [
      'post',
      '/instances/deploy',
      { ...target, module: 'oci://evil.example/x:1' },
      /not under a configured OCI module/,
    ],
    [
      'post',
      '/instances/deploy',
      { ...target, namespace: 'Bad_NS' },
      /not a valid Kubernetes name/,
    ],
    [
      'post',
      '/instances/deploy',
      { ...target, clusters: ['ghost'] },
      /cluster 'ghost', which is not configured; configured clusters: c1/,
    ],
    [
      'post',
      '/instances/deploy',
      { ...target, namespace: 'kube-system' },
      /namespace is 'kube-system', which moduleDeploy.deniedNamespaces refuses \('kube-\*'\)/,
    ],
    [
      'post',
      '/instances/preview',
      { ...target, namespace: 'default' },
      /namespace is 'default', which moduleDeploy.deniedNamespaces refuses \('default'\)/,
    ],
    [
      'post',
      '/instances/deploy',
      // checkout declares module minimal, instance checkout (its name) in namespace shop
      { ...target, entityRef: 'component:default/checkout' },
      /another instance than entity 'component:default\/checkout' declares: instanceName 'web' where the entity declares 'checkout'/,
    ],
    [
      'post',
      '/instances/preview',
      {
        module: 'minimal',
        instanceName: 'checkout',
        namespace: 'payments',
        entityRef: 'component:default/checkout',
      },
      /namespace 'payments' where the entity declares 'shop' \(backstage.io\/kubernetes-namespace\)/,
    ],
  ])('rejects bad input: %s %s %j', async (method, url, body, message) => {
    const server = await start({ config: oneCluster });
    const res = await call(server, method, url, body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 404 for an entity that is not in the catalog', async () => {
    const server = await start({ config: oneCluster });
    const res = await call(
      server,
      'get',
      '/entity?entityRef=component:default/ghost',
    );
    expect(res.status).toBe(404);
  });

  it('explains an annotation it cannot resolve', async () => {
    const server = await start({ config: oneCluster });
    const res = await call(
      server,
      'get',
      '/entity?entityRef=component:default/stray',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /'\.\/elsewhere' is a relative path, but entity stray does not come from a file location/,
    );
  });

  it('says not-configured without clusters and not-annotated without annotations', async () => {
    let server = await start();
    let res = await call(server, 'get', `/entity${E}`);
    expect(res.body).toMatchObject({ status: 'not-configured', instances: [] });
    server = await start({ config: oneCluster });
    res = await call(server, 'get', '/entity?entityRef=component:default/bare');
    expect(res.body).toMatchObject({ status: 'not-annotated' });
    res = await call(
      server,
      'post',
      '/entity/deploy?entityRef=component:default/bare',
      { values: {} },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /has no periscope.dev\/module annotation/,
    );
  });

  it('checks drift now: an unreachable cluster is stored as the check error, per cluster', async () => {
    const server = await start({ config: oneCluster });
    const res = await call(server, 'post', `/entity/drift${E}`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      entityRef: 'component:default/checkout',
      status: 'ok',
      errors: [],
    });
    expect(res.body.clusters).toEqual([
      {
        cluster: 'c1',
        drift: {
          checkedAt: expect.any(String),
          drifted: false,
          objects: [],
          error: expect.stringMatching(/c1.*(unreachable|ECONNREFUSED)/i),
        },
      },
    ]);
    const bare = await call(
      server,
      'post',
      '/entity/drift?entityRef=component:default/bare',
      {},
    );
    expect(bare.body).toEqual({
      entityRef: 'component:default/bare',
      status: 'not-annotated',
      clusters: [],
      errors: [],
    });
  });

  it('limits one user to moduleDeploy.driftChecksPerMinute drift checks of an entity a minute (429 naming the key)', async () => {
    const server = await start({
      config: {
        ...oneCluster,
        moduleDeploy: { ...oneCluster.moduleDeploy, driftChecksPerMinute: 2 },
      },
    });
    const check = () => call(server, 'post', `/entity/drift${E}`, {});
    expect((await check()).status).toBe(200);
    expect((await check()).status).toBe(200);
    const third = await check();
    expect(third.status).toBe(429);
    expect(third.body.error.message).toMatch(
      /may check component:default\/checkout 2 times a minute \(moduleDeploy\.driftChecksPerMinute\)/,
    );
    // reading the instances is never limited
    expect((await call(server, 'get', `/entity${E}`)).status).toBe(200);
  });

  it('turns an unreachable cluster into a typed per-cluster error', async () => {
    const server = await start({ config: oneCluster });
    const res = await call(server, 'get', `/entity${E}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      target: {
        module: 'minimal',
        instanceName: 'checkout',
        namespace: 'shop',
        clusters: ['c1'],
      },
    });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ cluster: 'c1', errorType: 'UNREACHABLE' }),
    ]);
  });

  describeIf({ cue })('rendering with cue', () => {
    it('returns the values schema, and defaults when nothing is deployed', async () => {
      const server = await start({
        config: { ...modulesConfig, kubernetes: oneCluster.kubernetes },
      });
      const res = await call(server, 'get', `/entity/schema${E}`);
      expect(res.status).toBe(200);
      expect(res.body.valuesFrom).toBe('defaults');
      expect(res.body.schema.properties.replicas).toMatchObject({
        type: 'integer',
        default: 1,
      });
      expect(res.body.schema.properties.kubeVersion.readOnly).toBe(true);
    });

    it('reports invalid values as inline issues, by values path', async () => {
      const server = await start({ config: oneCluster });
      const res = await call(server, 'post', `/entity/preview${E}`, {
        values: { replicas: 0 },
      });
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.issues).toEqual([
        expect.objectContaining({
          valuesPath: 'replicas',
          message: expect.stringMatching(/>0|out of bound/),
        }),
      ]);
      const deploy = await call(server, 'post', `/entity/deploy${E}`, {
        values: { replicas: 0 },
      });
      const events = deploy.text
        .trim()
        .split('\n')
        .map(l => JSON.parse(l));
      expect(events[0]).toMatchObject({
        type: 'invalid',
        issues: [expect.objectContaining({ valuesPath: 'replicas' })],
      });
      expect(events[events.length - 1]).toEqual({
        type: 'done',
        ok: false,
        results: [],
      });
    });

    it('rolls out one cluster at a time: a failing cluster stops the rollout and is audited', async () => {
      const config = {
        ...modulesConfig,
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'config', clusters: [cluster('first'), cluster('second')] },
          ],
        },
      };
      const server = await start({ config });
      const res = await call(server, 'post', `/entity/deploy${E}`, {
        values: { message: 'hi' },
        changeMessage: '  say hi for the launch  ',
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
      const events = res.text
        .trim()
        .split('\n')
        .map(l => JSON.parse(l));
      expect(events[0]).toMatchObject({
        type: 'start',
        action: 'deploy',
        clusters: ['first', 'second'],
      });
      const done = events[events.length - 1];
      expect(done.ok).toBe(false);
      expect(done.results).toEqual([
        expect.objectContaining({
          cluster: 'first',
          status: 'failed',
          message: expect.stringMatching(/unreachable|ECONNREFUSED/),
        }),
        expect.objectContaining({ cluster: 'second', status: 'skipped' }),
      ]);
      const history = await call(server, 'get', `/entity/history${E}`);
      expect(history.body.audit).toEqual([
        expect.objectContaining({
          cluster: 'first',
          action: 'deploy',
          result: 'failure',
          actor: 'user:default/mock',
          // trimmed, and kept with the attempt even when it failed
          changeMessage: 'say hi for the launch',
        }),
      ]);
    });

    it('answers a corrupt stored revision with a 503 that names the row and the fix, never a 500', async () => {
      const knex = knexFactory({
        client: 'better-sqlite3',
        connection: ':memory:',
        useNullAsDefault: true,
      });
      try {
        const store = await createDeployStore(mockServices.database({ knex }));
        await store.recordRevision({
          entityRef: 'component:default/checkout',
          cluster: 'c1',
          namespace: 'shop',
          instanceName: 'checkout',
          revision: 2,
          at: '2026-01-01T00:00:00Z',
          actor: 'user:default/mock',
          action: 'deploy',
          module: { name: 'm', repository: 'r', version: '1', digest: '' },
          values: {},
          result: 'success',
        });
        await knex('module_deploy_revisions').update({
          values: '{"replicas":',
        });
        const server = await start({
          config: oneCluster,
          extraFeatures: [mockServices.database.factory({ knex })],
        });
        const res = await call(server, 'get', `/entity/history${E}`);
        expect(res.status).toBe(503);
        expect(res.body.error.message).toMatch(
          /^module-deploy: the stored row of table module_deploy_revisions where entity_ref = 'component:default\/checkout' AND cluster = 'c1' AND namespace = 'shop' AND instance_name = 'checkout' AND revision = 2 is corrupt: column 'values' is not valid JSON .*DELETE FROM module_deploy_revisions WHERE .* AND revision = 2;$/,
        );
      } finally {
        await knex.destroy();
      }
    });

    it('lists a configured local module with its name, title and values schema', async () => {
      const server = await start({
        config: {
          moduleDeploy: {
            modules: [
              {
                name: 'minimal',
                path: path.join(EXAMPLES, 'minimal'),
                title: 'Web service',
              },
            ],
          },
        },
      });
      const res = await call(server, 'get', '/modules');
      expect(res.status).toBe(200);
      const [local] = res.body.modules;
      expect(local).toMatchObject({
        name: 'minimal',
        kind: 'local',
        moduleName: 'timoni.sh/minimal',
        versions: ['local'],
        title: 'Web service',
      });
      expect(local.error).toBeUndefined();
      expect(local.schema.properties.message).toMatchObject({
        type: 'string',
      });
    });
  });

  /*
   * The module versions come from a real OCI registry: Debian's docker-registry on loopback,
   * started by scripts/lib/registry.sh (registry_up, which ./scripts/test runs), which exports
   * PERISCOPE_REGISTRY_URL and, for basic auth, PERISCOPE_REGISTRY_AUTH_URL and
   * PERISCOPE_REGISTRY_AUTH_CREDENTIALS. The versions are pushed with the engine's own push.
   */
  describeIf({ registry: REGISTRY })(
    'module versions from a real OCI registry',
    () => {
      const host = () => hostOf(REGISTRY!);
      const web = () => `oci://${host()}/periscope-md-${run}/web`;
      const gone = () => `oci://${host()}/periscope-md-${run}/gone`;

      beforeAll(async () => {
        for (const version of ['0.9.0', '1.2.0', '1.10.0-rc.1', '1.10.0'])
          await pushModule(minimal, web(), {
            version,
            latest: version === '1.10.0',
          });
      });

      it('listTags lists every pushed tag, newest version first', async () => {
        expect(await listTags(web())).toEqual(pushedTags);
      });

      it('listTags says which repository does not exist, and which registry it cannot reach', async () => {
        await expect(listTags(gone())).rejects.toThrow(
          `listing the versions of ${gone()}: the repository does not exist in the registry; push a version first, or fix the oci:// reference`,
        );
        await expect(
          listTags('oci://127.0.0.1:9/periscope/web'),
        ).rejects.toThrow(
          /^listing the versions of oci:\/\/127\.0\.0\.1:9\/periscope\/web: cannot reach the registry at http:\/\/127\.0\.0\.1:9\/v2\/periscope\/web .*is it running/,
        );
      });

      it('GET /modules lists the versions from the registry, and the missing repository as its error', async () => {
        const server = await start({
          config: {
            moduleDeploy: {
              modules: [
                { name: 'web', oci: web(), title: 'Web service' },
                { name: 'gone', oci: gone() },
              ],
            },
          },
        });
        const res = await call(server, 'get', '/modules');
        expect(res.status).toBe(200);
        expect(res.body.modules).toEqual([
          expect.objectContaining({
            name: 'web',
            title: 'Web service',
            kind: 'oci',
            location: web(),
            versions: pushedTags,
          }),
          {
            name: 'gone',
            kind: 'oci',
            location: gone(),
            versions: [],
            error: `listing the versions of ${gone()}: the repository does not exist in the registry; push a version first, or fix the oci:// reference`,
          },
        ]);
      });

      describeIf({ cue })('with cue', () => {
        it("GET /modules serves the newest version's values schema, pulled from the registry", async () => {
          const server = await start({
            config: {
              moduleDeploy: { modules: [{ name: 'web', oci: web() }] },
            },
          });
          const res = await call(server, 'get', '/modules');
          const [info] = res.body.modules;
          expect(info.error).toBeUndefined();
          expect(info.versions[0]).toBe('1.10.0');
          expect(info.schema.properties.message).toMatchObject({
            type: 'string',
          });
        });
      });
    },
  );

  describeIf({ registryAuth: AUTH_REGISTRY && AUTH_CREDS })(
    'module versions from a real OCI registry with basic auth',
    () => {
      const repo = () =>
        `oci://${hostOf(AUTH_REGISTRY!)}/periscope-md-${run}/private`;
      const [user] = (AUTH_CREDS ?? ':').split(':');

      beforeAll(async () => {
        await pushModule(minimal, repo(), {
          version: '1.0.0',
          latest: true,
          credentials: AUTH_CREDS,
        });
      });

      it('listTags lists the tags with the right credentials', async () => {
        expect(await listTags(repo(), { credentials: AUTH_CREDS })).toEqual([
          '1.0.0',
          'latest',
        ]);
      });

      it('listTags says what to set without credentials and with wrong ones', async () => {
        await expect(listTags(repo())).rejects.toThrow(
          /the registry 127\.0\.0\.1:\d+ requires authentication \(Basic\); give credentials for 127\.0\.0\.1:\d+: in the backend a moduleDeploy\.registries entry/,
        );
        await expect(
          listTags(repo(), { credentials: `${user}:wrong` }),
        ).rejects.toThrow(REFUSED);
      });

      it('GET /modules lists the versions with moduleDeploy.registry.credentials, and says when they are wrong', async () => {
        const modules = async (credentials: string) => {
          const server = await start({
            config: {
              moduleDeploy: {
                registry: { credentials },
                modules: [{ name: 'private', oci: repo() }],
              },
            },
          });
          const res = await call(server, 'get', '/modules');
          expect(res.status).toBe(200);
          return res.body.modules;
        };
        expect(await modules(AUTH_CREDS!)).toEqual([
          expect.objectContaining({
            name: 'private',
            versions: ['1.0.0', 'latest'],
          }),
        ]);
        expect(await modules(`${user}:wrong`)).toEqual([
          {
            name: 'private',
            kind: 'oci',
            location: repo(),
            versions: [],
            error: expect.stringMatching(REFUSED),
          },
        ]);
      });
    },
  );
});
