/** The query of GET /entity/history: a page (`limit`, `offset`) of an entity's stored scans. */
import { parseEntityRefParam } from '@periscope/kube-access';
import { HISTORY_PAGE, Page, parsePage } from './page';

/** Reads `limit`, `offset` and then `entityRef`; the first bad one is an `InputError` naming it. */
export function parseHistoryQuery(
  query: Record<string, unknown>,
): Page & { entityRef: string } {
  const page = parsePage(query, HISTORY_PAGE);
  return { ...page, entityRef: parseEntityRefParam(query.entityRef) };
}
