import { TestDatabases } from '@backstage/backend-test-utils';
import { databaseIdsForTests } from '@periscope/test-utils';
import {
  addColumnIfMissing,
  applyPluginMigrations,
  createTableIfMissing,
  PluginMigration,
} from './migrations';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('plugin migrations'),
});

const TABLE = 'periscope_test_migrations';

const migrations: PluginMigration[] = [
  {
    name: '20260101_002_add_note',
    up: knex =>
      addColumnIfMissing(knex, 'things', 'note', t =>
        t.string('note', 64).nullable(),
      ),
    down: knex => knex.schema.alterTable('things', t => t.dropColumn('note')),
  },
  {
    name: '20260101_001_things',
    up: knex =>
      createTableIfMissing(knex, 'things', t => {
        t.string('id', 64).primary();
      }),
    down: knex => knex.schema.dropTable('things'),
  },
];

describe.each(databases.eachSupportedId())(
  'applyPluginMigrations on %p',
  id => {
    it('applies the migrations in name order, once, and records them in the given table', async () => {
      const knex = await databases.init(id);
      await applyPluginMigrations(knex, { tableName: TABLE, migrations });
      await knex('things').insert({ id: 'a', note: 'kept' });
      await applyPluginMigrations(knex, { tableName: TABLE, migrations });
      expect(await knex('things').select()).toEqual([
        { id: 'a', note: 'kept' },
      ]);
      expect((await knex(TABLE).select('name')).map(r => r.name)).toEqual([
        '20260101_001_things',
        '20260101_002_add_note',
      ]);
    });

    it('brings a database that earlier code created without migrations up to date, its rows kept', async () => {
      const knex = await databases.init(id);
      await knex.schema.createTable('things', t =>
        t.string('id', 64).primary(),
      );
      await knex('things').insert({ id: 'old' });
      await applyPluginMigrations(knex, { tableName: TABLE, migrations });
      expect(await knex('things').select()).toEqual([
        { id: 'old', note: null },
      ]);
    });

    it('waits while another process holds the lock, and names the lock when it is never released', async () => {
      const knex = await databases.init(id);
      await applyPluginMigrations(knex, {
        tableName: TABLE,
        migrations: migrations.slice(1),
      });
      await knex(`${TABLE}_lock`).update({ is_locked: 1 });
      await expect(
        applyPluginMigrations(knex, {
          tableName: TABLE,
          migrations,
          lockWaitMs: 300,
        }),
      ).rejects.toThrow(
        `${TABLE}_lock has been held by another process for 0 s. If no other backend is starting, a migration was interrupted: release the lock (UPDATE ${TABLE}_lock SET is_locked = 0)`,
      );
      const waiting = applyPluginMigrations(knex, {
        tableName: TABLE,
        migrations,
        lockWaitMs: 20_000,
      });
      await new Promise(r => setTimeout(r, 600));
      await knex(`${TABLE}_lock`).update({ is_locked: 0 });
      await waiting;
      expect(await knex.schema.hasColumn('things', 'note')).toBe(true);
    });

    it('refuses two migrations with one name', async () => {
      const knex = await databases.init(id);
      await expect(
        applyPluginMigrations(knex, {
          tableName: TABLE,
          migrations: [
            migrations[1],
            { ...migrations[0], name: migrations[1].name },
          ],
        }),
      ).rejects.toThrow(/two migrations share a name/);
    });

    it('lets only one of several first starts at once migrate; the others wait and find nothing to do', async () => {
      const knex = await databases.init(id);
      await Promise.all(
        [1, 2, 3].map(() =>
          applyPluginMigrations(knex, { tableName: TABLE, migrations }),
        ),
      );
      expect(await knex(`${TABLE}_lock`).select()).toEqual([
        { index: 1, is_locked: 0 },
      ]);
      expect((await knex(TABLE).select('name')).length).toBe(2);
    });

    it('repairs the two lock rows an earlier race between first starts left, which no one could lock', async () => {
      const knex = await databases.init(id);
      await knex.schema.createTable(`${TABLE}_lock`, t => {
        t.increments('index').primary();
        t.integer('is_locked');
      });
      await knex(`${TABLE}_lock`).insert([{ is_locked: 0 }, { is_locked: 0 }]);
      await applyPluginMigrations(knex, {
        tableName: TABLE,
        migrations,
        lockWaitMs: 2_000,
      });
      expect(await knex.schema.hasColumn('things', 'note')).toBe(true);
      expect(await knex(`${TABLE}_lock`).select()).toEqual([
        { index: 1, is_locked: 0 },
      ]);
    });
  },
);
