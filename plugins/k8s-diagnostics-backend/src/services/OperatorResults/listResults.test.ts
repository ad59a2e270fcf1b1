import http from 'node:http';
import { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import {
  classifyClusterError,
  loadKubeConfigFile,
} from '@periscope/kube-access';
import { listOperatorResults } from './listResults';
import { describeIf } from '@periscope/test-utils';

/**
 * A Kubernetes-shaped API on loopback, only for what the local control plane cannot be made to
 * answer: a 500, no answer at all, a continue token on a stand-in list, and a Result its CRD
 * schema would refuse. 401, 403, 404 and real paging are tested against the control plane below.
 */
async function fakeApi(
  answer: (url: URL) => { status: number; body?: object } | 'hang',
) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.pathname}${url.search}`);
    const a = answer(url);
    if (a === 'hang') return;
    res
      .writeHead(a.status, { 'content-type': 'application/json' })
      .end(JSON.stringify(a.body ?? {}));
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'fake',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return {
    kc,
    seen,
    close: () =>
      new Promise(r => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

const status = (code: number, message: string) => ({
  status: code,
  body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code },
});
const item = (name: string, spec: object) => ({
  apiVersion: 'core.k8sgpt.ai/v1alpha1',
  kind: 'Result',
  metadata: { name, namespace: 'ops' },
  spec,
});

describe('listOperatorResults', () => {
  it('reads a 404 (no CRD) as "no operator in this cluster", not an error', async () => {
    const api = await fakeApi(() =>
      status(404, 'the server could not find the requested resource'),
    );
    try {
      await expect(
        listOperatorResults(api.kc, { timeoutMs: 2000 }),
      ).resolves.toEqual({ installed: false, results: [], warnings: [] });
      expect(api.seen[0]).toMatch(
        /^\/apis\/core\.k8sgpt\.ai\/v1alpha1\/results\?limit=500/,
      );
    } finally {
      await api.close();
    }
  });

  it('throws a 500 so the cluster gets a typed SYSTEM_ERROR', async () => {
    const api = await fakeApi(() => status(500, 'etcdserver: leader changed'));
    try {
      const error = await listOperatorResults(api.kc, { timeoutMs: 2000 }).then(
        () => undefined,
        e => e,
      );
      expect(classifyClusterError('c1', error)).toMatchObject({
        cluster: 'c1',
        errorType: 'SYSTEM_ERROR',
      });
    } finally {
      await api.close();
    }
  });

  it('gives up after the timeout with a TimeoutError', async () => {
    const api = await fakeApi(() => 'hang');
    try {
      const error = await listOperatorResults(api.kc, { timeoutMs: 300 }).then(
        () => undefined,
        e => e,
      );
      expect(classifyClusterError('c1', error)).toMatchObject({
        errorType: 'TIMEOUT',
      });
    } finally {
      await api.close();
    }
  });

  it('follows continue tokens, skips bad items with a warning and filters by namespace', async () => {
    const good = (name: string, target: string) =>
      item(name, {
        kind: 'Pod',
        name: target,
        error: [{ text: 'broken' }],
        details: '',
        parentObject: '',
        backend: 'openai',
      });
    const api = await fakeApi(url =>
      url.searchParams.get('continue') === 'page2'
        ? {
            status: 200,
            body: {
              kind: 'ResultList',
              metadata: {},
              items: [good('b', 'other/p-2'), item('bad', { kind: 'Pod' })],
            },
          }
        : {
            status: 200,
            body: {
              kind: 'ResultList',
              metadata: { continue: 'page2' },
              items: [good('a', 'shop/p-1')],
            },
          },
    );
    try {
      const all = await listOperatorResults(api.kc, { timeoutMs: 2000 });
      expect(all.results.map(r => r.object.name)).toEqual(['p-1', 'p-2']);
      expect(all.warnings).toEqual([
        expect.stringMatching(
          /^k8sgpt-operator Result ops\/bad skipped: spec\.name/,
        ),
      ]);
      const shop = await listOperatorResults(api.kc, {
        timeoutMs: 2000,
        namespace: 'shop',
      });
      expect(shop.results.map(r => r.object.name)).toEqual(['p-1']);
    } finally {
      await api.close();
    }
  });
});

const live = process.env.PERISCOPE_KUBECONFIG;
// runs when ./scripts/test has started and seeded the local control plane (PERISCOPE_KUBECONFIG)
describeIf({ kubeconfig: live })(
  'listOperatorResults against the local control plane',
  () => {
    it('lists the seeded Results of the shop namespace', async () => {
      const list = await listOperatorResults(loadKubeConfigFile(live!), {
        timeoutMs: 10_000,
        namespace: 'shop',
      });
      expect(list.installed).toBe(true);
      expect(list.warnings).toEqual([]);
      const log = list.results.find(r => r.analyzer === 'Log');
      expect(log).toMatchObject({
        object: {
          kind: 'Pod',
          namespace: 'shop',
          name: expect.stringMatching(/^payments-/),
        },
        texts: [expect.stringMatching(/^previous container logs: /)],
      });
      expect(
        list.results.some(
          r => r.object.kind === 'Ingress' && r.object.name === 'storefront',
        ),
      ).toBe(true);
    });

    it('reads a group the API server does not serve as no operator (a real 404)', async () => {
      const list = await listOperatorResults(loadKubeConfigFile(live!), {
        timeoutMs: 10_000,
        resource: {
          group: 'nothing.periscope.dev',
          version: 'v1alpha1',
          plural: 'results',
        } as never,
      });
      expect(list).toEqual({ installed: false, results: [], warnings: [] });
    });

    it('pages through them with continue tokens, finding what one request finds', async () => {
      const kc = loadKubeConfigFile(live!);
      const whole = await listOperatorResults(kc, { timeoutMs: 10_000 });
      const paged = await listOperatorResults(kc, {
        timeoutMs: 10_000,
        pageSize: 2,
      });
      expect(whole.results.length).toBeGreaterThan(4); // so pages of 2 take several requests
      expect(paged).toEqual(whole);
    });

    it('gets a real 401 for a token the API server does not know', async () => {
      const kc = loadKubeConfigFile(live!);
      const user = kc.getCurrentUser()!;
      const bogus = new KubeConfig();
      bogus.loadFromOptions({
        clusters: kc.getClusters(),
        users: [{ name: user.name, token: 'periscope-not-a-token' }],
        contexts: kc.getContexts(),
        currentContext: kc.getCurrentContext(),
      });
      const error = await listOperatorResults(bogus, {
        timeoutMs: 10_000,
      }).then(
        () => undefined,
        e => e,
      );
      expect(classifyClusterError('local', error)).toMatchObject({
        errorType: 'UNAUTHORIZED',
        statusCode: 401,
      });
    });

    it('gets a real 403 for the read-only user (view does not cover the CRD)', async () => {
      const readonly = live!.replace(/kubeconfig$/, 'kubeconfig-readonly');
      const error = await listOperatorResults(loadKubeConfigFile(readonly), {
        timeoutMs: 10_000,
      }).then(
        () => undefined,
        e => e,
      );
      expect(classifyClusterError('local', error)).toMatchObject({
        errorType: 'FORBIDDEN',
        statusCode: 403,
      });
    });
  },
);
