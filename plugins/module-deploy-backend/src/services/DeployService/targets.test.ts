import { InputError } from '@backstage/errors';
import { testCluster } from '../../__testUtils__/deployServiceApp';
import { narrowTo } from './targets';

const cluster = testCluster;
const resolved = {
  target: {
    entityRef: 'component:default/checkout',
    module: 'fixture',
    source: '/modules/fixture',
    instanceName: 'web',
    namespace: 'shop',
    clusters: ['c1', 'c2'],
  },
  clusters: [cluster('c1'), cluster('c2')],
};

describe('narrowTo', () => {
  it('keeps every cluster when none is named', () => {
    expect(narrowTo(resolved, undefined)).toBe(resolved);
  });

  it('narrows the clusters and the target to the one named', () => {
    expect(narrowTo(resolved, 'c2')).toEqual({
      target: { ...resolved.target, clusters: ['c2'] },
      clusters: [cluster('c2')],
    });
  });

  it('refuses a cluster that is not a target, listing the targets', () => {
    const run = () => narrowTo(resolved, 'c3');
    expect(run).toThrow(InputError);
    expect(run).toThrow(
      "cluster 'c3' is not a target of component:default/checkout; targets: c1, c2",
    );
    expect(() =>
      narrowTo(
        { ...resolved, target: { ...resolved.target, entityRef: '' } },
        'c3',
      ),
    ).toThrow("cluster 'c3' is not a target of web; targets: c1, c2");
  });
});
