/** Registry hosts: what a host is, which are loopback, and the checks of the `registries` and token realm config entries. */
import { RegistryHostConfig } from './registryOptions';

/** `host:port` lowercased, the default ports dropped. */
export function normalHost(host: string): string {
  return host.toLowerCase().replace(/:(443|80)$/, '');
}

/** The host name of `host[:port]` (brackets kept for IPv6). */
export function hostName(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') ? h.replace(/\]:\d+$/, ']') : h.replace(/:\d+$/, '');
}

const HOST_RE =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Whether a string is `host` or `host:port` (no scheme, path or credentials).
 *
 * @public
 */
export function isRegistryHost(host: string): boolean {
  return HOST_RE.test(host);
}

/** Whether a registry host is local, where plain http is the default. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(host);
}

/**
 * Checks `registries` entries (from `moduleDeploy.registries` or a CLI registry config file):
 * every entry names a host, at most one way of authenticating, and no host twice. Throws an
 * error that names the entry (`where[i]`), what is wrong and what to write instead.
 *
 * @public
 */
export function parseRegistryHosts(
  value: unknown,
  where: string,
): RegistryHostConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new Error(
      `${where} must be a list of registries ({ host, username?, password?, token?, insecure? }), got ${typeof value}`,
    );
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const key = `${where}[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(
        `${key} must be an object { host, username?, password?, token?, insecure? }`,
      );
    const e = raw as Record<string, unknown>;
    const unknown = Object.keys(e).filter(
      k => !['host', 'username', 'password', 'token', 'insecure'].includes(k),
    );
    if (unknown.length)
      throw new Error(
        `${key} has unknown field(s) ${unknown
          .map(k => `'${k}'`)
          .join(
            ', ',
          )}: the fields are host, username, password, token, insecure`,
      );
    for (const k of ['host', 'username', 'password', 'token'])
      if (e[k] !== undefined && typeof e[k] !== 'string')
        throw new Error(`${key}.${k} must be a string, got ${typeof e[k]}`);
    if (e.insecure !== undefined && typeof e.insecure !== 'boolean')
      throw new Error(
        `${key}.insecure must be true or false, got ${JSON.stringify(
          e.insecure,
        )}`,
      );
    const host = e.host as string | undefined;
    if (!host)
      throw new Error(
        `${key}.host is missing: name the registry host the credentials belong to, e.g. ghcr.io or registry.example.com:5000`,
      );
    if (!isRegistryHost(host))
      throw new Error(
        `${key}.host is '${host}', which is not a registry host: write host or host:port without scheme or path, e.g. ghcr.io or registry.example.com:5000`,
      );
    const n = normalHost(host);
    if (seen.has(n))
      throw new Error(
        `${key}.host '${host}' is listed twice: keep one entry per registry host`,
      );
    seen.add(n);
    const { username, password, token } = e as Record<
      string,
      string | undefined
    >;
    if (token && (username || password))
      throw new Error(
        `${key} (${host}) sets both token and username/password: keep one way of authenticating`,
      );
    if (!!username !== !!password)
      throw new Error(
        `${key} (${host}) sets ${
          username ? 'username without password' : 'password without username'
        }: give both (or a token instead)`,
      );
    if (username?.includes(':'))
      throw new Error(
        `${key}.username of ${host} contains ':', which basic auth cannot carry: check the username`,
      );
    return {
      host,
      ...(username ? { username, password } : {}),
      ...(token ? { token } : {}),
      ...(e.insecure !== undefined ? { insecure: e.insecure as boolean } : {}),
    };
  });
}

/**
 * Checks token realm allow-list entries (`moduleDeploy.registryTokenRealms`): hosts, not URLs.
 *
 * @public
 */
export function parseTokenRealms(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new Error(
      `${where} must be a list of hosts, e.g. [auth.docker.io], got ${typeof value}`,
    );
  return value.map((h, i) => {
    if (typeof h !== 'string' || !isRegistryHost(h))
      throw new Error(
        `${where}[${i}] is ${JSON.stringify(
          h,
        )}, which is not a host: write the token service's host (or host:port) without scheme or path, e.g. auth.docker.io`,
      );
    return h;
  });
}
