import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { databaseIdsForTests } from '@periscope/test-utils';
import { runtimeSecurityPlugin } from './plugin';
import { createFindingsStore } from './services/FindingsStore';
import { createSourceIngester } from './services/IngestService';

/*
 * POST /policies/enforcement and the matches of GET /policies, over a loopback stand-in for the
 * cluster's TracingPolicy lists (the real control plane variant is in enforcement.live.test.ts).
 */

const component = (
  name: string,
  annotations: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-namespace': 'shop',
      ...annotations,
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
});
const entities = [
  component('payments', { 'backstage.io/kubernetes-id': 'payments' }),
  // declares its own module: the policy instance of its workloads cannot belong to it
  component('checkout', {
    'backstage.io/kubernetes-id': 'checkout',
    'periscope.dev/module': 'minimal',
  }),
];

/** A TracingPolicyNamespaced as the tracing-policy module renders it (timoni build, default values). */
function modulePolicy(
  name: string,
  service: string,
  action = 'Post',
  labels: Record<string, string> = {},
) {
  return {
    apiVersion: 'cilium.io/v1alpha1',
    kind: 'TracingPolicyNamespaced',
    metadata: {
      name,
      namespace: 'shop',
      labels: {
        'app.kubernetes.io/managed-by': 'timoni',
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/version': '0.0.0-devel',
        ...labels,
      },
    },
    spec: {
      podSelector: { matchLabels: { 'backstage.io/kubernetes-id': service } },
      kprobes: [
        {
          call: 'security_file_permission',
          syscall: false,
          return: true,
          args: [
            { index: 0, type: 'file' },
            { index: 1, type: 'int' },
          ],
          returnArg: { index: 0, type: 'int' },
          selectors: [
            {
              matchArgs: [
                {
                  index: 0,
                  operator: 'Prefix',
                  values: [
                    '/etc/shadow',
                    '/etc/sudoers',
                    '/root/.ssh',
                    '/boot',
                  ],
                },
                { index: 1, operator: 'Equal', values: ['4'] },
              ],
              matchActions: [{ action }],
            },
          ],
        },
        {
          call: 'tcp_connect',
          syscall: false,
          args: [{ index: 0, type: 'sock' }],
          selectors: [
            {
              matchArgs: [
                {
                  index: 0,
                  operator: 'NotDAddr',
                  values: [
                    '10.0.0.0/8',
                    '172.16.0.0/12',
                    '192.168.0.0/16',
                    '127.0.0.0/8',
                  ],
                },
              ],
              matchActions: [{ action }],
            },
          ],
        },
      ],
    },
  };
}

