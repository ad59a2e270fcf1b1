import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  RootConfigService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { resolveAnalyzers } from '@periscope/backstage-plugin-k8s-diagnostics-common';

/** The analyzers the backend runs unless `k8sDiagnostics.analyzers` says otherwise. */
export const DEFAULT_ANALYZERS = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'PersistentVolumeClaim',
  'Service',
  'Ingress',
  'StatefulSet',
  'CronJob',
  'Job',
  'Node',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ConfigMap',
  'DaemonSet',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Storage',
  // Periscope's reference checks (k8sgpt has none of these)
  'References',
  'Scheduling',
  'AutoscalerRequests',
  'JobFailures',
  'ReplicaFailures',
  'Probes',
  'ContainerStates',
];

/** Where the LLM is; absent when no `k8sDiagnostics.ai` is configured. */
export interface AiConfig {
  /** `openai` (any OpenAI-compatible server: OpenAI, Ollama, vLLM, LocalAI) or `azure`. */
  provider: 'openai' | 'azure';
  baseUrl?: string;
  model: string;
  apiKey?: string;
  azure?: { endpoint: string; deployment: string; apiVersion: string };
  timeoutMs: number;
  maxRetries: number;
  dailyTokenBudget?: number;
  language: string;
  /** `max_tokens` of every chat request; the budget reserves it before each call. */
  maxOutputTokens: number;
  /** Most bytes of (masked) cluster data one request carries; the rest is left out and the prompt says so. */
  maxInputBytes: number;
  /** Most bytes of one failure text, event message or log line. */
  maxItemBytes: number;
  /** LLM calls one user (or service) may start per UTC minute; 0: no limit. Cached answers do not count. */
  perUserPerMinute: number;
  /**
   * Read, at explain time, the Secrets the finding's pod (template) references and mask their
   * values as exact strings (`k8sDiagnostics.ai.maskReferencedSecrets`, default off).
   */
  maskReferencedSecrets?: boolean;
  /**
   * Last log lines of the failing container an explanation sends with the rest of the evidence
   * (`k8sDiagnostics.ai.evidenceLogLines`, 0: none). Default 20.
   */
  evidenceLogLines?: number;
}

/** Defaults of the request limits (`k8sDiagnostics.ai.*`). */
export const AI_LIMIT_DEFAULTS = {
  maxOutputTokens: 800,
  maxInputBytes: 16_384,
  maxItemBytes: 2_048,
  perUserPerMinute: 10,
} as const;

/** Default of `k8sDiagnostics.ai.evidenceLogLines`. */
export const EVIDENCE_LOG_LINES = 20;

/** Whether k8sgpt-operator Result objects are read as a second source, and in which clusters. */
export interface OperatorResultsConfig {
  enabled: boolean;
  /** Only these clusters (names from the kubernetes config); all when absent. */
  clusters?: string[];
}

/** The plugin's settings, validated once at start-up. */
export interface DiagnosticsConfig {
  schedule: SchedulerServiceTaskScheduleDefinition;
  analyzers: string[];
  /**
   * Age after which a stored entity scan is stale: GET /entity still serves it at once and scans
   * again in the background. Default: the schedule's frequency plus a minute for the scan itself.
   */
  cacheTtlSeconds: number;
  /** Rescans one user may start per entity and minute (`k8sDiagnostics.rescansPerMinute`, 0 = no limit). */
  rescansPerMinute: number;
  /** Per-cluster limit of one scan. */
  scanTimeoutMs: number;
  ai?: AiConfig;
  operatorResults: OperatorResultsConfig;
}

