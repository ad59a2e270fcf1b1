/**
 * A parsed `oci://host[:port]/repository[:tag|@sha256:digest]` module reference.
 *
 * @public
 */
export interface OciReference {
  host: string;
  repository: string;
  /** Tag, when the reference has one (default `latest` when neither tag nor digest is given). */
  tag?: string;
  /** `sha256:<64 hex>` when the reference pins a digest. */
  digest?: string;
  /** `oci://host/repository`, as Timoni records it in `module.repository`. */
  url: string;
}

const REPO_RE =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const HOST_RE = /^[A-Za-z0-9.-]+(?::[0-9]+)?$/;

/**
 * Whether a module source string is an OCI reference.
 *
 * @public
 */
export function isOciReference(source: string): boolean {
  return source.startsWith('oci://');
}

/**
 * Parses an OCI module reference, throwing an error that names the bad part.
 *
 * @public
 */
export function parseOciReference(ref: string): OciReference {
  if (!ref.startsWith('oci://')) {
    throw new Error(
      `invalid OCI reference '${ref}': it must start with oci://`,
    );
  }
  let rest = ref.slice('oci://'.length);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) {
      throw new Error(
        `invalid OCI reference '${ref}': digest must be sha256:<64 lowercase hex>`,
      );
    }
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) {
    throw new Error(
      `invalid OCI reference '${ref}': expected oci://host/repository[:tag]`,
    );
  }
  const host = rest.slice(0, slash);
  let repository = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
    if (!TAG_RE.test(tag))
      throw new Error(`invalid OCI reference '${ref}': bad tag '${tag}'`);
  }
  if (!HOST_RE.test(host))
    throw new Error(
      `invalid OCI reference '${ref}': bad registry host '${host}'`,
    );
  if (!REPO_RE.test(repository)) {
    throw new Error(
      `invalid OCI reference '${ref}': bad repository '${repository}' (lowercase path components)`,
    );
  }
  if (!tag && !digest) tag = 'latest';
  return { host, repository, tag, digest, url: `oci://${host}/${repository}` };
}
