/**
 * The example templates through the scaffolder's own dry run (POST /api/scaffolder/v2/dry-run),
 * with the real module-deploy backend behind the actions. With PERISCOPE_KUBECONFIG the
 * runtime-policy template also runs for real against the local control plane.
 */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
} from '@kubernetes/client-node';
import { kubernetesConfigFromKubeconfig } from '@periscope/kube-access';
import { findTool } from '@periscope/backstage-plugin-module-deploy-node';
import fs from 'node:fs';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
// the real module-deploy backend, started beside this module as packages/backend starts it
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import moduleDeployPlugin from '@periscope/backstage-plugin-module-deploy-backend';
import scaffolderModulePeriscope from './index';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../../..');
const TEMPLATES = path.join(ROOT, 'examples/templates');
const cue = findTool('cue');
const kubeconfig = process.env.PERISCOPE_KUBECONFIG;

const checkout = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-namespace': 'shop' },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
};

function readTemplate(dir: string) {
  return YAML.parse(
    fs.readFileSync(path.join(TEMPLATES, dir, 'template.yaml'), 'utf8'),
  );
}

function directoryContents(dir: string) {
  const out: Array<{ path: string; base64Content: string }> = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(TEMPLATES, dir, rel), {
      withFileTypes: true,
    })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== 'template.yaml')
        out.push({
          path: p,
          base64Content: fs
            .readFileSync(path.join(TEMPLATES, dir, p))
            .toString('base64'),
        });
    }
  };
  walk('.');
  return out;
}

async function startPortal(clusters: object, entities: object[] = [checkout]) {
  const config = {
    backend: { baseUrl: 'http://127.0.0.1', listen: { port: 0 } },
    moduleDeploy: {
      modules: [
        { name: 'minimal', path: path.join(ROOT, 'examples/modules/minimal') },
        {
          name: 'tracing-policy',
          path: path.join(ROOT, 'examples/modules/tracing-policy'),
        },
      ],
      readinessTimeoutMs: 120_000,
    },
    ...clusters,
  };
  let port = 0;
  const { server } = await startTestBackend({
    features: [
      scaffolderPlugin,
      scaffolderModulePeriscope,
      moduleDeployPlugin,
      catalogServiceMock.factory({ entities: entities as any }),
      mockServices.rootConfig.factory({ data: config }),
      createServiceFactory({
        service: coreServices.discovery,
        deps: {},
        factory: () => ({
          getBaseUrl: async (id: string) =>
            `http://127.0.0.1:${port}/api/${id}`,
          getExternalBaseUrl: async (id: string) =>
            `http://127.0.0.1:${port}/api/${id}`,
        }),
      }),
    ],
  });
  port = (server.address() as AddressInfo).port;
  return { server, port };
}

