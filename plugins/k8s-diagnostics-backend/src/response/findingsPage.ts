/**
 * GET /findings' answer: one page of the cluster-wide findings with the `total` of the filtered
 * list and `nextOffset` when more exist; facets, errors and warnings stay those of every finding.
 */
import { ClusterFindings } from '../types';
import { Page } from '../request/page';

/** The findings of `page`, with `total` and (when more exist) `nextOffset`. */
export function findingsPage(
  all: ClusterFindings,
  { limit, offset }: Page,
): ClusterFindings & { total: number; nextOffset?: number } {
  return {
    ...all,
    findings: all.findings.slice(offset, offset + limit),
    total: all.findings.length,
    ...(offset + limit < all.findings.length
      ? { nextOffset: offset + limit }
      : {}),
  };
}
