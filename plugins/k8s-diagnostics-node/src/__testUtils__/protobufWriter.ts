/** Test helpers: a minimal protobuf writer to build API server list responses by hand. */
export type Part = number[];
export function varint(n: number | bigint): Part {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
export const int = (field: number, n: number | bigint): Part => [
  ...varint(field * 8),
  ...varint(n),
];
export const bytes = (field: number, data: Part): Part => [
  ...varint(field * 8 + 2),
  ...varint(data.length),
  ...data,
];
export const str = (field: number, s: string): Part =>
  bytes(field, [...Buffer.from(s, 'utf8')]);
export const msg = (field: number, ...parts: Part[]): Part =>
  bytes(field, parts.flat());
export const entry = (field: number, k: string, v: string): Part =>
  msg(field, str(1, k), str(2, v));

/** `k8s\0` + runtime.Unknown{typeMeta, raw: list}. */
export function envelope(kind: string, list: Part): Buffer {
  const unknown = [
    ...msg(1, str(1, 'v1'), str(2, kind)),
    ...bytes(2, list),
    ...str(4, 'application/vnd.kubernetes.protobuf'),
  ];
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}
