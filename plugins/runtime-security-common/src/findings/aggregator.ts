import { hash64 } from '../events/eventId';
import type { ProcessSummary } from '../events/processCache';
import type { RuntimeEvent, TetragonEventType } from '../events/types';
import {
  severityRank,
  type Detection,
  type MitreTechnique,
  type Severity,
} from '../rules/types';
import { detectionFindingFields, detectionSample } from './fromDetection';

/**
 * The event kept as evidence for a finding, with its process ancestry.
 * @public
 */
export interface FindingSample {
  eventId: string;
  type: TetragonEventType;
  time: string;
  node?: string;
  pod?: string;
  container?: string;
  image?: string;
  binary: string;
  arguments: string;
  uid?: number;
  function?: string;
  policy?: string;
  action?: string;
  detail?: string;
  /** Root first, the event's process last. */
  ancestry: ProcessSummary[];
}

/**
 * Findings aggregated by rule + cluster + namespace + workload + binary.
 * @public
 */
export interface Finding {
  /** Stable id of the aggregation key (16 hex characters). */
  key: string;
  rule: string;
  title: string;
  /** The most severe severity seen for this key. */
  severity: Severity;
  mitre: MitreTechnique;
  remediation: string;
  outcome: 'observed' | 'blocked';
  source: 'builtin' | 'custom';
  cluster?: string;
  /** Kubernetes namespace ('' for host or plain-container processes). */
  namespace: string;
  /** Workload ('' for host processes; the cgroup for throttle findings). */
  workload: string;
  workloadKind?: string;
  /** Pod of the sample event. */
  pod?: string;
  binary: string;
  /** Arguments of the sample event. */
  arguments: string;
  /** Distinct events counted. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  sample: FindingSample;
}

/**
 * Options of {@link FindingAggregator}.
 * @public
 */
export interface FindingAggregatorOptions {
  /**
   * How many (rule, event id) pairs are remembered to ignore replays.
   * Default 100000; the oldest half is forgotten at once when full.
   */
  maxSeenEvents?: number;
  /** Most findings held; events for new keys beyond this are counted in `droppedFindings`. Default 10000. */
  maxFindings?: number;
}

interface MutableFinding extends Finding {
  firstMs: number;
  lastMs: number;
  sampleMs: number;
  sampleRank: number;
}

/**
 * The fields of the aggregation key of an event.
 * @public
 */
export interface FindingKeyParts {
  rule: string;
  cluster: string;
  namespace: string;
  workload: string;
  binary: string;
}

/**
 * The aggregation key of a detection on an event.
 * @public
 */
export function findingKeyParts(
  ev: RuntimeEvent,
  ruleId: string,
): FindingKeyParts {
  const pod = ev.process?.pod;
  return {
    rule: ruleId,
    cluster: ev.cluster ?? '',
    namespace: pod?.namespace ?? '',
    workload: pod?.workload ?? ev.throttle?.cgroup ?? '',
    binary: ev.process?.binary ?? '',
  };
}

/**
 * The stable id of a finding key (a hash of its parts).
 * @public
 */
export function findingKey(parts: FindingKeyParts): string {
  return hash64(
    `${parts.rule}\u0001${parts.cluster}\u0001${parts.namespace}\u0001${parts.workload}\u0001${parts.binary}`,
  );
}

/** Nanoseconds within the millisecond, from an RFC 3339 fraction. */
function subMillisNanos(time: string): number {
  const m = /\.(\d+)/.exec(time);
  if (!m || m[1].length <= 3) return 0;
  return Number(m[1].slice(3, 9).padEnd(6, '0'));
}

/**
 * Compares two event times with nanosecond precision (Tetragon writes ns;
 * a JS Date has ms). NaN (no time) sorts last.
 */
function compareTime(
  aMs: number,
  aTime: string,
  bMs: number,
  bTime: string,
): number {
  const an = Number.isNaN(aMs);
  const bn = Number.isNaN(bMs);
  if (an && bn) return 0;
  if (an) return 1;
  if (bn) return -1;
  if (aMs !== bMs) return aMs - bMs;
  return subMillisNanos(aTime) - subMillisNanos(bTime);
}

/** Orders events: earlier time first, then smaller id. */
function earlier(
  a: RuntimeEvent,
  sample: FindingSample,
  sampleMs: number,
): boolean {
  const c = compareTime(a.timeMs, a.time, sampleMs, sample.time);
  return c !== 0 ? c < 0 : a.id < sample.eventId;
}

/**
 * Aggregates detections into findings.
 *
 * Idempotent for replays: each (rule, event id) pair counts once while it is
 * remembered (`maxSeenEvents`, FIFO). The sample is the most severe event,
 * the earliest among equals, so the result does not depend on arrival order. A store that spans processes
 * or replicas should upsert per (finding key, event id) — see the README.
 * @public
 */
export class FindingAggregator {
  private readonly findingsByKey = new Map<string, MutableFinding>();
  /** Two generations of seen (rule, event id) keys; see ProcessCache for why not one FIFO Set. */
  private seen = new Set<string>();
  private seenOld = new Set<string>();
  private readonly maxSeen: number;
  private readonly maxFindings: number;
  private duplicates = 0;
  private dropped = 0;

