import { Failure, KubeObject, Severity } from '../model';
import { LabelRequirement } from '../selector';
import { SnapshotIndex } from '../snapshot';

/**
 * What an analyzer gets: the indexed snapshot and the filters.
 * @public
 */
export interface AnalyzerContext {
  index: SnapshotIndex;
  /** Namespace filter ('' or undefined: all namespaces). */
  namespace?: string;
  selector: LabelRequirement[];
  /** Objects of a kind that pass the namespace filter (namespaced kinds only) and the label selector. */
  select<T extends KubeObject>(kind: string): T[];
  /** Builds a failure; `sensitive` lists the strings in `text` to mask. */
  failure(
    text: string,
    severity: Severity,
    sensitive?: Array<string | undefined>,
  ): Failure;
}

/**
 * An analyzer's finding before owner, event and masking enrichment.
 * @public
 */
export interface RawResult {
  /** k8sgpt's result kind. */
  kind: string;
  /** k8sgpt's result name. */
  name: string;
  /** The object the failures are about. */
  object: KubeObject;
  failures: Failure[];
}

/**
 * A diagnostics analyzer: a pure function over a snapshot.
 *
 * @public
 */
export interface AnalyzerDefinition {
  /** Name used in filters (k8sgpt's analyzer name). */
  name: string;
  /** Whether it runs when no filter is given. */
  enabledByDefault: boolean;
  /** Whether k8sgpt has it (false for Periscope's additions). */
  fromK8sgpt: boolean;
  /** Kinds it reads, so a live scan lists only what is needed. */
  inputKinds: string[];
  /**
   * Kinds it also reads when they are available: references to such a kind are checked only
   * when the snapshot holds the kind, so the analyzer still runs when it cannot be listed.
   */
  optionalInputKinds?: string[];
  /** One-line description. */
  description: string;
  analyze(ctx: AnalyzerContext): RawResult[];
}

/** `namespace/name` of an object. */
export function nsName(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** metadata.name, '' when missing. */
export function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

/** metadata.namespace, '' when missing. */
export function nsOf(obj: KubeObject): string {
  return obj.metadata?.namespace ?? '';
}

/** Go's `%s` of a []string: `[a b c]`. */
export function goList(items: string[]): string {
  return `[${items.join(' ')}]`;
}

/** Collects failures for objects, keeping those with at least one. */
export function collect<T extends KubeObject>(
  objects: T[],
  kind: string,
  check: (obj: T) => Failure[],
  name: (obj: T) => string = nsName,
): RawResult[] {
  const results: RawResult[] = [];
  for (const obj of objects) {
    const failures = check(obj);
    if (failures.length > 0) {
      results.push({ kind, name: name(obj), object: obj, failures });
    }
  }
  return results;
}
