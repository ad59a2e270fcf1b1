/** OCI registries: the registry client, module pull and push, tar archives of module layers. */
export { DEFAULT_PULL_CACHE_BYTES, DigestCache } from './digestCache';
export { pullModule } from './pull';
export type { PulledModule, PullOptions } from './pull';
export { pushModule } from './push';
export type { PushOptions, PushResult } from './push';
export { RegistryLimitError, readCapped } from './readCapped';
export { checkTokenRealm, registryAuthFor } from './registryAuth';
export type { RegistryAuth } from './registryAuth';
export { listRegistryTags } from './registryClient';
export { credentialsHint } from './registryErrors';
export {
  isRegistryHost,
  parseRegistryHosts,
  parseTokenRealms,
} from './registryHosts';
export {
  DEFAULT_MAX_BLOB_BYTES,
  DEFAULT_MAX_MANIFEST_BYTES,
  DEFAULT_REGISTRY_TIMEOUT_MS,
  REGISTRY_LIMIT_KEYS,
} from './registryOptions';
export type { RegistryHostConfig, RegistryOptions } from './registryOptions';
export {
  packTar,
  packTarGz,
  safeEntryPath,
  unpackTarGz,
  UnsafeArchiveError,
} from './tar';
export type { TarEntry, UnpackLimits } from './tar';
export {
  OCI_MANIFEST_MEDIA_TYPE,
  OCI_VERSION_ANNOTATION,
  sha256Digest,
  TIMONI_CONFIG_MEDIA_TYPE,
  TIMONI_CONTENT_MEDIA_TYPE,
  TIMONI_CONTENT_TYPE_ANNOTATION,
} from './types';
