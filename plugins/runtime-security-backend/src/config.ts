import { hostname } from 'node:os';
import { RootConfigService } from '@backstage/backend-plugin-api';
import {
  Config,
  ConfigReader,
  readDurationFromConfig,
} from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';
import {
  compileCustomRules,
  createDetectionEngine,
  CustomRuleError,
  CustomRuleSpec,
  validateCustomRules,
} from '@periscope/backstage-plugin-runtime-security-common';
import { ClusterDetails } from '@periscope/kube-access';

/** Detection settings shared by every source. */
export interface AnalyzerSettings {
  clusterCidrs?: string[];
  disabledRules?: string[];
  customRules: CustomRuleSpec[];
  maxLineBytes?: number;
}

/** `runtimeSecurity.sources.kubernetes`. */
export interface KubernetesSourceSettings {
  enabled: boolean;
  labelSelector: string;
  container: string;
  namespace?: string;
  /** The clusters to follow by name (`sources.kubernetes.clusters`); all server-side clusters when absent. */
  clusterNames?: string[];
  /** How long one scheduled run follows the logs before it hands over (checkpoint saved). */
  followWindowMs: number;
  /** How often a run lists the Tetragon pods again. */
  rescanMs: number;
  /** Lines are stored at least this often while following. */
  flushMs: number;
}

/** One entry of `runtimeSecurity.sources.files`. */
export interface FileSourceSettings {
  id: string;
  path: string;
  cluster?: string;
  pollMs: number;
}

/** `runtimeSecurity.ingest`. */
export interface HttpIngestSettings {
  /** `ingest.token`: a static token that may write events of any cluster. */
  token?: string;
  /** `ingest.tokens`: static tokens, each limited to its clusters. */
  tokens: Array<{ name: string; token: string; clusters: string[] }>;
  /** `ingest.services`: Backstage service principals (by subject) limited to clusters. */
  services: Array<{ subject: string; clusters: string[] }>;
  maxBodyBytes: number;
  maxQueuedLines: number;
  retryAfterSeconds: number;
}

/** `runtimeSecurity.enforcement`: proposing monitoring policies for enforcement. */
export interface EnforcementSettings {
  /** Matches of this many days back are judged (default 14). */
  windowDays: number;
  /** The module-deploy module that deploys TracingPolicies (default `tracing-policy`). */
  module: string;
}

/** `runtimeSecurity.notifications`. */
export interface NotificationSettings {
  /** Default true; false sends none. */
  enabled: boolean;
  /** Entity refs (normalized, e.g. `component:default/checkout`) that never notify. */
  mutedEntities: string[];
}

/** The plugin's settings, validated once at start-up. */
export interface RuntimeSecurityConfig {
  retentionMs: number;
  analyzer: AnalyzerSettings;
  kubernetes: KubernetesSourceSettings;
  files: FileSourceSettings[];
  ingest: HttpIngestSettings;
  notifications: NotificationSettings;
  enforcement: EnforcementSettings;
  /** The `kubernetes` section has cluster locators (clusters themselves come from `periscopeClustersServiceRef`). */
  clustersConfigured: boolean;
}

function durationMs(
  config: Config,
  key: string,
  fallbackMs: number,
  prefix = '',
): number {
  if (!config.has(key)) return fallbackMs;
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (e) {
    throw new InputError(
      `runtimeSecurity.${prefix}${key} is not a duration (${
        (e as Error).message
      }): use an ISO 8601 duration such as P30D or PT10M, or an object such as { days: 30 }`,
    );
  }
  if (!(ms > 0))
    throw new InputError(
      `runtimeSecurity.${prefix}${key} must be longer than zero`,
    );
  return ms;
}

function positiveInt(config: Config, key: string, fallback: number): number {
  const v = config.getOptionalNumber(key);
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v <= 0) {
    throw new InputError(
      `runtimeSecurity.${key} is ${v}: it must be a positive whole number`,
    );
  }
  return v;
}

function readAnalyzer(rs: Config): AnalyzerSettings {
  let customRules: CustomRuleSpec[];
  try {
    customRules = validateCustomRules(
      rs.has('customRules') ? rs.get('customRules') : undefined,
    );
  } catch (e) {
    if (e instanceof CustomRuleError)
      throw new InputError(`runtimeSecurity.customRules: ${e.message}`);
    throw e;
  }
  const settings: AnalyzerSettings = {
    clusterCidrs: rs.getOptionalStringArray('clusterCidrs'),
    disabledRules: rs.getOptionalStringArray('disabledRules'),
    customRules,
    maxLineBytes: rs.has('maxLineBytes')
      ? positiveInt(rs, 'maxLineBytes', 262144)
      : undefined,
  };
  try {
    createDetectionEngine({
      clusterCidrs: settings.clusterCidrs,
      disabledRules: settings.disabledRules,
      extraRules: compileCustomRules(customRules),
    });
  } catch (e) {
    throw new InputError(
      `runtimeSecurity (clusterCidrs / disabledRules / customRules) is invalid: ${
        (e as Error).message
      }`,
    );
  }
  return settings;
}

