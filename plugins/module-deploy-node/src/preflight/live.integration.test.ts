/**
 * The preflight against the real local control plane (PERISCOPE_KUBECONFIG=$(./scripts/cluster
 * kubeconfig)): a namespace of its own with a ConfigMap, a pre-existing broken Deployment and a
 * ConfigMap of the instance that the deploy prunes; and, as a person whose RBAC covers one
 * namespace, what cannot be read is reported, not guessed. Skipped, saying why, without a cluster.
 */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { KubeObject } from '@periscope/backstage-plugin-module-deploy-common';
import {
  clusterOidcFile,
  describeIf,
  signClusterUserToken,
} from '@periscope/test-utils';
import { runPreflight } from './live';

jest.setTimeout(120_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;

function deployment(
  name: string,
  namespace: string,
  podSpec: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx' }], ...podSpec },
      },
    },
  } as KubeObject;
}

const app = (ns: string, podSpec: Record<string, unknown>) =>
  deployment('web', ns, {
    ...podSpec,
    containers: [
      {
        name: 'app',
        image: 'nginx',
        ...(podSpec.containers as object[] | undefined)?.[0],
      },
    ],
  });

describeIf({ kubeconfig })('preflight on the local control plane', () => {
  const ns = `preflight-${Date.now().toString(36)}`;
  let kc: KubeConfig;
  let api: KubernetesObjectApi;

  beforeAll(async () => {
    kc = new KubeConfig();
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
      data: { url: 'http://db' },
    } as KubeObject);
    // the instance's own ConfigMap of an earlier revision: the deploy prunes it
    await api.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'web-old',
        namespace: ns,
        labels: {
          'instance.timoni.sh/name': 'web',
          'instance.timoni.sh/namespace': ns,
        },
      },
      data: {},
    } as KubeObject);
    await api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: ns },
      stringData: { password: 'not-read-into-the-report' },
    } as KubeObject);
    // a problem the namespace already has, not caused by the deploy
    await api.create(
      deployment('legacy', ns, {
        containers: [
          {
            name: 'app',
            image: 'nginx',
            envFrom: [{ configMapRef: { name: 'gone' } }],
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    await api
      ?.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
  });

  const lines = (r: Awaited<ReturnType<typeof runPreflight>>) =>
    r.warnings.map(w => `${w.analyzer} ${w.object}: ${w.message}`);

  it.each<[string, Record<string, unknown>, RegExp[]]>([
    [
      'references that exist',
      {
        containers: [
          {
            envFrom: [
              { configMapRef: { name: 'app-config' } },
              { secretRef: { name: 'db' } },
            ],
          },
        ],
      },
      [],
    ],
    [
      'a missing ConfigMap',
      {
        containers: [
          { envFrom: [{ configMapRef: { name: 'missing-config' } }] },
        ],
      },
      [
        new RegExp(
          `^References Deployment/${ns}/web: ConfigMap missing-config does not exist in namespace ${ns} \\(referenced by envFrom of container app\\)$`,
        ),
      ],
    ],
    [
      'an optional reference to a missing ConfigMap',
      {
        containers: [
          {
            envFrom: [
              { configMapRef: { name: 'missing-config', optional: true } },
            ],
          },
        ],
      },
      [],
    ],
    [
      'a key missing from an existing ConfigMap and Secret',
      {
        containers: [
          {
            env: [
              {
                name: 'A',
                valueFrom: {
                  configMapKeyRef: { name: 'app-config', key: 'host' },
                },
              },
              {
                name: 'B',
                valueFrom: { secretKeyRef: { name: 'db', key: 'user' } },
              },
              {
                name: 'C',
                valueFrom: { secretKeyRef: { name: 'db', key: 'password' } },
              },
            ],
          },
        ],
      },
      [
        /ConfigMap app-config in namespace \S+ has no key host/,
        /Secret db in namespace \S+ has no key user/,
      ],
    ],
    [
      'a ConfigMap the deploy prunes',
      { containers: [{ envFrom: [{ configMapRef: { name: 'web-old' } }] }] },
      [/ConfigMap web-old does not exist/],
    ],
    [
      'a nodeSelector no node matches',
      { nodeSelector: { 'periscope.dev/preflight-disk': 'ssd' } },
      [
        /^Scheduling Deployment\/\S+\/web: no node matches nodeSelector periscope.dev\/preflight-disk=ssd: its pods stay Pending \(\d+ nodes? checked\)$/,
      ],
    ],
    [
      'a missing ServiceAccount',
      { serviceAccountName: 'nobody' },
      [/ServiceAccount nobody does not exist in namespace/],
    ],
  ])('%s', async (_label, podSpec, expected) => {
    const report = await runPreflight(kc, {
      rendered: [app(ns, podSpec)],
      namespace: ns,
      instanceName: 'web',
    });
    const got = lines(report);
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(got[i]).toMatch(e));
    expect(report.notChecked).toEqual([]);
    expect(JSON.stringify(report)).not.toContain('not-read-into-the-report');
  });

  describeIf({ oidc: clusterOidcFile(kubeconfig) })(
    'as a person (OIDC)',
    () => {
      it("reads with the person's credentials: what RBAC forbids is reported as not checked", async () => {
        // oidc:viewers may read namespace shop and nothing else: no nodes, no cluster-scoped kinds
        const token = signClusterUserToken({
          kubeconfig: kubeconfig as string,
          user: 'preflight-viewer',
          groups: ['viewers'],
        });
        const user = new KubeConfig();
        user.loadFromOptions({
          clusters: [kc.getCurrentCluster()!],
          users: [{ name: 'viewer', token }],
          contexts: [
            {
              name: 'viewer',
              cluster: kc.getCurrentCluster()!.name,
              user: 'viewer',
            },
          ],
          currentContext: 'viewer',
        });
        const report = await runPreflight(user, {
          rendered: [
            deployment('web', 'shop', {
              nodeSelector: { 'periscope.dev/preflight-disk': 'ssd' },
            }),
          ],
          namespace: 'shop',
          instanceName: 'web',
        });
        // no node could be read: the nodeSelector is not reported as unsatisfiable
        expect(
          report.warnings.filter(w => w.analyzer === 'Scheduling'),
        ).toEqual([]);
        expect(report.notChecked).toContain(
          'references to Node not checked: listing it is forbidden for these credentials',
        );
      });
    },
  );
});
