/**
 * Periscope's `ReplicaFailures`: a ReplicaSet that created some of its pods but not all. k8sgpt's
 * ReplicaSet analyzer reports FailedCreate only at zero replicas; a quota, LimitRange, admission
 * webhook or Pod Security that refuses the pods after the first ones leaves the ReplicaSet short
 * with no finding. The message is the condition's (the controller's FailedCreate event), else the
 * newest FailedCreate event's.
 */
import { ReplicaSet } from '../kinds';
import { Failure } from '../model';
import { eventMessage, eventSubject, eventTimestamp } from '../snapshot';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsName,
  nsOf,
} from './types';

type Json = any;

function replicaFailures(ctx: AnalyzerContext, rs: ReplicaSet): Failure[] {
  const want = (rs as Json).spec?.replicas ?? 1;
  const have = (rs as Json).status?.replicas ?? 0;
  // zero replicas: k8sgpt's ReplicaSet analyzer; enough: nothing is refused now
  if (have === 0 || have >= want) return [];
  const condition = ((rs as Json).status?.conditions ?? []).find(
    (c: Json) =>
      c?.type === 'ReplicaFailure' &&
      c?.status === 'True' &&
      c?.reason === 'FailedCreate' &&
      c?.message,
  );
  let message: string | undefined = condition?.message;
  if (!message) {
    const events = ctx.index
      .warningEventsNamed(nsOf(rs), nameOf(rs))
      .filter(
        e =>
          e.reason === 'FailedCreate' &&
          (!eventSubject(e).kind || eventSubject(e).kind === 'ReplicaSet') &&
          eventMessage(e),
      )
      .sort(
        (a, b) =>
          (Date.parse(eventTimestamp(b) ?? '') || 0) -
          (Date.parse(eventTimestamp(a) ?? '') || 0),
      );
    message = events.length ? eventMessage(events[0]) : undefined;
  }
  if (!message) return [];
  const ns = nsOf(rs);
  const name = nameOf(rs);
  return [
    ctx.failure(
      `ReplicaSet ${ns}/${name} has ${have} of ${want} pods: it cannot create the others (FailedCreate): ${message}`,
      'high',
      [ns, name],
    ),
  ];
}

/** Periscope's `ReplicaFailures`: ReplicaSets short of pods because creating them fails, with the API server's reason. */
export const replicaFailuresAnalyzer: AnalyzerDefinition = {
  name: 'ReplicaFailures',
  enabledByDefault: true,
  fromK8sgpt: false,
  inputKinds: ['ReplicaSet', 'Event'],
  description:
    "ReplicaSets that created some of their pods but cannot create the rest (FailedCreate with replicas > 0), with the API server's reason (quota, LimitRange, admission).",
  analyze: ctx =>
    collect(
      ctx.select<ReplicaSet>('ReplicaSet'),
      'ReplicaSet',
      rs => replicaFailures(ctx, rs),
      nsName,
    ),
};
