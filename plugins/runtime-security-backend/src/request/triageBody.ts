/** The body of POST /entity/findings/:id/triage. */
import { InputError } from '@backstage/errors';
import { z } from 'zod';

const schema = z
  .object({
    state: z.enum(['acknowledged', 'false-positive', 'open']),
    reason: z.string().max(2000).optional(),
  })
  .strict();

/** The new state and its reason (trimmed; required unless the state is `open`); else 400. */
export function parseTriageBody(body: unknown): {
  state: 'acknowledged' | 'false-positive' | 'open';
  reason?: string;
} {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new InputError(
      `the triage body is invalid (${parsed.error.issues
        .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join(
          '; ',
        )}): send {"state": "acknowledged" | "false-positive" | "open", "reason": "why"}`,
    );
  }
  const { state, reason } = parsed.data;
  if (state !== 'open' && !reason?.trim()) {
    throw new InputError(
      `'reason' is required to mark a finding ${state}: say why, e.g. "expected: nightly backup job runs tar"`,
    );
  }
  return { state, reason: reason?.trim() };
}
