import { createHash } from 'node:crypto';

/**
 * Timoni's OCI media types (`api/v1alpha1/artifact.go`): the config.
 *
 * @public
 */
export const TIMONI_CONFIG_MEDIA_TYPE = 'application/vnd.timoni.config.v1+json';
/**
 * Media type of the layers holding the module's files.
 *
 * @public
 */
export const TIMONI_CONTENT_MEDIA_TYPE =
  'application/vnd.timoni.content.v1.tar+gzip';

/**
 * OCI annotation holding the module version (`timoni mod push --version`).
 *
 * @public
 */
export const OCI_VERSION_ANNOTATION = 'org.opencontainers.image.version';

/**
 * Layer annotation naming what a Timoni layer holds (`cue.mod` for the vendored schemas,
 * `module` for the rest).
 *
 * @public
 */
export const TIMONI_CONTENT_TYPE_ANNOTATION = 'sh.timoni.content.type';

/**
 * OCI image manifest media type.
 *
 * @public
 */
export const OCI_MANIFEST_MEDIA_TYPE =
  'application/vnd.oci.image.manifest.v1+json';

/**
 * `sha256:<hex>` of some bytes.
 *
 * @public
 */
export function sha256Digest(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}
