import { KubernetesUserAuth } from '@periscope/periscope-react';
import { K8sDiagnosticsClient } from './api';

describe('K8sDiagnosticsClient', () => {
  it("reads the entity's clusters with their dashboards", async () => {
    const items = [
      {
        name: 'prod',
        authProvider: 'serviceAccount',
        dashboardUrl: 'https://dash.example',
        dashboardApp: 'standard',
        clientSide: false,
      },
    ];
    const fetch = jest.fn(
      async (_url: string) =>
        new Response(JSON.stringify({ items }), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = new K8sDiagnosticsClient({
      discoveryApi: { getBaseUrl: async id => `http://backstage/api/${id}` },
      fetchApi: { fetch } as any,
    });
    await expect(
      client.getClusters('component:default/pay ments'),
    ).resolves.toEqual({ items });
    expect(fetch).toHaveBeenCalledWith(
      'http://backstage/api/k8s-diagnostics/clusters?entityRef=component%3Adefault%2Fpay%20ments',
      undefined,
    );
  });

  it('reports a refused cluster list as an error', async () => {
    const client = new K8sDiagnosticsClient({
      discoveryApi: { getBaseUrl: async id => `http://backstage/api/${id}` },
      fetchApi: {
        fetch: async () =>
          new Response(
            JSON.stringify({
              error: { name: 'NotAllowedError', message: 'denied' },
            }),
            { status: 403, statusText: 'Forbidden' },
          ),
      } as any,
    });
    await expect(
      client.getClusters('component:default/payments'),
    ).rejects.toThrow(/403|denied|Forbidden/);
  });
});

describe('K8sDiagnosticsClient.explainFinding', () => {
  it("sends the user's own cluster tokens, as the entity reads do", async () => {
    const result = {
      findingId: 'f00d1',
      source: 'catalog',
      format: 'json',
      explanation: { summary: 's', likelyCause: '', steps: [], commands: [] },
    };
    const fetch = jest.fn(
      async (_url: string, _init?: RequestInit) =>
        new Response(`${JSON.stringify({ type: 'result', result })}\n`),
    );
    const headers = jest.fn(async () => ({
      'x-periscope-kubernetes-auth': 'dG9rZW4=',
    }));
    const client = new K8sDiagnosticsClient({
      discoveryApi: { getBaseUrl: async id => `http://backstage/api/${id}` },
      fetchApi: { fetch } as any,
      userAuth: { headers } as any,
    });
    await expect(
      client.explainFinding(
        'component:default/payments',
        'f00d1',
        () => undefined,
      ),
    ).resolves.toEqual(result);
    expect(headers).toHaveBeenCalledWith(
      'k8s-diagnostics',
      '/clusters?entityRef=component%3Adefault%2Fpayments',
    );
    const init = fetch.mock.calls[0][1] as RequestInit;
    expect(init.headers).toMatchObject({
      'Content-Type': 'application/json',
      'x-periscope-kubernetes-auth': 'dG9rZW4=',
    });
    expect(JSON.parse(init.body as string)).toEqual({
      entityRef: 'component:default/payments',
      findingId: 'f00d1',
    });
  });
});

describe('K8sDiagnosticsClient evidence and logs', () => {
  it("asks for a finding's evidence and a container's logs with the finding, never a namespace", async () => {
    const fetch = jest.fn(
      async (_url: string, _init?: RequestInit) =>
        new Response(JSON.stringify({}), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = new K8sDiagnosticsClient({
      discoveryApi: {
        getBaseUrl: async () => 'http://backstage/api/k8s-diagnostics',
      },
      fetchApi: { fetch } as any,
    });
    await client.getFindingEvidence('component:default/payments', 'f00d1');
    await client.getContainerLogs('component:default/payments', 'f00d1', {
      container: 'app',
      pod: 'payments-x',
      previous: true,
      tailLines: 50,
    });
    await client.getContainerLogs('component:default/payments', 'f00d1', {
      container: 'app',
    });
    expect(fetch.mock.calls.map(c => c[0])).toEqual([
      'http://backstage/api/k8s-diagnostics/entity/evidence?entityRef=component%3Adefault%2Fpayments&findingId=f00d1',
      'http://backstage/api/k8s-diagnostics/entity/logs?entityRef=component%3Adefault%2Fpayments&findingId=f00d1&container=app&pod=payments-x&previous=true&tailLines=50',
      'http://backstage/api/k8s-diagnostics/entity/logs?entityRef=component%3Adefault%2Fpayments&findingId=f00d1&container=app',
    ]);
  });
});

describe('K8sDiagnosticsClient: one cluster list per entity', () => {
  it("the Health request and the tab's cluster list share one GET /clusters", async () => {
    const items = [
      { name: 'prod', authProvider: 'serviceAccount', clientSide: false },
    ];
    const fetch = jest.fn(
      async (url: string) =>
        new Response(
          JSON.stringify(
            url.includes('/clusters') ? { items } : { status: 'ok' },
          ),
          { status: 200 },
        ),
    );
    const deps = {
      discoveryApi: {
        getBaseUrl: async (id: string) => `http://backstage/api/${id}`,
      },
      fetchApi: { fetch } as any,
    };
    const userAuth = new KubernetesUserAuth({
      ...deps,
      providers: { decorateRequestBodyForAuth: async () => ({}) } as any,
    });
    const client = new K8sDiagnosticsClient({ ...deps, userAuth });
    const [, clusters] = await Promise.all([
      client.getEntityHealth('component:default/payments'),
      client.getClusters('component:default/payments'),
    ]);
    expect(clusters).toEqual({ items });
    expect(fetch.mock.calls.map(([url]) => url)).toEqual([
      'http://backstage/api/k8s-diagnostics/clusters?entityRef=component%3Adefault%2Fpayments',
      'http://backstage/api/k8s-diagnostics/entity?entityRef=component%3Adefault%2Fpayments',
    ]);
  });
});
