/** The body of POST /entity/explain: `{"entityRef", "findingId"}`. */
import { InputError } from '@backstage/errors';
import { parseEntityRefParam } from '@periscope/kube-access';
import { z } from 'zod';
import { FINDING_ID } from './schemas';
import { zodMessage } from './zodMessage';

const ExplainBody = z.object({
  entityRef: z.string().min(1),
  findingId: FINDING_ID,
});

/** A missing or malformed field is an `InputError` saying what to send; no body is an empty one. */
export function parseExplainBody(body: unknown): {
  entityRef: string;
  findingId: string;
} {
  const parsed = ExplainBody.safeParse(body ?? {});
  if (!parsed.success) {
    throw new InputError(
      `invalid explain request: ${zodMessage(
        parsed.error,
      )}; send JSON {"entityRef": "component:default/x", "findingId": "<id>"}`,
    );
  }
  return {
    entityRef: parseEntityRefParam(parsed.data.entityRef),
    findingId: parsed.data.findingId,
  };
}
