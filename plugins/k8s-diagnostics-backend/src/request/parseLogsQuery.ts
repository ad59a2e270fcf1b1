/**
 * The query of GET /entity/logs: the entity, one of its findings, a container (and a pod of the
 * finding's workload), the previous instance or not, and how many lines. No namespace and no
 * cluster: they are the finding's (an entity scan finds objects only in the entity's declared
 * namespace), so naming either is a 400.
 */
import { InputError } from '@backstage/errors';
import { parseEntityRefParam, parseIntParam } from '@periscope/kube-access';
import { z } from 'zod';
import { FINDING_ID, K8S_NAME } from './schemas';
import { zodMessage } from './zodMessage';

/** Default and largest number of log lines of GET /entity/logs. */
export const LOG_LINES = { tailLines: 200, max: 1000 };

const LogsQuery = z
  .object({
    entityRef: z.string().min(1),
    findingId: FINDING_ID,
    container: K8S_NAME,
    pod: K8S_NAME.optional(),
    previous: z.enum(['true', 'false']).optional(),
    tailLines: z.string().optional(),
  })
  .strict();

/** A logs request as the evidence service takes it. */
export interface LogsRequest {
  entityRef: string;
  findingId: string;
  container: string;
  pod?: string;
  previous: boolean;
  tailLines: number;
}

/** A missing, malformed or unknown parameter is an `InputError` saying what to send. */
export function parseLogsQuery(query: unknown): LogsRequest {
  const parsed = LogsQuery.safeParse(query);
  if (!parsed.success) {
    throw new InputError(
      `invalid logs request: ${zodMessage(
        parsed.error,
      )}; send ?entityRef=component:default/x&findingId=<id>&container=<name>[&pod=<name>][&previous=true][&tailLines=1..${
        LOG_LINES.max
      }] (the namespace and cluster are the finding's)`,
    );
  }
  const tailLines = parseIntParam(
    parsed.data.tailLines,
    'tailLines',
    LOG_LINES.tailLines,
    1,
    LOG_LINES.max,
  );
  const { findingId, container, pod } = parsed.data;
  return {
    entityRef: parseEntityRefParam(parsed.data.entityRef),
    findingId,
    container,
    pod,
    previous: parsed.data.previous === 'true',
    tailLines,
  };
}
