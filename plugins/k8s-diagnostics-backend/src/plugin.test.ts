import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createKubeHttp } from '@periscope/backstage-plugin-k8s-diagnostics-node';
import {
  kubernetesConfigFromKubeconfig,
  loadKubeConfigFile,
} from '@periscope/kube-access';
import request from 'supertest';
import { registerActions } from './actions';
import { operatorResultsFor, readDiagnosticsConfig } from './config';
import { k8sDiagnosticsPlugin } from './plugin';
import { createExplainService } from './services/ExplainService';
import { createFindingsStore } from './services/FindingsStore';
import { createHealthService } from './services/HealthService';
import { seedEntity, startFakeLlm } from './__testUtils__/fixtures';
import { EntityHealth, ExplainChunk, HealthFinding } from './types';
import { describeIf } from '@periscope/test-utils';

const component = (name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    ...(annotations ? { annotations } : {}),
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
});
const annotated = (id: string) =>
  component(id, {
    'backstage.io/kubernetes-id': id,
    'backstage.io/kubernetes-namespace': 'shop',
  });
const SCENARIO_IDS = [
  'checkout',
  'payments',
  'cart',
  'recommender',
  'search',
  'storefront',
  'notifier',
  'reports',
];
const entities = [
  ...SCENARIO_IDS.filter(id => id !== 'recommender').map(annotated),
  component('recommender', {
    'backstage.io/kubernetes-label-selector':
      'backstage.io/kubernetes-id=recommender',
  }),
  component('bare'),
  // a selector by exclusion only: it would reach every workload without the label
  component('greedy', { 'backstage.io/kubernetes-label-selector': '!team' }),
];
const oneCluster = {
  kubernetes: {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'c1',
            url: 'https://127.0.0.1:1',
            authProvider: 'serviceAccount',
            serviceAccountToken: 't',
          },
        ],
      },
    ],
  },
  k8sDiagnostics: { scanTimeoutMs: 2000 },
  // recommender selects by label only, with no namespace annotation
  periscope: { namespacesWithoutAnnotation: ['shop'] },
};

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function start(
  opts: {
    config?: object;
    result?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
    seed?: boolean;
  } = {},
) {
  const knex = await databases.init('SQLITE_3');
  if (opts.seed) {
    const store = await createFindingsStore(mockServices.database({ knex }));
    await seedEntity(store, 'component:default/payments', 'payments', 'c1');
  }
  const { server } = await startTestBackend({
    features: [
      k8sDiagnosticsPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({ data: opts.config ?? {} }),
      mockServices.permissions.factory({
        result: opts.result ?? AuthorizeResult.ALLOW,
      }),
    ],
  });
  return server;
}

/** The local control plane's config; recommender (no namespace annotation) is read in shop. */
const liveConfig = (kubeconfig: string, name?: string) => ({
  ...kubernetesConfigFromKubeconfig(kubeconfig, name),
  periscope: { namespacesWithoutAnnotation: ['shop'] },
  // these tests rescan every few seconds until the seeded scenarios show
  k8sDiagnostics: { rescansPerMinute: 0 },
});
const seededConfig = (ai?: object) => ({
  ...oneCluster,
  k8sDiagnostics: {
    ...oneCluster.k8sDiagnostics,
    cacheTtlSeconds: 3600,
    ...(ai ? { ai } : {}),
  },
});
const ndjson = (text: string): ExplainChunk[] =>
  text
    .trim()
    .split('\n')
    .map(l => JSON.parse(l));
const allFindings = (h: EntityHealth): HealthFinding[] =>
  h.groups.flatMap(g => g.findings);

