/**
 * A request body checked against its zod schema: a missing body is `{}`, and a body that does not
 * fit is an `InputError` (400) naming the request and each field with what is wrong.
 */
import { InputError } from '@backstage/errors';
import { z } from 'zod';

/**
 * The body as `schema` parses it; otherwise `invalid <what> request body: <field>: <message>`,
 * the issues joined by `; ` (`body` for the whole body).
 */
export function parseBody<T>(
  schema: z.ZodType<T>,
  body: unknown,
  what: string,
): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues
    .map(i => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
  throw new InputError(`invalid ${what} request body: ${issues}`);
}
