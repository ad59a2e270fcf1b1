import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { withEntityLookupCache } from './catalogCache';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', namespace: 'default' },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
};
const REF = 'component:default/checkout';

function setup() {
  const catalog = catalogServiceMock({ entities: [entity] });
  const lookups = jest.spyOn(catalog, 'getEntityByRef');
  let t = 1_000_000;
  const cached = withEntityLookupCache(catalog, { ttlMs: 5000, now: () => t });
  return { catalog, lookups, cached, advance: (ms: number) => (t += ms) };
}

describe('withEntityLookupCache', () => {
  it('reuses an answer for the same entity and caller within the TTL, and asks again after it', async () => {
    const { lookups, cached, advance } = setup();
    const credentials = mockCredentials.user('user:default/ana');
    const [a, b] = await Promise.all([
      cached.getEntityByRef(REF, { credentials }),
      cached.getEntityByRef(REF, { credentials }),
    ]);
    expect(a).toMatchObject({ metadata: { name: 'checkout' } });
    expect(b).toBe(a);
    advance(4999);
    await cached.getEntityByRef(REF, {
      credentials: mockCredentials.user('user:default/ana'),
    });
    expect(lookups).toHaveBeenCalledTimes(1);
    advance(1);
    await cached.getEntityByRef(REF, { credentials });
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('keys by the caller: another user or a service asks the catalog with its own credentials', async () => {
    const { lookups, cached } = setup();
    const ana = mockCredentials.user('user:default/ana');
    const bo = mockCredentials.user('user:default/bo');
    const service = mockCredentials.service('plugin:scaffolder');
    await cached.getEntityByRef(REF, { credentials: ana });
    await cached.getEntityByRef(REF, { credentials: bo });
    await cached.getEntityByRef(REF, { credentials: service });
    expect(
      lookups.mock.calls.map(
        ([, o]) => (o as { credentials?: unknown } | undefined)?.credentials,
      ),
    ).toEqual([ana, bo, service]);
  });

  it('does not keep a failure; keeps a not-found answer', async () => {
    const { lookups, cached } = setup();
    const credentials = mockCredentials.user();
    lookups.mockRejectedValueOnce(new Error('catalog down'));
    await expect(cached.getEntityByRef(REF, { credentials })).rejects.toThrow(
      'catalog down',
    );
    await expect(
      cached.getEntityByRef(REF, { credentials }),
    ).resolves.toMatchObject({ metadata: { name: 'checkout' } });
    await cached.getEntityByRef('component:default/ghost', { credentials });
    await expect(
      cached.getEntityByRef('component:default/ghost', { credentials }),
    ).resolves.toBeUndefined();
    expect(lookups).toHaveBeenCalledTimes(3);
  });

  it('keeps at most maxEntries answers and leaves other methods to the catalog', async () => {
    const catalog = catalogServiceMock({ entities: [entity] });
    const lookups = jest.spyOn(catalog, 'getEntityByRef');
    const cached = withEntityLookupCache(catalog, { maxEntries: 1 });
    const credentials = mockCredentials.user();
    await cached.getEntityByRef(REF, { credentials });
    await cached.getEntityByRef('component:default/ghost', { credentials });
    await cached.getEntityByRef(REF, { credentials });
    expect(lookups).toHaveBeenCalledTimes(3);
    expect((await cached.getEntities({}, { credentials })).items).toHaveLength(
      1,
    );
  });
});
