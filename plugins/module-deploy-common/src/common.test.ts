import {
  diffObjects,
  maskSecretChanges,
  isDnsLabel,
  evaluateReadiness,
  formatCue,
  inventoryOf,
  mergeValues,
  objectId,
  parseInventoryEntry,
  parseOciReference,
  sortForApply,
  staleEntries,
  valuesSchemaFrom,
  KubeObject,
} from './index';

const obj = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('mergeValues (Timoni override merge)', () => {
  it('replaces scalars, merges structs by key, truncates lists to the shorter one', () => {
    const base = { a: 1, s: { x: 1, y: 2 }, l: ['p', 'q', 'r'], keep: true };
    expect(mergeValues(base, [{ a: 2, s: { y: 3, z: 4 }, l: ['P'] }])).toEqual({
      a: 2,
      s: { x: 1, y: 3, z: 4 },
      l: ['P'],
      keep: true,
    });
    expect(mergeValues({ l: [] }, [{ l: ['dropped'] }])).toEqual({ l: [] });
    expect(mergeValues({ l: [{ a: 1, b: 2 }] }, [{ l: [{ a: 9 }] }])).toEqual({
      l: [{ a: 9, b: 2 }],
    });
    expect(mergeValues({ s: 'x' }, [{ s: { deep: 1 } }])).toEqual({
      s: { deep: 1 },
    });
  });

  it('applies overlays in order', () => {
    expect(mergeValues({ a: 1 }, [{ a: 2 }, { a: 3 }])).toEqual({ a: 3 });
  });

  it('names the path when an overlay changes a struct into a scalar', () => {
    expect(() => mergeValues({ s: { x: 1 } }, [{ s: 'flat' }])).toThrow(
      /values\.s: the overlay sets a scalar where the module's values have a struct/,
    );
  });
});

describe('formatCue', () => {
  it('prints CUE with quoted labels where needed', () => {
    expect(formatCue({ a: 1, 'b-c': ['x'], d: {} })).toBe(
      '{\n\ta: 1\n\t"b-c": ["x"]\n\td: {}\n}',
    );
  });
});

describe('inventory', () => {
  it('uses Timoni ids and finds stale entries', () => {
    const objs = [
      obj('apps/v1', 'Deployment', 'web', 'apps'),
      obj('v1', 'Namespace', 'apps'),
    ];
    expect(objectId(objs[0])).toBe('apps_web_apps_Deployment');
    expect(inventoryOf(objs)).toEqual([
      { id: 'apps_web_apps_Deployment', v: 'v1' },
      { id: '_apps__Namespace', v: 'v1' },
    ]);
    expect(parseInventoryEntry({ id: '_apps__Namespace', v: 'v1' })).toEqual({
      namespace: '',
      name: 'apps',
      group: '',
      kind: 'Namespace',
      version: 'v1',
    });
    expect(
      staleEntries(
        [
          { id: 'a_b__ConfigMap', v: 'v1' },
          { id: 'apps_web_apps_Deployment', v: 'v1' },
        ],
        inventoryOf(objs),
      ),
    ).toEqual([{ id: 'a_b__ConfigMap', v: 'v1' }]);
    expect(() => parseInventoryEntry({ id: 'garbage', v: 'v1' })).toThrow(
      /invalid inventory id 'garbage'/,
    );
  });
});

describe('sortForApply', () => {
  it('puts CRDs and Namespaces first, then the kind order, then unknown kinds', () => {
    const sorted = sortForApply([
      obj('example.com/v1', 'Widget', 'w', 'apps'),
      obj('apps/v1', 'Deployment', 'web', 'apps'),
      obj('v1', 'Namespace', 'apps'),
      obj(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        'widgets.example.com',
      ),
      obj('v1', 'ConfigMap', 'cm', 'apps'),
    ]);
    expect(sorted.map(o => o.kind)).toEqual([
      'CustomResourceDefinition',
      'Namespace',
      'ConfigMap',
      'Deployment',
      'Widget',
    ]);
  });
});

