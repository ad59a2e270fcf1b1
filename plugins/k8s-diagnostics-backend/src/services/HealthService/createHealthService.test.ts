import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { readDiagnosticsConfig } from '../../config';
import { seedEntity } from '../../__testUtils__/fixtures';
import { createFindingsStore } from '../FindingsStore';
import { createHealthService } from './createHealthService';

const ENTITY_REF = 'component:default/payments';
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

/**
 * A stand-in API server on loopback that counts every request and answers none of them usefully;
 * while held, it answers nothing until released.
 */
async function countingCluster() {
  const seen: string[] = [];
  let held: Array<() => void> | undefined;
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const answer = () => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          message: 'counting stand-in',
          code: 503,
        }),
      );
    };
    if (held) held.push(answer);
    else answer();
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    url: `http://127.0.0.1:${port}`,
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      waiting.forEach(answer => answer());
    },
    close: () => {
      const waiting = held ?? [];
      held = undefined;
      waiting.forEach(answer => answer());
      return new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('createHealthService', () => {
  let cluster: Awaited<ReturnType<typeof countingCluster>>;
  beforeEach(async () => {
    cluster = await countingCluster();
  });
  afterEach(() => cluster.close());

  async function setup(
    now: Date,
    options: { seed?: boolean; knex?: Knex } = {},
  ) {
    const knex = options.knex ?? (await databases.init('SQLITE_3'));
    const store = await createFindingsStore(mockServices.database({ knex }));
    const stored =
      options.seed === false
        ? []
        : await seedEntity(
            store,
            ENTITY_REF,
            'payments',
            'c1',
            new Date('2026-11-22T10:00:00Z'),
          );
    const refreshes: Array<Promise<void>> = [];
    const health = createHealthService({
      clusters: [
        {
          name: 'c1',
          url: cluster.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: 't',
          skipTLSVerify: true,
        },
      ],
      config: readDiagnosticsConfig(
        mockServices.rootConfig({
          data: {
            k8sDiagnostics: {
              cacheTtlSeconds: 60,
              scanTimeoutMs: 2000,
              operatorResults: { enabled: false },
            },
          },
        }),
      ),
      catalog: catalogServiceMock({ entities: [entity] }),
      store,
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
      now: () => now,
      onBackgroundRefresh: (_ref, done) => refreshes.push(done),
    });
    return { health, stored, store, refreshes, knex };
  }

  it('an entity request does not call the cluster when a fresh stored result exists', async () => {
    // 30 s after the stored scan, within cacheTtlSeconds (60)
    const { health, stored } = await setup(new Date('2026-11-22T10:00:30Z'));
    const result = await health.getEntityHealth({
      entityRef: ENTITY_REF,
      credentials: mockCredentials.user(),
    });
    expect(cluster.seen).toEqual([]);
    expect(result).toMatchObject({
      status: 'ok',
      scannedAt: '2026-11-22T10:00:00.000Z',
      errors: [],
    });
    expect(
      result.groups
        .flatMap(g => g.findings)
        .map(f => f.id)
        .sort(),
    ).toEqual(stored.map(f => f.id).sort());
  });

  it('reads the last stored scan once for an entity request served from the store', async () => {
    const { health, store } = await setup(new Date('2026-11-22T10:00:30Z'));
    const lastScan = jest.spyOn(store, 'lastScan');
    const result = await health.getEntityHealth({
      entityRef: ENTITY_REF,
      credentials: mockCredentials.user(),
    });
    expect(result.scannedAt).toBe('2026-11-22T10:00:00.000Z');
    expect(lastScan).toHaveBeenCalledTimes(1);
    expect(cluster.seen).toEqual([]);
  });

  it('serves a stale stored result at once and refreshes it in the background, once for concurrent requests', async () => {
    // 2 minutes after the stored scan, beyond cacheTtlSeconds (60); the cluster answers nothing yet
    const { health, stored, store, refreshes } = await setup(
      new Date('2026-11-22T10:02:00Z'),
    );
    const recordScan = jest.spyOn(store, 'recordScan');
    cluster.hold();
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        health.getEntityHealth({
          entityRef: ENTITY_REF,
          credentials: mockCredentials.user(),
        }),
      ),
    );
    // answered while the background scan still waits on the cluster
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'ok',
        scannedAt: '2026-11-22T10:00:00.000Z',
        stale: true,
        refreshing: true,
      });
      expect(
        result.groups
          .flatMap(g => g.findings)
          .map(f => f.id)
          .sort(),
      ).toEqual(stored.map(f => f.id).sort());
    }
    expect(recordScan).not.toHaveBeenCalled();
    expect(refreshes).toHaveLength(1);
    // a request while the refresh runs starts none
    await health.getEntityHealth({
      entityRef: ENTITY_REF,
      credentials: mockCredentials.user(),
    });
    expect(refreshes).toHaveLength(1);

    cluster.release();
    await Promise.all(refreshes);
    expect(cluster.seen.length).toBeGreaterThan(0);
    expect(recordScan).toHaveBeenCalledTimes(1);
    expect(recordScan.mock.calls[0][0]).toMatchObject({
      scope: ENTITY_REF,
      errors: [expect.objectContaining({ cluster: 'c1' })],
    });
  });

  it('claims a background refresh in the store: a second replica on the same database starts none that minute', async () => {
    const at = new Date('2026-11-22T10:02:00Z');
    const first = await setup(at);
    const second = await setup(at, { seed: false, knex: first.knex });
    await first.health.getEntityHealth({
      entityRef: ENTITY_REF,
      credentials: mockCredentials.user(),
    });
    const answer = await second.health.getEntityHealth({
      entityRef: ENTITY_REF,
      credentials: mockCredentials.user(),
    });
    // the other replica's refresh is under way: served from the store, marked refreshing
    expect(answer).toMatchObject({
      scannedAt: '2026-11-22T10:00:00.000Z',
      stale: true,
      refreshing: true,
    });
    const recordScan = jest.spyOn(second.store, 'recordScan');
    await Promise.all([...first.refreshes, ...second.refreshes]);
    expect(recordScan).not.toHaveBeenCalled();
  });

  it('waits for a first scan when the entity has no stored result', async () => {
    const { health, refreshes } = await setup(
      new Date('2026-11-22T10:02:00Z'),
      { seed: false },
    );
    cluster.hold();
    let answered = false;
    const pending = health
      .getEntityHealth({
        entityRef: ENTITY_REF,
        credentials: mockCredentials.user(),
      })
      .then(r => {
        answered = true;
        return r;
      });
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(cluster.seen.length).toBeGreaterThan(0);
    expect(answered).toBe(false);
    cluster.release();
    const result = await pending;
    expect(result.scannedAt).toBe('2026-11-22T10:02:00.000Z');
    expect(result.stale).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ cluster: 'c1' })]);
    expect(refreshes).toEqual([]);
  });
});
