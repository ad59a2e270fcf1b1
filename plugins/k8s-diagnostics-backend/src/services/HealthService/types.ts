import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  ClusterFindings,
  ClusterFindingsFilter,
  EntityHealth,
  EntityHealthHistory,
} from '../../types';
import { StoredFinding } from '../FindingsStore';

/**
 * Scans, stores and serves Health findings. Methods take the caller's credentials: the
 * catalog read of the entity happens with them.
 * @public
 */
export interface HealthService {
  /**
   * The entity's findings from the store; waits on a scan only when none is stored or `refresh`
   * is set. A stored scan older than `cacheTtlSeconds` is served marked `stale` and `refreshing`
   * while it is scanned again in the background.
   */
  getEntityHealth(options: {
    entityRef: string;
    credentials: BackstageCredentials;
    refresh?: boolean;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
  }): Promise<EntityHealth>;
  /**
   * A page of the entity's stored scan history, never scanning: `limit` scans after the newest
   * `offset` (GET /entity carries the newest 48).
   */
  getEntityHistory(options: {
    entityRef: string;
    credentials: BackstageCredentials;
    limit: number;
    offset: number;
  }): Promise<EntityHealthHistory>;
  /** One open or resolved finding of the entity, with its masking hints (for explanations). */
  getEntityFinding(options: {
    entityRef: string;
    findingId: string;
    credentials: BackstageCredentials;
  }): Promise<StoredFinding>;
  /** The cluster-wide findings of the last scheduled scan (scans once if there is none yet). */
  listClusterFindings(options: {
    filter: ClusterFindingsFilter;
  }): Promise<ClusterFindings>;
  /** The scheduled task: one scan per cluster, recorded for the cluster view and every annotated entity. */
  scanAll(): Promise<void>;
}
