import { Box, Chip } from '@material-ui/core';
import {
  PERISCOPE_SEVERITIES,
  PeriscopeSeverity,
  useSeverityColors,
} from './severityColors';

/**
 * A small label in the colour of its severity (see {@link useSeverityColors}).
 * @public
 */
export function SeverityChip(props: {
  severity: PeriscopeSeverity;
  /** Defaults to the severity's name. */
  label?: string;
  size?: 'small' | 'medium';
}) {
  const colors = useSeverityColors();
  // an unknown severity from an older backend reads as info
  const color = colors[props.severity] ?? colors.info;
  return (
    <Chip
      size={props.size ?? 'small'}
      label={props.label ?? props.severity}
      data-severity={props.severity}
      style={{ backgroundColor: color.main, color: color.contrastText }}
    />
  );
}

/**
 * One chip per severity with its count: filled in the severity's colour when there is at least
 * one, outlined in it when there is none.
 * @public
 */
export function SeveritySummary(props: {
  counts: Partial<Record<PeriscopeSeverity, number>>;
  /** The accessible name of the group, e.g. `open findings by severity`. */
  label: string;
  /** The text of one chip; default `3 critical`. */
  format?: (count: number, severity: PeriscopeSeverity) => string;
}) {
  const colors = useSeverityColors();
  const format =
    props.format ?? ((n: number, s: PeriscopeSeverity) => `${n} ${s}`);
  return (
    <Box
      display="flex"
      flexWrap="wrap"
      style={{ gap: 8 }}
      aria-label={props.label}
    >
      {PERISCOPE_SEVERITIES.map(s => {
        const n = props.counts[s] ?? 0;
        return (
          <Chip
            key={s}
            data-severity={s}
            variant={n ? 'default' : 'outlined'}
            label={format(n, s)}
            style={
              n
                ? {
                    backgroundColor: colors[s].main,
                    color: colors[s].contrastText,
                  }
                : { borderColor: colors[s].main }
            }
          />
        );
      })}
    </Box>
  );
}