function readAi(config: RootConfigService): AiConfig | undefined {
  const ai = config.getOptionalConfig('k8sDiagnostics.ai');
  if (!ai) return undefined;
  const azureCfg = ai.getOptionalConfig('azure');
  const azure = azureCfg
    ? {
        endpoint: azureCfg.getString('endpoint'),
        deployment: azureCfg.getString('deployment'),
        apiVersion: azureCfg.getOptionalString('apiVersion') ?? '2024-10-21',
      }
    : undefined;
  const baseUrl = ai.getOptionalString('baseUrl');
  if (!azure && !baseUrl && !ai.getOptionalString('apiKey')) {
    throw new InputError(
      'k8sDiagnostics.ai is set but has neither baseUrl, apiKey nor azure: set baseUrl (e.g. http://localhost:11434/v1 for Ollama), apiKey (OpenAI) or azure.endpoint/deployment, or remove k8sDiagnostics.ai to use the built-in remediation catalog',
    );
  }
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) {
    throw new InputError(
      `k8sDiagnostics.ai.baseUrl is '${baseUrl}', which is not an http(s) URL: use e.g. https://api.openai.com/v1`,
    );
  }
  const model = ai.getOptionalString('model') ?? azure?.deployment;
  if (!model) {
    throw new InputError(
      'k8sDiagnostics.ai.model is missing: name the chat model, e.g. gpt-4o-mini or llama3.1',
    );
  }
  const number = (key: string): number | undefined => {
    try {
      return ai.getOptionalNumber(key);
    } catch {
      throw new InputError(
        `k8sDiagnostics.ai.${key} is ${JSON.stringify(
          ai.getOptional(key),
        )}: it must be a number`,
      );
    }
  };
  const positive = (key: string, fallback: number | undefined) => {
    const v = number(key) ?? fallback;
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) {
      throw new InputError(
        `k8sDiagnostics.ai.${key} is ${v}: it must be a number >= 0`,
      );
    }
    return v;
  };
  const flag = (key: string): boolean => {
    try {
      return ai.getOptionalBoolean(key) ?? false;
    } catch {
      throw new InputError(
        `k8sDiagnostics.ai.${key} is ${JSON.stringify(
          ai.getOptional(key),
        )}: it must be true or false`,
      );
    }
  };
  /** A whole number in [min, max], or the default. */
  const integer = (
    key: keyof typeof AI_LIMIT_DEFAULTS,
    min: number,
    max: number,
    why: string,
  ) => {
    const v = number(key) ?? AI_LIMIT_DEFAULTS[key];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new InputError(
        `k8sDiagnostics.ai.${key} is ${v}: it must be a whole number from ${min} to ${max} (${why}); default ${AI_LIMIT_DEFAULTS[key]}`,
      );
    }
    return v;
  };
  const maxOutputTokens = integer(
    'maxOutputTokens',
    64,
    128_000,
    'the max_tokens of every request; a JSON answer needs at least 64',
  );
  const maxInputBytes = integer(
    'maxInputBytes',
    1_024,
    1_048_576,
    'bytes of cluster data per request',
  );
  const maxItemBytes = integer(
    'maxItemBytes',
    128,
    65_536,
    'bytes of one failure text, event or log line',
  );
  if (maxItemBytes > maxInputBytes) {
    throw new InputError(
      `k8sDiagnostics.ai.maxItemBytes is ${maxItemBytes}, more than k8sDiagnostics.ai.maxInputBytes (${maxInputBytes}): one text cannot be longer than the whole input`,
    );
  }
  const perUserPerMinute = integer(
    'perUserPerMinute',
    0,
    10_000,
    'LLM calls per user and minute, 0 for no limit',
  );
  const evidenceLogLines = number('evidenceLogLines') ?? EVIDENCE_LOG_LINES;
  if (
    !Number.isInteger(evidenceLogLines) ||
    evidenceLogLines < 0 ||
    evidenceLogLines > 200
  ) {
    throw new InputError(
      `k8sDiagnostics.ai.evidenceLogLines is ${evidenceLogLines}: it must be a whole number from 0 to 200 (last log lines of the failing container sent with an explanation, 0 for none); default ${EVIDENCE_LOG_LINES}`,
    );
  }
  const dailyTokenBudget = positive('dailyTokenBudget', undefined);
  if (dailyTokenBudget && dailyTokenBudget < maxOutputTokens) {
    throw new InputError(
      `k8sDiagnostics.ai.dailyTokenBudget is ${dailyTokenBudget}, less than one answer may use (k8sDiagnostics.ai.maxOutputTokens ${maxOutputTokens}): no explanation could ever start; raise the budget or lower maxOutputTokens`,
    );
  }
  return {
    provider: azure ? 'azure' : 'openai',
    baseUrl,
    model,
    apiKey: ai.getOptionalString('apiKey'),
    azure,
    timeoutMs: positive('timeoutMs', 60_000)!,
    maxRetries: positive('maxRetries', 2)!,
    dailyTokenBudget,
    language: ai.getOptionalString('language') ?? 'English',
    maxOutputTokens,
    maxInputBytes,
    maxItemBytes,
    perUserPerMinute,
    evidenceLogLines,
    maskReferencedSecrets: flag('maskReferencedSecrets'),
  };
}

/**
 * Reads `k8sDiagnostics.*`; throws an `InputError` naming the key for a bad value.
 */
