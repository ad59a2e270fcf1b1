/** The `source` query parameter of POST /ingest: the name of the agent's stream. */
import { InputError } from '@backstage/errors';
import { strParam } from './strParam';

/** The source name ('default' when absent); 400 for characters other than letters, digits, '.', '_', ':' and '-'. */
export function sourceParam(raw: unknown): string {
  const source = strParam(raw, 'source') ?? 'default';
  if (!/^[a-zA-Z0-9._:-]+$/.test(source)) {
    throw new InputError(
      `parameter 'source' is '${source}': use letters, digits, '.', '_', ':' or '-' (e.g. the node name)`,
    );
  }
  return source;
}
