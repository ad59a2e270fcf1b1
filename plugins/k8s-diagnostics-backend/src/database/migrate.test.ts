/**
 * The migrations over databases as the code before them left them (every table, or a usage table
 * without the late `user_ref` column): rows stay readable through the store, a second run does
 * nothing, and `down` then `up` gives the schema back.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { databaseIdsForTests } from '@periscope/test-utils';
import { Knex } from 'knex';
import { createFindingsStore } from '../services/FindingsStore';
import { ScannedFinding } from '../services/HealthService/findings';
import { migrateK8sDiagnosticsDatabase, MIGRATIONS_TABLE } from './migrate';
import { MIGRATIONS } from './migrations';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('Health store migrations tests'),
});

const TABLES = [
  'k8s_diagnostics_findings',
  'k8s_diagnostics_scans',
  'k8s_diagnostics_explanations',
  'k8s_diagnostics_token_usage',
  'k8s_diagnostics_scope_locks',
  'k8s_diagnostics_token_budget',
  'k8s_diagnostics_ai_rate',
];

/**
 * The tables exactly as the store created them before migrations (its `migrate` function);
 * `withUserRef: false` is a usage table from before usage was recorded per user.
 */
async function createTablesAsBefore(
  knex: Knex,
  options: { withUserRef: boolean } = { withUserRef: true },
): Promise<void> {
  const create = async (
    table: string,
    build: (t: Knex.CreateTableBuilder) => void,
  ) => {
    if (await knex.schema.hasTable(table)) return;
    await knex.schema.createTable(table, build);
  };
  await create('k8s_diagnostics_findings', t => {
    t.string('scope', 255).notNullable();
    t.string('id', 64).notNullable();
    t.string('cluster', 255).notNullable();
    t.string('namespace', 255).notNullable();
    t.string('kind', 255).notNullable();
    t.string('severity', 16).notNullable();
    t.text('data').notNullable();
    t.string('first_seen', 40).notNullable();
    t.string('last_seen', 40).notNullable();
    t.string('resolved_at', 40).nullable();
    t.primary(['scope', 'id']);
    t.index(['scope', 'resolved_at'], 'k8s_diag_findings_scope_resolved');
  });
  await create('k8s_diagnostics_scans', t => {
    t.increments('seq');
    t.string('scope', 255).notNullable();
    t.string('scanned_at', 40).notNullable();
    t.text('counts').notNullable();
    t.text('errors').notNullable();
    t.text('warnings').notNullable();
    t.text('clusters').notNullable();
    t.index(['scope', 'seq'], 'k8s_diag_scans_scope_seq');
  });
  await create('k8s_diagnostics_explanations', t => {
    t.string('cache_key', 64).primary();
    t.string('provider', 32).notNullable();
    t.string('model', 255).notNullable();
    t.string('prompt_version', 32).notNullable();
    t.string('language', 64).notNullable();
    t.string('input_hash', 64).notNullable();
    t.text('answer').notNullable();
    t.string('created_at', 40).notNullable();
  });
  await create('k8s_diagnostics_token_usage', t => {
    t.increments('seq');
    t.string('day', 10).notNullable().index('k8s_diag_usage_day');
    t.string('cache_key', 64).notNullable();
    t.string('entity_ref', 255).notNullable();
    t.string('finding_id', 64).notNullable();
    t.string('provider', 32).notNullable();
    t.string('model', 255).notNullable();
    t.integer('prompt_tokens').notNullable();
    t.integer('completion_tokens').notNullable();
    t.integer('total_tokens').notNullable();
    t.boolean('estimated').notNullable();
    t.string('created_at', 40).notNullable();
    if (options.withUserRef) t.string('user_ref', 255).nullable();
  });
  await create('k8s_diagnostics_scope_locks', t => {
    t.string('scope', 255).primary();
  });
  await create('k8s_diagnostics_token_budget', t => {
    t.string('day', 10).primary();
    t.integer('used_tokens').notNullable();
    t.integer('reserved_tokens').notNullable();
  });
  await create('k8s_diagnostics_ai_rate', t => {
    t.string('user_ref', 255).notNullable();
    t.string('minute', 16).notNullable();
    t.integer('calls').notNullable();
    t.primary(['user_ref', 'minute']);
  });
}

