/**
 * The SourceIngester: turns the lines of one source (a Tetragon pod's log, a file, an HTTP client)
 * into stored findings, with the source's stats and its unknown event types and fields.
 */
import {
  createDetectionEngine,
  createEventStreamParser,
  compileCustomRules,
  detectionFindingFields,
  detectionSample,
  findingKey,
  findingKeyParts,
  Detection,
  ProcessCache,
  RuntimeEvent,
  SkipReason,
} from '@periscope/backstage-plugin-runtime-security-common';
import {
  DetectionRecord,
  MAX_UNKNOWN_PER_SOURCE,
  SourceStats,
  StoredSample,
} from '../FindingsStore';
import { SourceDeps, SourceIngester } from './types';

/** Raw events larger than this are not kept as evidence (the normalized sample still is). */
const MAX_RAW_CHARS = 64 * 1024;
/** Window of the events-per-second figure. */
const RATE_WINDOW_MS = 60_000;

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Creates the ingester of one source: parser, process cache (for ancestry) and detection engine
 * are per source, so ancestry follows one agent's stream.
 */
export function createSourceIngester(
  id: string,
  kind: SourceStats['kind'],
  deps: SourceDeps & { now?: () => number },
): SourceIngester {
  const now = () => (deps.now ? deps.now() : Date.now());
  const recent: Array<{ at: number; events: number }> = [];
  let baseSkipped: Partial<Record<SkipReason, number>> = {};
  let base = { lines: 0, events: 0, detections: 0 };
  let detections = 0;
  let loaded = false;
  /** Unknown event types and fields of the current batch, stored with it. */
  let unknown = new Map<
    string,
    {
      kind: 'type' | 'field';
      name: string;
      count: number;
      sample?: string;
      timeMs: number;
    }
  >();

  /** Counts an unknown event type or field of this batch, keeping its latest raw event. */
  function noteUnknown(
    unknownKind: 'type' | 'field',
    name: string,
    raw: unknown,
    timeMs: number,
  ): void {
    const key = `${unknownKind}:${name}`;
    const at = Number.isNaN(timeMs) ? now() : timeMs;
    const text = raw === undefined ? undefined : JSON.stringify(raw);
    const sample =
      text !== undefined && text.length <= MAX_RAW_CHARS ? text : undefined;
    const cur = unknown.get(key);
    if (cur) {
      cur.count++;
      cur.timeMs = Math.max(cur.timeMs, at);
      if (sample !== undefined) cur.sample = sample;
    } else if (unknown.size < 1000) {
      unknown.set(key, {
        kind: unknownKind,
        name,
        count: 1,
        sample,
        timeMs: at,
      });
    }
  }

  const parser = createEventStreamParser({
    maxLineBytes: deps.analyzer.maxLineBytes,
    onSkip: s => {
      deps.logger.debug(
        `runtime-security source ${id}: skipped line ${s.line} (${s.reason}): ${s.detail}`,
      );
      if (s.unknown)
        noteUnknown(
          'type',
          s.unknown.type || '(no event key)',
          s.unknown.raw,
          NaN,
        );
    },
  });
  const cache = new ProcessCache();
  const engine = createDetectionEngine({
    disabledRules: deps.analyzer.disabledRules,
    clusterCidrs: deps.analyzer.clusterCidrs,
    extraRules: compileCustomRules(deps.analyzer.customRules),
  });
  let stats: SourceStats = {
    id,
    kind,
    linesTotal: 0,
    eventsTotal: 0,
    detectionsTotal: 0,
    skipped: {},
    eventsPerSecond: 0,
    updatedAt: new Date(now()).toISOString(),
  };

  /** Loads the stats stored by an earlier run so totals continue across restarts. */
  async function load(): Promise<void> {
    if (loaded) return;
    loaded = true;
    const prev = await deps.store.getSource(id);
    if (prev && typeof prev.linesTotal === 'number') {
      base = {
        lines: prev.linesTotal,
        events: prev.eventsTotal,
        detections: prev.detectionsTotal,
      };
      baseSkipped = prev.skipped ?? {};
      stats = { ...prev, error: undefined };
    }
  }

  /** Stores this batch's unknown types and fields (counted and kept, never an error of ingest). */
  async function storeUnknown(cluster?: string): Promise<void> {
    if (!unknown.size) return;
    const entries = [...unknown.values()].map(e => ({ ...e, cluster }));
    unknown = new Map();
    try {
      const { dropped } = await deps.store.recordUnknown(id, entries);
      if (dropped) {
        deps.logger.debug(
          `runtime-security source ${id}: ${dropped} more unknown event types/fields than the ${MAX_UNKNOWN_PER_SOURCE} kept per source; counted in ingest health only`,
        );
      }
    } catch (e) {
      deps.logger.warn(
        `runtime-security source ${id}: storing unknown event types/fields failed: ${
          (e as Error).message
        }`,
      );
    }
  }

  function record(
    ev: RuntimeEvent,
    d: Detection,
    line: string,
  ): DetectionRecord {
    const parts = findingKeyParts(ev, d.rule.id);
    const pod = ev.process?.pod;
    const timeMs = Number.isNaN(ev.timeMs) ? now() : ev.timeMs;
    const sample: StoredSample = {
      ...detectionSample(ev, d, cache.ancestry(ev)),
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

  function updateStats(events: number, newest: RuntimeEvent | undefined) {
    const at = now();
    const p = parser.stats();
    recent.push({ at, events });
    while (recent.length > 1 && at - recent[0].at > RATE_WINDOW_MS)
      recent.shift();
    const span = Math.max(1000, at - recent[0].at);
    const windowEvents = recent.reduce((n, r) => n + r.events, 0);
    const skipped: Partial<Record<SkipReason, number>> = { ...baseSkipped };
    for (const [k, v] of Object.entries(p.skipped) as Array<
      [SkipReason, number]
    >)
      skipped[k] = (skipped[k] ?? 0) + v;
    stats = {
      ...stats,
      linesTotal: base.lines + p.total,
      eventsTotal: base.events + p.parsed,
      detectionsTotal: base.detections + detections,
      skipped,
      eventsPerSecond: Math.round((windowEvents / (span / 1000)) * 100) / 100,
      lastIngestAt: new Date(at).toISOString(),
      updatedAt: new Date(at).toISOString(),
      error: undefined,
    };
    if (newest) {
      const prevMs = stats.lastEventTime
        ? Date.parse(stats.lastEventTime)
        : NaN;
      if (Number.isNaN(prevMs) || newest.timeMs >= prevMs) {
        stats.lastEventTime = newest.time;
        stats.lagMs = Math.max(0, at - newest.timeMs);
      }
    }
  }

  return {
    id,
    kind,

    async pushLines(lines, options = {}) {
      await load();
      const records: DetectionRecord[] = [];
      let events = 0;
      let newest: RuntimeEvent | undefined;
      for (const line of lines) {
        const ev = parser.push(line);
        if (!ev) continue;
        events++;
        if (options.cluster) ev.cluster = options.cluster;
        for (const field of ev.unknownFields ?? [])
          noteUnknown('field', field, ev.raw, ev.timeMs);
        cache.observe(ev);
        if (!Number.isNaN(ev.timeMs) && (!newest || ev.timeMs > newest.timeMs))
          newest = ev;
        for (const d of engine.classify(ev)) records.push(record(ev, d, line));
      }
      detections += records.length;
      const { newEvents, newFindings } = await deps.store.ingest(records);
      await storeUnknown(options.cluster);
      updateStats(events, newest);
      if (newFindings.length && deps.notifier) {
        try {
          await deps.notifier.notifyNewFindings(newFindings);
        } catch (e) {
          deps.logger.warn(
            `runtime-security source ${id}: notifying owners of new findings failed: ${
              (e as Error).message
            }`,
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
    },

    async fail(message, checkpoint) {
      await load();
      stats = {
        ...stats,
        error: message,
        updatedAt: new Date(now()).toISOString(),
      };
      await deps.store.saveSource(stats, checkpoint);
    },

    async save(checkpoint) {
      await load();
      await deps.store.saveSource(stats, checkpoint);
    },

    current() {
      return stats;
    },
  };
}
