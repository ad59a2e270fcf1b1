import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { databaseIdsForTests } from '@periscope/test-utils';
import { Knex } from 'knex';
import { createFindingsStore } from '../services/FindingsStore';
import { migrateRuntimeSecurityDatabase } from './migrate';
import { MIGRATIONS } from './migrations';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('runtime-security migrations'),
});

const TABLES = [
  'runtime_security_findings',
  'runtime_security_finding_events',
  'runtime_security_sources',
  'runtime_security_unknown_events',
];

/**
 * The schema exactly as the code before migrations created it (FindingsStore's createTables);
 * `withUnknownEvents: false` is a database of the version before unknown-event storage.
 */
async function createTablesAsBefore(
  knex: Knex,
  options: { withUnknownEvents: boolean } = { withUnknownEvents: true },
): Promise<void> {
  const create = async (
    table: string,
    build: (t: Knex.CreateTableBuilder) => void,
  ) => {
    if (await knex.schema.hasTable(table)) return;
    await knex.schema.createTable(table, build);
  };
  await create('runtime_security_findings', t => {
    t.string('id', 64).primary();
    t.string('rule', 128).notNullable().index();
    t.integer('severity_rank').notNullable();
    t.text('title').notNullable();
    t.string('mitre_id', 32).notNullable();
    t.text('mitre_name').notNullable();
    t.text('remediation').notNullable();
    t.string('outcome', 16).notNullable();
    t.string('cluster', 255).notNullable().index();
    t.string('namespace', 255).notNullable().index();
    t.string('workload', 255).notNullable();
    t.string('pod', 255).notNullable();
    t.text('binary').notNullable();
    t.string('policy', 255).nullable().index();
    t.text('labels').notNullable();
    t.text('sample').notNullable();
    t.integer('sample_rank').notNullable();
    t.bigInteger('sample_time_ms').notNullable();
    t.bigInteger('count').notNullable().defaultTo(0);
    t.bigInteger('first_seen_ms').notNullable();
    t.bigInteger('last_seen_ms').notNullable().index();
    t.string('triage_state', 32).notNullable().defaultTo('open');
    t.string('triage_by', 255).nullable();
    t.text('triage_reason').nullable();
    t.string('triage_at', 40).nullable();
  });
  await create('runtime_security_finding_events', t => {
    t.string('finding_id', 64).notNullable();
    t.string('event_id', 64).notNullable();
    t.bigInteger('time_ms').notNullable().index();
    t.integer('severity_rank').notNullable();
    t.primary(['finding_id', 'event_id']);
  });
  await create('runtime_security_sources', t => {
    t.string('id', 512).primary();
    t.string('kind', 32).notNullable();
    t.text('stats').notNullable();
    t.text('checkpoint').nullable();
    t.string('updated_at', 40).notNullable();
  });
  if (!options.withUnknownEvents) return;
  await create('runtime_security_unknown_events', t => {
    t.string('id', 64).primary();
    t.string('source', 512).notNullable().index();
    t.string('cluster', 255).nullable();
    t.string('kind', 16).notNullable();
    t.string('name', 512).notNullable();
    t.bigInteger('count').notNullable().defaultTo(0);
    t.bigInteger('first_seen_ms').notNullable();
    t.bigInteger('last_seen_ms').notNullable().index();
    t.text('sample').nullable();
  });
}

const T0 = Date.parse('2026-12-01T10:00:00Z');
const STATS = {
  id: 'file:/var/log/tetragon.log',
  kind: 'file',
  linesTotal: 10,
  eventsTotal: 9,
  detectionsTotal: 2,
  skipped: {},
  eventsPerSecond: 0,
  updatedAt: '2026-12-01T10:00:01.000Z',
};

/** Rows as the code before migrations wrote them. */
async function insertRows(knex: Knex, withUnknownEvents: boolean) {
  await knex('runtime_security_findings').insert({
    id: '0123456789abcdef',
    rule: 'shell-in-container',
    severity_rank: 3,
    title: 'Shell in a container',
    mitre_id: 'T1059',
    mitre_name: 'Command and Scripting Interpreter',
    remediation: 'Remove the shell from the image.',
    outcome: 'observed',
    cluster: 'c1',
    namespace: 'shop',
    workload: 'checkout',
    pod: 'checkout-1',
    binary: '/bin/sh',
    policy: 'process-monitor',
    labels: JSON.stringify({ app: 'checkout' }),
    sample: JSON.stringify({ eventId: 'ev-1', function: 'sys_execve' }),
    sample_rank: 3,
    sample_time_ms: T0,
    count: 2,
    first_seen_ms: T0,
    last_seen_ms: T0 + 1000,
    triage_state: 'acknowledged',
    triage_by: 'user:default/ann',
    triage_reason: 'expected',
    triage_at: '2026-12-01T11:00:00.000Z',
  });
  await knex('runtime_security_finding_events').insert([
    {
      finding_id: '0123456789abcdef',
      event_id: 'ev-1',
      time_ms: T0,
      severity_rank: 3,
    },
    {
      finding_id: '0123456789abcdef',
      event_id: 'ev-2',
      time_ms: T0 + 1000,
      severity_rank: 3,
    },
  ]);
  await knex('runtime_security_sources').insert({
    id: STATS.id,
    kind: 'file',
    stats: JSON.stringify(STATS),
    checkpoint: JSON.stringify({ ino: 1, dev: 2, offset: 300 }),
    updated_at: STATS.updatedAt,
  });
  if (withUnknownEvents) {
    await knex('runtime_security_unknown_events').insert({
      id: 'a'.repeat(32),
      source: STATS.id,
      cluster: 'c1',
      kind: 'type',
      name: 'process_new_thing',
      count: 4,
      first_seen_ms: T0,
      last_seen_ms: T0 + 5000,
      sample: '{"process_new_thing":{}}',
    });
  }
}

