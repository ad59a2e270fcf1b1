import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { createSecurityAnalyzer } from '@periscope/backstage-plugin-runtime-security-common';
import {
  corpusBadLines,
  corpusLines,
  relabel,
} from '../../__testUtils__/corpus';
import { createSourceIngester } from '../IngestService';
import { createFindingsStore } from './createFindingsStore';
import { DetectionRecord, TriageState } from './types';
import { databaseIdsForTests } from '@periscope/test-utils';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('Security findings store tests'),
});

const target = { namespace: 'shop', workload: 'checkout', entity: 'checkout' };
const lines = corpusLines().map(l => relabel(l, target));
const analyzer = { customRules: [] };

/** What the pure analyzer of the common package finds in the same lines: the reference. */
function reference() {
  const a = createSecurityAnalyzer();
  for (const l of lines) a.pushLine(l);
  return a.result().findings;
}

async function setup(id: TestDatabaseId) {
  const knex = await databases.init(id);
  const store = await createFindingsStore(mockServices.database({ knex }));
  const ingester = (name = 'test') =>
    createSourceIngester(name, 'http', {
      store,
      logger: mockServices.logger.mock(),
      analyzer,
    });
  return { knex, store, ingester };
}

describe('FindingsStore', () => {
  const ref = reference();
  const refTotal = ref.reduce((n, f) => n + f.count, 0);

  it('has a non-trivial reference (the corpus yields findings in the target namespace)', () => {
    expect(ref.filter(f => f.namespace === 'shop').length).toBeGreaterThan(3);
  });

  it.each(databases.eachSupportedId())(
    'stores the same findings and counts as the analyzer on %p',
    async id => {
      const { store, ingester } = await setup(id);
      const r = await ingester().pushLines(lines);
      expect(r.newEvents).toBe(refTotal);
      const stored = await store.list();
      expect(
        stored.map(f => [f.id, f.rule, f.count, f.severity]).sort(),
      ).toEqual(ref.map(f => [f.key, f.rule, f.count, f.severity]).sort());
      const detail = await store.get(ref[0].key);
      expect(detail?.sample.ancestry.length).toBeGreaterThan(0);
      expect(detail?.sample.raw).toEqual(expect.any(Object));
    },
  );

  it.each(databases.eachSupportedId())(
    'never double counts a replayed stream, a restart or two replicas on %p',
    async id => {
      const { store, ingester } = await setup(id);
      const first = await ingester('a').pushLines(lines);
      expect(first.newFindings).toBe(ref.length);
      // a restart: a new ingester (fresh process cache) reads everything again
      const replay = await ingester('a').pushLines(lines);
      expect(replay).toMatchObject({ newEvents: 0, newFindings: 0 });
      // two replicas reading the same stream at the same time, in halves
      const half = Math.floor(lines.length / 2);
      const both = await Promise.all([
        ingester('b').pushLines(lines.slice(0, half)),
        ingester('c').pushLines(lines),
      ]);
      expect(both.map(r => r.newFindings)).toEqual([0, 0]);
      const stored = await store.list();
      expect(stored.reduce((n, f) => n + f.count, 0)).toBe(refTotal);
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps triage across re-ingest and filters by it on %p',
    async id => {
      const { store, ingester } = await setup(id);
      await ingester().pushLines(lines);
      const [first] = await store.list({ namespace: 'shop' });
      await store.triage(first.id, {
        state: 'false-positive',
        reason: 'expected',
        by: 'user:default/ana',
        at: '2026-01-01T00:00:00.000Z',
      });
      await ingester().pushLines(lines);
      const again = await store.get(first.id);
      expect(again?.triage).toEqual({
        state: 'false-positive',
        reason: 'expected',
        by: 'user:default/ana',
        at: '2026-01-01T00:00:00.000Z',
      });
      expect(
        (await store.list({ triage: ['false-positive'] })).map(f => f.id),
      ).toEqual([first.id]);
      await expect(
        store.triage('0000000000000000', { state: 'open', by: 'x', at: 'now' }),
      ).rejects.toThrow(/does not exist/);
    },
  );

  it.each(databases.eachSupportedId())(
    'filters by severity, rule and search text on %p',
    async id => {
      const { store, ingester } = await setup(id);
      await ingester().pushLines(lines);
      const high = await store.list({ severity: ['high'] });
      expect(high.length).toBe(ref.filter(f => f.severity === 'high').length);
      const curl = await store.list({ search: 'CURL' });
      expect(curl.map(f => f.binary)).toEqual(
        ref
          .filter(f =>
            /curl/i.test(
              `${f.title} ${f.rule} ${f.binary} ${f.workload} ${f.pod ?? ''}`,
            ),
          )
          .map(f => f.binary),
      );
      const percent = await store.list({ search: '%' });
      expect(percent).toEqual([]);
    },
  );

  it.each(databases.eachSupportedId())(
    'buckets events over time and enforces retention on %p',
    async id => {
      const { store, ingester } = await setup(id);
      await ingester().pushLines(lines);
      const all = await store.list();
      const timeline = await store.timeline(
        all.map(f => f.id),
        { sinceMs: 0, bucketMs: 3600_000 },
      );
      const inBuckets = timeline.reduce(
        (n, b) => n + Object.values(b.counts).reduce((a, c) => a + (c ?? 0), 0),
        0,
      );
      expect(inBuckets).toBe(refTotal);
      // cut at the median event time: older events go, counts follow
      const times = all.map(f => Date.parse(f.lastSeen)).sort((a, b) => a - b);
      const cutoff = times[Math.floor(times.length / 2)];
      const r = await store.enforceRetention(cutoff);
      expect(r.events).toBeGreaterThan(0);
      const left = await store.list();
      expect(left.every(f => Date.parse(f.lastSeen) >= cutoff)).toBe(true);
      expect(left.every(f => Date.parse(f.firstSeen) >= cutoff)).toBe(true);
      const everything = await store.enforceRetention(Date.now() + 1000);
      expect(everything.findings).toBe(left.length);
      expect(await store.list()).toEqual([]);
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps source stats and checkpoints, counting skipped lines by reason on %p',
    async id => {
      const { store, ingester } = await setup(id);
      const ing = ingester('file:/x');
      await ing.pushLines([...lines, ...corpusBadLines()]);
      await ing.save({ ino: 1, offset: 42 });
      expect(await store.getCheckpoint('file:/x')).toEqual({
        ino: 1,
        offset: 42,
      });
      const [stats] = await store.listSources();
      expect(stats).toMatchObject({ id: 'file:/x', eventsTotal: lines.length });
      expect(Object.keys(stats.skipped)).toEqual(
        expect.arrayContaining(['legacy_type']),
      );
      // a restarted ingester continues the totals
      const again = ingester('file:/x');
      await again.pushLines(lines.slice(0, 3));
      await again.save();
      expect((await store.getSource('file:/x'))?.eventsTotal).toBe(
        lines.length + 3,
      );
      expect(await store.getCheckpoint('file:/x')).toEqual({
        ino: 1,
        offset: 42,
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'counts every event when several replicas ingest events of the same findings at once on %p',
    async id => {
      const knex = await databases.init(id);
      // four replicas, each its own store (own pool) on one database, starting together
      const stores = await Promise.all(
        [0, 1, 2, 3].map(() =>
          createFindingsStore(mockServices.database({ knex })),
        ),
      );
      const detection = (
        findingId: string,
        eventId: string,
        timeMs: number,
      ): DetectionRecord => ({
        findingId,
        rule: 'shell',
        title: 'Shell',
        severity: 'high',
        mitre: { id: 'T1059', name: 'Command' },
        remediation: 'r',
        outcome: 'observed',
        cluster: 'c1',
        namespace: 'shop',
        workload: 'checkout',
        pod: 'checkout-1',
        binary: '/bin/sh',
        labels: {},
        eventId,
        timeMs,
        sample: { eventId } as unknown as DetectionRecord['sample'],
      });
      // 40 batches, each 5 events of the same two findings (in either order), 4 at a time
      const batches = Array.from({ length: 40 }, (_, b) =>
        Array.from({ length: 5 }, (__, e) =>
          detection(
            (b + e) % 2 ? 'f-a' : 'f-b',
            `ev-${b}-${e}`,
            1_700_000_000_000 + b * 10 + e,
          ),
        ),
      );
      const created: string[] = [];
      for (let i = 0; i < batches.length; i += 4) {
        const results = await Promise.all(
          batches.slice(i, i + 4).map((batch, j) => stores[j].ingest(batch)),
        );
        created.push(
          ...results.flatMap(r => r.newFindings.map(f => f.findingId)),
        );
      }
      // each finding is new to exactly one of the replicas (what notifications rely on)
      expect(created.sort()).toEqual(['f-a', 'f-b']);
      const counts = Object.fromEntries(
        (await stores[0].list()).map(f => [f.id, f.count]),
      );
      const want = { 'f-a': 0, 'f-b': 0 } as Record<string, number>;
      batches.flat().forEach(d => want[d.findingId]++);
      expect(counts).toEqual(want);
      expect(want['f-a'] + want['f-b']).toBe(200);
    },
  );

  it.each(databases.eachSupportedId())(
    'answers a corrupt stored row with a 503 naming the table, the row and what to do on %p',
    async id => {
      const { knex, store, ingester } = await setup(id);
      await ingester('file:/x').pushLines(lines);
      await ingester('file:/x').save({ offset: 1 });
      const [first] = await store.list();
      await knex('runtime_security_findings')
        .where({ id: first.id })
        .update({ labels: '{"a":', sample: 'nope' });
      const err = await store.list().catch(e => e);
      expect(err.name).toBe('ServiceUnavailableError');
      expect(err.message).toBe(
        `runtime-security: the stored row of table runtime_security_findings where id = '${
          first.id
        }' is corrupt: column 'labels' is not valid JSON (${
          err.message.match(/JSON \((.*)\)\. Delete/)[1]
        }). Delete the row: DELETE FROM runtime_security_findings WHERE id = '${
          first.id
        }'; the finding's next event records it anew, its count recomputed from the stored events.`,
      );
      // the grouped counts name the same row (the corrupt labels are a group of their own)
      await expect(
        store.severityCounts({ workload: () => true }),
      ).rejects.toThrow(
        `where id = '${first.id}' is corrupt: column 'labels' is not valid JSON`,
      );
      await knex('runtime_security_findings')
        .where({ id: first.id })
        .update({ labels: '{}' });
      await expect(store.get(first.id)).rejects.toThrow(
        /column 'sample' is not valid JSON/,
      );
      await knex('runtime_security_sources').update({
        stats: '{',
        checkpoint: '{',
      });
      await expect(store.listSources()).rejects.toThrow(
        /table runtime_security_sources where id = 'file:\/x' is corrupt: column 'stats'/,
      );
      await expect(store.getSource('file:/x')).rejects.toThrow(
        /writes the row anew/,
      );
      // a corrupt checkpoint starts the source over (ingest counts an event once)
      expect(await store.getCheckpoint('file:/x')).toBeUndefined();
    },
  );

  it.each(databases.eachSupportedId())(
    'counts findings by severity over every page, open ones only, with the workload filter asked per group on %p',
    async id => {
      const { store } = await setup(id);
      const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
      const record = (
        i: number,
        over: Partial<DetectionRecord> = {},
      ): DetectionRecord => ({
        findingId: `f-${String(i).padStart(5, '0')}`,
        rule: 'shell',
        title: 'Shell',
        severity: severities[i % 5],
        mitre: { id: 'T1059', name: 'Command' },
        remediation: 'r',
        outcome: 'observed',
        cluster: i % 3 ? 'c1' : 'c2',
        namespace: 'shop',
        workload: 'checkout',
        pod: `checkout-${i}`,
        binary: '/bin/sh',
        // one label set per 2 findings: more (namespace, labels) groups than one page of groups (1000)
        labels: {
          app: (i >> 1) % 4 === 3 ? 'other' : 'checkout',
          hash: `h${i >> 1}`,
        },
        eventId: `ev-${i}`,
        timeMs: 1_700_000_000_000 + i,
        sample: { eventId: `ev-${i}` } as unknown as DetectionRecord['sample'],
        ...over,
      });
      const N = 2600;
      await store.ingest([
        ...Array.from({ length: N }, (_, i) => record(i)),
        // the same labels in another namespace: not counted under namespace 'shop'
        ...Array.from({ length: 50 }, (_, i) =>
          record(N + i, { namespace: 'pay', labels: { app: 'checkout' } }),
        ),
      ]);
      const triaged = (i: number): TriageState => {
        if (i % 7 === 0) return 'acknowledged';
        if (i % 11 === 0) return 'false-positive';
        return 'open';
      };
      for (let i = 0; i < N; i++) {
        const state = triaged(i);
        if (state !== 'open')
          await store.triage(record(i).findingId, {
            state,
            by: 'user:default/ana',
            at: '2026-01-01T00:00:00.000Z',
          });
      }
      // the reference: every finding read through list, counted here
      const want = (keep: (i: number) => boolean) => {
        const open: Record<string, number> = {};
        let total = 0;
        for (let i = 0; i < N; i++) {
          if (!keep(i)) continue;
          total++;
          if (triaged(i) === 'open')
            open[severities[i % 5]] = (open[severities[i % 5]] ?? 0) + 1;
        }
        return { total, open };
      };
      const asked: string[] = [];
      const counts = await store.severityCounts({
        namespace: 'shop',
        workload: w => {
          asked.push(`${w.namespace}/${JSON.stringify(w.labels)}`);
          return w.namespace === 'shop' && w.labels.app === 'checkout';
        },
      });
      expect(counts).toEqual(want(i => (i >> 1) % 4 !== 3));
      expect(counts.total).toBeGreaterThan(1000);
      // once per (namespace, labels) group, never per finding
      expect(asked.length).toBe(N / 2);
      expect(new Set(asked).size).toBe(N / 2);
      // the same as counting what list returns
      const listed = (await store.list({ namespace: 'shop' })).filter(
        f => f.labels.app === 'checkout',
      );
      expect(counts.total).toBe(listed.length);
      expect(counts.open.high).toBe(
        listed.filter(f => f.severity === 'high' && f.triage.state === 'open')
          .length,
      );
      // without a workload filter: every finding the namespace and cluster filters keep
      expect(await store.severityCounts({ namespace: 'shop' })).toEqual(
        want(() => true),
      );
      expect(
        await store.severityCounts({ namespace: 'shop', cluster: 'c2' }),
      ).toEqual(want(i => i % 3 === 0));
      expect((await store.severityCounts()).total).toBe(N + 50);
      expect(await store.severityCounts({ namespace: 'none' })).toEqual({
        total: 0,
        open: {},
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'creates its tables idempotently and replaces the pre-ingest table on %p',
    async id => {
      const knex = await databases.init(id);
      await knex.schema.createTable('runtime_security_findings', t => {
        t.string('id').primary();
      });
      const database = mockServices.database({ knex });
      await createFindingsStore(database);
      const store = await createFindingsStore(database);
      expect(
        await knex.schema.hasColumn(
          'runtime_security_findings',
          'severity_rank',
        ),
      ).toBe(true);
      expect(await store.list()).toEqual([]);
    },
  );
});
