/** Registry authentication: which credentials a host gets, Bearer challenges, token realms and the token request. */
import { RegistryLimitError, readCapped } from './readCapped';
import {
  credentialsHint,
  isTimeout,
  mib,
  timeoutError,
  unreachable,
} from './registryErrors';
import { hostName, isLoopbackHost, normalHost } from './registryHosts';
import {
  DEFAULT_MAX_MANIFEST_BYTES,
  REGISTRY_LIMIT_KEYS,
  RegistryOptions,
  registryFetch,
  registryTimeoutMs,
} from './registryOptions';
import { RegistryContext } from './registryTypes';

/**
 * How the client authenticates to one host.
 *
 * @public
 */
export type RegistryAuth =
  | { kind: 'anonymous'; insecure: boolean }
  | { kind: 'basic'; header: string; source: string; insecure: boolean }
  | { kind: 'bearer'; token: string; source: string; insecure: boolean };

/**
 * How to authenticate to `host`: the matching `registries` entry, else (without `registries`)
 * the legacy `credentials`, else anonymous.
 *
 * @public
 */
export function registryAuthFor(
  host: string,
  opts: RegistryOptions,
): RegistryAuth {
  if (opts.registries) {
    const i = opts.registries.findIndex(
      r => normalHost(r.host) === normalHost(host),
    );
    const e = opts.registries[i];
    const insecure = !!(opts.plainHttp || e?.insecure);
    if (e?.token)
      return {
        kind: 'bearer',
        token: e.token,
        source: `the token of registries entry '${e.host}'`,
        insecure,
      };
    if (e?.username)
      return {
        kind: 'basic',
        header: `Basic ${Buffer.from(
          `${e.username}:${e.password ?? ''}`,
        ).toString('base64')}`,
        source: `the username and password of registries entry '${e.host}'`,
        insecure,
      };
    return { kind: 'anonymous', insecure };
  }
  if (opts.credentials)
    return {
      kind: 'basic',
      header: `Basic ${Buffer.from(opts.credentials).toString('base64')}`,
      source: 'the given credentials',
      insecure: !!opts.plainHttp,
    };
  return { kind: 'anonymous', insecure: !!opts.plainHttp };
}

function parseChallenge(h: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of h.replace(/^Bearer\s+/i, '').matchAll(/(\w+)="([^"]*)"/g))
    out[m[1]] = m[2];
  return out;
}

/**
 * Checks a Bearer challenge's realm before anything is sent to it: https on the registry's own
 * host, or on a host of `tokenRealms`; plain http only on loopback, or on the host of a
 * registry configured as insecure. Returns the URL, or throws an error naming the realm.
 *
 * @public
 */
export function checkTokenRealm(
  realm: string,
  registryHost: string,
  opts: Pick<RegistryOptions, 'tokenRealms'> & { insecure?: boolean },
  what = 'registry',
): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new Error(
      `${what}: the registry ${registryHost} sent a Bearer challenge whose realm '${realm}' is not a URL; the registry is misconfigured`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(
      `${what}: the registry ${registryHost} sent a Bearer token realm '${realm}' that is not http(s); refusing to follow it`,
    );
  if (url.username || url.password)
    throw new Error(
      `${what}: the registry ${registryHost} sent a Bearer token realm '${url.origin}${url.pathname}' with credentials in the URL; refusing to follow it`,
    );
  const sameHost = hostName(url.host) === hostName(registryHost);
  const allowed = (opts.tokenRealms ?? []).some(
    h =>
      normalHost(h) === normalHost(url.host) ||
      normalHost(h) === hostName(url.host),
  );
  if (!sameHost && !allowed)
    throw new Error(
      `${what}: the registry ${registryHost} asks for a token from ${url.origin}${url.pathname}, a host other than the registry's; Periscope sends registry credentials and token requests only to the registry's own host. If ${url.host} really is the token service of ${registryHost}, add '${url.host}' to ${REGISTRY_LIMIT_KEYS.tokenRealms}`,
    );
  if (
    url.protocol === 'http:' &&
    !isLoopbackHost(url.host) &&
    !(sameHost && opts.insecure)
  )
    throw new Error(
      `${what}: the registry ${registryHost} asks for a token over plain http (${url.origin}${url.pathname}), where credentials and tokens travel unencrypted; the token service must use https (plain http is accepted only on loopback, or on the host of a registry configured as insecure)`,
    );
  return url;
}