async function fakeApi(items: object[]) {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/apis/cilium.io/v1alpha1/tracingpoliciesnamespaced') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'List', items }));
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }),
        );
    }
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise(r => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const TOKEN = 'a-very-long-ingest-token-0123456789';
const BASE = '/api/runtime-security';

let seq = 0;
/** A kprobe of a module policy on a pod of `workload` (now, so inside the window). */
function probeLine(
  workload: string,
  policy: string,
  call: string,
  path: string,
): string {
  seq++;
  const arg =
    call === 'tcp_connect'
      ? {
          sock_arg: {
            family: 'AF_INET',
            type: 'SOCK_STREAM',
            protocol: 'IPPROTO_TCP',
            saddr: '10.1.0.5',
            daddr: '203.0.113.9',
            sport: 40000 + seq,
            dport: 443,
          },
        }
      : { file_arg: { path } };
  return JSON.stringify({
    process_kprobe: {
      process: {
        exec_id: Buffer.from(`node-1:${seq}:${workload}:${policy}`).toString(
          'base64',
        ),
        parent_exec_id: Buffer.from('node-1:1:0').toString('base64'),
        pid: 2000 + seq,
        uid: 0,
        binary: '/usr/bin/cat',
        arguments: path,
        start_time: new Date().toISOString(),
        pod: {
          namespace: 'shop',
          name: `${workload}-6d5f7c9b8d-abcde`,
          container: {
            id: 'containerd://abc',
            name: workload,
            image: { name: `registry.example/${workload}:1` },
          },
          pod_labels: { app: workload, 'backstage.io/kubernetes-id': workload },
          workload,
          workload_kind: 'Deployment',
        },
      },
      function_name: call,
      policy_name: policy,
      action: 'KPROBE_ACTION_POST',
      args: [arg, { int_arg: 4 }],
    },
    node_name: 'node-1',
    time: new Date(Date.now() - seq * 1000).toISOString(),
  });
}

async function start(
  opts: {
    items?: object[];
    result?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
    deny?: string;
    catalogDown?: boolean;
  } = {},
) {
  const api = await fakeApi(opts.items ?? []);
  const { server } = await startTestBackend({
    features: [
      runtimeSecurityPlugin,
      opts.catalogDown
        ? catalogServiceMock.mock({
            getEntities: async () => {
              throw new Error('catalog is down');
            },
          }).factory
        : catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({
        data: {
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  {
                    name: 'c1',
                    url: api.url,
                    authProvider: 'serviceAccount',
                    serviceAccountToken: 't',
                    skipTLSVerify: true,
                  },
                ],
              },
            ],
          },
          periscope: { clusterTimeoutMs: 3000 },
          runtimeSecurity: {
            sources: { kubernetes: { enabled: false } },
            ingest: { token: TOKEN },
            notifications: { enabled: false },
          },
        },
      }),
      opts.deny
        ? mockServices.permissions.mock({
            authorize: async reqs =>
              reqs.map(r => ({
                result:
                  r.permission.name === opts.deny
                    ? AuthorizeResult.DENY
                    : AuthorizeResult.ALLOW,
              })),
          }).factory
        : mockServices.permissions.factory({
            result: opts.result ?? AuthorizeResult.ALLOW,
          }),
    ],
  });
  const ingest = async (lines: string[]) => {
    const res = await request(server)
      .post(`${BASE}/ingest?source=node-1`)
      .set('x-periscope-ingest-token', TOKEN)
      .type('application/x-ndjson')
      .send(lines.join('\n'));
    expect(res.status).toBe(200);
    return res.body;
  };
  const triageAll = async (
    entity: string,
    state: 'acknowledged' | 'false-positive',
  ) => {
    const { body } = await request(server).get(
      `${BASE}/entity?entityRef=component:default/${entity}`,
    );
    for (const f of body.findings) {
      const r = await request(server)
        .post(
          `${BASE}/entity/findings/${f.id}/triage?entityRef=component:default/${entity}`,
        )
        .send({
          state,
          reason: 'expected: the service reads its own credentials at start',
        });
      expect(r.status).toBe(200);
    }
    return body.findings.length as number;
  };
  closers.push(api.close);
  return { server, ingest, triageAll };
}

const propose = (server: any, body: object) =>
  request(server).post(`${BASE}/policies/enforcement`).send(body);
const good = {
  cluster: 'c1',
  namespace: 'shop',
  name: 'payments-runtime-policy',
  action: 'Sigkill',
};

