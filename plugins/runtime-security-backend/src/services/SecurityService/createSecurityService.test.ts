import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { FindingCounts, FindingsStore } from '../FindingsStore';
import {
  createSecurityService,
  MAX_ENTITY_FINDINGS,
} from './createSecurityService';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-label-selector': 'app=checkout',
      'backstage.io/kubernetes-namespace': 'shop',
    },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
const TRIAGE = ['acknowledged', 'false-positive', 'open'] as const;

/**
 * A store with `total` findings in `shop`, every other one the entity's; answers pages like the
 * real one. Severities cycle; every third finding is acknowledged, every fifth a false positive.
 */
function pagedStore(total: number) {
  const rows = Array.from({ length: total }, (_, i) => ({
    id: `f${i}`,
    namespace: 'shop',
    labels: { app: i % 2 ? 'checkout' : 'other' },
    severity: SEVERITIES[i % 5],
    // every third acknowledged, of the rest every fifth a false positive
    triage: { state: TRIAGE[i % 3 === 0 ? 0 : 1 + Math.min(1, i % 5)] },
  }));
  const list = jest.fn(async (filter: { limit?: number; offset?: number }) =>
    rows.slice(
      filter.offset ?? 0,
      (filter.offset ?? 0) + (filter.limit ?? rows.length),
    ),
  );
  // one event per finding, all in one bucket
  const timeline = jest.fn(async (ids: string[]) => [
    { start: '2026-11-22T00:00:00.000Z', counts: { high: ids.length } },
  ]);
  // the real store groups in SQL; here the same answer from the rows
  const severityCounts = jest.fn(
    async (filter: Parameters<FindingsStore['severityCounts']>[0] = {}) => {
      const counts: FindingCounts = { total: 0, open: {} };
      for (const r of rows) {
        if (filter.namespace !== undefined && r.namespace !== filter.namespace)
          continue;
        if (filter.workload && !filter.workload(r)) continue;
        counts.total++;
        if (r.triage.state === 'open')
          counts.open[r.severity] = (counts.open[r.severity] ?? 0) + 1;
      }
      return counts;
    },
  );
  return {
    store: {
      list,
      timeline,
      severityCounts,
      listSources: async () => [],
    } as unknown as FindingsStore,
    rows,
    list,
    timeline,
    severityCounts,
  };
}

const service = (store: FindingsStore) =>
  createSecurityService({
    configured: true,
    catalog: catalogServiceMock({ entities: [entity] }),
    logger: mockServices.logger.mock(),
    store,
    queuedLines: () => 0,
  });

describe('SecurityService entity findings', () => {
  it('reads the store page by page, never the whole namespace at once', async () => {
    const { store, list } = pagedStore(2500);
    const res = await service(store).getEntitySecurity({
      entityRef: 'component:default/checkout',
      credentials: mockCredentials.user(),
    });
    expect(res.findings).toHaveLength(1250);
    expect(res.nextOffset).toBeUndefined();
    expect(list.mock.calls.map(([f]) => [f.limit, f.offset])).toEqual([
      [1000, 0],
      [1000, 1000],
      [1000, 2000],
    ]);
  });

  it('pages the entity findings: first page by default, the next from nextOffset, the end without one', async () => {
    // 10,000 rows in the namespace, 5,000 of them the entity's (f1, f3, f5, ...)
    const { store, list } = pagedStore(10_000);
    const svc = service(store);
    const credentials = mockCredentials.user();
    const entityRef = 'component:default/checkout';
    const first = await svc.getEntitySecurity({ entityRef, credentials });
    expect(first.findings).toHaveLength(MAX_ENTITY_FINDINGS);
    expect(first.findings[0].id).toBe('f1');
    expect(first.nextOffset).toBe(MAX_ENTITY_FINDINGS);
    // reads no further than one past the page (4,001 rows hold 2,001 matches)
    expect(list).toHaveBeenCalledTimes(5);

    const next = await svc.getEntitySecurity({
      entityRef,
      credentials,
      offset: first.nextOffset,
    });
    expect(next.findings[0].id).toBe(`f${2 * MAX_ENTITY_FINDINGS + 1}`);
    expect(next.nextOffset).toBe(2 * MAX_ENTITY_FINDINGS);

    const last = await svc.getEntitySecurity({
      entityRef,
      credentials,
      limit: 300,
      offset: 4800,
    });
    expect(last.findings.map(f => f.id)).toEqual(
      Array.from({ length: 200 }, (_, i) => `f${2 * (4800 + i) + 1}`),
    );
    expect(last.nextOffset).toBeUndefined();

    const beyond = await svc.getEntitySecurity({
      entityRef,
      credentials,
      offset: 6000,
    });
    expect(beyond).toMatchObject({ status: 'ok', findings: [] });
    expect(beyond.nextOffset).toBeUndefined();
  });
});

