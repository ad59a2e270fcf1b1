import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';

/**
 * GETs JSON from a plugin's backend through discoveryApi + fetchApi (so the user's token is
 * sent) and throws `ResponseError` with the backend's message on failure.
 * @public
 */
export async function fetchPluginJson<T>(
  deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  pluginId: string,
  path: string,
  init?: RequestInit,
): Promise<T> {
  const base = await deps.discoveryApi.getBaseUrl(pluginId);
  const res = await deps.fetchApi.fetch(`${base}${path}`, init);
  if (!res.ok) throw await ResponseError.fromResponse(res);
  return (await res.json()) as T;
}