export function readDiagnosticsConfig(
  config: RootConfigService,
): DiagnosticsConfig {
  const scheduleCfg = config.getOptionalConfig('k8sDiagnostics.schedule');
  const schedule: SchedulerServiceTaskScheduleDefinition = scheduleCfg
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleCfg)
    : {
        frequency: { minutes: 5 },
        timeout: { minutes: 4 },
        initialDelay: { seconds: 30 },
        scope: 'global',
      };
  const analyzers =
    config.getOptionalStringArray('k8sDiagnostics.analyzers') ??
    DEFAULT_ANALYZERS;
  try {
    resolveAnalyzers(analyzers);
  } catch (e) {
    throw new InputError(`k8sDiagnostics.analyzers: ${(e as Error).message}`);
  }
  return {
    schedule: { ...schedule, scope: 'global' },
    analyzers,
    cacheTtlSeconds: freshnessSeconds(config, schedule),
    rescansPerMinute: nonNegativeInt(
      config,
      'k8sDiagnostics.rescansPerMinute',
      6,
    ),
    scanTimeoutMs:
      config.getOptionalNumber('k8sDiagnostics.scanTimeoutMs') ?? 60_000,
    ai: readAi(config),
    operatorResults: {
      enabled:
        config.getOptionalBoolean('k8sDiagnostics.operatorResults.enabled') ??
        true,
      clusters: config.getOptionalStringArray(
        'k8sDiagnostics.operatorResults.clusters',
      ),
    },
  };
}

const DURATION_SECONDS: Record<string, number> = {
  years: 365 * 86_400,
  months: 30 * 86_400,
  weeks: 7 * 86_400,
  days: 86_400,
  hours: 3_600,
  minutes: 60,
  seconds: 1,
  milliseconds: 0.001,
};
/** Slack for the scheduled scan's own run time: a result is not stale just before the next one lands. */
const SCAN_SLACK_SECONDS = 60;
/** Freshness window when the schedule is a cron expression or an ISO duration. */
const DEFAULT_FRESHNESS_SECONDS = 5 * 60 + SCAN_SLACK_SECONDS;

/** Seconds of a schedule's frequency given as a duration object; undefined for cron, ISO strings or manual triggers. */
function frequencySeconds(
  schedule: SchedulerServiceTaskScheduleDefinition,
): number | undefined {
  const f = schedule.frequency as unknown;
  if (!f || typeof f !== 'object' || 'cron' in f || 'trigger' in f)
    return undefined;
  let total = 0;
  for (const [unit, value] of Object.entries(f as Record<string, unknown>)) {
    if (typeof value !== 'number' || !(unit in DURATION_SECONDS))
      return undefined;
    total += value * DURATION_SECONDS[unit];
  }
  return total > 0 ? total : undefined;
}

/**
 * `k8sDiagnostics.cacheTtlSeconds`: how long a stored entity scan counts as fresh. Default: the
 * schedule's frequency plus a minute, so a result of the last scheduled scan is fresh until the
 * next one has had time to land.
 */
function freshnessSeconds(
  config: RootConfigService,
  schedule: SchedulerServiceTaskScheduleDefinition,
): number {
  const key = 'k8sDiagnostics.cacheTtlSeconds';
  let v: number | undefined;
  try {
    v = config.getOptionalNumber(key);
  } catch {
    throw new InputError(
      `${key} is ${JSON.stringify(
        config.getOptional(key),
      )}: it must be a number of seconds`,
    );
  }
  if (v === undefined) {
    const f = frequencySeconds(schedule);
    return f === undefined
      ? DEFAULT_FRESHNESS_SECONDS
      : Math.ceil(f) + SCAN_SLACK_SECONDS;
  }
  if (!Number.isFinite(v) || v <= 0) {
    throw new InputError(
      `${key} is ${v}: it must be a number of seconds above 0 (how long a stored scan counts as fresh); leave it out to follow k8sDiagnostics.schedule`,
    );
  }
  return v;
}

/**
 * Whether Result objects are read from this cluster; throws an `InputError` at start-up when
 * `k8sDiagnostics.operatorResults.clusters` names a cluster the kubernetes config does not have.
 */
function nonNegativeInt(
  config: RootConfigService,
  key: string,
  fallback: number,
): number {
  const v = config.getOptionalNumber(key);
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 0)
    throw new InputError(
      `${key} must be a whole number of at least 0 (0 turns the limit off), got ${v}`,
    );
  return v;
}

export function operatorResultsFor(
  settings: OperatorResultsConfig,
  clusterNames: string[],
): (cluster: string) => boolean {
  const unknown = (settings.clusters ?? []).filter(
    c => !clusterNames.includes(c),
  );
  if (unknown.length > 0) {
    throw new InputError(
      `k8sDiagnostics.operatorResults.clusters names ${unknown
        .map(c => `'${c}'`)
        .join(', ')}, which the kubernetes config does not have: use one of ${
        clusterNames.map(c => `'${c}'`).join(', ') || '(no clusters configured)'
      }`,
    );
  }
  return cluster =>
    settings.enabled &&
    (!settings.clusters || settings.clusters.includes(cluster));
}
