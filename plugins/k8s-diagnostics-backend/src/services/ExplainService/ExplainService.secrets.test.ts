/**
 * k8sDiagnostics.ai.maskReferencedSecrets: the values of the Secrets a finding's pod references
 * are read at explain time from a stand-in API server on loopback and masked as exact strings;
 * the request goes to the loopback OpenAI-compatible server. Without the option the same values
 * reach that server (they match no pattern), so the masking is the option's doing.
 */
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  analyze,
  createSnapshot,
  KubeObject,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterDetails } from '@periscope/kube-access';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  AI_LIMIT_DEFAULTS,
  AiConfig,
  DEFAULT_ANALYZERS,
  readDiagnosticsConfig,
} from '../../config';
import { startFakeLlm } from '../../__testUtils__/fixtures';
import { ExplainChunk } from '../../types';
import { createFindingsStore } from '../FindingsStore';
import { createHealthService, HealthService } from '../HealthService';
import {
  belongsTo,
  ObjectIndex,
  toFindings,
  workloadsOf,
} from '../HealthService/findings';
import { createExplainService } from './createExplainService';
import { secretLiterals, secretReferences } from './referencedSecrets';

/** Referenced by `env[].valueFrom.secretKeyRef` (orders-db/password); stored with the newline `echo | base64` adds. */
const DB_PASSWORD = 'Tr0ub4dor-Xyzzy-42';
/** Not referenced: orders-db/username is a key no container asks for. */
const DB_USERNAME = 'Unreferenced-Kestrel-7';
/** Referenced by `envFrom[].secretRef` (every key of orders-api). */
const API_TOKEN = 'Zq7Wombat8Lantern';
/** A line of a file in a Secret volume (orders-conf, no items: every key). */
const SALT = 'Qx9-Pelican-Drift';
/** In a projected volume's Secret (orders-tls, forbidden in one test). */
const TLS_PASS = 'Mx4-Heron-Quartz';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const DB_PASSWORD_B64 = b64(`${DB_PASSWORD}\n`);
const VALUES = [DB_PASSWORD, API_TOKEN, SALT, DB_PASSWORD_B64];

const container = {
  name: 'orders',
  image: 'periscope/orders:1.0.0',
  env: [
    {
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'orders-db', key: 'password' } },
    },
  ],
  envFrom: [{ secretRef: { name: 'orders-api' } }],
};
const podSpec = {
  containers: [container],
  volumes: [
    { name: 'conf', secret: { secretName: 'orders-conf' } },
    {
      name: 'tls',
      projected: {
        sources: [
          {
            secret: { name: 'orders-tls', items: [{ key: 'pass', path: 'p' }] },
          },
        ],
      },
    },
  ],
};
const labels = { app: 'orders', 'backstage.io/kubernetes-id': 'orders' };

function objects(): KubeObject[] {
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'orders', namespace: 'shop', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'orders' } },
      template: { metadata: { labels }, spec: podSpec },
    },
    status: { replicas: 1, readyReplicas: 0 },
  };
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'orders-5c6d7',
      namespace: 'shop',
      labels,
      ownerReferences: [
        { kind: 'Deployment', name: 'orders', controller: true },
      ],
    },
    spec: { replicas: 1, template: { metadata: { labels }, spec: podSpec } },
    status: { replicas: 1 },
  };
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'orders-5c6d7-q8w2e',
      namespace: 'shop',
      labels,
      ownerReferences: [
        { kind: 'ReplicaSet', name: 'orders-5c6d7', controller: true },
      ],
    },
    spec: podSpec,
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'orders',
          ready: false,
          restartCount: 4,
          // a log line the runtime put into the status: no keyword, no known token shape
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `exited: FATAL login rejected for ${DB_PASSWORD} (upstream answered ${API_TOKEN})`,
            },
          },
        },
      ],
    },
  };
  const event: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'orders-5c6d7-q8w2e.1', namespace: 'shop' },
    involvedObject: {
      kind: 'Pod',
      name: 'orders-5c6d7-q8w2e',
      namespace: 'shop',
    },
    type: 'Warning',
    reason: 'BackOff',
    message: `Back-off restarting failed container orders; last log: salt ${SALT} invalid, raw ${DB_PASSWORD_B64} dropped`,
    count: 4,
    lastTimestamp: '2026-11-22T02:00:00Z',
  };
  return [deployment, rs, pod, event];
}