/**
 * The clusters the Kubernetes source follows now: the named ones (an unknown name is reported),
 * never clusters with client-side auth (no user is present in a scheduled task).
 */
export function selectFollowedClusters(
  settings: KubernetesSourceSettings,
  clusters: ClusterDetails[],
): { clusters: ClusterDetails[]; problems: string[] } {
  const problems: string[] = [];
  const names = settings.clusterNames;
  let selected = clusters;
  if (names) {
    const unknown = names.filter(n => !clusters.some(c => c.name === n));
    if (unknown.length) {
      problems.push(
        `runtimeSecurity.sources.kubernetes.clusters names ${unknown
          .map(n => `'${n}'`)
          .join(', ')}, which ${
          unknown.length > 1 ? 'are' : 'is'
        } not among the clusters of kubernetes.clusterLocatorMethods; clusters now: ${
          clusters.map(c => c.name).join(', ') || 'none'
        }`,
      );
    }
    selected = clusters.filter(c => names.includes(c.name));
  }
  const clientSide = selected.filter(c => c.clientSide);
  if (clientSide.length) {
    problems.push(
      `clusters ${clientSide
        .map(c => `'${c.name}'`)
        .join(
          ', ',
        )} use the signed-in user's token (client-side auth), so Tetragon logs cannot be followed there in the background: give them a server-side authProvider or send their events to POST /ingest`,
    );
  }
  return { clusters: selected.filter(c => !c.clientSide), problems };
}

function readKubernetes(
  rs: Config,
  clustersConfigured: boolean,
  configClusterNames?: string[],
): KubernetesSourceSettings {
  const k = rs.getOptionalConfig('sources.kubernetes');
  const names = k?.getOptionalStringArray('clusters');
  // with config clusters only, the names are known now: a typo fails at start-up
  const unknown =
    configClusterNames && names
      ? names.filter(n => !configClusterNames.includes(n))
      : [];
  if (unknown.length) {
    throw new InputError(
      `runtimeSecurity.sources.kubernetes.clusters names ${unknown
        .map(n => `'${n}'`)
        .join(', ')}, which ${
        unknown.length > 1 ? 'are' : 'is'
      } not in kubernetes.clusterLocatorMethods; configured clusters: ${
        configClusterNames!.join(', ') || 'none'
      }`,
    );
  }
  const labelSelector =
    k?.getOptionalString('labelSelector') ?? 'app.kubernetes.io/name=tetragon';
  if (!labelSelector.trim()) {
    throw new InputError(
      'runtimeSecurity.sources.kubernetes.labelSelector is empty: give the label selector of the Tetragon pods, e.g. app.kubernetes.io/name=tetragon',
    );
  }
  const settings: KubernetesSourceSettings = {
    enabled:
      (k?.getOptionalBoolean('enabled') ?? true) &&
      clustersConfigured &&
      (names === undefined || names.length > 0),
    labelSelector,
    container: k?.getOptionalString('container') ?? 'export-stdout',
    namespace: k?.getOptionalString('namespace'),
    ...(names ? { clusterNames: names } : {}),
    followWindowMs: k
      ? durationMs(k, 'followWindow', 5 * 60_000, 'sources.kubernetes.')
      : 5 * 60_000,
    rescanMs: k
      ? durationMs(k, 'rescanInterval', 30_000, 'sources.kubernetes.')
      : 30_000,
    flushMs: k
      ? durationMs(k, 'flushInterval', 1000, 'sources.kubernetes.')
      : 1000,
  };
  return settings;
}

/**
 * Export files are on each replica's own disk: a file source's id (its checkpoint and health row)
 * names the replica (`runtimeSecurity.replicaName`, default the host name), so two replicas reading
 * their own copy of the same path never overwrite each other's checkpoint.
 */
function readFiles(rs: Config): FileSourceSettings[] {
  const files = rs.getOptionalConfigArray('sources.files') ?? [];
  const replica = rs.getOptionalString('replicaName') ?? hostname();
  if (!/^[a-zA-Z0-9._-]+$/.test(replica)) {
    throw new InputError(
      `runtimeSecurity.replicaName is '${replica}': use letters, digits, '.', '_' or '-' (e.g. the pod name)`,
    );
  }
  const ids = new Set<string>();
  return files.map((f, i) => {
    const path = f.getOptionalString('path');
    if (!path || !path.startsWith('/')) {
      throw new InputError(
        `runtimeSecurity.sources.files[${i}].path is ${
          path ? `'${path}', which is not absolute` : 'missing'
        }: give the absolute path of a Tetragon JSON export file, e.g. /var/run/cilium/tetragon/tetragon.log`,
      );
    }
    const id = `file:${replica}:${f.getOptionalString('name') ?? path}`;
    if (ids.has(id))
      throw new InputError(
        `runtimeSecurity.sources.files[${i}]: '${id}' is configured twice; give each file a unique path or name`,
      );
    ids.add(id);
    return {
      id,
      path,
      cluster: f.getOptionalString('cluster'),
      pollMs: durationMs(f, 'pollInterval', 2000, `sources.files[${i}].`),
    };
  });
}

