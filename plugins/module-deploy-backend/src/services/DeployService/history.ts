/**
 * An entity's history: the revisions every target cluster keeps (with who deployed each and why,
 * from Periscope's records) and one page of the audit trail, sensitive values masked.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  maskSensitiveValues,
  objectRef,
} from '@periscope/backstage-plugin-module-deploy-common';
import { fanOutClusters } from '@periscope/kube-access';
import { Revision } from '@periscope/backstage-plugin-module-deploy-node';
import { EntityHistory, RevisionInfo } from '../../types';
import { DeployContext } from './context';
import { EntityLookups } from './entities';
import { InstanceValues } from './instanceValues';
import { OwnerChecks } from './owners';

/** The references (`Kind/namespace/name`) of every object a revision applied, set by set. */
export function objectRefs(rev: Revision): string[] {
  return rev.sets.flatMap(s => s.objects.map(objectRef));
}

/** The history reads of `ctx`'s store and clusters. */
export function createHistory(
  ctx: DeployContext,
  parts: {
    entities: EntityLookups;
    owners: OwnerChecks;
    values: InstanceValues;
  },
) {
  const { engine, store, kc, timeoutMs } = ctx;
  const { entities, owners } = parts;

  return async function history({
    entityRef,
    credentials,
    requestAuth,
    auditLimit = 50,
    auditOffset = 0,
  }: {
    entityRef: string;
    credentials: BackstageCredentials;
    requestAuth?: KubernetesRequestAuth;
    auditLimit?: number;
    auditOffset?: number;
  }): Promise<EntityHistory> {
    const r = await entities.readEntity(entityRef, credentials, requestAuth);
    if (r.status !== 'ok')
      return {
        entityRef,
        status: r.status,
        revisions: [],
        audit: [],
        errors: [],
      };
    const [stored, auditRows, schema] = await Promise.all([
      store.listRevisions(entityRef),
      // one more than the page: whether older records exist, without counting them
      store.listAudit(entityRef, auditLimit + 1, auditOffset),
      parts.values.schemaOf(r.target),
    ]);
    /** Who deployed a revision and why, from Periscope's records (absent when deployed elsewhere). */
    const recordedBy = (cluster: string, revision: number) => {
      const s = stored.find(
        x =>
          x.cluster === cluster &&
          x.revision === revision &&
          x.namespace === r.target.namespace,
      );
      return {
        actor: s?.actor,
        ...(s?.changeMessage ? { changeMessage: s.changeMessage } : {}),
      };
    };
    const { results, errors } = await fanOutClusters(
      r.clusters,
      async (c, signal) => {
        await owners.guardOwner(r.target, c, 'deploy');
        return engine.history(
          r.target.instanceName,
          r.target.namespace,
          kc(c, signal),
        );
      },
      { timeoutMs },
    );
    const revisions: RevisionInfo[] = results.flatMap(({ cluster, value }) =>
      value.map((rev, i) => ({
        cluster,
        revision: rev.revision,
        appliedAt: rev.appliedAt,
        action: rev.action,
        module: rev.module,
        values: maskSensitiveValues(rev.values, schema),
        objects: objectRefs(rev),
        ...recordedBy(cluster, rev.revision),
        current: i === value.length - 1,
      })),
    );
    revisions.sort(
      (a, b) =>
        b.appliedAt.localeCompare(a.appliedAt) ||
        a.cluster.localeCompare(b.cluster),
    );
    return {
      entityRef,
      status: 'ok',
      revisions,
      audit: auditRows.slice(0, auditLimit),
      ...(auditRows.length > auditLimit
        ? { nextOffset: auditOffset + auditLimit }
        : {}),
      errors,
    };
  };
}
