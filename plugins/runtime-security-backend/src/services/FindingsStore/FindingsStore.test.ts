import { mockServices, TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { FindingsStore } from './FindingsStore';

const databases = TestDatabases.create({
  ids: ['SQLITE_3', ...(process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ? (['POSTGRES_15'] as TestDatabaseId[]) : [])],
});

describe('FindingsStore', () => {
  it.each(databases.eachSupportedId())('creates its table idempotently and lists by namespace on %p', async id => {
    const knex = await databases.init(id);
    const database = mockServices.database({ knex });
    await FindingsStore.create(database);
    const store = await FindingsStore.create(database); // second start: no error, same table
    await knex('runtime_security_findings').insert([
      { id: 'a', rule: 'shell-in-container', severity: 'high', title: 'Shell', cluster: 'c', namespace: 'shop', pod: 'p', workload: 'checkout', labels: '{"app":"x"}', binary: '/bin/sh', count: 3, first_seen: '2026-01-01T00:00:00Z', last_seen: '2026-01-02T00:00:00Z' },
      { id: 'b', rule: 'shell-in-container', severity: 'high', title: 'Shell', cluster: 'c', namespace: 'other', pod: 'p', workload: 'w', labels: '{}', binary: '/bin/sh', count: 1, first_seen: '2026-01-01T00:00:00Z', last_seen: '2026-01-01T00:00:00Z' },
    ]);
    const rows = await store.list({ namespace: 'shop' });
    expect(rows).toEqual([expect.objectContaining({ id: 'a', count: 3, labels: { app: 'x' }, lastSeen: '2026-01-02T00:00:00Z' })]);
    expect((await store.list({})).map(r => r.id).sort()).toEqual(['a', 'b']);
  });
});
