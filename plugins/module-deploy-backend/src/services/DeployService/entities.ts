/**
 * Which entity a request names and where it deploys: the catalog lookups, the permission checks
 * on the entity (or on a target that names none), and the one catalog query of the scheduled
 * refresh and drift check.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  moduleDeployApplyPermission,
  moduleDeployReadPermission,
} from '@periscope/backstage-plugin-module-deploy-common';
import { authorizeEntity, ClusterDetails } from '@periscope/kube-access';
import { MODULE_ANNOTATION } from '../../types';
import { DeployContext, errorMessage } from './context';
import { Resolved } from './rollout';
import { checkDeclaredTarget, entityTarget, explicitTarget } from './targets';
import { ExplicitTarget } from './types';

/** The entity lookups on the catalog and clusters of `ctx`. */
export function createEntityLookups(ctx: DeployContext) {
  const { config, modules, catalog, permissions, logger } = ctx;

  async function loadEntity(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity)
      throw new NotFoundError(
        `entity '${entityRef}' is not in the catalog (or you may not see it)`,
      );
    return entity;
  }

  async function resolveEntity(
    entityRef: string,
    credentials: BackstageCredentials,
    requestAuth?: KubernetesRequestAuth,
  ) {
    const entity = await loadEntity(entityRef, credentials);
    const clusters = await ctx.clustersFor(requestAuth);
    if (clusters.length === 0)
      return { status: 'not-configured' as const, entity };
    const resolved = entityTarget(entity, {
      clusters,
      config,
      modules,
    });
    if (!resolved) return { status: 'not-annotated' as const, entity };
    return { status: 'ok' as const, entity, ...resolved };
  }

  /** Checks the read permission on the entity, then resolves where it deploys. */
  async function readEntity(
    entityRef: string,
    credentials: BackstageCredentials,
    requestAuth?: KubernetesRequestAuth,
  ) {
    await authorizeEntity(
      permissions,
      moduleDeployReadPermission,
      entityRef,
      credentials,
    );
    return resolveEntity(entityRef, credentials, requestAuth);
  }

  /**
   * Checks the apply permission on the entity, then resolves where it deploys; an entity that
   * cannot deploy (no cluster, no module annotation) is a 400 saying what to add.
   */
  async function applyEntity(
    entityRef: string,
    credentials: BackstageCredentials,
    requestAuth?: KubernetesRequestAuth,
  ): Promise<Resolved> {
    await authorizeEntity(
      permissions,
      moduleDeployApplyPermission,
      entityRef,
      credentials,
    );
    const r = await resolveEntity(entityRef, credentials, requestAuth);
    if (r.status === 'not-configured')
      throw new InputError(
        'no Kubernetes cluster is configured: add clusters to the kubernetes section of app-config.yaml',
      );
    if (r.status === 'not-annotated')
      throw new InputError(
        `entity '${entityRef}' has no ${MODULE_ANNOTATION} annotation: add one naming the module it deploys`,
      );
    return r;
  }

  async function authorizeTarget(
    entityRef: string | undefined,
    permission: 'read' | 'apply',
    credentials: BackstageCredentials,
  ) {
    const perm =
      permission === 'read'
        ? moduleDeployReadPermission
        : moduleDeployApplyPermission;
    if (entityRef) {
      await authorizeEntity(permissions, perm, entityRef, credentials);
      return;
    }
    const [decision] = await permissions.authorizeConditional(
      [{ permission: perm }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `permission '${perm.name}' is denied for deploys that name no entity (pass entityRef so that entity-based rules apply)`,
      );
    }
  }

  /**
   * Checks the permission on an explicit target, then resolves it; with an entity that declares
   * its own target, the request must name exactly that one (which is then used).
   */
  async function resolveTarget(
    t: ExplicitTarget,
    permission: 'read' | 'apply',
    credentials: BackstageCredentials,
    requestAuth?: KubernetesRequestAuth,
  ): Promise<Resolved> {
    await authorizeTarget(t.entityRef, permission, credentials);
    const clusters = await ctx.clustersFor(requestAuth);
    const explicit = explicitTarget(t, {
      clusters,
      config,
      modules,
    });
    if (t.entityRef) {
      const entity = await loadEntity(t.entityRef, credentials);
      // the entity's own target wins over the request's where it declares one
      const declared = entityTarget(entity, {
        clusters,
        config,
        modules,
      });
      if (declared) {
        checkDeclaredTarget(
          explicit.target,
          declared.target,
          Boolean(t.clusters?.length),
        );
        return declared;
      }
    }
    return explicit;
  }

  /**
   * For the scheduled jobs, with the backend's own credentials: every entity with a module
   * annotation and where it deploys among the clusters `include` keeps. An entity whose target
   * is invalid is logged (`module-deploy <job>: skipping ...`) and left out.
   */
  async function annotatedTargets(opts: {
    job: string;
    include: (c: ClusterDetails) => boolean;
  }): Promise<Array<{ entity: Entity; resolved: Resolved }>> {
    const credentials = await ctx.auth.getOwnServiceCredentials();
    const { items } = await catalog.getEntities(
      {
        filter: {
          [`metadata.annotations.${MODULE_ANNOTATION}`]: CATALOG_FILTER_EXISTS,
        },
      },
      { credentials },
    );
    const clusters = (await ctx.clustersFor()).filter(opts.include);
    const found: Array<{ entity: Entity; resolved: Resolved }> = [];
    for (const entity of items) {
      try {
        const resolved = entityTarget(entity, { clusters, config, modules });
        if (resolved) found.push({ entity, resolved });
      } catch (e) {
        logger.warn(
          `module-deploy ${opts.job}: skipping ${
            entity.metadata.name
          }: ${errorMessage(e)}`,
        );
      }
    }
    return found;
  }

  return { readEntity, applyEntity, resolveTarget, annotatedTargets };
}

/** What {@link createEntityLookups} returns. */
export type EntityLookups = ReturnType<typeof createEntityLookups>;
