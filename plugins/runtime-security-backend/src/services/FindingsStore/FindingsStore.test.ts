import { mockServices, TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { createSecurityAnalyzer } from '@periscope/backstage-plugin-runtime-security-common';
import { corpusBadLines, corpusLines, relabel } from '../../testSupport/corpus';
import { SourceIngester } from '../IngestService/SourceIngester';
import { FindingsStore } from './FindingsStore';
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
  const store = await FindingsStore.create(mockServices.database({ knex }));
  const ingester = (name = 'test') => new SourceIngester(name, 'http', { store, logger: mockServices.logger.mock(), analyzer });
  return { knex, store, ingester };
}

describe('FindingsStore', () => {
  const ref = reference();
  const refTotal = ref.reduce((n, f) => n + f.count, 0);

  it('has a non-trivial reference (the corpus yields findings in the target namespace)', () => {
    expect(ref.filter(f => f.namespace === 'shop').length).toBeGreaterThan(3);
  });

  it.each(databases.eachSupportedId())('stores the same findings and counts as the analyzer on %p', async id => {
    const { store, ingester } = await setup(id);
    const r = await ingester().pushLines(lines);
    expect(r.newEvents).toBe(refTotal);
    const stored = await store.list();
    expect(stored.map(f => [f.id, f.rule, f.count, f.severity]).sort()).toEqual(
      ref.map(f => [f.key, f.rule, f.count, f.severity]).sort(),
    );
    const detail = await store.get(ref[0].key);
    expect(detail?.sample.ancestry.length).toBeGreaterThan(0);
    expect(detail?.sample.raw).toEqual(expect.any(Object));
  });

  it.each(databases.eachSupportedId())('never double counts a replayed stream, a restart or two replicas on %p', async id => {
    const { store, ingester } = await setup(id);
    await ingester('a').pushLines(lines);
    // a restart: a new ingester (fresh process cache) reads everything again
    const replay = await ingester('a').pushLines(lines);
    expect(replay.newEvents).toBe(0);
    // two replicas reading the same stream at the same time, in halves
    const half = Math.floor(lines.length / 2);
    await Promise.all([ingester('b').pushLines(lines.slice(0, half)), ingester('c').pushLines(lines)]);
    const stored = await store.list();
    expect(stored.reduce((n, f) => n + f.count, 0)).toBe(refTotal);
  });

  it.each(databases.eachSupportedId())('keeps triage across re-ingest and filters by it on %p', async id => {
    const { store, ingester } = await setup(id);
    await ingester().pushLines(lines);
    const [first] = await store.list({ namespace: 'shop' });
    await store.triage(first.id, { state: 'false-positive', reason: 'expected', by: 'user:default/ana', at: '2026-01-01T00:00:00.000Z' });
    await ingester().pushLines(lines);
    const again = await store.get(first.id);
    expect(again?.triage).toEqual({ state: 'false-positive', reason: 'expected', by: 'user:default/ana', at: '2026-01-01T00:00:00.000Z' });
    expect((await store.list({ triage: ['false-positive'] })).map(f => f.id)).toEqual([first.id]);
    await expect(store.triage('0000000000000000', { state: 'open', by: 'x', at: 'now' })).rejects.toThrow(/does not exist/);
  });

  it.each(databases.eachSupportedId())('filters by severity, rule and search text on %p', async id => {
    const { store, ingester } = await setup(id);
    await ingester().pushLines(lines);
    const high = await store.list({ severity: ['high'] });
    expect(high.length).toBe(ref.filter(f => f.severity === 'high').length);
    const curl = await store.list({ search: 'CURL' });
    expect(curl.map(f => f.binary)).toEqual(ref.filter(f => /curl/i.test(`${f.title} ${f.rule} ${f.binary} ${f.workload} ${f.pod ?? ''}`)).map(f => f.binary));
    const percent = await store.list({ search: '%' });
    expect(percent).toEqual([]);
  });

  it.each(databases.eachSupportedId())('buckets events over time and enforces retention on %p', async id => {
    const { store, ingester } = await setup(id);
    await ingester().pushLines(lines);
    const all = await store.list();
    const timeline = await store.timeline(all.map(f => f.id), { sinceMs: 0, bucketMs: 3600_000 });
    const inBuckets = timeline.reduce((n, b) => n + Object.values(b.counts).reduce((a, c) => a + (c ?? 0), 0), 0);
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
  });

  it.each(databases.eachSupportedId())('keeps source stats and checkpoints, counting skipped lines by reason on %p', async id => {
    const { store, ingester } = await setup(id);
    const ing = ingester('file:/x');
    await ing.pushLines([...lines, ...corpusBadLines()]);
    await ing.save({ ino: 1, offset: 42 });
    expect(await store.getCheckpoint('file:/x')).toEqual({ ino: 1, offset: 42 });
    const [stats] = await store.listSources();
    expect(stats).toMatchObject({ id: 'file:/x', eventsTotal: lines.length });
    expect(Object.keys(stats.skipped)).toEqual(expect.arrayContaining(['legacy_type']));
    // a restarted ingester continues the totals
    const again = ingester('file:/x');
    await again.pushLines(lines.slice(0, 3));
    await again.save();
    expect((await store.getSource('file:/x'))?.eventsTotal).toBe(lines.length + 3);
    expect(await store.getCheckpoint('file:/x')).toEqual({ ino: 1, offset: 42 });
  });

  it.each(databases.eachSupportedId())('creates its tables idempotently and replaces the pre-ingest table on %p', async id => {
    const knex = await databases.init(id);
    await knex.schema.createTable('runtime_security_findings', t => {
      t.string('id').primary();
    });
    const database = mockServices.database({ knex });
    await FindingsStore.create(database);
    const store = await FindingsStore.create(database);
    expect(await knex.schema.hasColumn('runtime_security_findings', 'severity_rank')).toBe(true);
    expect(await store.list()).toEqual([]);
  });
});
