import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { JsonObject } from '@periscope/backstage-plugin-module-deploy-common';
import {
  ClusterResult,
  DeployStreamEvent,
  EntityDeployState,
  EntityDriftCheck,
  EntityHistory,
  EntitySchema,
  PreviewResult,
} from '../../types';

/** Receives the steps of a deploy, rollback or delete as they happen. @public */
export type StreamSink = (event: DeployStreamEvent) => void;

/** An explicit target (scaffolder templates, where the entity may not exist yet). @public */
export interface ExplicitTarget {
  /** Configured module name (optionally `@version`) or an `oci://` reference under a configured module. */
  module: string;
  instanceName: string;
  namespace: string;
  /** Cluster names in rollout order (default: `moduleDeploy.defaults.clusters`, else all). */
  clusters?: string[];
  /** When given, the apply permission is checked on this entity (conditional policies apply). */
  entityRef?: string;
}

/** Deploys an entity's module: state, schema, preview, deploy, history, rollback, delete, drift. @public */
export interface DeployService {
  /**
   * The entity's instances, one page of its target clusters (`limit`, default 50, after
   * `offset`): each from the stored state where the backend reads that cluster with its own
   * credentials (read again in the background when older than
   * `moduleDeploy.instanceState.maxAgeSeconds`; read first when none is stored), read now with
   * the user's tokens where the cluster uses client-side auth.
   */
  getEntity(o: {
    entityRef: string;
    credentials: BackstageCredentials;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
    limit?: number;
    offset?: number;
  }): Promise<EntityDeployState>;
  getSchema(o: {
    entityRef: string;
    credentials: BackstageCredentials;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
  }): Promise<EntitySchema>;
  preview(o: {
    entityRef: string;
    values: JsonObject;
    credentials: BackstageCredentials;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
  }): Promise<PreviewResult>;
  /** Checks the apply permission; resolves the target. Call before starting a stream so that 403/400 are plain answers. */
  prepareDeploy(o: {
    entityRef: string;
    credentials: BackstageCredentials;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
  }): Promise<PreparedOperation>;
  prepareTarget(o: {
    target: ExplicitTarget;
    credentials: BackstageCredentials;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
    permission: 'read' | 'apply';
  }): Promise<PreparedOperation>;
  /**
   * The revisions of every target cluster and one page of the audit trail, newest first:
   * `auditLimit` records (default 50) after the newest `auditOffset` (default 0); `nextOffset`
   * in the answer when older records exist.
   */
  history(o: {
    entityRef: string;
    credentials: BackstageCredentials;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
    auditLimit?: number;
    auditOffset?: number;
  }): Promise<EntityHistory>;
  /**
   * Checks the entity's instances for drift now (server-side dry run against the last
   * revision), in every target cluster or the one named; stores the result like the scheduled check.
   */
  checkEntityDrift(o: {
    entityRef: string;
    credentials: BackstageCredentials;
    /** The signed-in user's Kubernetes tokens, for clusters with client-side auth. */
    requestAuth?: KubernetesRequestAuth;
    cluster?: string;
  }): Promise<EntityDriftCheck>;
  /**
   * Reads and stores the instance state of every annotated entity in every cluster the backend
   * reads with its own credentials (the scheduled refresh).
   */
  refreshInstanceStates(): Promise<{ refreshed: number; failed: number }>;
  /** Runs the scheduled drift check over every annotated entity. */
  checkDrift(): Promise<{ checked: number; drifted: number }>;
}

/** A resolved, authorized target: operations on it stream their steps. @public */
export interface PreparedOperation {
  preview(values: JsonObject): Promise<PreviewResult>;
  /**
   * `changeMessage`: why, as the deployer wrote it (checked with `changeMessageProblem`);
   * stored with the revision and in the audit trail.
   */
  deploy(
    values: JsonObject,
    sink: StreamSink,
    opts?: { changeMessage?: string },
  ): Promise<ClusterResult[]>;
  /**
   * Re-applies a stored revision (default: the one before the current) in every target cluster,
   * or in `cluster`. With `mustExist` (`POST /instances/rollback`), a target cluster that has no
   * revision history of the instance, or does not keep `revision`, is a NotFoundError before
   * anything is applied; a cluster that cannot be read is left to the rollout, which reports it.
   */
  rollback(
    o: { revision?: number; cluster?: string; mustExist?: boolean },
    sink: StreamSink,
  ): Promise<ClusterResult[]>;
  /** `confirm` must equal the instance name. */
  delete(confirm: string, sink: StreamSink): Promise<ClusterResult[]>;
}
