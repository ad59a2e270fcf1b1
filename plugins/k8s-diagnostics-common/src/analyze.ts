import { ANALYZERS } from './analyzers';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  RawResult,
} from './analyzers/types';
import { KubeEvent } from './kinds';
import { createMasker } from './mask';
import {
  AnalysisReport,
  AnalysisResult,
  AnalyzeOptions,
  ClusterSnapshot,
  Failure,
  KubeObject,
  ObjectRef,
  RelatedEvent,
  SEVERITIES,
  Severity,
} from './model';
import { matchesRequirements, parseLabelSelector } from './selector';
import {
  CLUSTER_SCOPED_KINDS,
  SnapshotIndex,
  eventMessage,
  eventTimestamp,
  namespaceOf,
} from './snapshot';

/**
 * Thrown for an analyzer name that does not exist.
 *
 * @public
 */
export class UnknownAnalyzerError extends Error {
  constructor(names: string[]) {
    super(
      `unknown analyzer${names.length > 1 ? 's' : ''} ${names
        .map(n => `"${n}"`)
        .join(', ')}; ` + `available: ${ANALYZERS.map(a => a.name).join(', ')}`,
    );
    this.name = 'UnknownAnalyzerError';
  }
}

/**
 * Resolves analyzer names (case-insensitive) to definitions; the default set when empty.
 *
 * @public
 */
export function resolveAnalyzers(filters?: string[]): AnalyzerDefinition[] {
  const wanted = (filters ?? []).map(f => f.trim()).filter(f => f !== '');
  if (wanted.length === 0) return ANALYZERS.filter(a => a.enabledByDefault);
  const unknown = wanted.filter(
    w => !ANALYZERS.some(a => a.name.toLowerCase() === w.toLowerCase()),
  );
  if (unknown.length > 0) throw new UnknownAnalyzerError(unknown);
  return ANALYZERS.filter(a =>
    wanted.some(w => w.toLowerCase() === a.name.toLowerCase()),
  );
}

/**
 * The kinds the given analyzers read, optional ones included (for a live scan to list); `CustomResource` needs
 * every custom resource kind, which the caller discovers separately.
 *
 * @public
 */
export function inputKindsFor(analyzers: AnalyzerDefinition[]): string[] {
  const kinds = new Set<string>(['Event']);
  for (const a of analyzers)
    [...a.inputKinds, ...(a.optionalInputKinds ?? [])].forEach(k =>
      kinds.add(k),
    );
  return [...kinds];
}

function randomSeed(): string {
  return `${Date.now()}-${Math.random()}`;
}

function createContext(
  index: SnapshotIndex,
  options: AnalyzeOptions,
): AnalyzerContext {
  const selector = parseLabelSelector(options.selector ?? '');
  const namespace = options.namespace || undefined;
  const mask = createMasker(options.maskSeed ?? randomSeed());
  const cache = new Map<string, KubeObject[]>();
  return {
    index,
    namespace,
    selector,
    select<T extends KubeObject>(kind: string): T[] {
      let hit = cache.get(kind);
      if (!hit) {
        const base =
          namespace && !CLUSTER_SCOPED_KINDS.has(kind)
            ? [
                ...index.inNamespace(kind, namespace),
                ...index.inNamespace(kind, ''),
              ]
            : index.all(kind);
        hit =
          selector.length === 0
            ? base
            : base.filter(o =>
                matchesRequirements(o.metadata?.labels, selector),
              );
        cache.set(kind, hit);
      }
      return hit as T[];
    },
    failure(
      text: string,
      severity: Severity,
      sensitive: Array<string | undefined> = [],
    ): Failure {
      const unique = [...new Set(sensitive.filter((s): s is string => !!s))];
      return {
        text,
        kubernetesDoc: '',
        sensitive: unique.map(s => ({ unmasked: s, masked: mask(s) })),
        severity,
      };
    },
  };
}

