/**
 * The IngestService of POST /ingest: which caller posts (a static ingest token or an authorized
 * service principal) and which clusters it may write, then the body read and queued.
 */
import { InputError, NotAllowedError } from '@backstage/errors';
import { createHash, timingSafeEqual } from 'node:crypto';
import { sourceParam } from '../../request/sourceParam';
import { strParam } from '../../request/strParam';
import { readBody } from './readBody';
import { HttpIngest, IngestRequest, IngestService } from './types';

/** Header carrying `runtimeSecurity.ingest.token` on POST /ingest. */
export const INGEST_TOKEN_HEADER = 'x-periscope-ingest-token';

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string, expected: string): boolean {
  // Hash both so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}

/** Creates the service over the ingest queue (its settings are `runtimeSecurity.ingest`). */
export function createIngestService(deps: {
  httpIngest: HttpIngest;
}): IngestService {
  const { httpIngest } = deps;
  const settings = httpIngest.settings;

  /**
   * Who posts to /ingest and which clusters it may write: a static token (`ingest.token`: any
   * cluster; `ingest.tokens[]`: its clusters), or a Backstage service principal that holds the
   * ingest permission (`ingest.services[]` narrows a subject to its clusters).
   */
  async function callerOf(
    request: IngestRequest,
  ): Promise<{ who: string; clusters?: string[] }> {
    const presented = request.token;
    const { token, tokens } = settings;
    if (presented !== undefined) {
      if (token && tokenMatches(presented, token))
        return { who: 'runtimeSecurity.ingest.token' };
      const limited = tokens.find(t => tokenMatches(presented, t.token));
      if (limited)
        return {
          who: `runtimeSecurity.ingest.tokens '${limited.name}'`,
          clusters: limited.clusters,
        };
      throw new NotAllowedError(
        token || tokens.length
          ? `the ${INGEST_TOKEN_HEADER} header matches neither runtimeSecurity.ingest.token nor an entry of runtimeSecurity.ingest.tokens`
          : `no ingest token is configured (runtimeSecurity.ingest.token or .tokens), so ${INGEST_TOKEN_HEADER} is not accepted: configure one, or call with a Backstage service token`,
      );
    }
    const subject = await request.authorizeService();
    const entry = settings.services.find(s => s.subject === subject);
    return { who: subject, clusters: entry?.clusters };
  }

  return {
    retryAfterSeconds: settings.retryAfterSeconds,

    async ingest(request) {
      const caller = await callerOf(request);
      let cluster = strParam(request.cluster, 'cluster');
      if (caller.clusters) {
        // a limited caller's events always carry a cluster it may write (never the agent's own claim)
        if (!cluster && caller.clusters.length === 1)
          cluster = caller.clusters[0];
        if (!cluster) {
          throw new InputError(
            `${caller.who} may write events of ${caller.clusters.join(
              ', ',
            )}: name one with ?cluster=`,
          );
        }
        if (!caller.clusters.includes(cluster)) {
          throw new NotAllowedError(
            `${
              caller.who
            } may not write events of cluster '${cluster}'; it may write ${caller.clusters.join(
              ', ',
            )}`,
          );
        }
      }
      const source = sourceParam(request.source);
      const release = httpIngest.admit();
      let body: string;
      try {
        body = await readBody(
          request.body,
          request.contentLength,
          settings.maxBodyBytes,
        );
      } finally {
        release();
      }
      return httpIngest.ingest(body, { source, cluster });
    },
  };
}