describe('from findings to enforcement', () => {
  it('lists a policy with its matches per rule, workloads and triage, and proposes it once every match is accepted', async () => {
    const { server, ingest, triageAll } = await start({
      items: [modulePolicy('payments-runtime-policy', 'payments')],
    });
    await ingest([
      probeLine(
        'payments',
        'payments-runtime-policy',
        'security_file_permission',
        '/etc/shadow',
      ),
      probeLine(
        'payments',
        'payments-runtime-policy',
        'security_file_permission',
        '/etc/shadow',
      ),
    ]);
    let listed = (await request(server).get(`${BASE}/policies`)).body
      .policies[0];
    expect(listed).toMatchObject({
      name: 'payments-runtime-policy',
      mode: 'monitoring',
      matches: {
        windowDays: 14,
        hits: 2,
        open: expect.any(Number),
        acknowledged: 0,
        workloads: ['shop/payments'],
        unmapped: [],
      },
      enforcement: {
        eligible: false,
        reasons: [
          expect.stringMatching(
            /finding\(s\) of the last 14 days are open: acknowledge them/,
          ),
        ],
      },
    });
    expect(listed.matches.rules[0]).toMatchObject({
      hits: 2,
      workloads: ['shop/payments'],
      calls: ['security_file_permission'],
    });
    expect(
      listed.matches.rules[0].days.reduce(
        (n: number, d: { hits: number }) => n + d.hits,
        0,
      ),
    ).toBe(2);
    expect(
      listed.matches.days.reduce(
        (n: number, d: { hits: number }) => n + d.hits,
        0,
      ),
    ).toBe(2);
    const refused = await propose(server, good);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(
      /cannot be proposed for enforcement: .*are open/,
    );

    expect(await triageAll('payments', 'acknowledged')).toBeGreaterThan(0);
    listed = (await request(server).get(`${BASE}/policies`)).body.policies[0];
    expect(listed.enforcement).toEqual({ eligible: true, reasons: [] });
    expect(listed.matches).toMatchObject({
      open: 0,
      acknowledged: listed.matches.rules.length,
    });

    const res = await propose(server, good);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      target: {
        module: 'tracing-policy',
        instanceName: 'payments-runtime-policy',
        namespace: 'shop',
        clusters: ['c1'],
        entityRef: 'component:default/payments',
      },
      currentValues: {
        service: 'payments',
        podLabel: 'backstage.io/kubernetes-id',
        action: 'Post',
        actions: { files: 'Post', connect: 'Post' },
      },
      // only the probe that matched: outbound connections keep reporting
      values: {
        service: 'payments',
        action: 'Post',
        actions: { files: 'Sigkill', connect: 'Post' },
      },
      changes: [
        {
          value: 'actions.files',
          hook: 'kprobe security_file_permission',
          from: 'Post',
          to: 'Sigkill',
          findings: expect.any(Number),
        },
      ],
    });
    expect(res.body.values.sensitivePaths).toEqual([
      '/etc/shadow',
      '/etc/sudoers',
      '/root/.ssh',
      '/boot',
    ]);
    const override = await propose(server, { ...good, action: 'Override' });
    expect(override.body.values).toMatchObject({
      actions: { files: 'Override', connect: 'Post' },
      overrideError: -1,
    });
  });

  it('refuses a policy with no matches, one Deploy did not deploy, and one already enforcing, each saying why', async () => {
    const { server } = await start({
      items: [
        modulePolicy('quiet-policy', 'payments'),
        {
          ...modulePolicy('hand-made', 'payments'),
          metadata: { name: 'hand-made', namespace: 'shop', labels: {} },
        },
        modulePolicy('killing', 'payments', 'Sigkill'),
      ],
    });
    const quiet = await propose(server, { ...good, name: 'quiet-policy' });
    expect([quiet.status, quiet.body.error.message]).toEqual([
      409,
      expect.stringMatching(/no matches in the last 14 days/),
    ]);
    const hand = await propose(server, { ...good, name: 'hand-made' });
    expect(hand.body.error.message).toMatch(
      /not deployed through Deploy \(no label app.kubernetes.io\/managed-by: timoni\)/,
    );
    const killing = await propose(server, { ...good, name: 'killing' });
    expect([killing.status, killing.body.error.message]).toEqual([
      409,
      expect.stringMatching(/already enforces/),
    ]);
    const { body } = await request(server).get(`${BASE}/policies`);
    expect(
      body.policies.find((p: any) => p.name === 'killing').enforcement,
    ).toBeUndefined();
  });

  it('refuses matches from workloads no entity claims, and proposes no owner entity where the entity declares another module', async () => {
    const { server, ingest, triageAll } = await start({
      items: [
        modulePolicy('checkout-runtime-policy', 'checkout'),
        modulePolicy('ghost-policy', 'ghost'),
      ],
    });
    await ingest([
      probeLine(
        'checkout',
        'checkout-runtime-policy',
        'security_file_permission',
        '/etc/shadow',
      ),
      probeLine(
        'ghost',
        'ghost-policy',
        'security_file_permission',
        '/etc/shadow',
      ),
    ]);
    await triageAll('checkout', 'false-positive');
    const res = await propose(server, {
      ...good,
      name: 'checkout-runtime-policy',
    });
    expect(res.status).toBe(200);
    expect(res.body.target.entityRef).toBeUndefined();
    const ghost = await propose(server, { ...good, name: 'ghost-policy' });
    expect(ghost.body.error.message).toMatch(
      /workloads no catalog entity claims \(shop\/ghost\)/,
    );
  });

  it('still lists the policies when the catalog cannot be read, and proposes none until it can', async () => {
    const { server, ingest } = await start({
      items: [modulePolicy('payments-runtime-policy', 'payments')],
      catalogDown: true,
    });
    await ingest([
      probeLine(
        'payments',
        'payments-runtime-policy',
        'security_file_permission',
        '/etc/shadow',
      ),
    ]);
    const res = await request(server).get(`${BASE}/policies`);
    expect(res.status).toBe(200);
    expect(res.body.policies[0].enforcement.reasons[0]).toBe(
      'the catalog could not be read to tell known workloads (catalog is down): try again later',
    );
    expect(res.body.policies[0].matches.unmapped).toEqual(['shop/payments']);
  });

  it('answers 404 for a policy the cluster does not have', async () => {
    const { server } = await start();
    const res = await propose(server, good);
    expect([res.status, res.body.error.message]).toEqual([
      404,
      expect.stringMatching(
        /no TracingPolicyNamespaced 'payments-runtime-policy' in namespace 'shop' of cluster 'c1'/,
      ),
    ]);
  });

  it.each([
    [
      { ...good, action: 'Post' },
      /action: 'action' must be 'Sigkill' or 'Override'/,
    ],
    [{ ...good, name: 'Bad_Name' }, /name: 'name' must be a Kubernetes name/],
    [{ cluster: 'c1', name: 'p', action: 'Sigkill' }, /namespace: /],
    [{ ...good, extra: 1 }, /body: Unrecognized key/i],
    [[], /body: /],
  ])('rejects the bad body %j with 400', async (body, message) => {
    const { server } = await start();
    const res = await propose(server, body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.message).toMatch(/send \{"cluster"/);
  });

  it('answers 403 when runtime-security.policies.enforce is denied, and 401 without credentials', async () => {
    const { server } = await start({
      items: [modulePolicy('payments-runtime-policy', 'payments')],
      deny: 'runtime-security.policies.enforce',
    });
    const res = await propose(server, good);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(
      "permission 'runtime-security.policies.enforce' is denied",
    );
    // the listing stays readable with runtime-security.cluster.read
    expect((await request(server).get(`${BASE}/policies`)).status).toBe(200);
    const anon = await propose(server, good).set(
      'Authorization',
      mockCredentials.none.header(),
    );
    expect(anon.status).toBe(401);
  });

  it('is refused to service principals: an approval is a person', async () => {
    const { server } = await start();
    const res = await propose(server, good).set(
      'Authorization',
      mockCredentials.service.header(),
    );
    expect(res.status).toBe(403);
  });
});

