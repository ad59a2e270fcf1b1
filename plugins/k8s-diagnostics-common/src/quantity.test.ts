import { formatQuantity, parseQuantity } from './quantity';

describe('quantities', () => {
  it.each([
    ['500Mi', 500 * 1024 ** 2, '500Mi'],
    ['1024Mi', 1024 ** 3, '1Gi'],
    ['0.5Gi', 512 * 1024 ** 2, '512Mi'],
    ['100M', 1e8, '100M'],
    ['1500', 1500, '1500'],
    ['2000', 2000, '2k'],
    ['100m', 0.1, '100m'],
    ['1e3', 1000, '1e3'],
    ['512', 512, '512'],
  ])('%s', (text, value, canonical) => {
    const q = parseQuantity(text)!;
    expect(q.value).toBeCloseTo(value);
    expect(formatQuantity(q)).toBe(canonical);
  });

  it('returns undefined for garbage', () => {
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });
});