describe('SecurityService entity counts', () => {
  it('counts the open findings by severity and the total over every finding of the entity, not only the page', async () => {
    // 10,000 rows in the namespace, 5,000 of them the entity's: three pages of 2,000
    const { store, rows, severityCounts } = pagedStore(10_000);
    const svc = service(store);
    const credentials = mockCredentials.user();
    const entityRef = 'component:default/checkout';
    const mine = rows.filter(r => r.labels.app === 'checkout');
    const open: Record<string, number> = {};
    for (const r of mine)
      if (r.triage.state === 'open')
        open[r.severity] = (open[r.severity] ?? 0) + 1;
    const first = await svc.getEntitySecurity({
      entityRef,
      credentials,
      limit: 10,
    });
    expect(first.findings).toHaveLength(10);
    expect(first.total).toBe(5000);
    expect(first.openCounts).toEqual(open);
    // counted from the rows, these differ from what the page alone would give
    expect(
      Object.values(first.openCounts ?? {}).reduce((a, b) => a + (b ?? 0), 0),
    ).toBe(mine.filter(r => r.triage.state === 'open').length);
    expect(severityCounts).toHaveBeenCalledWith(
      expect.objectContaining({
        namespace: 'shop',
        workload: expect.any(Function),
      }),
    );
    // every page carries the same counts
    const later = await svc.getEntitySecurity({
      entityRef,
      credentials,
      limit: 10,
      offset: 4990,
    });
    expect(later.nextOffset).toBeUndefined();
    expect([later.total, later.openCounts]).toEqual([5000, open]);
    // the entity's selector decides what is counted: its namespace and labels
    const workload = severityCounts.mock.calls[0][0]!.workload!;
    expect(workload({ namespace: 'shop', labels: { app: 'checkout' } })).toBe(
      true,
    );
    expect(workload({ namespace: 'shop', labels: { app: 'other' } })).toBe(
      false,
    );
    expect(workload({ namespace: 'pay', labels: { app: 'checkout' } })).toBe(
      false,
    );
    expect(workload({ namespace: '', labels: { app: 'checkout' } })).toBe(
      false,
    );
  });

  it('answers zero counts for an entity that is not configured or not annotated', async () => {
    const { store } = pagedStore(10);
    const notConfigured = await createSecurityService({
      configured: false,
      catalog: catalogServiceMock({ entities: [entity] }),
      logger: mockServices.logger.mock(),
      store,
      queuedLines: () => 0,
    }).getEntitySecurity({
      entityRef: 'component:default/checkout',
      credentials: mockCredentials.user(),
    });
    expect(notConfigured).toMatchObject({
      status: 'not-configured',
      openCounts: {},
      total: 0,
    });
    const bare = {
      ...entity,
      metadata: { name: 'bare', namespace: 'default' },
    };
    const notAnnotated = await createSecurityService({
      configured: true,
      catalog: catalogServiceMock({ entities: [bare] }),
      logger: mockServices.logger.mock(),
      store,
      queuedLines: () => 0,
    }).getEntitySecurity({
      entityRef: 'component:default/bare',
      credentials: mockCredentials.user(),
    });
    expect(notAnnotated).toMatchObject({
      status: 'not-annotated',
      openCounts: {},
      total: 0,
    });
  });
});

describe('SecurityService entity timeline', () => {
  it('counts the events of every finding of the entity, not only the first page', async () => {
    const { store, timeline } = pagedStore(10_000);
    const res = await service(store).getEntityTimeline({
      entityRef: 'component:default/checkout',
      days: 7,
      credentials: mockCredentials.user(),
    });
    expect(res).toEqual({
      entityRef: 'component:default/checkout',
      bucket: 'day',
      buckets: [{ start: '2026-11-22T00:00:00.000Z', counts: { high: 5000 } }],
    });
    // one store query per page of findings, never one with every id
    expect(timeline).toHaveBeenCalledTimes(10);
    expect(Math.max(...timeline.mock.calls.map(([ids]) => ids.length))).toBe(
      500,
    );
  });
});
