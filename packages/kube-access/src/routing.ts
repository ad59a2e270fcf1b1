import { BackstageCredentials, PermissionsService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult, ResourcePermission } from '@backstage/plugin-permission-common';

/**
 * Normalises an entity reference taken from a request (query `entityRef`), or throws an
 * `InputError` saying what is expected.
 * @public
 */
export function parseEntityRefParam(raw: unknown, param = 'entityRef'): string {
  if (typeof raw !== 'string' || !raw) {
    throw new InputError(`parameter '${param}' is missing: pass e.g. ?${param}=component:default/checkout`);
  }
  try {
    return stringifyEntityRef(parseEntityRef(raw));
  } catch (e) {
    throw new InputError(
      `parameter '${param}' is '${raw}', which is not an entity reference (kind:namespace/name): ${(e as Error).message}`,
    );
  }
}

/**
 * A whole-number request parameter (a page's `limit` or `offset`, a number of days): `fallback`
 * when absent or empty, else an `InputError` naming the parameter and its range when it is not a
 * whole number from `min` to `max`.
 * @public
 */
export function parseIntParam(raw: unknown, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InputError(`parameter '${name}' is '${String(raw)}': give a whole number from ${min} to ${max}`);
  }
  return n;
}

/**
 * Checks a catalog-entity resource permission for one entity; throws `NotAllowedError` (403)
 * naming the permission when denied. Conditional decisions are resolved by the permission
 * backend against the catalog entity.
 * @public
 */
export async function authorizeEntity(
  permissions: PermissionsService,
  permission: ResourcePermission<'catalog-entity'>,
  entityRef: string,
  credentials: BackstageCredentials,
): Promise<void> {
  const [decision] = await permissions.authorize([{ permission, resourceRef: entityRef }], { credentials });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(`permission '${permission.name}' is denied for ${entityRef}`);
  }
}
