/**
 * The HttpIngest queue of POST /ingest batches: admission before a body is read, one ingester per
 * source (least recently used ones dropped), batches stored one after another.
 */
import { HttpIngestSettings } from '../../config';
import { createSourceIngester } from './createSourceIngester';
import { TooManyRequestsError } from './errors';
import { HttpIngest, SourceDeps, SourceIngester } from './types';

/** At most this many sources keep an ingester (ancestry state) in memory; the others reload it. */
export const MAX_SOURCES = 1000;
/** At most this many request bodies are read at once (each up to maxBodyBytes). */
export const MAX_CONCURRENT_BODIES = 4;

/** Creates the queue (see {@link HttpIngest}). */
export function createHttpIngest(
  settings: HttpIngestSettings,
  deps: SourceDeps,
): HttpIngest {
  let queued = 0;
  let reading = 0;
  let chain: Promise<unknown> = Promise.resolve();
  /** Ingesters by source, least recently used first (a Map keeps insertion order). */
  const ingesters = new Map<string, SourceIngester>();

  function ingester(source: string): SourceIngester {
    const id = `http:${source}`;
    let i = ingesters.get(id);
    if (i) {
      ingesters.delete(id); // move to the most recently used end
    } else {
      i = createSourceIngester(id, 'http', deps);
    }
    ingesters.set(id, i);
    while (ingesters.size > MAX_SOURCES) {
      ingesters.delete(ingesters.keys().next().value!);
    }
    return i;
  }

  const queueFull = () =>
    new TooManyRequestsError(
      `the ingest queue is full (${queued} lines waiting, limit runtimeSecurity.ingest.maxQueuedLines = ${settings.maxQueuedLines}): retry after ${settings.retryAfterSeconds} s`,
    );

  return {
    settings,

    get queuedLines() {
      return queued;
    },

    get sourcesInMemory() {
      return ingesters.size;
    },

    admit() {
      if (queued >= settings.maxQueuedLines) throw queueFull();
      if (reading >= MAX_CONCURRENT_BODIES) {
        throw new TooManyRequestsError(
          `${reading} batches are being received already: retry after ${settings.retryAfterSeconds} s`,
        );
      }
      reading++;
      let released = false;
      return () => {
        if (!released) reading--;
        released = true;
      };
    },

    async ingest(body, options) {
      const lines = body
        .split('\n')
        .map(l => (l.endsWith('\r') ? l.slice(0, -1) : l));
      if (lines.length && lines[lines.length - 1] === '') lines.pop();
      if (queued > 0 && queued + lines.length > settings.maxQueuedLines) {
        throw queueFull();
      }
      queued += lines.length;
      const target = ingester(options.source);
      const run = chain.then(async () => {
        try {
          const r = await target.pushLines(lines, { cluster: options.cluster });
          await target.save();
          return r;
        } finally {
          queued -= lines.length;
        }
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