const SCOPE = 'component:default/shop';
const DAY = '2026-03-01';
const finding: ScannedFinding = {
  id: 'abc123',
  cluster: 'c1',
  analyzer: 'Pod',
  object: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
  ownerChain: [],
  workload: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
  severity: 'high',
  failures: [{ text: 'CrashLoopBackOff', severity: 'high' }],
  events: [],
  sensitive: ['shop'],
};

/** Rows as the store before migrations wrote them. */
async function insertRows(knex: Knex, options: { withUserRef: boolean }) {
  await knex('k8s_diagnostics_findings').insert({
    scope: SCOPE,
    id: finding.id,
    cluster: 'c1',
    namespace: 'shop',
    kind: 'Pod',
    severity: 'high',
    data: JSON.stringify(finding),
    first_seen: '2026-03-01T10:00:00.000Z',
    last_seen: '2026-03-01T11:00:00.000Z',
    resolved_at: null,
  });
  await knex('k8s_diagnostics_scans').insert({
    scope: SCOPE,
    scanned_at: '2026-03-01T11:00:00.000Z',
    counts: JSON.stringify({ critical: 0, high: 1, medium: 0, low: 0 }),
    errors: JSON.stringify([]),
    warnings: JSON.stringify(['one warning']),
    clusters: JSON.stringify([{ name: 'c1', workloads: [] }]),
  });
  await knex('k8s_diagnostics_scope_locks').insert({ scope: SCOPE });
  await knex('k8s_diagnostics_explanations').insert({
    cache_key: 'cache-1',
    provider: 'openai',
    model: 'm',
    prompt_version: 'v1',
    language: 'English',
    input_hash: 'h',
    answer: '{"summary":"cached"}',
    created_at: '2026-03-01T11:00:00.000Z',
  });
  await knex('k8s_diagnostics_token_usage').insert({
    day: DAY,
    cache_key: 'cache-1',
    entity_ref: SCOPE,
    finding_id: finding.id,
    provider: 'openai',
    model: 'm',
    prompt_tokens: 90,
    completion_tokens: 10,
    total_tokens: 100,
    estimated: false,
    created_at: '2026-03-01T11:00:00.000Z',
    ...(options.withUserRef ? { user_ref: 'user:default/alice' } : {}),
  });
  await knex('k8s_diagnostics_token_budget').insert({
    day: DAY,
    used_tokens: 100,
    reserved_tokens: 0,
  });
  await knex('k8s_diagnostics_ai_rate').insert({
    user_ref: 'user:default/alice',
    minute: '2026-03-01T12:00',
    calls: 2,
  });
}

