import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { databaseIdsForTests } from '@periscope/test-utils';
import { runtimeSecurityPlugin } from './plugin';
import {
  createFindingsStore,
  MAX_UNKNOWN_PER_SOURCE,
} from './services/FindingsStore';
import { EVENTS_DIR } from './__testUtils__/corpus';

/*
 * Unknown event types (Enterprise-only, newer, legacy) and unknown fields: counted per source and
 * kept with the latest raw event, bounded per source, expired with the findings, never an error.
 */

const TOKEN = 'a-very-long-ingest-token-0123456789';
const BASE = '/api/runtime-security';
const connectLines = fs
  .readFileSync(path.join(EVENTS_DIR, 'legacy-process_connect.jsonl'), 'utf8')
  .split('\n')
  .filter(l => l.trim());

const enterpriseKprobe = (time: string) =>
  JSON.stringify({
    process_kprobe: {
      process: {
        exec_id: 'eA==',
        pid: 1,
        binary: '/bin/cat',
        start_time: time,
        enterprise_labels: { a: 1 },
      },
      function_name: 'security_file_permission',
      policy_name: 'files',
      action: 'KPROBE_ACTION_POST',
      args: [{ file_arg: { path: '/etc/hosts' } }],
      enterprise_verdict: 'ALLOW',
    },
    node_name: 'n',
    time,
  });

async function start(
  result: AuthorizeResult.ALLOW | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
) {
  const { server } = await startTestBackend({
    features: [
      runtimeSecurityPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.rootConfig.factory({
        data: {
          runtimeSecurity: {
            sources: { kubernetes: { enabled: false } },
            ingest: { token: TOKEN },
            notifications: { enabled: false },
          },
        },
      }),
      mockServices.permissions.factory({ result }),
    ],
  });
  return server;
}

const post = (server: any, lines: string[], source = 'node-1') =>
  request(server)
    .post(`${BASE}/ingest?source=${source}`)
    .set('x-periscope-ingest-token', TOKEN)
    .type('application/x-ndjson')
    .send(lines.join('\n'));

describe('unknown events', () => {
  it('counts an Enterprise-only event type and keeps its raw event, never an error', async () => {
    const server = await start();
    const res = await post(server, connectLines);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lines: connectLines.length, events: 0 });
    const { body } = await request(server).get(`${BASE}/unknown-events`);
    const connect = body.events.find((e: any) => e.name === 'process_connect');
    expect(connect).toMatchObject({
      source: 'http:node-1',
      kind: 'type',
      count: connectLines.filter(l => l.includes('"process_connect"')).length,
    });
    // the latest one as received
    const latest = [...connectLines]
      .reverse()
      .find(l => l.includes('"process_connect"'))!;
    expect(connect.sample).toEqual(JSON.parse(latest));
    expect(Date.parse(connect.lastSeen)).toBeGreaterThan(0);

    // the same again adds to the count; the raw event stays one
    await post(server, connectLines.slice(0, 1));
    const again = (
      await request(server).get(`${BASE}/unknown-events`)
    ).body.events.find((e: any) => e.name === 'process_connect');
    expect(again.count).toBe(connect.count + 1);
  });

  it('counts unknown fields of parsed events with the raw event, and still classifies the event', async () => {
    const server = await start();
    const res = await post(
      server,
      [enterpriseKprobe(new Date().toISOString())],
      'node-2',
    );
    expect([res.status, res.body.events]).toEqual([200, 1]);
    const { body } = await request(server).get(`${BASE}/unknown-events`);
    expect(
      body.events
        .filter((e: any) => e.kind === 'field')
        .map((e: any) => e.name)
        .sort(),
    ).toEqual([
      'process.enterprise_labels',
      'process_kprobe.enterprise_verdict',
    ]);
    expect(body.events[0]).toMatchObject({
      source: 'http:node-2',
      count: 1,
      sample: { process_kprobe: { enterprise_verdict: 'ALLOW' } },
    });
  });

  it('answers 403 on GET /unknown-events when runtime-security.cluster.read is denied, 401 without credentials', async () => {
    const denied = await request(await start(AuthorizeResult.DENY)).get(
      `${BASE}/unknown-events`,
    );
    expect([denied.status, denied.body.error.message]).toEqual([
      403,
      expect.stringContaining('runtime-security.cluster.read'),
    ]);
    const anon = await request(await start())
      .get(`${BASE}/unknown-events`)
      .set('Authorization', mockCredentials.none.header());
    expect(anon.status).toBe(401);
  });
});

describe('FindingsStore unknown events', () => {
  const databases = TestDatabases.create({
    ids: databaseIdsForTests('Unknown events store tests'),
  });

  it.each(databases.eachSupportedId())(
    'keeps at most MAX_UNKNOWN_PER_SOURCE names per source, and expires them with retention (%s)',
    async id => {
      const knex = await databases.init(id);
      const store = await createFindingsStore(mockServices.database({ knex }));
      const many = Array.from(
        { length: MAX_UNKNOWN_PER_SOURCE + 5 },
        (_, i) => ({
          kind: 'type' as const,
          name: `t${i}`,
          count: 1,
          timeMs: 1000 + i,
        }),
      );
      expect(await store.recordUnknown('s1', many)).toEqual({ dropped: 5 });
      // a known name still counts once the source is full; another source has its own cap
      expect(
        await store.recordUnknown('s1', [
          {
            kind: 'type',
            name: 't0',
            count: 2,
            timeMs: 5000,
            sample: '{"a":1}',
          },
        ]),
      ).toEqual({ dropped: 0 });
      await store.recordUnknown('s2', [
        { kind: 'field', name: 'x.y', count: 1, timeMs: 9000, cluster: 'c1' },
      ]);
      const listed = await store.listUnknown(1000);
      expect(listed.filter(e => e.source === 's1')).toHaveLength(
        MAX_UNKNOWN_PER_SOURCE,
      );
      expect(listed.find(e => e.name === 't0')).toMatchObject({
        count: 3,
        sample: { a: 1 },
        lastSeen: new Date(5000).toISOString(),
        firstSeen: new Date(1000).toISOString(),
      });
      expect(listed[0]).toMatchObject({
        source: 's2',
        cluster: 'c1',
        kind: 'field',
        name: 'x.y',
      });
      await store.enforceRetention(4000);
      expect((await store.listUnknown()).map(e => e.name).sort()).toEqual([
        't0',
        'x.y',
      ]);
    },
  );

  it.each(databases.eachSupportedId())(
    'adds the table to a database of an earlier version (%s)',
    async id => {
      const knex = await databases.init(id);
      await createFindingsStore(mockServices.database({ knex }));
      // a database of the version before migrations: no unknown-events table, no migration record
      await knex.schema.dropTable('runtime_security_unknown_events');
      await knex.schema.dropTable('runtime_security_migrations');
      await knex.schema.dropTable('runtime_security_migrations_lock');
      const store = await createFindingsStore(mockServices.database({ knex }));
      await store.recordUnknown('s', [
        { kind: 'type', name: 'process_connect', count: 1, timeMs: 1 },
      ]);
      expect(await store.listUnknown()).toHaveLength(1);
    },
  );
});
