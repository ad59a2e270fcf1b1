/**
 * A JSON value as produced by `cue export --out json`.
 *
 * @public
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * A JSON object.
 *
 * @public
 */
export type JsonObject = { [key: string]: JsonValue };

/**
 * A Kubernetes object as rendered by a module.
 *
 * @public
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * One named apply step of a module (`timoni.apply.<name>`), applied in order.
 *
 * @public
 */
export interface ApplySet {
  name: string;
  objects: KubeObject[];
}

/**
 * Reference to the module an instance was built from (Timoni `ModuleReference`).
 *
 * @public
 */
export interface ModuleReference {
  /** Module name from `cue.mod/module.cue`, e.g. `timoni.sh/minimal`. */
  name: string;
  /** `oci://host/repo` for OCI modules, `file://<abs path>` for local directories. */
  repository: string;
  /** Module version (OCI tag or `--module-version`), `0.0.0-devel` when unset. */
  version: string;
  /** OCI manifest digest `sha256:...`, empty for local modules. */
  digest: string;
}

/**
 * Entry of a Timoni inventory: `id` is `<namespace>_<name>_<group>_<Kind>`, `v` the API version.
 *
 * @public
 */
export interface InventoryEntry {
  id: string;
  v: string;
}

/**
 * The instance record Timoni stores as JSON under key `instance` of Secret `timoni.<name>`.
 *
 * @public
 */
export interface InstanceRecord {
  kind: 'Instance';
  apiVersion: 'timoni.sh/v1alpha1';
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    /** Periscope stores the owner entity here (`periscope.dev/owner-entity`). */
    annotations?: Record<string, string>;
    [key: string]: JsonValue | undefined;
  };
  module: ModuleReference;
  /** The user-supplied values, as CUE source (`{ key: value }`). */
  values: string;
  lastTransitionTime?: string;
  inventory?: { entries: InventoryEntry[] };
  images?: string[];
}

/**
 * A validation problem found by CUE, located by field path.
 *
 * @public
 */
export interface ValuesIssue {
  /** Dotted CUE path as CUE reports it, e.g. `timoni.instance.config.replicas`. */
  path: string;
  /** The same path relative to the module values (`replicas`), when it is under the config. */
  valuesPath?: string;
  /** CUE's message, e.g. `invalid value 0 (out of bound >0)`. */
  message: string;
  /** File positions CUE gave, e.g. `./templates/config.cue:58:19`. */
  positions: string[];
}

/**
 * One changed field of an object diff.
 *
 * @public
 */
export interface FieldChange {
  /**
   * JSON path with dots; list items by merge key where the list has one, else by index, e.g.
   * `spec.replicas`, `spec.template.spec.containers[name=app].env[name=LOG_LEVEL].value`,
   * `spec.ports[port=80]` or `spec.template.spec.tolerations[0]`.
   */
  path: string;
  op: 'add' | 'remove' | 'change';
  before?: JsonValue;
  after?: JsonValue;
}

/**
 * What happens to one object.
 *
 * @public
 */
export type ObjectAction = 'create' | 'change' | 'unchanged' | 'prune';

/**
 * The diff of one object between the cluster and the server-side dry run.
 *
 * @public
 */
export interface ObjectDiff {
  /** Inventory id `<namespace>_<name>_<group>_<Kind>`. */
  id: string;
  /** `Kind/namespace/name` (or `Kind/name` for cluster-scoped objects). */
  ref: string;
  apiVersion: string;
  action: ObjectAction;
  changes: FieldChange[];
  /**
   * The live object as compared (server-owned metadata and status left out), when the diff was
   * asked with its objects (a preview's YAML diff); absent for an object to create. A Secret's
   * `data`/`stringData` values are masked, and so are a module's sensitive values.
   */
  live?: JsonObject;
  /** The object the server-side dry run would store, compared and masked as `live`. */
  desired?: JsonObject;
}

/**
 * A progress report of an apply, delete or rollback, for streaming.
 *
 * @public
 */
export interface DeployEvent {
  phase:
    | 'render'
    | 'diff'
    | 'apply'
    | 'wait'
    | 'prune'
    | 'store'
    | 'delete'
    | 'done'
    | 'error';
  /** `Kind/namespace/name` when the event is about one object. */
  object?: string;
  message: string;
  /** Milliseconds since the operation started. */
  elapsedMs: number;
}
