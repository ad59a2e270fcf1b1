import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { KubernetesUserAuth } from './kubernetesAuth';

/**
 * Sends the signed-in user's Kubernetes tokens with a request (clusters with client-side auth):
 * `clustersPath` is the backend's `GET /clusters` for the same entity or page.
 * @public
 */
export interface UserClusterAuth {
  userAuth?: KubernetesUserAuth;
  clustersPath: string;
}

/**
 * The headers that carry the user's Kubernetes tokens for `pluginId`, merged into `init`.
 * @public
 */
export async function withUserClusterAuth(
  pluginId: string,
  init: RequestInit | undefined,
  auth: UserClusterAuth | undefined,
): Promise<RequestInit | undefined> {
  if (!auth?.userAuth) return init;
  const extra = await auth.userAuth.headers(pluginId, auth.clustersPath);
  if (!Object.keys(extra).length) return init;
  return {
    ...init,
    headers: {
      ...(init?.headers as Record<string, string> | undefined),
      ...extra,
    },
  };
}

/**
 * GETs JSON from a plugin's backend through discoveryApi + fetchApi (so the user's token is
 * sent) and throws `ResponseError` with the backend's message on failure. With `clusterAuth`,
 * the user's own Kubernetes tokens go along for clusters with client-side auth.
 * @public
 */
export async function fetchPluginJson<T>(
  deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  pluginId: string,
  path: string,
  init?: RequestInit,
  clusterAuth?: UserClusterAuth,
): Promise<T> {
  const base = await deps.discoveryApi.getBaseUrl(pluginId);
  const res = await deps.fetchApi.fetch(
    `${base}${path}`,
    await withUserClusterAuth(pluginId, init, clusterAuth),
  );
  if (!res.ok) throw await ResponseError.fromResponse(res);
  return (await res.json()) as T;
}
