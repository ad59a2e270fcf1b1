/** The deploy types of the cluster side: what is deployed, how, what comes back, and what the steps share of a deployer. */
import {
  ApplySet,
  DeployEvent,
  InventoryEntry,
  JsonObject,
  KubeObject,
  ModuleReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { RawObjectApi } from './kubeApi';
import { InstanceStore } from './storage';

/**
 * What gets deployed: a rendered instance (or a stored revision for rollbacks).
 *
 * @public
 */
export interface Release {
  name: string;
  namespace: string;
  module: ModuleReference;
  values: JsonObject;
  valuesCue: string;
  sets: ApplySet[];
  images: string[];
  /** The bundle this instance belongs to (stored as Timoni's `bundle.timoni.sh/name` label). */
  bundle?: string;
}

/**
 * Options of an apply.
 *
 * @public
 */
export interface ApplyOptions {
  /** Wait for readiness after each apply set (default true). */
  wait?: boolean;
  /** Readiness timeout per apply set in milliseconds (default 5 minutes). */
  timeoutMs?: number;
  /**
   * Readiness follows objects with watches; this is the poll interval for objects that cannot be
   * watched (the client has no `watch` permission for their kind) and the pause after a failed
   * watch (default 2 s).
   */
  pollMs?: number;
  /**
   * How long one readiness watch lasts before the object is read again and watched anew (a
   * resync; default 60 s).
   */
  watchResyncMs?: number;
  /** Progress callback, called for every step. */
  onEvent?: (e: DeployEvent) => void;
  /** Revision action recorded in the history. */
  action?: 'apply' | 'rollback';
  /**
   * Take over fields owned by other field managers (default true, as Timoni forces ownership).
   * With false, a field owned by another manager stops the apply with a conflict naming the object.
   */
  force?: boolean;
  /**
   * Take over an instance that another bundle manages (or, for a bundle, one that no bundle
   * manages), as Timoni's `--overwrite-ownership`. Default false: such an apply stops with a conflict.
   */
  overwriteOwnership?: boolean;
  /**
   * Annotations to store on the instance (record and Secret), e.g. Periscope's
   * `periscope.dev/owner-entity`. Those the stored instance has are kept; these win.
   */
  annotations?: Record<string, string>;
}

/**
 * Result of an apply.
 *
 * @public
 */
export interface ApplyResult {
  applied: string[];
  pruned: string[];
  inventory: InventoryEntry[];
  revision: number;
}

/** A progress callback of the deploy steps (the elapsed time is added by the caller's `onEvent`). */
export type DeployEmit = (e: Omit<DeployEvent, 'elapsedMs'>) => void;

/** What the diff, apply and delete steps use of a `ClusterDeployer`. */
export interface DeployerContext {
  /** The raw object API: objects travel as JSON, unchanged. */
  readonly api: RawObjectApi;
  /** The field manager of every server-side apply. */
  readonly fieldManager: string;
  /** The instance store (Timoni's instance Secret and Periscope's history). */
  readonly store: InstanceStore;
  /** The deployer's readiness wait (`ClusterDeployer.waitReady`). */
  waitReady(
    objects: KubeObject[],
    opts: ApplyOptions,
    emit: DeployEmit,
  ): Promise<void>;
}
