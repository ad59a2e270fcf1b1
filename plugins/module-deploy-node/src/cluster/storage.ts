import { gunzipSync, gzipSync } from 'node:zlib';
import {
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import {
  ApplySet,
  InstanceRecord,
  InventoryEntry,
  JsonObject,
  ModuleReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { DeployError, httpStatus, toDeployError } from '../errors';
import { RawObjectApi } from './kubeApi';

/** Timoni's field manager and storage prefix (`apiv1.FieldManager`). */
export const TIMONI_FIELD_MANAGER = 'timoni';
/** Secret type of Timoni's instance storage. */
export const INSTANCE_SECRET_TYPE = 'timoni.sh/instance';
/** Data key of the instance JSON in the storage Secret. */
export const INSTANCE_DATA_KEY = 'instance';
/** Secret type of Periscope's revision history (Timoni keeps none). */
export const HISTORY_SECRET_TYPE = 'periscope/instance-history';
/** Revisions kept in the history Secret. */
export const HISTORY_LIMIT = 10;
const HISTORY_MAX_BYTES = 900 * 1024;

interface SecretObject extends KubernetesObject {
  type?: string;
  data?: Record<string, string>;
}

/** Name of the Secret Timoni stores an instance in. */
export function instanceSecretName(name: string): string {
  return `${TIMONI_FIELD_MANAGER}.${name}`;
}

/** Name of the Secret Periscope stores an instance's revision history in. */
export function historySecretName(name: string): string {
  return `periscope-history.${name}`;
}

/**
 * Builds the instance Secret exactly as Timoni's StorageManager does: name `timoni.<name>`,
 * type `timoni.sh/instance`, labels `app.kubernetes.io/{name,component,created-by}`, the
 * instance JSON under `instance`. The record's annotations (Periscope's owner entity) go on the
 * Secret too.
 *
 * @public
 */
export function instanceSecret(record: InstanceRecord): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: instanceSecretName(record.metadata.name),
      namespace: record.metadata.namespace,
      ...(record.metadata.annotations &&
      Object.keys(record.metadata.annotations).length
        ? { annotations: { ...record.metadata.annotations } }
        : {}),
      labels: {
        ...(record.metadata.labels ?? {}),
        'app.kubernetes.io/name': record.metadata.name,
        'app.kubernetes.io/component': 'instance',
        'app.kubernetes.io/created-by': TIMONI_FIELD_MANAGER,
      },
    },
    type: INSTANCE_SECRET_TYPE,
    data: {
      [INSTANCE_DATA_KEY]: Buffer.from(JSON.stringify(record)).toString(
        'base64',
      ),
    },
  };
}

/**
 * Builds the instance record (Timoni `apiv1.Instance`).
 *
 * @public
 */
export function instanceRecord(args: {
  name: string;
  namespace: string;
  module: ModuleReference;
  valuesCue: string;
  inventory: InventoryEntry[];
  images: string[];
  now?: Date;
  /** Instance labels, e.g. `bundle.timoni.sh/name` for bundle instances. */
  labels?: Record<string, string>;
  /** Instance annotations, e.g. Periscope's `periscope.dev/owner-entity`. */
  annotations?: Record<string, string>;
}): InstanceRecord {
  return {
    kind: 'Instance',
    apiVersion: 'timoni.sh/v1alpha1',
    metadata: {
      name: args.name,
      namespace: args.namespace,
      ...(args.labels && Object.keys(args.labels).length
        ? { labels: args.labels }
        : {}),
      ...(args.annotations && Object.keys(args.annotations).length
        ? { annotations: args.annotations }
        : {}),
    },
    module: args.module,
    values: args.valuesCue,
    lastTransitionTime: (args.now ?? new Date())
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    inventory: { entries: args.inventory },
    ...(args.images.length ? { images: args.images } : {}),
  };
}

/**
 * Decodes an instance Secret (written by Timoni or Periscope).
 *
 * @public
 */
export function decodeInstanceSecret(secret: SecretObject): InstanceRecord {
  const ref = `Secret/${secret.metadata?.namespace}/${secret.metadata?.name}`;
  const raw = secret.data?.[INSTANCE_DATA_KEY];
  if (!raw)
    throw new Error(
      `instance data not found in ${ref} (no '${INSTANCE_DATA_KEY}' key)`,
    );
  try {
    const rec = JSON.parse(
      Buffer.from(raw, 'base64').toString('utf8'),
    ) as InstanceRecord;
    if (!rec.metadata?.name) throw new Error('metadata.name missing');
    return rec;
  } catch (e) {
    throw new Error(
      `invalid instance found in ${ref}: ${(e as Error).message}`,
    );
  }
}

