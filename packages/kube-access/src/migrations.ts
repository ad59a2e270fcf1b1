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
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
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
