import { InputError } from '@backstage/errors';
import { AUDIT_PAGE, INSTANCES_PAGE, parsePage } from './page';

describe('parsePage', () => {
  it('gives the route default page without parameters', () => {
    expect(parsePage({}, INSTANCES_PAGE)).toEqual({ limit: 50, offset: 0 });
    expect(parsePage({ limit: '', offset: '' }, AUDIT_PAGE)).toEqual({
      limit: 50,
      offset: 0,
    });
    expect(parsePage({ limit: '500', offset: '1000000' }, AUDIT_PAGE)).toEqual({
      limit: 500,
      offset: 1_000_000,
    });
  });

  it.each([
    [
      { limit: '0' },
      "parameter 'limit' is '0': give a whole number from 1 to 500",
    ],
    [
      { limit: '501' },
      "parameter 'limit' is '501': give a whole number from 1 to 500",
    ],
    [
      { limit: 'ten' },
      "parameter 'limit' is 'ten': give a whole number from 1 to 500",
    ],
    [
      { offset: '-1' },
      "parameter 'offset' is '-1': give a whole number from 0 to 1000000",
    ],
    [
      { offset: '1.5' },
      "parameter 'offset' is '1.5': give a whole number from 0 to 1000000",
    ],
    [
      { offset: '1000001' },
      "parameter 'offset' is '1000001': give a whole number from 0 to 1000000",
    ],
    // limit is read first
    [
      { limit: 'x', offset: 'y' },
      "parameter 'limit' is 'x': give a whole number from 1 to 500",
    ],
  ])('refuses %j with a 400 naming the parameter', (query, message) => {
    const run = () => parsePage(query, INSTANCES_PAGE);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
