import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ClusterDetails,
  KUBERNETES_NAMESPACE_ANNOTATION,
} from '@periscope/kube-access';
import { isDnsLabel } from '@periscope/backstage-plugin-module-deploy-common';
import { ModuleDeployConfig } from '../../config';
import {
  CLUSTERS_ANNOTATION,
  DeployTarget,
  INSTANCE_ANNOTATION,
  MODULE_ANNOTATION,
} from '../../types';
import { ModuleCatalog } from '../ModuleCatalog';
import { ExplicitTarget } from './types';

function checkName(value: string, what: string): string {
  if (!isDnsLabel(value)) {
    throw new InputError(
      `${what} is '${value}', which is not a valid Kubernetes name (lowercase letters, digits and '-', at most 63 characters)`,
    );
  }
  return value;
}

/** Picks the clusters in rollout order, checking every name against the configured clusters. */
export function pickClusters(
  all: ClusterDetails[],
  wanted: string[] | undefined,
  what: string,
): ClusterDetails[] {
  if (!wanted?.length) return all;
  return wanted.map(name => {
    const c = all.find(x => x.name === name);
    if (!c)
      throw new InputError(
        `${what} names cluster '${name}', which is not configured; configured clusters: ${
          all.map(x => x.name).join(', ') || 'none'
        }`,
      );
    return c;
  });
}

/** Where an entity deploys, from its annotations and `moduleDeploy.defaults`; undefined when it has no module annotation. */
export function entityTarget(
  entity: Entity,
  deps: {
    clusters: ClusterDetails[];
    config: ModuleDeployConfig;
    modules: ModuleCatalog;
  },
): { target: DeployTarget; clusters: ClusterDetails[] } | undefined {
  const ann = entity.metadata.annotations ?? {};
  const module = ann[MODULE_ANNOTATION]?.trim();
  if (!module) return undefined;
  const listed = ann[CLUSTERS_ANNOTATION]?.split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const clusters = pickClusters(
    deps.clusters,
    listed?.length ? listed : deps.config.defaults.clusters,
    listed?.length
      ? `annotation ${CLUSTERS_ANNOTATION}`
      : 'moduleDeploy.defaults.clusters',
  );
  const instanceName = checkName(
    ann[INSTANCE_ANNOTATION]?.trim() || entity.metadata.name,
    `the instance name (annotation ${INSTANCE_ANNOTATION} or the entity name)`,
  );
  const namespace = checkName(
    ann[KUBERNETES_NAMESPACE_ANNOTATION]?.trim() ||
      deps.config.defaults.namespace ||
      'default',
    `the namespace (annotation ${KUBERNETES_NAMESPACE_ANNOTATION} or moduleDeploy.defaults.namespace)`,
  );
  return {
    target: {
      entityRef: stringifyEntityRef(entity),
      module,
      source: deps.modules.resolve(module, entity),
      instanceName,
      namespace,
      clusters: clusters.map(c => c.name),
    },
    clusters,
  };
}

/** An explicit target (scaffolder): only configured modules, names checked. */
export function explicitTarget(
  t: ExplicitTarget,
  deps: {
    clusters: ClusterDetails[];
    config: ModuleDeployConfig;
    modules: ModuleCatalog;
  },
): { target: DeployTarget; clusters: ClusterDetails[] } {
  const clusters = pickClusters(
    deps.clusters,
    t.clusters?.length ? t.clusters : deps.config.defaults.clusters,
    t.clusters?.length
      ? "the request's clusters"
      : 'moduleDeploy.defaults.clusters',
  );
  return {
    target: {
      entityRef: t.entityRef ?? '',
      module: t.module,
      source: deps.modules.resolve(t.module),
      instanceName: checkName(t.instanceName, 'instanceName'),
      namespace: checkName(t.namespace, 'namespace'),
      clusters: clusters.map(c => c.name),
    },
    clusters,
  };
}
