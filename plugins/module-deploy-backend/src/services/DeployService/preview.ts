/**
 * Previews: what submitted values render to and would change in each target cluster, with the
 * warnings before a deploy and what the preflight could not check; every sensitive value in play
 * is scrubbed from the answer.
 */
import {
  JsonObject,
  maskSensitiveDiffs,
  scrubSecrets,
  sensitiveStrings,
} from '@periscope/backstage-plugin-module-deploy-common';
import { fanOutClusters } from '@periscope/kube-access';
import { PreviewResult } from '../../types';
import { OperationParts } from './parts';
import { engineInput, renderTarget } from './render';
import { Resolved } from './rollout';

/** A preview without objects: the entity's status, or the issues of invalid values. */
export function emptyPreview(
  status: PreviewResult['status'],
  issues: PreviewResult['issues'] = [],
): PreviewResult {
  return {
    status,
    valid: issues.length === 0,
    issues,
    rendered: [],
    clusters: [],
    errors: [],
  };
}

/** The preview of `r`: owners checked first (a plain 409, nothing contacted). */
export function previewOperation(parts: OperationParts, r: Resolved) {
  const { ctx, owners, values: instanceValues, preflight } = parts;
  const { engine, kc, timeoutMs } = ctx;
  const { target: t } = r;
  return async (values: JsonObject): Promise<PreviewResult> => {
    await owners.checkOwners(t, t.clusters, 'preview');
    const { schema, overlay, secrets } = await instanceValues.prepareValues(
      r,
      values,
    );
    const rendered = await renderTarget(engine, t, overlay);
    if (!rendered.ok)
      return scrubSecrets(emptyPreview('ok', rendered.error.issues), secrets);
    const { results, errors } = await fanOutClusters(
      r.clusters,
      async (c, signal) => {
        await owners.guardOwner(t, c, 'preview');
        const d = await engine.diff(engineInput(t, overlay), kc(c, signal), {
          objects: true, // live and desired objects, for the Preview's YAML diff
        });
        return {
          ...d,
          preflight: await preflight.preflightIn(c, d.render, signal),
        };
      },
      { timeoutMs: Math.max(timeoutMs, 120_000) },
    );
    const all = [
      ...new Set([...secrets, ...sensitiveStrings(rendered.values, schema)]),
    ];
    return scrubSecrets(
      {
        ...emptyPreview('ok'),
        rendered: rendered.rendered,
        clusters: results.map(x => ({
          cluster: x.cluster,
          objects: maskSensitiveDiffs(x.value.diff, x.value.render.objects, [
            ...all,
            ...sensitiveStrings(x.value.render.values, schema),
          ]),
        })),
        errors,
        ...(results.some(x => x.value.preflight)
          ? {
              warnings: results.flatMap(x => x.value.preflight?.warnings ?? []),
            }
          : {}),
        ...(results.some(x => x.value.preflight?.notChecked.length)
          ? {
              notChecked: results.flatMap(
                x => x.value.preflight?.notChecked ?? [],
              ),
            }
          : {}),
      },
      all,
    );
  };
}