  constructor(options: FindingAggregatorOptions = {}) {
    this.maxSeen = Math.max(0, options.maxSeenEvents ?? 100000);
    this.maxFindings = Math.max(1, options.maxFindings ?? 10000);
  }

  /** Events ignored because their (rule, event id) was already counted. */
  get duplicateEvents(): number {
    return this.duplicates;
  }

  /** Events not aggregated because `maxFindings` was reached. */
  get droppedFindings(): number {
    return this.dropped;
  }

  get size(): number {
    return this.findingsByKey.size;
  }

  /**
   * Adds one detection. `ancestry` is called only when the event becomes the
   * finding's sample. Returns false for a replayed event.
   */
  add(
    ev: RuntimeEvent,
    d: Detection,
    ancestry: () => ProcessSummary[],
  ): boolean {
    if (this.maxSeen > 0) {
      const seenKey = `${d.rule.id}\u0001${ev.id}`;
      if (this.seen.has(seenKey) || this.seenOld.has(seenKey)) {
        this.duplicates++;
        return false;
      }
      if (this.seen.size >= Math.ceil(this.maxSeen / 2)) {
        this.seenOld = this.seen;
        this.seen = new Set();
      }
      this.seen.add(seenKey);
    }
    const parts = findingKeyParts(ev, d.rule.id);
    const mapKey = `${parts.rule}\u0001${parts.cluster}\u0001${parts.namespace}\u0001${parts.workload}\u0001${parts.binary}`;
    const f = this.findingsByKey.get(mapKey);
    if (!f) {
      if (this.findingsByKey.size >= this.maxFindings) {
        this.dropped++;
        return false;
      }
      this.findingsByKey.set(mapKey, this.create(ev, d, parts, ancestry()));
      return true;
    }
    this.update(f, ev, d, ancestry);
    return true;
  }

  private create(
    ev: RuntimeEvent,
    d: Detection,
    parts: FindingKeyParts,
    ancestry: ProcessSummary[],
  ): MutableFinding {
    const pod = ev.process?.pod;
    return {
      key: findingKey(parts),
      ...detectionFindingFields(d),
      source: d.rule.source,
      cluster: ev.cluster,
      namespace: parts.namespace,
      workload: parts.workload,
      workloadKind: pod?.workloadKind,
      pod: pod?.name,
      binary: parts.binary,
      arguments: ev.process?.arguments ?? '',
      count: 1,
      firstSeen: ev.time,
      lastSeen: ev.time,
      firstMs: ev.timeMs,
      lastMs: ev.timeMs,
      sampleMs: ev.timeMs,
      sampleRank: severityRank(d.severity),
      sample: detectionSample(ev, d, ancestry),
    };
  }

  private update(
    f: MutableFinding,
    ev: RuntimeEvent,
    d: Detection,
    ancestry: () => ProcessSummary[],
  ): void {
    f.count++;
    if (severityRank(d.severity) > severityRank(f.severity))
      f.severity = d.severity;
    if (compareTime(ev.timeMs, ev.time, f.firstMs, f.firstSeen) < 0) {
      f.firstMs = ev.timeMs;
      f.firstSeen = ev.time;
    }
    if (
      !Number.isNaN(ev.timeMs) &&
      (Number.isNaN(f.lastMs) ||
        compareTime(ev.timeMs, ev.time, f.lastMs, f.lastSeen) > 0)
    ) {
      f.lastMs = ev.timeMs;
      f.lastSeen = ev.time;
    }
    const rank = severityRank(d.severity);
    if (
      rank > f.sampleRank ||
      (rank === f.sampleRank && earlier(ev, f.sample, f.sampleMs))
    ) {
      f.sampleRank = rank;
      f.sampleMs = ev.timeMs;
      f.sample = detectionSample(ev, d, ancestry());
      f.pod = ev.process?.pod?.name;
      f.arguments = ev.process?.arguments ?? '';
      f.workloadKind = ev.process?.pod?.workloadKind ?? f.workloadKind;
    }
  }

  /** Findings, most severe first, then by count. Plain objects (JSON-safe). */
  findings(): Finding[] {
    const out: Finding[] = [];
    for (const f of this.findingsByKey.values()) {
      const {
        firstMs: _a,
        lastMs: _b,
        sampleMs: _c,
        sampleRank: _d,
        ...plain
      } = f;
      out.push(plain);
    }
    return out.sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) ||
        b.count - a.count ||
        a.rule.localeCompare(b.rule) ||
        a.key.localeCompare(b.key),
    );
  }
}
