/**
 * Rollbacks: a stored revision (default: the one before the current) re-applied as stored, in
 * every target cluster or the one named; for `POST /instances/rollback` the revision must exist
 * before anything is applied.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { sensitiveStrings } from '@periscope/backstage-plugin-module-deploy-common';
import { fanOutClusters } from '@periscope/kube-access';
import { ClusterResult } from '../../types';
import { applyOptions, DeployContext } from './context';
import { storedValues } from './instanceValues';
import { ownerAnnotations } from './owners';
import { OperationParts } from './parts';
import { Resolved } from './rollout';
import { narrowTo } from './targets';
import { StreamSink } from './types';

/**
 * For a rollback that must find what it rolls back (`POST /instances/rollback`): a NotFoundError,
 * before anything is applied, naming each target cluster that has no revision history of the
 * instance or does not keep `revision`. A cluster that cannot be read is left to the rollout.
 */
export async function requireRevision(
  ctx: DeployContext,
  r: Resolved,
  revision: number | undefined,
) {
  const { engine, kc, timeoutMs } = ctx;
  const t = r.target;
  const { results } = await fanOutClusters(
    r.clusters,
    (c, signal) => engine.history(t.instanceName, t.namespace, kc(c, signal)),
    { timeoutMs },
  );
  const missing = results.flatMap(({ cluster, value }) => {
    if (!value.length)
      return [
        `cluster '${cluster}' has no instance '${t.instanceName}' in namespace '${t.namespace}' with a revision history (was it deployed through Periscope, under this name?)`,
      ];
    if (revision === undefined && value.length < 2)
      return [`cluster '${cluster}' keeps only revision ${value[0].revision}`];
    if (revision !== undefined && !value.some(h => h.revision === revision))
      return [
        `cluster '${cluster}' does not keep revision ${revision} (kept: ${value
          .map(h => h.revision)
          .join(', ')})`,
      ];
    return [];
  });
  if (missing.length)
    throw new NotFoundError(
      `cannot roll back instance '${t.instanceName}' in namespace '${
        t.namespace
      }'${
        revision === undefined ? '' : ` to revision ${revision}`
      }: ${missing.join('; ')}; nothing was applied`,
    );
}

/** The rollback of `r` by the caller of `credentials`: owners checked first. */
export function rollbackOperation(
  parts: OperationParts,
  r: Resolved,
  credentials: BackstageCredentials,
) {
  const { ctx, owners, values: instanceValues, rollout } = parts;
  const { engine, kc } = ctx;
  const { target: t } = r;
  return async (
    {
      revision,
      cluster,
      mustExist,
    }: { revision?: number; cluster?: string; mustExist?: boolean },
    sink: StreamSink,
  ): Promise<ClusterResult[]> => {
    const sub = narrowTo(r, cluster);
    await owners.checkOwners(t, sub.target.clusters, 'roll back');
    if (mustExist) await requireRevision(ctx, sub, revision);
    const schema = await instanceValues.schemaOf(t);
    const inPlay = new Set<string>();
    return rollout(
      sub,
      'rollback',
      credentials,
      sink,
      async (c, onEvent) => {
        const exists = await owners.guardOwner(t, c, 'roll back');
        const history = await engine.history(
          t.instanceName,
          t.namespace,
          kc(c),
        );
        for (const h of history)
          for (const v of sensitiveStrings(h.values, schema)) inPlay.add(v);
        const wanted = revision ?? history[history.length - 2]?.revision;
        const rev = history.find(h => h.revision === wanted);
        if (exists && rev)
          await owners.claim(t, c.name, credentials, 'roll back');
        // the revision's objects are re-applied as stored: sensitive values included
        const result = await engine.rollback(
          t.instanceName,
          t.namespace,
          revision,
          kc(c),
          { ...applyOptions(ctx, onEvent), annotations: ownerAnnotations(t) },
        );
        return {
          result: {
            cluster: c.name,
            status: 'healthy',
            revision: result.revision,
            message: `rolled back to revision ${wanted}`,
          },
          values: storedValues(t, rev?.values, schema),
          module: rev?.module,
        };
      },
      inPlay,
    );
  };
}
