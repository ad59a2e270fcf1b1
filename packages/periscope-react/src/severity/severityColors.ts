import { useMemo } from 'react';
import { getContrastRatio, Theme, useTheme } from '@material-ui/core/styles';

/**
 * The severities every Periscope plugin uses (health findings, runtime-security findings,
 * timeline events), most severe first.
 * @public
 */
export type PeriscopeSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/**
 * All severities, most severe first.
 * @public
 */
export const PERISCOPE_SEVERITIES: readonly PeriscopeSeverity[] = [
  'critical',
  'high',
  'medium',
  'low',
  'info',
];

/**
 * The colour of one severity in the current theme.
 * @public
 */
export interface SeverityColor {
  /** Fill of a chip, bar or dot. */
  main: string;
  /** Text on a `main` background. */
  contrastText: string;
}

/** Of the theme's two text colours, the one that reads better on `background`. */
function readableOn(theme: Theme, background: string): string {
  const light = theme.palette.common.white;
  const dark = theme.palette.common.black;
  return getContrastRatio(background, light) >=
    getContrastRatio(background, dark)
    ? light
    : 'rgba(0, 0, 0, 0.87)';
}

/**
 * The colour of a severity, from the theme's palette: critical the error colour, high and medium
 * the warning colour (strong and light), low the info colour, info the secondary text colour.
 * On a light theme the darker variants are used (they stand out on white paper), on a dark theme
 * the lighter ones (at least 3:1 against Backstage's dark paper). The text colour on it is black
 * or white, whichever contrasts more.
 * @public
 */
export function severityColor(
  theme: Theme,
  severity: PeriscopeSeverity,
): SeverityColor {
  const { palette } = theme;
  const dark = palette.type === 'dark';
  let main: string;
  switch (severity) {
    case 'critical':
      main = dark ? palette.error.light : palette.error.dark;
      break;
    case 'high':
      main = dark ? palette.warning.main : palette.warning.dark;
      break;
    case 'medium':
      main = palette.warning.light;
      break;
    case 'low':
      main = dark ? palette.info.light : palette.info.dark;
      break;
    default:
      main = palette.text.secondary;
  }
  return { main, contrastText: readableOn(theme, main) };
}

/**
 * {@link severityColor} for every severity.
 * @public
 */
export function severityColors(
  theme: Theme,
): Record<PeriscopeSeverity, SeverityColor> {
  return {
    critical: severityColor(theme, 'critical'),
    high: severityColor(theme, 'high'),
    medium: severityColor(theme, 'medium'),
    low: severityColor(theme, 'low'),
    info: severityColor(theme, 'info'),
  };
}

/**
 * The severity palette of the current theme (light or dark): one colour per severity, the same in
 * every Periscope plugin.
 * @public
 */
export function useSeverityColors(): Record<PeriscopeSeverity, SeverityColor> {
  const theme = useTheme();
  return useMemo(() => severityColors(theme), [theme]);
}
