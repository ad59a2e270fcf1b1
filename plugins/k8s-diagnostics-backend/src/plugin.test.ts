import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { kubernetesConfigFromKubeconfig } from '@periscope/kube-access';
import request from 'supertest';
import { k8sDiagnosticsPlugin } from './plugin';

const entities = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout', namespace: 'default', annotations: { 'backstage.io/kubernetes-id': 'checkout', 'backstage.io/kubernetes-namespace': 'shop' } },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'bare', namespace: 'default' },
    spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
  },
];
const oneCluster = {
  kubernetes: { clusterLocatorMethods: [{ type: 'config', clusters: [{ name: 'c1', url: 'https://127.0.0.1:1', serviceAccountToken: 't' }] }] },
  periscope: { clusterTimeoutMs: 2000 },
};

async function start(opts: { config?: object; result?: AuthorizeResult.ALLOW | AuthorizeResult.DENY } = {}) {
  const { server } = await startTestBackend({
    features: [
      k8sDiagnosticsPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({ data: opts.config ?? {} }),
      mockServices.permissions.factory({ result: opts.result ?? AuthorizeResult.ALLOW }),
    ],
  });
  return server;
}

describe('k8s-diagnostics backend', () => {
  it('serves /health without credentials', async () => {
    const server = await start();
    const res = await request(server).get('/api/k8s-diagnostics/health').set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('needs credentials for /entity', async () => {
    const server = await start();
    const res = await request(server).get('/api/k8s-diagnostics/entity?entityRef=component:default/checkout').set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('answers 403 when the read permission is denied', async () => {
    const server = await start({ config: oneCluster, result: AuthorizeResult.DENY });
    const res = await request(server).get('/api/k8s-diagnostics/entity?entityRef=component:default/checkout');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/k8s-diagnostics.findings.read/);
  });

  it.each([
    ['', /'entityRef' is missing/],
    ['?entityRef=', /'entityRef' is missing/],
    ['?entityRef=component:default/', /not an entity reference/],
  ])('rejects bad input %s with 400', async (query, message) => {
    const server = await start();
    const res = await request(server).get(`/api/k8s-diagnostics/entity${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 404 for an entity that is not in the catalog', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get('/api/k8s-diagnostics/entity?entityRef=component:default/ghost');
    expect(res.status).toBe(404);
  });

  it('says not-configured without clusters and not-annotated without annotations', async () => {
    let server = await start();
    let res = await request(server).get('/api/k8s-diagnostics/entity?entityRef=component:default/checkout');
    expect(res.body).toMatchObject({ status: 'not-configured', clusters: [], errors: [] });
    server = await start({ config: oneCluster });
    res = await request(server).get('/api/k8s-diagnostics/entity?entityRef=component:default/bare');
    expect(res.body).toMatchObject({ status: 'not-annotated' });
  });

  it('turns an unreachable cluster into a typed per-cluster error', async () => {
    const server = await start({ config: oneCluster });
    const res = await request(server).get('/api/k8s-diagnostics/entity?entityRef=component:default/checkout');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.errors).toEqual([expect.objectContaining({ cluster: 'c1', errorType: 'UNREACHABLE' })]);
  });

  const live = process.env.PERISCOPE_KUBECONFIG;
  // runs when ./scripts/test has started the local control plane (PERISCOPE_KUBECONFIG)
  (live ? describe : describe.skip)('against the local control plane', () => {
  it('lists the entity workloads of the local control plane', async () => {
    const server = await start({ config: kubernetesConfigFromKubeconfig(live!) });
    const res = await request(server).get('/api/k8s-diagnostics/entity?entityRef=component:default/checkout');
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([]);
    const workloads = res.body.clusters[0].workloads;
    expect(workloads).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'Deployment', namespace: 'shop', name: 'checkout' })]));
    expect(workloads.filter((w: any) => w.kind === 'Pod').length).toBeGreaterThan(0);
  });
  });
});
