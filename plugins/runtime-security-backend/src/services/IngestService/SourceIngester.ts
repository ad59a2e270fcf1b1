import { LoggerService } from '@backstage/backend-plugin-api';
import {
  createDetectionEngine,
  createEventStreamParser,
  compileCustomRules,
  detectionFindingFields,
  detectionSample,
  findingKey,
  findingKeyParts,
  Detection,
  DetectionEngine,
  EventStreamParser,
  ProcessCache,
  RuntimeEvent,
  SkipReason,
} from '@periscope/backstage-plugin-runtime-security-common';
import {
  FindingsStore,
  MAX_UNKNOWN_PER_SOURCE,
} from '../FindingsStore/FindingsStore';
import {
  DetectionRecord,
  SourceStats,
  StoredSample,
} from '../FindingsStore/types';
import { AnalyzerSettings } from '../../config';
import type { FindingNotifier } from '../Notifications/FindingNotifier';

/** Raw events larger than this are not kept as evidence (the normalized sample still is). */
const MAX_RAW_CHARS = 64 * 1024;
/** Window of the events-per-second figure. */
const RATE_WINDOW_MS = 60_000;

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
 * Turns the lines of one source (a Tetragon pod's log, a file, an HTTP
 * client) into stored findings: parser, process cache (for ancestry) and
 * detection engine are per source, so ancestry follows one agent's stream.
 * @public
 */
export class SourceIngester {
  private readonly parser: EventStreamParser;
  private readonly cache: ProcessCache;
  private readonly engine: DetectionEngine;
  private stats: SourceStats;
  private readonly recent: Array<{ at: number; events: number }> = [];
  private baseSkipped: Partial<Record<SkipReason, number>> = {};
  private base = { lines: 0, events: 0, detections: 0 };
  private detections = 0;
  private loaded = false;
  /** Unknown event types and fields of the current batch, stored with it. */
  private unknown = new Map<
    string,
    {
      kind: 'type' | 'field';
      name: string;
      count: number;
      sample?: string;
      timeMs: number;
    }
  >();

  constructor(
    readonly id: string,
    readonly kind: SourceStats['kind'],
    private readonly deps: {
      store: FindingsStore;
      logger: LoggerService;
      analyzer: AnalyzerSettings;
      /** Told about the findings each call creates (critical ones notify their owners). */
      notifier?: FindingNotifier;
      now?: () => number;
    },
  ) {
    this.parser = createEventStreamParser({
      maxLineBytes: deps.analyzer.maxLineBytes,
      onSkip: s => {
        deps.logger.debug(
          `runtime-security source ${id}: skipped line ${s.line} (${s.reason}): ${s.detail}`,
        );
        if (s.unknown)
          this.noteUnknown(
            'type',
            s.unknown.type || '(no event key)',
            s.unknown.raw,
            NaN,
          );
      },
    });
    this.cache = new ProcessCache();
    this.engine = createDetectionEngine({
      disabledRules: deps.analyzer.disabledRules,
      clusterCidrs: deps.analyzer.clusterCidrs,
      extraRules: compileCustomRules(deps.analyzer.customRules),
    });
    this.stats = this.emptyStats();
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  private emptyStats(): SourceStats {
    return {
      id: this.id,
      kind: this.kind,
      linesTotal: 0,
      eventsTotal: 0,
      detectionsTotal: 0,
      skipped: {},
      eventsPerSecond: 0,
      updatedAt: new Date(this.now()).toISOString(),
    };
  }

  /** Loads the stats stored by an earlier run so totals continue across restarts. */
  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const prev = await this.deps.store.getSource(this.id);
    if (prev && typeof prev.linesTotal === 'number') {
      this.base = {
        lines: prev.linesTotal,
        events: prev.eventsTotal,
        detections: prev.detectionsTotal,
      };
      this.baseSkipped = prev.skipped ?? {};
      this.stats = { ...prev, error: undefined };
    }
  }

  /**
   * Parses, classifies and stores lines. `cluster` names the cluster of a
   * source that reads one (the Backstage cluster name wins over the agent's).
   */
  async pushLines(
    lines: string[],
    options: { cluster?: string } = {},
  ): Promise<PushResult> {
    await this.load();
    const records: DetectionRecord[] = [];
    let events = 0;
    let newest: RuntimeEvent | undefined;
    for (const line of lines) {
      const ev = this.parser.push(line);
      if (!ev) continue;
      events++;
      if (options.cluster) ev.cluster = options.cluster;
      for (const field of ev.unknownFields ?? [])
        this.noteUnknown('field', field, ev.raw, ev.timeMs);
      this.cache.observe(ev);
      if (!Number.isNaN(ev.timeMs) && (!newest || ev.timeMs > newest.timeMs))
        newest = ev;
      for (const d of this.engine.classify(ev))
        records.push(this.record(ev, d, line));
    }
    this.detections += records.length;
    const { newEvents, newFindings } = await this.deps.store.ingest(records);
    await this.storeUnknown(options.cluster);
    this.updateStats(events, newest);
    if (newFindings.length && this.deps.notifier) {
      try {
        await this.deps.notifier.notifyNewFindings(newFindings);
      } catch (e) {
        this.deps.logger.warn(
          `runtime-security source ${
            this.id
          }: notifying owners of new findings failed: ${(e as Error).message}`,
        );
      }
    }
    return {
      lines: lines.length,
      events,
      detections: records.length,
      newEvents,
      newFindings: newFindings.length,
    };
  }

