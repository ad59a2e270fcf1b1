/**
 * Cluster credentials against the real local control plane and its loopback OIDC issuer
 * (PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig)): tokens that expire during long work are
 * renewed, the client-side `google` strategy sends the person's token, and RBAC is the person's.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { AuthenticationStrategy } from '@backstage/plugin-kubernetes-node';
import { CoreV1Api } from '@kubernetes/client-node';
import {
  clusterOidcFile,
  describeIf,
  signClusterUserToken,
} from '@periscope/test-utils';
import { createClusterSource } from './clusterSource';
import { kubeConfigFor, kubernetesConfigFromKubeconfig } from './clusters';
import { classifyClusterError, fanOutClusters } from './errors';

jest.setTimeout(120_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describeIf({ kubeconfig, oidc: clusterOidcFile(kubeconfig) })(
  'cluster credentials on the local control plane',
  () => {
    /** The local cluster's `kubernetes` config with the given auth provider instead of its static token. */
    const localAs = (authProvider: string, extra: object = {}) => {
      const k8s = kubernetesConfigFromKubeconfig(kubeconfig!) as any;
      const { serviceAccountToken: _t, ...cluster } =
        k8s.kubernetes.clusterLocatorMethods[0].clusters[0];
      k8s.kubernetes.clusterLocatorMethods[0].clusters[0] = {
        ...cluster,
        authProvider,
        ...extra,
      };
      return new ConfigReader(k8s);
    };
    const deps = {
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
    };

    it('renews a token that expires during long work, and the work completes', async () => {
      // a custom strategy (as a team registers through kubernetesAuthStrategyExtensionPoint) that
      // hands out 3-second tokens: the second read happens after the first token has expired
      const issued: string[] = [];
      const shortLived: AuthenticationStrategy = {
        async getCredential() {
          const token = signClusterUserToken({
            kubeconfig: kubeconfig!,
            user: 'alice@example.com',
            groups: ['shop-deployers'],
            ttlSeconds: 3,
          });
          issued.push(token);
          return { type: 'bearer token', token };
        },
        validateCluster: () => [],
        presentAuthMetadata: () => ({}),
      };
      const [cluster] = await createClusterSource({
        config: localAs('shortLived'),
        strategies: { shortLived },
        ...deps,
      }).listClusters();
      const core = kubeConfigFor(cluster).makeApiClient(CoreV1Api);
      expect(
        (await core.listNamespacedPod({ namespace: 'shop' })).items,
      ).toBeDefined();
      // kube-apiserver caches a token's authentication for 10 s: wait past the token and the cache
      await sleep(12_000);
      expect(
        (await core.listNamespacedPod({ namespace: 'shop' })).items,
      ).toBeDefined();
      expect(new Set(issued).size).toBe(2);

      // the control: the first token, reused after it expired, is refused by kube-apiserver
      const stale = kubeConfigFor({
        ...cluster,
        getCredential: undefined,
        serviceAccountToken: issued[0],
      }).makeApiClient(CoreV1Api);
      const err = await stale
        .listNamespacedPod({ namespace: 'shop' })
        .catch(e => e);
      expect(classifyClusterError('local', err)).toMatchObject({
        errorType: 'UNAUTHORIZED',
        statusCode: 401,
      });
    });

    it("sends the person's google token through the real client-side google strategy; their RBAC applies", async () => {
      // No Google endpoint is reachable here: the loopback issuer's token stands in for the one the
      // browser gets from Google, and kube-apiserver validates it.
      const source = createClusterSource({
        config: localAs('google'),
        ...deps,
      });
      const viewer = signClusterUserToken({
        kubeconfig: kubeconfig!,
        user: 'bob@example.com',
        groups: ['viewers'],
      });
      const nobody = signClusterUserToken({
        kubeconfig: kubeconfig!,
        user: 'carol@example.com',
        groups: [],
      });
      const read = async (google?: string) =>
        fanOutClusters(
          await source.listClusters(google ? { requestAuth: { google } } : {}),
          c =>
            kubeConfigFor(c)
              .makeApiClient(CoreV1Api)
              .listNamespacedConfigMap({ namespace: 'shop' }),
        );
      expect((await read(viewer)).errors).toEqual([]);
      expect((await read(nobody)).errors).toEqual([
        expect.objectContaining({
          cluster: 'local',
          errorType: 'FORBIDDEN',
          statusCode: 403,
        }),
      ]);
      expect((await read()).errors).toEqual([
        expect.objectContaining({
          errorType: 'UNAUTHORIZED',
          message: expect.stringMatching(/signed-in user's google token/),
        }),
      ]);
    });
  },
);
