/** Timoni's instance storage format: the instance record, the Secret `timoni.<name>` that holds it, and decoding either. */
import { KubernetesObject } from '@kubernetes/client-node';
import {
  InstanceRecord,
  InventoryEntry,
  ModuleReference,
} from '@periscope/backstage-plugin-module-deploy-common';

/** Timoni's field manager and storage prefix (`apiv1.FieldManager`). */
export const TIMONI_FIELD_MANAGER = 'timoni';
/** Secret type of Timoni's instance storage. */
export const INSTANCE_SECRET_TYPE = 'timoni.sh/instance';
/** Data key of the instance JSON in the storage Secret. */
export const INSTANCE_DATA_KEY = 'instance';

/** A Secret as the storage reads and writes it. */
export interface SecretObject extends KubernetesObject {
  type?: string;
  data?: Record<string, string>;
}

/** Name of the Secret Timoni stores an instance in. */
export function instanceSecretName(name: string): string {
  return `${TIMONI_FIELD_MANAGER}.${name}`;
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
