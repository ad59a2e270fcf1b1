/**
 * Where a deploy goes: an entity's target from its annotations, an explicit target checked against
 * what the entity declares, and the clusters narrowed to the one a request names.
 */
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ClusterDetails,
  KUBERNETES_NAMESPACE_ANNOTATION,
} from '@periscope/kube-access';
import { isDnsLabel } from '@periscope/backstage-plugin-module-deploy-common';
import { ModuleDeployConfig, deniedNamespacePattern } from '../../config';
import {
  CLUSTERS_ANNOTATION,
  DeployTarget,
  INSTANCE_ANNOTATION,
  MODULE_ANNOTATION,
} from '../../types';
import { ModuleCatalog } from '../ModuleCatalog';
import { Resolved } from './rollout';
import { ExplicitTarget } from './types';

function checkName(value: string, what: string): string {
  if (!isDnsLabel(value)) {
    throw new InputError(
      `${what} is '${value}', which is not a valid Kubernetes name (lowercase letters, digits and '-', at most 63 characters)`,
    );
  }
  return value;
}

function checkNamespaceAllowed(
  namespace: string,
  config: ModuleDeployConfig,
  what: string,
): string {
  const pattern = deniedNamespacePattern(namespace, config.deniedNamespaces);
  if (pattern) {
    throw new InputError(
      `${what} is '${namespace}', which moduleDeploy.deniedNamespaces refuses ('${pattern}'): deploy into a namespace of the service's own (set backstage.io/kubernetes-namespace on the entity), or ask the platform team to change moduleDeploy.deniedNamespaces`,
    );
  }
  return namespace;
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
  const source = deps.modules.resolve(module, entity);
  return {
    target: {
      entityRef: stringifyEntityRef(entity),
      module,
      source,
      instanceName,
      namespace: checkNamespaceAllowed(
        namespace,
        deps.config,
        `the namespace (annotation ${KUBERNETES_NAMESPACE_ANNOTATION} or moduleDeploy.defaults.namespace)`,
      ),
      clusters: clusters.map(c => c.name),
    },
    clusters,
  };
}

/**
 * With an entity that declares its deploy target (a module annotation), an explicit target must
 * be exactly that one: a request may not point another team's instance, namespace or clusters at
 * an entity it may act on. Throws an InputError naming each difference.
 */
export function checkDeclaredTarget(
  explicit: DeployTarget,
  declared: DeployTarget,
  clustersGiven: boolean,
): void {
  const fields: Array<[keyof DeployTarget, string]> = [
    ['module', MODULE_ANNOTATION],
    ['instanceName', `${INSTANCE_ANNOTATION} (or the entity name)`],
    ['namespace', KUBERNETES_NAMESPACE_ANNOTATION],
  ];
  const diffs = fields
    .filter(([k]) => explicit[k] !== declared[k])
    .map(
      ([k, from]) =>
        `${k} '${explicit[k]}' where the entity declares '${declared[k]}' (${from})`,
    );
  if (
    clustersGiven &&
    explicit.clusters.join(',') !== declared.clusters.join(',')
  )
    diffs.push(
      `clusters '${explicit.clusters.join(
        ',',
      )}' where the entity declares '${declared.clusters.join(
        ',',
      )}' (${CLUSTERS_ANNOTATION} or moduleDeploy.defaults.clusters)`,
    );
  if (diffs.length > 0) {
    throw new InputError(
      `the request targets another instance than entity '${
        declared.entityRef
      }' declares: ${diffs.join(
        '; ',
      )}. Make them equal what the entity declares (clusters may be left out)`,
    );
  }
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
      namespace: checkNamespaceAllowed(
        checkName(t.namespace, 'namespace'),
        deps.config,
        'namespace',
      ),
      clusters: clusters.map(c => c.name),
    },
    clusters,
  };
}

/** The clusters of `r` narrowed to `cluster` when one is named; an unknown name is a 400. */
export function narrowTo(r: Resolved, cluster: string | undefined): Resolved {
  if (!cluster) return r;
  const clusters = r.clusters.filter(c => c.name === cluster);
  if (!clusters.length) {
    throw new InputError(
      `cluster '${cluster}' is not a target of ${
        r.target.entityRef || r.target.instanceName
      }; targets: ${r.target.clusters.join(', ')}`,
    );
  }
  return { clusters, target: { ...r.target, clusters: [cluster] } };
}
