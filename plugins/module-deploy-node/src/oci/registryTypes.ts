/** The registry client's shape: its interface, the requests it sends and answers it returns, and the state its parts share. */
import { RegistryAuth } from './registryAuth';
import { RegistryOptions } from './registryOptions';

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
 * A small OCI distribution API client for one repository (see `createRegistryClient`).
 */
export interface RegistryClient {
  /** `http(s)://host/v2/<repository>`. */
  readonly base: string;
  /** Absolute URL for a path under the repository, or an upload location the registry gave. */
  url(path: string): string;
  /** One request, authenticated and read under its byte cap and time limit; throws on failure. */
  send(req: RegistryRequest): Promise<RegistryResponse>;
  /** A GET with an optional `Accept` header. */
  get(
    path: string,
    accept?: string,
    extra?: Pick<RegistryRequest, 'subject' | 'limit'>,
  ): Promise<{ body: Buffer; headers: Headers }>;
  /** The repository's tags (`/tags/list`, following `Link` pagination). */
  tags(): Promise<string[]>;
}

/** What the parts of one client share: the registry, how it authenticates, the options and the operation errors name. */
export interface RegistryContext {
  /** `host` or `host:port` of the registry. */
  readonly host: string;
  /** `http(s)://host/v2/<repository>`. */
  readonly base: string;
  /** The origin of `base`: the only one credentials are sent to. */
  readonly origin: string;
  readonly opts: RegistryOptions;
  /** The operation, first in every error message. */
  readonly what: string;
  readonly auth: RegistryAuth;
  /** The bearer token in use: the configured one, or the one the registry's challenge gave. */
  token?: string;
}
