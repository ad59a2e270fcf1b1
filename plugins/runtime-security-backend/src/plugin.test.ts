import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import knexFactory from 'knex';
import request from 'supertest';
import { Entity } from '@backstage/catalog-model';
import { BUILTIN_RULES } from '@periscope/backstage-plugin-runtime-security-common';
import { runtimeSecurityPlugin } from './plugin';
import { corpusLines, relabel } from './__testUtils__/corpus';

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'checkout',
      namespace: 'default',
      annotations: {
        'backstage.io/kubernetes-id': 'checkout',
        'backstage.io/kubernetes-namespace': 'shop',
      },
    },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'payments',
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-id': 'payments' },
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
    // a selector by exclusion only: it would reach every workload without the label
    metadata: {
      name: 'greedy',
      namespace: 'default',
      annotations: {
        'backstage.io/kubernetes-label-selector': 'team notin (payments)',
      },
    },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
];
const TOKEN = 'a-very-long-ingest-token-0123456789';
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
  // payments has no namespace annotation: read it in every namespace, as the Kubernetes plugin does
  periscope: { clusterTimeoutMs: 2000, namespacesWithoutAnnotation: ['*'] },
  runtimeSecurity: {
    sources: { kubernetes: { enabled: false } },
    ingest: { token: TOKEN, maxBodyBytes: 200_000 },
  },
};
const BASE = '/api/runtime-security';
const corpus = corpusLines()
  .map(l =>
    relabel(l, { namespace: 'shop', workload: 'checkout', entity: 'checkout' }),
  )
  .join('\n');

async function start(
  opts: {
    config?: object;
    result?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  } = {},
) {
  const { server } = await startTestBackend({
    features: [
      runtimeSecurityPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({ data: opts.config ?? {} }),
      mockServices.permissions.factory({
        result: opts.result ?? AuthorizeResult.ALLOW,
      }),
    ],
  });
  return server;
}

async function seeded() {
  const server = await start({ config: oneCluster });
  const res = await request(server)
    .post(`${BASE}/ingest?source=node-1`)
    .set('x-periscope-ingest-token', TOKEN)
    .type('application/x-ndjson')
    .send(corpus);
  expect(res.status).toBe(200);
  return server;
}

