/**
 * The evidence model: the shapes of what is known about a finding's failing pod (its containers,
 * probes, states, logs, missing references) and of the two routes that serve it.
 */
import type { ObjectRef, RelatedEvent } from './model';

/**
 * One state of a container (`state` or `lastState`).
 * @public
 */
export interface ContainerStateEvidence {
  status: 'waiting' | 'running' | 'terminated';
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * A probe in words: `httpGet :8080/healthz`, `tcpSocket :5432`, `exec cat /tmp/ready`, `grpc :9000`.
 * @public
 */
export interface ProbeEvidence {
  type: 'liveness' | 'readiness' | 'startup';
  handler: string;
  /** The HTTP path of an httpGet probe. */
  path?: string;
  port?: string;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
  initialDelaySeconds?: number;
}

/**
 * A container of the pod, spec and status together.
 * @public
 */
export interface ContainerEvidence {
  name: string;
  /** An init container (runs to completion before the others start). */
  init: boolean;
  image?: string;
  command?: string[];
  args?: string[];
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  probes: ProbeEvidence[];
  ready?: boolean;
  restartCount?: number;
  state?: ContainerStateEvidence;
  lastState?: ContainerStateEvidence;
}

/**
 * A referenced object that does not exist (or a key missing from one that does).
 * @public
 */
export interface MissingReference {
  kind: string;
  name: string;
  namespace?: string;
  /** A key missing from an object that exists. */
  key?: string;
  /** Where the pod refers to it (`env DB_URL of container app`, `volume config`, the kubelet). */
  use?: string;
}

/**
 * The last log lines of a container.
 * @public
 */
export interface ContainerLogEvidence {
  container: string;
  /** The previous (crashed) instance's log. */
  previous: boolean;
  lines: string[];
  /** Lines or bytes beyond the cap were left out (the oldest). */
  truncated: boolean;
  /** Why the log could not be read (the container never started...). */
  error?: string;
}

/**
 * What is known about a finding's failing pod.
 * @public
 */
export interface FindingEvidence {
  /** The pod the evidence is of (the finding's pod, or a failing pod of its workload). */
  pod?: ObjectRef & {
    phase?: string;
    reason?: string;
    message?: string;
    node?: string;
    createdAt?: string;
    serviceAccount?: string;
  };
  /** The container that fails (init containers first), when one does. */
  failingContainer?: string;
  /** The failing container first, then the others. */
  containers: ContainerEvidence[];
  logs: ContainerLogEvidence[];
  /** Warning events about the pod and the finding's object, newest first. */
  warningEvents: RelatedEvent[];
  ownerChain: ObjectRef[];
  missingReferences: MissingReference[];
  /** Parts that could not be read (no permission, pod gone...), in words. */
  notes: string[];
}

/**
 * GET /entity/evidence: what the cluster shows now about one finding.
 * @public
 */
export interface FindingEvidenceResponse {
  findingId: string;
  cluster: string;
  evidence: FindingEvidence;
  /** Set when the cluster could not be read at all (then the evidence holds the owner chain only). */
  error?: string;
}

/**
 * GET /entity/logs: the last lines of a container of a finding's pod.
 * @public
 */
export interface ContainerLogResponse extends ContainerLogEvidence {
  pod: string;
  namespace: string;
}
