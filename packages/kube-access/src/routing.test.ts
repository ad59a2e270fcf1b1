import { parseIntParam } from './routing';

describe('parseIntParam', () => {
  it('takes the fallback when the parameter is absent or empty, and a whole number in range', () => {
    expect(parseIntParam(undefined, 'limit', 50, 1, 500)).toBe(50);
    expect(parseIntParam('', 'limit', 50, 1, 500)).toBe(50);
    expect(parseIntParam('500', 'limit', 50, 1, 500)).toBe(500);
  });

  it.each(['0', '501', '1.5', 'ten', '-1'])(
    'refuses %j naming the parameter and its range',
    raw => {
      expect(() => parseIntParam(raw, 'limit', 50, 1, 500)).toThrow(
        `parameter 'limit' is '${raw}': give a whole number from 1 to 500`,
      );
    },
  );
});
