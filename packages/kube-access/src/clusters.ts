import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { KubernetesCredential } from '@backstage/plugin-kubernetes-node';
import { KubeConfig, User } from '@kubernetes/client-node';
import fs from 'node:fs';
import type https from 'node:https';

/**
 * One cluster Periscope reads: from Backstage's `kubernetes.clusterLocatorMethods` (any locator,
 * see `createClusterSource`) or a kubeconfig file (the CLI).
 * @public
 */
export interface ClusterDetails {
  name: string;
  title?: string;
  url: string;
  /** The Kubernetes plugin's auth provider key (`serviceAccount`, `aws`, `oidc`, …). */
  authProvider: string;
  /** A fixed bearer token, when the cluster has one and no `getCredential`. */
  serviceAccountToken?: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  /** The cluster's auth metadata as the Kubernetes plugin's locators give it. */
  authMetadata?: Record<string, string>;
  dashboardUrl?: string;
  dashboardApp?: string;
  dashboardParameters?: unknown;
  /** The credential needs the signed-in user's token (oidc, google, aks). */
  clientSide?: boolean;
  /** A fresh credential for each request, from the cluster's auth strategy. */
  getCredential?: () => Promise<KubernetesCredential>;
}

const LOCATOR_TYPES = ['config', 'catalog', 'gke', 'localKubectlProxy'];

/**
 * Checks the `config` clusters of `kubernetes.clusterLocatorMethods` with messages that name the
 * config key, before Backstage's locators read them. `authProviders` are the known strategy keys.
 * @public
 */
export function validateClusterConfig(
  config: Config,
  authProviders: string[],
  extraLocatorTypes: string[] = [],
): void {
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  const seen = new Set<string>();
  methods.forEach((method, mi) => {
    const type = method.getOptionalString('type');
    if (!type || ![...LOCATOR_TYPES, ...extraLocatorTypes].includes(type)) {
      throw new InputError(
        `kubernetes.clusterLocatorMethods[${mi}].type is ${
          type ? `'${type}'` : 'missing'
        }: use one of ${LOCATOR_TYPES.join(', ')}`,
      );
    }
    if (type !== 'config') return;
    readConfigClusters(method, mi, seen, authProviders);
  });
}

function readConfigClusters(
  method: Config,
  mi: number,
  seen: Set<string>,
  authProviders: string[],
  defaultAuthProvider?: string,
): ClusterDetails[] {
  const clusters: ClusterDetails[] = [];
  (method.getOptionalConfigArray('clusters') ?? []).forEach((c, ci) => {
    const key = `kubernetes.clusterLocatorMethods[${mi}].clusters[${ci}]`;
    const name = c.getOptionalString('name');
    const url = c.getOptionalString('url');
    if (!name)
      throw new InputError(
        `${key}.name is missing: give every cluster a unique name`,
      );
    if (!url || !/^https?:\/\//.test(url)) {
      throw new InputError(
        `${key}.url of cluster '${name}' is ${
          url ? `'${url}', which is not an http(s) URL` : 'missing'
        }: set it to the API server URL, e.g. https://10.0.0.1:6443`,
      );
    }
    if (seen.has(name))
      throw new InputError(
        `${key}.name '${name}' is used by two clusters: cluster names must be unique`,
      );
    seen.add(name);
    const metadata = c.getOptional<Record<string, unknown>>('authMetadata');
    const fromMetadata = metadata?.['kubernetes.io/auth-provider'];
    const authProvider =
      (typeof fromMetadata === 'string' ? fromMetadata : undefined) ??
      c.getOptionalString('authProvider') ??
      defaultAuthProvider;
    if (!authProvider) {
      throw new InputError(
        `${key}.authProvider of cluster '${name}' is missing: set it as for the Kubernetes plugin (${authProviders.join(
          ', ',
        )})`,
      );
    }
    if (!authProviders.includes(authProvider)) {
      throw new InputError(
        `${key}.authProvider of cluster '${name}' is '${authProvider}', which has no auth strategy: use one of ${authProviders.join(
          ', ',
        )}, or register a custom strategy (see the @periscope/kube-access README)`,
      );
    }
    const caFile = c.getOptionalString('caFile');
    if (caFile && !fs.existsSync(caFile)) {
      throw new InputError(
        `${key}.caFile of cluster '${name}' is '${caFile}', which does not exist: fix the path or use caData`,
      );
    }
    clusters.push({
      name,
      url,
      authProvider,
      serviceAccountToken: c.getOptionalString('serviceAccountToken'),
      caData: c.getOptionalString('caData'),
      caFile,
      skipTLSVerify: c.getOptionalBoolean('skipTLSVerify') ?? false,
    });
  });
  return clusters;
}

/**
 * Reads the `type: config` clusters with fixed service-account tokens only. Kept for callers
 * without a backend (scripts); the backends use `createClusterSource`, which reads every locator
 * and auth provider.
 * @public
 */
