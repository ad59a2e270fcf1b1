/**
 * Periscope's reference checks (References, Scheduling, AutoscalerRequests), table-driven: for
 * each failure class the referenced object present, missing, referenced optionally, and present
 * in another namespace only.
 */
import { analyze } from '../analyze';
import { ClusterSnapshot, ExistingObject, KubeObject } from '../model';
import { createSnapshot } from '../snapshot';

const NS = 'shop';

const meta = (
  name: string,
  namespace: string | undefined = NS,
  extra: object = {},
) => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...extra,
});

const configMap = (
  name: string,
  data: Record<string, string> = { a: '1' },
  namespace = NS,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta(name, namespace),
  data,
});
const secret = (
  name: string,
  data?: Record<string, string>,
  namespace = NS,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: meta(name, namespace),
  ...(data ? { type: 'Opaque', data } : {}),
});
const obj = (
  kind: string,
  name: string,
  namespace: string | undefined = NS,
  extra: object = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: meta(name, namespace),
  ...extra,
});

type PodSpec = Record<string, unknown>;
const deployment = (
  spec: PodSpec,
  name = 'payments',
  extra: object = {},
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta(name),
  spec: {
    replicas: 2,
    template: {
      spec: { containers: [{ name: 'app', image: 'app:1' }], ...spec },
    },
  },
  ...extra,
});
const container = (extra: object) => ({
  name: 'app',
  image: 'app:1',
  ...extra,
});

function texts(
  objects: KubeObject[],
  analyzer: string,
  extras: Partial<ClusterSnapshot> = {},
): string[] {
  const report = analyze(
    { ...createSnapshot(objects), ...extras },
    { filters: [analyzer], maskSeed: 't' },
  );
  expect(report.errors).toEqual([]);
  return report.results.flatMap(r =>
    r.failures.map(f => `${r.kind} ${r.name}: [${f.severity}] ${f.text}`),
  );
}

interface Case {
  name: string;
  spec: PodSpec;
  /** The reference kind's objects of the snapshot. */
  present: KubeObject[];
  other: KubeObject[];
  /** The template with the references optional. */
  optional?: PodSpec;
  missing: string;
}

const envFromCm = {
  containers: [
    container({ envFrom: [{ configMapRef: { name: 'app-config' } }] }),
  ],
};
const envKeyCm = (key: string, optional?: boolean) => ({
  containers: [
    container({
      env: [
        {
          name: 'DB_URL',
          valueFrom: {
            configMapKeyRef: {
              name: 'app-config',
              key,
              ...(optional ? { optional } : {}),
            },
          },
        },
      ],
    }),
  ],
});
const envKeySecret = (optional?: boolean) => ({
  containers: [
    container({
      env: [
        {
          name: 'DB_PASSWORD',
          valueFrom: {
            secretKeyRef: {
              name: 'db',
              key: 'password',
              ...(optional ? { optional } : {}),
            },
          },
        },
      ],
    }),
  ],
});
const volumeCm = (optional?: boolean) => ({
  volumes: [
    {
      name: 'config',
      configMap: {
        name: 'app-config',
        items: [{ key: 'a', path: 'a.yaml' }],
        ...(optional ? { optional } : {}),
      },
    },
  ],
});
const projectedSecret = (optional?: boolean) => ({
  volumes: [
    {
      name: 'creds',
      projected: {
        sources: [
          { secret: { name: 'db', ...(optional ? { optional } : {}) } },
        ],
      },
    },
  ],
});

