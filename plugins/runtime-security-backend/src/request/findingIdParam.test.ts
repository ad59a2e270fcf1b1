import { findingIdParam } from './findingIdParam';

describe('findingIdParam', () => {
  it('accepts 16 lowercase hexadecimal characters', () => {
    expect(findingIdParam('0123456789abcdef')).toBe('0123456789abcdef');
  });

  it.each(['0123456789ABCDEF', '0123456789abcde', '0123456789abcdef0', 'x'])(
    'rejects %p with a 400 that says what an id looks like',
    raw => {
      expect(() => findingIdParam(raw)).toThrow(
        expect.objectContaining({
          name: 'InputError',
          message: `finding id '${raw}' is not valid: ids are 16 hexadecimal characters, as GET /entity returns them`,
        }),
      );
    },
  );
});
