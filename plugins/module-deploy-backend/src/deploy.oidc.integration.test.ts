/**
 * Deploys as the signed-in user (#17): the cluster is configured with `authProvider: oidc`, the
 * request carries the user's token in the x-periscope-kubernetes-auth header as the Periscope
 * frontend sends it, and the local kube-apiserver (with its loopback OIDC issuer) applies the
 * person's RBAC. PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig).
 */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import {
  KUBERNETES_AUTH_HEADER,
  kubernetesConfigFromKubeconfig,
} from '@periscope/kube-access';
import {
  clusterOidcFile,
  describeIf,
  signClusterUserToken,
} from '@periscope/test-utils';
import request from 'supertest';
import { findTool } from '@periscope/backstage-plugin-module-deploy-node';
import {
  entities,
  modulesConfig,
  ndjson,
  start,
} from './__testUtils__/backend';

jest.setTimeout(300_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const cue = findTool('cue');

/** The header value the frontend sends for an `oidc` cluster whose token provider is `local`. */
const authHeader = (token: string) =>
  Buffer.from(JSON.stringify({ oidc: { local: token } })).toString('base64');

describeIf({ kubeconfig, cue, oidc: clusterOidcFile(kubeconfig) })(
  'module-deploy as the signed-in user (oidc) against the local control plane',
  () => {
    const name = `oidc-${Date.now().toString(36)}`;
    const E = `?entityRef=component:default/${name}`;
    let server: any;
    let admin: KubernetesObjectApi;

    beforeAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
      admin = KubernetesObjectApi.makeApiClient(kc);
      const entity = JSON.parse(JSON.stringify(entities[0]));
      entity.metadata.name = name;
      entity.metadata.annotations['backstage.io/kubernetes-namespace'] = 'shop';
      entity.metadata.annotations['backstage.io/kubernetes-id'] = name;
      // the same cluster, but reached with the person's own OIDC token instead of a service account
      const k8s = kubernetesConfigFromKubeconfig(kubeconfig as string) as any;
      const { serviceAccountToken: _t, ...cluster } =
        k8s.kubernetes.clusterLocatorMethods[0].clusters[0];
      k8s.kubernetes.clusterLocatorMethods[0].clusters[0] = {
        ...cluster,
        authProvider: 'oidc',
        oidcTokenProvider: 'local',
      };
      server = await start({
        entities: [entity],
        config: {
          ...modulesConfig,
          ...k8s,
          moduleDeploy: {
            ...modulesConfig.moduleDeploy,
            readinessTimeoutMs: 120_000,
          },
        },
      });
    });

    afterAll(async () => {
      for (const kind of [
        'Deployment',
        'Service',
        'ConfigMap',
        'ServiceAccount',
      ]) {
        await admin
          ?.delete({
            apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
            kind,
            metadata: { name, namespace: 'shop' },
          })
          .catch(() => undefined);
      }
    });

    const deploy = (token?: string) => {
      const req = request(server).post(`/api/module-deploy/entity/deploy${E}`);
      if (token) req.set(KUBERNETES_AUTH_HEADER, authHeader(token));
      return req.send({ values: { message: 'as a person' } });
    };

    it('lists the cluster as client-side for the frontend, without URL or token', async () => {
      const res = await request(server).get(`/api/module-deploy/clusters${E}`);
      expect([res.status, res.body]).toEqual([
        200,
        {
          items: [
            {
              name: 'local',
              authProvider: 'oidc',
              oidcTokenProvider: 'local',
              clientSide: true,
            },
          ],
        },
      ]);
    });

    it("a member of shop-deployers deploys with their own token; the cluster's RBAC is theirs", async () => {
      const token = signClusterUserToken({
        kubeconfig: kubeconfig!,
        user: 'alice@example.com',
        groups: ['shop-deployers'],
      });
      const res = await deploy(token);
      expect(res.status).toBe(200);
      const events = ndjson(res.text);
      expect(events[events.length - 1]).toMatchObject({
        type: 'done',
        results: [{ cluster: 'local', status: 'healthy' }],
      });
      const d = (await admin.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'shop' },
      })) as any;
      expect(d.spec.template.metadata.labels).toBeDefined();
      expect(d.metadata.namespace).toBe('shop');
    });

    it("a viewer gets the cluster's 403, shown as a FORBIDDEN cluster error, and nothing is applied", async () => {
      const token = signClusterUserToken({
        kubeconfig: kubeconfig!,
        user: 'bob@example.com',
        groups: ['viewers'],
      });
      const before = (await admin
        .read({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace: 'shop' },
        })
        .catch(() => undefined)) as any;
      const res = await request(server)
        .post(`/api/module-deploy/entity/deploy${E}`)
        .set(KUBERNETES_AUTH_HEADER, authHeader(token))
        .send({ values: { message: 'bob was here' } });
      expect(res.status).toBe(200);
      const events = ndjson(res.text);
      const done = events[events.length - 1];
      expect(done).toMatchObject({
        type: 'done',
        results: [{ cluster: 'local', status: 'failed' }],
      });
      expect(JSON.stringify(events)).toMatch(/403|forbid/i);
      const after = (await admin
        .read({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace: 'shop' },
        })
        .catch(() => undefined)) as any;
      expect(after?.data).toEqual(before?.data);
    });

    it("GET /entity reads this cluster with each user's own token, never from the stored state: alice sees the instance, then eve (no RBAC) gets the cluster's 403", async () => {
      const alice = signClusterUserToken({
        kubeconfig: kubeconfig!,
        user: 'alice@example.com',
        groups: ['shop-deployers'],
      });
      const eve = signClusterUserToken({
        kubeconfig: kubeconfig!,
        user: 'eve@example.com',
        groups: [],
      });
      const as = (token: string) =>
        request(server)
          .get(`/api/module-deploy/entity${E}`)
          .set(KUBERNETES_AUTH_HEADER, authHeader(token));
      let res = await as(alice);
      expect(res.status).toBe(200);
      expect(res.body.instances).toEqual([
        expect.objectContaining({ cluster: 'local', deployed: true }),
      ]);
      expect(res.body.instances[0].refreshedAt).toBeUndefined();
      res = await as(eve);
      expect(res.status).toBe(200);
      expect(res.body.instances).toEqual([]);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ cluster: 'local', errorType: 'FORBIDDEN' }),
      ]);
    });

    it('without a user token the cluster answers with a typed error that says it needs the user', async () => {
      const res = await request(server).get(`/api/module-deploy/entity${E}`);
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          cluster: 'local',
          errorType: 'UNAUTHORIZED',
          message: expect.stringMatching(/signed-in user's oidc token/),
        }),
      ]);
    });

    it('refuses a malformed auth header with a 400 that says what to send', async () => {
      const res = await request(server)
        .get(`/api/module-deploy/entity${E}`)
        .set(KUBERNETES_AUTH_HEADER, 'not base64 json');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(
        /x-periscope-kubernetes-auth is not base64-encoded JSON/,
      );
    });
  },
);
