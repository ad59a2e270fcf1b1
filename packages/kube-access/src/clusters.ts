import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { KubeConfig } from '@kubernetes/client-node';
import fs from 'node:fs';

/**
 * One cluster from Backstage's `kubernetes.clusterLocatorMethods[].clusters[]`.
 * @public
 */
export interface ClusterDetails {
  name: string;
  url: string;
  authProvider: string;
  serviceAccountToken?: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
}

const SUPPORTED_AUTH = ['serviceAccount'];

/**
 * Reads every cluster of the `type: config` locators. Returns an empty list when the
 * `kubernetes` section is absent (the plugins then show their "not configured" state).
 * Throws an `InputError` naming the config key for a malformed cluster.
 * @public
 */
export function readClusters(config: Config): ClusterDetails[] {
  const methods = config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  const clusters: ClusterDetails[] = [];
  const seen = new Set<string>();
  methods.forEach((method, mi) => {
    if (method.getOptionalString('type') !== 'config') return;
    (method.getOptionalConfigArray('clusters') ?? []).forEach((c, ci) => {
      const key = `kubernetes.clusterLocatorMethods[${mi}].clusters[${ci}]`;
      const name = c.getOptionalString('name');
      const url = c.getOptionalString('url');
      if (!name) throw new InputError(`${key}.name is missing: give every cluster a unique name`);
      if (!url || !/^https?:\/\//.test(url)) {
        throw new InputError(
          `${key}.url of cluster '${name}' is ${url ? `'${url}', which is not an http(s) URL` : 'missing'}: set it to the API server URL, e.g. https://10.0.0.1:6443`,
        );
      }
      if (seen.has(name)) throw new InputError(`${key}.name '${name}' is used by two clusters: cluster names must be unique`);
      seen.add(name);
      const authProvider = c.getOptionalString('authProvider') ?? 'serviceAccount';
      if (!SUPPORTED_AUTH.includes(authProvider)) {
        throw new InputError(
          `${key}.authProvider of cluster '${name}' is '${authProvider}': Periscope supports ${SUPPORTED_AUTH.join(', ')} (a bearer token in serviceAccountToken)`,
        );
      }
      const caFile = c.getOptionalString('caFile');
      if (caFile && !fs.existsSync(caFile)) {
        throw new InputError(`${key}.caFile of cluster '${name}' is '${caFile}', which does not exist: fix the path or use caData`);
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
  });
  return clusters;
}

/**
 * Builds a `KubeConfig` for one configured cluster.
 * @public
 */
export function kubeConfigFor(cluster: ClusterDetails): KubeConfig {
  const kc = new KubeConfig();
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
    users: [{ name: 'periscope', token: cluster.serviceAccountToken }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: 'periscope' }],
    currentContext: cluster.name,
  });
  return kc;
}

/**
 * Loads a kubeconfig file (for the CLI), optionally selecting a context. Errors say which
 * file or context is wrong.
 * @public
 */
export function loadKubeConfigFile(path: string, context?: string): KubeConfig {
  if (!fs.existsSync(path)) {
    throw new InputError(`kubeconfig '${path}' does not exist: pass the path of a kubeconfig file (e.g. the one './scripts/cluster up' prints)`);
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new InputError(`kubeconfig '${path}' could not be read: ${(e as Error).message}`);
  }
  if (context) {
    if (!kc.getContexts().some(c => c.name === context)) {
      throw new InputError(
        `context '${context}' is not in kubeconfig '${path}'; it has: ${kc.getContexts().map(c => c.name).join(', ') || 'none'}`,
      );
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(`kubeconfig '${path}' has no current cluster: set current-context or pass --context`);
  }
  return kc;
}

/**
 * The `kubernetes` config section (one `type: config` cluster) equivalent to a kubeconfig file's
 * current context: used by tests and the portal start script to point Backstage at the local
 * control plane through the standard config.
 * @public
 */
export function kubernetesConfigFromKubeconfig(path: string, name = 'local'): { kubernetes: object } {
  const kc = loadKubeConfigFile(path);
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser();
  if (!user?.token) {
    throw new InputError(`kubeconfig '${path}': the current user has no token; Periscope's config clusters use bearer tokens (authProvider serviceAccount)`);
  }
  const caData = cluster.caData ?? (cluster.caFile ? fs.readFileSync(cluster.caFile).toString('base64') : undefined);
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
              ...(caData ? { caData } : { skipTLSVerify: cluster.skipTLSVerify ?? false }),
            },
          ],
        },
      ],
    },
  };
}
