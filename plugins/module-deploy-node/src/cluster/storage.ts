/** The instance store: reads and writes an instance's Secret and its revision history in the cluster. */
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { InstanceRecord } from '@periscope/backstage-plugin-module-deploy-common';
import { DeployError, httpStatus, toDeployError } from '../errors';
import {
  INSTANCE_SECRET_TYPE,
  SecretObject,
  decodeInstanceSecret,
  instanceSecret,
  instanceSecretName,
} from './instanceSecret';
import { RawObjectApi } from './kubeApi';
import {
  HISTORY_SECRET_TYPE,
  RECORD_ATTEMPTS,
  Revision,
  backoffMs,
  decodeHistory,
  encodeHistory,
  historySecretName,
  sleep,
} from './revisionHistory';

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
