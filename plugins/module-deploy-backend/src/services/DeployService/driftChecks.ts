/**
 * Drift checks of an entity's instances: on demand (limited per user and entity a minute) and
 * scheduled over every annotated entity, with sensitive values masked before anything is stored.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  maskSensitiveDiffs,
  scrubSecrets,
  sensitiveStrings,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ClusterDetails, fanOutClusters } from '@periscope/kube-access';
import { createHash } from 'node:crypto';
import { DeployTarget, EntityDriftCheck } from '../../types';
import { DeployContext, errorMessage } from './context';
import { checkInstanceDrift } from './drift';
import { EntityLookups } from './entities';
import { isClientSide } from './instanceStates';
import { InstanceValues } from './instanceValues';
import { OwnerChecks } from './owners';
import { narrowTo } from './targets';

/** The drift checks on `ctx`'s store and clusters. */
export function createDriftChecks(
  ctx: DeployContext,
  parts: {
    entities: EntityLookups;
    owners: OwnerChecks;
    values: InstanceValues;
  },
) {
  const { config, engine, store, logger, timeoutMs } = ctx;
  const { entities, owners } = parts;

  /** A user's drift checks of one entity are limited per minute (in the store: across replicas). */
  async function takeDriftSlot(
    entityRef: string,
    credentials: BackstageCredentials,
  ) {
    const limit = config.driftChecksPerMinute;
    const principal = credentials.principal as {
      type?: string;
      userEntityRef?: string;
    };
    if (!limit || principal.type !== 'user' || !principal.userEntityRef) return;
    const user = principal.userEntityRef;
    const key = `drift:${createHash('sha256')
      .update(`${user}\n${entityRef}`)
      .digest('hex')
      .slice(0, 40)}`;
    const minute = new Date().toISOString().slice(0, 16);
    if (!(await store.takeRateSlot({ key, minute, limit }))) {
      throw Object.assign(
        new ServiceUnavailableError(
          `too many drift checks: ${user} may check ${entityRef} ${limit} times a minute (moduleDeploy.driftChecksPerMinute); the scheduled check keeps running, try again shortly`,
        ),
        { statusCode: 429 },
      );
    }
  }

  /** Checks drift of an instance this entity owns; sensitive values masked before storing. */
  const drift = async (t: DeployTarget, c: ClusterDetails) => {
    const schema = await parts.values.schemaOf(t);
    return checkInstanceDrift(
      {
        engine,
        store,
        guard: () => owners.guardOwner(t, c, 'deploy'),
        mask: (diff, last, error) => {
          const secrets = sensitiveStrings(last?.values, schema);
          return {
            diff: maskSensitiveDiffs(
              diff,
              last?.sets.flatMap(set => set.objects) ?? [],
              secrets,
            ),
            ...(error !== undefined
              ? { error: scrubSecrets(error, secrets) }
              : {}),
          };
        },
      },
      t,
      c,
    );
  };

  async function checkEntityDrift({
    entityRef,
    credentials,
    requestAuth,
    cluster,
  }: {
    entityRef: string;
    credentials: BackstageCredentials;
    requestAuth?: KubernetesRequestAuth;
    cluster?: string;
  }): Promise<EntityDriftCheck> {
    const r = await entities.readEntity(entityRef, credentials, requestAuth);
    if (r.status !== 'ok')
      return { entityRef, status: r.status, clusters: [], errors: [] };
    const sub = narrowTo(r, cluster);
    await takeDriftSlot(entityRef, credentials);
    const { results, errors } = await fanOutClusters(
      sub.clusters,
      c => drift(r.target, c),
      { timeoutMs: Math.max(timeoutMs, 120_000) },
    );
    return {
      entityRef,
      status: 'ok',
      clusters: results.map(({ cluster: name, value }) => ({
        cluster: name,
        ...(value ? { drift: value } : {}),
      })),
      errors,
    };
  }

  async function checkDrift() {
    let checked = 0;
    let drifted = 0;
    // scheduled: the backend's identity; clusters with client-side auth are checked on demand
    const found = await entities.annotatedTargets({
      job: 'drift',
      include: c => !isClientSide(c),
    });
    for (const { entity, resolved: r } of found) {
      for (const c of r.clusters) {
        let d;
        try {
          d = await drift(r.target, c);
        } catch (e) {
          logger.warn(
            `module-deploy drift: skipping ${entity.metadata.name} in ${
              c.name
            }: ${errorMessage(e)}`,
          );
          continue;
        }
        if (!d || d.error) continue;
        checked++;
        if (d.drifted) drifted++;
      }
    }
    logger.info(
      `module-deploy drift check: ${checked} instance(s) checked, ${drifted} drifted`,
    );
    return { checked, drifted };
  }

  return { checkEntityDrift, checkDrift };
}
