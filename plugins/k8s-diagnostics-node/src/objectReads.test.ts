import {
  ClusterSnapshot,
  KubeObject,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterRequestError, KubeHttp } from './client';
import { readObjectsInto } from './objectReads';
import { readRowObjects, rowObjectsOfTable } from './rowObjects';

const owned = (
  kind: string,
  name: string,
  owner?: { kind: string; name: string },
): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: {
    name,
    namespace: 'shop',
    ...(owner
      ? {
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: owner.kind,
              name: owner.name,
              uid: 'u',
              controller: true,
            },
          ],
        }
      : {}),
  },
});

/** A KubeHttp over fixed objects by path; records each path asked. */
function fakeHttp(
  objects: Record<string, unknown>,
): KubeHttp & { asked: string[] } {
  const asked: string[] = [];
  return {
    server: 'https://fake',
    context: 'fake',
    asked,
    getJson: async path => {
      asked.push(path);
      if (path in objects) return structuredClone(objects[path]);
      if (path.includes('forbidden'))
        throw new ClusterRequestError('forbidden (403)', { status: 403 });
      throw new ClusterRequestError('not found', { status: 404 });
    },
    getText: async () => '',
    getStreamed: async () => {
      throw new Error('not used');
    },
  };
}

describe('readObjectsInto', () => {
  it('reads what the snapshot lacks and the owners up the chain, once each; skips gone objects, names forbidden ones', async () => {
    const http = fakeHttp({
      '/apis/apps/v1/namespaces/shop/replicasets/web-1': {
        metadata: owned('ReplicaSet', 'web-1', {
          kind: 'Deployment',
          name: 'web',
        }).metadata,
      },
      '/apis/apps/v1/namespaces/shop/deployments/web': {
        metadata: { name: 'web', namespace: 'shop' },
      },
    });
    // the pod is held (read in full by the scan); its ReplicaSet and Deployment are not
    const snapshot: ClusterSnapshot = {
      objects: {
        Pod: [owned('Pod', 'web-1-abc', { kind: 'ReplicaSet', name: 'web-1' })],
      },
    };
    const out = await readObjectsInto(http, snapshot, [
      { kind: 'Pod', name: 'web-1-abc', namespace: 'shop' },
      { kind: 'Pod', name: 'gone', namespace: 'shop' },
      { kind: 'Secret', name: 'forbidden', namespace: 'shop' },
      { kind: 'NoSuchKind', name: 'x' },
    ]);
    expect(http.asked.sort()).toEqual([
      '/api/v1/namespaces/shop/pods/gone',
      '/api/v1/namespaces/shop/secrets/forbidden',
      '/apis/apps/v1/namespaces/shop/deployments/web',
      '/apis/apps/v1/namespaces/shop/replicasets/web-1',
    ]);
    expect(out).toMatchObject({
      requests: 4,
      read: 2,
      errors: ['forbidden (403)'],
    });
    expect(snapshot.objects.ReplicaSet).toEqual([
      expect.objectContaining({ kind: 'ReplicaSet', apiVersion: 'apps/v1' }),
    ]);
    expect(snapshot.objects.Deployment?.map(d => d.metadata.name)).toEqual([
      'web',
    ]);
    // a second call finds everything held: no request
    http.asked.length = 0;
    await readObjectsInto(http, snapshot, [
      { kind: 'Pod', name: 'web-1-abc', namespace: 'shop' },
    ]);
    expect(http.asked).toEqual([]);
  });

  it('reads at most `max` objects', async () => {
    const http = fakeHttp({});
    const refs = Array.from({ length: 10 }, (_, i) => ({
      kind: 'Pod',
      name: `p${i}`,
      namespace: 'shop',
    }));
    expect(
      (await readObjectsInto(http, { objects: {} }, refs, { max: 3 })).requests,
    ).toBe(3);
  });

  it('throws a 401', async () => {
    const http = fakeHttp({});
    http.getJson = async () => {
      throw new ClusterRequestError('rejected', { status: 401 });
    };
    await expect(
      readObjectsInto(http, { objects: {} }, [
        { kind: 'Pod', name: 'p', namespace: 'shop' },
      ]),
    ).rejects.toThrow('rejected');
  });
});

describe('rowObjectsOfTable / readRowObjects', () => {
  const table = {
    kind: 'Table',
    columnDefinitions: [
      { name: 'Name' },
      { name: 'Ready' },
      { name: 'Status' },
    ],
    rows: [
      {
        cells: ['web-1-abc', '1/1', 'Running'],
        object: {
          metadata: {
            name: 'web-1-abc',
            namespace: 'shop',
            labels: { app: 'web' },
            managedFields: [{}],
            annotations: { a: 'b' },
          },
        },
      },
      {
        cells: ['web-1-def', '0/1', 'Pending'],
        object: { metadata: { name: 'web-1-def', namespace: 'shop' } },
      },
      { cells: ['no-object', '1/1', 'Running'] },
    ],
  };

  it('keeps name, namespace, labels and owners, and what the row says of readiness', () => {
    expect(rowObjectsOfTable('Pod', table)).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'web-1-abc',
          namespace: 'shop',
          labels: { app: 'web' },
        },
        status: { phase: 'Running' },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-1-def', namespace: 'shop' },
      },
    ]);
    const deployments = {
      ...table,
      rows: [
        {
          cells: ['web', '2/3', ''],
          object: { metadata: { name: 'web', namespace: 'shop' } },
        },
      ],
    };
    expect(rowObjectsOfTable('Deployment', deployments)).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas: 3 },
        status: { readyReplicas: 2 },
      },
    ]);
    expect(rowObjectsOfTable('Pod', { kind: 'PodList' })).toEqual([]);
  });

  it('asks for one Table with the metadata and the selector', async () => {
    const path = `/api/v1/namespaces/shop/pods?includeObject=Metadata&labelSelector=${encodeURIComponent(
      'app=web',
    )}`;
    const http = fakeHttp({ [path]: table });
    expect(
      (
        await readRowObjects(http, 'Pod', {
          namespace: 'shop',
          labelSelector: 'app=web',
        })
      ).length,
    ).toBe(2);
    expect(http.asked).toEqual([path]);
  });
});
