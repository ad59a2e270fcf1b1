/**
 * The warnings before a deploy in one cluster (`moduleDeploy.preflight`), and the refusal of a
 * deploy that a check `moduleDeploy.preflight.block` names warns about.
 */
import { ConflictError } from '@backstage/errors';
import {
  DeployWarning,
  scrubSecrets,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ClusterDetails } from '@periscope/kube-access';
import { RenderResult } from '@periscope/backstage-plugin-module-deploy-node';
import { DeployContext, errorMessage } from './context';
import { Resolved } from './rollout';

/** What the preflight found in one cluster. */
export interface ClusterPreflight {
  /** The warnings, each with the cluster's name. */
  warnings: DeployWarning[];
  /** What could not be checked (a kind not listed, a check that failed), as `<cluster>: <why>`. */
  notChecked: string[];
}

/** The preflight of `ctx`'s engine, as `ctx.config.preflight` sets it. */
export function createPreflight(ctx: DeployContext) {
  const { config, engine, logger, kc } = ctx;

  /**
   * The preflight in one cluster (warnings before a deploy, and what it could not check, each
   * note starting with the cluster's name): off when `moduleDeploy.preflight` disables it or the
   * engine has none; a preflight that fails is logged and yields no warnings.
   */
  async function preflightIn(
    c: ClusterDetails,
    rendered: Pick<RenderResult, 'objects' | 'name' | 'namespace'>,
    signal?: AbortSignal,
  ): Promise<ClusterPreflight | undefined> {
    if (!config.preflight.enabled || !engine.preflight) return undefined;
    try {
      const report = await engine.preflight(rendered, kc(c, signal), {
        block: config.preflight.block,
      });
      for (const note of report.notChecked)
        logger.debug(`module-deploy preflight in ${c.name}: ${note}`);
      return {
        warnings: report.warnings.map(w => ({ ...w, cluster: c.name })),
        notChecked: report.notChecked.map(note => `${c.name}: ${note}`),
      };
    } catch (e) {
      logger.warn(
        `module-deploy preflight of ${rendered.namespace}/${rendered.name} in ${
          c.name
        } failed: ${errorMessage(e)}`,
      );
      return { warnings: [], notChecked: [] };
    }
  }

  /**
   * Refuses a deploy (409, before anything is applied in any cluster) whose preflight finds
   * warnings of a check `moduleDeploy.preflight.block` names, in one of the target clusters.
   */
  async function refuseBlocked(
    r: Resolved,
    rendered: RenderResult,
    secrets: Set<string>,
  ): Promise<void> {
    if (!config.preflight.block.length) return;
    const blocking: DeployWarning[] = [];
    for (const c of r.clusters)
      blocking.push(
        ...((await preflightIn(c, rendered))?.warnings ?? []).filter(
          w => w.blocking,
        ),
      );
    if (!blocking.length) return;
    const list = blocking
      .map(w => `${w.cluster}: ${w.analyzer} ${w.object}: ${w.message}`)
      .join('; ');
    throw new ConflictError(
      scrubSecrets(
        `deploy of instance '${r.target.instanceName}' in namespace '${
          r.target.namespace
        }' refused, nothing was applied: ${
          blocking.length
        } warning(s) of the checks moduleDeploy.preflight.block names (${config.preflight.block.join(
          ', ',
        )}): ${list}. Fix the values or create what is missing, then deploy again`,
        [...secrets],
      ),
    );
  }

  return { preflightIn, refuseBlocked };
}

/** What {@link createPreflight} returns. */
export type Preflight = ReturnType<typeof createPreflight>;