describe('migrateK8sDiagnosticsDatabase', () => {
  it.each(
    databases.eachSupportedId().flatMap(([id]) => [
      [id, true],
      [id, false],
    ]) as Array<[Parameters<typeof databases.init>[0], boolean]>,
  )(
    'keeps the rows of a database the earlier code created (%p, user_ref column: %p)',
    async (id, withUserRef) => {
      const knex = await databases.init(id);
      await createTablesAsBefore(knex, { withUserRef });
      await insertRows(knex, { withUserRef });

      const store = await createFindingsStore(mockServices.database({ knex }));

      expect(
        await knex.schema.hasColumn('k8s_diagnostics_token_usage', 'user_ref'),
      ).toBe(true);
      expect(await store.openFindings(SCOPE)).toEqual([
        {
          ...finding,
          firstSeen: '2026-03-01T10:00:00.000Z',
          lastSeen: '2026-03-01T11:00:00.000Z',
        },
      ]);
      expect(await store.lastScan(SCOPE)).toEqual({
        scope: SCOPE,
        scannedAt: '2026-03-01T11:00:00.000Z',
        errors: [],
        warnings: ['one warning'],
        clusters: [{ name: 'c1', workloads: [] }],
      });
      expect(await store.history(SCOPE, 48)).toEqual([
        {
          at: '2026-03-01T11:00:00.000Z',
          counts: { critical: 0, high: 1, medium: 0, low: 0 },
        },
      ]);
      expect(await store.getExplanation('cache-1')).toBe(
        '{"summary":"cached"}',
      );
      expect(await store.tokensUsedOn(DAY)).toBe(100);
      expect(await store.usageOn(DAY)).toEqual([
        {
          ...(withUserRef ? { userRef: 'user:default/alice' } : {}),
          entityRef: SCOPE,
          calls: 1,
          totalTokens: 100,
        },
      ]);
      // the budget row keeps its 100 used tokens: 900 more fit a budget of 1000, 901 do not
      expect(
        await store.reserveTokens({ day: DAY, tokens: 901, budget: 1000 }),
      ).toEqual({ granted: false, used: 100, reserved: 0 });
      // the rate row keeps its 2 calls: one more of 3 fits, then none
      const slot = () =>
        store.takeRateSlot({
          userRef: 'user:default/alice',
          minute: '2026-03-01T12:00',
          limit: 3,
        });
      expect(await slot()).toBe(true);
      expect(await slot()).toBe(false);
      // a new scan updates the finding of the old row
      await store.recordScan({
        scope: SCOPE,
        at: new Date('2026-03-01T12:00:00.000Z'),
        scannedClusters: ['c1'],
        findings: [finding],
        errors: [],
        warnings: [],
        clusters: [],
      });
      expect(
        (await store.openFindings(SCOPE)).map(f => [f.firstSeen, f.lastSeen]),
      ).toEqual([['2026-03-01T10:00:00.000Z', '2026-03-01T12:00:00.000Z']]);
    },
  );

  it.each(databases.eachSupportedId())(
    'runs twice without a change (idempotent), %p',
    async id => {
      const knex = await databases.init(id);
      await migrateK8sDiagnosticsDatabase(knex);
      await migrateK8sDiagnosticsDatabase(knex);
      for (const table of TABLES) {
        expect(await knex.schema.hasTable(table)).toBe(true);
      }
      const applied = await knex(MIGRATIONS_TABLE).select('name');
      expect(applied.map(r => r.name)).toEqual(MIGRATIONS.map(m => m.name));
      // a store created after it migrates nothing more and works
      const store = await createFindingsStore(mockServices.database({ knex }));
      expect(await store.openFindings(SCOPE)).toEqual([]);
    },
  );

  it.each(databases.eachSupportedId())(
    'migrates once when several stores start together on a new database, %p',
    async id => {
      const knex = await databases.init(id);
      await Promise.all(
        Array.from({ length: 3 }, () =>
          createFindingsStore(mockServices.database({ knex })),
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
      await migrateK8sDiagnosticsDatabase(knex);
      for (const m of [...MIGRATIONS].reverse()) await m.down(knex);
      for (const table of TABLES) {
        expect(await knex.schema.hasTable(table)).toBe(false);
      }
      for (const m of MIGRATIONS) await m.up(knex);
      for (const table of TABLES) {
        expect(await knex.schema.hasTable(table)).toBe(true);
      }
      expect(
        await knex.schema.hasColumn('k8s_diagnostics_token_usage', 'user_ref'),
      ).toBe(true);
    },
  );

  it('skips migrating when the backend skips migrations', async () => {
    const knex = await databases.init(databases.eachSupportedId()[0][0]);
    const database = mockServices.database({
      knex,
      migrations: { skip: true },
    });
    await createFindingsStore(database);
    expect(await knex.schema.hasTable(MIGRATIONS_TABLE)).toBe(false);
    expect(await knex.schema.hasTable('k8s_diagnostics_findings')).toBe(false);
  });
});
