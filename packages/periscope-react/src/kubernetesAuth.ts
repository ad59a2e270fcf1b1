import {
  DiscoveryApi,
  FetchApi,
  gitlabAuthApiRef,
  googleAuthApiRef,
  microsoftAuthApiRef,
  oktaAuthApiRef,
  oneloginAuthApiRef,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  KubernetesAuthProviders,
  KubernetesAuthProvidersApi,
} from '@backstage/plugin-kubernetes-react';

/**
 * The header the Periscope backends read the signed-in user's Kubernetes tokens from
 * (`readKubernetesRequestAuth` in `@periscope/kube-access`).
 * @public
 */
export const KUBERNETES_AUTH_HEADER = 'x-periscope-kubernetes-auth';

/** A cluster as the Periscope backends' `GET /clusters` lists it. @public */
export interface ClusterSummary {
  name: string;
  title?: string;
  authProvider: string;
  oidcTokenProvider?: string;
  dashboardUrl?: string;
  dashboardApp?: string;
  clientSide: boolean;
}

/**
 * The auth APIs the Kubernetes plugin builds its auth providers from; an API factory that wants
 * per-user cluster access adds these to its `deps`.
 * @public
 */
export const kubernetesAuthApiRefs = {
  gitlabAuthApi: gitlabAuthApiRef,
  googleAuthApi: googleAuthApiRef,
  microsoftAuthApi: microsoftAuthApiRef,
  oktaAuthApi: oktaAuthApiRef,
  oneloginAuthApi: oneloginAuthApiRef,
};

/**
 * The auth API instances for {@link kubernetesAuthApiRefs}.
 * @public
 */
export type KubernetesAuthApis = {
  [K in keyof typeof kubernetesAuthApiRefs]: (typeof kubernetesAuthApiRefs)[K]['T'];
};

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  bytes.forEach(b => {
    binary += String.fromCharCode(b);
  });
  return btoa(binary);
}

/**
 * Sends the signed-in user's Kubernetes tokens for clusters with client-side auth (`oidc`,
 * `google`, `aks`), as the Kubernetes plugin does: asks the backend which clusters need which
 * provider, gets each token from the same `KubernetesAuthProviders`, and returns the header.
 * Clusters with server-side auth need nothing, so most requests carry no header.
 * @public
 */
export class KubernetesUserAuth {
  private readonly cache = new Map<
    string,
    { at: number; clusters: Promise<ClusterSummary[]> }
  >();

  /** The same providers as the Kubernetes plugin (gitlab, google, microsoft, okta, onelogin OIDC). */
  static fromAuthApis(
    deps: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    } & KubernetesAuthApis,
  ): KubernetesUserAuth {
    const providers = new KubernetesAuthProviders({
      microsoftAuthApi: deps.microsoftAuthApi,
      googleAuthApi: deps.googleAuthApi,
      oidcProviders: {
        gitlab: deps.gitlabAuthApi,
        google: deps.googleAuthApi,
        microsoft: deps.microsoftAuthApi,
        okta: deps.oktaAuthApi,
        onelogin: deps.oneloginAuthApi,
      },
    });
    return new KubernetesUserAuth({
      discoveryApi: deps.discoveryApi,
      fetchApi: deps.fetchApi,
      providers,
    });
  }

  constructor(
    private readonly deps: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
      providers: KubernetesAuthProvidersApi;
      cacheTtlMs?: number;
    },
  ) {}

  /**
   * The backend's `GET /clusters` at `clustersPath` of `pluginId`, kept for a minute: the cluster
   * list a view shows and the one {@link KubernetesUserAuth.headers} reads are one request.
   */
  async listClusters(
    pluginId: string,
    clustersPath: string,
  ): Promise<ClusterSummary[]> {
    const key = `${pluginId}${clustersPath}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < (this.deps.cacheTtlMs ?? 60_000))
      return hit.clusters;
    const clusters = (async () => {
      const base = await this.deps.discoveryApi.getBaseUrl(pluginId);
      const res = await this.deps.fetchApi.fetch(`${base}${clustersPath}`);
      if (!res.ok) throw await ResponseError.fromResponse(res);
      return ((await res.json()) as { items: ClusterSummary[] }).items;
    })();
    this.cache.set(key, { at: Date.now(), clusters });
    clusters.catch(() => this.cache.delete(key));
    return clusters;
  }

  /**
   * The headers for one request to `pluginId`: `{}` when no cluster uses client-side auth. A
   * provider the user cannot sign in to is left out; the backend then reports that cluster as
   * needing the user's token.
   */
  async headers(
    pluginId: string,
    clustersPath: string,
  ): Promise<Record<string, string>> {
    let clusters: ClusterSummary[];
    try {
      clusters = await this.listClusters(pluginId, clustersPath);
    } catch {
      return {}; // the request itself reports what is wrong (403, backend down)
    }
    const keys = new Set(
      clusters
        .filter(c => c.clientSide)
        .map(c =>
          c.authProvider === 'oidc'
            ? `oidc.${c.oidcTokenProvider ?? ''}`
            : c.authProvider,
        ),
    );
    if (!keys.size) return {};
    const auth: { oidc?: Record<string, string>; [key: string]: unknown } = {};
    for (const key of keys) {
      try {
        const body = await this.deps.providers.decorateRequestBodyForAuth(key, {
          entity: {} as any,
        });
        const { oidc, ...rest } = (body.auth ?? {}) as {
          oidc?: Record<string, string>;
        };
        Object.assign(auth, rest);
        if (oidc) auth.oidc = { ...auth.oidc, ...oidc };
      } catch {
        // not signed in to that provider: that cluster answers with a typed error
      }
    }
    return Object.keys(auth).length
      ? { [KUBERNETES_AUTH_HEADER]: base64(JSON.stringify(auth)) }
      : {};
  }
}