const CASES: Case[] = [
  {
    name: 'envFrom ConfigMap',
    spec: envFromCm,
    present: [configMap('app-config')],
    other: [configMap('app-config', {}, 'other')],
    optional: {
      containers: [
        container({
          envFrom: [{ configMapRef: { name: 'app-config', optional: true } }],
        }),
      ],
    },
    missing:
      'Deployment shop/payments: [high] ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container app)',
  },
  {
    name: 'configMapKeyRef',
    spec: envKeyCm('a'),
    present: [configMap('app-config')],
    other: [configMap('app-config', { a: '1' }, 'other')],
    optional: envKeyCm('a', true),
    missing:
      'Deployment shop/payments: [high] ConfigMap app-config does not exist in namespace shop (referenced by env DB_URL of container app)',
  },
  {
    name: 'secretKeyRef',
    spec: envKeySecret(),
    present: [secret('db', { password: 'cA==' })],
    other: [secret('db', { password: 'cA==' }, 'other')],
    optional: envKeySecret(true),
    missing:
      'Deployment shop/payments: [high] Secret db does not exist in namespace shop (referenced by env DB_PASSWORD of container app)',
  },
  {
    name: 'ConfigMap volume',
    spec: volumeCm(),
    present: [configMap('app-config')],
    other: [configMap('app-config', { a: '1' }, 'other')],
    optional: volumeCm(true),
    missing:
      'Deployment shop/payments: [high] ConfigMap app-config does not exist in namespace shop (referenced by volume config)',
  },
  {
    name: 'projected Secret',
    spec: projectedSecret(),
    present: [secret('db')],
    other: [secret('db', undefined, 'other')],
    optional: projectedSecret(true),
    missing:
      'Deployment shop/payments: [high] Secret db does not exist in namespace shop (referenced by volume creds)',
  },
  {
    name: 'imagePullSecret',
    spec: { imagePullSecrets: [{ name: 'regcred' }] },
    present: [secret('regcred')],
    other: [secret('regcred', undefined, 'other')],
    missing:
      'Deployment shop/payments: [medium] Secret regcred does not exist in namespace shop (referenced by imagePullSecrets): images from a private registry cannot be pulled',
  },
  {
    name: 'ServiceAccount',
    spec: { serviceAccountName: 'deployer' },
    present: [obj('ServiceAccount', 'deployer')],
    other: [obj('ServiceAccount', 'deployer', 'other')],
    missing:
      'Deployment shop/payments: [high] ServiceAccount deployer does not exist in namespace shop: its pods cannot be created',
  },
  {
    name: 'PersistentVolumeClaim',
    spec: {
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'payments-data' } },
      ],
    },
    present: [
      obj('PersistentVolumeClaim', 'payments-data', NS, {
        status: { phase: 'Bound' },
      }),
    ],
    other: [
      obj('PersistentVolumeClaim', 'payments-data', 'other', {
        status: { phase: 'Bound' },
      }),
    ],
    missing:
      'Deployment shop/payments: [high] PersistentVolumeClaim payments-data does not exist in namespace shop (referenced by volume data): its pods stay Pending',
  },
  {
    name: 'PriorityClass (cluster-scoped)',
    spec: { priorityClassName: 'batch-high' },
    present: [obj('PriorityClass', 'batch-high', undefined, { value: 1000 })],
    other: [obj('PriorityClass', 'batch-low', undefined, { value: 10 })],
    missing:
      'Deployment shop/payments: [high] PriorityClass batch-high does not exist: its pods cannot be created',
  },
  {
    name: 'RuntimeClass (cluster-scoped)',
    spec: { runtimeClassName: 'gvisor' },
    present: [obj('RuntimeClass', 'gvisor', undefined, { handler: 'runsc' })],
    other: [obj('RuntimeClass', 'kata', undefined, { handler: 'kata' })],
    missing:
      'Deployment shop/payments: [high] RuntimeClass gvisor does not exist: its pods cannot be created',
  },
];

