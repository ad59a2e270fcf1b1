/** The query of GET /entity/evidence: the entity and one of its findings, nothing else. */
import { InputError } from '@backstage/errors';
import { parseEntityRefParam } from '@periscope/kube-access';
import { z } from 'zod';
import { FINDING_ID } from './schemas';
import { zodMessage } from './zodMessage';

const EvidenceQuery = z
  .object({ entityRef: z.string().min(1), findingId: FINDING_ID })
  .strict();

/** A missing, malformed or unknown parameter is an `InputError` saying what to send. */
export function parseEvidenceQuery(query: unknown): {
  entityRef: string;
  findingId: string;
} {
  const parsed = EvidenceQuery.safeParse(query);
  if (!parsed.success)
    throw new InputError(
      `invalid evidence request: ${zodMessage(
        parsed.error,
      )}; send ?entityRef=component:default/x&findingId=<id>`,
    );
  return {
    entityRef: parseEntityRefParam(parsed.data.entityRef),
    findingId: parsed.data.findingId,
  };
}
