import { analyze } from './analyze';
import { KubeObject } from './model';
import { REFERENCE_REMEDIATIONS, referenceExplanation } from './remediation';
import { createSnapshot } from './snapshot';

const o = (
  kind: string,
  name: string,
  namespace: string | undefined,
  extra: object = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...extra,
});
const dep = (name: string, spec: object): KubeObject =>
  o('Deployment', name, 'shop', {
    spec: { template: { spec: { containers: [{ name: 'app' }], ...spec } } },
  });

/** One object per failure class of the reference checks. */
const OBJECTS: KubeObject[] = [
  dep('a', { imagePullSecrets: [{ name: 'regcred' }] }),
  dep('b', {
    containers: [
      { name: 'app', envFrom: [{ configMapRef: { name: 'app-config' } }] },
    ],
  }),
  dep('c', {
    containers: [
      {
        name: 'app',
        env: [
          {
            name: 'X',
            valueFrom: { configMapKeyRef: { name: 'present', key: 'nope' } },
          },
        ],
      },
    ],
  }),
  dep('d', { serviceAccountName: 'deployer' }),
  dep('e', { priorityClassName: 'urgent' }),
  dep('f', { runtimeClassName: 'gvisor' }),
  dep('g', {
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
  }),
  dep('h', { nodeSelector: { disk: 'nvme' } }),
  dep('i', { tolerations: [], nodeSelector: { pool: 'gpu' } }),
  dep('j', {
    containers: [{ name: 'app', resources: { requests: { cpu: '64' } } }],
  }),
  o('ConfigMap', 'present', 'shop', { data: { a: '1' } }),
  o('Secret', 'other', 'shop'),
  o('ServiceAccount', 'other', 'shop'),
  o('PriorityClass', 'other', undefined),
  o('RuntimeClass', 'other', undefined),
  o('PersistentVolumeClaim', 'fast-claim', 'shop', {
    spec: { storageClassName: 'fast' },
  }),
  o('PersistentVolumeClaim', 'plain-claim', 'shop', { spec: {} }),
  o('StorageClass', 'standard', undefined),
  o('Node', 'n1', undefined, {
    metadata: { name: 'n1', labels: { pool: 'gpu' } },
    spec: { taints: [{ key: 'gpu', effect: 'NoSchedule' }] },
    status: { allocatable: { cpu: '4' } },
  }),
  o('Node', 'n2', undefined, { status: { allocatable: { cpu: '4' } } }),
  o('HorizontalPodAutoscaler', 'k', 'shop', {
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'b' },
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: 50 },
          },
        },
      ],
    },
  }),
];

describe('referenceExplanation', () => {
  const report = analyze(createSnapshot(OBJECTS), {
    filters: ['References', 'Scheduling', 'AutoscalerRequests'],
  });
  const failures = report.results.flatMap(r =>
    r.failures.map(f => ({ r, text: f.text })),
  );

  it('has an entry for every failure class, each one hit by the analyzers', () => {
    const hit = new Set<string>();
    for (const { r, text } of failures) {
      const entry = REFERENCE_REMEDIATIONS.find(
        e => e.analyzer === r.analyzer && e.match.test(text),
      );
      expect({ text, entry: entry?.id }).toEqual({
        text,
        entry: expect.any(String),
      });
      hit.add(entry!.id);
    }
    // JobFailures' entries: analyzers/jobFailures.test.ts
    expect([...hit].sort()).toEqual(
      REFERENCE_REMEDIATIONS.filter(e => e.analyzer !== 'JobFailures')
        .map(e => e.id)
        .sort(),
    );
  });

  it('fills in the names of the failure and the object', () => {
    const e = referenceExplanation(
      'References',
      { kind: 'Deployment', name: 'b', namespace: 'shop' },
      'ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container app)',
    );
    expect(e?.summary).toBe(
      'Deployment b refers to ConfigMap app-config, which does not exist in namespace shop (envFrom of container app).',
    );
    expect(e?.commands).toEqual([
      'kubectl get configmaps -n shop',
      'kubectl describe deployment -n shop b',
    ]);
    const hpa = failures.find(f => f.r.analyzer === 'AutoscalerRequests')!;
    expect(
      referenceExplanation(hpa.r.analyzer, hpa.r.object, hpa.text)?.commands[1],
    ).toBe(
      "kubectl get deployment -n shop b -o jsonpath='{.spec.template.spec.containers[*].resources}'",
    );
  });

  it('says nothing about other analyzers', () => {
    expect(
      referenceExplanation(
        'Pod',
        { kind: 'Pod', name: 'p' },
        'ConfigMap x does not exist in namespace y (referenced by volume v)',
      ),
    ).toBeUndefined();
  });
});
