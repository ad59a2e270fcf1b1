/** One object against the cluster: its read, its server-side apply (or dry run), and inventory entries as object headers. */
import { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import {
  InventoryEntry,
  JsonObject,
  KubeObject,
  entryApiVersion,
  objectRef,
  parseInventoryEntry,
} from '@periscope/backstage-plugin-module-deploy-common';
import { httpStatus, toDeployError } from '../errors';
import { DeployerContext } from './types';

/** The object an inventory entry names: apiVersion, kind, name and namespace only. */
export function header(entry: InventoryEntry): KubernetesObject {
  const key = parseInventoryEntry(entry);
  return {
    apiVersion: entryApiVersion(key),
    kind: key.kind,
    metadata: {
      name: key.name,
      ...(key.namespace ? { namespace: key.namespace } : {}),
    },
  };
}

/** `Kind/namespace/name` of an object. */
export function refOf(o: KubernetesObject): string {
  return objectRef(o as KubeObject);
}

/** The live object, or undefined when the cluster has none (404). */
export async function readObject(
  c: Pick<DeployerContext, 'api'>,
  o: KubernetesObject,
): Promise<JsonObject | undefined> {
  try {
    return (await c.api.read(
      o as KubernetesObject & { metadata: { name: string } },
    )) as unknown as JsonObject;
  } catch (e) {
    if (httpStatus(e) === 404) return undefined;
    throw toDeployError(refOf(o), 'read', e);
  }
}

/** Server-side apply of one object (a dry run with `dryRun`), as the deployer's field manager. */
export async function applyObject(
  c: Pick<DeployerContext, 'api' | 'fieldManager'>,
  o: KubeObject,
  dryRun: boolean,
  force = true,
): Promise<JsonObject> {
  try {
    const res = await c.api.patch(
      o as unknown as KubernetesObject,
      undefined,
      dryRun ? 'All' : undefined,
      c.fieldManager,
      force,
      PatchStrategy.ServerSideApply,
    );
    return res as unknown as JsonObject;
  } catch (e) {
    throw toDeployError(refOf(o), dryRun ? 'server-side dry run' : 'apply', e);
  }
}
