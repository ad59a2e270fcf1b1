/**
 * GET /entity/evidence and GET /entity/logs: credentials, permissions and input at the edge; and
 * against the local control plane (the simulated scenarios of namespace shop and the real node's),
 * the evidence of each seeded failure, its logs,
 * and what the loopback OpenAI-compatible server receives when the finding is explained (the
 * facts that name the cause, no identifier in clear).
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { FindingEvidence } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createKubeHttp } from '@periscope/backstage-plugin-k8s-diagnostics-node';
import {
  kubernetesConfigFromKubeconfig,
  loadKubeConfigFile,
} from '@periscope/kube-access';
import { describeIf } from '@periscope/test-utils';
import request from 'supertest';
import { k8sDiagnosticsPlugin } from './plugin';
import { createFindingsStore } from './services/FindingsStore';
import { seedEntity, startFakeLlm } from './__testUtils__/fixtures';
import { EntityHealth, HealthFinding } from './types';

const component = (name: string, namespace: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': name,
      'backstage.io/kubernetes-namespace': namespace,
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
});
const REAL_NODE_APPS = [
  'rn-oom',
  'rn-app-exits',
  'rn-bad-command',
  'rn-missing-configmap',
  'rn-missing-secret-key',
  'rn-readiness',
  'rn-liveness',
  'rn-init-fails',
  'rn-image-pull',
];
/** The simulated (kwok) scenarios of namespace shop whose pods fail. */
const KWOK_APPS = ['payments', 'recommender', 'notifier', 'cart'];
const entities = [
  ...KWOK_APPS.map(a => component(a, 'shop')),
  ...REAL_NODE_APPS.map(a => component(a, 'real-node')),
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
  k8sDiagnostics: { scanTimeoutMs: 2000, cacheTtlSeconds: 3600 },
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
  let findings: HealthFinding[] = [];
  if (opts.seed) {
    const store = await createFindingsStore(mockServices.database({ knex }));
    findings = (await seedEntity(
      store,
      'component:default/payments',
      'payments',
      'c1',
    )) as unknown as HealthFinding[];
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
  return { server, findings };
}

const ID = 'abcdef0123';
const logs = (q: string) =>
  `/api/k8s-diagnostics/entity/logs?entityRef=component:default/payments&findingId=${ID}${q}`;

describe('GET /entity/evidence and GET /entity/logs', () => {
  it.each([
    `/api/k8s-diagnostics/entity/evidence?entityRef=component:default/payments&findingId=${ID}`,
    logs('&container=app'),
  ])('needs credentials: %s', async path => {
    const { server } = await start();
    const res = await request(server)
      .get(path)
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it.each([
    `/api/k8s-diagnostics/entity/evidence?entityRef=component:default/payments&findingId=${ID}`,
    logs('&container=app'),
  ])('answers 403 when the read permission is denied: %s', async path => {
    const { server } = await start({
      config: oneCluster,
      result: AuthorizeResult.DENY,
    });
    const res = await request(server).get(path);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/k8s-diagnostics.findings.read/);
  });

  it.each([
    ['', /'container' /],
    ['&container=App_1', /'container' must be a Kubernetes name/],
    [
      '&container=app&namespace=kube-system',
      /Unrecognized key.*namespace.*the namespace and cluster are the finding's/,
    ],
    ['&container=app&cluster=other', /Unrecognized key.*cluster/],
    ['&container=app&pod=../x', /'pod' must be a Kubernetes name/],
    ['&container=app&previous=yes', /'previous' /],
    [
      '&container=app&tailLines=0',
      /parameter 'tailLines' is '0': give a whole number from 1 to 1000/,
    ],
    ['&container=app&tailLines=5000', /from 1 to 1000/],
  ])('rejects bad logs input %s with 400', async (query, message) => {
    const { server } = await start({ config: oneCluster });
    const res = await request(server).get(logs(query));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it.each([
    [
      'findingId=../etc&entityRef=component:default/payments',
      /'findingId' must be the id of a finding/,
    ],
    ['findingId=abcdef', /'entityRef' /],
    [
      `entityRef=component:default/payments&findingId=${ID}&namespace=x`,
      /Unrecognized key/,
    ],
  ])('rejects bad evidence input %s with 400', async (query, message) => {
    const { server } = await start({ config: oneCluster });
    const res = await request(server).get(
      `/api/k8s-diagnostics/entity/evidence?${query}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 404 for a finding that is not one of the entity', async () => {
    const { server } = await start({ config: oneCluster, seed: true });
    expect((await request(server).get(logs('&container=app'))).status).toBe(
      404,
    );
    expect(
      (
        await request(server).get(
          `/api/k8s-diagnostics/entity/evidence?entityRef=component:default/payments&findingId=${ID}`,
        )
      ).status,
    ).toBe(404);
  });

  it('answers evidence as data when the cluster cannot be reached, and 503 for logs', async () => {
    const { server, findings } = await start({
      config: oneCluster,
      seed: true,
    });
    const pod = findings.find(f => f.object.kind === 'Pod')!;
    const ev = await request(server).get(
      `/api/k8s-diagnostics/entity/evidence?entityRef=component:default/payments&findingId=${pod.id}`,
    );
    expect(ev.status).toBe(200);
    expect(ev.body).toMatchObject({
      findingId: pod.id,
      cluster: 'c1',
      error: expect.any(String),
      evidence: { containers: [], ownerChain: pod.ownerChain },
    });
    const log = await request(server).get(
      `/api/k8s-diagnostics/entity/logs?entityRef=component:default/payments&findingId=${pod.id}&container=payments`,
    );
    expect(log.status).toBe(503);
  });
});

const REAL_NODE = process.env.PERISCOPE_REAL_NODE_KUBECONFIG;

/** What each seeded failure's request to the LLM must carry (regular expressions over the masked request). */
const FACTS: Record<string, RegExp[]> = {
  'rn-oom': [/"memory": "\d+Mi"/, /"limits"/, /"exitCode": 137/, /OOMKilled/],
  'rn-app-exits': [
    /"exitCode": 1\b/,
    /ERROR: cannot connect to database at HOST_\d+:5432: connection refused/,
  ],
  'rn-bad-command': [/"exitCode": 127/, /periscope-server: not found/],
  'rn-missing-configmap': [/"kind": "ConfigMap",\s+"name": "NAME_\d+"/],
  'rn-missing-secret-key': [
    /"kind": "Secret",\s+"name": "NAME_\d+",\s+"key": "password"/,
  ],
  'rn-readiness': [
    /"path": "\/ready"/,
    /Readiness probe failed: HTTP probe failed with statuscode: 404/,
  ],
  'rn-liveness': [
    /"path": "\/live"/,
    /Liveness probe failed: HTTP probe failed with statuscode: 404/,
  ],
  'rn-init-fails': [/"init": true/, /"exitCode": 2\b/],
  'rn-image-pull': [
    /busybox:1\.36-does-not-exist/,
    /"reason": "(ErrImagePull|ImagePullBackOff)"/,
  ],
  // kwok writes states, not logs
  payments: [/"exitCode": 1\b/, /"reason": "CrashLoopBackOff"/],
  recommender: [/"memory": "256Mi"/, /"exitCode": 137/, /OOMKilled/],
  notifier: [/"kind": "ConfigMap",\s+"name": "NAME_\d+"/],
  cart: [
    /:9\.9\.9-does-not-exist/,
    /"reason": "(ErrImagePull|ImagePullBackOff)"/,
  ],
};

const allFindings = (h: EntityHealth): HealthFinding[] =>
  h.groups.flatMap(g => g.findings);

describeIf({ realNode: REAL_NODE })(
  'evidence of the seeded scenarios (simulated in shop, and on the real node)',
  () => {
    const config = (llm: string) => ({
      ...kubernetesConfigFromKubeconfig(REAL_NODE!, 'local'),
      k8sDiagnostics: {
        rescansPerMinute: 0,
        ai: { baseUrl: llm, model: 'fake-model', perUserPerMinute: 0 },
      },
    });

    it('sends the facts that name each cause, and no identifier in clear', async () => {
      const llm = await startFakeLlm('json');
      try {
        const { server } = await start({ config: config(llm.baseUrl) });
        const bodies: Record<string, string> = {};
        const missingFacts: string[] = [];
        const statuses: string[] = [];
        // a real kubelet moves between states: rescan until each scenario's request has its facts
        const deadline = Date.now() + 120_000;
        for (const app of [...KWOK_APPS, ...REAL_NODE_APPS]) {
          for (;;) {
            const h = await request(server)
              .post('/api/k8s-diagnostics/entity/rescan')
              .send({ entityRef: `component:default/${app}` });
            const pod = allFindings(h.body).find(
              f => f.object.kind === 'Pod' && f.analyzer === 'Pod',
            );
            if (pod) {
              const before = llm.bodies.length;
              const r = await request(server)
                .post('/api/k8s-diagnostics/entity/explain')
                .send({
                  entityRef: `component:default/${app}`,
                  findingId: pod.id,
                });
              if (r.status !== 200) statuses.push(`${app}: ${r.status}`);
              // the user message as sent (a cached answer sends nothing: keep the last request)
              const sent = llm.bodies
                .slice(before)
                .map(b =>
                  (
                    JSON.parse(b) as { messages: Array<{ content: string }> }
                  ).messages
                    .map(m => m.content)
                    .join('\n'),
                );
              if (sent.length) bodies[app] = sent.join('\n');
            }
            const lacking = FACTS[app].filter(
              re => !re.test(bodies[app] ?? ''),
            );
            if (lacking.length === 0) break;
            if (Date.now() > deadline) {
              missingFacts.push(`${app}: ${lacking.join(', ')}`);
              break;
            }
            await new Promise(res => setTimeout(res, 3_000));
          }
        }
        expect({ missingFacts, statuses }).toEqual({
          missingFacts: [],
          statuses: [],
        });

        const http = await createKubeHttp(loadKubeConfigFile(REAL_NODE!));
        const forbidden = new Set<string>([
          'real-node',
          'periscope-real-0',
          'rn-missing-config',
          'rn-db',
          'shop',
          'notifier-config',
          ...REAL_NODE_APPS,
          ...KWOK_APPS,
        ]);
        const nodes = (await http.getJson('/api/v1/nodes')) as {
          items: Array<{ metadata: { name: string } }>;
        };
        nodes.items.forEach(n => forbidden.add(n.metadata.name));
        const paths = [
          'pods',
          'configmaps',
          'secrets',
          'serviceaccounts',
        ].flatMap(r =>
          ['real-node', 'shop'].map(ns => `/api/v1/namespaces/${ns}/${r}`),
        );
        paths.push(
          ...['deployments', 'replicasets'].flatMap(r =>
            ['real-node', 'shop'].map(
              ns => `/apis/apps/v1/namespaces/${ns}/${r}`,
            ),
          ),
        );
        for (const path of paths) {
          const list = (await http.getJson(path)) as {
            items: Array<{
              metadata: { name: string; labels?: Record<string, string> };
              status?: { podIP?: string };
            }>;
          };
          for (const item of list.items) {
            forbidden.add(item.metadata.name);
            // the label values of the workloads (those of other objects, such as the deploy tool's
            // `app.kubernetes.io/managed-by: periscope` on its history Secrets, name no workload)
            if (/\/(pods|deployments|replicasets)$/.test(path)) {
              Object.values(item.metadata.labels ?? {})
                .filter(v => v.length >= 3 && !/^(true|false)$/.test(v))
                .forEach(v => forbidden.add(v));
            }
            if (item.status?.podIP) forbidden.add(item.status.podIP);
          }
        }
        // names every namespace has, which identify nobody
        for (const common of ['kube-root-ca.crt', 'default'])
          forbidden.delete(common);
        const leaks = Object.entries(bodies).flatMap(([app, b]) =>
          [...forbidden]
            .filter(s =>
              new RegExp(
                `(?<![A-Za-z0-9])${s.replace(
                  /[.*+?^${}()|[\]\\]/g,
                  '\\$&',
                )}(?![A-Za-z0-9])`,
                'i',
              ).test(b),
            )
            .map(s => `${app}: ${s}`),
        );
        expect(leaks).toEqual([]);
      } finally {
        await llm.close();
      }
    }, 300_000);

    it("shows the evidence and the failing container's logs, current and previous", async () => {
      const llm = await startFakeLlm('json');
      try {
        const { server } = await start({ config: config(llm.baseUrl) });
        const h = await request(server)
          .post('/api/k8s-diagnostics/entity/rescan')
          .send({ entityRef: 'component:default/rn-app-exits' });
        const pod = allFindings(h.body).find(
          f => f.object.kind === 'Pod' && f.analyzer === 'Pod',
        )!;
        expect(pod).toBeDefined();
        const ev = await request(server).get(
          `/api/k8s-diagnostics/entity/evidence?entityRef=component:default/rn-app-exits&findingId=${pod.id}`,
        );
        expect(ev.status).toBe(200);
        const evidence = ev.body.evidence as FindingEvidence;
        expect(evidence).toMatchObject({
          failingContainer: 'app',
          pod: { name: pod.object.name, namespace: 'real-node' },
          ownerChain: pod.ownerChain,
        });
        expect(evidence.containers[0]).toMatchObject({
          name: 'app',
          image: expect.stringContaining('busybox'),
        });
        const previousLog = () =>
          request(server).get(
            `/api/k8s-diagnostics/entity/logs?entityRef=component:default/rn-app-exits&findingId=${pod.id}&container=app&previous=true&tailLines=5`,
          );
        // while the container restarts the kubelet may have just removed the previous log: read again
        let previous = await previousLog();
        for (let i = 0; i < 20 && previous.body.error; i++) {
          await new Promise(res => setTimeout(res, 2_000));
          previous = await previousLog();
        }
        expect(previous.status).toBe(200);
        expect(previous.body).toMatchObject({
          container: 'app',
          previous: true,
          pod: pod.object.name,
          namespace: 'real-node',
        });
        expect(previous.body.lines.length).toBeLessThanOrEqual(5);
        expect(previous.body.lines.join('\n')).toMatch(
          /ERROR: cannot connect to database/,
        );
        const other = await request(server).get(
          `/api/k8s-diagnostics/entity/logs?entityRef=component:default/rn-app-exits&findingId=${pod.id}&container=app&pod=rn-healthy-x`,
        );
        expect(other.status).toBe(404);
      } finally {
        await llm.close();
      }
    }, 120_000);
  },
);