describe('References: a pod template refers to an object', () => {
  describe.each(CASES)('$name', c => {
    it('present: no finding', () => {
      expect(texts([deployment(c.spec), ...c.present], 'References')).toEqual(
        [],
      );
    });

    it('missing: reported once, on the Deployment', () => {
      // the kind is in the snapshot (another object of it), the referenced one is not
      const unrelated = {
        ...c.present[0],
        metadata: { ...c.present[0].metadata, name: 'unrelated' },
      };
      expect(texts([deployment(c.spec), unrelated], 'References')).toEqual([
        c.missing,
      ]);
    });

    it('present in another namespace only: reported (references are namespace-local)', () => {
      // (cluster-scoped kinds: another object of the kind)
      expect(texts([deployment(c.spec), ...c.other], 'References')).toEqual([
        c.missing,
      ]);
    });

    if (c.optional) {
      const optional = c.optional;
      it('optional: not reported when missing', () => {
        const unrelated = {
          ...c.present[0],
          metadata: { ...c.present[0].metadata, name: 'unrelated' },
        };
        expect(texts([deployment(optional), unrelated], 'References')).toEqual(
          [],
        );
      });
    }

    it('kind not in the snapshot, or said to exist elsewhere: not reported', () => {
      expect(texts([deployment(c.spec)], 'References')).toEqual([]);
      const unrelated = {
        ...c.present[0],
        metadata: { ...c.present[0].metadata, name: 'unrelated' },
      };
      const elsewhere: ExistingObject[] = [{ kind: c.present[0].kind }];
      expect(
        texts([deployment(c.spec), unrelated], 'References', {
          existsElsewhere: elsewhere,
        }),
      ).toEqual([]);
      const named: ExistingObject[] = [
        { ...c.present[0].metadata, kind: c.present[0].kind } as ExistingObject,
      ];
      expect(
        texts([deployment(c.spec), unrelated], 'References', {
          existsElsewhere: named,
        }),
      ).toEqual([]);
    });
  });
});

describe('References: keys', () => {
  it.each([
    ['present', envKeyCm('a'), [configMap('app-config', { a: '1' })], []],
    [
      'missing',
      envKeyCm('DB_URL'),
      [configMap('app-config', { a: '1' })],
      [
        'Deployment shop/payments: [high] ConfigMap app-config in namespace shop has no key DB_URL (referenced by env DB_URL of container app)',
      ],
    ],
    [
      'optional',
      envKeyCm('DB_URL', true),
      [configMap('app-config', { a: '1' })],
      [],
    ],
    [
      'in the namesake of another namespace only',
      envKeyCm('DB_URL'),
      [
        configMap('app-config', { a: '1' }),
        configMap('app-config', { DB_URL: 'x' }, 'other'),
      ],
      [
        'Deployment shop/payments: [high] ConfigMap app-config in namespace shop has no key DB_URL (referenced by env DB_URL of container app)',
      ],
    ],
    [
      'binaryData',
      envKeyCm('blob'),
      [{ ...configMap('app-config', {}), binaryData: { blob: 'AA==' } }],
      [],
    ],
    [
      'volume item',
      {
        volumes: [
          {
            name: 'config',
            configMap: { name: 'app-config', items: [{ key: 'b', path: 'b' }] },
          },
        ],
      },
      [configMap('app-config', { a: '1' })],
      [
        'Deployment shop/payments: [high] ConfigMap app-config in namespace shop has no key b (referenced by volume config)',
      ],
    ],
    [
      'Secret from a manifest (data present)',
      envKeySecret(),
      [secret('db', { user: 'dQ==' })],
      [
        'Deployment shop/payments: [high] Secret db in namespace shop has no key password (referenced by env DB_PASSWORD of container app)',
      ],
    ],
    [
      'Secret with stringData',
      envKeySecret(),
      [{ ...secret('db', {}), stringData: { password: 'p' } }],
      [],
    ],
    [
      'Secret read as metadata only (a live scan): keys unknown',
      envKeySecret(),
      [secret('db')],
      [],
    ],
  ] as Array<[string, PodSpec, KubeObject[], string[]]>)(
    '%s',
    (_name, spec, objects, expected) => {
      expect(texts([deployment(spec), ...objects], 'References')).toEqual(
        expected,
      );
    },
  );

  it('checks no key of an object said to exist elsewhere, even when the input has a copy', () => {
    const objects = [
      deployment(envKeyCm('DB_URL')),
      configMap('app-config', { a: '1' }),
    ];
    expect(texts(objects, 'References')).toHaveLength(1);
    expect(
      texts(objects, 'References', {
        existsElsewhere: [
          { kind: 'ConfigMap', namespace: NS, name: 'app-config' },
        ],
      }),
    ).toEqual([]);
    expect(
      texts(objects, 'References', {
        existsElsewhere: [
          { kind: 'ConfigMap', namespace: 'other', name: 'app-config' },
        ],
      }),
    ).toHaveLength(1);
  });

  it('names every place that uses a missing object, once per object', () => {
    const spec = {
      initContainers: [
        container({
          name: 'migrate',
          envFrom: [{ configMapRef: { name: 'app-config' } }],
        }),
      ],
      containers: [
        container({ envFrom: [{ configMapRef: { name: 'app-config' } }] }),
      ],
      volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
    };
    expect(
      texts([deployment(spec), configMap('unrelated')], 'References'),
    ).toEqual([
      'Deployment shop/payments: [high] ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container migrate, envFrom of container app, volume config)',
    ]);
  });

  it('does not report the built-in default ServiceAccount and priority classes', () => {
    const spec = {
      serviceAccountName: 'default',
      priorityClassName: 'system-node-critical',
    };
    expect(
      texts(
        [
          deployment(spec),
          obj('ServiceAccount', 'other'),
          obj('PriorityClass', 'x', undefined),
        ],
        'References',
      ),
    ).toEqual([]);
  });
});

