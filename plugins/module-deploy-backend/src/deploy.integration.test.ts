/**
 * The routes against the real local control plane: PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig).
 * Skipped, with the reason printed, when it is unset or cue is missing.
 */
import {
  coreServices,
  createServiceFactory,
  SchedulerServiceTaskInvocationDefinition,
} from '@backstage/backend-plugin-api';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { kubernetesConfigFromKubeconfig } from '@periscope/kube-access';
import request from 'supertest';
import { findTool } from '@periscope/backstage-plugin-module-deploy-node';
import {
  entities,
  modulesConfig,
  ndjson,
  start,
} from './__testUtils__/backend';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(600_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const cue = findTool('cue');

describeIf({ kubeconfig, cue })(
  'module-deploy routes against the local control plane',
  () => {
    const ns = `md-it-${Date.now().toString(36)}`;
    const E = '?entityRef=component:default/checkout';
    const tasks: SchedulerServiceTaskInvocationDefinition[] = [];
    const scheduler = createServiceFactory({
      service: coreServices.scheduler,
      deps: {},
      factory: () =>
        ({
          scheduleTask: async (t: SchedulerServiceTaskInvocationDefinition) =>
            void tasks.push(t),
          triggerTask: async () => undefined,
          createScheduledTaskRunner: () => ({ run: async () => undefined }),
          getScheduledTasks: async () => [],
        } as any),
    });
    let server: any;
    let api: KubernetesObjectApi;
    const get = (url: string) =>
      request(server).get(`/api/module-deploy${url}`);
    const post = (url: string, body: object) =>
      request(server).post(`/api/module-deploy${url}`).send(body);
    const deployment = async () =>
      (await api.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'checkout', namespace: ns },
      })) as any;

    beforeAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
      api = KubernetesObjectApi.makeApiClient(kc);
      const checkout = JSON.parse(JSON.stringify(entities[0]));
      checkout.metadata.annotations['backstage.io/kubernetes-namespace'] = ns;
      server = await start({
        entities: [checkout],
        config: {
          ...modulesConfig,
          ...kubernetesConfigFromKubeconfig(kubeconfig as string),
          moduleDeploy: {
            ...modulesConfig.moduleDeploy,
            readinessTimeoutMs: 180_000,
          },
        },
        extraFeatures: [scheduler],
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

    it('previews, deploys with streamed progress, detects drift, rolls back and deletes', async () => {
      let res = await get(`/entity${E}`);
      expect(res.body.instances).toEqual([
        expect.objectContaining({ cluster: 'local', deployed: false }),
      ]);
      // nothing deployed yet: the drift check has nothing to compare
      res = await post(`/entity/drift${E}`, {});
      expect([res.status, res.body]).toEqual([
        200,
        {
          entityRef: 'component:default/checkout',
          status: 'ok',
          clusters: [{ cluster: 'local' }],
          errors: [],
        },
      ]);

      res = await post(`/entity/preview${E}`, { values: { message: 'v1' } });
      expect(res.body.valid).toBe(true);
      expect(res.body.clusters[0].objects.map((o: any) => o.action)).toEqual([
        'create',
        'create',
        'create',
        'create',
      ]);

      res = await post(`/entity/deploy${E}`, {
        values: { message: 'v1' },
        changeMessage: 'first release',
      });
      let events = ndjson(res.text);
      expect(events[0]).toMatchObject({
        type: 'start',
        action: 'deploy',
        clusters: ['local'],
        namespace: ns,
      });
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'step',
          cluster: 'local',
          event: expect.objectContaining({
            phase: 'apply',
            object: `Deployment/${ns}/checkout`,
          }),
        }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'step',
          event: expect.objectContaining({
            phase: 'wait',
            object: `Deployment/${ns}/checkout`,
          }),
        }),
      );
      expect(events[events.length - 1]).toMatchObject({
        type: 'done',
        ok: true,
        results: [{ cluster: 'local', status: 'healthy', revision: 1 }],
      });

      res = await get(`/entity${E}`);
      expect(res.body.instances[0]).toMatchObject({
        deployed: true,
        revision: 1,
        health: 'healthy',
        module: { name: 'timoni.sh/minimal' },
        lastOperation: {
          action: 'deploy',
          actor: 'user:default/mock',
          result: 'success',
          revision: 1,
        },
      });

      res = await get(`/entity/schema${E}`);
      expect(res.body).toMatchObject({
        valuesFrom: { cluster: 'local', revision: 1 },
        values: { message: 'v1' },
      });

      // what the form sends back: the whole tree with defaults; derived and injected fields are dropped
      const form = { ...res.body.schema.default, message: 'v2', replicas: 2 };
      res = await post(`/entity/preview${E}`, { values: form });
      expect(res.body.valid).toBe(true);
      const changed = res.body.clusters[0].objects.filter(
        (o: any) => o.action === 'change',
      );
      expect(changed.map((o: any) => o.ref)).toEqual([
        `Deployment/${ns}/checkout`,
      ]);
      // the module names its ConfigMap after the content: a new one is created, the old one pruned
      const byAction = (a: string) =>
        res.body.clusters[0].objects
          .filter((o: any) => o.action === a)
          .map((o: any) => o.ref.split('/')[0]);
      expect([byAction('create'), byAction('prune')]).toEqual([
        ['ConfigMap'],
        ['ConfigMap'],
      ]);
      const dep = changed.find((o: any) => o.ref.startsWith('Deployment'));
      expect(dep.changes).toContainEqual({
        path: 'spec.replicas',
        op: 'change',
        before: 1,
        after: 2,
      });
      // the objects of the YAML diff: live and desired, without status or server-owned metadata
      expect([dep.live.spec.replicas, dep.desired.spec.replicas]).toEqual([
        1, 2,
      ]);
      expect(dep.live.status).toBeUndefined();
      expect(dep.desired.metadata.managedFields).toBeUndefined();
      const created = res.body.clusters[0].objects.find(
        (o: any) => o.action === 'create',
      );
      expect([created.live, created.desired.kind]).toEqual([
        undefined,
        'ConfigMap',
      ]);

      res = await post(`/entity/deploy${E}`, { values: form });
      expect(ndjson(res.text).pop()).toMatchObject({
        ok: true,
        results: [{ revision: 2 }],
      });
      expect((await deployment()).spec.replicas).toBe(2);

      // "Check drift now" right after the deploy: in sync, and the tab shows it
      res = await post(`/entity/drift${E}`, { cluster: 'local' });
      expect(res.body.clusters).toEqual([
        {
          cluster: 'local',
          drift: expect.objectContaining({ drifted: false, objects: [] }),
        },
      ]);
      res = await get(`/entity${E}`);
      expect(res.body.instances[0].drift).toMatchObject({ drifted: false });

      // someone scales the Deployment by hand: the scheduled drift check finds it
      await api.patch(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'checkout', namespace: ns },
          spec: { replicas: 3 },
        },
        undefined,
        undefined,
        'kubectl',
        true,
        PatchStrategy.ServerSideApply,
      );
      res = await post(`/entity/drift${E}`, {});
      expect(res.body.clusters[0].drift).toMatchObject({ drifted: true });
      expect(tasks.map(t => t.id)).toEqual([
        'module-deploy:drift',
        'module-deploy:instance-state',
      ]);
      await tasks[0].fn(new AbortController().signal as any);
      res = await get(`/entity${E}`);
      expect(res.body.instances[0].drift).toMatchObject({ drifted: true });
      expect(res.body.instances[0].drift.objects).toContainEqual(
        expect.objectContaining({
          ref: `Deployment/${ns}/checkout`,
          changes: [
            expect.objectContaining({
              path: 'spec.replicas',
              before: 3,
              after: 2,
            }),
          ],
        }),
      );

      res = await get(`/entity/history${E}`);
      expect(
        res.body.revisions.map((r: any) => [
          r.revision,
          r.current,
          r.actor,
          r.values.message,
          r.changeMessage,
        ]),
      ).toEqual([
        [2, true, 'user:default/mock', 'v2', undefined],
        [1, false, 'user:default/mock', 'v1', 'first release'],
      ]);
      expect(res.body.audit.map((a: any) => a.changeMessage)).toContain(
        'first release',
      );

      res = await post(`/entity/rollback${E}`, { revision: 1 });
      events = ndjson(res.text);
      expect(events.pop()).toMatchObject({
        ok: true,
        results: [
          {
            cluster: 'local',
            status: 'healthy',
            revision: 3,
            message: 'rolled back to revision 1',
          },
        ],
      });
      expect((await deployment()).spec.replicas).toBe(1);

      res = await post(`/entity/delete${E}`, { confirm: 'web' });
      expect(res.status).toBe(400);
      res = await post(`/entity/delete${E}`, { confirm: 'checkout' });
      events = ndjson(res.text);
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'step',
          event: expect.objectContaining({
            phase: 'delete',
            object: `Deployment/${ns}/checkout`,
          }),
        }),
      );
      expect(events.pop()).toMatchObject({
        ok: true,
        results: [{ cluster: 'local', status: 'deleted' }],
      });

      res = await get(`/entity/history${E}`);
      expect(
        res.body.audit.map((a: any) => [
          a.action,
          a.result,
          a.revision ?? null,
        ]),
      ).toEqual([
        ['delete', 'success', null],
        ['rollback', 'success', 3],
        ['deploy', 'success', 2],
        ['deploy', 'success', 1],
      ]);
      res = await get(`/entity${E}`);
      expect(res.body.instances[0].deployed).toBe(false);
    });

    it('rolls an explicit instance back to a stored revision (POST /instances/rollback)', async () => {
      const target = {
        module: 'minimal',
        instanceName: 'explicit-web',
        namespace: ns,
        clusters: ['local'],
      };
      for (const message of ['v1', 'v2']) {
        const res = await post('/instances/deploy', {
          ...target,
          values: { message },
        });
        expect(ndjson(res.text).pop()).toMatchObject({
          type: 'done',
          ok: true,
        });
      }

      let res = await post('/instances/rollback', { ...target, revision: 9 });
      expect([res.status, res.body.error?.message]).toEqual([
        404,
        `cannot roll back instance 'explicit-web' in namespace '${ns}' to revision 9: cluster 'local' does not keep revision 9 (kept: 1, 2); nothing was applied`,
      ]);
      res = await post('/instances/rollback', {
        ...target,
        instanceName: 'no-such-instance',
        revision: 1,
      });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain(
        `cluster 'local' has no instance 'no-such-instance' in namespace '${ns}' with a revision history`,
      );

      res = await post('/instances/rollback', { ...target, revision: 1 });
      expect(res.status).toBe(200);
      expect(ndjson(res.text).pop()).toEqual({
        type: 'done',
        ok: true,
        results: [
          {
            cluster: 'local',
            status: 'healthy',
            revision: 3,
            message: 'rolled back to revision 1',
          },
        ],
      });
      // the cluster holds revision 1's objects again: deploying v1 would change nothing
      res = await post('/instances/preview', {
        ...target,
        values: { message: 'v1' },
      });
      expect(
        res.body.clusters[0].objects.map((o: any) => [o.ref, o.action]),
      ).toEqual(
        res.body.clusters[0].objects.map((o: any) => [o.ref, 'unchanged']),
      );
    });
  },
);