describe('diffObjects', () => {
  it('reports field changes and ignores server-owned metadata and status', () => {
    const live = {
      kind: 'Deployment',
      metadata: { name: 'web', resourceVersion: '1', managedFields: [] },
      spec: { replicas: 1, paused: false },
      status: { x: 1 },
    };
    const next = {
      kind: 'Deployment',
      metadata: { name: 'web', resourceVersion: '2' },
      spec: { replicas: 3, template: { a: 1 } },
    };
    expect(diffObjects(live, next)).toEqual([
      { path: 'spec.paused', op: 'remove', before: false },
      { path: 'spec.replicas', op: 'change', before: 1, after: 3 },
      { path: 'spec.template', op: 'add', after: { a: 1 } },
    ]);
  });

  it('masks Secret values but still shows that they changed', () => {
    const changes = diffObjects(
      { kind: 'Secret', metadata: { name: 's' }, data: { p: 'b2xk' } },
      { kind: 'Secret', metadata: { name: 's' }, data: { p: 'bmV3' } },
    );
    expect(changes).toEqual([
      { path: 'data.p', op: 'change', before: '***', after: '***' },
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/b2xk|bmV3/);
  });

  it('finds every changed Secret value: values are compared before they are masked', () => {
    // 'pass-46' and 'pass-340' share the 16-bit fingerprint an earlier version compared:
    // a password change between them was reported as no change.
    expect(
      diffObjects(
        {
          kind: 'Secret',
          metadata: { name: 's' },
          stringData: { p: 'pass-46' },
        },
        {
          kind: 'Secret',
          metadata: { name: 's' },
          stringData: { p: 'pass-340' },
        },
      ),
    ).toEqual([
      { path: 'stringData.p', op: 'change', before: '***', after: '***' },
    ]);
    expect(
      diffObjects(
        { kind: 'Secret', metadata: { name: 's' }, data: { p: 'same' } },
        { kind: 'Secret', metadata: { name: 's' }, data: { p: 'same' } },
      ),
    ).toEqual([]);
  });
});

describe('diffObjects on lists', () => {
  const deployment = (
    env: Array<{ name: string; value?: string }>,
    extra: Record<string, unknown> = {},
  ) => ({
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'app:1', env, ...extra },
            { name: 'sidecar', image: 'proxy:1' },
          ],
        },
      },
    },
  });
  const envPath = 'spec.template.spec.containers[name=app].env';
  const env = [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
    { name: 'C', value: '3' },
    { name: 'D', value: '4' },
  ];

  it('adding one env var in the middle of a list shows exactly one added item', () => {
    const inserted = [
      ...env.slice(0, 2),
      { name: 'LOG_LEVEL', value: 'debug' },
      ...env.slice(2),
    ];
    expect(diffObjects(deployment(env), deployment(inserted))).toEqual([
      {
        path: `${envPath}[name=LOG_LEVEL]`,
        op: 'add',
        after: { name: 'LOG_LEVEL', value: 'debug' },
      },
    ]);
  });

  it('removing one env var shows exactly one removed item', () => {
    expect(
      diffObjects(deployment(env), deployment(env.filter(e => e.name !== 'B'))),
    ).toEqual([
      {
        path: `${envPath}[name=B]`,
        op: 'remove',
        before: { name: 'B', value: '2' },
      },
    ]);
  });

  it("changing one item's value shows that field only, named by the item's key", () => {
    const changed = env.map(e => (e.name === 'C' ? { ...e, value: '30' } : e));
    expect(diffObjects(deployment(env), deployment(changed))).toEqual([
      {
        path: `${envPath}[name=C].value`,
        op: 'change',
        before: '3',
        after: '30',
      },
    ]);
  });

  it('a reorder of keyed items is no change, at any depth', () => {
    const live = deployment(env);
    const next = deployment(env);
    next.spec.template.spec.containers.reverse();
    expect(diffObjects(live, next)).toEqual([]);
  });

  it('a reorder of env vars is one change of their order (a later var may refer to an earlier one)', () => {
    const reordered = [env[1], env[0], env[2], env[3]];
    expect(diffObjects(deployment(env), deployment(reordered))).toEqual([
      {
        path: `${envPath} (order)`,
        op: 'change',
        before: ['[name=A]', '[name=B]', '[name=C]', '[name=D]'],
        after: ['[name=B]', '[name=A]', '[name=C]', '[name=D]'],
      },
    ]);
    // an insertion keeps the others' order: only the added item
    const inserted = [
      ...env.slice(0, 2),
      { name: 'E', value: '5' },
      ...env.slice(2),
    ];
    expect(
      diffObjects(deployment(env), deployment(inserted)).map(c => c.op),
    ).toEqual(['add']);
  });

  it('matches lists without a merge key by index', () => {
    const withTolerations = (keys: string[]) => ({
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        template: {
          spec: {
            tolerations: keys.map(key => ({ key, operator: 'Exists' })),
            containers: [{ name: 'app', args: ['--a', '--b'] }],
          },
        },
      },
    });
    const live = withTolerations(['x', 'y']);
    const next = withTolerations(['y', 'x', 'z']);
    next.spec.template.spec.containers[0].args = ['--b', '--a'];
    expect(diffObjects(live, next)).toEqual([
      {
        path: 'spec.template.spec.containers[name=app].args[0]',
        op: 'change',
        before: '--a',
        after: '--b',
      },
      {
        path: 'spec.template.spec.containers[name=app].args[1]',
        op: 'change',
        before: '--b',
        after: '--a',
      },
      {
        path: 'spec.template.spec.tolerations[0].key',
        op: 'change',
        before: 'x',
        after: 'y',
      },
      {
        path: 'spec.template.spec.tolerations[1].key',
        op: 'change',
        before: 'y',
        after: 'x',
      },
      {
        path: 'spec.template.spec.tolerations[2]',
        op: 'add',
        after: { key: 'z', operator: 'Exists' },
      },
    ]);
  });

  it('keys ports, volumes and volumeMounts as Kubernetes does', () => {
    const live = deployment([], {
      ports: [
        { containerPort: 8080, protocol: 'TCP' },
        { containerPort: 53, protocol: 'UDP' },
      ],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    });
    const next = deployment([], {
      ports: [
        { containerPort: 53, protocol: 'UDP', name: 'dns' },
        { containerPort: 53, protocol: 'TCP' },
        { containerPort: 8080, protocol: 'TCP' },
      ],
      volumeMounts: [{ name: 'data', mountPath: '/var/data' }],
    });
    const c = 'spec.template.spec.containers[name=app]';
    expect(diffObjects(live, next)).toEqual([
      {
        path: `${c}.ports[containerPort=53,protocol=UDP].name`,
        op: 'add',
        after: 'dns',
      },
      {
        path: `${c}.ports[containerPort=53]`,
        op: 'add',
        after: { containerPort: 53, protocol: 'TCP' },
      },
      {
        path: `${c}.volumeMounts[mountPath=/var/data]`,
        op: 'add',
        after: { name: 'data', mountPath: '/var/data' },
      },
      {
        path: `${c}.volumeMounts[mountPath=/data]`,
        op: 'remove',
        before: { name: 'data', mountPath: '/data' },
      },
    ]);
    const svc = (ports: Array<{ name: string; port: number }>) => ({
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports },
    });
    expect(
      diffObjects(
        svc([
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ]),
        svc([
          { name: 'https', port: 443 },
          { name: 'http', port: 8080 },
        ]),
      ),
    ).toEqual([
      {
        path: 'spec.ports[port=8080]',
        op: 'add',
        after: { name: 'http', port: 8080 },
      },
      {
        path: 'spec.ports[port=80]',
        op: 'remove',
        before: { name: 'http', port: 80 },
      },
    ]);
  });

  it('falls back to index matching where the key is missing or repeated, and quotes odd key values', () => {
    const dup = [
      { name: 'A', value: '1' },
      { name: 'A', value: '2' },
    ];
    expect(
      diffObjects(deployment(dup), deployment([...dup].reverse())),
    ).toEqual([
      { path: `${envPath}[0].value`, op: 'change', before: '1', after: '2' },
      { path: `${envPath}[1].value`, op: 'change', before: '2', after: '1' },
    ]);
    expect(
      diffObjects(deployment([]), deployment([{ name: 'A B]', value: 'x' }])),
    ).toEqual([
      {
        path: `${envPath}[name="A B]"]`,
        op: 'add',
        after: { name: 'A B]', value: 'x' },
      },
    ]);
  });
});

