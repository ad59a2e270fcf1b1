/**
 * The UTF-8 byte length of a string (Go's `len` of a string), counted without allocating.
 * A surrogate pair is one 4-byte character; a lone surrogate counts 3 bytes (its replacement).
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      isLowSurrogate(s.charCodeAt(i + 1))
    ) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