describe('References: which object reports a template', () => {
  const spec = envFromCm;
  const owned = (
    kind: string,
    name: string,
    owner?: [string, string],
    extra: object = {},
  ): KubeObject => ({
    apiVersion: 'v1',
    kind,
    metadata: meta(
      name,
      NS,
      owner
        ? {
            ownerReferences: [
              { kind: owner[0], name: owner[1], controller: true },
            ],
          }
        : {},
    ),
    spec:
      kind === 'Pod'
        ? { containers: spec.containers }
        : { replicas: 1, template: { spec } },
    ...extra,
  });
  const cm = configMap('unrelated');

  it('a Deployment, not its ReplicaSets or pods', () => {
    const objects = [
      deployment(spec),
      owned('ReplicaSet', 'payments-1', ['Deployment', 'payments']),
      owned('Pod', 'payments-1-a', ['ReplicaSet', 'payments-1'], {
        status: { phase: 'Pending' },
      }),
      cm,
    ];
    expect(texts(objects, 'References').map(t => t.split(':')[0])).toEqual([
      'Deployment shop/payments',
    ]);
  });

  it('a ReplicaSet or pod whose controller is not in the input; never a ReplicaSet scaled to 0', () => {
    const objects = [
      owned('ReplicaSet', 'payments-1', ['Deployment', 'payments']),
      {
        ...owned('ReplicaSet', 'payments-0', ['Deployment', 'payments']),
        spec: { replicas: 0, template: { spec } },
      },
      owned('Pod', 'web-a', ['ReplicaSet', 'web-1'], {
        status: { phase: 'Pending' },
      }),
      cm,
    ];
    expect(texts(objects, 'References').map(t => t.split(':')[0])).toEqual([
      'Pod shop/web-a',
      'ReplicaSet shop/payments-1',
    ]);
  });

  it('a bare pod only before it starts; a CronJob rather than its unfinished Job; not a finished Job', () => {
    const cron: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta('report'),
      spec: {
        schedule: '0 * * * *',
        jobTemplate: { spec: { template: { spec } } },
      },
    };
    const objects = [
      owned('Pod', 'manual', undefined, { status: { phase: 'Pending' } }),
      owned('Pod', 'manifest'),
      owned('Pod', 'running', undefined, { status: { phase: 'Running' } }),
      cron,
      owned('Job', 'report-1', ['CronJob', 'report']),
      owned('Job', 'once', undefined, {
        status: { conditions: [{ type: 'Complete', status: 'True' }] },
      }),
      owned('Job', 'pending'),
      cm,
    ];
    expect(texts(objects, 'References').map(t => t.split(':')[0])).toEqual([
      'CronJob shop/report',
      'Job shop/pending',
      'Pod shop/manifest',
      'Pod shop/manual',
    ]);
  });

  it('with a namespace filter, only the objects of that namespace', () => {
    const other = { ...deployment(spec), metadata: meta('payments', 'other') };
    const report = analyze(createSnapshot([deployment(spec), other, cm]), {
      filters: ['References'],
      namespace: 'other',
    });
    expect(report.results.map(r => r.name)).toEqual(['other/payments']);
    expect(report.results[0].failures[0].text).toBe(
      'ConfigMap app-config does not exist in namespace other (referenced by envFrom of container app)',
    );
  });

  it('masks the names in the failure', () => {
    const report = analyze(createSnapshot([deployment(spec), cm]), {
      filters: ['References'],
      maskSeed: 'm',
    });
    const unmasked = report.results[0].failures[0].sensitive.map(
      s => s.unmasked,
    );
    expect(unmasked).toEqual(
      expect.arrayContaining(['app-config', 'shop', 'payments']),
    );
  });
});