describe('FindingsStore.policyMatches', () => {
  const databases = TestDatabases.create({
    ids: databaseIdsForTests('Policy matches store tests'),
  });

  it.each(databases.eachSupportedId())(
    'counts the events of each policy finding in the window, per day (%s)',
    async id => {
      const knex = await databases.init(id);
      const store = await createFindingsStore(mockServices.database({ knex }));
      const ingester = createSourceIngester('t', 'http', {
        store,
        logger: mockServices.logger.mock(),
        analyzer: { customRules: [] },
      });
      const day = 24 * 3600_000;
      const at = (ms: number, line: string) => {
        const o = JSON.parse(line);
        o.time = new Date(ms).toISOString();
        return JSON.stringify(o);
      };
      const now = Date.UTC(2026, 0, 20, 12);
      await ingester.pushLines([
        at(
          now - 20 * day,
          probeLine(
            'payments',
            'p1',
            'security_file_permission',
            '/etc/shadow',
          ),
        ),
        at(
          now - 2 * day,
          probeLine(
            'payments',
            'p1',
            'security_file_permission',
            '/etc/shadow',
          ),
        ),
        at(
          now - 1 * day,
          probeLine(
            'payments',
            'p1',
            'security_file_permission',
            '/etc/shadow',
          ),
        ),
        at(
          now - 1 * day + 1000,
          probeLine(
            'payments',
            'p1',
            'security_file_permission',
            '/etc/shadow',
          ),
        ),
      ]);
      const { findings } = await store.policyMatches(now - 14 * day);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        hits: 3,
        call: 'security_file_permission',
        finding: { policy: 'p1', namespace: 'shop', workload: 'payments' },
      });
      expect(
        findings[0].days
          .sort((a, b) => a.dayMs - b.dayMs)
          .map(d => [new Date(d.dayMs).toISOString().slice(0, 10), d.hits]),
      ).toEqual([
        ['2026-01-18', 1],
        ['2026-01-19', 2],
      ]);
      expect((await store.policyMatches(now + day)).findings).toEqual([]);
    },
  );
});
