import { InputError } from '@backstage/errors';
import { FINDINGS_PAGE, HISTORY_PAGE, parsePage } from './page';

describe('parsePage', () => {
  it('gives the route default page without parameters', () => {
    expect(parsePage({}, FINDINGS_PAGE)).toEqual({ limit: 1000, offset: 0 });
    expect(parsePage({ limit: '', offset: '' }, HISTORY_PAGE)).toEqual({
      limit: 48,
      offset: 0,
    });
    expect(
      parsePage({ limit: '5000', offset: '1000000' }, HISTORY_PAGE),
    ).toEqual({ limit: 5000, offset: 1_000_000 });
  });

  it.each([
    [
      { limit: '0' },
      "parameter 'limit' is '0': give a whole number from 1 to 5000",
    ],
    [
      { limit: '5001' },
      "parameter 'limit' is '5001': give a whole number from 1 to 5000",
    ],
    [
      { limit: 'ten' },
      "parameter 'limit' is 'ten': give a whole number from 1 to 5000",
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
      "parameter 'limit' is 'x': give a whole number from 1 to 5000",
    ],
  ])('refuses %j with a 400 naming the parameter', (query, message) => {
    const run = () => parsePage(query, FINDINGS_PAGE);
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
