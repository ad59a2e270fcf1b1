import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';

/** The permission name prefixes of the Periscope plugins. */
const PERISCOPE_PREFIXES = [
  'k8s-diagnostics.',
  'module-deploy.',
  'runtime-security.',
];

/** Non-entity Periscope permissions every signed-in user holds: the list of modules is no team's data. */
const OPEN_TO_ALL = new Set(['module-deploy.modules.read']);

/**
 * Settings of the Periscope permission policy.
 * @public
 */
export interface PeriscopePolicyConfig {
  mode: 'owners' | 'allow-all';
  platformGroups: string[];
}

/**
 * Reads `periscope.permissionPolicy`.
 * @public
 */
export function readPeriscopePolicyConfig(
  config: Config,
): PeriscopePolicyConfig {
  const key = 'periscope.permissionPolicy';
  const mode = config.getOptionalString(`${key}.mode`) ?? 'owners';
  if (mode !== 'owners' && mode !== 'allow-all') {
    throw new InputError(
      `${key}.mode is '${mode}': use 'owners' (production) or 'allow-all' (development only)`,
    );
  }
  const platformGroups =
    config.getOptionalStringArray(`${key}.platformGroups`) ?? [];
  for (const g of platformGroups) {
    if (!/^group:[^/:\s]+\/[^/:\s]+$/.test(g)) {
      throw new InputError(
        `${key}.platformGroups has '${g}', which is not a group entity ref: write group:<namespace>/<name>, e.g. group:default/platform`,
      );
    }
  }
  return { mode, platformGroups };
}

/**
 * The policy: in `owners` mode, Periscope permissions on a catalog entity are allowed to the
 * members of the entity's owning groups (the catalog's `isEntityOwner` condition) and to the
 * platform groups; the cluster-wide Periscope permissions only to the platform groups; other
 * plugins' permissions and service principals are allowed (wrap this policy to narrow those).
 * @public
 */
export function createPeriscopePolicy(
  config: PeriscopePolicyConfig,
): PermissionPolicy {
  const platform = new Set(config.platformGroups);
  return {
    async handle(
      request: PolicyQuery,
      user?: PolicyQueryUser,
    ): Promise<PolicyDecision> {
      if (config.mode === 'allow-all') return { result: AuthorizeResult.ALLOW };
      const { permission } = request;
      if (!PERISCOPE_PREFIXES.some(p => permission.name.startsWith(p)))
        return { result: AuthorizeResult.ALLOW };
      // a backend acting as itself (scheduled work, ingest with a service token)
      if (!user) return { result: AuthorizeResult.ALLOW };
      const claims = user.info.ownershipEntityRefs ?? [];
      if (claims.some(ref => platform.has(ref)))
        return { result: AuthorizeResult.ALLOW };
      if (isResourcePermission(permission, 'catalog-entity')) {
        return createCatalogConditionalDecision(
          permission,
          catalogConditions.isEntityOwner({ claims }),
        );
      }
      if (OPEN_TO_ALL.has(permission.name))
        return { result: AuthorizeResult.ALLOW };
      return { result: AuthorizeResult.DENY };
    },
  };
}
