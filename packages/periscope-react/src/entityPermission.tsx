import { ReactElement } from 'react';
import { Tooltip } from '@material-ui/core';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';

/**
 * Whether the signed-in user holds a permission on an entity.
 * @public
 */
export type EntityPermission = {
  permission: ResourcePermission;
  /** True while the decision loads: the controls it gates stay disabled meanwhile. */
  loading: boolean;
  /** True only once the permission is known to be allowed. */
  allowed: boolean;
  /** Why no decision could be had (the controls stay disabled). */
  error?: Error;
};

/**
 * Asks the permission framework (the same policy the backend enforces) about `permission` on
 * the entity; a conditional policy (e.g. owners only) is evaluated for it.
 * @public
 */
export function useEntityPermission(
  permission: ResourcePermission,
  entityRef: string,
): EntityPermission {
  const { loading, allowed, error } = usePermission({
    permission,
    resourceRef: entityRef,
  });
  return { permission, loading, allowed: !loading && allowed, error };
}

/**
 * Why the user may not `action`, in the words the UI shows; undefined while the decision loads
 * and when the permission is allowed.
 * @public
 */
export function notAllowedReason(
  p: EntityPermission,
  action: string,
): string | undefined {
  if (p.loading || p.allowed) return undefined;
  if (p.error) {
    return `Could not check whether you may ${action} (permission '${p.permission.name}'): ${p.error.message}`;
  }
  return `You may not ${action} (permission '${p.permission.name}' is denied for this entity); ask its owners or the platform team.`;
}

/**
 * Whether the signed-in user may take an action on an entity, and if not, why.
 * @public
 */
export type EntityActionPermission = {
  /** True while the decision loads: the control stays disabled meanwhile. */
  loading: boolean;
  /** True only once the permission is known to be allowed. */
  allowed: boolean;
  /** Set when the action is denied or the decision could not be had. */
  reason?: string;
};

/**
 * {@link useEntityPermission} for one action, with the reason the UI shows when it is not allowed.
 * @public
 */
export function useEntityActionPermission(
  permission: ResourcePermission,
  entityRef: string,
  action: string,
): EntityActionPermission {
  const p = useEntityPermission(permission, entityRef);
  return {
    loading: p.loading,
    allowed: p.allowed,
    reason: notAllowedReason(p, action),
  };
}

/**
 * Shows `reason` on hover over a (disabled) control; a disabled button fires no events, so it
 * is wrapped in a span. Without a reason, the control is returned as it is.
 * @public
 */
export function WithReason(props: { reason?: string; children: ReactElement }) {
  if (!props.reason) return props.children;
  return (
    <Tooltip title={props.reason}>
      <span>{props.children}</span>
    </Tooltip>
  );
}
