/** Pulling a module: its manifest and layers from the registry (through the digest cache), unpacked into a directory. */
import { parseOciReference } from '@periscope/backstage-plugin-module-deploy-common';
import { createRegistryClient } from './registryClient';
import {
  DEFAULT_MAX_BLOB_BYTES,
  REGISTRY_LIMIT_KEYS,
  RegistryOptions,
} from './registryOptions';
import { DigestCache } from './digestCache';
import { UnpackLimits, unpackTarGz } from './tar';
import {
  OCI_VERSION_ANNOTATION,
  TIMONI_CONFIG_MEDIA_TYPE,
  TIMONI_CONTENT_MEDIA_TYPE,
  sha256Digest,
} from './types';

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * Options for pulling a module.
 *
 * @public
 */
export interface PullOptions extends UnpackLimits, RegistryOptions {
  /**
   * Verified content kept across pulls: a layer (or a manifest pinned by digest) found there is
   * not downloaded again. A tag is always resolved at the registry (tags move). `false`: none
   * (the engine otherwise keeps one of 64 MiB).
   */
  cache?: DigestCache | false;
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
  /** What came from the cache instead of the registry (absent without a cache). */
  cached?: { manifest: boolean; layers: number };
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

function parseManifest(ref: string, bytes: Buffer): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch {
    throw new Error(
      `pulling ${ref}: the manifest is not JSON; is the reference an OCI artifact?`,
    );
  }
  if (
    !manifest ||
    typeof manifest !== 'object' ||
    Array.isArray(manifest) ||
    (manifest.layers !== undefined && !Array.isArray(manifest.layers))
  )
    throw new Error(
      `pulling ${ref}: the manifest is not an OCI image manifest (an object with a layers list); is the reference a Timoni module?`,
    );
  if (
    manifest.config?.mediaType &&
    manifest.config.mediaType !== TIMONI_CONFIG_MEDIA_TYPE
  ) {
    throw new Error(
      `pulling ${ref}: not a Timoni module (config media type ${manifest.config.mediaType}, expected ${TIMONI_CONFIG_MEDIA_TYPE})`,
    );
  }
  return manifest;
}

/** The content layers, in order (Timoni pushes the vendored `cue.mod` first, then the module). */
function contentLayers(ref: string, manifest: Manifest, max: number) {
  const layers = (manifest.layers ?? []).filter(
    l => l?.mediaType === TIMONI_CONTENT_MEDIA_TYPE,
  );
  if (!layers.length) {
    throw new Error(
      `pulling ${ref}: no layer of type ${TIMONI_CONTENT_MEDIA_TYPE} (found: ${
        (manifest.layers ?? []).map(l => l?.mediaType).join(', ') || 'none'
      })`,
    );
  }
  let total = 0;
  for (const layer of layers) {
    if (
      typeof layer.digest !== 'string' ||
      !/^sha256:[a-f0-9]{64}$/.test(layer.digest)
    )
      throw new Error(
        `pulling ${ref}: layer digest '${layer.digest}' is not sha256; the artifact is not one Periscope or Timoni pushed`,
      );
    if (!Number.isSafeInteger(layer.size) || layer.size < 0)
      throw new Error(
        `pulling ${ref}: layer ${
          layer.digest
        } declares the size ${JSON.stringify(
          layer.size,
        )}, which is not a byte count; the manifest is broken`,
      );
    total += layer.size;
  }
  if (total > max)
    throw new Error(
      `pulling ${ref}: layers of ${total} bytes exceed the ${max} byte limit on a module's compressed content (PullOptions.maxCompressedBytes); refusing it`,
    );
  return layers;
}

/**
 * Pulls a Timoni module artifact through the OCI distribution API: resolves the tag to a
 * manifest digest (verified against the manifest bytes, and against the reference when it pins
 * one), downloads every content layer, verifies each one's digest and size before unpacking it
 * safely (limits apply to the module as a whole).
 *
 * @public
 */
export async function pullModule(
  ref: string,
  dest: string,
  opts: PullOptions = {},
): Promise<PulledModule> {
  const r = parseOciReference(ref);
  const client = createRegistryClient(
    r.host,
    r.repository,
    opts,
    `pulling ${ref}`,
  );
  const cache = opts.cache || undefined;
  const cached = { manifest: false, layers: 0 };
  let manifestBytes = r.digest ? cache?.get(r.digest) : undefined;
  if (manifestBytes) cached.manifest = true;
  else {
    const answer = await client.get(
      `/manifests/${r.digest ?? r.tag}`,
      MANIFEST_ACCEPT,
      { subject: `the manifest ${r.digest ?? r.tag}`, limit: 'manifest' },
    );
    manifestBytes = answer.body;
    const served = sha256Digest(manifestBytes);
    if (r.digest && r.digest !== served) {
      throw new Error(
        `pulling ${ref}: manifest digest mismatch: the registry served ${served}; refusing it`,
      );
    }
    const claimed = answer.headers.get('docker-content-digest');
    if (claimed && claimed !== served) {
      throw new Error(
        `pulling ${ref}: manifest digest mismatch: header says ${claimed}, content is ${served}; refusing it`,
      );
    }
    cache?.set(served, manifestBytes);
  }
  const digest = sha256Digest(manifestBytes);
  const manifest = parseManifest(ref, manifestBytes);
  const max = opts.maxCompressedBytes ?? 32 * 1024 * 1024;
  let maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  let maxEntries = opts.maxEntries ?? 10_000;
  const maxBlob = opts.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  for (const layer of contentLayers(ref, manifest, max)) {
    if (layer.size > maxBlob)
      throw new Error(
        `pulling ${ref}: layer ${layer.digest} is ${layer.size} bytes, more than the ${maxBlob}-byte blob limit; refusing it. Raise ${REGISTRY_LIMIT_KEYS.maxBlobBytes} if the module is really this large`,
      );
    let blob = cache?.get(layer.digest);
    if (blob && blob.length === layer.size) cached.layers++;
    else {
      ({ body: blob } = await client.get(`/blobs/${layer.digest}`, undefined, {
        subject: `layer ${layer.digest}`,
        limit: 'blob',
      }));
      if (blob.length !== layer.size || sha256Digest(blob) !== layer.digest) {
        throw new Error(
          `pulling ${ref}: layer digest mismatch (expected ${layer.digest}, ${
            layer.size
          } bytes; got ${sha256Digest(blob)}, ${
            blob.length
          } bytes); refusing it`,
        );
      }
      cache?.set(layer.digest, blob);
    }
    const got = await unpackTarGz(blob, dest, {
      maxCompressedBytes: max,
      maxBytes,
      maxEntries,
    });
    maxBytes -= got.bytes;
    maxEntries -= got.entries;
  }
  const version =
    r.tag && r.tag !== 'latest'
      ? r.tag
      : manifest.annotations?.[OCI_VERSION_ANNOTATION] ??
        r.tag ??
        '0.0.0-devel';
  return {
    dir: dest,
    url: r.url,
    version,
    digest,
    ...(cache ? { cached } : {}),
  };
}
