/** `limit` and `offset` of a paged list. */
import { parseIntParam } from '@periscope/kube-access';

/** The largest `offset` of every paged list. */
export const MAX_OFFSET = 1_000_000;

/** `limit` (default and largest as given) and `offset`; 400 naming the parameter and its range. */
export function pageParams(
  query: { limit?: unknown; offset?: unknown },
  sizes: { limit: number; max: number },
): { limit: number; offset: number } {
  return {
    limit: parseIntParam(query.limit, 'limit', sizes.limit, 1, sizes.max),
    offset: parseIntParam(query.offset, 'offset', 0, 0, MAX_OFFSET),
  };
}