describeIf({ cue })('example templates', () => {
  it('parse and use only the periscope actions with known modules', () => {
    for (const dir of ['new-service-from-module', 'runtime-security-policy']) {
      const t = readTemplate(dir);
      expect(t.kind).toBe('Template');
      const ours = t.spec.steps.filter((s: any) =>
        s.action.startsWith('periscope:'),
      );
      expect(ours.map((s: any) => s.action)).toEqual([
        'periscope:module:diff',
        'periscope:module:deploy',
      ]);
    }
  });

  it('pass the scaffolder dry run without changing anything', async () => {
    const { server } = await startPortal({});
    const newService = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .send({
        template: readTemplate('new-service-from-module'),
        values: {
          name: 'orders',
          owner: 'group:default/team-shop',
          namespace: 'orders',
          module: 'minimal',
          message: 'hi',
          replicas: 2,
        },
        directoryContents: directoryContents('new-service-from-module'),
      });
    expect([newService.status, newService.body.error?.message]).toEqual([
      200,
      undefined,
    ]);
    const log = newService.body.log.map((l: any) => l.body.message).join('\n');
    expect(
      newService.body.steps.map((s: any) => [s.id, s.status ?? 'ok']),
    ).toBeDefined();
    expect(log).toMatch(/dry run: nothing deployed/);
    const file = newService.body.directoryContents.find(
      (f: any) => f.path === 'catalog-info.yaml',
    );
    const entity = YAML.parse(
      Buffer.from(file.base64Content, 'base64').toString('utf8'),
    );
    expect(entity.metadata.annotations).toEqual({
      'periscope.dev/module': 'minimal',
      'periscope.dev/instance': 'orders',
      'backstage.io/kubernetes-id': 'orders',
      'backstage.io/kubernetes-namespace': 'orders',
    });

    const policy = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .send({
        template: readTemplate('runtime-security-policy'),
        values: { service: 'component:default/checkout', action: 'Post' },
        directoryContents: [],
      });
    expect(policy.status).toBe(200);
    expect(policy.body.log.map((l: any) => l.body.message).join('\n')).toMatch(
      /dry run: nothing deployed/,
    );
  });

  it('reports what the module-deploy backend rejects, naming the input', async () => {
    const { server } = await startPortal({});
    const res = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .send({
        template: readTemplate('new-service-from-module'),
        values: {
          name: 'orders',
          owner: 'group:default/team-shop',
          namespace: 'orders',
          module: 'nope',
          message: 'hi',
          replicas: 1,
        },
        directoryContents: directoryContents('new-service-from-module'),
      });
    expect(JSON.stringify(res.body)).toMatch(
      /module 'nope' is unknown: use a module name from moduleDeploy.modules \(minimal, tracing-policy\)/,
    );
  });

  it('explains bad action input in the scaffolder dry run, naming the input', async () => {
    const { server } = await startPortal({});
    const bad = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .send({
        template: {
          ...readTemplate('runtime-security-policy'),
          spec: {
            ...readTemplate('runtime-security-policy').spec,
            steps: [
              {
                id: 'diff',
                action: 'periscope:module:diff',
                input: { module: 'minimal', name: 'Web_1', namespace: 'shop' },
              },
            ],
          },
        },
        values: { service: 'component:default/checkout', action: 'Post' },
        directoryContents: [],
      });
    expect(JSON.stringify(bad.body)).toMatch(
      /invalid input to periscope:module:diff: name is 'Web_1', which is not a valid Kubernetes name/,
    );
  });

  describeIf({ kubeconfig })('against the local control plane', () => {
    it('runs the runtime-policy template for real against the local control plane', async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
      const api = KubernetesObjectApi.makeApiClient(kc);
      const ns = `md-tpl-${Date.now().toString(36)}`;
      // loadYaml maps the YAML keys onto client-node's typed model (x-kubernetes-* fields survive serialization)
      const crd = loadYaml<KubernetesObject>(
        fs.readFileSync(
          path.join(
            ROOT,
            'examples/modules/tracing-policy/test/tracingpolicynamespaced-crd.yaml',
          ),
          'utf8',
        ),
      );
      await api.patch(
        crd,
        undefined,
        undefined,
        'periscope-test',
        true,
        PatchStrategy.ServerSideApply,
      );
      const template = {
        ...readTemplate('runtime-security-policy'),
        metadata: {
          ...readTemplate('runtime-security-policy').metadata,
          namespace: 'default',
        },
      };
      const service = {
        ...checkout,
        metadata: {
          ...checkout.metadata,
          annotations: { 'backstage.io/kubernetes-namespace': ns },
        },
      };
      try {
        const { server } = await startPortal(
          kubernetesConfigFromKubeconfig(kubeconfig as string),
          [service, template],
        );
        const created = await request(server)
          .post('/api/scaffolder/v2/tasks')
          .send({
            templateRef: 'template:default/runtime-security-policy',
            values: {
              service: 'component:default/checkout',
              action: 'Sigkill',
            },
          });
        expect(created.status).toBe(201);
        let task: any;
        for (let i = 0; i < 120; i++) {
          task = (
            await request(server).get(
              `/api/scaffolder/v2/tasks/${created.body.id}`,
            )
          ).body;
          if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
          await new Promise(r => setTimeout(r, 1000));
        }
        const events = (
          await request(server).get(
            `/api/scaffolder/v2/tasks/${created.body.id}/events`,
          )
        ).body;
        const log = events.map((e: any) => e.body?.message ?? '').join('\n');
        expect([task.status, log]).toEqual([
          'completed',
          expect.stringContaining(
            `[apply] TracingPolicyNamespaced/${ns}/checkout-runtime-policy created`,
          ),
        ]);
        const policy = (await api.read({
          apiVersion: 'cilium.io/v1alpha1',
          kind: 'TracingPolicyNamespaced',
          metadata: { name: 'checkout-runtime-policy', namespace: ns },
        })) as any;
        expect(policy.spec.podSelector.matchLabels).toEqual({
          'backstage.io/kubernetes-id': 'checkout',
        });
        expect(policy.spec.kprobes[0].selectors[0].matchActions).toEqual([
          { action: 'Sigkill' },
        ]);
      } finally {
        await api
          .delete({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: ns },
          })
          .catch(() => undefined);
      }
    });
  });
});