describe('References: a claim whose StorageClass does not exist', () => {
  const pvc = (className?: string | null, extra: object = {}): KubeObject =>
    obj('PersistentVolumeClaim', 'data', NS, {
      spec: {
        ...(className !== undefined ? { storageClassName: className } : {}),
        resources: { requests: { storage: '1Gi' } },
      },
      status: { phase: 'Pending' },
      ...extra,
    });
  const sc = (name: string, isDefault = false) =>
    obj('StorageClass', name, undefined, {
      metadata: meta(
        name,
        undefined,
        isDefault
          ? {
              annotations: {
                'storageclass.kubernetes.io/is-default-class': 'true',
              },
            }
          : {},
      ),
      provisioner: 'x',
    });

  it.each([
    ['present', [pvc('fast'), sc('fast')], []],
    [
      'missing',
      [pvc('fast'), sc('standard', true)],
      [
        'PersistentVolumeClaim shop/data: [high] PersistentVolumeClaim shop/data uses StorageClass fast, which does not exist: it stays Pending',
      ],
    ],
    [
      'a class name that only labels static volumes',
      [
        pvc('manual'),
        sc('standard'),
        obj('PersistentVolume', 'pv1', undefined, {
          spec: { storageClassName: 'manual' },
        }),
      ],
      [],
    ],
    [
      'bound already',
      [pvc('fast', { status: { phase: 'Bound' } }), sc('standard')],
      [],
    ],
    ['explicitly no class', [pvc(''), sc('standard')], []],
    ['no class named, a default exists', [pvc(), sc('standard', true)], []],
    [
      'no class named, no default',
      [pvc(), sc('standard')],
      [
        'PersistentVolumeClaim shop/data: [medium] PersistentVolumeClaim shop/data names no StorageClass and no StorageClass is the default: it stays Pending until a PersistentVolume without a class matches it',
      ],
    ],
    [
      'no class named, no default, an available volume without class',
      [
        pvc(),
        sc('standard'),
        obj('PersistentVolume', 'pv1', undefined, {
          spec: {},
          status: { phase: 'Available' },
        }),
      ],
      [],
    ],
    ['StorageClass kind not in the snapshot', [pvc('fast')], []],
  ] as Array<[string, KubeObject[], string[]]>)(
    '%s',
    (_name, objects, expected) => {
      expect(texts(objects, 'References')).toEqual(expected);
    },
  );
});

