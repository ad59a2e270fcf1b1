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
    /** Registry access for `oci://` modules. */
    registry?: {
      /**
       * `user:password` (basic auth, or exchanged for a bearer token).
       * @visibility secret
       */
      credentials?: string;
      /** Use http instead of https (always for localhost). */
      plainHttp?: boolean;
    };
  };
}
