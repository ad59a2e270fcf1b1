/** The registry options: per-host credentials, token realms, byte caps and time limits, their defaults and config keys. */
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

/** The fetch implementation of these options (global fetch unless a test gives one). */
export function registryFetch(opts: RegistryOptions): typeof fetch {
  return opts.fetchImpl ?? fetch;
}

/** The time limit of every request under these options, in milliseconds. */
export function registryTimeoutMs(opts: RegistryOptions): number {
  return opts.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
}
