/** The query of GET /findings: a page (`limit`, `offset`) and the filter of the cluster-wide findings. */
import { InputError } from '@backstage/errors';
import {
  ClusterFindingsFilter,
  SEVERITIES,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { z } from 'zod';
import { FINDINGS_PAGE, Page, parsePage } from './page';
import { zodMessage } from './zodMessage';

const FindingsFilter = z.object({
  cluster: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  severity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
});

/**
 * Reads the page, then the filter (`cluster`, `namespace`, `kind`, `severity`); a bad value is an
 * `InputError` naming the parameter and what it may be.
 */
export function parseFindingsQuery(
  query: Record<string, unknown>,
): Page & { filter: ClusterFindingsFilter } {
  const { limit, offset, ...rest } = query;
  const page = parsePage({ limit, offset }, FINDINGS_PAGE);
  const parsed = FindingsFilter.safeParse(rest);
  if (!parsed.success) {
    throw new InputError(
      `invalid filter: ${zodMessage(
        parsed.error,
      )}; severity is one of ${SEVERITIES.join(', ')}`,
    );
  }
  return { ...page, filter: parsed.data as ClusterFindingsFilter };
}
