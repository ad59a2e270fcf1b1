import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  AuthenticationStrategy,
  KubernetesClustersSupplier,
} from '@backstage/plugin-kubernetes-node';
import { CoreV1Api } from '@kubernetes/client-node';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  ClusterCredentialError,
  createClusterSource,
  KUBERNETES_AUTH_HEADER,
  readKubernetesRequestAuth,
  summarizeClusters,
} from './clusterSource';
import { kubeConfigFor } from './clusters';
import { classifyClusterError } from './errors';

/**
 * A loopback HTTP stand-in for an API server that records the Authorization header of each
 * request: the strategies and the client-node wiring are the real ones.
 */
function apiServerStandIn() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        kind: 'NamespaceList',
        apiVersion: 'v1',
        metadata: {},
        items: [],
      }),
    );
  });
  return {
    seen,
    async start() {
      await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => new Promise(r => server.close(r)),
  };
}

const logger = mockServices.logger.mock();
const auth = mockServices.auth();

const source = (
  config: object,
  extra: Partial<Parameters<typeof createClusterSource>[0]> = {},
) =>
  createClusterSource({
    config: new ConfigReader(config),
    logger,
    auth,
    ...extra,
  });

const configClusters = (clusters: object[]) => ({
  kubernetes: { clusterLocatorMethods: [{ type: 'config', clusters }] },
});

