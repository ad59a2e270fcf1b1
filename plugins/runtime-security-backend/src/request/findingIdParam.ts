/** The finding id of a path (`/entity/findings/:id`). */
import { InputError } from '@backstage/errors';

/** The id: 16 hexadecimal characters, as GET /entity returns them; else 400. */
export function findingIdParam(raw: string): string {
  if (!/^[0-9a-f]{16}$/.test(raw)) {
    throw new InputError(
      `finding id '${raw}' is not valid: ids are 16 hexadecimal characters, as GET /entity returns them`,
    );
  }
  return raw;
}
