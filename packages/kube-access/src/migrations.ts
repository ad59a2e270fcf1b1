/**
 * Schema changes of the Periscope stores as knex migrations, run with `knex.migrate.latest` at
 * start-up. The migrations are code (a list of `{ name, up, down }` compiled with the plugin), not
 * files found at run time: the built package carries them, and a bundled backend finds them too.
 */
import type { Knex } from 'knex';

/**
 * One schema change of a plugin's database.
 * @public
 */
export interface PluginMigration {
  /** Sorts the migrations and is recorded once applied: `YYYYMMDD_NNN_what`; never renamed. */
  name: string;
  /** Makes the change (safe to run over a database an earlier version left in any state). */
  up(knex: Knex): Promise<void>;
  /** Undoes it. */
  down(knex: Knex): Promise<void>;
}

/** Creates a table unless it exists, tolerating another process creating it at the same moment. */
async function createRacing(
  knex: Knex,
  table: string,
  build: (t: Knex.CreateTableBuilder) => void,
): Promise<void> {
  if (await knex.schema.hasTable(table)) return;
  try {
    await knex.schema.createTable(table, build);
  } catch (e) {
    if (!(await knex.schema.hasTable(table))) throw e;
  }
}

/**
 * knex's own tables, made before `migrate.latest` runs: knex creates them unlocked, so two
 * first starts at once could each insert a lock row, and with two rows the lock can never be
 * taken ("already locked" for ever). Same columns as knex makes; one lock row, index 1; a second
 * row left by such a race is removed (while there are two, no one can hold the lock).
 */
async function ensureMigrationTables(knex: Knex, tableName: string) {
  const lockTable = `${tableName}_lock`;
  await createRacing(knex, tableName, t => {
    t.increments();
    t.string('name');
    t.integer('batch');
    t.timestamp('migration_time');
  });
  await createRacing(knex, lockTable, t => {
    t.increments('index').primary();
    t.integer('is_locked');
  });
  await knex(lockTable)
    .insert({ index: 1, is_locked: 0 })
    .onConflict('index')
    .ignore();
  const rows: Array<{ index: number }> = await knex(lockTable)
    .select('index')
    .orderBy('index');
  if (rows.length > 1) {
    await knex(lockTable)
      .whereIn(
        'index',
        rows.slice(1).map(r => r.index),
      )
      .delete();
  }
}

/** Another process holds knex's migration lock (knex's LockError has no exported class). */
const isLockError = (e: unknown) =>
  /migration table is already locked/i.test((e as Error)?.message ?? '');

/**
 * Brings a plugin's database to its latest schema. Several backends may start at once on one
 * database: knex lets one migrate and refuses the others while it holds the lock, so those wait
 * (up to `lockWaitMs`) and try again; they then find nothing left to do.
 * @public
 */
export async function applyPluginMigrations(
  knex: Knex,
  options: {
    /** The plugin's own record of applied migrations, e.g. `module_deploy_migrations`. */
    tableName: string;
    migrations: PluginMigration[];
    lockWaitMs?: number;
  },
): Promise<void> {
  const names = options.migrations.map(m => m.name);
  if (new Set(names).size !== names.length) {
    throw new Error(
      `${options.tableName}: two migrations share a name (${names.join(', ')})`,
    );
  }
  const migrationSource: Knex.MigrationSource<PluginMigration> = {
    getMigrations: async () =>
      [...options.migrations].sort((a, b) => a.name.localeCompare(b.name)),
    getMigrationName: m => m.name,
    getMigration: async m => ({ up: m.up, down: m.down }),
  };
  await ensureMigrationTables(knex, options.tableName);
  const deadline = Date.now() + (options.lockWaitMs ?? 60_000);
  for (;;) {
    try {
      await knex.migrate.latest({
        migrationSource,
        tableName: options.tableName,
      });
      return;
    } catch (e) {
      if (!isLockError(e)) throw e;
      if (Date.now() >= deadline) {
        throw new Error(
          `The database schema was not brought up to date: ${
            options.tableName
          }_lock has been held by another process for ${Math.round(
            (options.lockWaitMs ?? 60_000) / 1000,
          )} s. If no other backend is starting, a migration was interrupted: release the lock (UPDATE ${
            options.tableName
          }_lock SET is_locked = 0) and start again.`,
        );
      }
      await new Promise(r => setTimeout(r, 250 + Math.random() * 500));
    }
  }
}

/**
 * Creates a table unless it exists: for a first migration over databases that earlier versions
 * created without migrations (the table may already be there, with all or some of its columns).
 * @public
 */
export async function createTableIfMissing(
  knex: Knex,
  table: string,
  build: (t: Knex.CreateTableBuilder) => void,
): Promise<void> {
  if (await knex.schema.hasTable(table)) return;
  await knex.schema.createTable(table, build);
}

/**
 * Adds a column unless it exists (see {@link createTableIfMissing}).
 * @public
 */
export async function addColumnIfMissing(
  knex: Knex,
  table: string,
  column: string,
  build: (t: Knex.AlterTableBuilder) => void,
): Promise<void> {
  if (await knex.schema.hasColumn(table, column)) return;
  await knex.schema.alterTable(table, build);
}