describe('createClusterSource', () => {
  const api = apiServerStandIn();
  let url: string;
  beforeAll(async () => {
    url = await api.start();
  });
  afterAll(() => api.stop());
  beforeEach(() => api.seen.splice(0));

  it('reads config clusters through the Kubernetes plugin locator and sends the service-account token', async () => {
    const [c] = await source(
      configClusters([
        {
          name: 'prod',
          url,
          skipTLSVerify: true,
          authProvider: 'serviceAccount',
          serviceAccountToken: 'sa-token',
          dashboardUrl: 'https://dash.example/prod',
        },
      ]),
    ).listClusters();
    expect(c).toMatchObject({
      name: 'prod',
      url,
      skipTLSVerify: true,
      authProvider: 'serviceAccount',
      dashboardUrl: 'https://dash.example/prod',
      clientSide: false,
    });
    await kubeConfigFor(c).makeApiClient(CoreV1Api).listNamespace();
    expect(api.seen).toEqual(['Bearer sa-token']);
    expect(summarizeClusters([c])).toEqual([
      {
        name: 'prod',
        authProvider: 'serviceAccount',
        dashboardUrl: 'https://dash.example/prod',
        clientSide: false,
      },
    ]);
  });

  it('signs an EKS token with the real aws strategy (x-k8s-aws-id, no network: static keys from the aws config)', async () => {
    // No AWS endpoint can be reached here: the strategy presigns STS GetCallerIdentity locally,
    // which is all an EKS token is; the API server stand-in receives it.
    const [c] = await source({
      aws: {
        mainAccount: {
          accessKeyId: 'AKIAEXAMPLEKEY000001',
          secretAccessKey: 'secret-example-key',
        },
      },
      ...configClusters([
        {
          name: 'eks',
          url,
          skipTLSVerify: true,
          authProvider: 'aws',
          authMetadata: { 'kubernetes.io/x-k8s-aws-id': 'prod-eks' },
        },
      ]),
    }).listClusters();
    await kubeConfigFor(c).makeApiClient(CoreV1Api).listNamespace();
    const [header] = api.seen;
    expect(header).toMatch(/^Bearer k8s-aws-v1\./);
    const presigned = new URL(
      Buffer.from(
        header.slice('Bearer k8s-aws-v1.'.length),
        'base64url',
      ).toString(),
    );
    expect(presigned.hostname).toBe('sts.us-east-1.amazonaws.com');
    expect(presigned.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(presigned.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAEXAMPLEKEY000001\//,
    );
    expect(presigned.searchParams.get('X-Amz-SignedHeaders')).toBe(
      'host;x-k8s-aws-id',
    );
  });

  it('asks the strategy for every request, so a token that expires is renewed', async () => {
    let n = 0;
    const rotating: AuthenticationStrategy = {
      getCredential: async () => ({
        type: 'bearer token',
        token: `short-lived-${++n}`,
      }),
      validateCluster: () => [],
      presentAuthMetadata: () => ({}),
    };
    const [c] = await source(
      configClusters([
        { name: 'c', url, skipTLSVerify: true, authProvider: 'rotating' },
      ]),
      { strategies: { rotating } },
    ).listClusters();
    const client = kubeConfigFor(c).makeApiClient(CoreV1Api);
    await client.listNamespace();
    await client.listNamespace();
    expect(api.seen).toEqual(['Bearer short-lived-1', 'Bearer short-lived-2']);
  });

  it('uses the user token for client-side auth and says so without one', async () => {
    const src = source(
      configClusters([
        {
          name: 'oidc',
          url,
          skipTLSVerify: true,
          authProvider: 'oidc',
          oidcTokenProvider: 'corp',
        },
      ]),
    );
    const [mine] = await src.listClusters({
      requestAuth: { oidc: { corp: 'user-token' } },
    });
    await kubeConfigFor(mine).makeApiClient(CoreV1Api).listNamespace();
    expect(api.seen).toEqual(['Bearer user-token']);

    const [scheduled] = await src.listClusters();
    expect(scheduled.clientSide).toBe(true);
    const err = await kubeConfigFor(scheduled)
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .catch(e => e);
    expect(err).toBeInstanceOf(ClusterCredentialError);
    expect(classifyClusterError('oidc', err)).toEqual({
      cluster: 'oidc',
      errorType: 'UNAUTHORIZED',
      message: expect.stringMatching(
        /signed-in user's oidc token .* read on demand/,
      ),
    });

    const [wrong] = await src.listClusters({
      requestAuth: { oidc: { other: 'x' } },
    });
    const e2 = await wrong.getCredential!().catch(e => e);
    expect(classifyClusterError('oidc', e2).message).toMatch(
      /no credential from authProvider 'oidc'.*sign in to the 'oidc\.corp' provider/,
    );
  });

  it('finds kubernetes-cluster Resources in the catalog, with the Kubernetes plugin SSRF rules', async () => {
    const clusterEntity = (name: string) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name,
        annotations: {
          'kubernetes.io/api-server': url,
          'kubernetes.io/api-server-certificate-authority': 'Y2E=',
          'kubernetes.io/auth-provider': 'oidc',
          'kubernetes.io/oidc-token-provider': 'corp',
          'kubernetes.io/dashboard-url': 'https://dash.example',
        },
      },
      spec: { type: 'kubernetes-cluster', owner: 'platform' },
    });
    const catalog = catalogServiceMock({
      entities: [clusterEntity('from-catalog')],
    });
    const allowed = source(
      {
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'catalog', dangerouslyAllowClusterUrls: ['127.0.0.1'] },
          ],
        },
      },
      { catalog },
    );
    const [c] = await allowed.listClusters({
      requestAuth: { oidc: { corp: 'catalog-user' } },
    });
    expect(c).toMatchObject({
      name: 'from-catalog',
      url,
      authProvider: 'oidc',
      dashboardUrl: 'https://dash.example',
      clientSide: true,
    });
    await kubeConfigFor({ ...c, caData: undefined, skipTLSVerify: true })
      .makeApiClient(CoreV1Api)
      .listNamespace();
    expect(api.seen).toEqual(['Bearer catalog-user']);

    // a loopback API server in the catalog is refused unless the platform team allows it
    const refused = source(
      { kubernetes: { clusterLocatorMethods: [{ type: 'catalog' }] } },
      { catalog },
    );
    expect(await refused.listClusters()).toEqual([]);
  });

  it('adds clusters from a custom supplier and caches supplier answers', async () => {
    const supplier = {
      getClusters: jest.fn(async () => [
        {
          name: 'custom',
          url,
          skipTLSVerify: true,
          authMetadata: {
            'kubernetes.io/auth-provider': 'serviceAccount',
            serviceAccountToken: 'c',
          },
        },
      ]),
    };
    const src = source(
      {},
      { suppliers: [supplier as KubernetesClustersSupplier] },
    );
    expect((await src.listClusters()).map(c => c.name)).toEqual(['custom']);
    await src.listClusters();
    expect(supplier.getClusters).toHaveBeenCalledTimes(1);
  });

  it.each([
    [
      configClusters([{ name: 'a', url: 'https://10.0.0.1:6443' }]),
      /clusters\[0\]\.authProvider of cluster 'a' is missing: set it as for the Kubernetes plugin/,
    ],
    [
      configClusters([
        { name: 'a', url: 'https://10.0.0.1:6443', authProvider: 'kerberos' },
      ]),
      /authProvider of cluster 'a' is 'kerberos', which has no auth strategy: use one of .*serviceAccount/,
    ],
    [
      configClusters([
        { name: 'a', url: 'ftp://x', authProvider: 'serviceAccount' },
      ]),
      /url of cluster 'a' is 'ftp:\/\/x'/,
    ],
    [
      { kubernetes: { clusterLocatorMethods: [{ type: 'magic' }] } },
      /clusterLocatorMethods\[0\]\.type is 'magic': use one of config, catalog, gke, localKubectlProxy/,
    ],
  ])(
    'refuses a bad kubernetes config with the key to fix %#',
    (config, message) => {
      expect(() => source(config)).toThrow(message);
    },
  );

  it('lists nothing without a kubernetes section', async () => {
    expect(await source({}).listClusters()).toEqual([]);
  });
});

