/**
 * Periscope's reference checks (References, Scheduling, AutoscalerRequests) on the local control
 * plane: a live scan lists the kinds they look up and they report each seeded failure class, once,
 * on the Deployment (not its ReplicaSet or pods), and nothing for the healthy control, the
 * optional reference or the ConfigMap that exists in another namespace only being found there. A
 * scan reading only the failing pods finds the same; a user who may not list Secrets (the
 * read-only kubeconfig, `view` role) still gets the other checks, without claiming a Secret is
 * missing. Needs PERISCOPE_KUBECONFIG (./scripts/cluster up).
 */
import path from 'node:path';
import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  ClusterSnapshot,
  analyze,
  resolveAnalyzers,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { createKubeHttp } from './client';
import { scanCluster } from './scan';
import { describeWithObjects } from './__testUtils__/liveObjects';

const NS = 'periscope-references-it';
const OTHER = 'periscope-references-it-other';
const FILTERS = ['References', 'Scheduling', 'AutoscalerRequests'];

type Spec = Record<string, unknown>;
const app = (extra: Spec = {}) => ({
  name: 'app',
  image: 'periscope/app:1.0.0',
  ...extra,
});
const deployment = (name: string, spec: Spec, containers = [app()]) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers, ...spec },
      },
    },
  } as KubernetesObject);
const claim = (name: string, spec: Spec) =>
  ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      ...spec,
    },
  } as KubernetesObject);

const OBJECTS: KubernetesObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OTHER } },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'present', namespace: NS },
    data: { a: '1' },
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'elsewhere', namespace: OTHER },
    data: { a: '1' },
  } as KubernetesObject,
  // healthy control: every reference resolves, requests fit
  deployment('healthy', {}, [
    app({
      env: [
        {
          name: 'A',
          valueFrom: { configMapKeyRef: { name: 'present', key: 'a' } },
        },
      ],
      resources: { requests: { cpu: '100m', memory: '64Mi' } },
    }),
  ]),
  deployment('optional-ref', {}, [
    app({ envFrom: [{ configMapRef: { name: 'elsewhere', optional: true } }] }),
  ]),
  deployment('other-namespace', {}, [
    app({ envFrom: [{ configMapRef: { name: 'elsewhere' } }] }),
  ]),
  deployment('missing-key', {}, [
    app({
      env: [
        {
          name: 'B',
          valueFrom: { configMapKeyRef: { name: 'present', key: 'b' } },
        },
      ],
    }),
  ]),
  deployment('missing-secret', {
    volumes: [{ name: 'creds', secret: { secretName: 'ghost-secret' } }],
  }),
  deployment('missing-account', { serviceAccountName: 'ghost-account' }),
  deployment('missing-priority', { priorityClassName: 'ghost-priority' }),
  deployment('missing-claim', {
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'ghost-claim' } },
    ],
  }),
  deployment('no-node', { nodeSelector: { 'periscope.dev/pool': 'nowhere' } }),
  deployment('too-big', {}, [
    app({ resources: { requests: { cpu: '4096' } } }),
  ]),
  claim('ghost-class', { storageClassName: 'ghost-class' }),
  claim('no-class', {}),
  deployment('no-requests', {}),
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'no-requests', namespace: NS },
    spec: {
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'no-requests',
      },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: 70 },
          },
        },
      ],
    },
  } as KubernetesObject,
];

function findings(snapshot: ClusterSnapshot): string[] {
  const report = analyze(snapshot, {
    filters: FILTERS,
    namespace: NS,
    maskSeed: 'it',
  });
  expect(report.errors).toEqual([]);
  return report.results
    .flatMap(r => r.failures.map(f => `${r.kind} ${r.name}: ${f.text}`))
    .sort();
}

