/**
 * The migrations over databases as the code before them left them (every table, or the oldest
 * schema: audit, revisions and drift without the late `change_message` column and none of the
 * later tables): rows stay readable through the store, a second run does nothing, and `down`
 * then `up` gives the schema back.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { databaseIdsForTests } from '@periscope/test-utils';
import { Knex } from 'knex';
import { createDeployStore } from '../services/DeployStore';
import { migrateModuleDeployDatabase, MIGRATIONS_TABLE } from './migrate';
import { MIGRATIONS } from './migrations';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('module-deploy store migrations tests'),
});

const TABLES = [
  'module_deploy_audit',
  'module_deploy_revisions',
  'module_deploy_drift',
  'module_deploy_instance_owners',
  'module_deploy_rate',
  'module_deploy_instance_state',
];

/**
 * The tables exactly as the store created them before migrations (its `migrate` function, less
 * the owners backfill, which finds no revisions in a new database); `late: false` is the oldest
 * schema: audit, revisions and drift only, without `change_message`.
 */
async function createTablesAsBefore(
  knex: Knex,
  options: { late: boolean } = { late: true },
): Promise<void> {
  const create = async (
    table: string,
    build: (t: Knex.CreateTableBuilder) => void,
  ) => {
    if (await knex.schema.hasTable(table)) return;
    await knex.schema.createTable(table, build);
  };
  const addColumn = async (table: string, column: string) => {
    if (await knex.schema.hasColumn(table, column)) return;
    await knex.schema.alterTable(table, t => {
      t.text(column).nullable();
    });
  };
  const instanceColumns = (t: Knex.CreateTableBuilder) => {
    t.string('entity_ref', 255).notNullable();
    t.string('cluster', 255).notNullable();
    t.string('namespace', 255).notNullable();
    t.string('instance_name', 255).notNullable();
  };
  await create('module_deploy_audit', t => {
    t.increments('id');
    t.string('at', 40).notNullable();
    t.string('actor', 255).notNullable();
    instanceColumns(t);
    t.string('action', 16).notNullable();
    t.integer('revision').nullable();
    t.text('module').nullable();
    t.text('values').nullable();
    t.string('result', 16).notNullable();
    t.text('message').nullable();
    if (options.late) t.text('change_message').nullable();
    t.index(['entity_ref', 'id'], 'module_deploy_audit_entity');
  });
  await create('module_deploy_revisions', t => {
    instanceColumns(t);
    t.integer('revision').notNullable();
    t.string('at', 40).notNullable();
    t.string('actor', 255).notNullable();
    t.string('action', 16).notNullable();
    t.text('module').notNullable();
    t.string('module_digest', 100).notNullable();
    t.text('values').notNullable();
    t.string('result', 16).notNullable();
    if (options.late) t.text('change_message').nullable();
    t.primary([
      'entity_ref',
      'cluster',
      'namespace',
      'instance_name',
      'revision',
    ]);
  });
  await create('module_deploy_drift', t => {
    instanceColumns(t);
    t.string('checked_at', 40).notNullable();
    t.boolean('drifted').notNullable();
    t.text('objects').notNullable();
    t.text('error').nullable();
    t.primary(['entity_ref', 'cluster', 'namespace', 'instance_name']);
  });
  if (!options.late) return;
  for (const table of ['module_deploy_audit', 'module_deploy_revisions'])
    await addColumn(table, 'change_message');
  await create('module_deploy_instance_owners', t => {
    t.string('cluster', 255).notNullable();
    t.string('namespace', 255).notNullable();
    t.string('instance_name', 255).notNullable();
    t.string('entity_ref', 255).notNullable();
    t.string('claimed_at', 40).notNullable();
    t.string('claimed_by', 255).notNullable();
    t.primary(['cluster', 'namespace', 'instance_name']);
  });
  await create('module_deploy_rate', t => {
    t.string('key', 64).notNullable();
    t.string('minute', 16).notNullable();
    t.integer('calls').notNullable();
    t.primary(['key', 'minute']);
  });
  await create('module_deploy_instance_state', t => {
    instanceColumns(t);
    t.string('read_at', 40).notNullable();
    t.text('state').nullable();
    t.text('error').nullable();
    t.primary(['entity_ref', 'cluster', 'namespace', 'instance_name']);
  });
}

