import { MAX_OFFSET, pageParams } from './pageParams';

const SIZES = { limit: 10, max: 100 };

describe('pageParams', () => {
  it('defaults to the first page of the default size', () => {
    expect(pageParams({}, SIZES)).toEqual({ limit: 10, offset: 0 });
    expect(pageParams({ limit: '100', offset: '5' }, SIZES)).toEqual({
      limit: 100,
      offset: 5,
    });
  });

  it.each([
    [
      { limit: '0' },
      "parameter 'limit' is '0': give a whole number from 1 to 100",
    ],
    [
      { limit: '101' },
      "parameter 'limit' is '101': give a whole number from 1 to 100",
    ],
    [
      { limit: '2.5' },
      "parameter 'limit' is '2.5': give a whole number from 1 to 100",
    ],
    [
      { offset: '-1' },
      `parameter 'offset' is '-1': give a whole number from 0 to ${MAX_OFFSET}`,
    ],
    [
      { offset: 'two' },
      `parameter 'offset' is 'two': give a whole number from 0 to ${MAX_OFFSET}`,
    ],
  ])(
    'rejects %p with a 400 naming the parameter and its range',
    (q, message) => {
      expect(() => pageParams(q, SIZES)).toThrow(
        expect.objectContaining({ name: 'InputError', message }),
      );
    },
  );
});
