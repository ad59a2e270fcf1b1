/**
 * What the evidence reads share: the core API prefix, an object's path, and a failed read's
 * status and reason in words.
 */
import { ClusterRequestError } from './clusterErrors';
import { apiPrefix, RESOURCES } from './resources';

/** An object as the API server returns it, untyped. */
export type Json = any;

export const CORE = apiPrefix({ group: '', version: 'v1' });
export const enc = encodeURIComponent;

/** The path of a built-in namespaced object; undefined for a kind not in RESOURCES. */
export function objectPath(
  kind: string,
  namespace: string,
  name: string,
): string | undefined {
  const info = RESOURCES[kind];
  if (!info) return undefined;
  return `${apiPrefix(info)}/namespaces/${enc(namespace)}/${info.plural}/${enc(
    name,
  )}`;
}

/** The HTTP status of a failed read; undefined when no answer came. */
export const statusOf = (e: unknown) =>
  e instanceof ClusterRequestError
    ? e.status
    : (e as { status?: number })?.status;

/** Why a read failed, in words (403 and 404 named). */
export function why(e: unknown): string {
  const status = statusOf(e);
  if (status === 403) return 'the cluster identity may not read it';
  if (status === 404) return 'it no longer exists';
  return (e as Error)?.message ?? String(e);
}
