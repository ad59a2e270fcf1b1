import { InputError } from '@backstage/errors';
import { parseHistoryQuery } from './parseHistoryQuery';

describe('parseHistoryQuery', () => {
  it("gives GET /entity's 48 points by default", () => {
    expect(parseHistoryQuery({ entityRef: 'component:default/x' })).toEqual({
      entityRef: 'component:default/x',
      limit: 48,
      offset: 0,
    });
    expect(
      parseHistoryQuery({ entityRef: 'Component:x', limit: '2', offset: '4' }),
    ).toEqual({ entityRef: 'component:default/x', limit: 2, offset: 4 });
  });

  it.each([
    [{}, /parameter 'entityRef' is missing: pass e\.g\. \?entityRef=/],
    [
      { entityRef: 'component:' },
      /parameter 'entityRef' is 'component:', which is not an entity reference/,
    ],
    [
      { entityRef: 'component:default/x', limit: '5001' },
      /^parameter 'limit' is '5001': give a whole number from 1 to 5000$/,
    ],
    [
      { entityRef: 'component:default/x', offset: '-1' },
      /^parameter 'offset' is '-1': give a whole number from 0 to 1000000$/,
    ],
    // the page is read before the entity
    [{ limit: '0' }, /^parameter 'limit' is '0'/],
  ])('refuses %j', (query, message) => {
    const run = () => parseHistoryQuery(query);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
