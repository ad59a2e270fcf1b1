export interface Config {
  /**
   * Backstage's standard Kubernetes configuration. Periscope reads the clusters of every
   * `clusterLocatorMethods` entry of `type: config`; nothing else needs configuring per plugin.
   */
  kubernetes?: {
    clusterLocatorMethods?: Array<{
      type: string;
      clusters?: Array<{
        /** Name shown in the UI and used in per-cluster errors. */
        name: string;
        /** API server URL, e.g. https://127.0.0.1:16443 */
        url: string;
        /** Only `serviceAccount` (a bearer token) is supported by Periscope. */
        authProvider?: string;
        /** @visibility secret */
        serviceAccountToken?: string;
        /** Base64 PEM of the API server's CA. */
        caData?: string;
        /** Path to a PEM file with the API server's CA. */
        caFile?: string;
        skipTLSVerify?: boolean;
      }>;
    }>;
  };
  periscope?: {
    /** Per-cluster request timeout in milliseconds (default 10000). */
    clusterTimeoutMs?: number;
    /**
     * Where an entity without a `backstage.io/kubernetes-namespace` annotation is read (Health,
     * Security): these namespaces only. Default none: such an entity must name its namespace.
     * `['*']` reads every namespace, as the Kubernetes plugin does.
     */
    namespacesWithoutAnnotation?: string[];
  };
}
