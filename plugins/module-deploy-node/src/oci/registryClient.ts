/**
 * The registry client factory: one repository's client, assembled from the options, hosts,
 * authentication, redirects, byte caps and errors of this folder; and the tag listing built on it.
 */
import { RegistryLimitError, readCapped } from './readCapped';
import { authenticate, registryAuthFor } from './registryAuth';
import {
  failure,
  isTimeout,
  mib,
  timeoutError,
  unreachable,
} from './registryErrors';
import { isLoopbackHost } from './registryHosts';
import {
  DEFAULT_MAX_BLOB_BYTES,
  DEFAULT_MAX_MANIFEST_BYTES,
  REGISTRY_LIMIT_KEYS,
  RegistryOptions,
  registryTimeoutMs,
} from './registryOptions';
import { fetchFollowing, registryUrl } from './registryRedirects';
import {
  RegistryClient,
  RegistryContext,
  RegistryRequest,
  RegistryResponse,
} from './registryTypes';

/**
 * A small OCI distribution API client for one repository: basic auth, or a bearer token
 * obtained from the registry's challenge; every failure names the operation, the
 * registry's answer and what to do. Credentials go only to the registry's own host (and to an
 * allowed token realm); answers are read as streams under byte caps and a time limit.
 */
export function createRegistryClient(
  host: string,
  repository: string,
  opts: RegistryOptions,
  what: string,
): RegistryClient {
  const auth = registryAuthFor(host, opts);
  const scheme = auth.insecure || isLoopbackHost(host) ? 'http' : 'https';
  const base = `${scheme}://${host}/v2/${repository}`;
  const c: RegistryContext = {
    host,
    base,
    origin: new URL(base).origin,
    opts,
    what,
    auth,
    ...(auth.kind === 'bearer' ? { token: auth.token } : {}),
  };

  async function send(req: RegistryRequest): Promise<RegistryResponse> {
    const blob = req.limit === 'blob';
    const cap = blob
      ? c.opts.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES
      : c.opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    const capKey = blob
      ? REGISTRY_LIMIT_KEYS.maxBlobBytes
      : REGISTRY_LIMIT_KEYS.maxManifestBytes;
    const subject =
      req.subject ?? `${req.method ?? 'GET'} ${req.path.replace(/\?.*$/, '')}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const signal = AbortSignal.timeout(registryTimeoutMs(c.opts));
      const raw = await fetchFollowing(c, req, signal);
      const challenge = raw.headers.get('www-authenticate');
      if (raw.status === 401 && attempt === 0 && challenge) {
        await raw.body?.cancel().catch(() => undefined);
        await authenticate(c, challenge);
        continue;
      }
      let body: Buffer;
      try {
        body = await readCapped(
          raw,
          cap,
          seen =>
            new RegistryLimitError(
              `${c.what}: ${subject} is larger than the ${mib(
                cap,
              )} limit (${seen}); refusing it. Raise ${capKey} if it is really this large`,
            ),
        );
      } catch (e) {
        if (e instanceof RegistryLimitError) throw e;
        if (isTimeout(e))
          throw timeoutError(c, `sending ${subject}`, registryUrl(c, req.path));
        throw unreachable(c, e, registryUrl(c, req.path));
      }
      const res = { status: raw.status, body, headers: raw.headers };
      const ok = req.expect
        ? req.expect.includes(res.status)
        : res.status >= 200 && res.status < 300;
      if (!ok) throw failure(c, req, res);
      return res;
    }
    throw new Error(
      `${c.what}: the registry ${c.host} refused ${
        c.auth.kind === 'anonymous' ? 'the token it issued' : c.auth.source
      } (HTTP 401); check them`,
    );
  }

  async function get(
    path: string,
    accept?: string,
    extra: Pick<RegistryRequest, 'subject' | 'limit'> = {},
  ): Promise<{ body: Buffer; headers: Headers }> {
    return send({
      path,
      headers: accept ? { Accept: accept } : {},
      ...extra,
    });
  }

  async function tags(): Promise<string[]> {
    const out: string[] = [];
    let path = '/tags/list?n=1000';
    for (let page = 0; page < 100; page++) {
      const res = await send({ path, subject: 'the tag list' });
      let parsed: { tags?: string[] | null };
      try {
        parsed = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw new Error(
          `${c.what}: the tag list the registry sent is not JSON`,
        );
      }
      out.push(...(parsed.tags ?? []));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(
        res.headers.get('link') ?? '',
      )?.[1];
      if (!next) return out;
      const nextUrl = new URL(next, c.base);
      if (nextUrl.origin !== c.origin)
        throw new Error(
          `${c.what}: the registry's next tag page is on another host (${nextUrl.origin}); refusing it`,
        );
      path = `${nextUrl.pathname}${nextUrl.search}`;
    }
    return out;
  }

  return { base, url: path => registryUrl(c, path), send, get, tags };
}

/**
 * Lists the tags of `oci://host/repository` with the same per-host credentials, token-realm
 * rules, byte caps and time limit as pulls.
 *
 * @public
 */
export async function listRegistryTags(
  host: string,
  repository: string,
  opts: RegistryOptions,
  what: string,
): Promise<string[]> {
  return createRegistryClient(host, repository, opts, what).tags();
}
