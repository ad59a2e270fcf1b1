/**
 * GET /entity answers with an ETag over the stored result, and 304 to a request that names it,
 * without a cluster request while the stored scan is fresh.
 */
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { recordingCluster } from '@periscope/test-utils';
import request from 'supertest';
import { k8sDiagnosticsPlugin } from './plugin';
import { createFindingsStore } from './services/FindingsStore';
import { seedEntity } from './__testUtils__/fixtures';

const REF = 'component:default/payments';
const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': 'payments',
      'backstage.io/kubernetes-namespace': 'shop',
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
};
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('k8s-diagnostics GET /entity caching', () => {
  let cluster: Awaited<ReturnType<typeof recordingCluster>>;
  beforeEach(async () => {
    cluster = await recordingCluster();
  });
  afterEach(() => cluster.close());

  async function start(
    result:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
  ) {
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    // stored now: fresh for the hour of cacheTtlSeconds
    await seedEntity(store, REF, 'payments', 'c1', new Date());
    const { server } = await startTestBackend({
      features: [
        k8sDiagnosticsPlugin,
        catalogServiceMock.factory({ entities: [entity] }),
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'c1',
                      url: cluster.url,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: 't',
                    },
                  ],
                },
              ],
            },
            k8sDiagnostics: {
              scanTimeoutMs: 2000,
              cacheTtlSeconds: 3600,
              operatorResults: { enabled: false },
            },
          },
        }),
        mockServices.permissions.factory({ result }),
      ],
    });
    return { server, store };
  }

  const url = `/api/k8s-diagnostics/entity?entityRef=${REF}`;

  it('sends an ETag and Cache-Control, answers 304 while the stored scan is unchanged, 200 with a new ETag after a scan', async () => {
    const { server, store } = await start();
    const first = await request(server).get(url);
    expect(first.status).toBe(200);
    expect(first.body.groups.length).toBeGreaterThan(0);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');

    const notModified = await request(server)
      .get(url)
      .set('If-None-Match', etag);
    expect(notModified.status).toBe(304);
    expect(notModified.text ?? '').toBe('');
    expect(
      (await request(server).get(url).set('If-None-Match', `"other", ${etag}`))
        .status,
    ).toBe(304);
    expect(
      (await request(server).get(url).set('If-None-Match', '"other"')).status,
    ).toBe(200);
    // served from the store: no request reached the cluster
    expect(cluster.requests).toEqual([]);

    // a newer stored scan (the scheduled one): the old ETag no longer matches
    await seedEntity(store, REF, 'payments', 'c1', new Date(Date.now() + 1000));
    const changed = await request(server).get(url).set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('checks the permission before it compares ETags: a denied caller gets 403, not 304', async () => {
    const { server } = await start(AuthorizeResult.DENY);
    expect(
      (await request(server).get(url).set('If-None-Match', '*')).status,
    ).toBe(403);
  });
});
