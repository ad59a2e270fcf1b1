/**
 * Credentials and transport settings for one registry host.
 *
 * @public
 */
export interface RegistryHostConfig {
  /** `host` or `host:port`, exactly as in `oci://host/repository` references. */
  host: string;
  /** User for basic auth, or for the token request when the registry answers with a Bearer challenge. */
  username?: string;
  /** Password (or personal access token) of `username`. */
  password?: string;
  /** A bearer token the registry accepts as is (instead of username and password). */
  token?: string;
  /** Talk plain http to this host (loopback hosts always use http). */
  insecure?: boolean;
}

/**
 * Connection options for an OCI registry.
 *
 * @public
 */
export interface RegistryOptions {
  /**
   * Credentials per registry host: only the entry whose `host` matches the reference's host is
   * used, and its credentials go to that host (and to a token realm allowed by
   * {@link RegistryOptions.tokenRealms}) only. When given, `credentials` is ignored.
   */
  registries?: RegistryHostConfig[];
  /**
   * `user:password` for the one registry of this operation (the push target of the CLI); used
   * only when `registries` is not given. Prefer `registries`.
   */
  credentials?: string;
  /** Use http instead of https for every host (loopback hosts always use http). */
  plainHttp?: boolean;
  /**
   * Hosts (`host` or `host:port`) besides the registry's own host whose Bearer token realm may be
   * followed, e.g. `auth.docker.io` for Docker Hub (`moduleDeploy.registryTokenRealms`).
   */
  tokenRealms?: string[];
  /** Largest manifest (or other non-blob answer) read, in bytes (default 4 MiB). */
  maxManifestBytes?: number;
  /** Largest blob (layer, config) read, in bytes (default 64 MiB). */
  maxBlobBytes?: number;
  /** Time limit of every registry request, answer body included, in milliseconds (default 120000). */
  timeoutMs?: number;
  /** fetch implementation (tests); global fetch by default. */
  fetchImpl?: typeof fetch;
}

/**
 * Default of {@link RegistryOptions.maxManifestBytes}.
 *
 * @public
 */
export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/**
 * Default of {@link RegistryOptions.maxBlobBytes}.
 *
 * @public
 */
export const DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024;
/**
 * Default of {@link RegistryOptions.timeoutMs}.
 *
 * @public
 */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 120_000;

/**
 * The config keys an error tells the operator to change.
 *
 * @public
 */
export const REGISTRY_LIMIT_KEYS = {
  maxManifestBytes: 'moduleDeploy.registry.maxManifestBytes',
  maxBlobBytes: 'moduleDeploy.registry.maxBlobBytes',
  timeoutMs: 'moduleDeploy.registry.timeoutMs',
  tokenRealms: 'moduleDeploy.registryTokenRealms',
} as const;

/** A request to the registry, relative to `/v2/<repository>` or an absolute upload URL. */
export interface RegistryRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses that are not errors (default: any 2xx). */
  expect?: number[];
  /** What is read, for errors (e.g. `layer sha256:…`); default the method and path. */
  subject?: string;
  /** Largest answer body read: `blob` uses maxBlobBytes, anything else maxManifestBytes. */
  limit?: 'manifest' | 'blob';
}

/** A registry answer. */
export interface RegistryResponse {
  status: number;
  body: Buffer;
  headers: Headers;
}

/**
 * How the client authenticates to one host.
 *
 * @public
 */
export type RegistryAuth =
  | { kind: 'anonymous'; insecure: boolean }
  | { kind: 'basic'; header: string; source: string; insecure: boolean }
  | { kind: 'bearer'; token: string; source: string; insecure: boolean };

/** `host:port` lowercased, the default ports dropped. */
function normalHost(host: string): string {
  return host.toLowerCase().replace(/:(443|80)$/, '');
}

/** The host name of `host[:port]` (brackets kept for IPv6). */
function hostName(host: string): string {
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

/** Whether a registry host is local, where plain http is the default. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(host);
}

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

/** The registry's own explanation (`{"errors":[{"code","message","detail"}]}`), if it sent one. */
export function registryErrorText(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      errors?: { code?: string; message?: string; detail?: unknown }[];
    };
    const parts = (parsed.errors ?? []).map(e => {
      const detail =
        e.detail === undefined || e.detail === null
          ? ''
          : ` (${
              typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)
            })`;
      return `${e.code ?? 'ERROR'}: ${e.message ?? ''}${detail}`;
    });
    return parts.join('; ');
  } catch {
    return '';
  }
}

