import { LoggerService } from '@backstage/backend-plugin-api';
import { CustomErrorBase } from '@backstage/errors';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AnalyzerSettings, HttpIngestSettings } from '../../config';
import { FindingsStore } from '../FindingsStore/FindingsStore';
import type { FindingNotifier } from '../Notifications/FindingNotifier';
import { PushResult, SourceIngester } from './SourceIngester';

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

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string, expected: string): boolean {
  // Hash both so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}

/**
 * POST /ingest: NDJSON batches from Fluent Bit / Vector. Batches are stored
 * one after another (one ingester per `source` name, so ancestry follows each
 * agent's stream); when more than `maxQueuedLines` lines wait, new batches
 * get 429 with Retry-After instead of growing memory.
 */
export class HttpIngest {
  private queued = 0;
  private reading = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** Ingesters by source, least recently used first (a Map keeps insertion order). */
  private readonly ingesters = new Map<string, SourceIngester>();
  /** At most this many sources keep an ingester (ancestry state) in memory; the others reload it. */
  static readonly MAX_SOURCES = 1000;
  /** At most this many request bodies are read at once (each up to maxBodyBytes). */
  static readonly MAX_CONCURRENT_BODIES = 4;

  constructor(
    readonly settings: HttpIngestSettings,
    private readonly deps: {
      store: FindingsStore;
      logger: LoggerService;
      analyzer: AnalyzerSettings;
      notifier?: FindingNotifier;
    },
  ) {}

  /** Lines waiting to be stored. */
  get queuedLines(): number {
    return this.queued;
  }

  /** Sources with an ingester in memory (bounded by {@link HttpIngest.MAX_SOURCES}). */
  get sourcesInMemory(): number {
    return this.ingesters.size;
  }

  private ingester(source: string): SourceIngester {
    const id = `http:${source}`;
    let i = this.ingesters.get(id);
    if (i) {
      this.ingesters.delete(id); // move to the most recently used end
    } else {
      i = new SourceIngester(id, 'http', this.deps);
    }
    this.ingesters.set(id, i);
    while (this.ingesters.size > HttpIngest.MAX_SOURCES) {
      this.ingesters.delete(this.ingesters.keys().next().value!);
    }
    return i;
  }

  /**
   * Takes a slot before the request body is read: a full queue or too many bodies being read at
   * once answer 429 without reading (so memory stays bounded however many agents post). Call the
   * returned function once the body is read (or failed).
   */
  admit(): () => void {
    if (this.queued >= this.settings.maxQueuedLines) {
      throw new TooManyRequestsError(
        `the ingest queue is full (${this.queued} lines waiting, limit runtimeSecurity.ingest.maxQueuedLines = ${this.settings.maxQueuedLines}): retry after ${this.settings.retryAfterSeconds} s`,
      );
    }
    if (this.reading >= HttpIngest.MAX_CONCURRENT_BODIES) {
      throw new TooManyRequestsError(
        `${this.reading} batches are being received already: retry after ${this.settings.retryAfterSeconds} s`,
      );
    }
    this.reading++;
    let released = false;
    return () => {
      if (!released) this.reading--;
      released = true;
    };
  }

  /** Queues a batch and resolves once it is stored. Throws TooManyRequestsError when the queue is full. */
  async ingest(
    body: string,
    options: { source: string; cluster?: string },
  ): Promise<PushResult> {
    const lines = body
      .split('\n')
      .map(l => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    if (
      this.queued > 0 &&
      this.queued + lines.length > this.settings.maxQueuedLines
    ) {
      throw new TooManyRequestsError(
        `the ingest queue is full (${this.queued} lines waiting, limit runtimeSecurity.ingest.maxQueuedLines = ${this.settings.maxQueuedLines}): retry after ${this.settings.retryAfterSeconds} s`,
      );
    }
    this.queued += lines.length;
    const ingester = this.ingester(options.source);
    const run = this.chain.then(async () => {
      try {
        const r = await ingester.pushLines(lines, { cluster: options.cluster });
        await ingester.save();
        return r;
      } finally {
        this.queued -= lines.length;
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
