/**
 * Connection options for an OCI registry.
 *
 * @public
 */
export interface RegistryOptions {
  /** `user:password` for the registry (basic auth, or exchanged for a bearer token). */
  credentials?: string;
  /** Use http instead of https (always for localhost / 127.0.0.1). */
  plainHttp?: boolean;
  /** fetch implementation (tests); global fetch by default. */
  fetchImpl?: typeof fetch;
}

/** A request to the registry, relative to `/v2/<repository>` or an absolute upload URL. */
export interface RegistryRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses that are not errors (default: any 2xx). */
  expect?: number[];
}

/** A registry answer. */
export interface RegistryResponse {
  status: number;
  body: Buffer;
  headers: Headers;
}

function parseChallenge(h: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of h.replace(/^Bearer\s+/i, '').matchAll(/(\w+)="([^"]*)"/g))
    out[m[1]] = m[2];
  return out;
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

/** Whether a registry host is local, where plain http is the default. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
}

/**
 * A small OCI distribution API client for one repository: basic auth, or a bearer token
 * obtained from the registry's challenge; every failure names the operation, the
 * registry's answer and what to do.
 */
export class RegistryClient {
  private token?: string;
  readonly base: string;

  constructor(
    host: string,
    repository: string,
    private readonly opts: RegistryOptions,
    private readonly what: string,
  ) {
    const scheme = opts.plainHttp || isLoopbackHost(host) ? 'http' : 'https';
    this.base = `${scheme}://${host}/v2/${repository}`;
  }

  private get fetch(): typeof fetch {
    return this.opts.fetchImpl ?? fetch;
  }

  private basic(): Record<string, string> {
    return this.opts.credentials
      ? {
          Authorization: `Basic ${Buffer.from(this.opts.credentials).toString(
            'base64',
          )}`,
        }
      : {};
  }

  private authHeader(): Record<string, string> {
    if (this.token) return { Authorization: `Bearer ${this.token}` };
    return this.basic();
  }

  private async authenticate(challenge: string): Promise<void> {
    if (!/^Bearer/i.test(challenge)) {
      throw new Error(
        this.opts.credentials
          ? `${this.what}: the registry refused the credentials (HTTP 401); check user and password`
          : `${this.what}: the registry requires authentication (${
              challenge.split(' ')[0]
            }); pass credentials (user:password)`,
      );
    }
    const c = parseChallenge(challenge);
    if (!c.realm)
      throw new Error(
        `${this.what}: the registry sent a Bearer challenge without a realm`,
      );
    const url = new URL(c.realm);
    if (c.service) url.searchParams.set('service', c.service);
    if (c.scope) url.searchParams.set('scope', c.scope);
    const res = await this.fetch(url, { headers: this.basic() });
    if (!res.ok)
      throw new Error(
        `${this.what}: getting a registry token failed (HTTP ${res.status}); check the credentials`,
      );
    const body = (await res.json()) as {
      token?: string;
      access_token?: string;
    };
    this.token = body.token ?? body.access_token;
    if (!this.token)
      throw new Error(`${this.what}: the registry token response had no token`);
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
      return new Error(`${this.what}: not found in the registry (${req.path})`);
    if (res.status === 401)
      return new Error(
        `${
          this.what
        }: the registry refused the credentials (HTTP 401 for ${op})${
          why ? `: ${why}` : ''
        }`,
      );
    if (res.status === 403)
      return new Error(
        `${this.what}: access denied (HTTP 403 for ${op})${
          why ? `: ${why}` : ''
        }; the credentials lack the permission for this repository`,
      );
    return new Error(
      `${this.what}: registry answered HTTP ${res.status} for ${op}${
        why ? `: ${why}` : ''
      }`,
    );
  }

  async send(req: RegistryRequest): Promise<RegistryResponse> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let raw: Response;
      try {
        raw = await this.fetch(this.url(req.path), {
          method: req.method ?? 'GET',
          headers: { ...(req.headers ?? {}), ...this.authHeader() },
          body: req.body,
          redirect: 'follow',
        });
      } catch (e) {
        const cause = (e as { cause?: { message?: string } }).cause?.message;
        throw new Error(
          `${this.what}: cannot reach the registry at ${this.base} (${
            (e as Error).message
          }${
            cause ? `: ${cause}` : ''
          }); is it running, and is the host right?`,
        );
      }
      const challenge = raw.headers.get('www-authenticate');
      if (raw.status === 401 && attempt === 0 && challenge) {
        await raw.arrayBuffer().catch(() => undefined);
        await this.authenticate(challenge);
        continue;
      }
      const res = {
        status: raw.status,
        body: Buffer.from(await raw.arrayBuffer()),
        headers: raw.headers,
      };
      const ok = req.expect
        ? req.expect.includes(res.status)
        : res.status >= 200 && res.status < 300;
      if (!ok) throw this.failure(req, res);
      return res;
    }
    throw new Error(
      `${this.what}: the registry refused the credentials (HTTP 401)`,
    );
  }

  async get(
    path: string,
    accept?: string,
  ): Promise<{ body: Buffer; headers: Headers }> {
    return this.send({ path, headers: accept ? { Accept: accept } : {} });
  }
}
