import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Periscope module deploys (the Deploy tab, the scaffolder actions). */
  moduleDeploy?: {
    /**
     * Modules the portal may deploy. Entities name them in `periscope.dev/module`, templates in
     * the `module` input. Exactly one of `path` or `oci` per module.
     */
    modules?: Array<{
      /** Lowercase DNS-style name, unique. */
      name: string;
      /** @visibility frontend */
      title?: string;
      /** @visibility frontend */
      description?: string;
      /** Local module directory, relative to the backend's working directory. */
      path?: string;
      /** `oci://host/repository` without tag; versions are the repository's tags. */
      oci?: string;
    }>;
    /** Defaults for entities without `periscope.dev/clusters` / `backstage.io/kubernetes-namespace`. */
    defaults?: {
      /** Cluster names in rollout order (default: every configured cluster). */
      clusters?: string[];
      /** Namespace (default `default`). */
      namespace?: string;
    };
    /**
     * Namespaces no deploy may target (entity, scaffolder or CLI through the backend), `*` matching
     * any run of characters. Default `['kube-*', 'default']`; `[]` allows every namespace.
     */
    deniedNamespaces?: string[];
    /** Readiness timeout per apply set and cluster in milliseconds (default 300000). */
    readinessTimeoutMs?: number;
    /** cue processes (renders, schema reads) running at once in one backend; more wait (default 4). */
    maxConcurrentRenders?: number;
    /**
     * Drift checks ("Check drift now", POST /entity/drift) one user may start per entity and
     * minute, across replicas (default 6; 0: no limit). The scheduled check is not limited.
     */
    driftChecksPerMinute?: number;
    /**
     * Warnings before a deploy: the preview (and `periscope module diff`) runs the reference
     * checks over the rendered objects and the live objects of the target namespace, read with
     * the caller's cluster credentials, and lists what the change would break.
     */
    preflight?: {
      /** Default true; false skips the checks and their reads of the cluster. */
      enabled?: boolean;
      /**
       * Checks whose warnings refuse a deploy (409, nothing applied): any of `References`
       * (missing ConfigMap, Secret, key, ServiceAccount, PriorityClass, RuntimeClass, claim,
       * StorageClass), `Scheduling` (no node matches, untolerated taints, requests larger than
       * any node) and `AutoscalerRequests`. Default none: warnings only.
       */
      block?: string[];
    };
    /** The scheduled drift check (a dry-run diff of every instance against its last revision). */
    drift?: {
      /** Default true (only runs when clusters are configured). */
      enabled?: boolean;
      /** Default { minutes: 10 }. */
      frequency?: HumanDuration;
      /** Default { minutes: 5 }. */
      timeout?: HumanDuration;
      /** Default { minutes: 1 }. */
      initialDelay?: HumanDuration;
    };
    /**
     * The instance state the Deploy tab shows (GET /entity): stored in the database after each
     * deploy, rollback and delete and by a scheduled refresh, and served from there; clusters
     * with client-side auth are read with the signed-in user's token on each request instead.
     */
    instanceState?: {
      /**
       * Seconds a stored state is served as is (default 60). An older one is still served, and
       * read again from the cluster in the background.
       */
      maxAgeSeconds?: number;
      /** The scheduled refresh of every annotated entity's instances (one replica at a time). */
      refresh?: {
        /** Default true (only runs when clusters are configured). */
        enabled?: boolean;
        /** Default { minutes: 5 }, as the Health scan. */
        frequency?: HumanDuration;
        /** Default { minutes: 4 }. */
        timeout?: HumanDuration;
        /** Default { seconds: 30 }. */
        initialDelay?: HumanDuration;
      };
    };
    /**
     * Credentials per registry host for `oci://` modules. Each entry's credentials go only to its
     * host (and to that registry's token realm when it is allowed, see registryTokenRealms); a
     * host without an entry is accessed anonymously.
     */
    registries?: Array<{
      /** `host` or `host:port` as in `oci://host/repository`, e.g. `ghcr.io`. */
      host: string;
      /** User for basic auth or the token request; needs `password`. */
      username?: string;
      /**
       * Password or personal access token of `username`.
       * @visibility secret
       */
      password?: string;
      /**
       * A bearer token the registry accepts as is (instead of username and password).
       * @visibility secret
       */
      token?: string;
      /** Plain http to this host (loopback hosts always use http). Default false. */
      insecure?: boolean;
    }>;
    /**
     * Hosts besides a registry's own whose Bearer token realm may be followed (with the
     * registry's credentials), e.g. `auth.docker.io` for Docker Hub. Default none: a realm on
     * another host is refused with an error naming it.
     */
    registryTokenRealms?: string[];
    /** Registry access for `oci://` modules. */
    registry?: {
      /**
       * Deprecated: use `registries`. `user:password`, given to the host of every `oci` module in
       * `modules` (and nowhere else). Not allowed together with `registries`.
       * @visibility secret
       */
      credentials?: string;
      /** Use http instead of https for every registry (always for localhost). */
      plainHttp?: boolean;
      /** Largest manifest (or other non-blob answer) read from a registry, in bytes. Default 4194304 (4 MiB). */
      maxManifestBytes?: number;
      /** Largest blob (module layer) read from a registry, in bytes. Default 67108864 (64 MiB). */
      maxBlobBytes?: number;
      /** Time limit of every registry request, body included, in milliseconds. Default 120000. */
      timeoutMs?: number;
      /**
       * Module content (verified layers, manifests pinned by digest) kept in memory across
       * pulls, in bytes, so a module is downloaded once; a tag is still resolved at the registry
       * each time. Default 67108864 (64 MiB); 0 turns the cache off.
       */
      cacheBytes?: number;
    };
  };
}
