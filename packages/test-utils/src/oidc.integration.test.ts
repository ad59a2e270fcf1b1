/**
 * Against the real local control plane: PERISCOPE_KUBECONFIG=$(./scripts/cluster up | tail -n 1).
 * Tokens from signClusterUserToken authenticate real people, and their RBAC
 * (scripts/lib/cluster/oidc-rbac.yaml) decides what they may do; bad tokens are refused.
 */
import {
  ApiException,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';
import { generateKeyPairSync } from 'node:crypto';
import { clusterOidcFile, signClusterUserToken } from './oidc';
import { describeIf } from './skip';

const KUBECONFIG = process.env.PERISCOPE_KUBECONFIG;
const NS = 'shop';

/** A kubeconfig for the same cluster as the admin one, authenticating with `token` only. */
function configWithToken(token: string): KubeConfig {
  const admin = new KubeConfig();
  admin.loadFromFile(KUBECONFIG!);
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'person', token }],
    contexts: [{ name: 'person', cluster: cluster.name, user: 'person' }],
    currentContext: 'person',
  });
  return kc;
}

const core = (token: string) => configWithToken(token).makeApiClient(CoreV1Api);

/** The HTTP status a call ends with (2xx when it succeeds). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

const configMap = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels: { 'periscope.dev/test': 'oidc' } },
  data: { who: name },
});

describeIf({ kubeconfig: KUBECONFIG, oidc: clusterOidcFile(KUBECONFIG) })(
  'OIDC users on the local control plane (live)',
  () => {
    const suffix = `${process.pid}-${Date.now()}`;
    const token = (user: string, groups: string[], more = {}) =>
      signClusterUserToken({ kubeconfig: KUBECONFIG, user, groups, ...more });

    afterAll(async () => {
      // whatever a failed run left, removed as admin
      const admin = new KubeConfig();
      admin.loadFromFile(KUBECONFIG!);
      await admin
        .makeApiClient(CoreV1Api)
        .deleteCollectionNamespacedConfigMap({
          namespace: NS,
          labelSelector: 'periscope.dev/test=oidc',
        })
        .catch(() => undefined);
    });

    it('kube-apiserver sees the e-mail and groups, prefixed oidc:', async () => {
      const review = await configWithToken(
        token('alice@example.com', ['shop-deployers']),
      )
        .makeApiClient(AuthenticationV1Api)
        .createSelfSubjectReview({
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'SelfSubjectReview',
          },
        });
      expect(review.status?.userInfo?.username).toBe('oidc:alice@example.com');
      expect(review.status?.userInfo?.groups).toEqual(
        expect.arrayContaining(['oidc:shop-deployers', 'system:authenticated']),
      );
    });

    it('a shop deployer creates and deletes a ConfigMap in shop, and lists namespaces', async () => {
      const alice = core(token('alice@example.com', ['shop-deployers']));
      const name = `oidc-alice-${suffix}`;
      const created = await alice.createNamespacedConfigMap({
        namespace: NS,
        body: configMap(name),
      });
      expect(created.metadata?.name).toBe(name);
      await alice.deleteNamespacedConfigMap({ name, namespace: NS });
      expect(
        await statusOf(alice.readNamespacedConfigMap({ name, namespace: NS })),
      ).toBe(404);
      const namespaces = await alice.listNamespace();
      expect(namespaces.items.map(n => n.metadata?.name)).toContain(NS);
      // edit rights stop at namespace shop
      expect(
        await statusOf(
          alice.createNamespacedConfigMap({
            namespace: 'default',
            body: configMap(`oidc-alice-default-${suffix}`),
          }),
        ),
      ).toBe(403);
    });

    it('a viewer may read shop but gets 403 creating a ConfigMap there', async () => {
      const bob = core(token('bob@example.com', ['viewers']));
      expect(
        await statusOf(bob.listNamespacedConfigMap({ namespace: NS })),
      ).toBe(200);
      expect(
        await statusOf(
          bob.createNamespacedConfigMap({
            namespace: NS,
            body: configMap(`oidc-bob-${suffix}`),
          }),
        ),
      ).toBe(403);
    });

    it('someone in neither group gets nothing (403)', async () => {
      const carol = core(token('carol@example.com', ['marketing']));
      expect(
        await statusOf(carol.listNamespacedConfigMap({ namespace: NS })),
      ).toBe(403);
      expect(await statusOf(carol.listNamespace())).toBe(403);
    });

    it('an expired token gets 401', async () => {
      const expired = token('alice@example.com', ['shop-deployers'], {
        issuedAt: new Date(Date.now() - 2 * 3600_000),
        ttlSeconds: 60,
      });
      expect(
        await statusOf(
          core(expired).listNamespacedConfigMap({ namespace: NS }),
        ),
      ).toBe(401);
    });

    it('a token signed by another key gets 401', async () => {
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
      });
      const forged = token('alice@example.com', ['shop-deployers'], {
        signingKey: privateKey,
      });
      expect(
        await statusOf(core(forged).listNamespacedConfigMap({ namespace: NS })),
      ).toBe(401);
    });

    it('a token for another audience gets 401', async () => {
      const other = token('alice@example.com', ['shop-deployers'], {
        audience: 'someone-else',
      });
      expect(
        await statusOf(core(other).listNamespacedConfigMap({ namespace: NS })),
      ).toBe(401);
    });
  },
);
