/**
 * Who owns an instance: the refusal of another entity's instance, checked in the database and on
 * the instance in the cluster, and the claim a deploy or rollback makes.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  INSTANCE_ANNOTATION,
  InstanceRecord,
  OWNER_ENTITY_ANNOTATION,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ClusterDetails } from '@periscope/kube-access';
import {
  DeployError,
  instanceSecretName,
} from '@periscope/backstage-plugin-module-deploy-node';
import { DeployTarget } from '../../types';
import { DeployContext } from './context';
import { actorOf } from './rollout';

/** Refusal of an instance another entity owns: which instance, whose, and what to do. */
export function ownerMessage(
  t: Pick<DeployTarget, 'instanceName' | 'namespace'>,
  cluster: string,
  owner: string,
  verb: string,
): string {
  return `instance '${t.instanceName}' in namespace '${t.namespace}' on cluster '${cluster}' belongs to ${owner}; ${verb} it from that entity or choose another instance name (annotation ${INSTANCE_ANNOTATION})`;
}

/** The owner entity recorded on an instance in the cluster (its storage Secret), if any. */
export function recordedOwner(
  rec: InstanceRecord | undefined,
): string | undefined {
  const owner = rec?.metadata.annotations?.[OWNER_ENTITY_ANNOTATION];
  return typeof owner === 'string' && owner ? owner : undefined;
}

/** The instance location of `t` in one cluster. */
export const locationIn = (t: DeployTarget, cluster: string) => ({
  cluster,
  namespace: t.namespace,
  instanceName: t.instanceName,
});

/** Annotations that record the owner entity on the instance in the cluster. */
export const ownerAnnotations = (t: DeployTarget) =>
  t.entityRef ? { [OWNER_ENTITY_ANNOTATION]: t.entityRef } : undefined;

/** The owner checks and the claim, on the store and the clusters of `ctx`. */
export function createOwnerChecks(ctx: DeployContext) {
  const { engine, store, kc } = ctx;

  /**
   * Refuses (409, before any cluster is contacted) when an entity other than the target's owns
   * the instance in one of `clusters`; an explicit target without an entity is refused for
   * every owned instance.
   */
  async function checkOwners(
    t: DeployTarget,
    clusters: string[],
    verb: string,
  ): Promise<void> {
    const refused: string[] = [];
    for (const cluster of clusters) {
      const owner = await store.getOwner(locationIn(t, cluster));
      if (owner && owner.entityRef !== t.entityRef)
        refused.push(ownerMessage(t, cluster, owner.entityRef, verb));
    }
    if (refused.length) throw new ConflictError(refused.join('; '));
  }

  /**
   * Throws when another entity owns the instance in cluster `c`: in the database or, on the
   * instance's storage Secret, in the cluster (another Periscope, or a database restored
   * without it). Returns the instance record when the instance exists.
   */
  async function guardOwner(
    t: DeployTarget,
    c: ClusterDetails,
    verb: string,
  ): Promise<InstanceRecord | undefined> {
    const owner = await store.getOwner(locationIn(t, c.name));
    if (owner && owner.entityRef !== t.entityRef)
      throw new ConflictError(ownerMessage(t, c.name, owner.entityRef, verb));
    const found = (await engine.list(t.namespace, kc(c))).find(
      i => i.metadata.name === t.instanceName,
    );
    const recorded = recordedOwner(found);
    if (recorded && recorded !== t.entityRef)
      throw new DeployError(
        `Secret/${t.namespace}/${instanceSecretName(t.instanceName)}`,
        'conflict',
        `${ownerMessage(
          t,
          c.name,
          recorded,
          verb,
        )} (${OWNER_ENTITY_ANNOTATION} on the instance)`,
      );
    return found;
  }

  /**
   * Records the target's entity as the instance's owner in cluster `cluster` unless one owns it;
   * throws when another entity won the claim. Explicit targets without an entity claim nothing.
   */
  async function claim(
    t: DeployTarget,
    cluster: string,
    credentials: BackstageCredentials,
    verb: string,
  ): Promise<void> {
    if (!t.entityRef) return;
    const owner = await store.claimOwner(
      locationIn(t, cluster),
      t.entityRef,
      actorOf(credentials),
    );
    if (owner.entityRef !== t.entityRef)
      throw new DeployError(
        `instance ${t.namespace}/${t.instanceName}`,
        'conflict',
        ownerMessage(t, cluster, owner.entityRef, verb),
      );
  }

  return { checkOwners, guardOwner, claim };
}

/** What {@link createOwnerChecks} returns. */
export type OwnerChecks = ReturnType<typeof createOwnerChecks>;