const secrets: Record<string, Record<string, string>> = {
  'orders-db': { password: `${DB_PASSWORD}\n`, username: DB_USERNAME },
  'orders-api': { API_TOKEN, MODE: 'on' },
  'orders-conf': { 'app.conf': `mode=strict\nsalt=${SALT}\n` },
  'orders-tls': { pass: TLS_PASS },
};

/** A stand-in API server: the objects above, the Secrets (some answering 403 or 404), every request recorded. */
async function standInCluster(
  answers: { forbidden?: string[]; missing?: string[] } = {},
) {
  const seen: Array<{ url: string; authorization?: string }> = [];
  const byPath = new Map<string, object>();
  for (const o of objects()) {
    const plural = `${o.kind.toLowerCase()}s`;
    const prefix = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion}`;
    byPath.set(`${prefix}/namespaces/shop/${plural}/${o.metadata?.name}`, o);
  }
  for (const [name, data] of Object.entries(secrets)) {
    byPath.set(`/api/v1/namespaces/shop/secrets/${name}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'shop' },
      type: 'Opaque',
      data: Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, b64(v)]),
      ),
    });
  }
  const status = (res: http.ServerResponse, code: number, message: string) =>
    res
      .writeHead(code, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({ kind: 'Status', status: 'Failure', message, code }),
      );
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    seen.push({ url, authorization: req.headers.authorization });
    const name = url.replace(/^.*\//, '');
    if (url.includes('/secrets/') && answers.forbidden?.includes(name)) {
      status(
        res,
        403,
        `secrets "${name}" is forbidden: User "system:serviceaccount:periscope:backstage" cannot get resource "secrets" in the namespace "shop"`,
      );
      return;
    }
    const obj = answers.missing?.includes(name) ? undefined : byPath.get(url);
    if (!obj) {
      status(res, 404, `"${name}" not found`);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(obj));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const entityRef = 'component:default/orders';
const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': 'orders',
      'backstage.io/kubernetes-namespace': 'shop',
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
};
const credentials = mockCredentials.user();

