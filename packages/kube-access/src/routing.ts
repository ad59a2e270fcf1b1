import { createHash } from 'node:crypto';
import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';

/**
 * Normalises an entity reference taken from a request (query `entityRef`), or throws an
 * `InputError` saying what is expected.
 * @public
 */
export function parseEntityRefParam(raw: unknown, param = 'entityRef'): string {
  if (typeof raw !== 'string' || !raw) {
    throw new InputError(
      `parameter '${param}' is missing: pass e.g. ?${param}=component:default/checkout`,
    );
  }
  try {
    return stringifyEntityRef(parseEntityRef(raw));
  } catch (e) {
    throw new InputError(
      `parameter '${param}' is '${raw}', which is not an entity reference (kind:namespace/name): ${
        (e as Error).message
      }`,
    );
  }
}

/**
 * A whole-number request parameter (a page's `limit` or `offset`, a number of days): `fallback`
 * when absent or empty, else an `InputError` naming the parameter and its range when it is not a
 * whole number from `min` to `max`.
 * @public
 */
export function parseIntParam(
  raw: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InputError(
      `parameter '${name}' is '${String(
        raw,
      )}': give a whole number from ${min} to ${max}`,
    );
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
  const [decision] = await permissions.authorize(
    [{ permission, resourceRef: entityRef }],
    { credentials },
  );
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(
      `permission '${permission.name}' is denied for ${entityRef}`,
    );
  }
}

/**
 * Checks a basic (non-resource) permission, such as reading a whole cluster's findings; throws
 * `NotAllowedError` (403) naming the permission when denied.
 * @public
 */
export async function authorizeBasic(
  permissions: PermissionsService,
  permission: BasicPermission,
  credentials: BackstageCredentials,
): Promise<void> {
  const [decision] = await permissions.authorize([{ permission }], {
    credentials,
  });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(`permission '${permission.name}' is denied`);
  }
}

/**
 * Sends a JSON answer built from a stored result with an `ETag` (a hash of the body) and
 * `Cache-Control: private, no-cache` (a browser or proxy keeps it and asks again each time);
 * a request whose `If-None-Match` names that ETag gets `304 Not Modified` and no body.
 * Structural request/response types, so any Express version fits.
 * @public
 */
export function sendJsonWithEtag(
  req: { headers: Record<string, string | string[] | undefined> },
  res: {
    setHeader(name: string, value: string): unknown;
    status(code: number): { end(): unknown };
    type(type: string): { send(body: string): unknown };
  },
  value: unknown,
): void {
  const body = JSON.stringify(value);
  const etag = `"${createHash('sha256')
    .update(body)
    .digest('base64url')
    .slice(0, 27)}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'private, no-cache');
  const match = req.headers['if-none-match'];
  const tags = (Array.isArray(match) ? match.join(',') : match ?? '')
    .split(',')
    .map(t => t.trim().replace(/^W\//, ''));
  if (tags.includes(etag) || tags.includes('*')) {
    res.status(304).end();
    return;
  }
  res.type('application/json').send(body);
}
