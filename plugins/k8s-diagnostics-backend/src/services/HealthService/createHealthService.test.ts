import { mockCredentials, mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { readDiagnosticsConfig } from '../../config';
import { seedEntity } from '../../testSupport';
import { createFindingsStore } from '../FindingsStore';
import { createHealthService } from './createHealthService';

const ENTITY_REF = 'component:default/payments';
const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'payments', 'backstage.io/kubernetes-namespace': 'shop' },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
};

/** A stand-in API server on loopback that counts every request and answers none of them usefully. */
async function countingCluster() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'counting stand-in', code: 503 }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('createHealthService', () => {
  let cluster: Awaited<ReturnType<typeof countingCluster>>;
  beforeEach(async () => {
    cluster = await countingCluster();
  });
  afterEach(() => cluster.close());

  async function setup(now: Date) {
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    const stored = await seedEntity(store, ENTITY_REF, 'payments', 'c1', new Date('2026-11-22T10:00:00Z'));
    const health = createHealthService({
      clusters: [{ name: 'c1', url: cluster.url, authProvider: 'serviceAccount', serviceAccountToken: 't', skipTLSVerify: true }],
      config: readDiagnosticsConfig(
        mockServices.rootConfig({ data: { k8sDiagnostics: { cacheTtlSeconds: 60, scanTimeoutMs: 2000, operatorResults: { enabled: false } } } }),
      ),
      catalog: catalogServiceMock({ entities: [entity] }),
      store,
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
      now: () => now,
    });
    return { health, stored, store };
  }

  it('an entity request does not call the cluster when a fresh stored result exists', async () => {
    // 30 s after the stored scan, within cacheTtlSeconds (60)
    const { health, stored } = await setup(new Date('2026-11-22T10:00:30Z'));
    const result = await health.getEntityHealth({ entityRef: ENTITY_REF, credentials: mockCredentials.user() });
    expect(cluster.seen).toEqual([]);
    expect(result).toMatchObject({ status: 'ok', scannedAt: '2026-11-22T10:00:00.000Z', errors: [] });
    expect(result.groups.flatMap(g => g.findings).map(f => f.id).sort()).toEqual(stored.map(f => f.id).sort());
  });

  it('reads the last stored scan once for an entity request served from the store', async () => {
    const { health, store } = await setup(new Date('2026-11-22T10:00:30Z'));
    const lastScan = jest.spyOn(store, 'lastScan');
    const result = await health.getEntityHealth({ entityRef: ENTITY_REF, credentials: mockCredentials.user() });
    expect(result.scannedAt).toBe('2026-11-22T10:00:00.000Z');
    expect(lastScan).toHaveBeenCalledTimes(1);
    expect(cluster.seen).toEqual([]);
  });

  it('calls the cluster for an entity whose stored result is older than cacheTtlSeconds', async () => {
    // the counterpart: the same request 2 minutes after the stored scan reaches the stand-in
    const { health } = await setup(new Date('2026-11-22T10:02:00Z'));
    const result = await health.getEntityHealth({ entityRef: ENTITY_REF, credentials: mockCredentials.user() });
    expect(cluster.seen.length).toBeGreaterThan(0);
    expect(result.errors).toEqual([expect.objectContaining({ cluster: 'c1' })]);
  });
});
