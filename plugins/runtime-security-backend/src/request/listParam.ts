/** A query parameter that lists allowed values (`?severity=high,critical` or repeated). */
import { InputError } from '@backstage/errors';

/** The listed values; undefined when the parameter is absent or empty; 400 naming a value not allowed. */
export function listParam<T extends string>(
  raw: unknown,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = (Array.isArray(raw) ? raw : [raw])
    .flatMap(v => String(v).split(','))
    .filter(Boolean);
  const bad = values.filter(v => !allowed.includes(v as T));
  if (bad.length) {
    throw new InputError(
      `parameter '${name}' has ${bad
        .map(b => `'${b}'`)
        .join(', ')}; allowed: ${allowed.join(', ')}`,
    );
  }
  return values as T[];
}
