/**
 * Turns a cluster's checked Result objects into Health findings and merges them with Periscope's
 * own: a Result that names the same object and text marks the existing finding with both sources.
 * Pure: no I/O.
 */
import type {
  ClusterSnapshot,
  KubeObject,
  ObjectRef,
  RelatedEvent,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import {
  findingId,
  ObjectIndex,
  ownerChain,
  ScannedFinding,
  toFindings,
} from '../HealthService/findings';
import { OPERATOR_SOURCE, OperatorResult } from './types';

/** Severity of failures only the operator reports: Results carry none. */
export const OPERATOR_SEVERITY = 'medium' as const;

const sameObject = (a: ObjectRef, b: ObjectRef) =>
  a.kind === b.kind &&
  a.name === b.name &&
  (a.namespace ?? '') === (b.namespace ?? '');

type EventObject = KubeObject & {
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
};

/** Events about the object in the snapshot, newest first, at most 10. */
function eventsAbout(
  snapshot: ClusterSnapshot,
  ref: ObjectRef,
): RelatedEvent[] {
  const events = (snapshot.objects.Event ?? []) as EventObject[];
  return events
    .filter(
      e =>
        e.involvedObject?.kind === ref.kind &&
        e.involvedObject?.name === ref.name &&
        (e.involvedObject?.namespace ?? '') === (ref.namespace ?? ''),
    )
    .map(e => ({
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
      lastTimestamp: e.lastTimestamp ?? e.eventTime,
    }))
    .sort((a, b) =>
      (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''),
    )
    .slice(0, 10);
}

/** One finding per analyzer and object: two K8sGPT resources analysing the same namespace agree. */
function combine(results: OperatorResult[]): OperatorResult[] {
  const byKey = new Map<string, OperatorResult>();
  for (const r of results) {
    const key = [
      r.analyzer,
      r.object.kind,
      r.object.namespace ?? '',
      r.object.name,
    ].join('\u0000');
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...r, texts: [...new Set(r.texts)] });
    else
      byKey.set(key, {
        ...seen,
        texts: [...new Set([...seen.texts, ...r.texts])],
        sensitive: [...seen.sensitive, ...r.sensitive],
      });
  }
  return [...byKey.values()];
}

/** Findings (with owner chains from the snapshot, or the Result's parentObject) for Results. */
export function operatorFindings(
  cluster: string,
  snapshot: ClusterSnapshot,
  results: OperatorResult[],
): ScannedFinding[] {
  const index = new ObjectIndex(snapshot);
  return combine(results).map(r => {
    const [finding] = toFindings(cluster, snapshot, [
      {
        analyzer: r.analyzer,
        kind: r.object.kind,
        name: r.object.name,
        object: r.object,
        failures: r.texts.map(text => ({
          text,
          kubernetesDoc: '',
          sensitive: [],
          severity: OPERATOR_SEVERITY,
        })),
        events: eventsAbout(snapshot, r.object),
        sensitive: r.sensitive,
        severity: OPERATOR_SEVERITY,
      },
    ]);
    // An object the scan did not list (another kind, or gone since) keeps the operator's parent.
    const chain =
      index.get(r.object) || !r.parentObject
        ? finding.ownerChain
        : [r.parentObject, ...ownerChain(index, r.parentObject)];
    const sensitive = new Set([
      ...finding.sensitive,
      ...chain.flatMap(c => [c.name, c.namespace ?? '']),
    ]);
    return {
      ...finding,
      id: findingId(cluster, `${OPERATOR_SOURCE}/${r.analyzer}`, r.object),
      ownerChain: chain,
      workload: chain.length > 0 ? chain[chain.length - 1] : r.object,
      sources: [OPERATOR_SOURCE],
      sensitive: [...sensitive].filter(s => s !== ''),
    };
  });
}

/**
 * Periscope's findings plus the operator's: a failure text the operator reports for an object that
 * Periscope already has (same object, same text) is kept once, on Periscope's finding, which then
 * lists both sources; the operator's other texts become findings of their own.
 */
export function mergeSources(
  own: ScannedFinding[],
  operator: ScannedFinding[],
): ScannedFinding[] {
  const merged = own.map(f => ({
    ...f,
    sources: f.sources ?? ['periscope' as const],
  }));
  const extra: ScannedFinding[] = [];
  for (const o of operator) {
    const twins = merged.filter(f => sameObject(f.object, o.object));
    const left = o.failures.filter(failure => {
      const twin = twins.find(t =>
        t.failures.some(x => x.text === failure.text),
      );
      if (twin && !twin.sources!.includes(OPERATOR_SOURCE))
        twin.sources = [...twin.sources!, OPERATOR_SOURCE];
      return !twin;
    });
    if (left.length > 0) extra.push({ ...o, failures: left });
  }
  return [...merged, ...extra];
}
