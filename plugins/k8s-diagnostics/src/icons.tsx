import { SvgIcon, SvgIconProps } from '@material-ui/core';

/**
 * The icon of Periscope Health (nav item, page header): Material Design's "local hospital".
 * @public
 */
export function HealthIcon(props: SvgIconProps) {
  return (
    <SvgIcon {...props}>
      <path d="M19 3H5c-1.1 0-1.99.9-1.99 2L3 19c0 1.1.9 2 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2zm-1 11h-4v4h-4v-4H6v-4h4V6h4v4h4v4z" />
    </SvgIcon>
  );
}
