import {
  AuthService,
  LoggerService,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  AksStrategy,
  AnonymousStrategy,
  AwsIamStrategy,
  AzureIdentityStrategy,
  DispatchStrategy,
  GoogleServiceAccountStrategy,
  GoogleStrategy,
  OidcStrategy,
  ServiceAccountStrategy,
} from '@backstage/plugin-kubernetes-backend';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_KUBERNETES_AUTH_PROVIDER,
  ANNOTATION_KUBERNETES_OIDC_TOKEN_PROVIDER,
  KubernetesRequestAuth,
} from '@backstage/plugin-kubernetes-common';
import type {
  AuthenticationStrategy,
  ClusterDetails as KubernetesClusterDetails,
  KubernetesClustersSupplier,
  KubernetesCredential,
} from '@backstage/plugin-kubernetes-node';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterDetails, validateClusterConfig } from './clusters';

/**
 * Auth providers whose credential is the signed-in user's own token, sent by the frontend
 * (as the Kubernetes plugin does). Scheduled work has no user, so such a cluster is read on
 * demand only.
 * @public
 */
export const CLIENT_SIDE_AUTH_PROVIDERS: readonly string[] = [
  'oidc',
  'google',
  'aks',
];

/**
 * Where Periscope finds its clusters: the same `kubernetes.clusterLocatorMethods` and auth
 * strategies as Backstage's Kubernetes plugin.
 * @public
 */
export interface ClusterSource {
  /**
   * The clusters as the suppliers list them now. With `requestAuth` (the signed-in user's
   * tokens, see {@link readKubernetesRequestAuth}) clusters with client-side auth act as that
   * user; without it they fail with a typed error that says they are read on demand only.
   */
  listClusters(options?: {
    requestAuth?: KubernetesRequestAuth;
  }): Promise<ClusterDetails[]>;
}

/**
 * A credential could not be obtained for a cluster (missing user token, a failed AWS / GKE
 * token refresh, …). `fanOutClusters` turns it into the per-cluster `UNAUTHORIZED` error.
 * @public
 */
export class ClusterCredentialError extends Error {
  readonly cluster: string;
  constructor(cluster: string, message: string, options?: { cause?: unknown }) {
    super(message, options as any);
    this.name = 'ClusterCredentialError';
    this.cluster = cluster;
  }
}

/**
 * Backstage's auth strategies, keyed as the Kubernetes plugin keys them, plus `extra` (custom
 * strategies a platform team registers; the same objects it adds to the Kubernetes plugin
 * through `kubernetesAuthStrategyExtensionPoint`).
 * @public
 */
export function createAuthStrategies(options: {
  config: Config;
  logger: LoggerService;
  extra?: Record<string, AuthenticationStrategy>;
}): Record<string, AuthenticationStrategy> {
  const { config, logger } = options;
  // The strategy loads client-node with a dynamic import(), which Jest cannot run; hand it the
  // same module (the field exists for this purpose in the Kubernetes backend's own tests).
  const serviceAccount = Object.assign(new ServiceAccountStrategy(), {
    injectedKubernetesClient: { KubeConfig },
  });
  return {
    aks: new AksStrategy(),
    aws: new AwsIamStrategy({ config }),
    azure: new AzureIdentityStrategy(logger),
    google: new GoogleStrategy(),
    googleServiceAccount: new GoogleServiceAccountStrategy({ config }),
    localKubectlProxy: new AnonymousStrategy(),
    oidc: new OidcStrategy(),
    serviceAccount: serviceAccount,
    ...options.extra,
  };
}

type CombinedSupplierFactory = (
  rootConfig: Config,
  catalog: CatalogService,
  authStrategy: AuthenticationStrategy,
  logger: LoggerService,
  refreshInterval: unknown,
  auth: AuthService,
) => KubernetesClustersSupplier;

/**
 * Backstage's own cluster locators (`config`, `catalog`, `gke`, `localKubectlProxy`). The Kubernetes
 * backend does not export them from its entry point, so they are loaded from its `dist` by path;
 * the package is pinned to a minor version and the locator test fails if the path moves.
 */
function backstageLocators(): CombinedSupplierFactory {
  const path =
    '@backstage/plugin-kubernetes-backend/dist/cluster-locator/index.cjs.js';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path);
    if (typeof mod.getCombinedClusterSupplier !== 'function')
      throw new Error('getCombinedClusterSupplier is not exported');
    return mod.getCombinedClusterSupplier;
  } catch (e) {
    throw new Error(
      `Periscope reuses the Kubernetes plugin's cluster locators from '${path}', which this version of @backstage/plugin-kubernetes-backend does not provide (${
        (e as Error).message
      }): install the version @periscope/kube-access declares`,
    );
  }
}

