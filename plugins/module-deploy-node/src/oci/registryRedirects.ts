/** Where a registry request goes: URLs under the repository, credentials only to the registry's origin, and the redirects followed. */
import { authHeader } from './registryAuth';
import { unreachable } from './registryErrors';
import { isLoopbackHost } from './registryHosts';
import { registryFetch } from './registryOptions';
import { RegistryContext, RegistryRequest } from './registryTypes';

/** Redirects followed for one GET or HEAD. */
const MAX_REDIRECTS = 5;

/** Absolute URL for a path under the repository, or an upload location the registry gave. */
export function registryUrl(c: RegistryContext, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  if (path.startsWith('/v2/')) return new URL(path, c.base).toString();
  return `${c.base}${path}`;
}

/**
 * One request: the Authorization header goes only to the registry's origin; GET/HEAD follow
 * up to 5 redirects (dropping credentials when they leave the registry's origin, refusing a
 * downgrade to http).
 */
export async function fetchFollowing(
  c: RegistryContext,
  req: RegistryRequest,
  signal: AbortSignal,
): Promise<Response> {
  const method = req.method ?? 'GET';
  let url = registryUrl(c, req.path);
  const follows = method === 'GET' || method === 'HEAD';
  for (let hop = 0; ; hop++) {
    const target = new URL(url);
    const ours = target.origin === c.origin;
    if (!ours && target.protocol !== 'https:' && !isLoopbackHost(target.host))
      throw new Error(
        `${c.what}: the registry sent ${method} ${req.subject ?? req.path} to ${
          target.origin
        }, plain http on another host; refusing it (only https is followed off the registry's host)`,
      );
    let res: Response;
    try {
      res = await registryFetch(c.opts)(url, {
        method,
        headers: {
          ...(req.headers ?? {}),
          ...(ours ? authHeader(c) : {}),
        },
        body: req.body,
        redirect: 'manual',
        signal,
      });
    } catch (e) {
      throw unreachable(c, e, url);
    }
    const loc = res.headers.get('location');
    if (!follows || res.status < 300 || res.status >= 400 || !loc) return res;
    await res.body?.cancel().catch(() => undefined);
    if (hop >= MAX_REDIRECTS)
      throw new Error(
        `${c.what}: more than ${MAX_REDIRECTS} redirects for ${method} ${req.path}; the registry is misconfigured`,
      );
    url = new URL(loc, url).toString();
  }
}