function readIngest(rs: Config): HttpIngestSettings {
  const token = rs.getOptionalString('ingest.token');
  if (token !== undefined && token.length < 16) {
    throw new InputError(
      'runtimeSecurity.ingest.token is shorter than 16 characters: use a long random secret (e.g. openssl rand -hex 32)',
    );
  }
  const names = new Set<string>();
  const tokens = (rs.getOptionalConfigArray('ingest.tokens') ?? []).map(
    (t, i) => {
      const key = `runtimeSecurity.ingest.tokens[${i}]`;
      const name = t.getOptionalString('name') ?? `tokens[${i}]`;
      const value = t.getOptionalString('token');
      if (!value || value.length < 16) {
        throw new InputError(
          `${key}.token is ${
            value ? 'shorter than 16 characters' : 'missing'
          }: use a long random secret (e.g. openssl rand -hex 32)`,
        );
      }
      const clusters = t.getOptionalStringArray('clusters') ?? [];
      if (!clusters.length) {
        throw new InputError(
          `${key}.clusters is empty: list the clusters this token may write events for (the cluster names of the kubernetes config)`,
        );
      }
      if (names.has(name))
        throw new InputError(
          `${key}.name '${name}' is used twice: give each token a unique name`,
        );
      names.add(name);
      if (value === token)
        throw new InputError(
          `${key}.token equals runtimeSecurity.ingest.token, which may write every cluster: use distinct secrets`,
        );
      return { name, token: value, clusters };
    },
  );
  const services = (rs.getOptionalConfigArray('ingest.services') ?? []).map(
    (s, i) => {
      const key = `runtimeSecurity.ingest.services[${i}]`;
      const subject = s.getOptionalString('subject');
      if (!subject)
        throw new InputError(
          `${key}.subject is missing: give the service principal's subject, e.g. external:fluent-bit (backend.auth.externalAccess)`,
        );
      const clusters = s.getOptionalStringArray('clusters') ?? [];
      if (!clusters.length)
        throw new InputError(
          `${key}.clusters is empty: list the clusters ${subject} may write events for`,
        );
      return { subject, clusters };
    },
  );
  return {
    token,
    tokens,
    services,
    maxBodyBytes: positiveInt(rs, 'ingest.maxBodyBytes', 5 * 1024 * 1024),
    maxQueuedLines: positiveInt(rs, 'ingest.maxQueuedLines', 50_000),
    retryAfterSeconds: positiveInt(rs, 'ingest.retryAfterSeconds', 2),
  };
}

function readNotifications(rs: Config): NotificationSettings {
  const mutedEntities = (
    rs.getOptionalStringArray('notifications.mutedEntities') ?? []
  ).map((ref, i) => {
    try {
      return stringifyEntityRef(
        parseEntityRef(ref, {
          defaultKind: 'component',
          defaultNamespace: 'default',
        }),
      );
    } catch (e) {
      throw new InputError(
        `runtimeSecurity.notifications.mutedEntities[${i}] is '${ref}', which is not an entity reference (${
          (e as Error).message
        }): use e.g. component:default/checkout`,
      );
    }
  });
  return {
    enabled: rs.getOptionalBoolean('notifications.enabled') ?? true,
    mutedEntities,
  };
}

/**
 * Reads and validates `runtimeSecurity` (and the clusters of the standard
 * `kubernetes` section). Throws an `InputError` naming the key and the fix.
 */
function readEnforcement(rs: Config): EnforcementSettings {
  const windowDays = rs.getOptionalNumber('enforcement.windowDays') ?? 14;
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 365) {
    throw new Error(
      `runtimeSecurity.enforcement.windowDays is ${windowDays}: use a whole number of days from 1 to 365 (default 14), no more than runtimeSecurity.retention keeps`,
    );
  }
  const module =
    rs.getOptionalString('enforcement.module')?.trim() || 'tracing-policy';
  return { windowDays, module };
}

export function readRuntimeSecurityConfig(
  config: RootConfigService,
): RuntimeSecurityConfig {
  const section: Config =
    config.getOptionalConfig('runtimeSecurity') ?? new ConfigReader({});
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  // `- type: config` with no clusters (the stock app-config) configures none
  const clustersConfigured = methods.some(
    m =>
      m.getOptionalString('type') !== 'config' ||
      (m.getOptionalConfigArray('clusters') ?? []).length > 0,
  );
  const configOnly = methods.every(
    m => m.getOptionalString('type') === 'config',
  );
  const configClusterNames = configOnly
    ? methods.flatMap(m =>
        (m.getOptionalConfigArray('clusters') ?? []).map(
          c => c.getOptionalString('name') ?? '',
        ),
      )
    : undefined;
  return {
    retentionMs: durationMs(section, 'retention', 30 * 24 * 3600_000),
    analyzer: readAnalyzer(section),
    kubernetes: readKubernetes(section, clustersConfigured, configClusterNames),
    files: readFiles(section),
    ingest: readIngest(section),
    notifications: readNotifications(section),
    enforcement: readEnforcement(section),
    clustersConfigured,
  };
}
