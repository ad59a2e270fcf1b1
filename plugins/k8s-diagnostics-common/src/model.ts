/**
 * Types shared by the analyzers: the input snapshot and the result model.
 */

/**
 * How urgent a failure is.
 *
 * @public
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** All severities, most urgent first. @public */
export const SEVERITIES: readonly Severity[] = [
  'critical',
  'high',
  'medium',
  'low',
  'info',
];

/** @public */
export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

/** @public */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  creationTimestamp?: string;
}

/**
 * Any Kubernetes object, as plain JSON (what `kubectl get -o json` prints).
 *
 * @public
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * What the analyzers read: objects grouped by kind (Event objects included, under `Event`),
 * and optionally container logs for the Log analyzer.
 *
 * @public
 */
export interface ClusterSnapshot {
  /** Objects by `kind` (e.g. `Pod`, `Deployment`, `Event`). */
  objects: Record<string, KubeObject[] | undefined>;
  /** Current container logs, keyed `namespace/pod/container`. */
  logs?: Record<string, string>;
  /** Logs of the previous container instance (after a restart), same keys. */
  previousLogs?: Record<string, string>;
  /** Why fetching the logs of a container failed, same keys. */
  logErrors?: Record<string, string>;
  /**
   * Set when `objects.Event` holds only some events: every event of the namespaces in
   * `allTypesIn`, and elsewhere the ones whose type is not `Normal` (`elsewhere: 'warnings'`,
   * the default) or none (`'none'`; then also the warning events of the namespaces in
   * `warningsIn`): a live scan that reads events only where an analyzer looks them up.
   * {@link AnalysisReport.eventsNeeded} and {@link AnalysisReport.warningEventsNeeded} name the
   * namespaces an analysis needed and did not have. Unset: every event.
   */
  partialEvents?: {
    allTypesIn: string[];
    elsewhere?: 'warnings' | 'none';
    warningsIn?: string[];
  };
  /**
   * Objects that exist outside the snapshot, for input that is not a whole cluster (manifests):
   * the reference checks do not report references to them. An entry without `name` stands for
   * every object of its kind (in `namespace`, when given).
   */
  existsElsewhere?: ExistingObject[];
}

/**
 * An object, or with no `name` every object of a kind (in a namespace, when given), that exists
 * outside a snapshot (see {@link ClusterSnapshot.existsElsewhere}).
 *
 * @public
 */
export interface ExistingObject {
  /** The kind (`ConfigMap`, `Secret`, `StorageClass`...). */
  kind: string;
  /** Its namespace; unset: any namespace (and for cluster-scoped kinds). */
  namespace?: string;
  /** Its name; unset: every object of the kind (in `namespace`, when given). */
  name?: string;
}

/**
 * A string to hide before sending a failure to an AI provider, and its stand-in.
 *
 * @public
 */
export interface SensitiveString {
  unmasked: string;
  masked: string;
}

/** @public */
export interface Failure {
  text: string;
  kubernetesDoc: string;
  sensitive: SensitiveString[];
  severity: Severity;
}

/** An event related to a result's object, newest first. @public */
export interface RelatedEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  lastTimestamp?: string;
}

/** @public */
export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * One analyzed object with at least one failure.
 *
 * @public
 */
export interface AnalysisResult {
  /** The analyzer that produced it (`Pod`, `Log`, `Storage`, ...). */
  analyzer: string;
  /** k8sgpt's result kind (`Pod`, `Storage/PersistentVolume`, ...). */
  kind: string;
  /** k8sgpt's result name: `namespace/name`, or the bare name for cluster-scoped objects. */
  name: string;
  /** The object the failures are about. */
  object: ObjectRef;
  /** The root of the owner chain (e.g. the Deployment owning a Pod via a ReplicaSet), if owned. */
  parentObject?: ObjectRef;
  failures: Failure[];
  /** Events about the object (newest first, at most 10). */
  events: RelatedEvent[];
  /** Names, namespaces and label keys/values found in the failures, for anonymisation. */
  sensitive: string[];
  /** The most urgent severity among the failures. */
  severity: Severity;
}

/**
 * Options of {@link analyze}.
 *
 * @public
 */
export interface AnalyzeOptions {
  /** Analyzer names (k8sgpt `--filter`); default: the core analyzers plus `CustomResource`. */
  filters?: string[];
  /** Only namespaced objects in this namespace (cluster-scoped objects are always analyzed). */
  namespace?: string;
  /** Kubernetes label selector applied to the objects each analyzer lists (`app=x,tier!=db`). */
  selector?: string;
  /** Seed for the masks of sensitive strings; random per call when unset. */
  maskSeed?: string;
  /**
   * `false`: leave each result's `events` empty, for callers that do not show them (k8sgpt's
   * output has none). With `partialEvents` this also spares reading the Normal events of the
   * namespaces of results whose analyzers do not need them. Default true.
   */
  relatedEvents?: boolean;
}

/**
 * The output of {@link analyze}.
 *
 * @public
 */
export interface AnalysisReport {
  results: AnalysisResult[];
  /** Problems that stopped a part of the analysis (never thrown). */
  errors: string[];
  /** The analyzers that ran. */
  analyzers: string[];
  /**
   * Only for a snapshot with `partialEvents`: namespaces whose events (Normal ones, or with
   * `elsewhere: 'none'` any) an analyzer looked up but the snapshot lacks. Read every event of
   * these namespaces into the snapshot (and the warning events of `warningEventsNeeded`) and
   * analyze again; when both are absent the results equal those of a snapshot with every event.
   */
  eventsNeeded?: string[];
  /**
   * Only for a snapshot with `partialEvents` and `elsewhere: 'none'`: namespaces whose warning
   * events an analyzer looked up (the Service analyzer's) but the snapshot lacks, and whose
   * other events no analyzer needs (those are in `eventsNeeded`).
   */
  warningEventsNeeded?: string[];
}
