import {
  createEventStreamParser,
  type EventStreamParserOptions,
  type ParseStats,
} from './events/parser';
import { ProcessCache, type ProcessCacheOptions } from './events/processCache';
import type { RuntimeEvent, UnknownEvent } from './events/types';
import {
  FindingAggregator,
  type Finding,
  type FindingAggregatorOptions,
} from './findings/aggregator';
import { compileCustomRules, type CustomRuleSpec } from './rules/custom';
import {
  createDetectionEngine,
  type DetectionEngineOptions,
} from './rules/engine';

/**
 * Options of {@link createSecurityAnalyzer}.
 * @public
 */
export interface SecurityAnalyzerOptions
  extends EventStreamParserOptions,
    Omit<DetectionEngineOptions, 'extraRules'> {
  /** Validated custom rules (see {@link validateCustomRules}). */
  customRules?: readonly CustomRuleSpec[];
  processCache?: ProcessCacheOptions;
  aggregation?: FindingAggregatorOptions;
}

/**
 * The outcome of an analysis.
 * @public
 */
export interface SecurityAnalysis {
  events: ParseStats & {
    /** Events that were replays of already counted ones, per rule match. */
    duplicateDetections: number;
    /** Detections not aggregated because the finding limit was reached. */
    droppedDetections: number;
  };
  findings: Finding[];
}

/**
 * Parse + process cache + classify + aggregate, one line (or event) at a time.
 * @public
 */
export interface SecurityAnalyzer {
  /** Feeds one line of a Tetragon JSON export. */
  pushLine(line: string): void;
  /** Feeds an already parsed event (e.g. from gRPC). */
  pushEvent(event: RuntimeEvent): void;
  /** Counters and findings so far. */
  result(): SecurityAnalysis;
  /** The latest lines of event types not parsed (unknown, Enterprise-only, legacy), as received. */
  unknownEvents(): UnknownEvent[];
}

/**
 * Creates the streaming analyzer used by the backend, the CLI and the
 * benchmark. Pure: feed it strings, read plain objects. Throws (from the
 * engine) when options are invalid, e.g. a bad CIDR.
 * @public
 */
export function createSecurityAnalyzer(
  options: SecurityAnalyzerOptions = {},
): SecurityAnalyzer {
  const parser = createEventStreamParser(options);
  const cache = new ProcessCache(options.processCache);
  const engine = createDetectionEngine({
    rules: options.rules,
    disabledRules: options.disabledRules,
    clusterCidrs: options.clusterCidrs,
    extraRules: compileCustomRules(options.customRules ?? []),
  });
  const aggregator = new FindingAggregator(options.aggregation);

  const pushEvent = (ev: RuntimeEvent): void => {
    cache.observe(ev);
    const detections = engine.classify(ev);
    for (const d of detections) {
      aggregator.add(ev, d, () => cache.ancestry(ev));
    }
  };

  return {
    pushLine(line) {
      const ev = parser.push(line);
      if (ev) pushEvent(ev);
    },
    pushEvent,
    result() {
      return {
        events: {
          ...parser.stats(),
          duplicateDetections: aggregator.duplicateEvents,
          droppedDetections: aggregator.droppedFindings,
        },
        findings: aggregator.findings(),
      };
    },
    unknownEvents() {
      return parser.unknownEvents();
    },
  };
}
