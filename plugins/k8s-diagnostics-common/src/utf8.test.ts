import { utf8Length } from './utf8';

describe('utf8Length', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['a€😀é', 10],
  ])('%j is %d bytes, as TextEncoder counts', (s, n) => {
    expect(utf8Length(s)).toBe(n);
    expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
  });

  it('counts a lone surrogate as 3 bytes', () => {
    expect(utf8Length('\ud800')).toBe(3);
    expect(utf8Length('\ud800a')).toBe(4);
    expect(utf8Length('\udc00')).toBe(3);
  });
});