/** The basic auth header of the context's credentials, if it has them. */
export function basicAuthHeader(c: RegistryContext): Record<string, string> {
  return c.auth.kind === 'basic' ? { Authorization: c.auth.header } : {};
}

/** The Authorization header for the registry's origin: the bearer token in use, else basic auth. */
export function authHeader(c: RegistryContext): Record<string, string> {
  if (c.token) return { Authorization: `Bearer ${c.token}` };
  return basicAuthHeader(c);
}

/**
 * Answers a 401 challenge: a Bearer challenge gets a token from its (checked) realm, stored in
 * the context; anything else, or a refused configured token, is an error saying what to check.
 */
export async function authenticate(
  c: RegistryContext,
  challenge: string,
): Promise<void> {
  if (c.auth.kind === 'bearer' && c.token)
    throw new Error(
      `${c.what}: the registry ${c.host} refused ${c.auth.source} (HTTP 401); check or renew the token`,
    );
  if (!/^Bearer/i.test(challenge)) {
    throw new Error(
      c.auth.kind !== 'anonymous'
        ? `${c.what}: the registry ${c.host} refused ${c.auth.source} (HTTP 401); check user and password`
        : `${c.what}: the registry ${c.host} requires authentication (${
            challenge.split(' ')[0]
          }); ${credentialsHint(c.host)}`,
    );
  }
  const ch = parseChallenge(challenge);
  if (!ch.realm)
    throw new Error(
      `${c.what}: the registry ${c.host} sent a Bearer challenge without a realm; the registry is misconfigured`,
    );
  const url = checkTokenRealm(
    ch.realm,
    c.host,
    { tokenRealms: c.opts.tokenRealms, insecure: c.auth.insecure },
    c.what,
  );
  if (ch.service) url.searchParams.set('service', ch.service);
  if (ch.scope) url.searchParams.set('scope', ch.scope);
  const signal = AbortSignal.timeout(registryTimeoutMs(c.opts));
  let body: Buffer;
  let res: Response;
  try {
    res = await registryFetch(c.opts)(url, {
      headers: basicAuthHeader(c),
      redirect: 'manual',
      signal,
    });
    body = await readCapped(
      res,
      c.opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
      seen =>
        new RegistryLimitError(
          `${c.what}: the token answer of ${url.origin}${
            url.pathname
          } is larger than ${mib(
            c.opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
          )} (${seen}); refusing it (raise ${
            REGISTRY_LIMIT_KEYS.maxManifestBytes
          } if the token service really answers this much)`,
        ),
    );
  } catch (e) {
    if (e instanceof RegistryLimitError) throw e;
    if (isTimeout(e))
      throw timeoutError(
        c,
        `the token request to ${url.origin}${url.pathname}`,
        url.toString(),
      );
    throw unreachable(c, e, url.toString());
  }
  if (!res.ok)
    throw new Error(
      `${c.what}: getting a registry token from ${url.origin}${
        url.pathname
      } failed (HTTP ${res.status}); ${
        c.auth.kind === 'anonymous'
          ? credentialsHint(c.host)
          : `check ${c.auth.source}`
      }`,
    );
  let parsed: { token?: string; access_token?: string };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error(
      `${c.what}: the token answer of ${url.origin}${url.pathname} is not JSON; is the realm a token service?`,
    );
  }
  c.token = parsed.token ?? parsed.access_token;
  if (!c.token)
    throw new Error(
      `${c.what}: the token answer of ${url.origin}${url.pathname} had no token`,
    );
}