const EXPECTED = [
  `Deployment ${NS}/missing-account: ServiceAccount ghost-account does not exist in namespace ${NS}: its pods cannot be created`,
  `Deployment ${NS}/missing-claim: PersistentVolumeClaim ghost-claim does not exist in namespace ${NS} (referenced by volume data): its pods stay Pending`,
  `Deployment ${NS}/missing-key: ConfigMap present in namespace ${NS} has no key b (referenced by env B of container app)`,
  `Deployment ${NS}/missing-priority: PriorityClass ghost-priority does not exist: its pods cannot be created`,
  `Deployment ${NS}/missing-secret: Secret ghost-secret does not exist in namespace ${NS} (referenced by volume creds)`,
  `Deployment ${NS}/other-namespace: ConfigMap elsewhere does not exist in namespace ${NS} (referenced by envFrom of container app)`,
  `HorizontalPodAutoscaler ${NS}/no-requests: HorizontalPodAutoscaler ${NS}/no-requests scales on cpu utilization, but Deployment ${NS}/no-requests sets no cpu request in container app: the utilization cannot be computed and it does not scale`,
  `PersistentVolumeClaim ${NS}/ghost-class: PersistentVolumeClaim ${NS}/ghost-class uses StorageClass ghost-class, which does not exist: it stays Pending`,
  `PersistentVolumeClaim ${NS}/no-class: PersistentVolumeClaim ${NS}/no-class names no StorageClass and no StorageClass is the default: it stays Pending until a PersistentVolume without a class matches it`,
];

describeWithObjects('reference checks (live control plane)', OBJECTS, live => {
  it('reports each seeded failure class once, on the Deployment, and nothing for the controls', async () => {
    const http = await createKubeHttp(live.kc);
    const analyzers = resolveAnalyzers(FILTERS);
    const full = await scanCluster(http, { analyzers, namespace: NS });
    expect(full.unavailable.size).toBe(0);
    for (const kind of [
      'ConfigMap',
      'Secret',
      'ServiceAccount',
      'PriorityClass',
      'RuntimeClass',
      'StorageClass',
      'Node',
    ]) {
      expect(full.snapshot.objects[kind]).toBeDefined();
    }
    const found = findings(full.snapshot);
    // the node checks depend on the nodes of the shared cluster: matched by pattern
    const scheduling = found.filter(f =>
      /^Deployment \S+\/(no-node|too-big): (no node|its pods request)/.test(f),
    );
    expect(scheduling).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Deployment ${NS}/no-node: no node matches nodeSelector periscope.dev/pool=nowhere: its pods stay Pending \\(\\d+ nodes? checked\\)$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^Deployment ${NS}/too-big: its pods request cpu 4096, more than any node its pods may run on can allocate \\(largest: \\S+\\): they stay Pending$`,
        ),
      ),
    ]);
    expect(found.filter(f => !scheduling.includes(f))).toEqual(EXPECTED);

    // reading only the failing pods (what `periscope diagnose` does) finds the same
    const failing = await scanCluster(http, {
      analyzers,
      namespace: NS,
      pods: 'failing',
      workloads: 'failing',
    });
    expect(failing.workloadsRead).toBe('all');
    expect(findings(failing.snapshot)).toEqual(found);
  }, 120_000);

  it('without permission to list Secrets, checks everything else and claims no Secret missing', async () => {
    const readonly = path.join(
      path.dirname(process.env.PERISCOPE_KUBECONFIG ?? ''),
      'kubeconfig-readonly',
    );
    const kc = new KubeConfig();
    kc.loadFromFile(readonly);
    const http = await createKubeHttp(kc);
    const scan = await scanCluster(http, {
      analyzers: resolveAnalyzers(['References']),
      namespace: NS,
    });
    expect([...scan.unavailable.keys()]).toContain('Secret');
    const found = findings(scan.snapshot);
    expect(found.some(f => f.includes('Secret'))).toBe(false);
    expect(found).toEqual(
      expect.arrayContaining([EXPECTED[0], EXPECTED[2], EXPECTED[5]]),
    );
  }, 120_000);
});
