/**
 * Masks for sensitive strings. Like k8sgpt's `util.MaskString`, a mask is the base64 of as many
 * random characters as the input has bytes; unlike it, the characters come from a PRNG seeded by
 * the input and a per-analysis seed, so the same string gets the same mask within one analysis.
 */

import { utf8Length } from './utf8';

const ALPHABET =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()_+-=[]{};:,.<>/?';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function base64Ascii(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i);
    const b = i + 1 < s.length ? s.charCodeAt(i + 1) : NaN;
    const c = i + 2 < s.length ? s.charCodeAt(i + 2) : NaN;
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += Number.isNaN(b) ? '=' : B64[(n >> 6) & 63];
    out += Number.isNaN(c) ? '=' : B64[n & 63];
  }
  return out;
}

/**
 * Returns a masking function; equal inputs get equal masks for one seed.
 *
 * @public
 */
export function createMasker(seed: string): (value: string) => string {
  const cache = new Map<string, string>();
  return (value: string) => {
    const hit = cache.get(value);
    if (hit !== undefined) return hit;
    const rnd = mulberry32(fnv1a(`${seed}\u0000${value}`));
    let chars = '';
    const len = utf8Length(value);
    for (let i = 0; i < len; i++) {
      chars += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    }
    const masked = base64Ascii(chars);
    cache.set(value, masked);
    return masked;
  };
}
