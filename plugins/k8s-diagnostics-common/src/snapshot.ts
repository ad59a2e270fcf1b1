import { KubeEvent } from './kinds';
import { ClusterSnapshot, KubeObject } from './model';

/**
 * Kinds that have no namespace. For these, `metadata.namespace` is ignored (as the API server
 * does) and the namespace filter does not apply.
 *
 * @public
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Node',
  'Namespace',
  'PersistentVolume',
  'StorageClass',
  'IngressClass',
  'GatewayClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'PriorityClass',
  'RuntimeClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'CertificateSigningRequest',
  'ClusterCatalog',
  'ClusterExtension',
]);

/** Whether an object is cluster-scoped (known cluster-scoped kind, or no namespace). */
export function isClusterScoped(obj: KubeObject): boolean {
  return CLUSTER_SCOPED_KINDS.has(obj.kind) || !obj.metadata?.namespace;
}

/** The namespace an object lives in ('' when cluster-scoped). */
export function namespaceOf(obj: KubeObject): string {
  return CLUSTER_SCOPED_KINDS.has(obj.kind)
    ? ''
    : obj.metadata?.namespace ?? '';
}

/**
 * Groups objects by kind into a {@link ClusterSnapshot}.
 *
 * @public
 */
export function createSnapshot(
  objects: KubeObject[],
  extras: Omit<ClusterSnapshot, 'objects'> = {},
): ClusterSnapshot {
  const byKind: Record<string, KubeObject[]> = {};
  for (const obj of objects) {
    (byKind[obj.kind] ??= []).push(obj);
  }
  return { ...extras, objects: byKind };
}

