/** A query parameter of one short string. */
import { InputError } from '@backstage/errors';

/** The string; undefined when absent or empty; 400 when repeated or longer than 256 characters. */
export function strParam(raw: unknown, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > 256)
    throw new InputError(
      `parameter '${name}' must be one string of at most 256 characters`,
    );
  return raw;
}