/**
 * One stored revision of an instance.
 *
 * @public
 */
export interface Revision {
  revision: number;
  appliedAt: string;
  action: 'apply' | 'rollback';
  module: ModuleReference;
  values: JsonObject;
  valuesCue: string;
  inventory: InventoryEntry[];
  images: string[];
  sets: ApplySet[];
}

/** Serialized history: revisions without their objects, objects gzip+base64 per revision. */
interface StoredRevision extends Omit<Revision, 'sets'> {
  manifests: string;
}

function encodeRevision(r: Revision): StoredRevision {
  const { sets, ...rest } = r;
  return {
    ...rest,
    manifests: gzipSync(Buffer.from(JSON.stringify(sets))).toString('base64'),
  };
}

function decodeRevision(s: StoredRevision): Revision {
  const { manifests, ...rest } = s;
  return {
    ...rest,
    sets: JSON.parse(
      gunzipSync(Buffer.from(manifests, 'base64')).toString('utf8'),
    ) as ApplySet[],
  };
}

/**
 * Attempts of {@link InstanceStore.record} before it gives up on a contended history (enough for
 * as many writers at once: each conflict means another writer got its number).
 *
 * @public
 */
export const RECORD_ATTEMPTS = 10;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Exponential backoff with jitter, 20 ms .. 1 s, so writers that collided spread out. */
function backoffMs(attempt: number): number {
  const cap = Math.min(1000, 20 * 2 ** attempt);
  return Math.floor(cap / 2 + Math.random() * (cap / 2));
}

/** The revisions a history Secret holds, oldest first; a clear error when it is corrupt. */
function decodeHistory(
  s: SecretObject | undefined,
  name: string,
  namespace: string,
): Revision[] {
  const raw = s?.data?.history;
  if (!raw) return [];
  try {
    const stored = JSON.parse(
      Buffer.from(raw, 'base64').toString('utf8'),
    ) as StoredRevision[];
    if (!Array.isArray(stored)) throw new Error('not a list of revisions');
    return stored.map(decodeRevision);
  } catch (e) {
    throw new DeployError(
      `Secret/${namespace}/${historySecretName(name)}`,
      'invalid',
      `the revision history of instance ${namespace}/${name} is corrupt (${
        (e as Error).message
      }): delete this Secret to start a new history (the instance itself, in Secret ${instanceSecretName(
        name,
      )}, is kept), e.g. kubectl -n ${namespace} delete secret ${historySecretName(
        name,
      )}`,
    );
  }
}

/** The history Secret's `history` value: the last {@link HISTORY_LIMIT}, under the size limit. */
function encodeHistory(revisions: Revision[]): string {
  let stored = revisions.slice(-HISTORY_LIMIT).map(encodeRevision);
  let data = Buffer.from(JSON.stringify(stored)).toString('base64');
  while (data.length > HISTORY_MAX_BYTES && stored.length > 1) {
    stored = stored.slice(1);
    data = Buffer.from(JSON.stringify(stored)).toString('base64');
  }
  return data;
}

/**
 * Reads and writes instance state in the cluster.
 *
 * @public
 */
export class InstanceStore {
  private readonly api: RawObjectApi;

  constructor(api: KubernetesObjectApi, private readonly fieldManager: string) {
    this.api = RawObjectApi.wrap(api);
  }

  private async readSecret(
    name: string,
    namespace: string,
  ): Promise<SecretObject | undefined> {
    try {
      return (await this.api.read<SecretObject>({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
      })) as SecretObject;
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw toDeployError(`Secret/${namespace}/${name}`, 'read', e);
    }
  }

  private async applySecret(secret: SecretObject): Promise<void> {
    try {
      await this.api.patch(
        secret,
        undefined,
        undefined,
        this.fieldManager,
        true,
        PatchStrategy.ServerSideApply,
      );
    } catch (e) {
      throw toDeployError(
        `Secret/${secret.metadata?.namespace}/${secret.metadata?.name}`,
        'store',
        e,
      );
    }
  }

  /** The instance Timoni or Periscope stored, or undefined. */
  async get(
    name: string,
    namespace: string,
  ): Promise<InstanceRecord | undefined> {
    const s = await this.readSecret(instanceSecretName(name), namespace);
    return s ? decodeInstanceSecret(s) : undefined;
  }

