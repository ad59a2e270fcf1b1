/** Optional values read from untyped Kubernetes JSON, for the evidence builder. */

/** An object as the API server returns it, untyped. */
export type Json = any;

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
export const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length > 0 ? v.map(x => String(x)) : undefined;