describe('migrateRuntimeSecurityDatabase', () => {
  describe.each(databases.eachSupportedId())('on %p', (id: TestDatabaseId) => {
    it.each([true, false])(
      'keeps every row of a database the code before migrations created (unknown-events table: %p)',
      async withUnknownEvents => {
        const knex = await databases.init(id);
        await createTablesAsBefore(knex, { withUnknownEvents });
        await insertRows(knex, withUnknownEvents);

        const store = await createFindingsStore(
          mockServices.database({ knex }),
        );

        const [finding] = await store.list();
        expect(finding).toEqual({
          id: '0123456789abcdef',
          rule: 'shell-in-container',
          severity: 'high',
          title: 'Shell in a container',
          mitre: { id: 'T1059', name: 'Command and Scripting Interpreter' },
          remediation: 'Remove the shell from the image.',
          outcome: 'observed',
          cluster: 'c1',
          namespace: 'shop',
          workload: 'checkout',
          pod: 'checkout-1',
          binary: '/bin/sh',
          labels: { app: 'checkout' },
          count: 2,
          firstSeen: new Date(T0).toISOString(),
          lastSeen: new Date(T0 + 1000).toISOString(),
          policy: 'process-monitor',
          triage: {
            state: 'acknowledged',
            by: 'user:default/ann',
            reason: 'expected',
            at: '2026-12-01T11:00:00.000Z',
          },
        });
        expect((await store.get(finding.id))?.sample).toEqual({
          eventId: 'ev-1',
          function: 'sys_execve',
        });
        const timeline = await store.timeline([finding.id], {
          sinceMs: T0 - 3600_000,
          bucketMs: 3600_000,
        });
        expect(timeline.map(b => b.counts)).toEqual([{ high: 2 }]);
        expect(await store.getSource(STATS.id)).toEqual(STATS);
        expect(await store.getCheckpoint(STATS.id)).toEqual({
          ino: 1,
          dev: 2,
          offset: 300,
        });
        expect(await store.listUnknown()).toEqual(
          withUnknownEvents
            ? [
                {
                  source: STATS.id,
                  cluster: 'c1',
                  kind: 'type',
                  name: 'process_new_thing',
                  count: 4,
                  firstSeen: new Date(T0).toISOString(),
                  lastSeen: new Date(T0 + 5000).toISOString(),
                  sample: { process_new_thing: {} },
                },
              ]
            : [],
        );
        // the table the earlier version lacked is there now, and takes rows
        await store.recordUnknown('s', [
          { kind: 'field', name: 'x.y', count: 1, timeMs: T0 + 9000 },
        ]);
        expect(await store.listUnknown()).toHaveLength(
          withUnknownEvents ? 2 : 1,
        );
        expect(await knex('runtime_security_migrations').pluck('name')).toEqual(
          ['20261206_001_baseline'],
        );
      },
    );

    it('is idempotent: a second run applies nothing and keeps the rows', async () => {
      const knex = await databases.init(id);
      await migrateRuntimeSecurityDatabase(knex);
      await insertRows(knex, true);
      await migrateRuntimeSecurityDatabase(knex);
      expect(await knex('runtime_security_migrations').pluck('name')).toEqual([
        '20261206_001_baseline',
      ]);
      expect(
        Number(
          (await knex('runtime_security_findings').count({ n: '*' }))[0].n,
        ),
      ).toBe(1);
      expect(
        Number(
          (await knex('runtime_security_finding_events').count({ n: '*' }))[0]
            .n,
        ),
      ).toBe(2);
    });

    it('drops its tables on down and creates them again on up', async () => {
      const knex = await databases.init(id);
      await migrateRuntimeSecurityDatabase(knex);
      const [baseline] = MIGRATIONS;
      await baseline.down(knex);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(false);
      await baseline.up(knex);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(true);
      const store = await createFindingsStore(mockServices.database({ knex }));
      expect(await store.list()).toEqual([]);
    });
  });
});
