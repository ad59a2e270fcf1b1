/**
 * IPv4 / IPv6 address and CIDR helpers (pure, no Node `net`).
 */

/** A parsed CIDR: address bytes, prefix length and family. */
export interface Cidr {
  text: string;
  bytes: Uint8Array;
  prefix: number;
}

function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(input: string): Uint8Array | undefined {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const toWords = (part: string): number[] | undefined => {
    if (part === '') return [];
    const words: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.includes('.') && i === items.length - 1) {
        const v4 = parseIPv4(it);
        if (!v4) return undefined;
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
        words.push(parseInt(it, 16));
      }
    }
    return words;
  };
  const head = toWords(halves[0]);
  const tail = halves.length === 2 ? toWords(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function parseIp(s: string): Uint8Array | undefined {
  const t = s.trim();
  if (t.startsWith('[') && t.endsWith(']')) return parseIPv6(t.slice(1, -1));
  return parseIPv4(t) ?? parseIPv6(t);
}

/**
 * Parses `a.b.c.d/n` or `x::y/n` (a bare address is a host route).
 * Throws an Error saying what is wrong.
 */
export function parseCidr(text: string): Cidr {
  const [addr, len, ...rest] = text.trim().split('/');
  const bytes = addr !== undefined ? parseIp(addr) : undefined;
  if (!bytes || rest.length > 0) {
    throw new Error(
      `"${text}" is not a CIDR; write it like 10.0.0.0/8 or fd00::/8`,
    );
  }
  const max = bytes.length * 8;
  const prefix = len === undefined ? max : Number(len);
  if (!/^\d+$/.test(len ?? String(max)) || prefix > max) {
    throw new Error(
      `"${text}" has an invalid prefix length; use 0-${max} for this address family`,
    );
  }
  return { text, bytes, prefix };
}

/** True when `ip` lies inside `cidr` (same family only; v4-mapped v6 is unwrapped). */
export function cidrContains(cidr: Cidr, ip: Uint8Array): boolean {
  let addr = ip;
  if (addr.length === 16 && cidr.bytes.length === 4 && isV4Mapped(addr)) {
    addr = addr.slice(12);
  }
  if (addr.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i] & mask) !== (cidr.bytes[i] & mask)) return false;
  }
  return true;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * Addresses never reported as "outside the cluster": loopback, link-local,
 * unspecified.
 */
export const ALWAYS_INTERNAL: readonly string[] = [
  '127.0.0.0/8',
  '169.254.0.0/16',
  '0.0.0.0/32',
  '::1/128',
  '::/128',
  'fe80::/10',
];

/**
 * Default cluster networks when none are configured: the private ranges
 * (RFC 1918, RFC 4193 unique local, CGNAT 100.64/10 used by some CNIs).
 * @public
 */
export const DEFAULT_CLUSTER_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
];

const IPV4_IN_TEXT = /(?:^|[^\d.])((?:\d{1,3}\.){3}\d{1,3})(?![\d.])/g;

/** IPv4 literals in free text (command-line arguments). */
export function ipv4Literals(text: string): string[] {
  if (!/\d\.\d/.test(text)) return [];
  const out: string[] = [];
  for (const m of text.matchAll(IPV4_IN_TEXT)) {
    if (parseIPv4(m[1])) out.push(m[1]);
  }
  return out;
}