const CHECKOUT = 'component:default/checkout';
const instance = {
  entity_ref: CHECKOUT,
  cluster: 'c1',
  namespace: 'shop',
  instance_name: 'checkout',
};
const key = {
  entityRef: CHECKOUT,
  cluster: 'c1',
  namespace: 'shop',
  instanceName: 'checkout',
};
const fixtureModule = {
  name: 'fixture',
  repository: 'file:///fixture',
  version: '0.0.0-devel',
  digest: 'sha256:abc',
};
const snapshot = {
  cluster: 'c1',
  namespace: 'shop',
  name: 'checkout',
  deployed: true,
  revision: 1,
  health: 'healthy',
  objects: [],
};

/** Rows as the store before migrations wrote them. */
async function insertRows(knex: Knex, options: { late: boolean }) {
  const why = options.late ? { change_message: 'first release' } : {};
  await knex('module_deploy_audit').insert({
    at: '2026-03-01T10:00:00.000Z',
    actor: 'user:default/ann',
    ...instance,
    action: 'deploy',
    revision: 1,
    module: JSON.stringify(fixtureModule),
    values: JSON.stringify({
      message: 'hi',
      dbPass: { $sensitive: 'Secret/shop/periscope-history.checkout' },
    }),
    result: 'success',
    message: '1 applied, 0 pruned',
    ...why,
  });
  await knex('module_deploy_revisions').insert({
    ...instance,
    revision: 1,
    at: '2026-03-01T10:00:00.000Z',
    actor: 'user:default/ann',
    action: 'deploy',
    module: JSON.stringify(fixtureModule),
    module_digest: fixtureModule.digest,
    values: JSON.stringify({ message: 'hi' }),
    result: 'success',
    ...why,
  });
  await knex('module_deploy_drift').insert({
    ...instance,
    checked_at: '2026-03-01T11:00:00.000Z',
    drifted: true,
    objects: JSON.stringify([{ ref: 'ConfigMap/shop/checkout' }]),
    error: null,
  });
  if (!options.late) return;
  await knex('module_deploy_instance_owners').insert({
    cluster: 'c1',
    namespace: 'shop',
    instance_name: 'checkout',
    entity_ref: CHECKOUT,
    claimed_at: '2026-03-01T09:00:00.000Z',
    claimed_by: 'user:default/bob',
  });
  await knex('module_deploy_rate').insert({
    key: 'drift:abc',
    minute: '2026-03-01T12:00',
    calls: 2,
  });
  await knex('module_deploy_instance_state').insert({
    ...instance,
    read_at: '2026-03-01T11:30:00.000Z',
    state: JSON.stringify(snapshot),
    error: null,
  });
}