function credentialFor(
  cluster: KubernetesClusterDetails,
  strategy: AuthenticationStrategy,
  authProvider: string,
  requestAuth: KubernetesRequestAuth | undefined,
): () => Promise<KubernetesCredential> {
  const clientSide = CLIENT_SIDE_AUTH_PROVIDERS.includes(authProvider);
  return async () => {
    if (clientSide && !requestAuth) {
      throw new ClusterCredentialError(
        cluster.name,
        `cluster '${cluster.name}' uses the signed-in user's ${authProvider} token (client-side auth): scheduled scans cannot read it; it is read on demand when a user opens the tab or rescans`,
      );
    }
    try {
      return await strategy.getCredential(cluster, requestAuth ?? {});
    } catch (e) {
      const hint = clientSide
        ? `sign in to the '${tokenProviderOf(
            cluster,
            authProvider,
          )}' provider in Backstage and retry`
        : `check the ${authProvider} credentials of the backend`;
      throw new ClusterCredentialError(
        cluster.name,
        `cluster '${
          cluster.name
        }': no credential from authProvider '${authProvider}': ${
          (e as Error).message
        }; ${hint}`,
        { cause: e },
      );
    }
  };
}

function tokenProviderOf(
  cluster: KubernetesClusterDetails,
  authProvider: string,
): string {
  return authProvider === 'oidc'
    ? `oidc.${
        cluster.authMetadata[ANNOTATION_KUBERNETES_OIDC_TOKEN_PROVIDER] ?? '?'
      }`
    : authProvider;
}

/**
 * Builds the cluster source from Backstage's `kubernetes` config: the Kubernetes plugin's cluster
 * locators plus `suppliers`, and its auth strategies plus `strategies`. Supplier results are cached
 * for `cacheTtlMs` (default 30 s; catalog clusters appear within that time). Credentials are
 * fetched from the strategy for every request, so short-lived AWS / GKE / OIDC tokens are renewed
 * during long scans and deploys.
 * @public
 */
export function createClusterSource(options: {
  config: Config;
  logger: LoggerService;
  auth: AuthService;
  catalog?: CatalogService;
  strategies?: Record<string, AuthenticationStrategy>;
  suppliers?: KubernetesClustersSupplier[];
  cacheTtlMs?: number;
}): ClusterSource {
  const { config, logger, auth } = options;
  const strategies = createAuthStrategies({
    config,
    logger,
    extra: options.strategies,
  });
  const dispatch = new DispatchStrategy({ authStrategyMap: strategies });
  const hasSection =
    (config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [])
      .length > 0;
  if (hasSection) validateClusterConfig(config, Object.keys(strategies));
  const suppliers: KubernetesClustersSupplier[] = [
    ...(options.suppliers ?? []),
  ];
  if (hasSection) {
    const catalog =
      options.catalog ??
      ({
        getEntities: async () => {
          throw new Error(
            'a catalog cluster locator needs the catalog service: pass catalog to createClusterSource',
          );
        },
      } as unknown as CatalogService);
    suppliers.unshift(
      backstageLocators()(config, catalog, dispatch, logger, undefined, auth),
    );
  }
  const ttl = options.cacheTtlMs ?? 30_000;
  let cache:
    | { at: number; clusters: Promise<KubernetesClusterDetails[]> }
    | undefined;

  async function supplied(): Promise<KubernetesClusterDetails[]> {
    if (!cache || Date.now() - cache.at > ttl) {
      const clusters = (async () => {
        const credentials = await auth.getOwnServiceCredentials();
        const lists = await Promise.all(
          suppliers.map(s => s.getClusters({ credentials })),
        );
        return lists.flat();
      })();
      cache = { at: Date.now(), clusters };
      clusters.catch(() => {
        if (cache?.clusters === clusters) cache = undefined;
      });
    }
    return cache.clusters;
  }

  return {
    async listClusters(opts) {
      const list = await supplied();
      const seen = new Set<string>();
      const out: ClusterDetails[] = [];
      for (const c of list) {
        if (seen.has(c.name)) {
          logger.warn(
            `Periscope: two cluster locators supply a cluster named '${c.name}'; the first is used`,
          );
          continue;
        }
        seen.add(c.name);
        const authProvider =
          c.authMetadata[ANNOTATION_KUBERNETES_AUTH_PROVIDER];
        const strategy = strategies[authProvider];
        if (!strategy) {
          logger.warn(
            `Periscope: cluster '${
              c.name
            }' uses authProvider '${authProvider}', which has no auth strategy; register one with createClusterSource({ strategies }) — known: ${Object.keys(
              strategies,
            ).join(', ')}`,
          );
          continue;
        }
        out.push(
          toPeriscopeCluster(
            c,
            authProvider,
            credentialFor(c, strategy, authProvider, opts?.requestAuth),
          ),
        );
      }
      return out;
    },
  };
}

function toPeriscopeCluster(
  c: KubernetesClusterDetails,
  authProvider: string,
  getCredential: () => Promise<KubernetesCredential>,
): ClusterDetails {
  return {
    name: c.name,
    ...(c.title ? { title: c.title } : {}),
    url: c.url,
    authProvider,
    authMetadata: { ...c.authMetadata },
    caData: c.caData,
    caFile: c.caFile,
    skipTLSVerify: c.skipTLSVerify ?? false,
    ...(c.dashboardUrl ? { dashboardUrl: c.dashboardUrl } : {}),
    ...(c.dashboardApp ? { dashboardApp: c.dashboardApp } : {}),
    ...(c.dashboardParameters
      ? { dashboardParameters: c.dashboardParameters }
      : {}),
    clientSide: CLIENT_SIDE_AUTH_PROVIDERS.includes(authProvider),
    getCredential,
  };
}

