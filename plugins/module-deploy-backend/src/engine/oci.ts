import { createHash } from 'node:crypto';
import { parseOciReference } from '@periscope/backstage-plugin-module-deploy-common';
import { UnpackLimits, unpackTarGz } from './tar';

/** Timoni's OCI media types (`api/v1alpha1/media_types.go`). */
export const TIMONI_CONFIG_MEDIA_TYPE = 'application/vnd.timoni.config.v1+json';
/** Media type of the layer holding the module's files. */
export const TIMONI_CONTENT_MEDIA_TYPE =
  'application/vnd.timoni.content.v1.tar+gzip';

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * Options for pulling a module.
 *
 * @public
 */
export interface PullOptions extends UnpackLimits {
  /** `user:password` for the registry (basic auth, or exchanged for a bearer token). */
  credentials?: string;
  /** Use http instead of https (always for localhost / 127.0.0.1). */
  plainHttp?: boolean;
  /** fetch implementation (tests); global fetch by default. */
  fetchImpl?: typeof fetch;
}

/**
 * A pulled module.
 *
 * @public
 */
export interface PulledModule {
  dir: string;
  /** `oci://host/repository`. */
  url: string;
  /** Tag pulled (or the version annotation when pulled by digest). */
  version: string;
  /** Manifest digest, verified. */
  digest: string;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  annotations?: Record<string, string>;
}

function sha256(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

function parseChallenge(h: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of h.replace(/^Bearer\s+/i, '').matchAll(/(\w+)="([^"]*)"/g))
    out[m[1]] = m[2];
  return out;
}

class RegistryClient {
  private token?: string;
  constructor(
    private readonly base: string,
    private readonly opts: PullOptions,
    private readonly what: string,
  ) {}

  private get fetch(): typeof fetch {
    return this.opts.fetchImpl ?? fetch;
  }

  private authHeader(): Record<string, string> {
    if (this.token) return { Authorization: `Bearer ${this.token}` };
    if (this.opts.credentials)
      return {
        Authorization: `Basic ${Buffer.from(this.opts.credentials).toString(
          'base64',
        )}`,
      };
    return {};
  }

  private async authenticate(challenge: string): Promise<void> {
    if (!/^Bearer/i.test(challenge)) {
      throw new Error(
        `${this.what}: the registry requires authentication (${
          challenge.split(' ')[0]
        }); pass credentials`,
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
    const headers: Record<string, string> = this.opts.credentials
      ? {
          Authorization: `Basic ${Buffer.from(this.opts.credentials).toString(
            'base64',
          )}`,
        }
      : {};
    const res = await this.fetch(url, { headers });
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

  async get(
    path: string,
    accept?: string,
  ): Promise<{ body: Buffer; headers: Headers }> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let res: Response;
      try {
        res = await this.fetch(`${this.base}${path}`, {
          headers: {
            ...(accept ? { Accept: accept } : {}),
            ...this.authHeader(),
          },
        });
      } catch (e) {
        throw new Error(
          `${this.what}: cannot reach the registry at ${this.base} (${
            (e as Error).message
          })`,
        );
      }
      if (
        res.status === 401 &&
        attempt === 0 &&
        res.headers.get('www-authenticate')
      ) {
        await this.authenticate(res.headers.get('www-authenticate') as string);
        continue;
      }
      if (res.status === 404)
        throw new Error(`${this.what}: not found in the registry (${path})`);
      if (!res.ok)
        throw new Error(
          `${this.what}: registry answered HTTP ${res.status} for ${path}`,
        );
      return {
        body: Buffer.from(await res.arrayBuffer()),
        headers: res.headers,
      };
    }
    throw new Error(
      `${this.what}: the registry refused the credentials (HTTP 401)`,
    );
  }
}

/**
 * Pulls a Timoni module artifact through the OCI distribution API: resolves the tag to a
 * manifest digest (verified against the manifest bytes, and against the reference when it pins
 * one), downloads the content layer, verifies its digest and size, and unpacks it safely.
 *
 * @public
 */
export async function pullModule(
  ref: string,
  dest: string,
  opts: PullOptions = {},
): Promise<PulledModule> {
  const r = parseOciReference(ref);
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(r.host);
  const scheme = opts.plainHttp || local ? 'http' : 'https';
  const client = new RegistryClient(
    `${scheme}://${r.host}/v2/${r.repository}`,
    opts,
    `pulling ${ref}`,
  );
  const { body: manifestBytes, headers } = await client.get(
    `/manifests/${r.digest ?? r.tag}`,
    MANIFEST_ACCEPT,
  );
  const digest = sha256(manifestBytes);
  if (r.digest && r.digest !== digest) {
    throw new Error(
      `pulling ${ref}: manifest digest mismatch: the registry served ${digest}; refusing it`,
    );
  }
  const claimed = headers.get('docker-content-digest');
  if (claimed && claimed !== digest) {
    throw new Error(
      `pulling ${ref}: manifest digest mismatch: header says ${claimed}, content is ${digest}; refusing it`,
    );
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  } catch {
    throw new Error(`pulling ${ref}: the manifest is not JSON`);
  }
  if (
    manifest.config?.mediaType &&
    manifest.config.mediaType !== TIMONI_CONFIG_MEDIA_TYPE
  ) {
    throw new Error(
      `pulling ${ref}: not a Timoni module (config media type ${manifest.config.mediaType}, expected ${TIMONI_CONFIG_MEDIA_TYPE})`,
    );
  }
  const layer = manifest.layers?.find(
    l => l.mediaType === TIMONI_CONTENT_MEDIA_TYPE,
  );
  if (!layer) {
    throw new Error(
      `pulling ${ref}: no layer of type ${TIMONI_CONTENT_MEDIA_TYPE} (found: ${
        (manifest.layers ?? []).map(l => l.mediaType).join(', ') || 'none'
      })`,
    );
  }
  if (!/^sha256:[a-f0-9]{64}$/.test(layer.digest))
    throw new Error(
      `pulling ${ref}: layer digest '${layer.digest}' is not sha256`,
    );
  const max = opts.maxCompressedBytes ?? 32 * 1024 * 1024;
  if (layer.size > max)
    throw new Error(
      `pulling ${ref}: layer of ${layer.size} bytes exceeds the ${max} byte limit`,
    );
  const { body: blob } = await client.get(`/blobs/${layer.digest}`);
  if (blob.length !== layer.size || sha256(blob) !== layer.digest) {
    throw new Error(
      `pulling ${ref}: layer digest mismatch (expected ${layer.digest}, ${
        layer.size
      } bytes; got ${sha256(blob)}, ${blob.length} bytes); refusing it`,
    );
  }
  await unpackTarGz(blob, dest, opts);
  const version =
    r.tag && r.tag !== 'latest'
      ? r.tag
      : manifest.annotations?.['org.opencontainers.image.version'] ??
        r.tag ??
        '0.0.0-devel';
  return { dir: dest, url: r.url, version, digest };
}
