/**
 * The paging parameters of GET /entity (instances: target clusters) and GET /entity/history (the
 * audit trail): `limit` (from 1 to the route's largest page, its default page when absent) and
 * `offset` (from 0 to MAX_OFFSET, default 0).
 */
import { parseIntParam } from '@periscope/kube-access';

/** A route's default and largest page size. */
export interface PageSize {
  limit: number;
  max: number;
}

/** Default and largest page of instances (target clusters) of GET /entity (README, "Routes"). */
export const INSTANCES_PAGE: PageSize = { limit: 50, max: 500 };
/** Default and largest page size of the audit trail of GET /entity/history (README, "Routes"). */
export const AUDIT_PAGE: PageSize = { limit: 50, max: 500 };
/** The largest `offset` of a page. */
export const MAX_OFFSET = 1_000_000;

/** A page: `limit` items after skipping `offset`. */
export interface Page {
  limit: number;
  offset: number;
}

/**
 * Reads `limit`, then `offset`, of a query; a value out of range is an `InputError` naming the
 * parameter and its range (e.g. `parameter 'offset' is '-1': give a whole number from 0 to 1000000`).
 */
export function parsePage(
  query: { limit?: unknown; offset?: unknown },
  size: PageSize,
): Page {
  const limit = parseIntParam(query.limit, 'limit', size.limit, 1, size.max);
  const offset = parseIntParam(query.offset, 'offset', 0, 0, MAX_OFFSET);
  return { limit, offset };
}
