import { DeployTarget } from '../../types';
import { storedValues } from './instanceValues';

const target: DeployTarget = {
  entityRef: 'component:default/checkout',
  module: 'fixture',
  source: '/modules/fixture',
  instanceName: 'web',
  namespace: 'shop',
  clusters: ['c1'],
};

describe('storedValues', () => {
  it('keeps sensitive fields as references to the history Secret', () => {
    expect(
      storedValues(
        target,
        { message: 'hi', dbPass: 'hunter2-s3cret', password: 'pw-12345' },
        {
          type: 'object',
          properties: { dbPass: { type: 'string', sensitive: true } },
        },
      ),
    ).toEqual({
      message: 'hi',
      dbPass: { $sensitive: 'Secret/shop/periscope-history.web' },
      password: { $sensitive: 'Secret/shop/periscope-history.web' },
    });
  });

  it('is undefined without values', () => {
    expect(storedValues(target, undefined, undefined)).toBeUndefined();
  });
});
