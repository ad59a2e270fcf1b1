/** Instance ownership: Timoni's owner labels on every object, and the bundle ownership conflict. */
import { KubeObject } from '@periscope/backstage-plugin-module-deploy-common';
import { DeployError } from '../errors';
import { Release } from './types';

/** Labels Timoni (fluxcd ssa `SetOwnerLabels`, owner group `instance.timoni.sh`) puts on objects. */
export const OWNER_NAME_LABEL = 'instance.timoni.sh/name';
/** @see OWNER_NAME_LABEL */
export const OWNER_NAMESPACE_LABEL = 'instance.timoni.sh/namespace';

/**
 * The ownership conflict Timoni reports when a bundle would take over an instance it does not
 * manage, or a standalone apply would take over a bundle's instance; undefined when there is none.
 *
 * @public
 */
export function ownershipConflict(
  release: Pick<Release, 'name' | 'namespace' | 'bundle'>,
  owner: string | undefined,
): DeployError | undefined {
  const ref = `instance ${release.namespace}/${release.name}`;
  const fix =
    'apply with overwrite ownership (--overwrite-ownership) to take it over';
  if (release.bundle && owner !== release.bundle)
    return new DeployError(
      ref,
      'conflict',
      `instance ownership conflict: it exists and is ${
        owner ? `managed by bundle "${owner}"` : 'not managed by a bundle'
      }, not by bundle "${release.bundle}"; ${fix}`,
    );
  if (!release.bundle && owner)
    return new DeployError(
      ref,
      'conflict',
      `instance ownership conflict: it exists and is managed by bundle "${owner}"; ${fix}, or apply the bundle`,
    );
  return undefined;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Sets the ownership labels Timoni sets, without modifying the input. */
export function withOwnerLabels(
  obj: KubeObject,
  name: string,
  namespace: string,
): KubeObject {
  const o = clone(obj);
  o.metadata.labels = {
    ...(o.metadata.labels ?? {}),
    [OWNER_NAME_LABEL]: name,
    [OWNER_NAMESPACE_LABEL]: namespace,
  };
  return o;
}
