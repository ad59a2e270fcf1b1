/**
 * The deploy service assembled from its parts: entity lookups, owner checks, values, instance
 * states, history, drift checks, and the operations (preview, deploy, rollback, delete).
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { createDeployContext, DeployServiceDeps } from './context';
import { deleteOperation } from './delete';
import { deployOperation } from './deploy';
import { createDriftChecks } from './driftChecks';
import { createEntityLookups } from './entities';
import { createHistory } from './history';
import { createInstances } from './instances';
import { createInstanceValues } from './instanceValues';
import { createOwnerChecks } from './owners';
import { OperationParts } from './parts';
import { createPreflight } from './preflight';
import { emptyPreview, previewOperation } from './preview';
import { rollbackOperation } from './rollback';
import { createRollout, Resolved } from './rollout';
import { DeployService, PreparedOperation } from './types';

export type { DeployServiceDeps } from './context';

/**
 * Creates the deploy service: every method checks its permission on the entity (so
 * conditional policies such as `isEntityOwner` apply) before touching a cluster.
 * @public
 */
export function createDeployService(deps: DeployServiceDeps): DeployService {
  const ctx = createDeployContext(deps);
  const owners = createOwnerChecks(ctx);
  const entities = createEntityLookups(ctx);
  const values = createInstanceValues(ctx, { owners, entities });
  const instances = createInstances(ctx, { entities, owners });
  const history = createHistory(ctx, { entities, owners, values });
  const drift = createDriftChecks(ctx, { entities, owners, values });

  const runRollout = createRollout({
    store: ctx.store,
    logger: ctx.logger,
    auditor: ctx.auditor,
  });
  /**
   * A rollout (deploy, rollback, delete), then the state of its clusters read again and stored
   * before its stream ends: the tab's reload after it shows the result without reading a cluster.
   */
  const rollout: typeof runRollout = async (r, ...rest) => {
    const results = await runRollout(r, ...rest);
    await instances.states.record(r.target, r.clusters);
    return results;
  };
  const parts: OperationParts = {
    ctx,
    owners,
    values,
    preflight: createPreflight(ctx),
    rollout,
  };

  // every operation checks the owners first: a refusal is a plain 409, nothing is contacted
  const operation = (
    r: Resolved,
    credentials: BackstageCredentials,
  ): PreparedOperation => ({
    preview: previewOperation(parts, r),
    deploy: deployOperation(parts, r, credentials),
    rollback: rollbackOperation(parts, r, credentials),
    delete: deleteOperation(parts, r, credentials),
  });

  return {
    getEntity: instances.getEntity,
    getSchema: values.getSchema,
    async preview({ entityRef, values: submitted, credentials, requestAuth }) {
      const r = await entities.readEntity(entityRef, credentials, requestAuth);
      if (r.status !== 'ok') return emptyPreview(r.status);
      return operation(r, credentials).preview(submitted);
    },
    async prepareDeploy({ entityRef, credentials, requestAuth }) {
      const r = await entities.applyEntity(entityRef, credentials, requestAuth);
      return operation(r, credentials);
    },
    async prepareTarget({ target, credentials, permission, requestAuth }) {
      const r = await entities.resolveTarget(
        target,
        permission,
        credentials,
        requestAuth,
      );
      return operation(r, credentials);
    },
    history,
    checkEntityDrift: drift.checkEntityDrift,
    refreshInstanceStates: instances.refreshInstanceStates,
    checkDrift: drift.checkDrift,
  };
}
