/**
 * The module-deploy API's wire types, shared by the backend (which produces them), the frontend
 * and the scaffolder actions (which read them).
 */
import type { ValuesJsonSchema } from './schema';
import type {
  DeployEvent,
  JsonObject,
  ModuleReference,
  ObjectDiff,
  ValuesIssue,
} from './types';

/** Entity annotation naming the module: a configured module name, an `oci://` reference, or a path relative to the entity's file. @public */
export const MODULE_ANNOTATION = 'periscope.dev/module';
/** Entity annotation naming the instance (default: the entity name). @public */
export const INSTANCE_ANNOTATION = 'periscope.dev/instance';
/** Entity annotation listing the target clusters, comma-separated, in rollout order. @public */
export const CLUSTERS_ANNOTATION = 'periscope.dev/clusters';

/**
 * Annotation on an instance's storage Secret (`timoni.<name>`, and on the instance record in it)
 * naming the entity that owns the instance: only that entity deploys, rolls back or deletes it.
 * @public
 */
export const OWNER_ENTITY_ANNOTATION = 'periscope.dev/owner-entity';

/** Whether an entity can be deployed: the envelope shared by every Periscope entity endpoint. @public */
export type EntityStatus = 'ok' | 'not-configured' | 'not-annotated';

/**
 * Why one cluster could not answer (`@periscope/kube-access`'s `ClusterError`; `errorType` is one
 * of its `ClusterErrorType`s). Partial failure is data: the other clusters still answer.
 * @public
 */
export interface DeployClusterError {
  cluster: string;
  errorType: string;
  statusCode?: number;
  message: string;
}

/** Where an entity deploys. @public */
export interface DeployTarget {
  entityRef: string;
  /** The annotation (or request) value. */
  module: string;
  /** What the engine renders: a local directory or an `oci://` reference. */
  source: string;
  instanceName: string;
  namespace: string;
  /** Cluster names in rollout order. */
  clusters: string[];
}

/** Readiness of one object of an instance. @public */
export interface ObjectHealth {
  ref: string;
  state: string;
  message: string;
}

/** Operations recorded in the audit table. @public */
export type AuditAction = 'deploy' | 'rollback' | 'delete';

/**
 * The longest change message a deploy may carry (characters), as POST /entity/deploy checks it.
 * @public
 */
export const CHANGE_MESSAGE_MAX_LENGTH = 500;

/**
 * Why a change message cannot be stored, in words naming what to do; undefined when it is fine
 * (at most {@link CHANGE_MESSAGE_MAX_LENGTH} characters; no control characters but line breaks
 * and tabs). The backend answers such a message with a 400; the form shows the same text.
 * @public
 */
export function changeMessageProblem(message: string): string | undefined {
  const length = [...message].length;
  if (length > CHANGE_MESSAGE_MAX_LENGTH)
    return `the change message has ${length} characters; shorten it to at most ${CHANGE_MESSAGE_MAX_LENGTH}`;
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b-\u001f\u007f]/.exec(message);
  if (bad)
    return `the change message contains the control character U+${bad[0]
      .charCodeAt(0)
      .toString(16)
      .padStart(4, '0')
      .toUpperCase()} at position ${
      bad.index + 1
    }; use plain text (line breaks and tabs are fine)`;
  return undefined;
}

/** The last deploy, rollback or delete recorded in the audit table. @public */
export interface LastOperation {
  action: AuditAction;
  actor: string;
  at: string;
  result: 'success' | 'failure';
  revision?: number;
  message?: string;
}

/** Drift found by a dry-run diff (scheduled, or asked for with POST /entity/drift). @public */
export interface DriftState {
  checkedAt: string;
  drifted: boolean;
  /** Objects whose live state differs from the last applied revision. */
  objects: ObjectDiff[];
  /** Why the check failed (the cluster was unreachable, the dry run was refused). */
  error?: string;
}

/** One instance of the entity in one cluster. @public */
export interface InstanceState {
  cluster: string;
  namespace: string;
  name: string;
  deployed: boolean;
  module?: ModuleReference;
  lastTransitionTime?: string;
  revision?: number;
  health: 'healthy' | 'progressing' | 'degraded' | 'unknown';
  objects: ObjectHealth[];
  drift?: DriftState;
  lastOperation?: LastOperation;
  /**
   * When the instance was read from the cluster (ISO time). GET /entity serves the state the
   * backend stored (after each deploy, rollback and delete, by the scheduled refresh, or by an
   * earlier request); absent where the cluster was read for this answer with the signed-in
   * user's own token (clusters with client-side auth are never stored).
   */
  refreshedAt?: string;
}

/** GET /entity: the entity's instances, one per target cluster, a page at a time. @public */
export interface EntityDeployState {
  entityRef: string;
  status: EntityStatus;
  target?: DeployTarget;
  /** One page of the instances (`limit`/`offset` of GET /entity; default the first 50 target clusters). */
  instances: InstanceState[];
  errors: DeployClusterError[];
  /** How many instances (target clusters) the entity has in all pages. */
  total?: number;
  /** Present when more instances follow: the `offset` of the next page. */
  nextOffset?: number;
  /** When the oldest stored state on this page was read from its cluster (ISO time). */
  refreshedAt?: string;
}