describe('k8s-diagnostics backend', () => {
  it('serves /health without credentials', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/k8s-diagnostics/health')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it.each([
    ['get', '/entity?entityRef=component:default/checkout'],
    ['get', '/clusters?entityRef=component:default/checkout'],
    ['post', '/entity/rescan'],
    ['post', '/entity/explain'],
    ['get', '/findings'],
  ] as const)('needs credentials for %s %s', async (method, path) => {
    const server = await start();
    const res = await request(server)
      [method](`/api/k8s-diagnostics${path}`)
      .send({ entityRef: 'component:default/checkout', findingId: 'abcdef' })
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it.each([
    [
      'get',
      '/entity?entityRef=component:default/checkout',
      /k8s-diagnostics.findings.read/,
    ],
    [
      'get',
      '/clusters?entityRef=component:default/checkout',
      /k8s-diagnostics.findings.read/,
    ],
    ['post', '/entity/rescan', /k8s-diagnostics.findings.read/],
    [
      'post',
      '/entity/explain',
      /k8s-diagnostics.findings.read' and 'k8s-diagnostics.findings.explain/,
    ],
    ['get', '/findings', /k8s-diagnostics.cluster.read/],
  ] as const)(
    'answers 403 for %s %s when the permission is denied',
    async (method, path, message) => {
      const server = await start({
        config: oneCluster,
        result: AuthorizeResult.DENY,
      });
      const res = await request(server)
        [method](`/api/k8s-diagnostics${path}`)
        .send({ entityRef: 'component:default/checkout', findingId: 'abcdef' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(message);
    },
  );

  it('lists the clusters and their auth providers for the frontend, without URL or token', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(
      '/api/k8s-diagnostics/clusters?entityRef=component:default/checkout',
    );
    expect([res.status, res.body]).toEqual([
      200,
      {
        items: [
          { name: 'c1', authProvider: 'serviceAccount', clientSide: false },
        ],
      },
    ]);
  });

  it.each([
    ['', /'entityRef' is missing/],
    ['?entityRef=', /'entityRef' is missing/],
    ['?entityRef=component:default/', /not an entity reference/],
  ])('rejects bad input %s with 400', async (query, message) => {
    const server = await start();
    const res = await request(server).get(
      `/api/k8s-diagnostics/entity${query}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it.each([
    [{}, /'entityRef' /],
    [{ entityRef: 'component:default/payments' }, /'findingId' /],
    [
      { entityRef: 'component:default/payments', findingId: '../etc' },
      /'findingId' must be the id of a finding/,
    ],
    [{ entityRef: 'nope:', findingId: 'abcdef' }, /not an entity reference/],
  ])('rejects a bad explain body %j with 400', async (body, message) => {
    const server = await start();
    const res = await request(server)
      .post('/api/k8s-diagnostics/entity/explain')
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('rejects an unknown severity filter with 400', async () => {
    const server = await start();
    const res = await request(server).get(
      '/api/k8s-diagnostics/findings?severity=urgent',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /'severity'.*one of critical, high, medium, low, info/,
    );
  });

  describe('GET /entity/history paging', () => {
    const REF = 'component:default/payments';
    /** A backend with `count` stored scans of payments, one a minute, and a fresh last scan (no rescan). */
    async function withScans(count: number) {
      const knex = await databases.init('SQLITE_3');
      const store = await createFindingsStore(mockServices.database({ knex }));
      const base = Date.now() - count * 60_000;
      for (let i = 0; i < count; i++)
        await seedEntity(
          store,
          REF,
          'payments',
          'c1',
          new Date(base + i * 60_000),
        );
      const { server } = await startTestBackend({
        features: [
          k8sDiagnosticsPlugin,
          catalogServiceMock.factory({ entities }),
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({ data: seededConfig() }),
          mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        ],
      });
      const times = Array.from({ length: count }, (_, i) =>
        new Date(base + i * 60_000).toISOString(),
      );
      return { server, times };
    }
    const history = (server: Parameters<typeof request>[0], query = '') =>
      request(server).get(
        `/api/k8s-diagnostics/entity/history?entityRef=${REF}${query}`,
      );

    it("answers GET /entity's 48 newest points by default, oldest first, and says where older scans start", async () => {
      const { server, times } = await withScans(50);
      const entity = await request(server).get(
        `/api/k8s-diagnostics/entity?entityRef=${REF}`,
      );
      expect(entity.body.history).toHaveLength(48);
      const res = await history(server);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        entityRef: REF,
        history: entity.body.history,
        nextOffset: 48,
      });
      expect(res.body.history.map((p: { at: string }) => p.at)).toEqual(
        times.slice(2),
      );
      expect((await history(server, '&limit=48&offset=0')).body).toEqual(
        res.body,
      );
    });

    it('pages with limit and offset from the newest scan: first page, next page, last page', async () => {
      const { server, times } = await withScans(5);
      const at = (body: { history: Array<{ at: string }> }) =>
        body.history.map(p => p.at);
      const first = (await history(server, '&limit=2')).body;
      expect([at(first), first.nextOffset]).toEqual([times.slice(3, 5), 2]);
      const next = (
        await history(server, `&limit=2&offset=${first.nextOffset}`)
      ).body;
      expect([at(next), next.nextOffset]).toEqual([times.slice(1, 3), 4]);
      const last = (await history(server, `&limit=2&offset=${next.nextOffset}`))
        .body;
      expect(at(last)).toEqual(times.slice(0, 1));
      expect(last).not.toHaveProperty('nextOffset');
      const all = (await history(server)).body;
      expect([at(all), all.nextOffset]).toEqual([times, undefined]);
      expect((await history(server, '&offset=9')).body).toEqual({
        entityRef: REF,
        history: [],
      });
    });

    it.each([
      [
        '&limit=0',
        /parameter 'limit' is '0': give a whole number from 1 to 5000/,
      ],
      [
        '&limit=5001',
        /parameter 'limit' is '5001': give a whole number from 1 to 5000/,
      ],
      [
        '&offset=-1',
        /parameter 'offset' is '-1': give a whole number from 0 to 1000000/,
      ],
      ['&offset=soon', /parameter 'offset' is 'soon'/],
    ])(
      'rejects %s with 400 naming the parameter and its range',
      async (query, message) => {
        const server = await start({ config: oneCluster });
        const res = await history(server, query);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(message);
      },
    );

    it('needs the read permission of the entity and an entity in the catalog', async () => {
      const denied = await start({
        config: oneCluster,
        result: AuthorizeResult.DENY,
      });
      const res = await history(denied);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/k8s-diagnostics.findings.read/);
      const server = await start({ config: oneCluster });
      expect(
        (
          await request(server).get(
            '/api/k8s-diagnostics/entity/history?entityRef=component:default/ghost',
          )
        ).status,
      ).toBe(404);
      expect(
        (
          await request(server)
            .get('/api/k8s-diagnostics/entity/history')
            .set('Authorization', mockCredentials.none.header())
        ).status,
      ).toBe(401);
    });
  });

  describe('GET /findings paging', () => {
    /** A backend whose last cluster-wide scan (scope '*') holds the findings of several workloads. */
    async function startWithClusterScan() {
      const knex = await databases.init('SQLITE_3');
      const store = await createFindingsStore(mockServices.database({ knex }));
      const findings = [];
      for (const id of SCENARIO_IDS)
        findings.push(
          ...(await seedEntity(store, `component:default/${id}`, id, 'c1')),
        );
      await store.recordScan({
        scope: '*',
        at: new Date(),
        scannedClusters: ['c1'],
        findings,
        errors: [],
        warnings: ['w'],
        clusters: [],
      });
      const { server } = await startTestBackend({
        features: [
          k8sDiagnosticsPlugin,
          catalogServiceMock.factory({ entities }),
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({ data: seededConfig() }),
          mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        ],
      });
      return { server, count: findings.length };
    }
    const get = (server: Parameters<typeof request>[0], query = '') =>
      request(server).get(`/api/k8s-diagnostics/findings${query}`);

    it('answers every finding by default, as before paging, with the total and no nextOffset', async () => {
      const { server, count } = await startWithClusterScan();
      expect(count).toBeGreaterThan(2);
      const res = await get(server);
      expect(res.status).toBe(200);
      expect(res.body.findings).toHaveLength(count);
      expect(res.body).toMatchObject({
        status: 'ok',
        total: count,
        warnings: ['w'],
      });
      expect(res.body).not.toHaveProperty('nextOffset');
      // the default page is the largest default page asked for explicitly
      expect((await get(server, '?limit=1000&offset=0')).body).toEqual(
        res.body,
      );
    });

    it('pages with limit and offset: first page, next page, last page; facets stay those of every finding', async () => {
      const { server, count } = await startWithClusterScan();
      const all = (await get(server)).body;
      const first = await get(server, '?limit=1');
      expect(first.body.findings).toEqual(all.findings.slice(0, 1));
      expect(first.body).toMatchObject({
        total: count,
        nextOffset: 1,
        facets: all.facets,
        errors: all.errors,
        warnings: all.warnings,
      });
      const next = await get(
        server,
        `?limit=1&offset=${first.body.nextOffset}`,
      );
      expect(next.body.findings).toEqual(all.findings.slice(1, 2));
      expect(next.body.nextOffset).toBe(2);
      const last = await get(server, `?limit=2&offset=${count - 1}`);
      expect(last.body.findings).toEqual(all.findings.slice(count - 1));
      expect(last.body).not.toHaveProperty('nextOffset');
      const beyond = await get(server, `?offset=${count + 10}`);
      expect([beyond.status, beyond.body.findings, beyond.body.total]).toEqual([
        200,
        [],
        count,
      ]);
      // a filter pages the filtered list
      const crit = (await get(server, '?severity=critical')).body;
      const critPage = await get(server, '?severity=critical&limit=1');
      expect(critPage.body.findings).toEqual(crit.findings.slice(0, 1));
      expect(critPage.body.total).toBe(crit.findings.length);
    });

    it.each([
      [
        '?limit=0',
        /parameter 'limit' is '0': give a whole number from 1 to 5000/,
      ],
      [
        '?limit=5001',
        /parameter 'limit' is '5001': give a whole number from 1 to 5000/,
      ],
      ['?limit=ten', /parameter 'limit' is 'ten'/],
      [
        '?offset=-1',
        /parameter 'offset' is '-1': give a whole number from 0 to 1000000/,
      ],
      ['?offset=1.5', /parameter 'offset' is '1.5'/],
    ])(
      'rejects %s with 400 naming the parameter and its range',
      async (query, message) => {
        const server = await start({ config: oneCluster });
        const res = await get(server, query);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(message);
      },
    );
  });

  it('answers 404 for an entity that is not in the catalog', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(
      '/api/k8s-diagnostics/entity?entityRef=component:default/ghost',
    );
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(
      /'component:default\/ghost' is not in the catalog/,
    );
  });

  it('says not-configured without clusters and not-annotated without annotations', async () => {
    let server = await start();
    let res = await request(server).get(
      '/api/k8s-diagnostics/entity?entityRef=component:default/checkout',
    );
    expect(res.body).toMatchObject({
      status: 'not-configured',
      groups: [],
      errors: [],
    });
    res = await request(server).get('/api/k8s-diagnostics/findings');
    expect(res.body).toMatchObject({ status: 'not-configured', findings: [] });
    server = await start({ config: oneCluster });
    res = await request(server).get(
      '/api/k8s-diagnostics/entity?entityRef=component:default/bare',
    );
    expect(res.body).toMatchObject({ status: 'not-annotated' });
  });

  it('refuses an entity whose label selector names no label value (400), naming the annotation', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(
      '/api/k8s-diagnostics/entity?entityRef=component:default/greedy',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /backstage\.io\/kubernetes-label-selector "!team" names no label value.*"key=value"/,
    );
  });

  it('turns an unreachable cluster into a typed per-cluster error, for the entity and cluster-wide', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server)
      .post('/api/k8s-diagnostics/entity/rescan')
      .send({ entityRef: 'component:default/checkout' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      groups: [],
      scannedAt: expect.any(String),
    });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ cluster: 'c1', errorType: 'UNREACHABLE' }),
    ]);
    const all = await request(server).get('/api/k8s-diagnostics/findings');
    expect(all.body.errors).toEqual([
      expect.objectContaining({ cluster: 'c1', errorType: 'UNREACHABLE' }),
    ]);
  });

  it('limits one user to k8sDiagnostics.rescansPerMinute rescans of an entity a minute (429 with the key)', async () => {
    const server = await start({
      config: { ...oneCluster, k8sDiagnostics: { rescansPerMinute: 2 } },
    });
    const rescan = (entityRef: string) =>
      request(server)
        .post('/api/k8s-diagnostics/entity/rescan')
        .send({ entityRef });
    expect((await rescan('component:default/checkout')).status).toBe(200);
    expect((await rescan('component:default/checkout')).status).toBe(200);
    const third = await rescan('component:default/checkout');
    expect(third.status).toBe(429);
    expect(third.body.error.message).toMatch(
      /may rescan component:default\/checkout 2 times a minute \(k8sDiagnostics.rescansPerMinute\)/,
    );
    // another entity has its own allowance; reading without a rescan is never limited
    expect((await rescan('component:default/payments')).status).toBe(200);
    expect(
      (
        await request(server).get(
          '/api/k8s-diagnostics/entity?entityRef=component:default/checkout',
        )
      ).status,
    ).toBe(200);
  });

  it('keeps stored findings (with history) when the cluster is unreachable on a rescan', async () => {
    const server = await start({ config: seededConfig(), seed: true });
    const first = await request(server).get(
      '/api/k8s-diagnostics/entity?entityRef=component:default/payments',
    );
    expect(first.body.summary.critical).toBeGreaterThan(0);
    const group = first.body.groups.find(
      (g: { workload: { name: string } }) => g.workload.name === 'payments',
    );
    expect(group.findings.map((f: HealthFinding) => f.object.kind)).toEqual([
      'Deployment',
      'Pod',
    ]);
    expect(group.findings[1].ownerChain).toEqual([
      { kind: 'ReplicaSet', name: 'payments-7d9f8c', namespace: 'shop' },
      { kind: 'Deployment', name: 'payments', namespace: 'shop' },
    ]);
    expect(group.findings[1].events[0]).toMatchObject({ reason: 'BackOff' });
    const rescan = await request(server).post(
      '/api/k8s-diagnostics/entity/rescan?entityRef=component:default/payments',
    );
    expect(rescan.body.errors).toHaveLength(1);
    expect(allFindings(rescan.body)).toHaveLength(
      allFindings(first.body).length,
    );
    expect(rescan.body.history).toHaveLength(2);
  });

  it('answers a corrupt stored finding with a 503 that names the row and the fix, never a 500', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    await seedEntity(store, 'component:default/payments', 'payments', 'c1');
    const { server } = await startTestBackend({
      features: [
        k8sDiagnosticsPlugin,
        catalogServiceMock.factory({ entities }),
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({ data: seededConfig() }),
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
      ],
    });
    const [{ id }] = await knex('k8s_diagnostics_findings')
      .where({ scope: 'component:default/payments' })
      .select('id')
      .orderBy('id')
      .limit(1);
    await knex('k8s_diagnostics_findings')
      .where({ id })
      .update({ data: '{"id":' });
    const res = await request(server).get(
      '/api/k8s-diagnostics/entity?entityRef=component:default/payments',
    );
    expect(res.status).toBe(503);
    expect(res.body.error.message).toBe(
      `k8s-diagnostics: the stored row of table k8s_diagnostics_findings where scope = 'component:default/payments' AND id = '${id}' is corrupt: column 'data' is not valid JSON (${
        res.body.error.message.match(/JSON \((.*)\)\. Delete/)?.[1]
      }). Delete the row: DELETE FROM k8s_diagnostics_findings WHERE scope = 'component:default/payments' AND id = '${id}'; the next scan of the entity records the finding again if it still applies.`,
    );
    // the fix the message names works
    await knex('k8s_diagnostics_findings').where({ id }).delete();
    expect(
      (
        await request(server).get(
          '/api/k8s-diagnostics/entity?entityRef=component:default/payments',
        )
      ).status,
    ).toBe(200);
  });

  it('streams an explanation from the built-in catalog as NDJSON when no LLM is configured', async () => {
    const server = await start({ config: seededConfig(), seed: true });
    const health = await request(server).get(
      '/api/k8s-diagnostics/entity?entityRef=component:default/payments',
    );
    const pod = allFindings(health.body).find(f => f.object.kind === 'Pod')!;
    const res = await request(server)
      .post('/api/k8s-diagnostics/entity/explain')
      .send({ entityRef: 'component:default/payments', findingId: pod.id });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const chunks = ndjson(res.text);
    expect(chunks[chunks.length - 1]).toMatchObject({
      type: 'done',
      result: {
        source: 'catalog',
        explanation: { summary: expect.stringMatching(/CrashLoopBackOff/) },
      },
    });
    const missing = await request(server)
      .post('/api/k8s-diagnostics/entity/explain')
      .send({
        entityRef: 'component:default/payments',
        findingId: 'abcdef0123',
      });
    expect(missing.status).toBe(404);
  });

  it('streams an LLM explanation and reports a failing provider as 503 before streaming', async () => {
    const llm = await startFakeLlm('json');
    try {
      const server = await start({
        config: seededConfig({
          baseUrl: llm.baseUrl,
          model: 'fake-model',
          maxRetries: 0,
          timeoutMs: 400,
        }),
        seed: true,
      });
      const health = await request(server).get(
        '/api/k8s-diagnostics/entity?entityRef=component:default/payments',
      );
      const pod = allFindings(health.body).find(f => f.object.kind === 'Pod')!;
      const res = await request(server)
        .post('/api/k8s-diagnostics/entity/explain')
        .send({ entityRef: 'component:default/payments', findingId: pod.id });
      const chunks = ndjson(res.text);
      expect(chunks.filter(c => c.type === 'delta').length).toBeGreaterThan(1);
      expect(chunks[chunks.length - 1]).toMatchObject({
        type: 'done',
        result: {
          source: 'llm',
          explanation: {
            summary: `Pod ${pod.object.name} in shop is crash-looping.`,
          },
        },
      });
      llm.state.mode = 'hang';
      const deployment = allFindings(health.body).find(
        f => f.object.kind === 'Deployment',
      )!;
      const failed = await request(server)
        .post('/api/k8s-diagnostics/entity/explain')
        .send({
          entityRef: 'component:default/payments',
          findingId: deployment.id,
        });
      expect(failed.status).toBe(503);
      expect(failed.body.error.message).toMatch(/did not answer within 400 ms/);
    } finally {
      await llm.close();
    }
  });

  it('rejects a malformed ai config at start-up with the key to fix', () => {
    expect(() =>
      readDiagnosticsConfig(
        mockServices.rootConfig({
          data: { k8sDiagnostics: { ai: { model: 'x' } } },
        }),
      ),
    ).toThrow(/k8sDiagnostics.ai is set but has neither baseUrl/);
    expect(() =>
      readDiagnosticsConfig(
        mockServices.rootConfig({
          data: {
            k8sDiagnostics: { ai: { baseUrl: 'localhost:1', model: 'x' } },
          },
        }),
      ),
    ).toThrow(/baseUrl is 'localhost:1', which is not an http\(s\) URL/);
    expect(() =>
      readDiagnosticsConfig(
        mockServices.rootConfig({
          data: { k8sDiagnostics: { ai: { baseUrl: 'http://x/v1' } } },
        }),
      ),
    ).toThrow(/k8sDiagnostics.ai.model is missing/);
    expect(() =>
      readDiagnosticsConfig(
        mockServices.rootConfig({
          data: { k8sDiagnostics: { analyzers: ['Pods'] } },
        }),
      ),
    ).toThrow(/k8sDiagnostics.analyzers: unknown analyzer "Pods"/);
    expect(() =>
      readDiagnosticsConfig(
        mockServices.rootConfig({
          data: {
            k8sDiagnostics: {
              ai: { baseUrl: 'http://x/v1', model: 'm', dailyTokenBudget: -1 },
            },
          },
        }),
      ),
    ).toThrow(/dailyTokenBudget is -1/);
    expect(() =>
      readDiagnosticsConfig(
        mockServices.rootConfig({
          data: {
            k8sDiagnostics: { operatorResults: { enabled: 'yes please' } },
          },
        }),
      ),
    ).toThrow(/operatorResults.enabled/);
  });

  it('reads operatorResults per cluster and rejects a cluster name the kubernetes config does not have', () => {
    const read = (operatorResults: object) =>
      readDiagnosticsConfig(
        mockServices.rootConfig({
          data: { k8sDiagnostics: { operatorResults } },
        }),
      ).operatorResults;
    expect(operatorResultsFor(read({}), ['a', 'b'])('b')).toBe(true);
    expect(operatorResultsFor(read({ enabled: false }), ['a', 'b'])('a')).toBe(
      false,
    );
    const onlyA = operatorResultsFor(read({ clusters: ['a'] }), ['a', 'b']);
    expect([onlyA('a'), onlyA('b')]).toEqual([true, false]);
    expect(() =>
      operatorResultsFor(read({ clusters: ['prod'] }), ['a', 'b']),
    ).toThrow(
      /k8sDiagnostics.operatorResults.clusters names 'prod', which the kubernetes config does not have: use one of 'a', 'b'/,
    );
  });
});

describe('k8s-diagnostics actions', () => {
  async function setup(result: AuthorizeResult.ALLOW | AuthorizeResult.DENY) {
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    await seedEntity(store, 'component:default/payments', 'payments', 'c1');
    const config = readDiagnosticsConfig(
      mockServices.rootConfig({ data: seededConfig() }),
    );
    const health = createHealthService({
      clusters: [
        {
          name: 'c1',
          url: 'https://127.0.0.1:1',
          authProvider: 'serviceAccount',
          skipTLSVerify: false,
        },
      ],
      config,
      catalog: catalogServiceMock({ entities }),
      store,
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
    });
    const explain = createExplainService({
      health,
      store,
      logger: mockServices.logger.mock(),
    });
    const actionsRegistry = actionsRegistryServiceMock();
    registerActions({
      actionsRegistry,
      permissions: mockServices.permissions({ result }),
      health,
      explain,
    });
    return actionsRegistry;
  }

  it('registers read-only actions that return findings and explanations', async () => {
    const registry = await setup(AuthorizeResult.ALLOW);
    const { actions } = await registry.list();
    expect(
      actions.map(a => [
        a.name,
        a.attributes.readOnly,
        a.attributes.destructive,
      ]),
    ).toEqual([
      ['get-entity-health-findings', true, false],
      ['explain-health-finding', true, false],
    ]);
    const credentials = mockCredentials.user();
    const { output } = await registry.invoke({
      id: 'test:get-entity-health-findings',
      input: { entityRef: 'component:default/payments' },
      credentials,
    });
    const findings = (
      output as {
        findings: Array<{ id: string; kind: string; workload: string }>;
      }
    ).findings;
    const pod = findings.find(f => f.kind === 'Pod')!;
    expect(pod.workload).toBe('Deployment/payments');
    const explained = await registry.invoke({
      id: 'test:explain-health-finding',
      input: { entityRef: 'component:default/payments', findingId: pod.id },
      credentials,
    });
    expect(explained.output).toMatchObject({
      source: 'catalog',
      summary: expect.stringMatching(/CrashLoopBackOff/),
    });
  });

  it('says when the stored scan it answers from is stale', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    await seedEntity(
      store,
      'component:default/payments',
      'payments',
      'c1',
      new Date('2026-11-22T10:00:00Z'),
    );
    const refreshes: Array<Promise<void>> = [];
    const health = createHealthService({
      clusters: [
        {
          name: 'c1',
          url: 'https://127.0.0.1:1',
          authProvider: 'serviceAccount',
          skipTLSVerify: false,
        },
      ],
      config: readDiagnosticsConfig(
        mockServices.rootConfig({ data: oneCluster }),
      ),
      catalog: catalogServiceMock({ entities }),
      store,
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
      // two hours after the stored scan: beyond the default freshness window (6 min)
      now: () => new Date('2026-11-22T12:00:00Z'),
      onBackgroundRefresh: (_ref, done) => refreshes.push(done),
    });
    const actionsRegistry = actionsRegistryServiceMock();
    registerActions({
      actionsRegistry,
      permissions: mockServices.permissions({ result: AuthorizeResult.ALLOW }),
      health,
      explain: createExplainService({
        health,
        store,
        logger: mockServices.logger.mock(),
      }),
    });
    const { output } = await actionsRegistry.invoke({
      id: 'test:get-entity-health-findings',
      input: { entityRef: 'component:default/payments' },
      credentials: mockCredentials.user(),
    });
    expect(output).toMatchObject({
      status: 'ok',
      scannedAt: '2026-11-22T10:00:00.000Z',
      stale: true,
    });
    expect(refreshes).toHaveLength(1);
    await Promise.all(refreshes);
  });

  it('checks the caller’s permission', async () => {
    const registry = await setup(AuthorizeResult.DENY);
    const credentials = mockCredentials.user();
    await expect(
      registry.invoke({
        id: 'test:get-entity-health-findings',
        input: { entityRef: 'component:default/payments' },
        credentials,
      }),
    ).rejects.toThrow(/k8s-diagnostics.findings.read' is denied/);
    await expect(
      registry.invoke({
        id: 'test:explain-health-finding',
        input: { entityRef: 'component:default/payments', findingId: 'abc' },
        credentials,
      }),
    ).rejects.toThrow(/is denied/);
    await expect(
      registry.invoke({
        id: 'test:get-entity-health-findings',
        input: {},
        credentials,
      }),
    ).rejects.toThrow(/entityRef/);
  });
});

const live = process.env.PERISCOPE_KUBECONFIG;
// runs when ./scripts/test has started the local control plane (PERISCOPE_KUBECONFIG)
describeIf({ kubeconfig: live })('against the local control plane', () => {
  const texts = (f: HealthFinding) => f.failures.map(x => x.text).join('\n');
  const podOf = (fs: HealthFinding[], deployment: string, re: RegExp) =>
    fs.some(
      f =>
        f.object.kind === 'Pod' &&
        f.workload.kind === 'Deployment' &&
        f.workload.name === deployment &&
        re.test(texts(f)),
    );
  const has = (fs: HealthFinding[], kind: string, name: string, re: RegExp) =>
    fs.some(
      f =>
        f.object.kind === kind && f.object.name === name && re.test(texts(f)),
    );
  const SCENARIOS: Array<[string, string, (fs: HealthFinding[]) => boolean]> = [
    [
      'checkout is healthy (only its PDB)',
      'checkout',
      fs => fs.every(f => f.object.kind === 'PodDisruptionBudget'),
    ],
    [
      'PDB checkout-pdb',
      'checkout',
      fs => has(fs, 'PodDisruptionBudget', 'checkout-pdb', /pdb/i),
    ],
    [
      'payments CrashLoopBackOff',
      'payments',
      fs =>
        podOf(fs, 'payments', /CrashLoopBackOff|back-off|termination reason/i),
    ],
    ['cart ImagePullBackOff', 'cart', fs => podOf(fs, 'cart', /pull|image/i)],
    [
      'HPA cart-hpa → missing Deployment',
      'cart',
      fs =>
        has(
          fs,
          'HorizontalPodAutoscaler',
          'cart-hpa',
          /ScaleTargetRef which does not exist/,
        ),
    ],
    [
      'recommender OOMKilled',
      'recommender',
      fs => podOf(fs, 'recommender', /OOMKilled/),
    ],
    [
      'search Pending',
      'search',
      fs => podOf(fs, 'search', /nodes are available|schedul/i),
    ],
    [
      'Service legacy-api without endpoints',
      'storefront',
      fs => has(fs, 'Service', 'legacy-api', /no endpoints/),
    ],
    [
      'Ingress storefront → missing Service and TLS Secret',
      'storefront',
      fs =>
        has(fs, 'Ingress', 'storefront', /service .* does not exist/) &&
        has(fs, 'Ingress', 'storefront', /secret .* does not exist/),
    ],
    [
      'PVC orders-data Pending',
      'reports',
      fs =>
        fs.some(
          f =>
            f.object.kind === 'PersistentVolumeClaim' &&
            f.object.name === 'orders-data',
        ),
    ],
    [
      'CronJob nightly-report with a failed Job',
      'reports',
      fs =>
        fs.some(
          f =>
            f.object.kind === 'Job' && /failed|backoff limit/i.test(texts(f)),
        ),
    ],
    [
      'notifier → missing ConfigMap',
      'notifier',
      fs => podOf(fs, 'notifier', /configmap .*not found/i),
    ],
  ];

  it('finds each scenario on its entity, with parents and no cluster errors', async () => {
    const server = await start({ config: liveConfig(live!, 'local') });
    const scan = async () => {
      const out: Record<string, HealthFinding[]> = {};
      for (const id of SCENARIO_IDS) {
        const res = await request(server)
          .post('/api/k8s-diagnostics/entity/rescan')
          .send({ entityRef: `component:default/${id}` });
        expect(res.status).toBe(200);
        expect(res.body.errors).toEqual([]);
        out[id] = allFindings(res.body);
      }
      return out;
    };
    const missingIn = (fs: Record<string, HealthFinding[]>) =>
      SCENARIOS.filter(([, id, ok]) => !ok(fs[id])).map(([what]) => what);
    const deadline = Date.now() + 150_000;
    let found = await scan();
    let missing = missingIn(found);
    while (missing.length && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 5000));
      found = await scan();
      missing = missingIn(found);
    }
    expect({ missing, findings: missing.length ? found : {} }).toEqual({
      missing: [],
      findings: {},
    });
    // The cluster-wide view has them too, filterable.
    const crit = await request(server).get(
      '/api/k8s-diagnostics/findings?namespace=shop&severity=critical',
    );
    expect(crit.body.findings.length).toBeGreaterThan(0);
    expect(
      crit.body.findings.every(
        (f: HealthFinding) =>
          f.severity === 'critical' && f.object.namespace === 'shop',
      ),
    ).toBe(true);
  }, 200_000);

  it('adds the seeded k8sgpt-operator Results to the right entity, once per object and text', async () => {
    const server = await start({ config: liveConfig(live!, 'local') });
    const rescan = async (id: string) => {
      const res = await request(server)
        .post('/api/k8s-diagnostics/entity/rescan')
        .send({ entityRef: `component:default/${id}` });
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([]);
      return allFindings(res.body);
    };
    const payments = await rescan('payments');
    const operatorOnly = payments.filter(
      f => f.sources?.join() === 'k8sgpt-operator',
    );
    // The Log result (kwok pods have no logs, so only the operator's Result has it).
    expect(operatorOnly).toContainEqual(
      expect.objectContaining({
        analyzer: 'Log',
        object: expect.objectContaining({
          kind: 'Pod',
          name: expect.stringMatching(/^payments-/),
        }),
        workload: { kind: 'Deployment', name: 'payments', namespace: 'shop' },
        failures: [
          expect.objectContaining({
            text: expect.stringMatching(
              /^previous container logs: .*certificate has expired/,
            ),
          }),
        ],
      }),
    );
    // The crash-looping pod: Periscope and the operator report the same text, kept once.
    const both = payments.filter(
      f =>
        f.sources?.includes('periscope') &&
        f.sources?.includes('k8sgpt-operator'),
    );
    expect(both.map(f => f.object.kind)).toContain('Pod');
    const lines = payments.flatMap(f =>
      f.failures.map(x => `${f.object.kind}/${f.object.name}: ${x.text}`),
    );
    expect(new Set(lines).size).toBe(lines.length);
    // checkout has no Result; cart's come from its own objects only.
    expect(
      (await rescan('checkout')).filter(f =>
        f.sources?.includes('k8sgpt-operator'),
      ),
    ).toEqual([]);
    const cart = await rescan('cart');
    expect(
      cart.filter(f => f.sources?.includes('k8sgpt-operator')).length,
    ).toBeGreaterThan(0);
    expect(
      cart.every(
        f => f.workload.name === 'cart' || f.object.name.startsWith('cart'),
      ),
    ).toBe(true);
  }, 120_000);

  it('skips the Results when turned off, and gives a typed FORBIDDEN error when the user may not list them', async () => {
    const base = liveConfig(live!, 'local');
    const off = await start({
      config: {
        ...base,
        k8sDiagnostics: {
          rescansPerMinute: 0,
          operatorResults: { enabled: false },
        },
      },
    });
    const res = await request(off)
      .post('/api/k8s-diagnostics/entity/rescan')
      .send({ entityRef: 'component:default/payments' });
    expect(allFindings(res.body).length).toBeGreaterThan(0);
    expect(
      allFindings(res.body).every(f => f.sources?.join() === 'periscope'),
    ).toBe(true);
    // The scan lists warning events only, then every event of the namespaces its findings are in:
    // the crash-looping pod's finding lists its Normal Scheduled event too.
    expect(
      allFindings(res.body).some(
        f =>
          f.object.kind === 'Pod' &&
          f.events.some(e => e.type === 'Normal' && e.reason === 'Scheduled'),
      ),
    ).toBe(true);
    const readonly = await start({
      config: liveConfig(
        live!.replace(/kubeconfig$/, 'kubeconfig-readonly'),
        'local',
      ),
    });
    const denied = await request(readonly)
      .post('/api/k8s-diagnostics/entity/rescan')
      .send({ entityRef: 'component:default/payments' });
    expect(denied.status).toBe(200);
    expect(denied.body.errors).toEqual([
      expect.objectContaining({
        cluster: 'local',
        errorType: 'FORBIDDEN',
        message: expect.stringMatching(
          /^k8sgpt-operator Results not read: .*k8sDiagnostics\.operatorResults/,
        ),
      }),
    ]);
    // The live scan still answered for that cluster.
    expect(
      allFindings(denied.body).some(
        f => f.object.kind === 'Pod' && f.workload.name === 'payments',
      ),
    ).toBe(true);
  }, 120_000);

  it('sends no name, namespace, label value or IP of the scenario workloads to the LLM', async () => {
    const llm = await startFakeLlm('json');
    try {
      const server = await start({
        config: {
          ...liveConfig(live!, 'local'),
          k8sDiagnostics: {
            rescansPerMinute: 0,
            ai: {
              baseUrl: llm.baseUrl,
              model: 'fake-model',
              perUserPerMinute: 0,
            },
          },
        },
      }); // one user explains every finding here: no rate limit
      let explained = 0;
      for (const id of SCENARIO_IDS) {
        const res = await request(server).get(
          `/api/k8s-diagnostics/entity?entityRef=component:default/${id}`,
        );
        for (const f of allFindings(res.body)) {
          const r = await request(server)
            .post('/api/k8s-diagnostics/entity/explain')
            .send({ entityRef: `component:default/${id}`, findingId: f.id });
          expect(r.status).toBe(200);
          explained++;
        }
      }
      expect(explained).toBeGreaterThan(8);
      const http = await createKubeHttp(loadKubeConfigFile(live!));
      const forbidden = new Set<string>(['shop', 'local', ...SCENARIO_IDS]);
      for (const path of [
        '/api/v1/namespaces/shop/pods',
        '/apis/apps/v1/namespaces/shop/deployments',
        '/api/v1/namespaces/shop/services',
        '/apis/batch/v1/namespaces/shop/jobs',
        '/apis/apps/v1/namespaces/shop/replicasets',
      ]) {
        const list = (await http.getJson(path)) as {
          items: Array<{
            metadata: { name: string; labels?: Record<string, string> };
            status?: { podIP?: string };
          }>;
        };
        for (const item of list.items) {
          forbidden.add(item.metadata.name);
          Object.values(item.metadata.labels ?? {})
            .filter(v => v.length >= 3 && v !== 'true' && v !== 'false')
            .forEach(v => forbidden.add(v));
          if (item.status?.podIP) forbidden.add(item.status.podIP);
        }
      }
      const leaks = llm.bodies.flatMap(b =>
        [...forbidden].filter(s =>
          new RegExp(
            `(?<![A-Za-z0-9])${s.replace(
              /[.*+?^${}()|[\]\\]/g,
              '\\$&',
            )}(?![A-Za-z0-9])`,
            'i',
          ).test(b),
        ),
      );
      expect(leaks).toEqual([]);
    } finally {
      await llm.close();
    }
  }, 200_000);
});