function eventTime(e: KubeEvent): number {
  const t =
    e.lastTimestamp ??
    e.deprecatedLastTimestamp ??
    e.series?.lastObservedTime ??
    e.eventTime ??
    undefined;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** The object an event is about (core/v1 `involvedObject` or events.k8s.io `regarding`). */
export function eventSubject(e: KubeEvent): {
  kind?: string;
  name?: string;
  namespace?: string;
} {
  return e.involvedObject ?? e.regarding ?? {};
}

/** An event's message (core/v1 `message` or events.k8s.io `note`). */
export function eventMessage(e: KubeEvent): string {
  return e.message ?? e.note ?? '';
}

/** An event's time as ISO text, when it has one. */
export function eventTimestamp(e: KubeEvent): string | undefined {
  const ms = eventTime(e);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * Lookup structures over a snapshot, built once per analysis: objects by kind and namespace,
 * by kind+namespace+name, and events by the name of the object they are about.
 */
export class SnapshotIndex {
  readonly snapshot: ClusterSnapshot;
  private readonly byName = new Map<string, KubeObject>();
  private readonly byNamespace = new Map<string, Map<string, KubeObject[]>>();
  private eventsByName?: Map<string, KubeEvent[]>;
  private readonly latestCache = new Map<string, KubeEvent | undefined>();
  /** With `partialEvents`: the namespaces holding every event; else undefined. */
  private readonly allEventsIn?: ReadonlySet<string>;
  /**
   * With `partialEvents`: the namespaces holding their warning events beyond `allEventsIn`
   * (undefined: every namespace does).
   */
  private readonly warningsIn?: ReadonlySet<string>;
  private readonly missingWarnings = new Set<string>();
  private readonly missingEvents = new Set<string>();

  constructor(snapshot: ClusterSnapshot) {
    this.snapshot = snapshot;
    if (snapshot.partialEvents) {
      this.allEventsIn = new Set(snapshot.partialEvents.allTypesIn);
      if (snapshot.partialEvents.elsewhere === 'none')
        this.warningsIn = new Set(snapshot.partialEvents.warningsIn ?? []);
    }
    for (const [kind, list] of Object.entries(snapshot.objects)) {
      const nsMap = new Map<string, KubeObject[]>();
      for (const obj of list ?? []) {
        const ns = namespaceOf(obj);
        const name = obj.metadata?.name ?? '';
        const k = key(kind, ns, name);
        if (!this.byName.has(k)) this.byName.set(k, obj);
        let arr = nsMap.get(ns);
        if (!arr) nsMap.set(ns, (arr = []));
        arr.push(obj);
      }
      this.byNamespace.set(kind, nsMap);
    }
  }

  /** Every object of a kind. */
  all<T extends KubeObject = KubeObject>(kind: string): T[] {
    return (this.snapshot.objects[kind] ?? []) as T[];
  }

  /** Objects of a kind in one namespace. */
  inNamespace<T extends KubeObject = KubeObject>(
    kind: string,
    namespace: string,
  ): T[] {
    return (this.byNamespace.get(kind)?.get(namespace) ?? []) as T[];
  }

  /** One object by kind, namespace ('' for cluster-scoped kinds) and name. */
  get<T extends KubeObject = KubeObject>(
    kind: string,
    namespace: string,
    name: string,
  ): T | undefined {
    const ns = CLUSTER_SCOPED_KINDS.has(kind) ? '' : namespace;
    return this.byName.get(key(kind, ns, name)) as T | undefined;
  }

  /** Whether a kind was part of the input at all (even with zero objects). */
  hasKind(kind: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.snapshot.objects, kind);
  }

  private events(): Map<string, KubeEvent[]> {
    if (!this.eventsByName) {
      const m = new Map<string, KubeEvent[]>();
      for (const e of this.all<KubeEvent>('Event')) {
        const subject = eventSubject(e);
        const ns = e.metadata?.namespace ?? subject.namespace ?? '';
        const k = key(ns, subject.name ?? '');
        let arr = m.get(k);
        if (!arr) m.set(k, (arr = []));
        arr.push(e);
      }
      this.eventsByName = m;
    }
    return this.eventsByName;
  }

  /**
   * Events in a namespace whose subject has this name, in input order. Like k8sgpt's field
   * selector `involvedObject.name=<name>`, the subject's kind is not compared.
   */
  eventsNamed(namespace: string, name: string): KubeEvent[] {
    // Events of a live cluster always have a namespace: '' finds none with or without Normal ones.
    if (this.allEventsIn && namespace && !this.allEventsIn.has(namespace))
      this.missingEvents.add(namespace);
    return this.events().get(key(namespace, name)) ?? [];
  }

  /** Like {@link SnapshotIndex.eventsNamed}, only the events whose type is not `Normal`. */
  warningEventsNamed(namespace: string, name: string): KubeEvent[] {
    if (
      this.allEventsIn &&
      this.warningsIn &&
      namespace &&
      !this.allEventsIn.has(namespace) &&
      !this.warningsIn.has(namespace)
    ) {
      this.missingWarnings.add(namespace);
    }
    return (this.events().get(key(namespace, name)) ?? []).filter(
      e => e.type !== 'Normal',
    );
  }

  /**
   * With `partialEvents`: the namespaces whose Normal events were looked up (by
   * {@link SnapshotIndex.eventsNamed} and what uses it), or with `elsewhere: 'none'` any
   * events, but are not in the snapshot.
   */
  eventsNeeded(): string[] {
    return [...this.missingEvents].sort();
  }

  /**
   * With `partialEvents` and `elsewhere: 'none'`: the namespaces whose warning events were
   * looked up ({@link SnapshotIndex.warningEventsNamed}) but are not in the snapshot, less those
   * of {@link SnapshotIndex.eventsNeeded}.
   */
  warningEventsNeeded(): string[] {
    return [...this.missingWarnings]
      .filter(ns => !this.missingEvents.has(ns))
      .sort();
  }

  /** k8sgpt's `FetchLatestEvent`: the newest such event, the first one winning ties. */
  latestEvent(namespace: string, name: string): KubeEvent | undefined {
    const k = key(namespace, name);
    if (this.latestCache.has(k)) return this.latestCache.get(k);
    let latest: KubeEvent | undefined;
    let latestTime = -Infinity;
    for (const e of this.eventsNamed(namespace, name)) {
      const t = eventTime(e);
      if (!latest || t > latestTime) {
        latest = e;
        latestTime = t;
      }
    }
    this.latestCache.set(k, latest);
    return latest;
  }

  /** Events about exactly this object (kind, namespace and name), newest first. */
  eventsAbout(kind: string, namespace: string, name: string): KubeEvent[] {
    return this.eventsNamed(namespace, name)
      .filter(e => {
        const s = eventSubject(e);
        return !s.kind || s.kind === kind;
      })
      .sort((a, b) => eventTime(b) - eventTime(a));
  }
}
