/**
 * Reads a finding's evidence from the cluster (the pure model and builder are in -common): the
 * failing pod (the finding's, or the worst one its workload selects), its and the object's
 * warning events, the objects its spec refers to that do not exist, and the last log lines of its
 * failing container. Every read is bounded; a part the API server refuses is a note; a cluster
 * that does not answer at all is an error. This file reads the events and puts the parts together;
 * the other reads are podsOfObject.ts, missingReferences.ts and containerLog.ts.
 */
import {
  buildEvidence,
  ContainerLogEvidence,
  failingContainer,
  containersOf,
  FindingEvidence,
  KubeObject,
  logToRead,
  ObjectRef,
  pickFailingPod,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp } from './clientTypes';
import { readContainerLog } from './containerLog';
import { CORE, enc, Json, why } from './evidenceReads';
import { missingReferences } from './missingReferences';
import { podsOfObject, SELECTOR_KINDS } from './podsOfObject';

/** The warning events about each of `names`; a list that cannot be read is a note. */
async function warningEvents(
  http: KubeHttp,
  namespace: string,
  names: string[],
  notes: string[],
): Promise<KubeObject[]> {
  const lists = await Promise.all(
    [...new Set(names)].map(async name => {
      try {
        const q = enc(`involvedObject.name=${name},type=Warning`);
        const list = (await http.getJson(
          `${CORE}/namespaces/${enc(
            namespace,
          )}/events?fieldSelector=${q}&limit=100`,
        )) as Json;
        return (list?.items ?? []) as KubeObject[];
      } catch (e) {
        notes.push(`the events of ${name} could not be read: ${why(e)}`);
        return [];
      }
    }),
  );
  return lists.flat();
}

/**
 * Reads the evidence of a finding about `object` (with its owner chain, direct owner first):
 * the failing pod of the object or of its workload, its warning events and the object's, the
 * missing objects its spec refers to, and the last log lines of its failing container (the
 * previous instance's after a crash).
 * @public
 */
export async function readEvidence(
  http: KubeHttp,
  options: {
    object: ObjectRef;
    ownerChain: ObjectRef[];
    tailLines?: number;
    limitBytes?: number;
  },
): Promise<FindingEvidence> {
  const { object, ownerChain } = options;
  const notes: string[] = [];
  const ns = object.namespace;
  if (!ns)
    return buildEvidence({
      ownerChain,
      notes: [
        `${object.kind} ${object.name} is not namespaced: it has no pods`,
      ],
    });
  // the object's own pods, else those of the nearest owner that selects pods
  let pods = await podsOfObject(http, object, notes);
  for (const owner of ownerChain) {
    if (pods.length > 0 || object.kind === 'Pod') break;
    pods = await podsOfObject(
      http,
      { ...owner, namespace: owner.namespace ?? ns },
      notes,
    );
  }
  const pod = object.kind === 'Pod' ? pods[0] : pickFailingPod(pods) ?? pods[0];
  const podName = pod?.metadata?.name;
  const [events, missing] = await Promise.all([
    warningEvents(
      http,
      ns,
      [object.name, ...(podName ? [podName] : [])],
      notes,
    ),
    pod ? missingReferences(http, pod, notes) : Promise.resolve([]),
  ]);
  const logs: ContainerLogEvidence[] = [];
  if (pod && podName) {
    const failing = failingContainer(
      containersOf(pod),
      (pod as Json).status?.phase,
    );
    if (failing) {
      const { previous } = logToRead(failing);
      const read = (prev: boolean) =>
        readContainerLog(http, {
          namespace: ns,
          pod: podName,
          container: failing.name,
          previous: prev,
          tailLines: options.tailLines,
          limitBytes: options.limitBytes,
        });
      let log = await read(previous);
      // the previous instance's log is gone (the kubelet removed it): the current one
      if (previous && log.error) log = await read(false);
      logs.push(log);
    }
  } else if (
    SELECTOR_KINDS.has(object.kind) &&
    !notes.some(n => n.startsWith('the pods of'))
  ) {
    // (a Pod that could not be read is noted already)
    notes.push(`no pod of ${object.kind} ${object.name} was found`);
  }
  return buildEvidence({
    pod,
    events,
    ownerChain,
    missingReferences: missing,
    logs,
    notes,
  });
}