describe('maskSecretChanges', () => {
  const changes = [
    {
      path: 'data.password',
      op: 'change' as const,
      before: 'czNjcjN0',
      after: 'Y2g0bmczZA==',
    },
    {
      path: 'stringData',
      op: 'add' as const,
      after: { token: 't0k3n', url: 'u' },
    },
    { path: 'data["tls.key"]', op: 'remove' as const, before: 'a2V5' },
    {
      path: 'metadata.labels.app',
      op: 'change' as const,
      before: 'a',
      after: 'b',
    },
    { path: 'dataSource', op: 'add' as const, after: 'x' },
  ];

  it('masks every value under data and stringData of a Secret, keeping keys and other fields', () => {
    expect(maskSecretChanges('Secret', changes)).toEqual([
      { path: 'data.password', op: 'change', before: '***', after: '***' },
      { path: 'stringData', op: 'add', after: { token: '***', url: '***' } },
      { path: 'data["tls.key"]', op: 'remove', before: '***' },
      { path: 'metadata.labels.app', op: 'change', before: 'a', after: 'b' },
      { path: 'dataSource', op: 'add', after: 'x' },
    ]);
  });

  it('leaves the changes of other kinds as they are', () => {
    expect(maskSecretChanges('ConfigMap', changes)).toBe(changes);
    expect(maskSecretChanges(undefined, changes)).toBe(changes);
  });
});

