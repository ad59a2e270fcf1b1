import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { FindingsStore } from '../FindingsStore';
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

/** A store with `total` findings in `shop`, every other one the entity's; answers pages like the real one. */
function pagedStore(total: number) {
  const rows = Array.from({ length: total }, (_, i) => ({
    id: `f${i}`,
    namespace: 'shop',
    labels: { app: i % 2 ? 'checkout' : 'other' },
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
  return {
    store: {
      list,
      timeline,
      listSources: async () => [],
    } as unknown as FindingsStore,
    list,
    timeline,
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
