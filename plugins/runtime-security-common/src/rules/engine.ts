import type { RuntimeEvent, TetragonEventType } from '../events/types';
import { BUILTIN_RULES } from './builtin';
import { DEFAULT_CLUSTER_CIDRS, parseCidr, type Cidr } from './net';
import type {
  Detection,
  DetectionContext,
  DetectionRule,
  RuleSettings,
} from './types';

/**
 * Options of {@link createDetectionEngine}.
 * @public
 */
export interface DetectionEngineOptions {
  /** Rules to run; default {@link BUILTIN_RULES}. */
  rules?: readonly DetectionRule[];
  /** More rules, e.g. compiled custom rules. */
  extraRules?: readonly DetectionRule[];
  /** Rule ids to switch off. */
  disabledRules?: readonly string[];
  /**
   * Networks inside the cluster (pod, service and node CIDRs); addresses
   * outside are reported by `egress-outside-cluster`. Default: the private
   * ranges {@link DEFAULT_CLUSTER_CIDRS}.
   */
  clusterCidrs?: readonly string[];
}

/**
 * Classifies events with a set of rules.
 * @public
 */
export interface DetectionEngine {
  readonly rules: readonly DetectionRule[];
  classify(event: RuntimeEvent): Detection[];
}

function basename(path: string | undefined): string {
  if (!path) return '';
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}

const NO_DETECTIONS: Detection[] = [];

/**
 * Builds a detection engine. Throws an Error naming the bad CIDR or the
 * duplicated / unknown rule id.
 * @public
 */
export function createDetectionEngine(
  options: DetectionEngineOptions = {},
): DetectionEngine {
  const all = [
    ...(options.rules ?? BUILTIN_RULES),
    ...(options.extraRules ?? []),
  ];
  const ids = new Set<string>();
  for (const r of all) {
    if (ids.has(r.id)) {
      throw new Error(
        `rule id "${r.id}" is defined twice; give each rule a unique id`,
      );
    }
    ids.add(r.id);
  }
  const disabled = new Set(options.disabledRules ?? []);
  for (const id of disabled) {
    if (!ids.has(id)) {
      throw new Error(
        `disabledRules names "${id}", which is not a rule; known rules: ${[
          ...ids,
        ].join(', ')}`,
      );
    }
  }
  const rules = all.filter(r => !disabled.has(r.id));
  const cidrs: Cidr[] = (options.clusterCidrs ?? DEFAULT_CLUSTER_CIDRS).map(
    c => {
      try {
        return parseCidr(c);
      } catch (e) {
        throw new Error(`clusterCidrs: ${(e as Error).message}`);
      }
    },
  );
  const settings: RuleSettings = { clusterCidrs: cidrs };
  const byType = new Map<TetragonEventType, DetectionRule[]>();
  for (const r of rules) {
    for (const t of r.eventTypes) {
      const list = byType.get(t) ?? [];
      list.push(r);
      byType.set(t, list);
    }
  }
  return {
    rules,
    classify(event) {
      const candidates = byType.get(event.type);
      if (!candidates) return NO_DETECTIONS;
      const proc = event.process;
      const ctx: DetectionContext = {
        event,
        settings,
        basename: basename(proc?.binary),
        parentBasename: basename(event.parent?.binary),
        inContainer: !!(proc && (proc.pod || proc.containerId)),
        privileged: !!proc?.capabilities?.effective.includes('CAP_SYS_ADMIN'),
      };
      let out: Detection[] | undefined;
      for (const rule of candidates) {
        const m = rule.match(ctx);
        if (m) {
          (out ??= []).push({
            rule,
            severity: m.severity ?? rule.severity,
            detail: m.detail,
          });
        }
      }
      return out ?? NO_DETECTIONS;
    },
  };
}
