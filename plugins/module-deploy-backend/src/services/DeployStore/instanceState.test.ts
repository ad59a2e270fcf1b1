/**
 * The stored instance state (module_deploy_instance_state): an existing database gets the table
 * from the baseline migration on start, a later read replaces an earlier one and never the other
 * way round, also when two backend processes write to one database.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { databaseIdsForTests } from '@periscope/test-utils';
import { forgetMigrations } from '../../__testUtils__/database';
import { createDeployStore } from './createDeployStore';
import { StoredInstanceState } from './types';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('module-deploy instance state store tests'),
});

const key = {
  entityRef: 'component:default/checkout',
  cluster: 'c1',
  namespace: 'shop',
  instanceName: 'checkout',
};
const state = (readAt: string, revision: number): StoredInstanceState => ({
  ...key,
  readAt,
  state: {
    cluster: 'c1',
    namespace: 'shop',
    name: 'checkout',
    deployed: true,
    revision,
    health: 'healthy',
    objects: [{ ref: 'Deployment/shop/checkout', state: 'ready', message: '' }],
  },
});

describe.each(databases.eachSupportedId())('instance state on %p', id => {
  it('an existing database (tables of the code before the instance state) gets the table from the migration on start, its rows kept', async () => {
    const knex = await databases.init(id);
    // the database as the code before this table (and before migrations) left it: every other
    // table, with rows, and no record of applied migrations
    await createDeployStore(mockServices.database({ knex }));
    await knex.schema.dropTable('module_deploy_instance_state');
    await forgetMigrations(knex);
    const before = await createDeployStore(
      mockServices.database({ knex, migrations: { skip: true } }),
    );
    await before.recordAudit({
      at: '2026-01-01T00:00:00.000Z',
      actor: 'user:default/ann',
      ...key,
      action: 'deploy',
      revision: 1,
      result: 'success',
    });
    expect(await knex.schema.hasTable('module_deploy_instance_state')).toBe(
      false,
    );

    const store = await createDeployStore(mockServices.database({ knex }));
    expect(await knex.schema.hasTable('module_deploy_instance_state')).toBe(
      true,
    );
    expect(await store.listAudit(key.entityRef)).toEqual([
      expect.objectContaining({ actor: 'user:default/ann', revision: 1 }),
    ]);
    expect(await store.listInstanceStates(key.entityRef)).toEqual([]);
    expect(
      await store.putInstanceState(state('2026-01-01T00:01:00.000Z', 1)),
    ).toBe(true);
    expect(await store.listInstanceStates(key.entityRef)).toEqual([
      state('2026-01-01T00:01:00.000Z', 1),
    ]);
    // a second start changes nothing
    const again = await createDeployStore(mockServices.database({ knex }));
    expect(await again.listInstanceStates(key.entityRef)).toEqual([
      state('2026-01-01T00:01:00.000Z', 1),
    ]);
  });

  it('keeps the latest read: a later one replaces, an earlier one does not; an error is stored as such', async () => {
    const knex = await databases.init(id);
    const store = await createDeployStore(mockServices.database({ knex }));
    expect(
      await store.putInstanceState(state('2026-01-01T00:02:00.000Z', 2)),
    ).toBe(true);
    expect(
      await store.putInstanceState(state('2026-01-01T00:01:00.000Z', 1)),
    ).toBe(false);
    expect(await store.listInstanceStates(key.entityRef)).toEqual([
      state('2026-01-01T00:02:00.000Z', 2),
    ]);
    const failed: StoredInstanceState = {
      ...key,
      readAt: '2026-01-01T00:03:00.000Z',
      error: { cluster: 'c1', errorType: 'UNREACHABLE', message: 'refused' },
    };
    expect(await store.putInstanceState(failed)).toBe(true);
    expect(await store.listInstanceStates(key.entityRef)).toEqual([failed]);
    // other entities' rows are not listed
    expect(await store.listInstanceStates('component:default/other')).toEqual(
      [],
    );
  });

  it('two backend processes writing one instance at once: the latest read stays', async () => {
    const knex = await databases.init(id);
    const a = await createDeployStore(mockServices.database({ knex }));
    const b = await createDeployStore(mockServices.database({ knex }));
    const reads = Array.from({ length: 8 }, (_, i) =>
      state(`2026-01-01T00:0${i}:00.000Z`, i + 1),
    );
    // at once through both, in an order unlike the reads': arrival order must not matter
    const order = [6, 0, 7, 2, 3, 1, 5, 4];
    await Promise.all(
      order.map((n, i) => (i % 2 ? a : b).putInstanceState(reads[n])),
    );
    expect(await b.listInstanceStates(key.entityRef)).toEqual([
      reads[reads.length - 1],
    ]);
  });

  it('names the row and what to do when a stored state is corrupt (503)', async () => {
    const knex = await databases.init(id);
    const store = await createDeployStore(mockServices.database({ knex }));
    await store.putInstanceState(state('2026-01-01T00:01:00.000Z', 1));
    await knex('module_deploy_instance_state').update({ state: '{broken' });
    await expect(store.listInstanceStates(key.entityRef)).rejects.toThrow(
      /module_deploy_instance_state where entity_ref = 'component:default\/checkout'.*column 'state' is not valid JSON.*The next read of the instance/,
    );
  });
});
