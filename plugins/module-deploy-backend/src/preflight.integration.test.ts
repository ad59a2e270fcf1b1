/**
 * Warnings before a deploy through the routes, with the real engine and the local control plane
 * (PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig)): the example module's `envFromConfigMap`
 * naming a ConfigMap the namespace lacks shows in the preview; with
 * `moduleDeploy.preflight.block: [References]` the deploy is refused and nothing is applied.
 */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { findTool } from '@periscope/backstage-plugin-module-deploy-node';
import { kubernetesConfigFromKubeconfig } from '@periscope/kube-access';
import { describeIf } from '@periscope/test-utils';
import request from 'supertest';
import { entities, modulesConfig, start } from './__testUtils__/backend';

jest.setTimeout(300_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const cue = findTool('cue');

describeIf({ kubeconfig, cue })(
  'warnings before a deploy against the local control plane',
  () => {
    const ns = `md-pf-${Date.now().toString(36)}`;
    const E = '?entityRef=component:default/checkout';
    let server: any;
    let api: KubernetesObjectApi;
    const post = (url: string, body: object) =>
      request(server).post(`/api/module-deploy${url}`).send(body);

    beforeAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
      api = KubernetesObjectApi.makeApiClient(kc);
      await api.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
      await api.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app-config', namespace: ns },
        data: { LOG_LEVEL: 'debug' },
      } as any);
      const checkout = JSON.parse(JSON.stringify(entities[0]));
      checkout.metadata.annotations['backstage.io/kubernetes-namespace'] = ns;
      server = await start({
        entities: [checkout],
        config: {
          ...kubernetesConfigFromKubeconfig(kubeconfig as string),
          moduleDeploy: {
            ...modulesConfig.moduleDeploy,
            preflight: { block: ['References'] },
          },
        },
      });
    });

    afterAll(async () => {
      await api
        ?.delete({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns },
        })
        .catch(() => undefined);
    });

    const MISSING = `ConfigMap missing-config does not exist in namespace ${ns} (referenced by envFrom of container checkout)`;

    it('the preview shows what the change would break, and only that', async () => {
      let res = await post(`/entity/preview${E}`, {
        values: { envFromConfigMap: 'missing-config' },
      });
      expect(res.status).toBe(200);
      expect(res.body.warnings).toEqual([
        {
          cluster: 'local',
          analyzer: 'References',
          object: `Deployment/${ns}/checkout`,
          message: MISSING,
          severity: 'high',
          blocking: true,
        },
      ]);
      res = await post(`/entity/preview${E}`, {
        values: { envFromConfigMap: 'app-config' },
      });
      expect([res.status, res.body.warnings]).toEqual([200, []]);
    });

    it('a blocked deploy is refused with a 409 naming the warning; nothing is applied', async () => {
      const res = await post(`/entity/deploy${E}`, {
        values: { envFromConfigMap: 'missing-config' },
      });
      expect([res.status, res.body.error?.name]).toEqual([
        409,
        'ConflictError',
      ]);
      expect(res.body.error.message).toContain(
        `refused, nothing was applied: 1 warning(s) of the checks moduleDeploy.preflight.block names (References): local: References Deployment/${ns}/checkout: ${MISSING}`,
      );
      for (const [apiVersion, kind] of [
        ['apps/v1', 'Deployment'],
        ['v1', 'Service'],
        ['v1', 'ServiceAccount'],
      ])
        await expect(
          api.read({
            apiVersion,
            kind,
            metadata: { name: 'checkout', namespace: ns },
          }),
        ).rejects.toMatchObject({ code: 404 });
      const secrets = await api.list('v1', 'Secret', ns);
      expect(secrets.items.map(s => s.metadata?.name)).toEqual([]);
    });
  },
);
