import { K8sDiagnosticsClient } from './api';

describe('K8sDiagnosticsClient', () => {
  it("reads the entity's clusters with their dashboards", async () => {
    const items = [{ name: 'prod', authProvider: 'serviceAccount', dashboardUrl: 'https://dash.example', dashboardApp: 'standard', clientSide: false }];
    const fetch = jest.fn(async (_url: string) => new Response(JSON.stringify({ items }), { headers: { 'Content-Type': 'application/json' } }));
    const client = new K8sDiagnosticsClient({
      discoveryApi: { getBaseUrl: async id => `http://backstage/api/${id}` },
      fetchApi: { fetch } as any,
    });
    await expect(client.getClusters('component:default/pay ments')).resolves.toEqual({ items });
    expect(fetch).toHaveBeenCalledWith('http://backstage/api/k8s-diagnostics/clusters?entityRef=component%3Adefault%2Fpay%20ments', undefined);
  });

  it('reports a refused cluster list as an error', async () => {
    const client = new K8sDiagnosticsClient({
      discoveryApi: { getBaseUrl: async id => `http://backstage/api/${id}` },
      fetchApi: { fetch: async () => new Response(JSON.stringify({ error: { name: 'NotAllowedError', message: 'denied' } }), { status: 403, statusText: 'Forbidden' }) } as any,
    });
    await expect(client.getClusters('component:default/payments')).rejects.toThrow(/403|denied|Forbidden/);
  });
});
