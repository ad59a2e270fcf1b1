/** Ingest: the per-source ingester, the POST /ingest queue and service, and the scheduled sources. */
export * from './types';
export { createSourceIngester } from './createSourceIngester';
export {
  createHttpIngest,
  MAX_CONCURRENT_BODIES,
  MAX_SOURCES,
} from './createHttpIngest';
export {
  createIngestService,
  INGEST_TOKEN_HEADER,
  tokenMatches,
} from './createIngestService';
export { PayloadTooLargeError, TooManyRequestsError } from './errors';
export { scheduleSources } from './scheduleSources';
