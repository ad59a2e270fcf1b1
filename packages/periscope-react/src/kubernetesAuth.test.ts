import { KubernetesAuthProvidersApi } from '@backstage/plugin-kubernetes-react';
import { fetchPluginJson } from './client';
import { KUBERNETES_AUTH_HEADER, KubernetesUserAuth } from './kubernetesAuth';

const decode = (h: string) => JSON.parse(atob(h));

function setup(
  clusters: object[],
  providers: Partial<KubernetesAuthProvidersApi> = {},
) {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetchApi = {
    fetch: jest.fn(
      async (
        input: RequestInfo | URL,
        init?: RequestInit,
      ): Promise<Response> => {
        const url = String(input);
        calls.push({ url, init });
        if (url.includes('/clusters'))
          return new Response(JSON.stringify({ items: clusters }), {
            status: 200,
          });
        return new Response(JSON.stringify({ ok: true }), { status: 200 });
      },
    ),
  };
  const discoveryApi = {
    getBaseUrl: async (id: string) => `http://backend/api/${id}`,
  };
  const api: KubernetesAuthProvidersApi = {
    decorateRequestBodyForAuth: jest.fn(async (provider: string, body: any) => {
      if (provider === 'oidc.okta')
        return { ...body, auth: { oidc: { okta: 'okta-token' } } };
      if (provider === 'google')
        return { ...body, auth: { google: 'google-token' } };
      throw new Error(
        `authProvider "${provider}" has no KubernetesAuthProvider defined for it`,
      );
    }),
    getCredentials: jest.fn(),
    ...providers,
  };
  const userAuth = new KubernetesUserAuth({
    discoveryApi,
    fetchApi,
    providers: api,
  });
  return { calls, fetchApi, discoveryApi, userAuth, api };
}

describe('KubernetesUserAuth', () => {
  it("sends the user's tokens for the clusters with client-side auth, asked once per provider", async () => {
    const { userAuth, api } = setup([
      {
        name: 'a',
        authProvider: 'oidc',
        oidcTokenProvider: 'okta',
        clientSide: true,
      },
      {
        name: 'b',
        authProvider: 'oidc',
        oidcTokenProvider: 'okta',
        clientSide: true,
      },
      { name: 'c', authProvider: 'google', clientSide: true },
      { name: 'd', authProvider: 'serviceAccount', clientSide: false },
    ]);
    const headers = await userAuth.headers(
      'k8s-diagnostics',
      '/clusters?entityRef=component%3Adefault%2Fx',
    );
    expect(decode(headers[KUBERNETES_AUTH_HEADER])).toEqual({
      oidc: { okta: 'okta-token' },
      google: 'google-token',
    });
    expect(api.decorateRequestBodyForAuth).toHaveBeenCalledTimes(2);
  });

  it('sends nothing when every cluster has server-side auth, and caches the cluster list', async () => {
    const { userAuth, fetchApi, api } = setup([
      { name: 'd', authProvider: 'aws', clientSide: false },
    ]);
    expect(
      await userAuth.headers('module-deploy', '/clusters?entityRef=x'),
    ).toEqual({});
    expect(
      await userAuth.headers('module-deploy', '/clusters?entityRef=x'),
    ).toEqual({});
    expect(fetchApi.fetch).toHaveBeenCalledTimes(1);
    expect(api.decorateRequestBodyForAuth).not.toHaveBeenCalled();
  });

  it('leaves out a provider the user cannot get a token from (the backend reports that cluster)', async () => {
    const { userAuth } = setup([
      {
        name: 'a',
        authProvider: 'oidc',
        oidcTokenProvider: 'corp',
        clientSide: true,
      },
      { name: 'c', authProvider: 'google', clientSide: true },
    ]);
    const headers = await userAuth.headers('k8s-diagnostics', '/clusters');
    expect(decode(headers[KUBERNETES_AUTH_HEADER])).toEqual({
      google: 'google-token',
    });
  });

  it('sends nothing when the cluster list is refused (the request itself then says why)', async () => {
    const { userAuth, fetchApi } = setup([]);
    fetchApi.fetch.mockResolvedValueOnce(
      new Response(JSON.stringify({ error: { message: 'denied' } }), {
        status: 403,
      }),
    );
    expect(await userAuth.headers('runtime-security', '/clusters')).toEqual({});
  });

  it('fetchPluginJson merges the header into the request', async () => {
    const { userAuth, calls, fetchApi, discoveryApi } = setup([
      { name: 'c', authProvider: 'google', clientSide: true },
    ]);
    await fetchPluginJson(
      { discoveryApi, fetchApi },
      'k8s-diagnostics',
      '/entity/rescan',
      { method: 'POST', headers: { 'Content-Type': 'application/json' } },
      { userAuth, clustersPath: '/clusters' },
    );
    const sent = calls.find(c => c.url.endsWith('/entity/rescan'))!;
    expect(sent.init?.method).toBe('POST');
    expect(sent.init?.headers).toEqual({
      'Content-Type': 'application/json',
      [KUBERNETES_AUTH_HEADER]: expect.any(String),
    });
  });
});
