import {
  DeployClusterError,
  JsonObject,
  ModuleReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { AuditRecord, DriftState, InstanceState } from '../../types';

/** Identifies one instance in one cluster. @public */
export interface InstanceKey {
  entityRef: string;
  cluster: string;
  namespace: string;
  instanceName: string;
}

/** A revision as Periscope recorded it in the database. @public */
export interface StoredRevision extends InstanceKey {
  revision: number;
  at: string;
  actor: string;
  action: 'deploy' | 'rollback';
  module: ModuleReference;
  values: JsonObject;
  result: 'success' | 'failure';
  /** Why it was deployed, as the deployer wrote it. */
  changeMessage?: string;
}

/** Identifies one instance in one cluster, whoever owns it. @public */
export type InstanceLocation = Omit<InstanceKey, 'entityRef'>;

/** The entity that owns an instance in one cluster (the first one that deployed it). @public */
export interface InstanceOwner extends InstanceLocation {
  entityRef: string;
  /** When the owner first deployed (claimed) it. */
  claimedAt: string;
  /** Who deployed it then. */
  claimedBy: string;
}

/**
 * What the cluster said about an instance when it was read: inventory with readiness, module and
 * revision (drift and the last operation come from their own tables when it is served).
 * @public
 */
export type InstanceSnapshot = Omit<
  InstanceState,
  'drift' | 'lastOperation' | 'refreshedAt'
>;

/**
 * The stored state of an instance in one cluster, as GET /entity serves it: the snapshot, or
 * why the cluster could not be read then.
 * @public
 */
export interface StoredInstanceState extends InstanceKey {
  /** When the cluster was read (ISO time); a later read replaces it, an earlier one does not. */
  readAt: string;
  state?: InstanceSnapshot;
  error?: DeployClusterError;
}

/** Audit trail, revision history, drift and instance owners, in the plugin's database. @public */
export interface DeployStore {
  recordAudit(record: AuditRecord): Promise<void>;
  /** Newest first: `limit` records (default 50) after skipping the newest `offset` (default 0). */
  listAudit(
    entityRef: string,
    limit?: number,
    offset?: number,
  ): Promise<AuditRecord[]>;
  recordRevision(rev: StoredRevision): Promise<void>;
  /** Newest first. */
  listRevisions(entityRef: string, limit?: number): Promise<StoredRevision[]>;
  putDrift(key: InstanceKey, drift: DriftState): Promise<void>;
  getDrift(key: InstanceKey): Promise<DriftState | undefined>;
  /**
   * Stores the state read at `readAt`, unless a state read later is stored already (two
   * replicas, or a refresh that finished after a deploy's); true when it was stored.
   */
  putInstanceState(state: StoredInstanceState): Promise<boolean>;
  /** The stored states of the entity's instances, every cluster. */
  listInstanceStates(entityRef: string): Promise<StoredInstanceState[]>;
  /** The entity that owns the instance, if one claimed it. */
  getOwner(at: InstanceLocation): Promise<InstanceOwner | undefined>;
  /**
   * Claims the instance for `entityRef` unless an entity owns it already (atomically: of two
   * concurrent claims one wins); returns the owner after the claim.
   */
  claimOwner(
    at: InstanceLocation,
    entityRef: string,
    actor: string,
  ): Promise<InstanceOwner>;
  /** Gives up `entityRef`'s claim (after the instance was deleted); another entity's claim stays. */
  releaseOwner(at: InstanceLocation, entityRef: string): Promise<void>;
  /**
   * Takes one of `limit` calls of `key` in `minute` (`YYYY-MM-DDTHH:MM`); false when they are all
   * taken. In the database, so the limit holds across replicas.
   */
  takeRateSlot(slot: {
    key: string;
    minute: string;
    limit: number;
  }): Promise<boolean>;
}