export function readClusters(config: Config): ClusterDetails[] {
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  const seen = new Set<string>();
  return methods.flatMap((method, mi) =>
    method.getOptionalString('type') === 'config'
      ? readConfigClusters(
          method,
          mi,
          seen,
          ['serviceAccount'],
          'serviceAccount',
        )
      : [],
  );
}

const CREDENTIAL_USER = 'periscope-credential';

/**
 * A KubeConfig whose every request carries `signal`: when a per-cluster timeout fires
 * (`fanOutClusters`), requests still running for that cluster are cancelled, not left behind.
 */
class SignalKubeConfig extends KubeConfig {
  constructor(private readonly signal: AbortSignal) {
    super();
  }

  async applySecurityAuthentication(
    context: Parameters<KubeConfig['applySecurityAuthentication']>[0],
  ): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(this.signal);
  }

  async applyToFetchOptions(
    opts: Parameters<KubeConfig['applyToFetchOptions']>[0],
  ) {
    const init = await super.applyToFetchOptions(opts);
    return {
      ...init,
      signal: (init as { signal?: AbortSignal }).signal ?? this.signal,
    } as typeof init;
  }
}

/** Applies a strategy's credential to each request client-node makes (fetch, watch, logs, exec). */
function credentialAuthenticator(
  getCredential: () => Promise<KubernetesCredential>,
) {
  return {
    isAuthProvider: (user: User) => user.name === CREDENTIAL_USER,
    async applyAuthentication(
      _user: User,
      opts: https.RequestOptions | Record<string, any>,
    ) {
      const credential = await getCredential();
      const o = opts as https.RequestOptions;
      if (credential.type === 'bearer token') {
        o.headers = {
          ...(o.headers ?? {}),
          Authorization: `Bearer ${credential.token}`,
        };
      } else if (credential.type === 'x509 client certificate') {
        o.cert = credential.cert;
        o.key = credential.key;
      }
    },
  };
}

/**
 * Builds a `KubeConfig` for one cluster. When the cluster has `getCredential` (clusters from
 * `createClusterSource`), every request asks the auth strategy for its credential, so tokens
 * that expire during a long scan or deploy are renewed. With `signal` (the one `fanOutClusters`
 * passes), the cluster's requests are cancelled when it times out.
 * @public
 */
export function kubeConfigFor(
  cluster: ClusterDetails,
  options: { signal?: AbortSignal } = {},
): KubeConfig {
  const kc = options.signal
    ? new SignalKubeConfig(options.signal)
    : new KubeConfig();
  const user = cluster.getCredential ? CREDENTIAL_USER : 'periscope';
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        caData: cluster.caData,
        caFile: cluster.caFile,
        skipTLSVerify: cluster.skipTLSVerify,
      },
    ],
    users: [
      cluster.getCredential
        ? { name: user }
        : { name: user, token: cluster.serviceAccountToken },
    ],
    contexts: [{ name: cluster.name, cluster: cluster.name, user }],
    currentContext: cluster.name,
  });
  if (cluster.getCredential)
    kc.addAuthenticator(credentialAuthenticator(cluster.getCredential));
  return kc;
}

/**
 * Loads a kubeconfig file (for the CLI), optionally selecting a context. Errors say which
 * file or context is wrong.
 * @public
 */
export function loadKubeConfigFile(path: string, context?: string): KubeConfig {
  if (!fs.existsSync(path)) {
    throw new InputError(
      `kubeconfig '${path}' does not exist: pass the path of a kubeconfig file (e.g. the one './scripts/cluster up' prints)`,
    );
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new InputError(
      `kubeconfig '${path}' could not be read: ${(e as Error).message}`,
    );
  }
  if (context) {
    if (!kc.getContexts().some(c => c.name === context)) {
      throw new InputError(
        `context '${context}' is not in kubeconfig '${path}'; it has: ${
          kc
            .getContexts()
            .map(c => c.name)
            .join(', ') || 'none'
        }`,
      );
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(
      `kubeconfig '${path}' has no current cluster: set current-context or pass --context`,
    );
  }
  return kc;
}

/**
 * The `kubernetes` config section (one `type: config` cluster) equivalent to a kubeconfig file's
 * current context: used by tests and the portal start script to point Backstage at the local
 * control plane through the standard config.
 * @public
 */
export function kubernetesConfigFromKubeconfig(
  path: string,
  name = 'local',
): { kubernetes: object } {
  const kc = loadKubeConfigFile(path);
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser();
  if (!user?.token) {
    throw new InputError(
      `kubeconfig '${path}': the current user has no token; Periscope's config clusters use bearer tokens (authProvider serviceAccount)`,
    );
  }
  const caData =
    cluster.caData ??
    (cluster.caFile
      ? fs.readFileSync(cluster.caFile).toString('base64')
      : undefined);
  return {
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name,
              url: cluster.server,
              authProvider: 'serviceAccount',
              serviceAccountToken: user.token,
              ...(caData
                ? { caData }
                : { skipTLSVerify: cluster.skipTLSVerify ?? false }),
            },
          ],
        },
      ],
    },
  };
}