describe('ExplainService with k8sDiagnostics.ai.maskReferencedSecrets', () => {
  let llm: Awaited<ReturnType<typeof startFakeLlm>>;
  let cluster: Awaited<ReturnType<typeof standInCluster>>;
  afterEach(async () => {
    await llm?.close();
    await cluster?.close();
  });

  async function setup(options: {
    mask: boolean;
    forbidden?: string[];
    missing?: string[];
    clusters?: 'none';
  }) {
    llm = await startFakeLlm('json');
    cluster = await standInCluster(options);
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    const clusters: ClusterDetails[] = [
      {
        name: 'c1',
        url: cluster.url,
        authProvider: 'serviceAccount',
        serviceAccountToken: 'cluster-sa-token',
        skipTLSVerify: true,
      },
    ];
    const health = createHealthService({
      clusters,
      config: readDiagnosticsConfig(
        mockServices.rootConfig({
          data: { k8sDiagnostics: { cacheTtlSeconds: 3600 } },
        }),
      ),
      catalog: catalogServiceMock({ entities: [entity] }),
      store,
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
    });
    // the stored finding, as a scan records it (no Secret value in it: the scan reads Secret metadata only)
    const snapshot = createSnapshot(objects());
    const index = new ObjectIndex(snapshot);
    const selector = {
      labelSelector: 'backstage.io/kubernetes-id=orders',
      namespace: 'shop',
    };
    const findings = toFindings(
      'c1',
      snapshot,
      analyze(snapshot, { filters: DEFAULT_ANALYZERS }).results,
    ).filter(f => belongsTo(index, f, selector));
    await store.recordScan({
      scope: entityRef,
      at: new Date(),
      scannedClusters: ['c1'],
      findings,
      errors: [],
      warnings: [],
      clusters: [{ name: 'c1', workloads: workloadsOf(snapshot, selector) }],
    });
    const pod = findings.find(f => f.object.kind === 'Pod')!;
    const ai: AiConfig = {
      provider: 'openai',
      baseUrl: llm.baseUrl,
      model: 'fake-model',
      timeoutMs: 5000,
      maxRetries: 0,
      language: 'English',
      ...AI_LIMIT_DEFAULTS,
      maskReferencedSecrets: options.mask,
    };
    const logger = mockServices.logger.mock();
    const explain = createExplainService({
      ai,
      health,
      store,
      logger,
      clusters: options.clusters === 'none' ? undefined : clusters,
      clusterTimeoutMs: 3000,
    });
    return { explain, knex, logger, pod };
  }

  /** Every row of every table, as text (`table row-json`). */
  async function everythingStored(
    knex: Awaited<ReturnType<typeof databases.init>>,
  ): Promise<Set<string>> {
    const tables: string[] = await knex('sqlite_master')
      .where({ type: 'table' })
      .pluck('name');
    const rows = await Promise.all(
      tables.map(async t =>
        (await knex(t).select()).map(r => `${t} ${JSON.stringify(r)}`),
      ),
    );
    return new Set(rows.flat());
  }

  const leaked = (text: string) =>
    [...VALUES, TLS_PASS, b64(`mode=strict\nsalt=${SALT}\n`)].filter(v =>
      text.includes(v),
    );

  it('off (the default): the values reach the LLM as they are, and the cluster is not asked', async () => {
    const { explain, pod } = await setup({ mask: false });
    const result = await explain.explain({
      entityRef,
      findingId: pod.id,
      credentials,
    });
    expect(result.warning).toBeUndefined();
    expect(llm.bodies).toHaveLength(1);
    // the values match no pattern: only the option hides them
    expect(VALUES.filter(v => llm.bodies[0].includes(v))).toEqual(VALUES);
    expect(cluster.seen).toEqual([]);
  });

  it('on: reads the referenced Secrets with the cluster credentials and no value reaches the LLM, the store, the log or the answer', async () => {
    const { explain, knex, logger, pod } = await setup({ mask: true });
    // the scan stored the failure text and event as the cluster gave them (Secret values in logs
    // included): what the explanation adds to the database is what must hold no value
    const before = await everythingStored(knex);
    const chunks: ExplainChunk[] = [];
    const result = await explain.explain({
      entityRef,
      findingId: pod.id,
      credentials,
      onChunk: c => chunks.push(c),
    });
    expect(result).toMatchObject({ source: 'llm', format: 'json' });
    expect(result.warning).toBeUndefined();

    expect(llm.bodies).toHaveLength(1);
    expect(leaked(llm.bodies[0])).toEqual([]);
    expect(llm.bodies[0]).toMatch(
      /login rejected for SECRET_\d+ \(upstream answered SECRET_\d+\)/,
    );
    expect(llm.bodies[0]).toMatch(
      /salt SECRET_\d+ invalid, raw SECRET_\d+ dropped/,
    );

    // the pod, its owners' templates and the four referenced Secrets, with the cluster's token
    const urls = cluster.seen.map(s => s.url).sort();
    expect(urls).toEqual(
      [
        '/api/v1/namespaces/shop/pods/orders-5c6d7-q8w2e',
        '/apis/apps/v1/namespaces/shop/replicasets/orders-5c6d7',
        '/apis/apps/v1/namespaces/shop/deployments/orders',
        '/api/v1/namespaces/shop/secrets/orders-db',
        '/api/v1/namespaces/shop/secrets/orders-api',
        '/api/v1/namespaces/shop/secrets/orders-conf',
        '/api/v1/namespaces/shop/secrets/orders-tls',
      ].sort(),
    );
    expect(new Set(cluster.seen.map(s => s.authorization))).toEqual(
      new Set(['Bearer cluster-sa-token']),
    );

    // nothing of a value is kept or shown: database (cached answer, token usage), log, answer, stream
    const added = [...(await everythingStored(knex))].filter(
      row => !before.has(row),
    );
    expect(added.map(row => row.split(' ')[0])).toEqual(
      expect.arrayContaining([
        'k8s_diagnostics_explanations',
        'k8s_diagnostics_token_usage',
      ]),
    );
    expect(leaked(added.join('\n'))).toEqual([]);
    expect(
      leaked(
        JSON.stringify([
          logger.info.mock.calls,
          logger.warn.mock.calls,
          logger.error.mock.calls,
          logger.debug.mock.calls,
        ]),
      ),
    ).toEqual([]);
    expect(leaked(JSON.stringify(result))).toEqual([]);
    expect(leaked(JSON.stringify(chunks))).toEqual([]);
    // a secret placeholder comes back as [redacted], never as the value
    expect(result.explanation.likelyCause).toBe(
      'The database credentials are rejected ([redacted]).',
    );

    // the cached answer is served for the same masked input: the Secrets are read again (to mask), the LLM is not asked
    const again = await explain.explain({
      entityRef,
      findingId: pod.id,
      credentials,
    });
    expect(again.source).toBe('cache');
    expect(llm.bodies).toHaveLength(1);
    expect(leaked(JSON.stringify(again))).toEqual([]);
  });

  it('goes on when a Secret may not be read (403), with a warning that names it, also on a cached answer', async () => {
    const { explain, logger, pod } = await setup({
      mask: true,
      forbidden: ['orders-tls'],
    });
    const result = await explain.explain({
      entityRef,
      findingId: pod.id,
      credentials,
    });
    expect(result.source).toBe('llm');
    expect(result.warning).toBe(
      'values of Secret shop/orders-tls were not masked by value: the cluster identity may not get secrets; grant get on secrets or turn off k8sDiagnostics.ai.maskReferencedSecrets',
    );
    // the Secrets that could be read are still masked
    expect(leaked(llm.bodies[0])).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'values of Secret shop/orders-tls were not masked by value',
      ),
    );
    const again = await explain.explain({
      entityRef,
      findingId: pod.id,
      credentials,
    });
    expect(again).toMatchObject({ source: 'cache', warning: result.warning });
  });

  it('warns for a referenced Secret that does not exist (404), and when the objects cannot be found or reached', async () => {
    const missing = await setup({ mask: true, missing: ['orders-db'] });
    const result = await missing.explain.explain({
      entityRef,
      findingId: missing.pod.id,
      credentials,
    });
    expect(result.warning).toBe(
      'values of Secret shop/orders-db were not masked by value: it does not exist in cluster c1 (a running pod keeps the values it started with)',
    );
    // orders-db's value was not read, so the option cannot hide it; the others are hidden
    expect(leaked(llm.bodies[0]).sort()).toEqual(
      [DB_PASSWORD, DB_PASSWORD_B64].sort(),
    );
    await llm.close();
    await cluster.close();

    const gone = await setup({
      mask: true,
      missing: ['orders-5c6d7-q8w2e', 'orders-5c6d7', 'orders'],
    });
    const goneResult = await gone.explain.explain({
      entityRef,
      findingId: gone.pod.id,
      credentials,
    });
    expect(goneResult.warning).toBe(
      'the Secrets that Pod shop/orders-5c6d7-q8w2e references are not known, their values were not masked by value: Pod shop/orders-5c6d7-q8w2e and its owners no longer exist in cluster c1; rescan',
    );
    await llm.close();
    await cluster.close();

    const none = await setup({ mask: true, clusters: 'none' });
    const noneResult = await none.explain.explain({
      entityRef,
      findingId: none.pod.id,
      credentials,
    });
    expect(noneResult.warning).toMatch(
      /^the values of referenced Secrets were not masked by value: this backend has no cluster access/,
    );
    expect(cluster.seen).toEqual([]);
  });

  it('reads with the per-request cluster auth the caller passes', async () => {
    const { pod } = await setup({ mask: true });
    const asked: unknown[] = [];
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    await store.recordScan({
      scope: entityRef,
      at: new Date(),
      scannedClusters: ['c1'],
      findings: [pod],
      errors: [],
      warnings: [],
      clusters: [],
    });
    const explain = createExplainService({
      ai: {
        provider: 'openai',
        baseUrl: llm.baseUrl,
        model: 'fake-model',
        timeoutMs: 5000,
        maxRetries: 0,
        language: 'English',
        ...AI_LIMIT_DEFAULTS,
        maskReferencedSecrets: true,
      },
      health: {
        getEntityFinding: async () =>
          (await store.getFinding(entityRef, pod.id))!,
      } as unknown as HealthService,
      store,
      logger: mockServices.logger.mock(),
      clusters: {
        listClusters: async options => {
          asked.push(options?.requestAuth);
          return [
            {
              name: 'c1',
              url: cluster.url,
              authProvider: 'oidc',
              clientSide: true,
              serviceAccountToken: 'user-oidc-token',
              skipTLSVerify: true,
            },
          ];
        },
      },
    });
    const result = await explain.explain({
      entityRef,
      findingId: pod.id,
      credentials,
      requestAuth: { oidc: { okta: 'user-oidc-token' } },
    });
    expect(result.warning).toBeUndefined();
    expect(asked).toEqual([{ oidc: { okta: 'user-oidc-token' } }]);
    expect(new Set(cluster.seen.map(s => s.authorization))).toEqual(
      new Set(['Bearer user-oidc-token']),
    );
    expect(leaked(llm.bodies[0])).toEqual([]);
  });
});