describe('Scheduling', () => {
  const node = (
    name: string,
    labels: Record<string, string> = {},
    extra: {
      taints?: object[];
      allocatable?: object;
      unschedulable?: boolean;
    } = {},
  ): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {
      ...(extra.taints ? { taints: extra.taints } : {}),
      ...(extra.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      allocatable: {
        cpu: '4',
        memory: '8Gi',
        pods: '110',
        ...(extra.allocatable ?? {}),
      },
    },
  });
  const controlPlane = node(
    'cp',
    { 'node-role.kubernetes.io/control-plane': '' },
    {
      taints: [
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ],
    },
  );
  const ssd = node('w1', { disk: 'ssd', zone: 'a' });
  const hdd = node(
    'w2',
    { disk: 'hdd', zone: 'b' },
    {
      taints: [
        { key: 'dedicated', value: 'batch', effect: 'NoExecute' },
        { key: 'soft', effect: 'PreferNoSchedule' },
      ],
    },
  );
  const affinity = (key: string, operator: string, values?: string[]) => ({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key, operator, ...(values ? { values } : {}) },
              ],
            },
          ],
        },
      },
    },
  });
  const requests = (r: Record<string, string>) => ({
    containers: [container({ resources: { requests: r } })],
  });

  it.each([
    ['nodeSelector present', { nodeSelector: { disk: 'ssd' } }, [ssd, hdd], []],
    [
      'nodeSelector missing',
      { nodeSelector: { disk: 'nvme' } },
      [ssd, hdd],
      [
        'Deployment shop/payments: [high] no node matches nodeSelector disk=nvme: its pods stay Pending (2 nodes checked)',
      ],
    ],
    [
      'affinity present (In)',
      affinity('zone', 'In', ['a', 'c']),
      [ssd, hdd],
      [],
    ],
    [
      'affinity present (NotIn)',
      affinity('zone', 'NotIn', ['b']),
      [ssd, hdd],
      [],
    ],
    ['affinity present (Exists)', affinity('disk', 'Exists'), [ssd], []],
    [
      'affinity missing',
      affinity('zone', 'In', ['c']),
      [ssd, hdd],
      [
        'Deployment shop/payments: [high] no node matches the required node affinity (zone In [c]): its pods stay Pending (2 nodes checked)',
      ],
    ],
    [
      'nodeSelector and affinity each matched, not together',
      { nodeSelector: { disk: 'ssd' }, ...affinity('zone', 'In', ['b']) },
      [ssd, hdd],
      [
        'Deployment shop/payments: [high] no node matches nodeSelector disk=ssd together with the required node affinity (zone In [b]): its pods stay Pending (2 nodes checked)',
      ],
    ],
    [
      'taints not tolerated on every node',
      { nodeSelector: { disk: 'hdd' } },
      [ssd, hdd],
      [
        'Deployment shop/payments: [high] every node that matches its node selection (1) has a taint its pods do not tolerate: dedicated=batch:NoExecute on 1 node; its pods stay Pending',
      ],
    ],
    [
      'taint tolerated (Equal)',
      {
        nodeSelector: { disk: 'hdd' },
        tolerations: [
          { key: 'dedicated', value: 'batch', effect: 'NoExecute' },
        ],
      },
      [ssd, hdd],
      [],
    ],
    [
      'taint tolerated (Exists, any key)',
      { nodeSelector: { disk: 'hdd' }, tolerations: [{ operator: 'Exists' }] },
      [hdd],
      [],
    ],
    [
      'taint tolerated with the wrong value',
      {
        tolerations: [{ key: 'dedicated', value: 'web', effect: 'NoExecute' }],
      },
      [hdd, controlPlane],
      [
        'Deployment shop/payments: [high] every node (2) has a taint its pods do not tolerate: dedicated=batch:NoExecute on 1 node, node-role.kubernetes.io/control-plane:NoSchedule on 1 node; its pods stay Pending',
      ],
    ],
    [
      'a cordoned node',
      {},
      [node('w3', {}, { unschedulable: true })],
      [
        'Deployment shop/payments: [high] every node (1) has a taint its pods do not tolerate: node.kubernetes.io/unschedulable:NoSchedule on 1 node; its pods stay Pending',
      ],
    ],
    ['requests that fit', requests({ cpu: '2', memory: '1Gi' }), [ssd], []],
    [
      'requests larger than every node',
      requests({ cpu: '6', memory: '1Gi' }),
      [ssd, controlPlane],
      [
        'Deployment shop/payments: [high] its pods request cpu 6, more than any node its pods may run on can allocate (largest: 4): they stay Pending',
      ],
    ],
    [
      'requests that fit only a node the pods may not run on',
      requests({ memory: '12Gi' }),
      [
        ssd,
        node(
          'big',
          {},
          {
            allocatable: { memory: '64Gi' },
            taints: [{ key: 'big', effect: 'NoSchedule' }],
          },
        ),
      ],
      [
        'Deployment shop/payments: [high] its pods request memory 12Gi, more than any node its pods may run on can allocate (largest: 8Gi): they stay Pending',
      ],
    ],
    [
      'an extended resource no node has',
      {
        containers: [
          container({ resources: { limits: { 'nvidia.com/gpu': '1' } } }),
        ],
      },
      [ssd],
      [
        'Deployment shop/payments: [high] its pods request nvidia.com/gpu 1, more than any node its pods may run on can allocate (largest: 0): they stay Pending',
      ],
    ],
    ['no nodes in the snapshot', { nodeSelector: { disk: 'nvme' } }, [], []],
  ] as Array<[string, PodSpec, KubeObject[], string[]]>)(
    '%s',
    (_name, spec, nodes, expected) => {
      expect(texts([deployment(spec), ...nodes], 'Scheduling')).toEqual(
        expected,
      );
    },
  );

  it('counts init containers, sidecars and overhead as the scheduler does', () => {
    const spec = {
      initContainers: [
        container({
          name: 'sidecar',
          restartPolicy: 'Always',
          resources: { requests: { cpu: '1' } },
        }),
        container({
          name: 'migrate',
          resources: { requests: { cpu: '3500m' } },
        }),
      ],
      containers: [container({ resources: { requests: { cpu: '2' } } })],
      overhead: { cpu: '250m' },
    };
    // max(2 + 1, 1 + 3.5) + 0.25 = 4.75 > 4
    expect(texts([deployment(spec), ssd], 'Scheduling')).toEqual([
      'Deployment shop/payments: [high] its pods request cpu 4750m, more than any node its pods may run on can allocate (largest: 4): they stay Pending',
    ]);
  });

  it('checks a DaemonSet only for requests, on the nodes it targets; skips pods bound to a node', () => {
    const ds = (spec: PodSpec): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta('agent'),
      spec: { template: { spec: { containers: [container({})], ...spec } } },
    });
    const bound: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta('bound'),
      spec: {
        nodeName: 'w1',
        nodeSelector: { disk: 'nvme' },
        containers: [container({})],
      },
      status: { phase: 'Pending' },
    };
    expect(
      texts(
        [
          ds({ nodeSelector: { disk: 'nvme' } }),
          ds({}),
          bound,
          ssd,
          controlPlane,
        ],
        'Scheduling',
      ),
    ).toEqual([]);
    expect(texts([ds(requests({ cpu: '8' })), ssd], 'Scheduling')).toEqual([
      'DaemonSet shop/agent: [high] its pods request cpu 8, more than any node it runs on can allocate (largest: 4): they stay Pending',
    ]);
  });
});

