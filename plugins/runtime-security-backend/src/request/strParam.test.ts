import { strParam } from './strParam';

describe('strParam', () => {
  it('reads one string; absent or empty is undefined', () => {
    expect(strParam('shop', 'namespace')).toBe('shop');
    expect(strParam(undefined, 'namespace')).toBeUndefined();
    expect(strParam('', 'namespace')).toBeUndefined();
  });

  it.each([
    ['a repeated parameter', ['a', 'b']],
    ['a nested parameter', { a: 'b' }],
    ['a string over 256 characters', 'x'.repeat(257)],
  ])('rejects %s with a 400 naming the parameter', (_what, raw) => {
    expect(() => strParam(raw, 'namespace')).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message:
          "parameter 'namespace' must be one string of at most 256 characters",
      }),
    );
  });
});
