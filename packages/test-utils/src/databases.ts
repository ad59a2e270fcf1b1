/* eslint-disable jest/no-export, jest/expect-expect, jest/valid-describe-callback -- helpers that register tests, not a test file */
/** The databases a store test runs on. */

/** The environment variable Backstage's TestDatabases reads for PostgreSQL 15. */
export const POSTGRES_ENV =
  'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/**
 * Database ids for `TestDatabases.create({ ids })`: SQLite always, PostgreSQL 15 when
 * `BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING` is set (./scripts/test sets it).
 * Without it, a skipped test named `<what> on POSTGRES_15` is registered in its place, so the
 * missing variant shows in every report instead of disappearing (call it at the top of a file).
 */
export function databaseIdsForTests(
  what: string,
): Array<'SQLITE_3' | 'POSTGRES_15'> {
  if (process.env[POSTGRES_ENV]) return ['SQLITE_3', 'POSTGRES_15'];
  const needs = `PostgreSQL (${POSTGRES_ENV}; ./scripts/test starts one)`;
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED ${what} on POSTGRES_15: needs ${needs}`);
  // eslint-disable-next-line jest/valid-title, jest/no-disabled-tests
  it.skip(`${what} on POSTGRES_15 [skipped: needs ${needs}]`, () => {});
  return ['SQLITE_3'];
}
