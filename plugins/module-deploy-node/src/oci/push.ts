/** Pushing a module: its layers and config as blobs (chunked uploads), then its manifest under each tag. */
import { parseOciReference } from '@periscope/backstage-plugin-module-deploy-common';
import {
  ArtifactBlob,
  ModuleArtifact,
  buildModuleArtifact,
} from '../cue/modulePackage';
import { OCI_MANIFEST_MEDIA_TYPE } from './types';
import { createRegistryClient } from './registryClient';
import { RegistryOptions } from './registryOptions';
import { RegistryClient } from './registryTypes';

/**
 * Options for pushing a module.
 *
 * @public
 */
export interface PushOptions extends RegistryOptions {
  /** Module version: the tag, and the `org.opencontainers.image.version` annotation. */
  version: string;
  /** Also tag the pushed version `latest`. */
  latest?: boolean;
  /** Extra manifest annotations (`timoni mod push --annotation`). */
  annotations?: Record<string, string>;
  /** Blobs larger than this go up in PATCH chunks (default 4 MiB); smaller ones in one PUT. */
  chunkSize?: number;
}

/**
 * What a push produced (the fields of `timoni mod push -o json`).
 *
 * @public
 */
export interface PushResult {
  /** `oci://host/repository@sha256:...` */
  url: string;
  /** `oci://host/repository` */
  repository: string;
  version: string;
  digest: string;
  /** Tags pointed at the digest. */
  tags: string[];
}

function withDigest(uploadUrl: string, digest: string): string {
  return `${uploadUrl}${
    uploadUrl.includes('?') ? '&' : '?'
  }digest=${encodeURIComponent(digest)}`;
}

function location(res: { headers: Headers }, step: string): string {
  const loc = res.headers.get('location');
  if (!loc)
    throw new Error(`${step}: the registry gave no upload Location header`);
  return loc;
}

function checkDigest(
  res: { headers: Headers },
  want: string,
  step: string,
): void {
  const got = res.headers.get('docker-content-digest');
  if (got && got !== want)
    throw new Error(
      `${step}: the registry stored digest ${got}, expected ${want}; the upload was altered on the way`,
    );
}

/** Uploads one blob unless the repository has it: one PUT, or PATCH chunks then a closing PUT. */
async function uploadBlob(
  client: RegistryClient,
  b: ArtifactBlob,
  chunkSize: number,
): Promise<void> {
  const head = await client.send({
    method: 'HEAD',
    path: `/blobs/${b.digest}`,
    expect: [200, 404],
  });
  if (head.status === 200) return;
  const start = await client.send({
    method: 'POST',
    path: '/blobs/uploads/',
    expect: [202],
  });
  let loc = location(start, `starting the upload of ${b.digest}`);
  const octets = { 'Content-Type': 'application/octet-stream' };
  let body = b.data;
  if (b.size > chunkSize) {
    for (let off = 0; off < b.size; off += chunkSize) {
      const chunk = b.data.subarray(off, Math.min(off + chunkSize, b.size));
      const res = await client.send({
        method: 'PATCH',
        path: loc,
        headers: {
          ...octets,
          'Content-Range': `${off}-${off + chunk.length - 1}`,
        },
        body: chunk,
        expect: [202],
      });
      loc = location(res, `uploading ${b.digest}`);
    }
    body = Buffer.alloc(0);
  }
  const done = await client.send({
    method: 'PUT',
    path: withDigest(loc, b.digest),
    headers: octets,
    body,
    expect: [201],
  });
  checkDigest(done, b.digest, `uploading ${b.digest}`);
}

async function putManifest(
  client: RegistryClient,
  artifact: ModuleArtifact,
  tag: string,
): Promise<void> {
  const res = await client.send({
    method: 'PUT',
    path: `/manifests/${tag}`,
    headers: { 'Content-Type': OCI_MANIFEST_MEDIA_TYPE },
    body: artifact.manifest,
    expect: [201],
  });
  checkDigest(res, artifact.digest, `tagging ${tag}`);
}

/**
 * `timoni mod push`: packages the module directory as Timoni's OCI artifact, uploads its
 * blobs through the OCI distribution API, puts the manifest under the version tag (and
 * `latest` when asked) and returns the digest.
 *
 * @public
 */
export async function pushModule(
  dir: string,
  repositoryUrl: string,
  opts: PushOptions,
): Promise<PushResult> {
  const r = parseOciReference(repositoryUrl);
  if (r.digest || !repositoryUrl.endsWith(r.repository))
    throw new Error(
      `push target '${repositoryUrl}' must be oci://host/repository without a tag or digest; the version gives the tag`,
    );
  const artifact = await buildModuleArtifact(dir, {
    version: opts.version,
    annotations: opts.annotations,
  });
  const client = createRegistryClient(
    r.host,
    r.repository,
    opts,
    `pushing ${dir} to ${r.url}:${opts.version}`,
  );
  const chunkSize = opts.chunkSize ?? 4 * 1024 * 1024;
  for (const b of [...artifact.layers, artifact.config])
    await uploadBlob(client, b, chunkSize);
  const tags = [opts.version, ...(opts.latest ? ['latest'] : [])];
  for (const tag of tags) await putManifest(client, artifact, tag);
  return {
    url: `${r.url}@${artifact.digest}`,
    repository: r.url,
    version: opts.version,
    digest: artifact.digest,
    tags,
  };
}