/** The root of an object's owner chain, following controller owners through the snapshot. */
export function ownerRoot(
  index: SnapshotIndex,
  obj: KubeObject,
): ObjectRef | undefined {
  let current = obj;
  let root: ObjectRef | undefined;
  const seen = new Set<KubeObject>([obj]);
  for (let depth = 0; depth < 16; depth++) {
    const refs = current.metadata?.ownerReferences ?? [];
    if (refs.length === 0) break;
    const ref = refs.find(r => r.controller) ?? refs[0];
    const ns = namespaceOf(current);
    root =
      CLUSTER_SCOPED_KINDS.has(ref.kind) || ns === ''
        ? { kind: ref.kind, name: ref.name }
        : { kind: ref.kind, name: ref.name, namespace: ns };
    const owner = index.get(ref.kind, ns, ref.name);
    if (!owner || seen.has(owner)) break;
    seen.add(owner);
    current = owner;
  }
  return root;
}

function relatedEvents(index: SnapshotIndex, obj: KubeObject): RelatedEvent[] {
  return index
    .eventsAbout(obj.kind, namespaceOf(obj), obj.metadata?.name ?? '')
    .slice(0, 10)
    .map((e: KubeEvent) => ({
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: eventMessage(e),
      count: e.count ?? e.series?.count ?? 1,
      lastTimestamp: eventTimestamp(e),
    }));
}

function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function worst(failures: Failure[]): Severity {
  let best = SEVERITIES.length - 1;
  for (const f of failures)
    best = Math.min(best, SEVERITIES.indexOf(f.severity));
  return SEVERITIES[best];
}

function enrich(
  index: SnapshotIndex,
  analyzer: string,
  raw: RawResult,
  withEvents: boolean,
): AnalysisResult {
  const obj = raw.object;
  const ns = namespaceOf(obj);
  const object: ObjectRef = ns
    ? { kind: obj.kind, name: obj.metadata?.name ?? '', namespace: ns }
    : { kind: obj.kind, name: obj.metadata?.name ?? '' };
  const parentObject = ownerRoot(index, obj);
  const sensitive = new Set<string>();
  [ns, object.name, parentObject?.name].forEach(s => s && sensitive.add(s));
  for (const [k, v] of Object.entries(obj.metadata?.labels ?? {})) {
    sensitive.add(k);
    if (v) sensitive.add(v);
  }
  raw.failures.forEach(f =>
    f.sensitive.forEach(s => sensitive.add(s.unmasked)),
  );
  return {
    analyzer,
    kind: raw.kind,
    name: raw.name,
    object,
    ...(parentObject ? { parentObject } : {}),
    failures: raw.failures,
    events: withEvents ? relatedEvents(index, obj) : [],
    sensitive: [...sensitive],
    severity: worst(raw.failures),
  };
}

/**
 * Runs the selected analyzers over a snapshot. Pure: no I/O. Throws only for invalid options
 * (unknown analyzer, bad label selector); an analyzer that breaks is reported in `errors`.
 *
 * @public
 */
export function analyze(
  snapshot: ClusterSnapshot,
  options: AnalyzeOptions = {},
): AnalysisReport {
  const analyzers = resolveAnalyzers(options.filters);
  const index = new SnapshotIndex(snapshot);
  const ctx = createContext(index, options);
  const results: AnalysisResult[] = [];
  const errors: string[] = [];
  for (const analyzer of analyzers) {
    let raw: RawResult[];
    try {
      raw = analyzer.analyze(ctx);
    } catch (e) {
      errors.push(`${analyzer.name} analyzer failed: ${(e as Error).message}`);
      continue;
    }
    const own = raw.map(r =>
      enrich(index, analyzer.name, r, options.relatedEvents !== false),
    );
    own.sort((a, b) => compare(a.kind, b.kind) || compare(a.name, b.name));
    results.push(...own);
  }
  const eventsNeeded = index.eventsNeeded();
  const warningEventsNeeded = index.warningEventsNeeded();
  return {
    results,
    errors,
    analyzers: analyzers.map(a => a.name),
    ...(eventsNeeded.length ? { eventsNeeded } : {}),
    ...(warningEventsNeeded.length ? { warningEventsNeeded } : {}),
  };
}
