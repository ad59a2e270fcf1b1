/**
 * Deploys: submitted values rendered once, refused before anything is applied when invalid or
 * blocked by the preflight, then applied cluster by cluster, each claiming the instance.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  JsonObject,
  scrubSecrets,
  sensitiveStrings,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ClusterResult } from '../../types';
import { applyOptions } from './context';
import { storedValues } from './instanceValues';
import { ownerAnnotations } from './owners';
import { OperationParts } from './parts';
import { engineInput, renderTarget } from './render';
import { Resolved } from './rollout';
import { StreamSink } from './types';

/** The deploy of `r` by the caller of `credentials`: owners checked first. */
export function deployOperation(
  parts: OperationParts,
  r: Resolved,
  credentials: BackstageCredentials,
) {
  const { ctx, owners, values: instanceValues, preflight, rollout } = parts;
  const { engine, kc } = ctx;
  const { target: t } = r;
  return async (
    values: JsonObject,
    rawSink: StreamSink,
    opts: { changeMessage?: string } = {},
  ): Promise<ClusterResult[]> => {
    await owners.checkOwners(t, t.clusters, 'deploy');
    const { schema, overlay, secrets } = await instanceValues.prepareValues(
      r,
      values,
    );
    const inPlay = new Set(secrets);
    const sink: StreamSink = e => rawSink(scrubSecrets(e, [...inPlay]));
    const rendered = await renderTarget(engine, t, overlay);
    if (!rendered.ok) {
      sink({
        type: 'invalid',
        message: rendered.error.message,
        issues: rendered.error.issues,
      });
      sink({ type: 'done', ok: false, results: [] });
      return [];
    }
    for (const v of sensitiveStrings(rendered.values, schema)) inPlay.add(v);
    await preflight.refuseBlocked(r, rendered.result, inPlay);
    return rollout(
      r,
      'deploy',
      credentials,
      rawSink,
      async (c, onEvent) => {
        await owners.guardOwner(t, c, 'deploy');
        await owners.claim(t, c.name, credentials, 'deploy');
        const { render: out, result } = await engine.apply(
          engineInput(t, overlay),
          kc(c),
          { ...applyOptions(ctx, onEvent), annotations: ownerAnnotations(t) },
        );
        return {
          result: {
            cluster: c.name,
            status: 'healthy',
            revision: result.revision,
            message: `${result.applied.length} applied, ${result.pruned.length} pruned`,
          },
          values: storedValues(t, out.values, schema),
          module: out.module,
        };
      },
      inPlay,
      opts.changeMessage,
    );
  };
}
