/**
 * The ingest path's interfaces: the SourceIngester of one source, the HttpIngest queue of POST
 * /ingest batches, and the IngestService that answers a POST /ingest request.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import type { Readable } from 'node:stream';
import { AnalyzerSettings, HttpIngestSettings } from '../../config';
import { FindingsStore, SourceStats } from '../FindingsStore';
import type { FindingNotifier } from '../Notifications';

/** What every source needs: where findings go, how events are classified, who is told. */
export interface SourceDeps {
  store: FindingsStore;
  logger: LoggerService;
  analyzer: AnalyzerSettings;
  /** Told about the findings each call creates (critical ones notify their owners). */
  notifier?: FindingNotifier;
}

/**
 * What one call of {@link SourceIngester.pushLines} did.
 * @public
 */
export interface PushResult {
  lines: number;
  events: number;
  detections: number;
  /** (finding, event) pairs the store did not have yet. */
  newEvents: number;
  /** Findings the store did not have yet (first seen in this call). */
  newFindings: number;
}

/**
 * Turns the lines of one source (a Tetragon pod's log, a file, an HTTP client) into stored
 * findings: parser, process cache (for ancestry) and detection engine are per source, so ancestry
 * follows one agent's stream.
 */
export interface SourceIngester {
  readonly id: string;
  readonly kind: SourceStats['kind'];
  /**
   * Parses, classifies and stores lines. `cluster` names the cluster of a
   * source that reads one (the Backstage cluster name wins over the agent's).
   */
  pushLines(
    lines: string[],
    options?: { cluster?: string },
  ): Promise<PushResult>;
  /** Records an error of this source (shown in ingest health) and saves it. */
  fail(message: string, checkpoint?: unknown): Promise<void>;
  /** Saves the stats and, when given, the checkpoint to resume from. */
  save(checkpoint?: unknown): Promise<void>;
  /** Current stats. */
  current(): SourceStats;
}

/**
 * The queue of POST /ingest: NDJSON batches from Fluent Bit / Vector. Batches are stored one after
 * another (one ingester per `source` name, so ancestry follows each agent's stream); when more
 * than `maxQueuedLines` lines wait, new batches get 429 with Retry-After instead of growing memory.
 */
export interface HttpIngest {
  readonly settings: HttpIngestSettings;
  /** Lines waiting to be stored. */
  readonly queuedLines: number;
  /** Sources with an ingester in memory (bounded by `MAX_SOURCES`). */
  readonly sourcesInMemory: number;
  /**
   * Takes a slot before the request body is read: a full queue or too many bodies being read at
   * once answer 429 without reading (so memory stays bounded however many agents post). Call the
   * returned function once the body is read (or failed).
   */
  admit(): () => void;
  /** Queues a batch and resolves once it is stored. Throws TooManyRequestsError when the queue is full. */
  ingest(
    body: string,
    options: { source: string; cluster?: string },
  ): Promise<PushResult>;
}

/** One POST /ingest request, as the router hands it over. */
export interface IngestRequest {
  /** The `x-periscope-ingest-token` header, when sent. */
  token?: string;
  /**
   * Without a token: the caller's service principal, once the router checked that it may ingest
   * (its subject). Not called when a token is sent.
   */
  authorizeService(): Promise<string>;
  /** `?cluster=` and `?source=` as sent (checked here, after the caller is known). */
  cluster?: unknown;
  source?: unknown;
  /** The request body (an NDJSON batch) and its declared length. */
  body: Readable;
  contentLength?: string;
}

/**
 * POST /ingest: who posts and which clusters it may write (a static token, or a Backstage service
 * principal), then the body read within `maxBodyBytes` and queued for storing.
 */
export interface IngestService {
  /** Seconds a 429 answer asks the agent to wait (the `Retry-After` header). */
  readonly retryAfterSeconds: number;
  /**
   * Stores one batch. Throws NotAllowedError (403) for a token or caller that may not write,
   * InputError (400) for a bad cluster or source, PayloadTooLargeError (413) and
   * TooManyRequestsError (429).
   */
  ingest(request: IngestRequest): Promise<PushResult>;
}