/**
 * Raised when an answer is larger than its byte cap.
 *
 * @public
 */
export class RegistryLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryLimitError';
  }
}

/**
 * Reads a response body as a stream, refusing it when the announced `Content-Length` or the bytes
 * received exceed `cap`; `tooLarge` builds the error from what was seen.
 *
 * @public
 */
export async function readCapped(
  res: Response,
  cap: number,
  tooLarge: (seen: string) => Error,
): Promise<Buffer> {
  const announced = res.headers.get('content-length');
  if (announced !== null && /^\d+$/.test(announced.trim())) {
    if (Number(announced) > cap) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(`the registry announced ${announced} bytes`);
    }
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`more than ${cap} bytes arrived`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function isTimeout(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  const causeName = (e as { cause?: { name?: string } })?.cause?.name;
  return name === 'TimeoutError' || causeName === 'TimeoutError';
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / 1024 / 1024} MiB`
    : `${bytes} bytes`;
}

const MAX_REDIRECTS = 5;

/**
 * How to give credentials for a host, for error messages: the backend config and the CLI.
 *
 * @public
 */
export function credentialsHint(host: string): string {
  return `give credentials for ${host}: in the backend a moduleDeploy.registries entry { host: '${host}', username, password } (or token); for the periscope CLI an entry in its registry config file (--registry-config, $PERISCOPE_REGISTRY_CONFIG or ~/.config/periscope/registries.yaml), or for a push PERISCOPE_REGISTRY_USERNAME and PERISCOPE_REGISTRY_PASSWORD (or PERISCOPE_REGISTRY_TOKEN)`;
}

/**
 * A small OCI distribution API client for one repository: basic auth, or a bearer token
 * obtained from the registry's challenge; every failure names the operation, the
 * registry's answer and what to do. Credentials go only to the registry's own host (and to an
 * allowed token realm); answers are read as streams under byte caps and a time limit.
 */
export class RegistryClient {
  private token?: string;
  private readonly auth: RegistryAuth;
  readonly base: string;
  private readonly origin: string;

  constructor(
    private readonly host: string,
    repository: string,
    private readonly opts: RegistryOptions,
    private readonly what: string,
  ) {
    this.auth = registryAuthFor(host, opts);
    const scheme =
      this.auth.insecure || isLoopbackHost(host) ? 'http' : 'https';
    this.base = `${scheme}://${host}/v2/${repository}`;
    this.origin = new URL(this.base).origin;
    if (this.auth.kind === 'bearer') this.token = this.auth.token;
  }

  private get fetch(): typeof fetch {
    return this.opts.fetchImpl ?? fetch;
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
  }

  private basic(): Record<string, string> {
    return this.auth.kind === 'basic'
      ? { Authorization: this.auth.header }
      : {};
  }

  private authHeader(): Record<string, string> {
    if (this.token) return { Authorization: `Bearer ${this.token}` };
    return this.basic();
  }

  private timeoutError(subject: string, url: string): Error {
    return new Error(
      `${this.what}: the registry at ${
        new URL(url).host
      } did not finish ${subject} within ${
        this.timeoutMs
      } ms; check that the registry is healthy, or raise ${
        REGISTRY_LIMIT_KEYS.timeoutMs
      }`,
    );
  }

  private unreachable(e: unknown, url: string): Error {
    if (isTimeout(e)) return this.timeoutError(`answering ${url}`, url);
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    return new Error(
      `${this.what}: cannot reach the registry at ${
        url.startsWith(this.origin) ? this.base : new URL(url).origin
      } (${(e as Error).message}${
        cause ? `: ${cause}` : ''
      }); is it running, and is the host right?`,
    );
  }

  private async authenticate(challenge: string): Promise<void> {
    if (this.auth.kind === 'bearer' && this.token)
      throw new Error(
        `${this.what}: the registry ${this.host} refused ${this.auth.source} (HTTP 401); check or renew the token`,
      );
    if (!/^Bearer/i.test(challenge)) {
      throw new Error(
        this.auth.kind !== 'anonymous'
          ? `${this.what}: the registry ${this.host} refused ${this.auth.source} (HTTP 401); check user and password`
          : `${this.what}: the registry ${this.host} requires authentication (${
              challenge.split(' ')[0]
            }); ${credentialsHint(this.host)}`,
      );
    }
    const c = parseChallenge(challenge);
    if (!c.realm)
      throw new Error(
        `${this.what}: the registry ${this.host} sent a Bearer challenge without a realm; the registry is misconfigured`,
      );
    const url = checkTokenRealm(
      c.realm,
      this.host,
      { tokenRealms: this.opts.tokenRealms, insecure: this.auth.insecure },
      this.what,
    );
    if (c.service) url.searchParams.set('service', c.service);
    if (c.scope) url.searchParams.set('scope', c.scope);
    const signal = AbortSignal.timeout(this.timeoutMs);
    let body: Buffer;
    let res: Response;
    try {
      res = await this.fetch(url, {
        headers: this.basic(),
        redirect: 'manual',
        signal,
      });
      body = await readCapped(
        res,
        this.opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
        seen =>
          new RegistryLimitError(
            `${this.what}: the token answer of ${url.origin}${
              url.pathname
            } is larger than ${mib(
              this.opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
            )} (${seen}); refusing it (raise ${
              REGISTRY_LIMIT_KEYS.maxManifestBytes
            } if the token service really answers this much)`,
          ),
      );
    } catch (e) {
      if (e instanceof RegistryLimitError) throw e;
      if (isTimeout(e))
        throw this.timeoutError(
          `the token request to ${url.origin}${url.pathname}`,
          url.toString(),
        );
      throw this.unreachable(e, url.toString());
    }
    if (!res.ok)
      throw new Error(
        `${this.what}: getting a registry token from ${url.origin}${
          url.pathname
        } failed (HTTP ${res.status}); ${
          this.auth.kind === 'anonymous'
            ? credentialsHint(this.host)
            : `check ${this.auth.source}`
        }`,
      );
    let parsed: { token?: string; access_token?: string };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new Error(
        `${this.what}: the token answer of ${url.origin}${url.pathname} is not JSON; is the realm a token service?`,
      );
    }
    this.token = parsed.token ?? parsed.access_token;
    if (!this.token)
      throw new Error(
        `${this.what}: the token answer of ${url.origin}${url.pathname} had no token`,
      );
  }

  /** Absolute URL for a path under the repository, or an upload location the registry gave. */
  url(path: string): string {
    if (/^https?:\/\//.test(path)) return path;
    if (path.startsWith('/v2/')) return new URL(path, this.base).toString();
    return `${this.base}${path}`;
  }

  private failure(req: RegistryRequest, res: RegistryResponse): Error {
    const op = `${req.method ?? 'GET'} ${req.path.replace(/\?.*$/, '')}`;
    const why = registryErrorText(res.body);
    if (res.status === 404 && (req.method ?? 'GET') === 'GET')
      return new Error(
        req.path.startsWith('/tags/list')
          ? `${this.what}: the repository does not exist in the registry; push a version first, or fix the oci:// reference`
          : `${this.what}: not found in the registry (${req.path})`,
      );
    if (res.status === 401)
      return new Error(
        `${this.what}: the registry ${this.host} refused ${
          this.auth.kind === 'anonymous' ? 'anonymous access' : this.auth.source
        } (HTTP 401 for ${op})${why ? `: ${why}` : ''}; ${
          this.auth.kind === 'anonymous'
            ? credentialsHint(this.host)
            : 'check them'
        }`,
      );
    if (res.status === 403)
      return new Error(
        `${this.what}: access denied (HTTP 403 for ${op})${
          why ? `: ${why}` : ''
        }; the credentials lack the permission for this repository`,
      );
    if (res.status >= 300 && res.status < 400)
      return new Error(
        `${this.what}: the registry answered ${op} with a redirect (HTTP ${res.status}) that is not followed for this request; check the registry host`,
      );
    return new Error(
      `${this.what}: registry answered HTTP ${res.status} for ${op}${
        why ? `: ${why}` : ''
      }`,
    );
  }

  /**
   * One request: the Authorization header goes only to the registry's origin; GET/HEAD follow
   * up to 5 redirects (dropping credentials when they leave the registry's origin, refusing a
   * downgrade to http).
   */
  private async fetchFollowing(
    req: RegistryRequest,
    signal: AbortSignal,
  ): Promise<Response> {
    const method = req.method ?? 'GET';
    let url = this.url(req.path);
    const follows = method === 'GET' || method === 'HEAD';
    for (let hop = 0; ; hop++) {
      const target = new URL(url);
      const ours = target.origin === this.origin;
      if (!ours && target.protocol !== 'https:' && !isLoopbackHost(target.host))
        throw new Error(
          `${this.what}: the registry sent ${method} ${
            req.subject ?? req.path
          } to ${
            target.origin
          }, plain http on another host; refusing it (only https is followed off the registry's host)`,
        );
      let res: Response;
      try {
        res = await this.fetch(url, {
          method,
          headers: {
            ...(req.headers ?? {}),
            ...(ours ? this.authHeader() : {}),
          },
          body: req.body,
          redirect: 'manual',
          signal,
        });
      } catch (e) {
        throw this.unreachable(e, url);
      }
      const loc = res.headers.get('location');
      if (!follows || res.status < 300 || res.status >= 400 || !loc) return res;
      await res.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS)
        throw new Error(
          `${this.what}: more than ${MAX_REDIRECTS} redirects for ${method} ${req.path}; the registry is misconfigured`,
        );
      url = new URL(loc, url).toString();
    }
  }

  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const blob = req.limit === 'blob';
    const cap = blob
      ? this.opts.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES
      : this.opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    const capKey = blob
      ? REGISTRY_LIMIT_KEYS.maxBlobBytes
      : REGISTRY_LIMIT_KEYS.maxManifestBytes;
    const subject =
      req.subject ?? `${req.method ?? 'GET'} ${req.path.replace(/\?.*$/, '')}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const signal = AbortSignal.timeout(this.timeoutMs);
      const raw = await this.fetchFollowing(req, signal);
      const challenge = raw.headers.get('www-authenticate');
      if (raw.status === 401 && attempt === 0 && challenge) {
        await raw.body?.cancel().catch(() => undefined);
        await this.authenticate(challenge);
        continue;
      }
      let body: Buffer;
      try {
        body = await readCapped(
          raw,
          cap,
          seen =>
            new RegistryLimitError(
              `${this.what}: ${subject} is larger than the ${mib(
                cap,
              )} limit (${seen}); refusing it. Raise ${capKey} if it is really this large`,
            ),
        );
      } catch (e) {
        if (e instanceof RegistryLimitError) throw e;
        if (isTimeout(e))
          throw this.timeoutError(`sending ${subject}`, this.url(req.path));
        throw this.unreachable(e, this.url(req.path));
      }
      const res = { status: raw.status, body, headers: raw.headers };
      const ok = req.expect
        ? req.expect.includes(res.status)
        : res.status >= 200 && res.status < 300;
      if (!ok) throw this.failure(req, res);
      return res;
    }
    throw new Error(
      `${this.what}: the registry ${this.host} refused ${
        this.auth.kind === 'anonymous'
          ? 'the token it issued'
          : this.auth.source
      } (HTTP 401); check them`,
    );
  }

  async get(
    path: string,
    accept?: string,
    extra: Pick<RegistryRequest, 'subject' | 'limit'> = {},
  ): Promise<{ body: Buffer; headers: Headers }> {
    return this.send({
      path,
      headers: accept ? { Accept: accept } : {},
      ...extra,
    });
  }

  /** The repository's tags (`/tags/list`, following `Link` pagination). */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let path = '/tags/list?n=1000';
    for (let page = 0; page < 100; page++) {
      const res = await this.send({ path, subject: 'the tag list' });
      let parsed: { tags?: string[] | null };
      try {
        parsed = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw new Error(
          `${this.what}: the tag list the registry sent is not JSON`,
        );
      }
      out.push(...(parsed.tags ?? []));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(
        res.headers.get('link') ?? '',
      )?.[1];
      if (!next) return out;
      const nextUrl = new URL(next, this.base);
      if (nextUrl.origin !== this.origin)
        throw new Error(
          `${this.what}: the registry's next tag page is on another host (${nextUrl.origin}); refusing it`,
        );
      path = `${nextUrl.pathname}${nextUrl.search}`;
    }
    return out;
  }
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
  return new RegistryClient(host, repository, opts, what).tags();
}
