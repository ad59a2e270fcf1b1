/**
 * Custom resource kinds discovered from the cluster's CustomResourceDefinitions, for the
 * CustomResource analyzer.
 */
import { KubeObject } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { RESOURCES, ResourceInfo } from './resources';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
}
interface Crd {
  spec?: {
    group?: string;
    names?: { kind?: string; plural?: string };
    scope?: string;
    versions?: CrdVersion[];
  };
}

/** Custom resource kinds from the CRDs (their storage, else first served, version). @public */
export function customResourceInfos(crds: KubeObject[]): ResourceInfo[] {
  const infos: ResourceInfo[] = [];
  for (const crd of crds as Array<KubeObject & Crd>) {
    const spec = crd.spec ?? {};
    const versions = (spec.versions ?? []).filter(v => v.served !== false);
    const version = versions.find(v => v.storage) ?? versions[0];
    const kind = spec.names?.kind;
    if (
      !version ||
      !kind ||
      !spec.group ||
      !spec.names?.plural ||
      RESOURCES[kind]
    )
      continue;
    infos.push({
      kind,
      group: spec.group,
      version: version.name,
      plural: spec.names.plural,
      namespaced: spec.scope !== 'Cluster',
      optional: true,
    });
  }
  return infos;
}