  /** Counts an unknown event type or field of this batch, keeping its latest raw event. */
  private noteUnknown(
    kind: 'type' | 'field',
    name: string,
    raw: unknown,
    timeMs: number,
  ): void {
    const key = `${kind}:${name}`;
    const at = Number.isNaN(timeMs) ? this.now() : timeMs;
    const text = raw === undefined ? undefined : JSON.stringify(raw);
    const sample =
      text !== undefined && text.length <= MAX_RAW_CHARS ? text : undefined;
    const cur = this.unknown.get(key);
    if (cur) {
      cur.count++;
      cur.timeMs = Math.max(cur.timeMs, at);
      if (sample !== undefined) cur.sample = sample;
    } else if (this.unknown.size < 1000) {
      this.unknown.set(key, { kind, name, count: 1, sample, timeMs: at });
    }
  }

  /** Stores this batch's unknown types and fields (counted and kept, never an error of ingest). */
  private async storeUnknown(cluster?: string): Promise<void> {
    if (!this.unknown.size) return;
    const entries = [...this.unknown.values()].map(e => ({ ...e, cluster }));
    this.unknown = new Map();
    try {
      const { dropped } = await this.deps.store.recordUnknown(this.id, entries);
      if (dropped) {
        this.deps.logger.debug(
          `runtime-security source ${this.id}: ${dropped} more unknown event types/fields than the ${MAX_UNKNOWN_PER_SOURCE} kept per source; counted in ingest health only`,
        );
      }
    } catch (e) {
      this.deps.logger.warn(
        `runtime-security source ${
          this.id
        }: storing unknown event types/fields failed: ${(e as Error).message}`,
      );
    }
  }

  private record(
    ev: RuntimeEvent,
    d: Detection,
    line: string,
  ): DetectionRecord {
    const parts = findingKeyParts(ev, d.rule.id);
    const pod = ev.process?.pod;
    const timeMs = Number.isNaN(ev.timeMs) ? this.now() : ev.timeMs;
    const sample: StoredSample = {
      ...detectionSample(ev, d, this.cache.ancestry(ev)),
      time: ev.time || new Date(timeMs).toISOString(),
      raw: line.length <= MAX_RAW_CHARS ? safeJson(line) : undefined,
    };
    return {
      findingId: findingKey(parts),
      ...detectionFindingFields(d),
      cluster: parts.cluster,
      namespace: parts.namespace,
      workload: parts.workload,
      pod: pod?.name ?? '',
      binary: parts.binary,
      labels: pod?.labels ?? {},
      eventId: ev.id,
      timeMs,
      sample,
    };
  }

  private updateStats(events: number, newest: RuntimeEvent | undefined): void {
    const now = this.now();
    const p = this.parser.stats();
    this.recent.push({ at: now, events });
    while (this.recent.length > 1 && now - this.recent[0].at > RATE_WINDOW_MS)
      this.recent.shift();
    const span = Math.max(1000, now - this.recent[0].at);
    const windowEvents = this.recent.reduce((n, r) => n + r.events, 0);
    const skipped: Partial<Record<SkipReason, number>> = {
      ...this.baseSkipped,
    };
    for (const [k, v] of Object.entries(p.skipped) as Array<
      [SkipReason, number]
    >)
      skipped[k] = (skipped[k] ?? 0) + v;
    this.stats = {
      ...this.stats,
      linesTotal: this.base.lines + p.total,
      eventsTotal: this.base.events + p.parsed,
      detectionsTotal: this.base.detections + this.detections,
      skipped,
      eventsPerSecond: Math.round((windowEvents / (span / 1000)) * 100) / 100,
      lastIngestAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
      error: undefined,
    };
    if (newest) {
      const prevMs = this.stats.lastEventTime
        ? Date.parse(this.stats.lastEventTime)
        : NaN;
      if (Number.isNaN(prevMs) || newest.timeMs >= prevMs) {
        this.stats.lastEventTime = newest.time;
        this.stats.lagMs = Math.max(0, now - newest.timeMs);
      }
    }
  }

  /** Records an error of this source (shown in ingest health) and saves it. */
  async fail(message: string, checkpoint?: unknown): Promise<void> {
    await this.load();
    this.stats = {
      ...this.stats,
      error: message,
      updatedAt: new Date(this.now()).toISOString(),
    };
    await this.deps.store.saveSource(this.stats, checkpoint);
  }

  /** Saves the stats and, when given, the checkpoint to resume from. */
  async save(checkpoint?: unknown): Promise<void> {
    await this.load();
    await this.deps.store.saveSource(this.stats, checkpoint);
  }

  /** Current stats. */
  current(): SourceStats {
    return this.stats;
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
