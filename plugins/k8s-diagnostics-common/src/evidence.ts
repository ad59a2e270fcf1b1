/**
 * Builds a finding's evidence (what an engineer looks at to name the cause of a failing pod) from
 * its pod, events, owner chain, missing references and logs; the builder is pure. The model is in
 * evidenceModel.ts; the containers, the failing one, the kubelet's missing references and the
 * facts in words each have a file beside this one.
 */
import { containersOf } from './evidenceContainers';
import { Json, str } from './evidenceJson';
import type {
  ContainerLogEvidence,
  FindingEvidence,
  MissingReference,
} from './evidenceModel';
import { failingContainer } from './failingPod';
import { missingReferencesIn } from './missingReferences';
import type { KubeObject, ObjectRef, RelatedEvent } from './model';

const refKey = (r: MissingReference) =>
  `${r.kind}/${r.namespace ?? ''}/${r.name}/${r.key ?? ''}`;

/** What {@link buildEvidence} reads. @public */
export interface EvidenceInput {
  /** The pod to describe (the finding's, or one of its workload's): undefined when none is known. */
  pod?: KubeObject;
  /** Events about the pod and the finding's object (any type: only warnings are kept). */
  events?: KubeObject[] | RelatedEvent[];
  ownerChain?: ObjectRef[];
  /** Missing references found by reading the cluster (the kubelet's messages are added). */
  missingReferences?: MissingReference[];
  logs?: ContainerLogEvidence[];
  notes?: string[];
  /** Warning events kept, newest first. Default 10. */
  maxEvents?: number;
}

function relatedEvent(e: Json): RelatedEvent {
  if (
    'involvedObject' in (e ?? {}) ||
    'regarding' in (e ?? {}) ||
    'note' in (e ?? {}) ||
    'metadata' in (e ?? {})
  ) {
    return {
      type: String(e.type ?? ''),
      reason: String(e.reason ?? ''),
      message: String(e.message ?? e.note ?? ''),
      count: Number(e.count ?? e.series?.count ?? 1),
      ...(str(
        e.lastTimestamp ??
          e.eventTime ??
          e.series?.lastObservedTime ??
          e.metadata?.creationTimestamp,
      )
        ? {
            lastTimestamp:
              e.lastTimestamp ??
              e.eventTime ??
              e.series?.lastObservedTime ??
              e.metadata?.creationTimestamp,
          }
        : {}),
    };
  }
  return e as RelatedEvent;
}

/**
 * Builds a finding's evidence from its pod, events, owner chain, missing references and logs:
 * the failing container first, warning events only (newest first, the same message once), the
 * references the kubelet's messages name as missing added to those given.
 * @public
 */
export function buildEvidence(input: EvidenceInput): FindingEvidence {
  const pod = input.pod as Json | undefined;
  const phase = str(pod?.status?.phase);
  const containers = pod ? containersOf(pod) : [];
  const failing = failingContainer(containers, phase);
  const ordered = failing
    ? [failing, ...containers.filter(c => c !== failing)]
    : containers;
  const namespace = str(pod?.metadata?.namespace);

  const time = (e: RelatedEvent) => Date.parse(e.lastTimestamp ?? '') || 0;
  const seen = new Set<string>();
  const warningEvents = (input.events ?? [])
    .map(relatedEvent)
    .filter(e => e.type === 'Warning')
    .sort((a, b) => time(b) - time(a))
    .filter(e => {
      const k = `${e.reason}\u0000${e.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, input.maxEvents ?? 10);

  const missing = new Map<string, MissingReference>();
  for (const r of input.missingReferences ?? []) missing.set(refKey(r), r);
  for (const c of containers) {
    for (const s of [c.state, c.lastState]) {
      if (s?.message)
        for (const r of missingReferencesIn(
          s.message,
          namespace,
          `container ${c.name}`,
        ))
          if (!missing.has(refKey(r))) missing.set(refKey(r), r);
    }
  }
  for (const e of warningEvents) {
    for (const r of missingReferencesIn(e.message, namespace))
      if (!missing.has(refKey(r))) missing.set(refKey(r), r);
  }

  return {
    ...(pod
      ? {
          pod: {
            kind: 'Pod',
            name: String(pod.metadata?.name ?? ''),
            ...(namespace ? { namespace } : {}),
            ...(phase ? { phase } : {}),
            ...(str(pod.status?.reason) ? { reason: pod.status.reason } : {}),
            ...(str(pod.status?.message)
              ? { message: pod.status.message }
              : {}),
            ...(str(pod.spec?.nodeName) ? { node: pod.spec.nodeName } : {}),
            ...(str(pod.metadata?.creationTimestamp)
              ? { createdAt: pod.metadata.creationTimestamp }
              : {}),
            ...(str(pod.spec?.serviceAccountName)
              ? { serviceAccount: pod.spec.serviceAccountName }
              : {}),
          },
        }
      : {}),
    ...(failing ? { failingContainer: failing.name } : {}),
    containers: ordered,
    logs: input.logs ?? [],
    warningEvents,
    ownerChain: input.ownerChain ?? [],
    missingReferences: [...missing.values()],
    notes: input.notes ?? [],
  };
}
