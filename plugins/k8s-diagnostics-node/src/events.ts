/**
 * Events: the queries a scan lists them with, and the reads of the events an analysis asks for
 * when the scan listed only some ({@link readEventsOf}, {@link analyzeWithEvents}).
 */
import {
  AnalysisReport,
  AnalyzeOptions,
  ClusterSnapshot,
  analyze,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp } from './client';
import { RESOURCES } from './resources';
import { mapLimit } from './concurrency';
import { listKind } from './lists';

/** The field selector of a list of the events that are not `Normal`. */
export const WARNING_EVENTS_QUERY = `?fieldSelector=${encodeURIComponent(
  'type!=Normal',
)}`;
/** `events: 'none'`: one event, to learn whether events may be read (and say why not). */
export const EVENTS_PROBE_QUERY = '?limit=1';

/**
 * Reads every event of these namespaces into a snapshot that holds only warning events there, or
 * none (`partialEvents`, from a scan with `events: 'warnings'` or `'none'`), replacing what it
 * had of them, and returns the number of requests made. With `warningsOnly` (for a snapshot
 * with `elsewhere: 'none'`) it reads only their warning events (every event where the API
 * server refuses the field selector); for more than `maxWarningNamespaces` (default 16) it
 * reads every warning of the cluster in one list, and the snapshot then holds warnings
 * everywhere (`elsewhere: 'warnings'`). The namespaces are those an analysis named in
 * `eventsNeeded` (or `warningEventsNeeded`); analyze again afterwards. A namespace whose events
 * cannot be read throws (the snapshot is then left as it was).
 *
 * @public
 */
export async function readEventsOf(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  namespaces: string[],
  options: {
    concurrency?: number;
    warningsOnly?: boolean;
    maxWarningNamespaces?: number;
  } = {},
): Promise<number> {
  const read = await fetchEventsOf(http, snapshot, namespaces, options);
  read.apply();
  return read.requests;
}

/**
 * Warnings of more namespaces than this to read (after a scan with `events: 'none'`): one list of
 * every warning of the cluster instead, as `events: 'warnings'` reads them (each namespace's
 * list costs the API server a request of its own).
 */
const MAX_WARNING_NAMESPACES = 16;

/**
 * What {@link readEventsOf} reads, with `apply` to put it into the snapshot: fetches that all
 * succeeded are applied together, so a failed one leaves the snapshot as it was.
 */
async function fetchEventsOf(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  namespaces: string[],
  options: {
    concurrency?: number;
    warningsOnly?: boolean;
    maxWarningNamespaces?: number;
  },
): Promise<{ requests: number; apply: () => void }> {
  const partial = snapshot.partialEvents;
  if (!partial)
    throw new Error(
      'readEventsOf: this snapshot already holds every event (it has no partialEvents)',
    );
  const held = new Set([
    ...partial.allTypesIn,
    ...(options.warningsOnly ? partial.warningsIn ?? [] : []),
  ]);
  const wanted = [...new Set(namespaces)].filter(ns => ns && !held.has(ns));
  if (
    options.warningsOnly &&
    partial.elsewhere === 'none' &&
    wanted.length > (options.maxWarningNamespaces ?? MAX_WARNING_NAMESPACES)
  ) {
    const every = await listKind(
      http,
      RESOURCES.Event,
      undefined,
      WARNING_EVENTS_QUERY,
    );
    if (every.error && every.error.status !== 400) throw every.error;
    // (a refused field selector: each namespace's events below, as for a few namespaces)
    if (!every.error) {
      return {
        requests: 1,
        apply: () => {
          // every warning of the cluster; every event where the snapshot had them already
          const whole = new Set(partial.allTypesIn);
          const kept = (snapshot.objects.Event ?? []).filter(e =>
            whole.has(e.metadata?.namespace ?? ''),
          );
          const added = (every.items ?? []).filter(
            e => !whole.has(e.metadata?.namespace ?? ''),
          );
          snapshot.objects.Event = [...kept, ...added];
          partial.elsewhere = 'warnings';
          delete partial.warningsIn;
        },
      };
    }
  }
  let requests = wanted.length;
  const outcomes = await mapLimit(
    wanted,
    options.concurrency ?? 12,
    async ns => {
      if (!options.warningsOnly)
        return {
          ns,
          all: true,
          outcome: await listKind(http, RESOURCES.Event, ns),
        };
      const outcome = await listKind(
        http,
        RESOURCES.Event,
        ns,
        WARNING_EVENTS_QUERY,
      );
      if (outcome.error?.status !== 400) return { ns, all: false, outcome };
      requests++; // the field selector refused: every event of the namespace
      return {
        ns,
        all: true,
        outcome: await listKind(http, RESOURCES.Event, ns),
      };
    },
  );
  const failed = outcomes.find(o => o.outcome.error);
  if (failed?.outcome.error) throw failed.outcome.error;
  return {
    requests,
    apply: () => {
      const replaced = new Set(wanted);
      const kept = (snapshot.objects.Event ?? []).filter(
        e => !replaced.has(e.metadata?.namespace ?? ''),
      );
      snapshot.objects.Event = [
        ...kept,
        ...outcomes.flatMap(o => o.outcome.items ?? []),
      ];
      const all = outcomes.filter(o => o.all).map(o => o.ns);
      const warnings = outcomes.filter(o => !o.all).map(o => o.ns);
      partial.allTypesIn = [...partial.allTypesIn, ...all];
      if (warnings.length > 0)
        partial.warningsIn = [...(partial.warningsIn ?? []), ...warnings];
    },
  };
}

/**
 * Analyzes a snapshot and, while the analysis names namespaces whose events it looked up but
 * the snapshot lacks (`eventsNeeded` and `warningEventsNeeded`, after a scan with
 * `events: 'warnings'` or `'none'`), reads those events ({@link readEventsOf}: every event, or
 * the warning ones) and analyzes again. Each round adds namespaces, so it ends (a round asking
 * for what an earlier one did would read nothing new, and ends it too); the findings are those
 * of a scan that read every event. A snapshot holding every event is analyzed once. A
 * failed event read throws (the snapshot keeps what it had).
 *
 * @public
 */
export async function analyzeWithEvents(
  http: KubeHttp,
  snapshot: ClusterSnapshot,
  options: AnalyzeOptions,
  hooks: {
    onEventsRead?: (namespaces: string[], kind: 'all' | 'warnings') => void;
    /** See {@link readEventsOf}. */
    maxWarningNamespaces?: number;
  } = {},
): Promise<AnalysisReport> {
  let report = analyze(snapshot, options);
  // what each round asked for: a round asking for what one before it did reads nothing new
  const asked = new Set<string>();
  while (
    snapshot.partialEvents &&
    (report.eventsNeeded || report.warningEventsNeeded)
  ) {
    const all = report.eventsNeeded ?? [];
    const warnings = report.warningEventsNeeded ?? [];
    const key = JSON.stringify([all, warnings]);
    if (asked.has(key)) break;
    asked.add(key);
    // both kinds of read at once; applied only when both succeeded (disjoint namespaces)
    const reads = await Promise.all([
      fetchEventsOf(http, snapshot, all, {}),
      fetchEventsOf(http, snapshot, warnings, {
        warningsOnly: true,
        maxWarningNamespaces: hooks.maxWarningNamespaces,
      }),
    ]);
    reads.forEach(r => r.apply());
    if (reads[0].requests + reads[1].requests === 0) break;
    if (all.length) hooks.onEventsRead?.(all, 'all');
    if (warnings.length) hooks.onEventsRead?.(warnings, 'warnings');
    report = analyze(snapshot, options);
  }
  return report;
}