describe('readKubernetesRequestAuth', () => {
  const req = (value?: string) => ({
    header: (n: string) => (n === KUBERNETES_AUTH_HEADER ? value : undefined),
  });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

  it('reads the tokens the frontend sends', () => {
    expect(readKubernetesRequestAuth(req())).toBeUndefined();
    expect(
      readKubernetesRequestAuth(req(b64({ oidc: { corp: 't' }, google: 'g' }))),
    ).toEqual({ oidc: { corp: 't' }, google: 'g' });
  });

  it.each([
    ['%%%', /is not base64-encoded JSON/],
    [b64([1]), /is not a JSON object/],
    [b64({ oidc: 'x' }), /'oidc' must map provider names to token strings/],
    [
      b64({ oidc: { corp: 1 } }),
      /'oidc' must map provider names to token strings/,
    ],
    [b64({ google: 5 }), /'google' must be a token string/],
    ['a'.repeat(70_000), /more than 65536/],
  ])('refuses a malformed header %#', (value, message) => {
    expect(() => readKubernetesRequestAuth(req(value))).toThrow(message);
  });
});

describe('kubeConfigFor with a signal', () => {
  it('cancels a request still running when the signal fires (a per-cluster timeout)', async () => {
    const sockets: any[] = [];
    const hanging = http.createServer(() => undefined); // never answers
    hanging.on('connection', s => sockets.push(s));
    await new Promise<void>(r => hanging.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    try {
      const ctrl = new AbortController();
      const core = kubeConfigFor(
        {
          name: 'slow',
          url,
          authProvider: 'serviceAccount',
          serviceAccountToken: 't',
          skipTLSVerify: true,
        },
        { signal: ctrl.signal },
      ).makeApiClient(CoreV1Api);
      const started = Date.now();
      const pending = core.listNamespace().catch(e => e);
      setTimeout(() => ctrl.abort(), 200);
      const err = await pending;
      expect(Date.now() - started).toBeLessThan(5000);
      expect(String(err?.name ?? err)).toMatch(/Abort/);
    } finally {
      sockets.forEach(s => s.destroy());
      await new Promise(r => hanging.close(r));
    }
  });
});