describe('runtime-security backend', () => {
  it('serves /health without credentials', async () => {
    const server = await start();
    const res = await request(server)
      .get(`${BASE}/health`)
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it.each([
    ['get', '/entity?entityRef=component:default/checkout'],
    ['get', '/entity/timeline?entityRef=component:default/checkout'],
    [
      'get',
      '/entity/findings/0123456789abcdef?entityRef=component:default/checkout',
    ],
    [
      'post',
      '/entity/findings/0123456789abcdef/triage?entityRef=component:default/checkout',
    ],
    ['get', '/findings'],
    ['get', '/policies'],
    ['get', '/clusters'],
    ['get', '/ingest/health'],
  ] as const)('needs credentials for %s %s', async (method, path) => {
    const server = await start({ config: oneCluster });
    const res = await request(server)
      [method](`${BASE}${path}`)
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('lists the clusters and their auth providers for the policy page, without URL or token', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(`${BASE}/clusters`);
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
    [
      'get',
      '/entity?entityRef=component:default/checkout',
      'runtime-security.findings.read',
    ],
    [
      'get',
      '/entity/timeline?entityRef=component:default/checkout',
      'runtime-security.findings.read',
    ],
    [
      'get',
      '/entity/findings/0123456789abcdef?entityRef=component:default/checkout',
      'runtime-security.findings.read',
    ],
    [
      'post',
      '/entity/findings/0123456789abcdef/triage?entityRef=component:default/checkout',
      'runtime-security.findings.triage',
    ],
    ['get', '/findings', 'runtime-security.cluster.read'],
    ['get', '/policies', 'runtime-security.cluster.read'],
    ['get', '/clusters', 'runtime-security.cluster.read'],
    ['get', '/ingest/health', 'runtime-security.cluster.read'],
  ] as const)(
    'answers 403 on %s %s when the permission is denied',
    async (method, path, permission) => {
      const server = await start({
        config: oneCluster,
        result: AuthorizeResult.DENY,
      });
      const res = await request(server)
        [method](`${BASE}${path}`)
        .send({ state: 'acknowledged', reason: 'ok' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(permission);
    },
  );

  it.each([
    ['/entity', /'entityRef' is missing/],
    ['/entity?entityRef=', /'entityRef' is missing/],
    ['/entity?entityRef=component:default/', /not an entity reference/],
    [
      '/entity/timeline?entityRef=component:default/checkout&days=0',
      /'days' is '0'/,
    ],
    [
      '/entity/findings/nothex?entityRef=component:default/checkout',
      /16 hexadecimal/,
    ],
    ['/findings?severity=urgent', /'severity' has 'urgent'/],
    ['/findings?triage=done', /'triage' has 'done'/],
    ['/findings?limit=-1', /'limit' is '-1'/],
  ])('rejects bad input %s with 400', async (path, message) => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(`${BASE}${path}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 404 for an entity that is not in the catalog', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(
      `${BASE}/entity?entityRef=component:default/ghost`,
    );
    expect(res.status).toBe(404);
  });

  it('says not-configured without clusters and not-annotated without annotations', async () => {
    let server = await start();
    let res = await request(server).get(
      `${BASE}/entity?entityRef=component:default/checkout`,
    );
    expect(res.body).toMatchObject({ status: 'not-configured' });
    server = await start({ config: oneCluster });
    res = await request(server).get(
      `${BASE}/entity?entityRef=component:default/bare`,
    );
    expect(res.body).toMatchObject({ status: 'not-annotated' });
  });

  it('refuses an entity without a namespace annotation (400) unless periscope.namespacesWithoutAnnotation allows one', async () => {
    const server = await start({
      config: { ...oneCluster, periscope: { clusterTimeoutMs: 2000 } },
    });
    const res = await request(server).get(
      `${BASE}/entity?entityRef=component:default/payments`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /'component:default\/payments' has no backstage\.io\/kubernetes-namespace annotation.*periscope\.namespacesWithoutAnnotation/,
    );
  });

  it('refuses an entity whose label selector names no label value (400), naming the annotation', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(
      `${BASE}/entity?entityRef=component:default/greedy`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /kubernetes-label-selector "team notin \(payments\)" names no label value/,
    );
  });

  it('rejects a bad configuration at start-up with the key to fix', async () => {
    await expect(
      start({ config: { runtimeSecurity: { retention: 'forever' } } }),
    ).rejects.toThrow(/runtimeSecurity.retention is not a duration/);
    await expect(
      start({
        config: {
          runtimeSecurity: { sources: { files: [{ path: 'relative.log' }] } },
        },
      }),
    ).rejects.toThrow(
      /runtimeSecurity.sources.files\[0\].path is 'relative.log', which is not absolute/,
    );
    await expect(
      start({ config: { runtimeSecurity: { ingest: { token: 'short' } } } }),
    ).rejects.toThrow(/shorter than 16/);
    await expect(
      start({
        config: {
          ...oneCluster,
          runtimeSecurity: { sources: { kubernetes: { clusters: ['nope'] } } },
        },
      }),
    ).rejects.toThrow(/'nope'/);
  });

  it('maps ingested events to the entity, serves detail, timeline and triage', async () => {
    const server = await seeded();
    const ent = await request(server).get(
      `${BASE}/entity?entityRef=component:default/checkout`,
    );
    expect(ent.status).toBe(200);
    expect(ent.body.findings.length).toBeGreaterThan(0);
    expect(
      ent.body.findings.every(
        (f: any) =>
          f.namespace === 'shop' &&
          f.labels['backstage.io/kubernetes-id'] === 'checkout',
      ),
    ).toBe(true);
    const other = await request(server).get(
      `${BASE}/entity?entityRef=component:default/payments`,
    );
    expect(other.body.findings).toEqual([]);

    const id = ent.body.findings[0].id;
    const detail = await request(server).get(
      `${BASE}/entity/findings/${id}?entityRef=component:default/checkout`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.sample.ancestry.length).toBeGreaterThan(0);
    expect(detail.body.sample.raw).toEqual(expect.any(Object));
    // a finding of another entity is not visible through this one
    const notMine = await request(server).get(
      `${BASE}/entity/findings/${id}?entityRef=component:default/payments`,
    );
    expect(notMine.status).toBe(404);

    const tl = await request(server).get(
      `${BASE}/entity/timeline?entityRef=component:default/checkout&days=90`,
    );
    expect(tl.status).toBe(200);
    expect(tl.body.bucket).toBe('day');

    const noReason = await request(server)
      .post(
        `${BASE}/entity/findings/${id}/triage?entityRef=component:default/checkout`,
      )
      .send({ state: 'acknowledged' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/'reason' is required/);
    const badState = await request(server)
      .post(
        `${BASE}/entity/findings/${id}/triage?entityRef=component:default/checkout`,
      )
      .send({ state: 'closed', reason: 'x' });
    expect(badState.status).toBe(400);
    const ok = await request(server)
      .post(
        `${BASE}/entity/findings/${id}/triage?entityRef=component:default/checkout`,
      )
      .send({ state: 'false-positive', reason: 'load test' });
    expect(ok.status).toBe(200);
    expect(ok.body.triage).toMatchObject({
      state: 'false-positive',
      reason: 'load test',
      by: 'user:default/mock',
    });
  });

  it('lists cluster-wide findings with filters and ingest health', async () => {
    const server = await seeded();
    const all = await request(server).get(`${BASE}/findings`);
    const shop = await request(server).get(
      `${BASE}/findings?namespace=shop&severity=critical,high,medium,low,info`,
    );
    expect(all.body.findings.length).toBeGreaterThan(shop.body.findings.length);
    expect(shop.body.findings.every((f: any) => f.namespace === 'shop')).toBe(
      true,
    );
    const health = await request(server).get(`${BASE}/ingest/health`);
    expect(health.body.sources).toEqual([
      expect.objectContaining({
        id: 'http:node-1',
        kind: 'http',
        eventsTotal: corpus.split('\n').length,
      }),
    ]);
  });

  describe('GET /entity paging', () => {
    const url = `${BASE}/entity?entityRef=component:default/checkout`;

    it('answers every finding up to 2000 by default, with no nextOffset when nothing more exists', async () => {
      const server = await seeded();
      const res = await request(server).get(url);
      expect(res.status).toBe(200);
      expect(res.body.findings.length).toBeGreaterThan(2);
      expect(res.body.nextOffset).toBeUndefined();
      expect(
        (await request(server).get(`${url}&limit=2000&offset=0`)).body,
      ).toEqual(res.body);
    });

    it('pages with limit and offset: first page, next page, last page', async () => {
      const server = await seeded();
      const all = (await request(server).get(url)).body.findings;
      const first = await request(server).get(`${url}&limit=2`);
      expect(first.body).toMatchObject({
        status: 'ok',
        findings: all.slice(0, 2),
        nextOffset: 2,
      });
      const next = await request(server).get(
        `${url}&limit=2&offset=${first.body.nextOffset}`,
      );
      expect(next.body.findings).toEqual(all.slice(2, 4));
      const last = await request(server).get(
        `${url}&limit=2&offset=${all.length - 1}`,
      );
      expect(last.body.findings).toEqual(all.slice(all.length - 1));
      expect(last.body.nextOffset).toBeUndefined();
      // exactly one page's worth: nothing more, so no nextOffset
      expect(
        (await request(server).get(`${url}&limit=${all.length}`)).body
          .nextOffset,
      ).toBeUndefined();
      // each page has its own ETag
      expect(first.headers.etag).not.toBe(next.headers.etag);
    });

    it('counts open findings by severity and the total over every page, and after a triage', async () => {
      const server = await seeded();
      const all: any[] = (await request(server).get(url)).body.findings;
      const openOf = (findings: any[]) => {
        const open: Record<string, number> = {};
        for (const f of findings)
          if (f.triage.state === 'open')
            open[f.severity] = (open[f.severity] ?? 0) + 1;
        return open;
      };
      expect(new Set(all.map(f => f.severity)).size).toBeGreaterThan(1);
      const first = await request(server).get(`${url}&limit=2`);
      expect(first.body.findings).toHaveLength(2);
      expect(first.body.nextOffset).toBe(2);
      expect(first.body.total).toBe(all.length);
      expect(first.body.openCounts).toEqual(openOf(all));
      // not the page's own counts
      expect(first.body.openCounts).not.toEqual(openOf(first.body.findings));
      const last = await request(server).get(
        `${url}&limit=2&offset=${all.length - 1}`,
      );
      expect([last.body.total, last.body.openCounts]).toEqual([
        all.length,
        openOf(all),
      ]);

      // a finding of a later page triaged away: the first page's counts follow, and its ETag changes
      const later = all[all.length - 1];
      const triaged = await request(server)
        .post(
          `${BASE}/entity/findings/${later.id}/triage?entityRef=component:default/checkout`,
        )
        .send({ state: 'acknowledged', reason: 'known job' });
      expect(triaged.status).toBe(200);
      const again = await request(server)
        .get(`${url}&limit=2`)
        .set('If-None-Match', first.headers.etag);
      expect(again.status).toBe(200);
      expect(again.body.findings).toEqual(first.body.findings);
      expect(again.body.total).toBe(all.length);
      expect(again.body.openCounts).toEqual(
        openOf(
          all.map(f =>
            f.id === later.id ? { ...f, triage: { state: 'acknowledged' } } : f,
          ),
        ),
      );
      // another entity counts none of them
      const other = await request(server).get(
        `${BASE}/entity?entityRef=component:default/payments`,
      );
      expect([other.body.total, other.body.openCounts]).toEqual([0, {}]);
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
      ['&offset=x', /parameter 'offset' is 'x'/],
    ])(
      'rejects %s with 400 naming the parameter and its range',
      async (query, message) => {
        const server = await start({ config: oneCluster });
        const res = await request(server).get(`${url}${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(message);
      },
    );
  });

  describe('GET /findings paging', () => {
    it('answers the first 500 by default, as before paging, with no nextOffset when nothing more exists', async () => {
      const server = await seeded();
      const res = await request(server).get(`${BASE}/findings`);
      expect(res.status).toBe(200);
      expect(res.body.findings.length).toBeGreaterThan(2);
      expect(res.body.findings.length).toBeLessThanOrEqual(500);
      expect(Object.keys(res.body)).toEqual(['findings']);
      expect(
        (await request(server).get(`${BASE}/findings?limit=500&offset=0`)).body,
      ).toEqual(res.body);
    });

    it('pages with limit and offset: first page, next page, last page, and a filter pages the filtered list', async () => {
      const server = await seeded();
      const all = (await request(server).get(`${BASE}/findings`)).body.findings;
      const first = await request(server).get(`${BASE}/findings?limit=2`);
      expect(first.body).toEqual({ findings: all.slice(0, 2), nextOffset: 2 });
      const next = await request(server).get(
        `${BASE}/findings?limit=2&offset=${first.body.nextOffset}`,
      );
      expect(next.body.findings).toEqual(all.slice(2, 4));
      const last = await request(server).get(
        `${BASE}/findings?limit=2&offset=${all.length - 1}`,
      );
      expect(last.body).toEqual({ findings: all.slice(all.length - 1) });
      // exactly one page's worth: nothing more, so no nextOffset
      expect(
        (await request(server).get(`${BASE}/findings?limit=${all.length}`))
          .body,
      ).toEqual({ findings: all });
      const shop = (
        await request(server).get(`${BASE}/findings?namespace=shop`)
      ).body.findings;
      const shopPage = await request(server).get(
        `${BASE}/findings?namespace=shop&limit=1&offset=1`,
      );
      expect(shopPage.body.findings).toEqual(shop.slice(1, 2));
    });

    it.each([
      [
        '/findings?limit=0',
        /parameter 'limit' is '0': give a whole number from 1 to 5000/,
      ],
      [
        '/findings?limit=5001',
        /parameter 'limit' is '5001': give a whole number from 1 to 5000/,
      ],
      [
        '/findings?offset=-1',
        /parameter 'offset' is '-1': give a whole number from 0 to 1000000/,
      ],
      ['/findings?offset=x', /parameter 'offset' is 'x'/],
      [
        '/policies?limit=0',
        /parameter 'limit' is '0': give a whole number from 1 to 5000/,
      ],
      ['/policies?limit=5001', /parameter 'limit' is '5001'/],
      [
        '/policies?offset=-1',
        /parameter 'offset' is '-1': give a whole number from 0 to 1000000/,
      ],
    ])(
      'rejects %s with 400 naming the parameter and its range',
      async (path, message) => {
        const server = await start({ config: oneCluster });
        const res = await request(server).get(`${BASE}${path}`);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(message);
      },
    );
  });

  it('answers a corrupt stored row with a 503 that names the row and the fix, never a 500', async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    try {
      const { server } = await startTestBackend({
        features: [
          runtimeSecurityPlugin,
          catalogServiceMock.factory({ entities }),
          mockServices.rootConfig.factory({ data: oneCluster }),
          mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
          mockServices.database.factory({ knex }),
        ],
      });
      const ingested = await request(server)
        .post(`${BASE}/ingest?source=node-1`)
        .set('x-periscope-ingest-token', TOKEN)
        .type('application/x-ndjson')
        .send(corpus);
      expect(ingested.status).toBe(200);
      const [{ id }] = await knex('runtime_security_findings')
        .select('id')
        .orderBy('id')
        .limit(1);
      await knex('runtime_security_findings')
        .where({ id })
        .update({ labels: '{"app":' });
      const res = await request(server).get(`${BASE}/findings`);
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(
        new RegExp(
          `the stored row of table runtime_security_findings where id = '${id}' is corrupt: column 'labels' is not valid JSON .*DELETE FROM runtime_security_findings WHERE id = '${id}';`,
        ),
      );
      // the fix the message names works: the finding comes back with its next event
      await knex('runtime_security_findings').where({ id }).delete();
      expect((await request(server).get(`${BASE}/findings`)).status).toBe(200);
    } finally {
      await knex.destroy();
    }
  });

  it('reports policies per cluster as a typed error when a cluster is unreachable', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get(`${BASE}/policies`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ cluster: 'c1', errorType: expect.any(String) }),
    ]);
    // with no policy readable, exactly the rules that need probe events (kprobe, lsm, …) are unfed
    const probeOnly = BUILTIN_RULES.filter(r =>
      r.eventTypes.every(
        t =>
          ![
            'process_exec',
            'process_exit',
            'process_throttle',
            'rate_limit_info',
            'process_loader',
          ].includes(t),
      ),
    );
    expect(probeOnly.length).toBeGreaterThan(0);
    expect(res.body.unfedRules.map((r: any) => r.rule).sort()).toEqual(
      probeOnly.map(r => r.id).sort(),
    );
  });

  describe('POST /ingest', () => {
    it('needs the ingest token or a service principal', async () => {
      const server = await start({ config: oneCluster });
      const none = await request(server)
        .post(`${BASE}/ingest`)
        .set('Authorization', mockCredentials.none.header())
        .send('{}');
      expect(none.status).toBe(401);
      const wrong = await request(server)
        .post(`${BASE}/ingest`)
        .set('x-periscope-ingest-token', `${TOKEN}x`)
        .send('{}');
      expect(wrong.status).toBe(403);
      expect(wrong.body.error.message).toMatch(
        /matches neither runtimeSecurity.ingest.token nor an entry of runtimeSecurity.ingest.tokens/,
      );
      const user = await request(server)
        .post(`${BASE}/ingest`)
        .set('Authorization', mockCredentials.user.header())
        .send('{}');
      expect(user.status).toBe(403);
      const service = await request(server)
        .post(`${BASE}/ingest`)
        .set('Authorization', mockCredentials.service.header())
        .type('application/x-ndjson')
        .send('{"not":"an event"}\n');
      expect(service.status).toBe(200);
      expect(service.body).toMatchObject({ lines: 1, events: 0 });
    });

    /** What the ingest health says was received: one entry per source that got events. */
    const received = async (server: any) =>
      (await request(server).get(`${BASE}/ingest/health`)).body.sources;

    it.each([
      [
        'a wrong ingest token',
        oneCluster,
        { 'x-periscope-ingest-token': `${TOKEN}x` },
        `the x-periscope-ingest-token header matches neither runtimeSecurity.ingest.token nor an entry of runtimeSecurity.ingest.tokens`,
      ],
      [
        'an empty ingest token',
        oneCluster,
        { 'x-periscope-ingest-token': '' },
        `the x-periscope-ingest-token header matches neither runtimeSecurity.ingest.token nor an entry of runtimeSecurity.ingest.tokens`,
      ],
      [
        'a wrong ingest token, even beside a valid service token',
        oneCluster,
        {
          'x-periscope-ingest-token': `${TOKEN}x`,
          authorization: mockCredentials.service.header(),
        },
        `the x-periscope-ingest-token header matches neither runtimeSecurity.ingest.token nor an entry of runtimeSecurity.ingest.tokens`,
      ],
      [
        'an ingest token when none is configured',
        {
          ...oneCluster,
          runtimeSecurity: { sources: { kubernetes: { enabled: false } } },
        },
        { 'x-periscope-ingest-token': TOKEN },
        `no ingest token is configured (runtimeSecurity.ingest.token or .tokens), so x-periscope-ingest-token is not accepted: configure one, or call with a Backstage service token`,
      ],
      [
        'a user token (only services and the ingest token may post)',
        oneCluster,
        { authorization: mockCredentials.user.header() },
        `This endpoint does not allow 'user' credentials`,
      ],
    ])(
      'answers 403 to %s, with the reason, and stores nothing',
      async (_what, config, headers, message) => {
        const server = await start({ config });
        const res = await request(server)
          .post(`${BASE}/ingest?source=node-1`)
          .set(headers as Record<string, string>)
          .type('application/x-ndjson')
          .send(corpus);
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({
          name: 'NotAllowedError',
          message,
        });
        expect(await received(server)).toEqual([]);
        // the same batch from a service is stored: the refusal above is what kept it out
        const ok = await request(server)
          .post(`${BASE}/ingest?source=node-1`)
          .set('Authorization', mockCredentials.service.header())
          .type('application/x-ndjson')
          .send(corpus);
        expect(ok.status).toBe(200);
        expect(await received(server)).toEqual([
          expect.objectContaining({
            id: 'http:node-1',
            eventsTotal: corpus.split('\n').length,
          }),
        ]);
      },
    );

    describe('callers limited to clusters', () => {
      const PROD = 'prod-only-ingest-token-0123456789';
      const limited = {
        ...oneCluster,
        runtimeSecurity: {
          sources: { kubernetes: { enabled: false } },
          ingest: {
            tokens: [
              { name: 'fluent-bit-prod', token: PROD, clusters: ['prod'] },
            ],
            services: [
              {
                subject: 'external:test-service',
                clusters: ['prod', 'staging'],
              },
            ],
          },
        },
      };
      const post = (
        server: any,
        query: string,
        headers: Record<string, string>,
      ) =>
        request(server)
          .post(`${BASE}/ingest?source=node-1${query}`)
          .set(headers)
          .type('application/x-ndjson')
          .send(corpus);
      const clustersOf = async (server: any) => [
        ...new Set(
          (
            (await request(server).get(`${BASE}/findings`)).body
              .findings as any[]
          ).map(f => f.cluster),
        ),
      ];

      it('a token writes only its clusters: its only cluster by default, another one is 403 and stores nothing', async () => {
        const server = await start({ config: limited });
        const other = await post(server, '&cluster=staging', {
          'x-periscope-ingest-token': PROD,
        });
        expect([other.status, other.body.error?.message]).toEqual([
          403,
          "runtimeSecurity.ingest.tokens 'fluent-bit-prod' may not write events of cluster 'staging'; it may write prod",
        ]);
        expect(await received(server)).toEqual([]);
        const ok = await post(server, '', { 'x-periscope-ingest-token': PROD });
        expect(ok.status).toBe(200);
        expect(await clustersOf(server)).toEqual(['prod']);
      });

      it('a listed service principal must name one of its clusters', async () => {
        const server = await start({ config: limited });
        const none = await post(server, '', {
          authorization: mockCredentials.service.header(),
        });
        expect([none.status, none.body.error?.message]).toEqual([
          400,
          'external:test-service may write events of prod, staging: name one with ?cluster=',
        ]);
        const other = await post(server, '&cluster=dev', {
          authorization: mockCredentials.service.header(),
        });
        expect(other.status).toBe(403);
        expect(
          (
            await post(server, '&cluster=staging', {
              authorization: mockCredentials.service.header(),
            })
          ).status,
        ).toBe(200);
        expect(await clustersOf(server)).toEqual(['staging']);
      });

      it('a service principal needs the ingest permission', async () => {
        const server = await start({
          config: limited,
          result: AuthorizeResult.DENY,
        });
        const res = await post(server, '&cluster=prod', {
          authorization: mockCredentials.service.header(),
        });
        expect([res.status, res.body.error?.message]).toEqual([
          403,
          "permission 'runtime-security.events.ingest' is denied for external:test-service",
        ]);
      });

      it.each([
        [
          { tokens: [{ token: 'short', clusters: ['a'] }] },
          /ingest.tokens\[0\].token is shorter than 16 characters/,
        ],
        [{ tokens: [{ token: PROD }] }, /ingest.tokens\[0\].clusters is empty/],
        [
          { token: PROD, tokens: [{ token: PROD, clusters: ['a'] }] },
          /equals runtimeSecurity.ingest.token/,
        ],
        [
          { services: [{ clusters: ['a'] }] },
          /ingest.services\[0\].subject is missing/,
        ],
        [
          { services: [{ subject: 'external:x' }] },
          /ingest.services\[0\].clusters is empty: list the clusters external:x may write/,
        ],
      ])('refuses a bad ingest config %#', async (ingest, message) => {
        await expect(
          start({ config: { ...oneCluster, runtimeSecurity: { ingest } } }),
        ).rejects.toThrow(message);
      });
    });

    it('refuses a batch over the size limit with 413 and says what to change', async () => {
      const server = await start({ config: oneCluster });
      const res = await request(server)
        .post(`${BASE}/ingest`)
        .set('x-periscope-ingest-token', TOKEN)
        .type('application/x-ndjson')
        .send('x'.repeat(200_001));
      expect(res.status).toBe(413);
      expect(res.body.error.message).toMatch(/maxBodyBytes/);
    });
  });
});
