/** Database fixtures of the store tests: a database as the code before migrations left it. */
import { Knex } from 'knex';
import { MIGRATIONS_TABLE } from '../database/migrate';

/**
 * Forgets that the migrations ran (drops knex's record of them and its lock table): with a table
 * or column dropped first, the database is one the start-up code before migrations created.
 */
export async function forgetMigrations(knex: Knex): Promise<void> {
  await knex.schema.dropTable(MIGRATIONS_TABLE);
  await knex.schema.dropTable(`${MIGRATIONS_TABLE}_lock`);
}
