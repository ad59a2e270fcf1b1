/**
 * Who may have a finding explained: the caller needs both the read and the explain permission on
 * the entity, checked in one round trip; a denial names every permission that is denied.
 */
import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  k8sDiagnosticsExplainPermission,
  k8sDiagnosticsReadPermission,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';

/** Throws `NotAllowedError` (403) unless both permissions are allowed for `entityRef`. */
export async function authorizeExplain(
  permissions: PermissionsService,
  entityRef: string,
  credentials: BackstageCredentials,
): Promise<void> {
  const decisions = await permissions.authorize(
    [
      { permission: k8sDiagnosticsReadPermission, resourceRef: entityRef },
      { permission: k8sDiagnosticsExplainPermission, resourceRef: entityRef },
    ],
    { credentials },
  );
  const denied = [
    k8sDiagnosticsReadPermission,
    k8sDiagnosticsExplainPermission,
  ].filter((_p, i) => decisions[i].result !== AuthorizeResult.ALLOW);
  if (denied.length) {
    throw new NotAllowedError(
      `permission ${denied
        .map(p => `'${p.name}'`)
        .join(' and ')} is denied for ${entityRef}`,
    );
  }
}