/** GET /entity/schema. @public */
export interface EntitySchema {
  entityRef: string;
  status: EntityStatus;
  target?: DeployTarget;
  schema?: ValuesJsonSchema;
  /** The values of the latest revision (from the cluster's history), else the module defaults. */
  values?: JsonObject;
  valuesFrom?: { cluster: string; revision: number } | 'defaults';
}

/** Per-cluster preview. @public */
export interface ClusterPreview {
  cluster: string;
  objects: ObjectDiff[];
}

/** POST /entity/preview: `valid: false` carries CUE's issues by values path. @public */
export interface PreviewResult {
  status: EntityStatus;
  valid: boolean;
  issues: ValuesIssue[];
  /** Objects the module renders (also when no cluster is configured). */
  rendered: string[];
  clusters: ClusterPreview[];
  errors: DeployClusterError[];
  /**
   * What the change would break, found before anything is applied: the reference checks
   * (References, Scheduling, AutoscalerRequests) over the rendered objects and the live objects
   * of the target namespace, per cluster. Only findings the rendered objects cause are listed.
   */
  warnings?: DeployWarning[];
  /**
   * What the preflight could not check, as `<cluster>: <why>` (e.g. a kind the credentials may
   * not list: references to it are not reported). Absent when everything was checked.
   */
  notChecked?: string[];
}

/**
 * A problem a deploy would cause, found by the preflight checks before anything is applied.
 * @public
 */
export interface DeployWarning {
  /** The cluster whose live objects were checked. */
  cluster?: string;
  /** The check that found it: `References`, `Scheduling` or `AutoscalerRequests`. */
  analyzer: string;
  /** The object it is about, `Kind/namespace/name`. */
  object: string;
  /** What is wrong, e.g. `ConfigMap app-config does not exist in namespace shop (...)`. */
  message: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** Whether `moduleDeploy.preflight.block` names the check: such a deploy is refused. */
  blocking: boolean;
}

/** Outcome per cluster. @public */
export interface ClusterResult {
  cluster: string;
  status: 'healthy' | 'deleted' | 'failed' | 'skipped';
  revision?: number;
  message?: string;
}

/** One line of the NDJSON stream of POST /entity/deploy, /entity/rollback, /entity/delete. @public */
export type DeployStreamEvent =
  | {
      type: 'start';
      action: AuditAction;
      instanceName: string;
      namespace: string;
      clusters: string[];
    }
  | { type: 'invalid'; message: string; issues: ValuesIssue[] }
  | {
      type: 'cluster';
      cluster: string;
      status: 'started' | ClusterResult['status'];
      revision?: number;
      message?: string;
    }
  | { type: 'step'; cluster: string; event: DeployEvent }
  | { type: 'done'; ok: boolean; results: ClusterResult[]; error?: string };

/** One revision of an instance (from the cluster's history Secret, joined with who did it). @public */
export interface RevisionInfo {
  cluster: string;
  revision: number;
  appliedAt: string;
  action: 'apply' | 'rollback';
  module: ModuleReference;
  values: JsonObject;
  objects: string[];
  actor?: string;
  /** Why it was deployed, as the deployer wrote it (POST /entity/deploy `changeMessage`). */
  changeMessage?: string;
  current: boolean;
}

/** A row of the audit table. @public */
export interface AuditRecord {
  id?: number;
  at: string;
  actor: string;
  entityRef: string;
  cluster: string;
  namespace: string;
  instanceName: string;
  action: AuditAction;
  revision?: number;
  module?: ModuleReference;
  values?: JsonObject;
  result: 'success' | 'failure';
  /** What happened (the outcome, or why it failed). */
  message?: string;
  /** Why it was done, as the deployer wrote it (POST /entity/deploy `changeMessage`). */
  changeMessage?: string;
}

/** GET /entity/history. @public */
export interface EntityHistory {
  entityRef: string;
  status: EntityStatus;
  revisions: RevisionInfo[];
  /** One page of the audit trail, newest first (`limit`/`offset` of GET /entity/history; default the newest 50). */
  audit: AuditRecord[];
  /** Present when older audit records exist: the `offset` of the next page. */
  nextOffset?: number;
  errors: DeployClusterError[];
}

/** The drift of the instance in one cluster, as just checked. @public */
export interface ClusterDrift {
  cluster: string;
  /** Absent when the instance has no revision in this cluster (not deployed: nothing to compare). */
  drift?: DriftState;
}

/** POST /entity/drift: a dry-run drift check of the entity's instances, now. @public */
export interface EntityDriftCheck {
  entityRef: string;
  status: EntityStatus;
  clusters: ClusterDrift[];
  errors: DeployClusterError[];
}

/** One module on the platform page (GET /modules). @public */
export interface ModuleInfo {
  name: string;
  title?: string;
  description?: string;
  kind: 'local' | 'oci';
  /** Directory or `oci://host/repository`. */
  location: string;
  /** CUE module name from cue.mod/module.cue (local modules). */
  moduleName?: string;
  versions: string[];
  /** Schema of the newest version. */
  schema?: ValuesJsonSchema;
  error?: string;
}