describe('AutoscalerRequests', () => {
  const hpa = (spec: object, apiVersion = 'autoscaling/v2'): KubeObject => ({
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('payments'),
    spec: {
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'payments',
      },
      minReplicas: 1,
      maxReplicas: 5,
      ...spec,
    },
  });
  const resource = (name: string, type = 'Utilization') => ({
    type: 'Resource',
    resource: {
      name,
      target: {
        type,
        ...(type === 'Utilization'
          ? { averageUtilization: 70 }
          : { averageValue: '100m' }),
      },
    },
  });
  const target = (containers: object[]) => deployment({ containers });
  const withRequests = container({
    resources: { requests: { cpu: '100m', memory: '128Mi' } },
  });
  const limitsOnly = container({
    name: 'sidecar',
    resources: { limits: { cpu: '100m' } },
  });
  const none = container({ name: 'sidecar' });

  it.each([
    ['cpu requested', hpa({ metrics: [resource('cpu')] }), [withRequests], []],
    [
      'cpu from limits (the request defaults to the limit)',
      hpa({ metrics: [resource('cpu')] }),
      [withRequests, limitsOnly],
      [],
    ],
    [
      'cpu missing in a container',
      hpa({ metrics: [resource('cpu')] }),
      [withRequests, none],
      [
        'HorizontalPodAutoscaler shop/payments: [high] HorizontalPodAutoscaler shop/payments scales on cpu utilization, but Deployment shop/payments sets no cpu request in container sidecar: the utilization cannot be computed and it does not scale',
      ],
    ],
    [
      'memory missing in every container',
      hpa({ metrics: [resource('memory')] }),
      [container({}), none],
      [
        'HorizontalPodAutoscaler shop/payments: [high] HorizontalPodAutoscaler shop/payments scales on memory utilization, but Deployment shop/payments sets no memory request in containers [app sidecar]: the utilization cannot be computed and it does not scale',
      ],
    ],
    [
      'an average value, not utilization',
      hpa({ metrics: [resource('cpu', 'AverageValue')] }),
      [none],
      [],
    ],
    [
      'autoscaling/v1 targetCPUUtilizationPercentage',
      hpa({ targetCPUUtilizationPercentage: 80 }, 'autoscaling/v1'),
      [none],
      [
        'HorizontalPodAutoscaler shop/payments: [high] HorizontalPodAutoscaler shop/payments scales on cpu utilization, but Deployment shop/payments sets no cpu request in container sidecar: the utilization cannot be computed and it does not scale',
      ],
    ],
    [
      'no metrics: the default 80% CPU',
      hpa({}),
      [none],
      [
        'HorizontalPodAutoscaler shop/payments: [high] HorizontalPodAutoscaler shop/payments scales on cpu utilization, but Deployment shop/payments sets no cpu request in container sidecar: the utilization cannot be computed and it does not scale',
      ],
    ],
    [
      'a ContainerResource metric looks at its container only',
      hpa({
        metrics: [
          {
            type: 'ContainerResource',
            containerResource: {
              name: 'cpu',
              container: 'app',
              target: { type: 'Utilization', averageUtilization: 60 },
            },
          },
        ],
      }),
      [withRequests, none],
      [],
    ],
    [
      'target missing (the HorizontalPodAutoscaler analyzer says so)',
      hpa({ metrics: [resource('cpu')] }),
      [],
      [],
    ],
  ] as Array<[string, KubeObject, object[], string[]]>)(
    '%s',
    (_name, h, containers, expected) => {
      const objects = containers.length ? [h, target(containers)] : [h];
      expect(texts(objects, 'AutoscalerRequests')).toEqual(expected);
    },
  );

  it('not when a LimitRange of the namespace gives containers a default request (or limit)', () => {
    const limitRange = (limits: object) =>
      obj('LimitRange', 'defaults', NS, {
        spec: { limits: [{ type: 'Container', ...limits }] },
      });
    const objects = [hpa({ metrics: [resource('cpu')] }), target([none])];
    expect(
      texts(
        [...objects, limitRange({ defaultRequest: { cpu: '100m' } })],
        'AutoscalerRequests',
      ),
    ).toEqual([]);
    expect(
      texts(
        [...objects, limitRange({ default: { cpu: '200m' } })],
        'AutoscalerRequests',
      ),
    ).toEqual([]);
    expect(
      texts(
        [...objects, limitRange({ defaultRequest: { memory: '64Mi' } })],
        'AutoscalerRequests',
      ),
    ).toHaveLength(1);
    const elsewhere = {
      ...limitRange({ defaultRequest: { cpu: '100m' } }),
      metadata: meta('defaults', 'other'),
    };
    expect(texts([...objects, elsewhere], 'AutoscalerRequests')).toHaveLength(
      1,
    );
  });

  it('a target in another namespace does not count', () => {
    const other = {
      ...target([withRequests]),
      metadata: meta('payments', 'other'),
    };
    expect(
      texts([hpa({ metrics: [resource('cpu')] }), other], 'AutoscalerRequests'),
    ).toEqual([]);
  });
});