describe('migrateModuleDeployDatabase', () => {
  it.each(
    databases.eachSupportedId().flatMap(([id]) => [
      [id, true],
      [id, false],
    ]) as Array<[Parameters<typeof databases.init>[0], boolean]>,
  )(
    'keeps the rows of a database the earlier code created (%p, late columns and tables: %p)',
    async (id, late) => {
      const knex = await databases.init(id);
      await createTablesAsBefore(knex, { late });
      await insertRows(knex, { late });

      const store = await createDeployStore(mockServices.database({ knex }));

      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(true);
      for (const table of ['module_deploy_audit', 'module_deploy_revisions'])
        expect(await knex.schema.hasColumn(table, 'change_message')).toBe(true);
      const why = late ? { changeMessage: 'first release' } : {};
      expect(await store.listAudit(CHECKOUT)).toEqual([
        {
          id: 1,
          at: '2026-03-01T10:00:00.000Z',
          actor: 'user:default/ann',
          ...key,
          action: 'deploy',
          revision: 1,
          module: fixtureModule,
          values: { message: 'hi', dbPass: '••••' },
          result: 'success',
          message: '1 applied, 0 pruned',
          ...why,
        },
      ]);
      expect(await store.listRevisions(CHECKOUT)).toEqual([
        {
          ...key,
          revision: 1,
          at: '2026-03-01T10:00:00.000Z',
          actor: 'user:default/ann',
          action: 'deploy',
          module: fixtureModule,
          values: { message: 'hi' },
          result: 'success',
          ...why,
        },
      ]);
      expect(await store.getDrift(key)).toEqual({
        checkedAt: '2026-03-01T11:00:00.000Z',
        drifted: true,
        objects: [{ ref: 'ConfigMap/shop/checkout' }],
      });
      // a database from before owners: the instance is owned by the entity that deployed it first
      expect(await store.getOwner(key)).toEqual({
        cluster: 'c1',
        namespace: 'shop',
        instanceName: 'checkout',
        entityRef: CHECKOUT,
        claimedAt: late
          ? '2026-03-01T09:00:00.000Z'
          : '2026-03-01T10:00:00.000Z',
        claimedBy: late ? 'user:default/bob' : 'user:default/ann',
      });
      expect(await store.listInstanceStates(CHECKOUT)).toEqual(
        late
          ? [{ ...key, readAt: '2026-03-01T11:30:00.000Z', state: snapshot }]
          : [],
      );
      // the rate row keeps its 2 calls: one more of 3 fits, then none (the oldest schema had none:
      // two fit)
      const slot = () =>
        store.takeRateSlot({
          key: 'drift:abc',
          minute: '2026-03-01T12:00',
          limit: 3,
        });
      expect([await slot(), await slot()]).toEqual([true, !late]);
      // new rows go in beside the old ones
      await store.recordAudit({
        at: '2026-03-01T12:00:00.000Z',
        actor: 'user:default/ann',
        ...key,
        action: 'rollback',
        result: 'success',
        changeMessage: 'back',
      });
      expect((await store.listAudit(CHECKOUT)).map(a => a.id)).toEqual([2, 1]);
    },
  );

  it.each(databases.eachSupportedId())(
    'runs twice without a change (idempotent), %p',
    async id => {
      const knex = await databases.init(id);
      await migrateModuleDeployDatabase(knex);
      await knex('module_deploy_rate').insert({
        key: 'k',
        minute: '2026-03-01T12:00',
        calls: 1,
      });
      await migrateModuleDeployDatabase(knex);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(true);
      const applied = await knex(MIGRATIONS_TABLE).select('name');
      expect(applied.map(r => r.name)).toEqual(MIGRATIONS.map(m => m.name));
      expect(await knex('module_deploy_rate').select('key')).toEqual([
        { key: 'k' },
      ]);
      // a store created after it migrates nothing more and works
      const store = await createDeployStore(mockServices.database({ knex }));
      expect(await store.listAudit(CHECKOUT)).toEqual([]);
    },
  );

  it.each(databases.eachSupportedId())(
    'migrates once when several stores start together on a new database, %p',
    async id => {
      const knex = await databases.init(id);
      await Promise.all(
        Array.from({ length: 3 }, () =>
          createDeployStore(mockServices.database({ knex })),
        ),
      );
      const applied = await knex(MIGRATIONS_TABLE).select('name');
      expect(applied.map(r => r.name)).toEqual(MIGRATIONS.map(m => m.name));
    },
  );

  it.each(databases.eachSupportedId())(
    'drops the tables with down and creates them again with up, %p',
    async id => {
      const knex = await databases.init(id);
      await migrateModuleDeployDatabase(knex);
      for (const m of [...MIGRATIONS].reverse()) await m.down(knex);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(false);
      for (const m of MIGRATIONS) await m.up(knex);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(true);
      for (const table of ['module_deploy_audit', 'module_deploy_revisions'])
        expect(await knex.schema.hasColumn(table, 'change_message')).toBe(true);
    },
  );

  it('skips migrating when the backend skips migrations', async () => {
    const knex = await databases.init(databases.eachSupportedId()[0][0]);
    await createDeployStore(
      mockServices.database({ knex, migrations: { skip: true } }),
    );
    expect(await knex.schema.hasTable(MIGRATIONS_TABLE)).toBe(false);
    expect(await knex.schema.hasTable('module_deploy_audit')).toBe(false);
  });
});