describe('referenced Secrets', () => {
  it('finds the Secrets and keys a pod spec or template references', () => {
    const refs = secretReferences([
      { kind: 'Pod', spec: podSpec },
      {
        kind: 'CronJob',
        spec: {
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  initContainers: [
                    {
                      env: [
                        {
                          name: 'A',
                          valueFrom: {
                            secretKeyRef: {
                              name: 'orders-db',
                              key: 'username',
                            },
                          },
                        },
                        { name: 'B', value: 'x' },
                      ],
                    },
                  ],
                },
              },
            },
          },
        },
      },
      {
        kind: 'Deployment',
        spec: {
          template: {
            spec: {
              containers: [
                {
                  env: [
                    {
                      name: 'C',
                      valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } },
                    },
                  ],
                },
              ],
            },
          },
        },
      },
    ]);
    expect(
      refs.map(r => [r.name, r.keys === 'all' ? 'all' : [...r.keys].sort()]),
    ).toEqual([
      ['orders-db', ['password', 'username']],
      ['orders-api', 'all'],
      ['orders-conf', 'all'],
      ['orders-tls', ['pass']],
    ]);
  });

  it('masks each referenced value trimmed, each line of a multi-line one, and the base64 form; 4 characters or more', () => {
    const data = {
      password: b64(`${DB_PASSWORD}\n`),
      username: b64(DB_USERNAME),
      pin: b64('123'),
      conf: b64('a=1\nsalt: "xyzw"\n'),
      bin: Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64'),
    };
    expect(secretLiterals(data, new Set(['password']))).toEqual([
      DB_PASSWORD,
      DB_PASSWORD_B64,
    ]);
    expect(secretLiterals(data, 'all')).toEqual([
      DB_PASSWORD,
      DB_PASSWORD_B64,
      DB_USERNAME,
      b64(DB_USERNAME),
      // `123` is too short; its base64 form `MTIz` is not
      b64('123'),
      'a=1\nsalt: "xyzw"',
      // each line (`a=1` is too short) and each setting's value, unquoted
      'salt: "xyzw"',
      'xyzw',
      b64('a=1\nsalt: "xyzw"\n'),
      // a binary value: its base64 form only
      '//4AgQ==',
    ]);
  });
});
