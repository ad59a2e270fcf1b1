import {
  decodeInstanceSecret,
  instanceRecord,
  instanceSecret,
} from './instanceSecret';

describe('Timoni instance storage format', () => {
  const record = instanceRecord({
    name: 'web',
    namespace: 'apps',
    module: {
      name: 'timoni.sh/minimal',
      repository: 'oci://reg.example.internal/minimal',
      version: '1.0.0',
      digest: `sha256:${'c'.repeat(64)}`,
    },
    valuesCue: '{\n\treplicas: 2\n}',
    inventory: [{ id: 'apps_web_apps_Deployment', v: 'v1' }],
    images: [],
    now: new Date('2026-01-02T03:04:05.678Z'),
  });

  it('builds the Secret timoni.<name> of type timoni.sh/instance with Timoni labels', () => {
    const s = instanceSecret(record);
    expect(s.metadata).toEqual({
      name: 'timoni.web',
      namespace: 'apps',
      labels: {
        'app.kubernetes.io/name': 'web',
        'app.kubernetes.io/component': 'instance',
        'app.kubernetes.io/created-by': 'timoni',
      },
    });
    expect(s.type).toBe('timoni.sh/instance');
    const json = JSON.parse(Buffer.from(s.data!.instance, 'base64').toString());
    expect(json).toMatchObject({
      kind: 'Instance',
      apiVersion: 'timoni.sh/v1alpha1',
      lastTransitionTime: '2026-01-02T03:04:05Z',
      inventory: { entries: [{ id: 'apps_web_apps_Deployment', v: 'v1' }] },
    });
    expect(decodeInstanceSecret(s)).toEqual(record);
  });

  it('reads a record written by timoni (no images, extra fields kept)', () => {
    const timoniJson = {
      kind: 'Instance',
      apiVersion: 'timoni.sh/v1alpha1',
      metadata: {
        name: 'redis',
        namespace: 'db',
        labels: { 'bundle.timoni.sh/name': 'core' },
      },
      module: {
        name: 'timoni.sh/redis',
        repository: 'oci://reg.example.internal/redis',
        version: '7.2.0',
        digest: 'sha256:00',
      },
      values: '{}',
      inventory: { entries: [] },
    };
    const secret = {
      metadata: { name: 'timoni.redis', namespace: 'db' },
      data: {
        instance: Buffer.from(JSON.stringify(timoniJson)).toString('base64'),
      },
    };
    expect(decodeInstanceSecret(secret).metadata.labels).toEqual({
      'bundle.timoni.sh/name': 'core',
    });
  });

  it('fails clearly on a Secret without instance data or with bad JSON', () => {
    expect(() =>
      decodeInstanceSecret({
        metadata: { name: 'timoni.x', namespace: 'a' },
        data: {},
      }),
    ).toThrow(/instance data not found in Secret\/a\/timoni.x/);
    expect(() =>
      decodeInstanceSecret({
        metadata: { name: 'timoni.x', namespace: 'a' },
        data: { instance: Buffer.from('{oops').toString('base64') },
      }),
    ).toThrow(/invalid instance found in Secret\/a\/timoni.x/);
  });
});
