/** The KubernetesLogSource's interface and its checkpoint. */
import { PodCheckpoint } from './logLines';

/** Stored per cluster: where each Tetragon pod's log was read up to. */
export interface KubernetesCheckpoint {
  pods: Record<string, PodCheckpoint>;
}

/** Follows the Tetragon pods' export container of one cluster. */
export interface KubernetesLogSource {
  readonly id: string;
  /** Follows the logs until `windowMs` passed or `signal` aborts; resolves after the last lines are stored. */
  run(signal: AbortSignal, windowMs?: number): Promise<void>;
}
