import type { RuntimeEvent, TetragonEventType } from '../events/types';
import type { Cidr } from './net';

/**
 * Finding severities, most severe first.
 * @public
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/**
 * All severities, most severe first.
 * @public
 */
export const SEVERITIES: readonly Severity[] = [
  'critical',
  'high',
  'medium',
  'low',
  'info',
];

/**
 * Rank of a severity: 4 for critical down to 0 for info.
 * @public
 */
export function severityRank(s: Severity): number {
  return 4 - SEVERITIES.indexOf(s);
}

/**
 * A MITRE ATT&CK technique (or, where no single technique applies, tactic).
 * @public
 */
export interface MitreTechnique {
  /** e.g. `T1611` or `T1552.004`; `TA0002` for a tactic. */
  id: string;
  name: string;
}

/**
 * What a rule says about an event it matched.
 * @public
 */
export interface RuleMatch {
  /** Overrides the rule's default severity for this event. */
  severity?: Severity;
  /** One line of evidence, e.g. the file path or address. */
  detail?: string;
}

/**
 * Engine settings the rules can read.
 * @public
 */
export interface RuleSettings {
  /** Networks considered inside the cluster (pods, services, nodes). */
  clusterCidrs: readonly Cidr[];
}

/**
 * What a rule sees: the event and precomputed facts about its process.
 * @public
 */
export interface DetectionContext {
  event: RuntimeEvent;
  settings: RuleSettings;
  /** Basename of the process binary ('' without a process). */
  basename: string;
  /** Basename of the parent binary ('' when unknown). */
  parentBasename: string;
  /** The process runs in a container (Kubernetes pod or container id). */
  inContainer: boolean;
  /** The process holds CAP_SYS_ADMIN in its effective set (privileged container). */
  privileged: boolean;
}

/**
 * A detection rule.
 * @public
 */
export interface DetectionRule {
  id: string;
  title: string;
  /** Default severity; a match may raise or lower it. */
  severity: Severity;
  mitre: MitreTechnique;
  /** Short advice on what to do. */
  remediation: string;
  /** Event types the rule looks at (the engine indexes rules by type). */
  eventTypes: readonly TetragonEventType[];
  source: 'builtin' | 'custom';
  /** Whether the finding means the action was blocked by a Tetragon policy. */
  outcome?: 'observed' | 'blocked';
  match(ctx: DetectionContext): RuleMatch | undefined;
}

/**
 * One rule that matched one event.
 * @public
 */
export interface Detection {
  rule: DetectionRule;
  severity: Severity;
  detail?: string;
}
