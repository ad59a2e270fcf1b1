import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ScannedFinding } from '../HealthService/findings';
import { createFindingsStore } from './createFindingsStore';
import { databaseIdsForTests } from '@periscope/test-utils';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('Health findings store tests'),
});

const finding = (id: string, cluster = 'c1'): ScannedFinding => ({
  id,
  cluster,
  analyzer: 'Pod',
  object: { kind: 'Pod', name: `p-${id}`, namespace: 'shop' },
  ownerChain: [],
  workload: { kind: 'Pod', name: `p-${id}`, namespace: 'shop' },
  severity: 'high',
  failures: [{ text: 'broken', severity: 'high' }],
  events: [],
  sensitive: ['shop'],
});

const scan = (
  at: string,
  findings: ScannedFinding[],
  scannedClusters = ['c1', 'c2'],
) => ({
  scope: 'component:default/x',
  at: new Date(at),
  scannedClusters,
  findings,
  errors: [],
  warnings: [],
  clusters: [],
});

describe('FindingsStore', () => {
  it.each(databases.eachSupportedId())(
    'keeps first seen, last seen and resolution on %p',
    async id => {
      const knex = await databases.init(id);
      await createFindingsStore(mockServices.database({ knex }));
      const store = await createFindingsStore(mockServices.database({ knex })); // second start: tables exist
      await store.recordScan(
        scan('2026-01-01T00:00:00.000Z', [
          finding('a'),
          finding('b'),
          finding('z', 'c2'),
        ]),
      );
      // c2 did not answer this time: its finding stays open; b is gone: resolved.
      await store.recordScan(
        scan('2026-01-01T00:05:00.000Z', [finding('a')], ['c1']),
      );
      const open = await store.openFindings('component:default/x');
      expect(open.map(f => [f.id, f.firstSeen, f.lastSeen]).sort()).toEqual([
        ['a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:05:00.000Z'],
        ['z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
      ]);
      const resolved = await store.resolvedSince(
        'component:default/x',
        new Date('2025-12-31T00:00:00Z'),
      );
      expect(resolved).toEqual([
        expect.objectContaining({
          id: 'b',
          resolvedAt: '2026-01-01T00:05:00.000Z',
          sensitive: ['shop'],
        }),
      ]);
      // b comes back: a new occurrence.
      await store.recordScan(
        scan('2026-01-01T00:10:00.000Z', [
          finding('a'),
          finding('b'),
          finding('z', 'c2'),
        ]),
      );
      expect(await store.getFinding('component:default/x', 'b')).toEqual(
        expect.objectContaining({ firstSeen: '2026-01-01T00:10:00.000Z' }),
      );
      expect(
        (await store.getFinding('component:default/x', 'b'))?.resolvedAt,
      ).toBeUndefined();
      const history = await store.history('component:default/x', 2);
      expect(history.map(h => [h.at, h.counts.high])).toEqual([
        ['2026-01-01T00:05:00.000Z', 1],
        ['2026-01-01T00:10:00.000Z', 3],
      ]);
      expect(await store.lastScan('component:default/x')).toEqual(
        expect.objectContaining({ scannedAt: '2026-01-01T00:10:00.000Z' }),
      );
      expect(await store.lastScan('component:default/other')).toBeUndefined();
    },
  );

  it.each(databases.eachSupportedId())(
    'records concurrent scans of one scope (two replicas) without a conflict or a lost finding on %p',
    async id => {
      const knex = await databases.init(id);
      const one = await createFindingsStore(mockServices.database({ knex }));
      const two = await createFindingsStore(mockServices.database({ knex }));
      // both replicas see the same new findings at the same moment, twenty times over
      for (let i = 0; i < 20; i++) {
        const at = new Date(Date.UTC(2026, 0, 2, 0, i)).toISOString();
        await Promise.all([
          one.recordScan(scan(at, [finding('a'), finding(`n${i}`)])),
          two.recordScan(scan(at, [finding('a'), finding(`n${i}`)])),
        ]);
      }
      const open = await one.openFindings('component:default/x');
      expect(open.map(f => f.id).sort()).toEqual(['a', 'n19']);
      expect((await one.history('component:default/x', 100)).length).toBe(40);
    },
  );

  it.each(databases.eachSupportedId())(
    'answers a corrupt stored row with a 503 naming the table, the row and what to do, and still records scans, on %p',
    async id => {
      const knex = await databases.init(id);
      const store = await createFindingsStore(mockServices.database({ knex }));
      await store.recordScan(
        scan('2026-01-01T00:00:00.000Z', [finding('a'), finding('b')]),
      );
      await knex('k8s_diagnostics_findings')
        .where({ id: 'b' })
        .update({ data: '{"id":"b",' });
      const err = await store.openFindings('component:default/x').catch(e => e);
      expect(err.name).toBe('ServiceUnavailableError');
      expect(err.message).toMatch(
        /^k8s-diagnostics: the stored row of table k8s_diagnostics_findings where scope = 'component:default\/x' AND id = 'b' is corrupt: column 'data' is not valid JSON \(.+\)\. Delete the row: DELETE FROM k8s_diagnostics_findings WHERE scope = 'component:default\/x' AND id = 'b'; the next scan/,
      );
      await expect(
        store.getFinding('component:default/x', 'b'),
      ).rejects.toThrow(/id = 'b' is corrupt/);
      // a scan that no longer finds b resolves it without reading its JSON
      await store.recordScan(scan('2026-01-01T00:05:00.000Z', [finding('a')]));
      expect(
        (await store.openFindings('component:default/x')).map(f => f.id),
      ).toEqual(['a']);
      // a scan that finds it again rewrites the row
      await store.recordScan(
        scan('2026-01-01T00:10:00.000Z', [finding('a'), finding('b')]),
      );
      expect(
        (await store.getFinding('component:default/x', 'b'))?.failures,
      ).toEqual([{ text: 'broken', severity: 'high' }]);

      await knex('k8s_diagnostics_scans').update({
        counts: 'x',
        clusters: '[',
      });
      await expect(store.history('component:default/x', 10)).rejects.toThrow(
        /table k8s_diagnostics_scans where seq = \d+ is corrupt: column 'counts'/,
      );
      await expect(store.lastScan('component:default/x')).rejects.toThrow(
        /column 'clusters' is not valid JSON.*Rescan the entity/,
      );
    },
  );

  it.each(databases.eachSupportedId())(
    'caches explanations and sums token usage per day on %p',
    async id => {
      const knex = await databases.init(id);
      const store = await createFindingsStore(mockServices.database({ knex }));
      const entry = {
        cacheKey: 'k1',
        provider: 'openai',
        model: 'm',
        promptVersion: 'v',
        language: 'English',
        inputHash: 'h',
        answer: '{"summary":"a"}',
        at: new Date(),
      };
      await store.putExplanation(entry);
      await store.putExplanation({ ...entry, answer: '{"summary":"b"}' });
      expect(await store.getExplanation('k1')).toBe('{"summary":"b"}');
      expect(await store.getExplanation('k2')).toBeUndefined();
      const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };
      const at = new Date('2026-02-01T10:00:00Z');
      await store.recordUsage({
        cacheKey: 'k1',
        entityRef: 'e',
        findingId: 'f',
        provider: 'openai',
        model: 'm',
        usage,
        at,
      });
      await store.recordUsage({
        cacheKey: 'k1',
        entityRef: 'e',
        findingId: 'f',
        provider: 'openai',
        model: 'm',
        usage: { ...usage, estimated: true },
        at,
      });
      expect(await store.tokensUsedOn('2026-02-01')).toBe(30);
      expect(await store.tokensUsedOn('2026-02-02')).toBe(0);
    },
  );
});