/**
 * A fixed list of clusters as a {@link ClusterSource} (tests, the CLI).
 * @public
 */
export function staticClusterSource(clusters: ClusterDetails[]): ClusterSource {
  return { listClusters: async () => clusters };
}

/**
 * Accepts either a source or a fixed list.
 * @public
 */
export function toClusterSource(
  clusters: ClusterSource | ClusterDetails[],
): ClusterSource {
  return Array.isArray(clusters) ? staticClusterSource(clusters) : clusters;
}

/**
 * The header in which the frontend sends the signed-in user's Kubernetes tokens: base64 of the
 * JSON `KubernetesRequestAuth` the Kubernetes plugin puts in its request bodies
 * (`{"oidc":{"<provider>":"<token>"},"google":"<token>"}`).
 * @public
 */
export const KUBERNETES_AUTH_HEADER = 'x-periscope-kubernetes-auth';

const MAX_AUTH_HEADER = 64 * 1024;

/**
 * Reads {@link KUBERNETES_AUTH_HEADER} from a request; `undefined` when absent. Throws an
 * `InputError` that says what is expected when it is malformed. The tokens are used for this
 * request only and never stored or logged.
 * @public
 */
export function readKubernetesRequestAuth(req: {
  header(name: string): string | undefined;
}): KubernetesRequestAuth | undefined {
  const raw = req.header(KUBERNETES_AUTH_HEADER);
  if (raw === undefined || raw === '') return undefined;
  const expected = `send base64 of JSON like {"oidc":{"<provider>":"<token>"}} (the Periscope frontend does this from the Kubernetes auth providers)`;
  if (raw.length > MAX_AUTH_HEADER) {
    throw new InputError(
      `header ${KUBERNETES_AUTH_HEADER} is ${raw.length} bytes, more than ${MAX_AUTH_HEADER}: ${expected}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw new InputError(
      `header ${KUBERNETES_AUTH_HEADER} is not base64-encoded JSON: ${expected}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(
      `header ${KUBERNETES_AUTH_HEADER} is not a JSON object: ${expected}`,
    );
  }
  for (const [key, value] of Object.entries(
    parsed as Record<string, unknown>,
  )) {
    if (key === 'oidc') {
      if (
        !value ||
        typeof value !== 'object' ||
        Array.isArray(value) ||
        Object.values(value).some(v => typeof v !== 'string')
      ) {
        throw new InputError(
          `header ${KUBERNETES_AUTH_HEADER}: 'oidc' must map provider names to token strings: ${expected}`,
        );
      }
    } else if (
      typeof value !== 'string' &&
      !(value && typeof value === 'object' && !Array.isArray(value))
    ) {
      throw new InputError(
        `header ${KUBERNETES_AUTH_HEADER}: '${key}' must be a token string: ${expected}`,
      );
    }
  }
  return parsed as KubernetesRequestAuth;
}

/**
 * What the frontend needs to know about a cluster (as the Kubernetes plugin's `GET /clusters`):
 * no URL, no credential.
 * @public
 */
export interface ClusterSummary {
  name: string;
  title?: string;
  authProvider: string;
  oidcTokenProvider?: string;
  dashboardUrl?: string;
  dashboardApp?: string;
  /** Read with the signed-in user's token only; scheduled scans skip it. */
  clientSide: boolean;
}

/** @public */
export function summarizeClusters(
  clusters: ClusterDetails[],
): ClusterSummary[] {
  return clusters.map(c => ({
    name: c.name,
    ...(c.title ? { title: c.title } : {}),
    authProvider: c.authProvider,
    ...(c.authMetadata?.[ANNOTATION_KUBERNETES_OIDC_TOKEN_PROVIDER]
      ? {
          oidcTokenProvider:
            c.authMetadata[ANNOTATION_KUBERNETES_OIDC_TOKEN_PROVIDER],
        }
      : {}),
    ...(c.dashboardUrl ? { dashboardUrl: c.dashboardUrl } : {}),
    ...(c.dashboardApp ? { dashboardApp: c.dashboardApp } : {}),
    clientSide:
      c.clientSide ?? CLIENT_SIDE_AUTH_PROVIDERS.includes(c.authProvider),
  }));
}

/**
 * The clusters every Periscope backend reads. The default factory builds
 * {@link createClusterSource} from the root config, the catalog and the backend's auth. A platform
 * team that registers its own cluster supplier or auth strategy with the Kubernetes plugin passes
 * the same objects here by overriding this service (see the kube-access README).
 * @public
 */
export const periscopeClustersServiceRef = createServiceRef<ClusterSource>({
  id: 'periscope.clusters',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
      },
      factory: ({ config, logger, auth, catalog }) =>
        createClusterSource({ config, logger, auth, catalog }),
    }),
});
