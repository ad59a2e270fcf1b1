import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Periscope Health (k8s-diagnostics backend). Clusters come from the standard `kubernetes` section. */
  k8sDiagnostics?: {
    /**
     * How often every cluster is scanned in the background (one replica at a time).
     * Default: every 5 minutes, 4 minute timeout, 30 s initial delay.
     */
    schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /** Analyzer names to run (see the common package README). Default: k8sgpt's core set plus HorizontalPodAutoscaler, PodDisruptionBudget and Storage. */
    analyzers?: string[];
    /**
     * Seconds a stored entity scan counts as fresh. An older one is still served at once (marked
     * `stale`) while the entity is scanned again in the background. Default: the schedule's
     * frequency plus 60 s (360 with the default schedule or a cron schedule).
     */
    cacheTtlSeconds?: number;
    /** Rescans one user may start per entity and minute, across replicas (429 above). Default 6; 0 turns it off. */
    rescansPerMinute?: number;
    /** Per-cluster limit of one scan in milliseconds. Default 60000. */
    scanTimeoutMs?: number;
    /**
     * k8sgpt-operator `Result` objects (core.k8sgpt.ai/v1alpha1) as a second source of findings.
     * A cluster without the CRD is simply skipped.
     */
    operatorResults?: {
      /** Read them at all. Default true. */
      enabled?: boolean;
      /** Read them only from these clusters (names from the kubernetes config). Default: every cluster. */
      clusters?: string[];
    };
    /**
     * An OpenAI-compatible LLM for explanations (OpenAI, Azure OpenAI, Ollama, vLLM, LocalAI).
     * Without it, explanations come from the built-in remediation catalog.
     */
    ai?: {
      /** Base URL of the OpenAI-compatible API, e.g. `http://localhost:11434/v1` (Ollama). Default: OpenAI. */
      baseUrl?: string;
      /** Chat model, e.g. `gpt-4o-mini` or `llama3.1`. With `azure`, defaults to the deployment. */
      model?: string;
      /**
       * API key (not needed by most local servers).
       * @visibility secret
       */
      apiKey?: string;
      /** Azure OpenAI instead of `baseUrl`. */
      azure?: {
        /** e.g. `https://my-resource.openai.azure.com` */
        endpoint: string;
        deployment: string;
        /** Default `2024-10-21`. */
        apiVersion?: string;
      };
      /** Per request, and the longest pause while streaming, in ms. Default 60000. */
      timeoutMs?: number;
      /** Retries on 429/5xx/connection errors (the SDK backs off). Default 2. */
      maxRetries?: number;
      /**
       * Tokens all explanations may use per UTC day (all replicas together). Before each call its
       * worst case (estimated input + `maxOutputTokens`) is reserved atomically in the database and
       * settled to the real usage after it; a call that does not fit answers 429. At least
       * `maxOutputTokens`. Default (or 0): unlimited.
       */
      dailyTokenBudget?: number;
      /** Language of the answers. Default `English`. */
      language?: string;
      /** `max_tokens` of every chat request, a whole number from 64 to 128000. Default 800. */
      maxOutputTokens?: number;
      /**
       * Most bytes of (masked) cluster data per request, from 1024 to 1048576: failure texts and
       * events beyond it are left out, and the prompt says so. Default 16384.
       */
      maxInputBytes?: number;
      /** Most bytes of one failure text, log line or event message, from 128 to 65536 (and at most `maxInputBytes`). Default 2048. */
      maxItemBytes?: number;
      /**
       * LLM calls one user (or service) may start per UTC minute, counted in the database across
       * replicas; then explain answers 429. Cached answers do not count. 0: no limit. Default 10.
       */
      perUserPerMinute?: number;
      /**
       * Read, when a finding is explained, the Secrets its pod or pod template references
       * (`env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`, secret and projected volumes) in the
       * finding's cluster, with that cluster's credentials, and mask their values (4+ characters,
       * each line and `key=value` value of a multi-line one, and the base64 form) as exact strings
       * before anything leaves for the LLM. The values are never stored, logged or returned. Needs
       * `get` on `secrets` (the `view` ClusterRole does not grant it); a Secret that cannot be read
       * gives the answer a warning that names it. Default false.
       */
      maskReferencedSecrets?: boolean;
      /**
       * Last log lines of the failing container that an explanation sends, masked, with the rest
       * of the finding's evidence (image, command, resources, probes, states, warning events,
       * owner chain, missing references), from 0 (no log lines) to 200. Default 20.
       */
      evidenceLogLines?: number;
    };
  };
}
