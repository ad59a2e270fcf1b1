import { listPath, RESOURCES } from '.';

describe('listPath', () => {
  it('builds list paths', () => {
    expect(listPath(RESOURCES.Deployment, 'shop')).toBe(
      '/apis/apps/v1/namespaces/shop/deployments',
    );
    expect(listPath(RESOURCES.Node, 'shop')).toBe('/api/v1/nodes');
  });
});
