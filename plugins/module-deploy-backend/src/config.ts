import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import {
  isDnsLabel,
  isOciReference,
  parseOciReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { HumanDuration } from '@backstage/types';
import path from 'node:path';
import {
  DEFAULT_MAX_BLOB_BYTES,
  DEFAULT_MAX_MANIFEST_BYTES,
  DEFAULT_PULL_CACHE_BYTES,
  DEFAULT_REGISTRY_TIMEOUT_MS,
  DigestCache,
  PREFLIGHT_CHECKS,
  RegistryHostConfig,
  parsePreflightChecks,
  parseRegistryHosts,
  parseTokenRealms,
} from '@periscope/backstage-plugin-module-deploy-node';

export type { RegistryHostConfig } from '@periscope/backstage-plugin-module-deploy-node';

/**
 * A module the portal offers: a local directory or an OCI repository.
 * @public
 */
export interface ConfiguredModule {
  /** Name entities use in `periscope.dev/module` and templates use in their `module` input. */
  name: string;
  title?: string;
  description?: string;
  /** Absolute directory of a local module. */
  path?: string;
  /** `oci://host/repository` (no tag) of an OCI module. */
  oci?: string;
}

/** @public */
export interface ModuleDeployConfig {
  modules: ConfiguredModule[];
  defaults: { clusters?: string[]; namespace?: string };
  /** Namespaces no deploy may target, `*` matching any run of characters. */
  deniedNamespaces: string[];
  drift: { enabled: boolean; schedule: SchedulerServiceTaskScheduleDefinition };
  /** Readiness timeout per apply set and per cluster, in milliseconds. */
  readinessTimeoutMs: number;
  /** `moduleDeploy.maxConcurrentRenders`: cue processes at once in this backend (default 4). */
  maxConcurrentRenders: number;
  /** `moduleDeploy.driftChecksPerMinute`: drift checks one user may start per entity and minute (0: no limit). */
  driftChecksPerMinute: number;
  /** Registry access for `oci://` modules; the engine takes it as its pull options. */
  registry: ModuleDeployRegistryConfig;
  /** `moduleDeploy.preflight`: warnings before a deploy (README, "Warnings before a deploy"). */
  preflight: ModuleDeployPreflightConfig;
  /** `moduleDeploy.instanceState`: the stored instance state GET /entity serves. */
  instanceState: ModuleDeployInstanceStateConfig;
}

/**
 * `moduleDeploy.instanceState`: GET /entity serves each instance's state from the database;
 * it is read again from the cluster when older than `maxAgeSeconds` (in the background, the
 * stored one served meanwhile) and by a scheduled refresh.
 * @public
 */
export interface ModuleDeployInstanceStateConfig {
  /** `moduleDeploy.instanceState.maxAgeSeconds` (default 60): how long a stored state is fresh. */
  maxAgeSeconds: number;
  /** The scheduled refresh of every annotated entity's instances (`moduleDeploy.instanceState.refresh`). */
  refresh: {
    enabled: boolean;
    schedule: SchedulerServiceTaskScheduleDefinition;
  };
}

/**
 * `moduleDeploy.preflight`: the checks run over the rendered objects and the live target
 * namespace before a deploy; the preview shows their warnings.
 * @public
 */
export interface ModuleDeployPreflightConfig {
  /** `moduleDeploy.preflight.enabled` (default true): false skips the checks and their reads. */
  enabled: boolean;
  /** `moduleDeploy.preflight.block` (default none): checks whose warnings refuse a deploy. */
  block: string[];
}

/** Reads `moduleDeploy.preflight`; throws an `InputError` naming the key and what to write. */
function readPreflightConfig(
  md: Config | undefined,
): ModuleDeployPreflightConfig {
  const enabled = md?.getOptionalBoolean('preflight.enabled') ?? true;
  const raw = md?.getOptional('preflight.block') ?? [];
  if (!Array.isArray(raw) || raw.some(v => typeof v !== 'string'))
    throw new InputError(
      `moduleDeploy.preflight.block must be a list of check names, e.g. [References, Scheduling]; the checks are ${PREFLIGHT_CHECKS.join(
        ', ',
      )}`,
    );
  let block: string[];
  try {
    block = [
      ...new Set(
        parsePreflightChecks(raw as string[], 'moduleDeploy.preflight.block'),
      ),
    ];
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  if (block.length && !enabled)
    throw new InputError(
      `moduleDeploy.preflight.block names ${block.join(
        ', ',
      )} but moduleDeploy.preflight.enabled is false: enable the preflight or remove the block list`,
    );
  return { enabled, block };
}

/**
 * Registry access for `oci://` modules (`moduleDeploy.registries`, `moduleDeploy.registry.*`,
 * `moduleDeploy.registryTokenRealms`).
 * @public
 */
export interface ModuleDeployRegistryConfig {
  /**
   * Credentials per registry host (`moduleDeploy.registries`, plus the legacy
   * `moduleDeploy.registry.credentials` as an entry for each configured OCI module's host).
   */
  registries: RegistryHostConfig[];
  /**
   * The legacy `moduleDeploy.registry.credentials` (`user:password`) as written. The engine
   * ignores it (it uses `registries`); kept only for callers that still take one credential.
   * @deprecated use `registries`
   */
  credentials?: string;
  /** `moduleDeploy.registry.plainHttp`: plain http to every registry (default false). */
  plainHttp: boolean;
  /** `moduleDeploy.registryTokenRealms`: token service hosts allowed besides the registry's own. */
  tokenRealms: string[];
  /** `moduleDeploy.registry.maxManifestBytes` (default 4 MiB). */
  maxManifestBytes: number;
  /** `moduleDeploy.registry.maxBlobBytes` (default 64 MiB). */
  maxBlobBytes: number;
  /** `moduleDeploy.registry.timeoutMs`: limit per registry request (default 120000). */
  timeoutMs: number;
  /**
   * `moduleDeploy.registry.cacheBytes` (default 64 MiB): verified layers and digest-pinned
   * manifests kept in memory, so a module is downloaded once; `false` when set to 0.
   */
  cache: DigestCache | false;
}

/** Namespaces no deploy may target unless `moduleDeploy.deniedNamespaces` says otherwise. */
export const DEFAULT_DENIED_NAMESPACES = ['kube-*', 'default'];

/** The first `moduleDeploy.deniedNamespaces` pattern a namespace matches, if any. */
export function deniedNamespacePattern(
  namespace: string,
  patterns: string[],
): string | undefined {
  return patterns.find(p =>
    new RegExp(
      `^${p
        .split('*')
        .map(part => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
        .join('.*')}$`,
    ).test(namespace),
  );
}

function readModule(c: Config, i: number): ConfiguredModule {
  const key = `moduleDeploy.modules[${i}]`;
  const name = c.getOptionalString('name');
  if (!name || !isDnsLabel(name)) {
    throw new InputError(
      `${key}.name is ${
        name ? `'${name}'` : 'missing'
      }: give every module a lowercase DNS-style name, e.g. web-service`,
    );
  }
  const dir = c.getOptionalString('path');
  const oci = c.getOptionalString('oci')?.replace(/\/+$/, '');
  if (!!dir === !!oci) {
    throw new InputError(
      `${key} ('${name}') must set exactly one of path (a local module directory) or oci (oci://host/repository)`,
    );
  }
  if (oci) {
    if (!isOciReference(oci))
      throw new InputError(
        `${key}.oci of '${name}' is '${oci}': it must start with oci://`,
      );
    let ref;
    try {
      ref = parseOciReference(oci);
    } catch (e) {
      throw new InputError(`${key}.oci of '${name}': ${(e as Error).message}`);
    }
    const repository = oci.slice('oci://'.length).split('/').slice(1).join('/');
    if (ref.digest || repository.includes(':')) {
      throw new InputError(
        `${key}.oci of '${name}' is '${oci}': give the repository without a tag or digest (versions are listed from the registry)`,
      );
    }
  }
  return {
    name,
    title: c.getOptionalString('title'),
    description: c.getOptionalString('description'),
    ...(dir ? { path: path.resolve(dir) } : {}),
    ...(oci ? { oci } : {}),
  };
}

function readDuration(
  c: Config | undefined,
  key: string,
  fallback: HumanDuration,
): HumanDuration {
  return (
    (c?.getOptional<HumanDuration>(key) as HumanDuration | undefined) ??
    fallback
  );
}

/**
 * Reads the `moduleDeploy` section; throws an `InputError` naming the bad key.
 * @public
 */
export function readModuleDeployConfig(config: Config): ModuleDeployConfig {
  const md = config.getOptionalConfig('moduleDeploy');
  const modules = (md?.getOptionalConfigArray('modules') ?? []).map(readModule);
  const seen = new Set<string>();
  for (const m of modules) {
    if (seen.has(m.name))
      throw new InputError(
        `moduleDeploy.modules: the name '${m.name}' is used twice; module names must be unique`,
      );
    seen.add(m.name);
  }
  const namespace = md?.getOptionalString('defaults.namespace');
  if (namespace !== undefined && !isDnsLabel(namespace)) {
    throw new InputError(
      `moduleDeploy.defaults.namespace is '${namespace}', which is not a valid namespace name: use lowercase letters, digits and '-', at most 63 characters`,
    );
  }
  const deniedNamespaces =
    md?.getOptionalStringArray('deniedNamespaces') ?? DEFAULT_DENIED_NAMESPACES;
  for (const pattern of deniedNamespaces) {
    if (!/^[a-z0-9*-]{1,63}$/.test(pattern))
      throw new InputError(
        `moduleDeploy.deniedNamespaces has '${pattern}', which is not a namespace name or pattern: use lowercase letters, digits, '-' and '*' (any run of characters), e.g. 'kube-*'`,
      );
  }
  const timeout = md?.getOptionalNumber('readinessTimeoutMs') ?? 300_000;
  if (!(timeout > 0))
    throw new InputError(
      `moduleDeploy.readinessTimeoutMs must be a positive number of milliseconds, got ${timeout}`,
    );
  const renders = md?.getOptionalNumber('maxConcurrentRenders') ?? 4;
  if (!Number.isInteger(renders) || renders < 1)
    throw new InputError(
      `moduleDeploy.maxConcurrentRenders must be a whole number of at least 1, got ${renders}`,
    );
  const driftChecks = md?.getOptionalNumber('driftChecksPerMinute') ?? 6;
  if (!Number.isInteger(driftChecks) || driftChecks < 0)
    throw new InputError(
      `moduleDeploy.driftChecksPerMinute must be a whole number (0 for no limit), got ${driftChecks}`,
    );
  const drift = md?.getOptionalConfig('drift');
  const states = md?.getOptionalConfig('instanceState');
  const maxAge = states?.getOptionalNumber('maxAgeSeconds') ?? 60;
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw new InputError(
      `moduleDeploy.instanceState.maxAgeSeconds must be a whole number of seconds (0: read the cluster in the background on every request), got ${maxAge}`,
    );
  const refresh = states?.getOptionalConfig('refresh');
  return {
    modules,
    defaults: {
      clusters: md?.getOptionalStringArray('defaults.clusters'),
      namespace,
    },
    deniedNamespaces,
    drift: {
      enabled: drift?.getOptionalBoolean('enabled') ?? true,
      schedule: {
        frequency: readDuration(drift, 'frequency', { minutes: 10 }),
        timeout: readDuration(drift, 'timeout', { minutes: 5 }),
        initialDelay: readDuration(drift, 'initialDelay', { minutes: 1 }),
      },
    },
    readinessTimeoutMs: timeout,
    maxConcurrentRenders: renders,
    driftChecksPerMinute: driftChecks,
    registry: readRegistryConfig(md, modules),
    preflight: readPreflightConfig(md),
    instanceState: {
      maxAgeSeconds: maxAge,
      refresh: {
        enabled: refresh?.getOptionalBoolean('enabled') ?? true,
        // as the Health scan's default schedule
        schedule: {
          frequency: readDuration(refresh, 'frequency', { minutes: 5 }),
          timeout: readDuration(refresh, 'timeout', { minutes: 4 }),
          initialDelay: readDuration(refresh, 'initialDelay', { seconds: 30 }),
        },
      },
    },
  };
}

function positiveInteger(
  c: Config | undefined,
  key: string,
  fallback: number,
): number {
  const v = c?.getOptionalNumber(key) ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new InputError(
      `moduleDeploy.${key} must be a positive whole number, got ${v}`,
    );
  return v;
}

/** The registry section: per-host credentials, token realm allow list, byte caps and time limit. */
function readRegistryConfig(
  md: Config | undefined,
  modules: ConfiguredModule[],
): ModuleDeployRegistryConfig {
  let registries: RegistryHostConfig[];
  let tokenRealms: string[];
  try {
    registries = parseRegistryHosts(
      md?.getOptional('registries'),
      'moduleDeploy.registries',
    );
    tokenRealms = parseTokenRealms(
      md?.getOptional('registryTokenRealms'),
      'moduleDeploy.registryTokenRealms',
    );
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const legacy = md?.getOptionalString('registry.credentials');
  if (legacy) {
    if (md?.has('registries'))
      throw new InputError(
        'moduleDeploy.registry.credentials and moduleDeploy.registries are both set: move the credentials into the moduleDeploy.registries entry of the host they belong to ({ host, username, password }) and remove moduleDeploy.registry.credentials',
      );
    const colon = legacy.indexOf(':');
    if (colon <= 0)
      throw new InputError(
        'moduleDeploy.registry.credentials must be user:password; better, use moduleDeploy.registries: [{ host, username, password }]',
      );
    // The legacy key was sent to whichever registry a module came from, and modules come only
    // from the configured OCI repositories: give it to exactly those hosts.
    const hosts = [
      ...new Set(
        modules
          .filter(m => m.oci)
          .map(m => parseOciReference(m.oci as string).host),
      ),
    ];
    registries = hosts.map(host => ({
      host,
      username: legacy.slice(0, colon),
      password: legacy.slice(colon + 1),
    }));
  }
  const reg = md?.getOptionalConfig('registry');
  return {
    registries,
    ...(legacy ? { credentials: legacy } : {}),
    plainHttp: reg?.getOptionalBoolean('plainHttp') ?? false,
    tokenRealms,
    maxManifestBytes: positiveInteger(
      md,
      'registry.maxManifestBytes',
      DEFAULT_MAX_MANIFEST_BYTES,
    ),
    maxBlobBytes: positiveInteger(
      md,
      'registry.maxBlobBytes',
      DEFAULT_MAX_BLOB_BYTES,
    ),
    timeoutMs: positiveInteger(
      md,
      'registry.timeoutMs',
      DEFAULT_REGISTRY_TIMEOUT_MS,
    ),
    cache: pullCache(md),
  };
}

/** `moduleDeploy.registry.cacheBytes`: verified module content kept in memory (0: none). */
function pullCache(md: Config | undefined): DigestCache | false {
  const bytes =
    md?.getOptionalNumber('registry.cacheBytes') ?? DEFAULT_PULL_CACHE_BYTES;
  if (!Number.isInteger(bytes) || bytes < 0)
    throw new InputError(
      `moduleDeploy.registry.cacheBytes must be a whole number of bytes (0 for no cache), got ${bytes}`,
    );
  return bytes === 0 ? false : new DigestCache(bytes);
}
