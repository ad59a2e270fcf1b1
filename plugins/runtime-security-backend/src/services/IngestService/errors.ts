/** The HTTP errors of POST /ingest that `@backstage/errors` has no type for (413 and 429). */
import { CustomErrorBase } from '@backstage/errors';

/**
 * 413: the NDJSON batch is larger than `runtimeSecurity.ingest.maxBodyBytes`.
 * @public
 */
export class PayloadTooLargeError extends CustomErrorBase {
  name = 'PayloadTooLargeError' as const;
  statusCode = 413;
}

/**
 * 429: the ingest queue is full; retry after the `Retry-After` seconds.
 * @public
 */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  statusCode = 429;
}