  /** Instances in a namespace (all namespaces when omitted), selected like `timoni list`. */
  async list(
    namespace?: string,
    labelSelector?: string,
  ): Promise<InstanceRecord[]> {
    const res = await this.api.list<SecretObject>(
      'v1',
      'Secret',
      namespace,
      undefined,
      undefined,
      undefined,
      `type=${INSTANCE_SECRET_TYPE}`,
      `app.kubernetes.io/component=instance,app.kubernetes.io/created-by=timoni${
        labelSelector ? `,${labelSelector}` : ''
      }`,
    );
    // oldest first, as Timoni orders them (bundle delete walks the list backwards)
    const created = (s: SecretObject) =>
      String(s.metadata?.creationTimestamp ?? '');
    return [...res.items]
      .sort((a, b) => created(a).localeCompare(created(b)))
      .map(decodeInstanceSecret);
  }

  /** Stores the instance record (server-side apply, forced, like Timoni). */
  async put(record: InstanceRecord): Promise<void> {
    await this.applySecret(instanceSecret(record));
  }

  /** Deletes the instance record and the history; missing ones are fine. */
  async delete(name: string, namespace: string): Promise<void> {
    for (const secretName of [
      instanceSecretName(name),
      historySecretName(name),
    ]) {
      try {
        await this.api.delete({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: secretName, namespace },
        });
      } catch (e) {
        if (httpStatus(e) !== 404)
          throw toDeployError(`Secret/${namespace}/${secretName}`, 'delete', e);
      }
    }
  }

  /** Revisions, oldest first. */
  async history(name: string, namespace: string): Promise<Revision[]> {
    const s = await this.readSecret(historySecretName(name), namespace);
    return decodeHistory(s, name, namespace);
  }

  /**
   * Appends a revision, keeping the last {@link HISTORY_LIMIT} and under the Secret size limit.
   *
   * Safe when several writers (two backend replicas, a CLI) deploy the same instance at once:
   * optimistic concurrency on the history Secret. A first revision is created (POST), so a
   * concurrent first one gets 409 AlreadyExists; a later one replaces the Secret read at its
   * `resourceVersion` (PUT), so a concurrent one gets 409 Conflict. Either way the history is read
   * again and the next number taken, up to {@link RECORD_ATTEMPTS} times; every writer gets a
   * distinct revision number and none overwrites another's revision.
   */
  async record(
    name: string,
    namespace: string,
    rev: Omit<Revision, 'revision'>,
  ): Promise<Revision> {
    const secretName = historySecretName(name);
    const ref = `Secret/${namespace}/${secretName}`;
    let lastConflict = '';
    for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt));
      const current = await this.readSecret(secretName, namespace);
      const past = decodeHistory(current, name, namespace);
      const revision = (past[past.length - 1]?.revision ?? 0) + 1;
      const full: Revision = { ...rev, revision };
      const data = encodeHistory([...past, full]);
      const labels = {
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/component': 'instance-history',
        'app.kubernetes.io/created-by': 'periscope',
      };
      try {
        if (!current) {
          await this.api.create(
            {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: secretName, namespace, labels },
              type: HISTORY_SECRET_TYPE,
              data: { history: data },
            } as SecretObject,
            undefined,
            undefined,
            this.fieldManager,
          );
        } else {
          // the Secret as read (other labels and annotations kept), at the version read
          const { managedFields: _managed, ...metadata } =
            current.metadata ?? {};
          await this.api.replace(
            {
              ...current,
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: {
                ...metadata,
                name: secretName,
                namespace,
                labels: { ...metadata.labels, ...labels },
                resourceVersion: current.metadata?.resourceVersion,
              },
              data: { ...current.data, history: data },
            } as SecretObject,
            undefined,
            undefined,
            this.fieldManager,
          );
        }
        return full;
      } catch (e) {
        // 409: AlreadyExists (another writer created it first) or Conflict (it changed since
        // the read); read again and take the next number
        if (httpStatus(e) !== 409) throw toDeployError(ref, 'store', e);
        lastConflict = (e as Error).message;
      }
    }
    throw new DeployError(
      ref,
      'conflict',
      `could not record the revision of instance ${namespace}/${name}: the revision history changed under every one of ${RECORD_ATTEMPTS} attempts (other deploys of the same instance at the same time; last: ${lastConflict}). The objects were applied; deploy again to record a revision, or deploy one instance from one place at a time`,
    );
  }
}