describe('evaluateReadiness', () => {
  it('follows Deployment replicas, Job conditions and Ready conditions', () => {
    const dep = (available: number) => ({
      kind: 'Deployment',
      metadata: { generation: 2 },
      spec: { replicas: 2 },
      status: {
        observedGeneration: 2,
        updatedReplicas: 2,
        availableReplicas: available,
      },
    });
    expect(evaluateReadiness(dep(1)).state).toBe('progressing');
    expect(evaluateReadiness(dep(2)).state).toBe('ready');
    expect(
      evaluateReadiness({
        kind: 'Job',
        status: {
          conditions: [
            { type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' },
          ],
        },
      }),
    ).toEqual({ state: 'failed', message: 'BackoffLimitExceeded' });
    expect(
      evaluateReadiness({
        kind: 'Widget',
        status: {
          conditions: [{ type: 'Ready', status: 'False', message: 'waiting' }],
        },
      }),
    ).toEqual({ state: 'progressing', message: 'Ready is False: waiting' });
    expect(evaluateReadiness({ kind: 'ConfigMap' }).state).toBe('ready');
  });
});

describe('parseOciReference', () => {
  it('parses tags and digests', () => {
    expect(
      parseOciReference('oci://reg.example.internal/org/mod:1.0.0'),
    ).toEqual({
      host: 'reg.example.internal',
      repository: 'org/mod',
      tag: '1.0.0',
      digest: undefined,
      url: 'oci://reg.example.internal/org/mod',
    });
    const d = `sha256:${'b'.repeat(64)}`;
    expect(parseOciReference(`oci://localhost:5000/mod@${d}`)).toMatchObject({
      host: 'localhost:5000',
      repository: 'mod',
      digest: d,
      tag: undefined,
    });
    expect(parseOciReference('oci://reg.example.internal/org/mod').tag).toBe(
      'latest',
    );
  });

  it.each([
    ['reg.example.internal/org/mod', /must start with oci:\/\//],
    ['oci://reg.example.internal', /expected oci:\/\/host\/repository/],
    ['oci://reg.example.internal/Org/Mod', /bad repository/],
    ['oci://reg.example.internal/org/mod@sha256:abc', /digest must be sha256/],
  ])('rejects %s', (ref, re) => {
    expect(() => parseOciReference(ref)).toThrow(re);
  });
});

describe('valuesSchemaFrom', () => {
  it('types defaults, lists required fields, marks injected fields read-only', () => {
    const s = valuesSchemaFrom(
      { replicas: 1, kubeVersion: '1.30.0', metadata: { name: 'x' } },
      [['message'], ['kubeVersion']],
      'm',
    );
    expect(s.required).toEqual(['message']);
    expect(s.properties?.replicas).toEqual({ type: 'integer', default: 1 });
    expect(s.properties?.kubeVersion?.readOnly).toBe(true);
    expect(s.properties?.metadata?.properties?.name?.readOnly).toBe(true);
  });
});

describe('isDnsLabel', () => {
  it('accepts lowercase DNS labels of at most 63 characters', () => {
    for (const ok of ['a', 'web', 'web-1', '0abc', 'a'.repeat(63)])
      expect(isDnsLabel(ok)).toBe(true);
  });
  it('rejects upper case, dots, underscores, edges with - and names over 63 characters', () => {
    for (const bad of [
      '',
      'Web',
      'a.b',
      'a_b',
      '-a',
      'a-',
      'a b',
      'a'.repeat(64),
    ])
      expect(isDnsLabel(bad)).toBe(false);
  });
});
