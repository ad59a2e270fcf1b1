/**
 * Deletes: the instance and all its objects removed cluster by cluster after the name is
 * confirmed, and the name given up in each cluster (another entity may then deploy it).
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { ClusterResult } from '../../types';
import { locationIn } from './owners';
import { OperationParts } from './parts';
import { Resolved } from './rollout';
import { StreamSink } from './types';

/** The delete of `r` by the caller of `credentials`: `confirm` must equal the instance name. */
export function deleteOperation(
  parts: OperationParts,
  r: Resolved,
  credentials: BackstageCredentials,
) {
  const { ctx, owners, rollout } = parts;
  const { engine, store, kc } = ctx;
  const { target: t } = r;
  return async (
    confirm: string,
    sink: StreamSink,
  ): Promise<ClusterResult[]> => {
    if (confirm !== t.instanceName) {
      throw new InputError(
        `confirm is '${confirm}': type the instance name '${t.instanceName}' to delete it and all its objects`,
      );
    }
    await owners.checkOwners(t, t.clusters, 'delete');
    return rollout(r, 'delete', credentials, sink, async (c, onEvent) => {
      const exists = await owners.guardOwner(t, c, 'delete');
      if (!exists) {
        if (t.entityRef)
          await store.releaseOwner(locationIn(t, c.name), t.entityRef);
        return {
          result: {
            cluster: c.name,
            status: 'skipped',
            message: `no instance ${t.namespace}/${t.instanceName} in this cluster`,
          },
        };
      }
      const deleted = await engine.delete(t.instanceName, t.namespace, kc(c), {
        onEvent,
      });
      // the name is free again: another entity may deploy an instance of that name here
      if (t.entityRef)
        await store.releaseOwner(locationIn(t, c.name), t.entityRef);
      return {
        result: {
          cluster: c.name,
          status: 'deleted',
          message: `${deleted.length} objects deleted`,
        },
      };
    });
  };
}
