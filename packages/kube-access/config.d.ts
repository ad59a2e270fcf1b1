export interface Config {
  /**
   * Backstage's standard Kubernetes configuration, read with the Kubernetes plugin's own cluster
   * locators and auth strategies; nothing else needs configuring per plugin.
   */
  kubernetes?: {
    clusterLocatorMethods?: Array<{
      type: string;
      clusters?: Array<{
        /** Name shown in the UI and used in per-cluster errors. */
        name: string;
        /** API server URL, e.g. https://127.0.0.1:16443 */
        url: string;
        /** As for the Kubernetes plugin: serviceAccount, aws, google, googleServiceAccount, azure, aks, oidc, localKubectlProxy, or a custom strategy. */
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
