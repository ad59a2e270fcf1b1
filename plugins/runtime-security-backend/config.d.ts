import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Periscope runtime security (Tetragon findings). All keys are optional. */
  runtimeSecurity?: {
    /** How long findings' events are kept (ISO 8601 duration or object). Default P30D. */
    retention?: string | HumanDuration;
    /** Networks inside the cluster for egress-outside-cluster (CIDRs). Default: the private ranges. */
    clusterCidrs?: string[];
    /** Built-in rule ids to switch off. */
    disabledRules?: string[];
    /** Custom detection rules (see the runtime-security-common README). */
    customRules?: unknown;
    /** Longest accepted event line in bytes. Default 262144. */
    maxLineBytes?: number;
    sources?: {
      /**
       * Follows the export container of the Tetragon pods of every cluster of the
       * standard `kubernetes` section. On by default when clusters are configured.
       */
      kubernetes?: {
        /** Default true. */
        enabled?: boolean;
        /** Default app.kubernetes.io/name=tetragon. */
        labelSelector?: string;
        /** Default export-stdout. */
        container?: string;
        /** Only this namespace (default: all namespaces). */
        namespace?: string;
        /** Only these cluster names (default: all configured clusters). */
        clusters?: string[];
        /** How long one scheduled run follows before handing over. Default PT5M. */
        followWindow?: string | HumanDuration;
        /** How often the Tetragon pods are listed again. Default PT30S. */
        rescanInterval?: string | HumanDuration;
        /** Lines are stored at least this often. Default PT1S. */
        flushInterval?: string | HumanDuration;
      };
      /** Tetragon export files on this backend's disk (rotation and truncation handled). */
      files?: Array<{
        /** Absolute path, e.g. /var/run/cilium/tetragon/tetragon.log. */
        path: string;
        /** Source name shown in ingest health (default: the path). */
        name?: string;
        /** Cluster name to record on the events. */
        cluster?: string;
        /** Default PT2S. */
        pollInterval?: string | HumanDuration;
      }>;
    };
    /**
     * This replica's name in the ids of its file sources (checkpoints, ingest health): default
     * the host name. Set it to something stable (e.g. the StatefulSet pod name) when host names change.
     */
    replicaName?: string;
    /**
     * Backstage notifications to the owner of an entity for each new critical finding of its
     * workloads, and for a TracingPolicy that starts killing (Sigkill) or overriding (Override)
     * there. An entity mutes itself with the annotation `periscope.dev/security-notifications: off`.
     */
    notifications?: {
      /** Default true. False sends none (e.g. a backend without the notifications plugin). */
      enabled?: boolean;
      /** Entity refs that never notify, e.g. component:default/checkout (kind defaults to component). */
      mutedEntities?: string[];
    };
    /**
     * Proposing a monitoring TracingPolicy for enforcement from the Security page: a policy
     * deployed by `module` whose matches in the last `windowDays` days are all acknowledged or
     * marked false positive, from workloads of catalog entities.
     */
    enforcement?: {
      /** Days of matches judged. Default 14. */
      windowDays?: number;
      /** The module-deploy module that deploys TracingPolicies. Default tracing-policy. */
      module?: string;
    };
    /** POST /ingest (NDJSON batches from Fluent Bit / Vector). */
    ingest?: {
      /**
       * Static token accepted in the X-Periscope-Ingest-Token header (at least 16 characters).
       * Without it, only Backstage service principals may post.
       * @visibility secret
       */
      token?: string;
      /**
       * Static tokens limited to clusters: a batch posted with one is stored under `?cluster=`
       * (which must be one of `clusters`; the only one when omitted), never the agent's own claim.
       */
      tokens?: Array<{
        /** Shown in errors and logs. */
        name?: string;
        /** @visibility secret */
        token: string;
        clusters: string[];
      }>;
      /**
       * Backstage service principals (external access tokens, other backends) that may post: each
       * needs the runtime-security.events.ingest permission; a subject listed here writes only its
       * clusters.
       */
      services?: Array<{ subject: string; clusters: string[] }>;
      /** Largest batch in bytes (413 above). Default 5242880. */
      maxBodyBytes?: number;
      /** Lines allowed to wait for storage before batches get 429. Default 50000. */
      maxQueuedLines?: number;
      /** Retry-After seconds sent with 429. Default 2. */
      retryAfterSeconds?: number;
    };
  };
}
