import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { FindingsStore } from '../FindingsStore';
import { createSecurityService, MAX_ENTITY_FINDINGS } from './SecurityService';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-label-selector': 'app=checkout', 'backstage.io/kubernetes-namespace': 'shop' },
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
    rows.slice(filter.offset ?? 0, (filter.offset ?? 0) + (filter.limit ?? rows.length)),
  );
  return { store: { list, listSources: async () => [] } as unknown as FindingsStore, list };
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
    const res = await service(store).getEntitySecurity({ entityRef: 'component:default/checkout', credentials: mockCredentials.user() });
    expect(res.findings).toHaveLength(1250);
    expect(res.truncated).toBeUndefined();
    expect(list.mock.calls.map(([f]) => [f.limit, f.offset])).toEqual([
      [1000, 0],
      [1000, 1000],
      [1000, 2000],
    ]);
  });

  it('caps one answer and says it is truncated', async () => {
    const { store } = pagedStore(10_000);
    const res = await service(store).getEntitySecurity({ entityRef: 'component:default/checkout', credentials: mockCredentials.user() });
    expect(res.findings).toHaveLength(MAX_ENTITY_FINDINGS);
    expect(res.truncated).toBe(true);
  });
});
